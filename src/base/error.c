/*
 * error.c: filling and formatting lr_error. Only the CLI prints; the library
 * fills the struct and returns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

void
lr_err_clear(lr_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

void
lr_err_set(lr_error *err, const char *file, const char *path, const char *fmt, ...)
{
    if (!err)
        return;
    lr_err_clear(err);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void
lr_error_format(const lr_error *err, char *buf, size_t cap)
{
    size_t n = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (n < cap) {                                                                             \
            int w_ = snprintf(buf + n, cap - n, __VA_ARGS__);                                      \
            if (w_ > 0)                                                                            \
                n += (size_t)w_;                                                                   \
        }                                                                                          \
    } while (0)
    if (cap == 0)
        return;
    buf[0] = '\0';
    if (err->file[0]) {
        PUT("%s", err->file);
        if (err->line > 0)
            PUT(":%d:%d", err->line, err->col);
        PUT(": ");
    }
    if (err->path[0])
        PUT("%s: ", err->path);
    if (err->source[0] && err->col > 0 && err->line == 0)
        PUT("column %d: ", err->col);
    PUT("%s", err->msg);
    if (err->source[0]) {
        PUT("\n    %s\n    ", err->source);
        for (int i = 1; i < err->col && n < cap; i++)
            PUT(" ");
        PUT("^");
    }
#undef PUT
}
