/*
 * info.c: the JSON of /api/models, /api/hardware and /api/formulas, and of
 * /api/op: one op's formulas with the values of the request put in. These
 * are to move into the library (listing writers, lr_plan_explain_op); until
 * then they live in this one file, each behind one serve_info_* function,
 * over the public API only (the tree, the module database's accessors,
 * lr_stage_vars and the formula compiler).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* ---- listings ---- */

void
serve_info_models(FILE *f, const serve_profile *sp, const char *default_model)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "profile", sp->key);
    lr_jw_kstr(&w, "default", default_model);
    lr_jw_key(&w, "models");
    lr_jw_arr(&w);
    for (size_t i = 0; i < sp->nmodels; i++) {
        const serve_model *m = &sp->models[i];
        lr_jw_obj(&w);
        lr_jw_kstr(&w, "name", m->id);
        lr_jw_kbool(&w, "analysable", m->arch != NULL);
        if (m->arch) {
            lr_jw_kstr(&w, "family", m->arch->family);
            lr_jw_knum(&w, "params", lr_plan_params(m->plan));
            lr_jw_knum(&w, "context", m->arch->max_context > 0 ? m->arch->max_context : NAN);
        } else {
            lr_jw_kstr(&w, "error", m->error);
        }
        lr_jw_end_obj(&w);
    }
    lr_jw_end_arr(&w);
    lr_jw_end_obj(&w);
}

static void
write_device(lr_jw *w, const lr_hw *h)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "id", h->id);
    lr_jw_kstr(w, "name", h->name);
    lr_jw_key(w, "aliases");
    lr_jw_arr(w);
    for (size_t k = 0; k < h->naliases; k++)
        lr_jw_str(w, h->aliases[k]);
    lr_jw_end_arr(w);
    lr_jw_knum(w, "memory_bytes", h->memory_bytes);
    lr_jw_knum(w, "bandwidth", h->bandwidth);
    lr_jw_key(w, "peak");
    lr_jw_obj(w);
    for (int d = 0; d < LR_NDTYPES; d++)
        lr_jw_knum(w, lr_dtype_names[d], h->peak[d] > 0 ? h->peak[d] : NAN);
    lr_jw_end_obj(w);
    lr_jw_knum(w, "onchip_bytes", h->onchip_bytes);
    lr_jw_knum(w, "l2_bytes", h->l2_bytes);
    lr_jw_knum(w, "compute_units", h->compute_units);
    lr_jw_knum(w, "link_bandwidth", h->link_bandwidth);
    lr_jw_knum(w, "link_latency", h->link_latency);
    lr_jw_kstr(w, "source", h->source);
    lr_jw_end_obj(w);
}

void
serve_info_hardware(FILE *f, const serve_profile *sp, const char *default_hw)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "profile", sp->key);
    lr_jw_kstr(&w, "default", default_hw);
    lr_jw_key(&w, "hardware");
    lr_jw_arr(&w);
    for (size_t i = 0; i < lr_hwdb_count(sp->hwdb); i++)
        write_device(&w, lr_hwdb_at(sp->hwdb, i));
    lr_jw_end_arr(&w);
    lr_jw_end_obj(&w);
}

