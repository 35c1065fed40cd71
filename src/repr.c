/* repr.c: reading the text print(model) shows (being written). */
#include "internal.h"
