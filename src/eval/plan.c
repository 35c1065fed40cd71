/*
 * plan.c: compiles an architecture tree against the module database into a
 * plan: the flat list of atomic ops (one per op of each distinct node, with
 * the node's repeat count), and one bytecode program that computes every
 * op's FLOPs and byte counts from the runtime variables.
 *
 * All the work that does not depend on batch, sequence length or bit widths
 * happens here, once: parameter binding, call inlining, constant folding.
 * A field that folds to a constant is stored once and never evaluated again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

typedef struct pbuild {
    lr_plan *p;
    ast *pending_weights; /* the current node's weights, for its first op */
    ast *when;            /* the enclosing nodes' runtime condition, NULL = always */
    double pp_repeat;     /* repeat of the enclosing pipeline-split node, 0 if none */
    const lr_arch *arch;
    const lr_db *db;
    lr_arena arena;
    lr_error *err;
    size_t cap;
    plan_site *site;     /* NULL, or the op to capture (lr_plan_new_site) */
    const lr_node *root; /* the walk's copy of arch->root */
    int weights_only;    /* inside a weights_only node: parameters counted, no ops */
    int wrole;           /* enum lr_wrole of the node being compiled (resolved) */
} pbuild;

void
lr_plan_free(lr_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nops; i++) {
        free(p->ops[i].name);
        free(p->ops[i].path);
        free(p->ops[i].kind);
        free(p->ops[i].cls);
    }
    free(p->ops);
    free(p->base);
    free(p->family);
    lr_prog_free(&p->prog[0]);
    lr_prog_free(&p->prog[1]);
    lr_prog_free(&p->image_tokens);
    free(p->steps);
    lr_arena_free(&p->arena);
    free(p);
}

size_t
lr_plan_op_count(const lr_plan *p)
{
    return p->nops;
}

double
lr_plan_params(const lr_plan *p)
{
    return p->params;
}

double
lr_plan_active_params(const lr_plan *p)
{
    return p->active_params;
}

double
lr_plan_image_tokens(const lr_plan *p, const lr_settings *s)
{
    if (!p->has_images || s->images <= 0)
        return 0;
    lr_settings t = *s;
    t.image_tokens = 0;
    double vars[LR_NVARS], stack[512], out = -1;
    lr_set_vars(vars, &t, NULL, 1);
    int bad;
    const char *why;
    if (p->image_tokens.maxdepth >= 512 ||
        lr_prog_run(&p->image_tokens, vars, &out, stack, &bad, &why) < 0 || !(out >= 0))
        return -1;
    return out;
}

/* Prefixes the error with the node and, for formulas, the op and field. */
static void
blame(pbuild *b, const char *path, const lr_module *m, const char *what, const char *text)
{
    char msg[sizeof b->err->msg];
    snprintf(msg, sizeof msg, "%s", b->err->msg);
    int col = b->err->col;
    lr_err_set(b->err, m ? m->file : "", path, "%s%s%s%s: %s", m ? "class " : "", m ? m->cls : "",
               what ? " " : "", what ? what : "", msg);
    b->err->col = col;
    if (text && col > 0)
        snprintf(b->err->source, sizeof b->err->source, "%s", text);
}

/* Errors caused by a node (its class, its parameters) name the file the
 * tree came from and the node's path. */
static void
blame_node(pbuild *b, const char *path, const lr_node *n, const char *what)
{
    char msg[sizeof b->err->msg];
    snprintf(msg, sizeof msg, "%s", b->err->msg);
    int col = b->err->col;
    char src[sizeof b->err->source];
    memcpy(src, b->err->source, sizeof src);
    lr_err_set(b->err, b->arch->file ? b->arch->file : "", path[0] ? path : "(root)",
               "node of class %s%s%s: %s", n->cls, what ? ", " : "", what ? what : "", msg);
    b->err->col = col;
    memcpy(b->err->source, src, sizeof src);
}

/* Binds the node's own parameters: numbers, or formulas over runtime
 * variables (a template's lm_head uses {B} * {logit_tokens}). */