void
serve_info_module(FILE *f, const lr_module *m)
{
    lr_jw ww, *w = &ww;
    lr_jw_init(w, f, 1);
    lr_jw_obj(w);
    lr_jw_kstr(w, "key", lr_module_key(m));
    lr_jw_kstr(w, "class", lr_module_class(m));
    lr_jw_key(w, "aliases");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_module_alias_count(m); i++)
        lr_jw_str(w, lr_module_alias(m, i));
    lr_jw_end_arr(w);
    lr_jw_kbool(w, "composite", lr_module_is_composite(m));
    lr_jw_key(w, "parameters");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_module_param_count(m); i++) {
        const char *def = lr_module_param_default(m, i);
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", lr_module_param(m, i));
        lr_jw_key(w, "default");
        if (def)
            lr_jw_str(w, def);
        else
            lr_jw_null(w);
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
    lr_jw_key(w, "weights");
    if (lr_module_weights(m))
        lr_jw_str(w, lr_module_weights(m));
    else
        lr_jw_null(w);
    lr_jw_key(w, "ops");
    lr_jw_arr(w);
    for (size_t k = 0; k < lr_module_op_count(m); k++) {
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", lr_module_op_name(m, k));
        lr_jw_kstr(w, "kind", lr_module_op_kind(m, k));
        lr_jw_key(w, "formulas");
        lr_jw_obj(w);
        for (int fl = 0; fl < LR_NFIELDS; fl++) {
            const char *t = lr_module_op_formula(m, k, (enum lr_field)fl);
            if (t)
                lr_jw_kstr(w, lr_field_names[fl], t);
        }
        lr_jw_end_obj(w);
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

/* ---- one op's formulas with the values put in ---- */

/* Where an op of the plan comes from: its node and the module op. */
typedef struct op_site {
    const lr_node *node;
    const lr_module *m;
    size_t k;
    char node_path[1024];
} op_site;

/* What one explanation reads. */
typedef struct op_ctx {
    op_site site;
    const lr_db *db;
    const lr_hw *hw;
    const lr_settings *s;
    const lr_result *r;
    const char *path;
} op_ctx;

/* Walks the tree as lr_plan_new does (the root's name is not part of paths; a
 * single-op module is named after its node: docs/json-output.md). */
static int
find_op(const lr_node *n, const char *name, const char *parent, const lr_db *db, const char *target,
        op_site *out)
{
    char path[1024], cand[1200];
    snprintf(path, sizeof path, parent[0] ? "%s.%s" : "%.0s%s", parent, name);
    const lr_module *m = n->op ? NULL : lr_db_find(db, n->cls);
    size_t nops = m ? lr_module_op_count(m) : 0;
    int single = nops == 1 && !lr_module_is_composite(m) && name[0];
    for (size_t k = 0; k < nops; k++) {
        const char *op = lr_module_op_name(m, k);
        snprintf(cand, sizeof cand, single ? "%s%.0s" : path[0] ? "%s.%s" : "%.0s%s", path, op);
        if (strcmp(cand, target) == 0) {
            *out = (op_site){n, m, k, ""};
            snprintf(out->node_path, sizeof out->node_path, "%s", path);
            return 1;
        }
    }
    for (size_t i = 0; i < n->nsubs; i++)
        if (!n->subs[i].op && find_op(&n->subs[i], n->subs[i].name, path, db, target, out))
            return 1;
    return 0;
}

#define MAX_SEEN 96

/* What the names of a module's formulas stand for in one stage. */
typedef struct scope {
    const lr_module *m;
    const lr_db *db;
    const double *vars;
    int output_kv;
    size_t nbound; /* parameters 0 .. nbound-1 have values */
    double pval[64];
    const char *seen[MAX_SEEN]; /* names met while substituting, in order */
    double seen_val[MAX_SEEN];
    size_t nseen;
} scope;

/* Module parameters first, then runtime variables, then {out_bytes}: the
 * order in which the library binds a name (docs/formula-language.md). */
static int
name_value(const scope *sc, const char *name, double *v)
{
    for (size_t i = 0; i < sc->nbound; i++) {
        if (strcmp(lr_module_param(sc->m, i), name) == 0) {
            *v = sc->pval[i];
            return 1;
        }
    }
    int k = lr_var_lookup(name);
    if (k >= 0) {
        *v = sc->vars[k];
        return 1;
    }
    if (strcmp(name, "out_bytes") == 0) {
        *v = sc->output_kv ? sc->vars[LR_V_KV_BYTES] + sc->vars[LR_V_KV_SCALE_BYTES]
                           : sc->vars[LR_V_A_BYTES];
        return 1;
    }
    return 0;
}

static void
note_seen(scope *sc, const char *name, double v)
{
    for (size_t i = 0; i < sc->nseen; i++)
        if (strcmp(sc->seen[i], name) == 0)
            return;
    if (sc->nseen == MAX_SEEN)
        return;
    size_t i = lr_module_param_count(sc->m);
    const char *keep = NULL; /* a name that outlives the formula text */
    while (i-- > 0 && !keep)
        if (strcmp(lr_module_param(sc->m, i), name) == 0)
            keep = lr_module_param(sc->m, i);
    int k = lr_var_lookup(name);
    if (!keep)
        keep = k >= 0 ? lr_var_name((enum lr_var)k) : "out_bytes";
    sc->seen[sc->nseen] = keep;
    sc->seen_val[sc->nseen++] = v;
}

/* The formula text with every {name} that has a value replaced by it
 * (negative values in parentheses); module calls ${Class} kept. */
static char *
subst(scope *sc, const char *text)
{
    char *out = NULL, name[128], num[48];
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    for (const char *p = text; *p;) {
        const char *e = *p == '{' ? strchr(p, '}') : NULL;
        double v;
        if (*p == '$' && p[1] == '{') {
            e = strchr(p, '}');
            size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
            fwrite(p, 1, n, f);
            p += n;
        } else if (e && (size_t)(e - p) < sizeof name &&
                   (memcpy(name, p + 1, (size_t)(e - p) - 1), name[e - p - 1] = '\0',
                    name_value(sc, name, &v))) {
            note_seen(sc, name, v);
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

static int
eval_text(const scope *sc, const char *text, double *v)
{
    lr_error e;
    memset(&e, 0, sizeof e);
    lr_formula *f = lr_formula_compile(text, sc->db, NULL, NULL, 0, &e);
    int rc = f ? lr_formula_eval(f, sc->vars, v, &e) : -1;
    if (f)
        lr_formula_free(f);
    return rc;
}

/* The module's parameters at this node: given by the node (a number or a
 * formula over runtime variables) or by their defaults, in order. */
static void
bind_params(scope *sc, const lr_node *n)
{
    size_t np = lr_module_param_count(sc->m);
    for (size_t i = 0; i < np && i < 64; i++) {
        const lr_param *p = lr_node_param(n, lr_module_param(sc->m, i));
        const char *def = lr_module_param_default(sc->m, i);
        double v = NAN;
        if (p && !p->formula) {
            v = p->value;
        } else if (p) {
            eval_text(sc, p->formula, &v);
        } else if (def) {
            char *t = subst(sc, def);
            eval_text(sc, t, &v);
            free(t);
        }
        sc->pval[i] = v;
        sc->nbound = i + 1;
    }
    sc->nseen = 0;
}

/* A field's name in the results: a KV node's store_act is its store_kv. */
static const char *
field_name(const op_site *site, int f)
{
    if (site->node->output_kv && f == LR_F_STORE_ACT)
        return lr_field_names[LR_F_STORE_KV];
    return lr_field_names[f];
}

static void
write_op_record(lr_jw *w, const lr_stage_result *sr, const char *path)
{
    for (size_t i = 0; i < sr->nops; i++) {
        const lr_op *o = &sr->ops[i];
        if (strcmp(o->path, path) != 0)
            continue;
        lr_jw_key(w, "result");
        lr_jw_obj(w);
        lr_jw_kbool(w, "present", o->present);
        lr_jw_knum(w, "count", o->count);
        for (int f = 0; f < LR_NFIELDS; f++)
            lr_jw_knum(w, lr_field_names[f], o->v[f]);
        lr_jw_knum(w, "bytes", o->bytes);
        lr_jw_knum(w, "intensity", o->intensity);
        lr_jw_knum(w, "time_s", o->time_s);
        lr_jw_kstr(w, "bound", lr_bound_names[o->bound]);
        lr_jw_end_obj(w);
        return;
    }
}

/* One stage: each formula with the values put in and its value, the
 * names met, and the op's record. */
static void
write_op_stage(lr_jw *w, const op_ctx *cx, int st)
{
    double vars[LR_NVARS];
    lr_stage_vars(cx->s, cx->hw, st == LR_PREFILL, vars);
    scope sc;
    memset(&sc, 0, sizeof sc);
    sc.m = cx->site.m;
    sc.db = cx->db;
    sc.vars = vars;
    sc.output_kv = cx->site.node->output_kv;
    bind_params(&sc, cx->site.node);
    lr_jw_key(w, st == LR_PREFILL ? "prefill" : "decode");
    lr_jw_obj(w);
    lr_jw_key(w, "formulas");
    lr_jw_obj(w);
    for (int f = 0; f < LR_NFIELDS; f++) {
        const char *text = lr_module_op_formula(sc.m, cx->site.k, (enum lr_field)f);
        if (!text)
            continue;
        char *t = subst(&sc, text);
        double v = NAN;
        eval_text(&sc, t, &v);
        lr_jw_key(w, field_name(&cx->site, f));
        lr_jw_obj(w);
        lr_jw_kstr(w, "text", t);
        lr_jw_knum(w, "value", v);
        lr_jw_end_obj(w);
        free(t);
    }
    lr_jw_end_obj(w);
    lr_jw_key(w, "values");
    lr_jw_obj(w);
    for (size_t i = 0; i < sc.nseen; i++)
        lr_jw_knum(w, sc.seen[i], sc.seen_val[i]);
    lr_jw_end_obj(w);
    write_op_record(w, &cx->r->stage[st], cx->path);
    lr_jw_end_obj(w);
}

/* The module's parameters as the node gives them, or their defaults. */
static void
write_op_params(lr_jw *w, const op_site *site)
{
    const lr_module *m = site->m;
    lr_jw_key(w, "parameters");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_module_param_count(m); i++) {
        const lr_param *p = lr_node_param(site->node, lr_module_param(m, i));
        const char *def = lr_module_param_default(m, i);
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", lr_module_param(m, i));
        lr_jw_key(w, "given");
        if (p && p->formula)
            lr_jw_str(w, p->formula);
        else if (p)
            lr_jw_num(w, p->value);
        else
            lr_jw_null(w);
        lr_jw_key(w, "default");
        if (def)
            lr_jw_str(w, def);
        else
            lr_jw_null(w);
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
}

int
serve_info_op(FILE *f, const lr_arch *arch, const lr_db *db, const lr_hw *hw, const lr_settings *s,
              const lr_result *r, const char *path)
{
    op_ctx cx = {.db = db, .hw = hw, .s = s, .r = r, .path = path};
    if (!find_op(&arch->root, "", "", db, path, &cx.site))
        return -1;
    const lr_module *m = cx.site.m;
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "path", path);
    lr_jw_kstr(&w, "op", lr_module_op_name(m, cx.site.k));
    lr_jw_kstr(&w, "kind", lr_module_op_kind(m, cx.site.k));
    lr_jw_kstr(&w, "node", cx.site.node_path);
    lr_jw_kstr(&w, "class", lr_module_class(m));
    lr_jw_kstr(&w, "module", lr_module_key(m));
    write_op_params(&w, &cx.site);
    lr_jw_key(&w, "formulas");
    lr_jw_obj(&w);
    for (int fl = 0; fl < LR_NFIELDS; fl++) {
        const char *text = lr_module_op_formula(m, cx.site.k, (enum lr_field)fl);
        if (text)
            lr_jw_kstr(&w, field_name(&cx.site, fl), text);
    }
    lr_jw_end_obj(&w);
    for (int st = 0; st < 2; st++)
        write_op_stage(&w, &cx, st);
    lr_jw_end_obj(&w);
    return 0;
}
