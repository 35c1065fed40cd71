/*
 * explain.c: one op's formulas with the values put in, for the web page's
 * op panel and `llmroof explain`. The op is found and its module's
 * parameters bound by the plan compiler itself (lr_plan_new_site), and
 * every name of a formula is resolved by the binder with those bindings,
 * so what is shown is what the analysis computes, not a second reading of
 * the formulas.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

/* What the names of the op's formulas stand for in one stage. */
typedef struct scope {
    const plan_site *site;
    lr_bind_ctx cx; /* the compiler's context for the op's fields */
    const double *vars;
} scope;

/* Evaluates a bound tree (runtime variables as slots) with `vars`. */
static double
eval_tree(const ast *t, const double *vars)
{
    lr_prog p;
    lr_prog_init(&p);
    lr_prog_emit_store(&p, t, 0);
    double *stack = lr_xcalloc((size_t)p.maxdepth + 1, sizeof *stack);
    double v = NAN;
    int bad;
    const char *why;
    if (lr_prog_run(&p, vars, &v, stack, &bad, &why) < 0)
        v = NAN;
    free(stack);
    lr_prog_free(&p);
    return v;
}

/* The value of {name} as the op's formulas see it: bound by the binder
 * with the module's parameters at the node. 0 when nothing binds it. */
static int
name_value(scope *sc, const char *name, double *v)
{
    ast var = {.kind = A_VAR, .name = name};
    lr_error err;
    lr_bind_ctx cx = sc->cx;
    cx.err = &err;
    ast *t = lr_bind(&cx, &var, sc->site->env, sc->site->m->nparams);
    if (!t)
        return 0;
    *v = eval_tree(lr_ast_fold(cx.arena, t), sc->vars);
    return 1;
}

/* The name a value is listed under: a parameter's own, a runtime
 * variable's canonical name (an alias resolves to it), or out_bytes. */
static const char *
canonical_name(const lr_module *m, const char *name)
{
    if (lr_module_param_index(m, name) >= 0)
        return name;
    int k = lr_var_lookup(name);
    return k >= 0 ? lr_var_name((enum lr_var)k) : "out_bytes";
}

static void
note_name(lr_explain_stage *st, const char *name, double v)
{
    for (size_t i = 0; i < st->nnames; i++)
        if (strcmp(st->names[i].name, name) == 0)
            return;
    st->names = lr_xrealloc(st->names, st->nnames + 1, sizeof *st->names);
    st->names[st->nnames++] = (lr_explain_name){lr_xstrdup(name), v};
}

/* Copies the "{name}" at p (e points at its '}') into buf; 0 if too long. */
static int
take_name(const char *p, const char *e, char *buf, size_t cap)
{
    size_t n = (size_t)(e - p) - 1;
    if (n >= cap)
        return 0;
    memcpy(buf, p + 1, n);
    buf[n] = '\0';
    return 1;
}

/* The formula text with every {name} that has a value replaced by it
 * (negative values in parentheses); module calls ${Class}(...) kept. */
static char *
substitute(scope *sc, lr_explain_stage *st, const char *text)
{
    char *out = NULL, name[128], num[48];
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    for (const char *p = text; *p;) {
        const char *e = *p == '{' || (*p == '$' && p[1] == '{') ? strchr(p, '}') : NULL;
        double v;
        if (*p == '$' && p[1] == '{') {
            size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
            fwrite(p, 1, n, f);
            p += n;
        } else if (e && take_name(p, e, name, sizeof name) && name_value(sc, name, &v)) {
            note_name(st, canonical_name(sc->site->m, name), v);
            lr_fmt_double(num, sizeof num, v);
            fprintf(f, v < 0 ? "(%s)" : "%s", num);
            p = e + 1;
        } else {
            fputc(*p++, f);
        }
    }
    fclose(f);
    return out;
}

/* The field's value: its formula bound as compile_op binds it. */
static double
field_value(scope *sc, const ast *tree)
{
    lr_error err;
    lr_bind_ctx cx = sc->cx;
    cx.err = &err;
    ast *t = lr_bind(&cx, tree, sc->site->env, sc->site->m->nparams);
    return t ? eval_tree(lr_ast_fold(cx.arena, t), sc->vars) : NAN;
}

/* Binding allocates in the plan's arena: folding rewrites the shared
 * parameter trees in place, so what it adds must live as long as they do. */