static int
node_bindings(pbuild *b, const lr_node *n, lr_binding *given)
{
    for (size_t i = 0; i < n->nparams; i++) {
        given[i].name = n->params[i].name;
        if (!n->params[i].formula) {
            given[i].value = lr_ast_num(&b->arena, n->params[i].value);
            continue;
        }
        ast *t = lr_expr_parse(&b->arena, n->params[i].formula, b->err);
        lr_bind_ctx cx = lr_db_bind_ctx(&b->arena, b->db, LR_V_A_BYTES, b->err);
        cx.wrole = b->wrole;
        given[i].value = t ? lr_bind(&cx, t, NULL, 0) : NULL;
        if (!given[i].value) {
            snprintf(b->err->source, sizeof b->err->source, "%s", n->params[i].formula);
            return -1;
        }
    }
    return 0;
}

static plan_op *
add_op(pbuild *b)
{
    lr_plan *p = b->p;
    if (p->nops == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        p->ops = lr_xrealloc(p->ops, b->cap, sizeof *p->ops);
        p->base = lr_xrealloc(p->base, b->cap * LR_NSLOTS, sizeof *p->base);
    }
    plan_op *o = &p->ops[p->nops];
    memset(o, 0, sizeof *o);
    o->coll = -1;
    o->calls = 1;
    memset(&p->base[p->nops * LR_NSLOTS], 0, LR_NSLOTS * sizeof *p->base);
    p->base[p->nops * LR_NSLOTS + LR_SLOT_IF] = 1; /* present unless an "if" says */
    p->nops++;
    return o;
}

static int
uses_slot(const ast *e, int slot)
{
    if (e->kind == A_SLOT && e->op == slot)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (uses_slot(e->args[i], slot))
            return 1;
    return 0;
}

static void
add_step(lr_plan *p, int kind, int g, const ast *e, int slot)
{
    if (p->nsteps == p->capsteps) {
        p->capsteps = p->capsteps ? p->capsteps * 2 : 256;
        p->steps = lr_xrealloc(p->steps, p->capsteps, sizeof *p->steps);
    }
    p->steps[p->nsteps++] = (plan_step){e, slot, (unsigned char)kind, (unsigned char)g};
}

/* out[slot] = e, in program g */
static void
store(lr_plan *p, int g, const ast *e, int slot)
{
    add_step(p, PS_STORE, g, e, slot);
}

/* Emits an op's bound fields. Fields that depend on the context length
 * go to the second program, so a generation (one decode per context
 * length) re-runs only those. The op's condition is stored first and each
 * program skips the op's fields when it is 0. */
static void
emit_op(lr_plan *p, size_t idx, int output_kv, ast *cond, ast **e)
{
    int slot_if = (int)(idx * LR_NSLOTS) + LR_SLOT_IF;
    int all_ctx = cond && uses_slot(cond, LR_V_CTX);
    int where[LR_NFIELDS], any[2] = {0, 0};
    for (int f = 0; f < LR_NFIELDS; f++) {
        /* a "kv" node's store_act is a store_kv (its width is already {out_bytes}) */
        int field = (output_kv && f == LR_F_STORE_ACT) ? LR_F_STORE_KV : f;
        where[f] = -1;
        if (!e[f])
            continue;
        if (e[f]->kind == A_NUM) {
            p->base[idx * LR_NSLOTS + (size_t)field] = e[f]->num;
            continue;
        }
        where[f] = all_ctx || uses_slot(e[f], LR_V_CTX);
        any[where[f]] = 1;
    }
    p->ops[idx].ctx_dep = any[1] || all_ctx;
    /* a cache write that does not depend on the tokens of the pass is a
     * state of constant size per sequence, not a per-token KV cache */
    ast *kv = e[LR_F_STORE_KV] ? e[LR_F_STORE_KV] : output_kv ? e[LR_F_STORE_ACT] : NULL;
    p->ops[idx].kv_seq = kv && !uses_slot(kv, LR_V_S) && !uses_slot(kv, LR_V_CTX) &&
                         !(kv->kind == A_NUM && kv->num == 0);
    if (cond)
        store(p, all_ctx, cond, slot_if);
    for (int g = 0; g < 2; g++) {
        if (!any[g])
            continue;
        if (cond)
            add_step(p, PS_GUARD, g, NULL, slot_if);
        for (int f = 0; f < LR_NFIELDS; f++) {
            int field = (output_kv && f == LR_F_STORE_ACT) ? LR_F_STORE_KV : f;
            if (where[f] == g)
                store(p, g, e[f], (int)(idx * LR_NSLOTS) + field);
        }
        if (cond)
            add_step(p, PS_END, g, NULL, slot_if);
    }
}

