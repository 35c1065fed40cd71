/*
 * base/base.h: the door of src/base/: allocation, files, strings, errors and the
 * arena every later stage of the pipeline uses. Depends on nothing but the
 * public header.
 */
#ifndef LR_BASE_H
#define LR_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "llmroof.h"

/* ---- base/util.c: allocation, strings, files ---- */

/* Abort on out-of-memory: an analysis tool has no useful way to go on, and
 * threading ENOMEM through every parser would hide the real error paths. */
void *lr_xmalloc(size_t n);
void *lr_xcalloc(size_t n, size_t size);
void *lr_xrealloc(void *p, size_t n, size_t size);
char *lr_xstrdup(const char *s);
char *lr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a whole file; NULL and `err` filled on failure. Caller frees. */
char *lr_read_file(const char *path, size_t *len, lr_error *err);
int lr_is_dir(const char *path);
int lr_is_file(const char *path);
/* Sorted list of the *.json files of a directory. Caller frees each and the array. */
char **lr_list_json(const char *dir, size_t *n, lr_error *err);
/* Edit distance, for "did you mean" suggestions. */
size_t lr_edit_distance(const char *a, const char *b);

/* ---- base/suggest.c: "did you mean" ---- */
#define LR_NOT_CLOSE ((size_t)-1)
#define LR_SUGGEST_MAX 3
/* "H100-SXM" -> "h100sxm": lowercase letters and digits only. */
void lr_name_squash(const char *s, char *out, size_t cap);
/* 0: the same name up to case and punctuation; 1 + k: every word typed is
 * a word of `cand`, which has k more; 100 + d: d edits apart once squashed;
 * LR_NOT_CLOSE beyond a third of the typed length (at least 2). */
size_t lr_suggest_distance(const char *typed, const char *cand);
/* The closest LR_SUGGEST_MAX candidates offered, best first, each shown
 * as `show` (kept once, with its best score). */
typedef struct lr_suggest {
    char name[LR_SUGGEST_MAX][160];
    size_t score[LR_SUGGEST_MAX];
    size_t n;
} lr_suggest;
void lr_suggest_init(lr_suggest *s);
void lr_suggest_offer(lr_suggest *s, const char *typed, const char *cand, const char *show);
/* "a, b, c" into buf; returns how many. */
size_t lr_suggest_write(const lr_suggest *s, char *buf, size_t cap);

/* ---- base/error.c ---- */
void lr_err_set(lr_error *err, const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void lr_err_clear(lr_error *err);

/* ---- base/arena.c: bump allocation for formula trees ---- */
typedef struct lr_arena {
    struct arena_chunk *head;
} lr_arena;
void *lr_arena_alloc(lr_arena *a, size_t n);
char *lr_arena_strdup(lr_arena *a, const char *s);
void lr_arena_free(lr_arena *a);

#endif
