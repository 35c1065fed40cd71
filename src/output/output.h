/*
 * output/output.h: the door of src/output/: the JSON writer, tables, CSV, Markdown,
 * SVG charts and the HTML report. Upstream: eval/.
 */
#ifndef LR_OUTPUT_H
#define LR_OUTPUT_H

#include "eval/eval.h"

/* ---- markup.c: escaping for the XML and HTML writers (svg.c, html.c) ---- */
void lr_xml_escape(FILE *f, const char *s);

/* ---- report.c ---- */

/* The object of `analyze --format json` into `w` at any nesting. */
void lr_report_json(lr_jw *w, const lr_result *r, const lr_plan *plan, const char *model);

#endif
