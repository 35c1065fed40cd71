/* jsonw.h: the JSON writer's declarations live in the public header. */
#ifndef LR_JSONW_H
#define LR_JSONW_H
#include "llmroof.h"
#endif