static void
explain_stage(plan_site *site, const lr_db *db, const double *vars, lr_explain_stage *st)
{
    const lr_mop *mo = &site->m->ops[site->k];
    int kv = site->node->output_kv;
    scope sc = {site, lr_db_bind_ctx(site->arena, db, kv ? LR_V_KV_BYTES : LR_V_A_BYTES, NULL),
                vars};
    sc.cx.wrole = site->wrole; /* {w_bytes} of an lm_head is its own width */
    for (int f = 0; f < LR_NFIELDS; f++) {
        if (!mo->text[f])
            continue;
        st->fields = lr_xrealloc(st->fields, st->nfields + 1, sizeof *st->fields);
        lr_explain_field *x = &st->fields[st->nfields++];
        x->field = (kv && f == LR_F_STORE_ACT) ? LR_F_STORE_KV : (enum lr_field)f;
        x->formula = lr_xstrdup(mo->text[f]);
        x->text = substitute(&sc, st, mo->text[f]);
        x->value = field_value(&sc, mo->tree[f]);
    }
}

static void
explain_params(const plan_site *site, lr_explain *x)
{
    const lr_module *m = site->m;
    x->params = lr_xcalloc(m->nparams + 1, sizeof *x->params);
    x->nparams = m->nparams;
    for (size_t i = 0; i < m->nparams; i++) {
        const lr_param *p = lr_node_param(site->node, m->params[i].name);
        lr_explain_param *q = &x->params[i];
        q->name = lr_xstrdup(m->params[i].name);
        q->given = p != NULL;
        q->formula = p && p->formula ? lr_xstrdup(p->formula) : NULL;
        q->value = p && !p->formula ? p->value : NAN;
        q->def = m->params[i].def_text ? lr_xstrdup(m->params[i].def_text) : NULL;
    }
}

/* The op's record in each analysed stage, its strings pointing into x. */
static void
copy_records(lr_explain *x, const lr_result *r)
{
    for (int st = 0; st < 2; st++) {
        const lr_stage_result *sr = &r->stage[st];
        for (size_t i = 0; i < sr->nops; i++) {
            if (strcmp(sr->ops[i].path, x->path) != 0)
                continue;
            lr_op o = sr->ops[i];
            o.name = x->stage[st].op.name;
            o.path = x->path;
            o.kind = x->kind;
            o.cls = x->cls;
            x->stage[st].op = o;
            break;
        }
    }
}

static lr_explain *
explain_new(const plan_site *site, const char *path)
{
    lr_explain *x = lr_xcalloc(1, sizeof *x);
    const lr_module *m = site->m;
    x->path = lr_xstrdup(path);
    x->op = lr_xstrdup(m->ops[site->k].name);
    x->kind = lr_xstrdup(m->ops[site->k].kind);
    x->node = lr_xstrdup(site->node_path);
    x->cls = lr_xstrdup(m->cls);
    x->module = lr_xstrdup(m->key);
    for (int st = 0; st < 2; st++)
        x->stage[st].op.name = x->op;
    explain_params(site, x);
    return x;
}

lr_explain *
lr_plan_explain_op(const lr_arch *arch, const lr_profile *prof, const lr_hw *hw,
                   const lr_settings *s, const char *path, lr_error *err)
{
    const lr_db *db = lr_profile_db(prof);
    plan_site site = {.target = path};
    lr_plan *plan = lr_plan_new_site(arch, db, &site, err);
    if (!plan)
        return NULL;
    lr_explain *x = NULL;
    if (!site.found) {
        lr_err_set(err, arch->file ? arch->file : "", path, "no op with path '%s' in %s", path,
                   arch->name);
        goto out;
    }
    lr_result *r = lr_result_new(plan);
    if (lr_analyze(plan, prof, hw, s, 1, 1, r, err) == 0) {
        x = explain_new(&site, path);
        for (int st = 0; st < 2; st++) {
            double vars[LR_NVARS];
            lr_stage_vars(&r->settings, hw, st == LR_PREFILL, vars);
            explain_stage(&site, db, vars, &x->stage[st]);
        }
        copy_records(x, r);
    }
    lr_result_free(r);
out:
    lr_plan_site_free(&site);
    lr_plan_free(plan);
    return x;
}

void
lr_explain_free(lr_explain *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nparams; i++) {
        free(x->params[i].name);
        free(x->params[i].formula);
        free(x->params[i].def);
    }
    free(x->params);
    for (int st = 0; st < 2; st++) {
        for (size_t i = 0; i < x->stage[st].nfields; i++) {
            free(x->stage[st].fields[i].formula);
            free(x->stage[st].fields[i].text);
        }
        free(x->stage[st].fields);
        for (size_t i = 0; i < x->stage[st].nnames; i++)
            free(x->stage[st].names[i].name);
        free(x->stage[st].names);
    }
    free(x->path);
    free(x->op);
    free(x->kind);
    free(x->node);
    free(x->cls);
    free(x->module);
    free(x);
}
