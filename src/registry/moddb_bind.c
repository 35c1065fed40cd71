/*
 * moddb_bind.c: what binding needs from the module database: a module's
 * parameters bound to a node's values or a caller's arguments, and the
 * inlining of ${Class}(args) calls (the hook formula/bind.c calls), so that
 * the formula folder never sees a database. Also the stand-alone formulas
 * of the public API, which resolve their calls here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

ast *
lr_module_flops_ast(lr_arena *a, const lr_module *m)
{
    ast *sum = NULL;
    for (size_t i = 0; i < m->nops; i++) {
        ast *t = m->ops[i].tree[LR_F_FLOPS];
        if (!t)
            continue;
        if (!sum) {
            sum = t;
            continue;
        }
        ast *b = lr_arena_alloc(a, sizeof *b);
        b->kind = A_BIN;
        b->op = B_ADD;
        b->args = lr_arena_alloc(a, 2 * sizeof *b->args);
        b->args[0] = sum;
        b->args[1] = t;
        b->nargs = 2;
        sum = b;
    }
    return sum ? sum : lr_ast_num(a, 0);
}

int
lr_bind_module_params(lr_bind_ctx *cx, const lr_module *m, const lr_binding *given, size_t ngiven,
                      lr_binding *env)
{
    for (size_t i = 0; i < m->nparams; i++) {
        env[i].name = m->params[i].name;
        env[i].value = NULL;
        for (size_t j = 0; j < ngiven; j++)
            if (strcmp(given[j].name, m->params[i].name) == 0)
                env[i].value = given[j].value;
        if (env[i].value)
            continue;
        if (!m->params[i].def) {
            lr_err_set(cx->err, "", "", "missing parameter '%s' required by %s", m->params[i].name,
                       m->cls);
            return -1;
        }
        /* a default sees the runtime variables and the parameters before it */
        env[i].value = lr_bind(cx, m->params[i].def, env, i);
        if (!env[i].value)
            return -1;
    }
    return 0;
}

static ast *
bind_call(lr_bind_ctx *cx, const ast *e, const lr_binding *env, size_t nenv)
{
    const lr_db *db = cx->ud;
    const lr_module *callee = lr_db_find(db, e->name);
    if (!callee) {
        lr_db_unknown_class(db, e->name, cx->err);
        cx->err->col = e->col;
        return NULL;
    }
    if ((size_t)e->nargs > callee->nparams ||
        (size_t)e->nargs < lr_module_required_params(callee)) {
        lr_err_set(cx->err, "", "", "%d arguments given, %s takes %zu", e->nargs, callee->cls,
                   callee->nparams);
        cx->err->col = e->col;
        return NULL;
    }
    /* Guard against cycles that lr_db_finish did not see (it always runs
     * first for databases; this keeps lr_bind safe on its own). */
    if (cx->depth > 64) {
        lr_err_set(cx->err, "", "", "module calls nested more than 64 deep (cyclic call of %s?)",
                   callee->cls);
        cx->err->col = e->col;
        return NULL;
    }
    lr_binding given[64];
    for (int i = 0; i < e->nargs; i++) {
        given[i].name = callee->params[i].name;
        given[i].value = lr_bind(cx, e->args[i], env, nenv);
        if (!given[i].value)
            return NULL;
    }
    lr_binding *cenv = lr_arena_alloc(cx->arena, (callee->nparams + 1) * sizeof *cenv);
    cx->depth++;
    ast *r = NULL;
    if (lr_bind_module_params(cx, callee, given, (size_t)e->nargs, cenv) == 0)
        r = lr_bind(cx, lr_module_flops_ast(cx->arena, callee), cenv, callee->nparams);
    cx->depth--;
    return r;
}

lr_bind_ctx
lr_db_bind_ctx(lr_arena *arena, const lr_db *db, int out_bytes_slot, lr_error *err)
{
    lr_bind_ctx cx = {arena, db ? bind_call : NULL, db, out_bytes_slot, 0, err, LR_WR_DEFAULT};
    return cx;
}

/* ---- stand-alone formulas (public API) ---- */

struct lr_formula {
    lr_prog prog;
};

lr_formula *
lr_formula_compile(const char *text, const lr_db *db, const char *const *extra_names,
                   const double *extra_values, size_t nextra, lr_error *err)
{
    lr_arena arena = {0};
    lr_err_clear(err);
    lr_formula *f = NULL;
    ast *t = lr_expr_parse(&arena, text, err);
    if (t) {
        lr_binding *env = lr_arena_alloc(&arena, (nextra + 1) * sizeof *env);
        for (size_t i = 0; i < nextra; i++) {
            env[i].name = extra_names[i];
            env[i].value = lr_ast_num(&arena, extra_values[i]);
        }
        lr_bind_ctx cx = lr_db_bind_ctx(&arena, db, LR_V_A_BYTES, err);
        ast *b = lr_bind(&cx, t, env, nextra);
        if (b) {
            b = lr_ast_fold(&arena, b);
            f = lr_xcalloc(1, sizeof *f);
            lr_prog_init(&f->prog);
            lr_prog_emit_store(&f->prog, b, 0);
        } else {
            snprintf(err->source, sizeof err->source, "%s", text);
        }
    }
    lr_arena_free(&arena);
    return f;
}

int
lr_formula_eval(const lr_formula *f, const double *vars, double *out, lr_error *err)
{
    int bad;
    const char *why;
    /* a stack of our own, so that threads can share a compiled formula */
    double local[256];
    double *stack =
        f->prog.maxdepth < 256 ? local : lr_xcalloc((size_t)f->prog.maxdepth + 1, sizeof *stack);
    int rc = lr_prog_run(&f->prog, vars, out, stack, &bad, &why);
    if (stack != local)
        free(stack);
    if (rc < 0) {
        lr_err_set(err, "", "", "%s", why);
        return -1;
    }
    return 0;
}

void
lr_formula_free(lr_formula *f)
{
    if (!f)
        return;
    lr_prog_free(&f->prog);
    free(f);
}
