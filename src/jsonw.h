/* jsonw.h: streaming JSON writer (see jsonw.c). */
#ifndef LR_JSONW_H
#define LR_JSONW_H

#include <stdio.h>

#define LR_JW_MAXDEPTH 32

typedef struct lr_jw {
    FILE *f;
    int pretty;
    int depth;
    int after_key;
    int count[LR_JW_MAXDEPTH];
} lr_jw;

void lr_jw_init(lr_jw *w, FILE *f, int pretty);
void lr_jw_obj(lr_jw *w);
void lr_jw_end_obj(lr_jw *w);
void lr_jw_arr(lr_jw *w);
void lr_jw_end_arr(lr_jw *w);
void lr_jw_key(lr_jw *w, const char *k);
void lr_jw_str(lr_jw *w, const char *s);
void lr_jw_num(lr_jw *w, double v);
void lr_jw_bool(lr_jw *w, int b);
void lr_jw_null(lr_jw *w);
void lr_jw_kstr(lr_jw *w, const char *k, const char *s);
void lr_jw_knum(lr_jw *w, const char *k, double v);
void lr_jw_kbool(lr_jw *w, const char *k, int b);
/* Shortest decimal form of v that reads back exactly; "null" if not finite. */
void lr_fmt_double(char *buf, size_t cap, double v);

#endif
