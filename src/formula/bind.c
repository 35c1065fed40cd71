/*
 * bind.c: turns a module's formula into one over runtime variables
 * only. Parameters are replaced by the values a tree node (or a caller's
 * arguments) bind to them, runtime variables become slots, and each
 * ${Class}(args) call is replaced by the callee's FLOP formula with its
 * parameters bound to the arguments: calls are inlined at compile time, so
 * evaluation never calls anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formula/formula.h"

static ast *
copy_node(lr_arena *a, const ast *e, int nargs)
{
    ast *c = lr_arena_alloc(a, sizeof *c);
    *c = *e;
    c->nargs = nargs;
    c->args = nargs ? lr_arena_alloc(a, (size_t)nargs * sizeof *c->args) : NULL;
    return c;
}

static ast *
slot(lr_arena *a, int v, int col)
{
    ast *e = lr_arena_alloc(a, sizeof *e);
    e->kind = A_SLOT;
    e->op = v;
    e->col = col;
    return e;
}

ast *
lr_bind(lr_bind_ctx *cx, const ast *e, const lr_binding *env, size_t nenv)
{
    switch (e->kind) {
    case A_VAR: {
        for (size_t i = nenv; i-- > 0;)
            if (strcmp(env[i].name, e->name) == 0)
                return (ast *)env[i].value; /* shared, never mutated after folding */
        int v = lr_var_lookup(e->name);
        if (v >= 0)
            return slot(cx->arena, v, e->col);
        if (strcmp(e->name, "out_bytes") == 0) {
            if (cx->out_bytes_slot != LR_V_KV_BYTES)
                return slot(cx->arena, cx->out_bytes_slot, e->col);
            /* a KV-cache element carries its share of the group scales */
            ast *b = lr_arena_alloc(cx->arena, sizeof *b);
            b->kind = A_BIN;
            b->op = B_ADD;
            b->col = e->col;
            b->args = lr_arena_alloc(cx->arena, 2 * sizeof *b->args);
            b->args[0] = slot(cx->arena, LR_V_KV_BYTES, e->col);
            b->args[1] = slot(cx->arena, LR_V_KV_SCALE_BYTES, e->col);
            b->nargs = 2;
            return b;
        }
        lr_err_set(cx->err, "", "", "unknown variable {%s}", e->name);
        cx->err->col = e->col;
        return NULL;
    }
    case A_CALL:
        if (!cx->call) {
            lr_err_set(cx->err, "", "", "module call ${%s} needs a module database", e->name);
            cx->err->col = e->col;
            return NULL;
        }
        return cx->call(cx, e, env, nenv);
    default: {
        ast *c = copy_node(cx->arena, e, e->nargs);
        for (int i = 0; i < e->nargs; i++) {
            c->args[i] = lr_bind(cx, e->args[i], env, nenv);
            if (!c->args[i])
                return NULL;
        }
        return c;
    }
    }
}