/* The op lr_plan_new_site looks for: its node, module op and the module's
 * parameters as this compiler bound them (kept alive in the plan's arena). */
static void
capture_site(pbuild *b, const lr_node *n, const lr_module *m, size_t i, const lr_binding *env,
             const char *node_path, const char *op_path)
{
    plan_site *st = b->site;
    if (!st || st->found || strcmp(op_path, st->target) != 0)
        return;
    st->found = 1;
    st->node = n == b->root ? &b->arch->root : n;
    st->m = m;
    st->k = i;
    st->env = env;
    st->node_path = lr_xstrdup(node_path);
    st->wrole = b->wrole;
}

/* a && b as a tree: a ? b : 0 (the truth of b where a holds) */
static ast *
both(pbuild *b, ast *x, ast *y)
{
    ast *e = lr_arena_alloc(&b->arena, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = A_COND;
    e->args = lr_arena_alloc(&b->arena, 3 * sizeof *e->args);
    e->args[0] = x;
    e->args[1] = y;
    e->args[2] = lr_ast_num(&b->arena, 0);
    e->nargs = 3;
    return e;
}

/* A node's "when" (a formula over runtime variables, MTP layers' {mtp})
 * joins the conditions of the enclosing nodes. */
static int
enter_when(pbuild *b, const lr_node *n, const char *path)
{
    if (!n->when)
        return 0;
    ast *t = lr_expr_parse(&b->arena, n->when, b->err);
    lr_bind_ctx cx = lr_db_bind_ctx(&b->arena, b->db, LR_V_A_BYTES, b->err);
    ast *w = t ? lr_bind(&cx, t, NULL, 0) : NULL;
    if (!w) {
        lr_err_set(b->err, b->arch->file ? b->arch->file : "", path[0] ? path : "(root)",
                   "\"when\" %s: %s", n->when, b->err->msg);
        return -1;
    }
    w = lr_ast_fold(&b->arena, w);
    b->when = b->when ? both(b, b->when, w) : w;
    return 0;
}

/* A collective's devices and bytes per call into the op's slots: a
 * constant into the base, the rest into the program of its context
 * dependence (evaluated whether or not the op is present: harmless, the
 * roofline reads them only for present ops). */
static int
compile_collective(pbuild *b, size_t idx, const lr_module *m, const lr_mop *mo,
                   const lr_binding *env, const char *path, lr_bind_ctx *cx)
{
    plan_op *o = &b->p->ops[idx];
    o->coll = mo->coll;
    o->calls = mo->calls;
    if (mo->coll < 0)
        return 0;
    const ast *tree[2] = {mo->group_tree, mo->message_tree};
    char *const text[2] = {mo->group_text, mo->message_text};
    static const int slot[2] = {LR_SLOT_GROUP, LR_SLOT_MSG};
    for (int k = 0; k < 2; k++) {
        ast *e = lr_bind(cx, tree[k], env, m->nparams);
        if (!e) {
            blame(b, path, m, k ? "op message" : "op group", text[k]);
            return -1;
        }
        e = lr_ast_fold(&b->arena, e);
        int at = (int)(idx * LR_NSLOTS) + slot[k];
        if (e->kind == A_NUM)
            b->p->base[at] = e->num;
        else
            store(b->p, uses_slot(e, LR_V_CTX), e, at);
    }
    return 0;
}

/* Compiles op i of module m at node n into the next plan slot. */
static int
compile_op(pbuild *b, const lr_node *n, const lr_module *m, size_t i, const lr_binding *env,
           const char *path, double count)
{
    const lr_mop *mo = &m->ops[i];
    size_t idx = b->p->nops;
    plan_op *o = add_op(b);
    /* a plain single-op module (a Linear) is named after its node: q_proj */
    int single = m->nops == 1 && !m->composite && n->name[0];
    o->name = lr_xstrdup(single ? n->name : mo->name);
    o->path = single ? lr_xstrdup(path)
                     : (path[0] ? lr_xasprintf("%s.%s", path, mo->name) : lr_xstrdup(mo->name));
    o->kind = lr_xstrdup(mo->kind);
    o->cls = lr_xstrdup(m->cls);
    capture_site(b, n, m, i, env, path, o->path);
    o->count = count;
    o->pp_repeat = b->pp_repeat;
    o->wrole = b->wrole;
    /* the node's weights ride on its first op */
    ast *weights = b->pending_weights;
    b->pending_weights = NULL;
    int wslot = (int)(idx * LR_NSLOTS) + LR_SLOT_W;
    if (weights && weights->kind == A_NUM)
        b->p->base[wslot] = weights->num;
    else if (weights)
        store(b->p, 0, weights, wslot);
    if (n->output_kv && mo->tree[LR_F_STORE_ACT] && mo->tree[LR_F_STORE_KV]) {
        lr_err_set(b->err, m->file, path,
                   "class %s op %s: a node with output \"kv\" cannot have both store_act "
                   "and store_kv formulas",
                   m->cls, mo->name);
        return -1;
    }
    lr_bind_ctx cx =
        lr_db_bind_ctx(&b->arena, b->db, n->output_kv ? LR_V_KV_BYTES : LR_V_A_BYTES, b->err);
    cx.wrole = b->wrole;
    ast *cond = NULL, *e[LR_NFIELDS] = {NULL};
    if (mo->if_tree) {
        cond = lr_bind(&cx, mo->if_tree, env, m->nparams);
        if (!cond) {
            blame(b, path, m, "op if", mo->if_text);
            return -1;
        }
        cond = lr_ast_fold(&b->arena, cond);
        int slot = (int)(idx * LR_NSLOTS) + LR_SLOT_IF;
        if (b->when && !(cond->kind == A_NUM && cond->num == 0))
            cond = both(b, b->when, cond);
        if (cond->kind == A_NUM) {
            b->p->base[slot] = cond->num != 0;
            if (cond->num == 0)
                return 0; /* never present: nothing to compile */
            cond = NULL;
        }
    }
    if (!mo->if_tree && b->when)
        cond = b->when;
    if (compile_collective(b, idx, m, mo, env, path, &cx) < 0)
        return -1;
    for (int f = 0; f < LR_NFIELDS; f++) {
        if (!mo->tree[f])
            continue;
        e[f] = lr_bind(&cx, mo->tree[f], env, m->nparams);
        if (!e[f]) {
            char what[300];
            snprintf(what, sizeof what, "op %s %s", mo->name, lr_field_names[f]);
            blame(b, path, m, what, mo->text[f]);
            return -1;
        }
        e[f] = lr_ast_fold(&b->arena, e[f]);
    }
    emit_op(b->p, idx, n->output_kv, cond, e);
    return 0;
}

static int
op_index(const lr_module *m, const char *name)
{
    for (size_t i = 0; i < m->nops; i++)
        if (strcmp(m->ops[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The value of a weights formula of module m bound to env, with the
 * parallel degrees at 1 (the whole model); -1 when it has no value. */
static double
whole_value(pbuild *b, ast *e)
{
    double whole = -1;
    if (e->kind == A_NUM)
        return e->num;
    lr_prog prog;
    lr_prog_init(&prog);
    lr_prog_emit_store(&prog, e, 0);
    double vars[LR_NVARS], stack[512];
    lr_settings s;
    lr_settings_default(&s);
    lr_set_vars(vars, &s, NULL, 1);
    int bad;
    const char *why;
    if (prog.maxdepth >= 512 || lr_prog_run(&prog, vars, &whole, stack, &bad, &why) < 0)
        whole = -1;
    lr_prog_free(&prog);
    (void)b;
    return whole;
}

/* The node's weights (elements per instance): the model's parameter count
 * takes them with the parallel degrees at 1 (the whole model); the analysis
 * evaluates them per device (tp, pp, ep) into the first op of the node.
 * The active parameters (those one token uses) take the module's
 * "active_weights" formula where it has one (an expert: its weights times
 * top_k / num_experts), else the same weights. */
static int
count_weights(pbuild *b, const lr_node *n, const lr_module *m, const lr_binding *env,
              const char *path, double count, ast **out)
{
    *out = NULL;
    if (!m->weights || n->tied)
        return 0;
    lr_bind_ctx cx = lr_db_bind_ctx(&b->arena, b->db, LR_V_A_BYTES, b->err);
    ast *e = lr_bind(&cx, m->weights, env, m->nparams);
    if (!e) {
        blame(b, path, m, "weights", m->weights_text);
        return -1;
    }
    e = lr_ast_fold(&b->arena, e);
    double whole = whole_value(b, e);
    if (!(whole >= 0)) {
        lr_err_set(b->err, b->arch->file ? b->arch->file : "", path,
                   "node of class %s: its weights formula (%s) must give a non-negative number",
                   m->cls, m->file);
        snprintf(b->err->source, sizeof b->err->source, "%s", m->weights_text);
        return -1;
    }
    double active = whole;
    if (m->active_weights) {
        ast *a = lr_bind(&cx, m->active_weights, env, m->nparams);
        if (!a) {
            blame(b, path, m, "active_weights", m->active_weights_text);
            return -1;
        }
        active = whole_value(b, lr_ast_fold(&b->arena, a));
        if (!(active >= 0)) {
            lr_err_set(b->err, m->file, path,
                       "node of class %s: its active_weights formula must give a non-negative "
                       "number",
                       m->cls);
            snprintf(b->err->source, sizeof b->err->source, "%s", m->active_weights_text);
            return -1;
        }
    }
    if (m->nops == 0) {
        lr_err_set(b->err, m->file, path,
                   "class %s has weights but no op to carry them: give it an op", m->cls);
        return -1;
    }
    b->p->params += whole * count;
    /* a node under a runtime condition (MTP layers, run with --mtp; a
     * vision tower, run on images) is not among the parameters a text
     * token uses, as published active counts have it */
    if (!b->weights_only && !b->when)
        b->p->active_params += active * count;
    *out = b->weights_only ? NULL : e;
    return 0;
}

/* The arch's image_tokens formula (runtime variables only) into its own
 * small program. */
static int
compile_image_tokens(pbuild *b, const char *text)
{
    ast *t = lr_expr_parse(&b->arena, text, b->err);
    lr_bind_ctx cx = lr_db_bind_ctx(&b->arena, b->db, LR_V_A_BYTES, b->err);
    ast *e = t ? lr_bind(&cx, t, NULL, 0) : NULL;
    if (!e) {
        lr_err_set(b->err, b->arch->file ? b->arch->file : "", "image_tokens", "%s", b->err->msg);
        snprintf(b->err->source, sizeof b->err->source, "%s", text);
        return -1;
    }
    lr_prog_emit_store(&b->p->image_tokens, lr_ast_fold(&b->arena, e), 0);
    b->p->has_images = 1;
    return 0;
}

static int
walk(pbuild *b, const lr_node *n, const char *parent, double count)
{
    char *path = parent[0] ? lr_xasprintf("%s.%s", parent, n->name) : lr_xstrdup(n->name);
    const lr_module *m = lr_db_find(b->db, n->cls);
    char *placed = NULL;
    int rc = -1;
    count *= n->repeat;
    double saved_pp = b->pp_repeat;
    ast *saved_when = b->when;
    int saved_wo = b->weights_only;
    int saved_role = b->wrole;
    if (n->pipeline)
        b->pp_repeat = n->repeat;
    if (n->weights_only)
        b->weights_only = 1;
    if (enter_when(b, n, path) < 0)
        goto out;
    if (!m) {
        lr_error e;
        lr_db_unknown_class(b->db, n->cls, &e);
        lr_err_set(b->err, b->arch->file ? b->arch->file : "", path[0] ? path : "(root)", "%s",
                   e.msg);
        goto out;
    }
    /* the node's own role wins over its entry's (docs/quantization.md) */
    b->wrole = n->wrole != LR_WR_DEFAULT   ? n->wrole
               : m->wrole != LR_WR_DEFAULT ? m->wrole
                                           : LR_WR_QUANT;
    lr_binding *given = lr_arena_alloc(&b->arena, (n->nparams + 1) * sizeof *given);
    lr_binding *env = lr_arena_alloc(&b->arena, (m->nparams + 1) * sizeof *env);
    if (node_bindings(b, n, given) < 0) {
        blame_node(b, path, n, "parameter formula");
        goto out;
    }
    for (size_t i = 0; i < n->nparams; i++) {
        if (lr_module_param_index(m, n->params[i].name) < 0) {
            char list[512] = "";
            size_t l = 0;
            for (size_t k = 0; k < m->nparams && l < sizeof list; k++)
                l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", k ? ", " : "",
                                      m->params[k].name);
            lr_err_set(b->err, b->arch->file ? b->arch->file : "", path[0] ? path : "(root)",
                       "node of class %s: unknown parameter '%s' (the class declares: %s)", m->cls,
                       n->params[i].name, l ? list : "none");
            goto out;
        }
    }
    lr_bind_ctx cx = lr_db_bind_ctx(&b->arena, b->db, LR_V_A_BYTES, b->err);
    cx.wrole = b->wrole;
    if (lr_bind_module_params(&cx, m, given, n->nparams, env) < 0) {
        blame_node(b, path, n, NULL);
        goto out;
    }
    ast *weights;
    if (count_weights(b, n, m, env, path, count, &weights) < 0)
        goto out;
    /* a composite's own weights (gpt-oss's attention sinks) ride on its
     * first own op, not on the first op of a sub-layer walked before it */
    b->pending_weights = NULL;
    /* Sub-layers in order; a placeholder sub puts one of this module's own
     * ops at its place (the residual add after the attention), and the
     * ops no placeholder names follow the sub-layers. */
    placed = lr_xcalloc(m->nops + 1, 1);
    for (size_t i = 0; i < n->nsubs; i++) {
        const lr_node *sub = &n->subs[i];
        if (sub->op) {
            int k = op_index(m, sub->op);
            if (k < 0 || placed[k]) {
                lr_err_set(b->err, b->arch->file ? b->arch->file : "", path[0] ? path : "(root)",
                           k < 0 ? "node of class %s: the placeholder {\"op\": \"%s\"} names no op "
                                   "of this class (%s)"
                                 : "node of class %s: op '%s' is placed twice (%s)",
                           m->cls, sub->op, m->file);
                goto out;
            }
            placed[k] = 1;
            if (!b->weights_only) {
                b->pending_weights = weights;
                weights = NULL;
                if (compile_op(b, n, m, (size_t)k, env, path, count) < 0)
                    goto out;
            }
        } else if (walk(b, sub, path, count) < 0) {
            goto out;
        }
    }
    for (size_t k = 0; k < m->nops; k++) {
        if (placed[k] || b->weights_only)
            continue;
        b->pending_weights = weights;
        weights = NULL;
        if (compile_op(b, n, m, k, env, path, count) < 0)
            goto out;
    }
    rc = 0;
out:
    b->pp_repeat = saved_pp;
    b->when = saved_when;
    b->weights_only = saved_wo;
    b->wrole = saved_role;
    free(placed);
    free(path);
    return rc;
}

lr_plan *
lr_plan_new(const lr_arch *arch, const lr_db *db, lr_error *err)
{
    return lr_plan_new_site(arch, db, NULL, err);
}

void
lr_plan_site_free(plan_site *site)
{
    free(site->node_path);
    site->node_path = NULL;
    site->env = NULL;
}

lr_plan *
lr_plan_new_site(const lr_arch *arch, const lr_db *db, plan_site *site, lr_error *err)
{
    pbuild b = {lr_xcalloc(1, sizeof(lr_plan)),
                NULL,
                NULL,
                0,
                arch,
                db,
                {0},
                err,
                0,
                site,
                NULL,
                0,
                LR_WR_QUANT};
    lr_prog_init(&b.p->prog[0]);
    lr_prog_init(&b.p->prog[1]);
    lr_prog_init(&b.p->image_tokens);
    lr_err_clear(err);
    /* the root's own name is the model's, not part of op paths */
    b.p->parallel = arch->parallel;
    b.p->family = lr_xstrdup(arch->family ? arch->family : "");
    lr_node root = arch->root;
    root.name = "";
    b.root = &root;
    int rc = walk(&b, &root, "", 1);
    if (rc == 0 && arch->image_tokens)
        rc = compile_image_tokens(&b, arch->image_tokens);
    b.p->arena = b.arena; /* the steps' formulas and the site's bindings outlive the walk */
    if (site)
        site->arena = &b.p->arena;
    if (rc == 0)
        lr_plan_build(b.p, 0, NULL, b.p->prog, b.p->base);
    if (site && rc < 0)
        lr_plan_site_free(site);
    if (rc < 0) {
        lr_plan_free(b.p);
        return NULL;
    }
    return b.p;
}
