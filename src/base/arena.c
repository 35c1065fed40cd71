/*
 * arena.c: bump allocation. Formula trees are built in bulk and freed in
 * bulk (with the database, or after a plan is compiled), so per-node frees
 * would only add ownership bugs.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
};

void *
lr_arena_alloc(lr_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        c = lr_xmalloc(sizeof *c + cap);
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *
lr_arena_strdup(lr_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = lr_arena_alloc(a, n);
    memcpy(p, s, n);
    return p;
}

void
lr_arena_free(lr_arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
