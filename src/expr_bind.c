/*
 * expr_bind.c: turns a module's formula into one over runtime variables
 * only. Parameters are replaced by the values a tree node (or a caller's
 * arguments) bind to them, runtime variables become slots, and each
 * ${Class}(args) call is replaced by the callee's FLOP formula with its
 * parameters bound to the arguments: calls are inlined at compile time, so
 * evaluation never calls anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ORDER: follows enum lr_var. */
static const char *const var_names[] = {
    "B",
    "S",
    "ctx",
    "w_bytes",
    "a_bytes",
    "kv_bytes",
    "logit_tokens",
    "prefill",
    "w_bit",
    "a_bit",
    "kv_bit",
    "flash",
    "causal",
    "a_fp8",
    "w_scale_bytes",
    "kv_scale_bytes",
    "onchip_bytes",
    "sm_sram_bytes",
    "tp",
    "pp",
    "ep",
};
_Static_assert(sizeof var_names / sizeof var_names[0] == LR_NVARS, "a name for every lr_var");

static const struct {
    const char *alias;
    enum lr_var v;
} var_aliases[] = {
    {"w_dtype_bytes", LR_V_W_BYTES}, /* the prototype's names */
    {"a_dtype_bytes", LR_V_A_BYTES},
    {"kv_dtype_bytes", LR_V_KV_BYTES},
};

const char *
lr_var_name(enum lr_var v)
{
    return (unsigned)v < LR_NVARS ? var_names[v] : "?";
}

int
lr_var_lookup(const char *name)
{
    for (int i = 0; i < LR_NVARS; i++)
        if (strcmp(var_names[i], name) == 0)
            return i;
    for (size_t i = 0; i < sizeof var_aliases / sizeof var_aliases[0]; i++)
        if (strcmp(var_aliases[i].alias, name) == 0)
            return (int)var_aliases[i].v;
    return -1;
}

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
    const lr_module *callee = cx->db ? lr_db_find(cx->db, e->name) : NULL;
    if (!callee) {
        if (cx->db)
            lr_db_unknown_class(cx->db, e->name, cx->err);
        else
            lr_err_set(cx->err, "", "", "module call ${%s} needs a module database", e->name);
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
    case A_CALL: return bind_call(cx, e, env, nenv);
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
        lr_bind_ctx cx = {&arena, db, LR_V_A_BYTES, 0, err};
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
