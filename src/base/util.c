/*
 * util.c: allocation that aborts on out-of-memory, whole-file reads,
 * directory listings, edit distance, and numbers to and from text.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"

static void
oom(size_t n)
{
    fprintf(stderr, "llmroof: out of memory allocating %zu bytes\n", n);
    abort();
}

void *
lr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *
lr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *
lr_xrealloc(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom(SIZE_MAX);
    size_t bytes = n * size;
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        oom(n * size);
    return q;
}

char *
lr_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = lr_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

char *
lr_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = lr_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *
lr_read_file(const char *path, size_t *len, lr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lr_err_set(err, path, "", "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = lr_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap)
            buf = lr_xrealloc(buf, cap *= 2, 1);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        lr_err_set(err, path, "", "read error");
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int
lr_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
lr_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
lr_list_json(const char *dir, size_t *n, lr_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        lr_err_set(err, dir, "", "cannot open directory: %s", strerror(errno));
        return NULL;
    }
    char **v = NULL;
    size_t cnt = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        v = lr_xrealloc(v, cnt + 1, sizeof *v);
        v[cnt++] = lr_xasprintf("%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_str);
    *n = cnt;
    return v;
}

size_t
lr_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = lr_xmalloc((lb + 1) * sizeof *row);
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

/* Shortest decimal form that reads back to the same double (JSON and
 * formula texts alike). */
void
lr_fmt_double(char *buf, size_t cap, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, cap, "null");
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int
lr_parse_number(const char *text, double *out)
{
    if (!text[0] || strspn(text, "0123456789.eE+-") != strlen(text))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int
lr_parse_whole(const char *name, const char *text, double min, double max, double *out,
               lr_error *err)
{
    double v;
    if (lr_parse_number(text, &v) == 0 && v == floor(v) && v >= min && v <= max) {
        *out = v;
        return 0;
    }
    lr_err_set(err, "", "", "%s: expected a whole number from %.0f to %.0f, got '%s'", name, min,
               max, text);
    return -1;
}
