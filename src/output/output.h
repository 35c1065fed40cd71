/*
 * output/output.h: the door of src/output/: the JSON writer, tables, CSV, Markdown,
 * SVG charts and the HTML report. Upstream: eval/.
 */
#ifndef LR_OUTPUT_H
#define LR_OUTPUT_H

#include "eval/eval.h"

#endif
