/*
 * jsonw.c: a streaming JSON writer. Numbers print in the shortest form that
 * reads back to the same double (jansson would print 0.1 as
 * 0.10000000000000001), and keys come out in the order written, so output
 * is stable for golden tests and other tools.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

void
lr_jw_init(lr_jw *w, FILE *f, int pretty)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->pretty = pretty;
}

static void
newline(lr_jw *w)
{
    if (!w->pretty)
        return;
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

/* Separator before a value or key at the current level. */
static void
sep(lr_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->count[w->depth] > 0)
            fputc(',', w->f);
        newline(w);
        w->count[w->depth]++;
    }
}

static void
jw_open(lr_jw *w, char c)
{
    sep(w);
    fputc(c, w->f);
    if (w->depth < LR_JW_MAXDEPTH - 1)
        w->depth++;
    w->count[w->depth] = 0;
}

static void
jw_close(lr_jw *w, char c)
{
    int had = w->count[w->depth] > 0;
    w->depth--;
    if (had)
        newline(w);
    fputc(c, w->f);
    if (w->depth == 0 && w->pretty)
        fputc('\n', w->f);
}

void
lr_jw_obj(lr_jw *w)
{
    jw_open(w, '{');
}
void
lr_jw_end_obj(lr_jw *w)
{
    jw_close(w, '}');
}
void
lr_jw_arr(lr_jw *w)
{
    jw_open(w, '[');
}
void
lr_jw_end_arr(lr_jw *w)
{
    jw_close(w, ']');
}

static void
write_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void
lr_jw_key(lr_jw *w, const char *k)
{
    sep(w);
    write_str(w->f, k);
    fputs(w->pretty ? ": " : ":", w->f);
    w->after_key = 1;
}

void
lr_jw_str(lr_jw *w, const char *s)
{
    sep(w);
    write_str(w->f, s ? s : "");
}

void
lr_jw_num(lr_jw *w, double v)
{
    char buf[40];
    sep(w);
    lr_fmt_double(buf, sizeof buf, v);
    fputs(buf, w->f);
}

void
lr_jw_bool(lr_jw *w, int b)
{
    sep(w);
    fputs(b ? "true" : "false", w->f);
}

void
lr_jw_null(lr_jw *w)
{
    sep(w);
    fputs("null", w->f);
}

void
lr_jw_kstr(lr_jw *w, const char *k, const char *s)
{
    lr_jw_key(w, k);
    lr_jw_str(w, s);
}
void
lr_jw_knum(lr_jw *w, const char *k, double v)
{
    lr_jw_key(w, k);
    lr_jw_num(w, v);
}
void
lr_jw_kbool(lr_jw *w, const char *k, int b)
{
    lr_jw_key(w, k);
    lr_jw_bool(w, b);
}
