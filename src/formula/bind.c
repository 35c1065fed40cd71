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

/* A node whose weights have another width reads the weight variables of
 * its role (enum lr_wrole): {w_bytes}, {w_scale_bytes}, {w_bit} in order;
 * -1 is the number 0 (kept weights carry no scales). */
static const int role_vars[LR_NWROLES][3] = {
    [LR_WR_EMBED] = {LR_V_W_EMB_BYTES, LR_V_W_EMB_SCALE_BYTES, LR_V_W_EMB_BIT},
    [LR_WR_HEAD] = {LR_V_W_HEAD_BYTES, LR_V_W_HEAD_SCALE_BYTES, LR_V_W_HEAD_BIT},
    [LR_WR_KEEP] = {LR_V_W16_BYTES, -1, LR_V_W16_BIT},
};

static ast *
weight_var(lr_bind_ctx *cx, int v, int col)
{
    int k = v == LR_V_W_BYTES ? 0 : v == LR_V_W_SCALE_BYTES ? 1 : v == LR_V_W_BIT ? 2 : -1;
    if (k < 0 || cx->wrole <= LR_WR_QUANT || cx->wrole >= LR_NWROLES)
        return slot(cx->arena, v, col);
    int to = role_vars[cx->wrole][k];
    return to >= 0 ? slot(cx->arena, to, col) : lr_ast_num(cx->arena, 0);
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
            return weight_var(cx, v, e->col);
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
