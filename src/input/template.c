/*
 * template.c: builds an architecture tree from a HuggingFace config.json
 * through a family template (JSON files in a profile's architectures/ directory). The template
 * names the config fields it reads, with defaults as formulas over earlier fields, and a node tree
 * whose parameters, repeat counts and conditions are formulas over those fields. Node parameters
 * may also use runtime variables ({B}, {S}, ...): those stay formulas in the tree and are bound
 * when a plan is compiled.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

typedef struct tbuild {
    lr_arena arena;
    lr_binding *env; /* config fields, resolved to numbers */
    size_t nenv;
    const char *tfile; /* template file */
    const char *cfile; /* config file */
    json_t *cfg;       /* the config (text part merged in), for "for_each" lists */
    lr_error *err;
} tbuild;

static json_t *config_lookup(json_t *cfg, const char *key);
static int build_node(tbuild *tb, json_t *o, lr_node *n, const char *path);

/* Evaluates `v` (number, bool or formula) in the config environment. Returns
 * the folded tree: a number, or a formula over runtime variables. */
static ast *
eval_field(tbuild *tb, json_t *v, const char *path)
{
    if (json_is_number(v))
        return lr_ast_num(&tb->arena, json_number_value(v));
    if (json_is_boolean(v))
        return lr_ast_num(&tb->arena, json_is_true(v));
    const char *s = json_string_value(v);
    if (!s) {
        lr_err_set(tb->err, tb->tfile, path, "expected a number or a formula string");
        return NULL;
    }
    lr_error perr;
    lr_err_clear(&perr);
    ast *t = lr_expr_parse(&tb->arena, s, &perr);
    ast *b = NULL;
    if (t) {
        lr_bind_ctx cx = lr_db_bind_ctx(&tb->arena, NULL, LR_V_A_BYTES, &perr);
        b = lr_bind(&cx, t, tb->env, tb->nenv);
    }
    if (!b) {
        lr_err_set(tb->err, tb->tfile, path, "%s", perr.msg);
        tb->err->col = perr.col;
        snprintf(tb->err->source, sizeof tb->err->source, "%s", s);
        return NULL;
    }
    return lr_ast_fold(&tb->arena, b);
}

static int
eval_const(tbuild *tb, json_t *v, const char *path, double *out)
{
    ast *e = eval_field(tb, v, path);
    if (!e)
        return -1;
    if (e->kind != A_NUM) {
        lr_err_set(tb->err, tb->tfile, path, "must not depend on runtime variables");
        return -1;
    }
    *out = e->num;
    return 0;
}

/* A formula over the config fields and runtime variables, as the text the
 * plan compiles (a number prints as itself): a node's "when", the
 * template's "image_tokens". */
static int
runtime_text(tbuild *tb, json_t *v, const char *path, char **out)
{
    ast *e = eval_field(tb, v, path);
    if (!e)
        return -1;
    *out = lr_ast_print_alloc(e);
    return 0;
}

/* 1 when two built nodes are the same module with the same values all the
 * way down (the sub-layers' repeat counts included; the nodes' own only
 * `with_repeat`). */
static int
node_equal(const lr_node *a, const lr_node *b, int with_repeat)
{
    if (strcmp(a->name, b->name) || strcmp(a->cls, b->cls) || (!a->op != !b->op) ||
        (a->op && strcmp(a->op, b->op)) || (with_repeat && a->repeat != b->repeat) ||
        a->output_kv != b->output_kv || a->tied != b->tied || a->pipeline != b->pipeline ||
        a->weights_only != b->weights_only || a->nparams != b->nparams || a->nsubs != b->nsubs ||
        (!a->when != !b->when) || (a->when && strcmp(a->when, b->when)))
        return 0;
    for (size_t i = 0; i < a->nparams; i++) {
        const lr_param *x = &a->params[i], *y = &b->params[i];
        if (strcmp(x->name, y->name) || (!x->formula != !y->formula) ||
            (x->formula ? strcmp(x->formula, y->formula) != 0 : x->value != y->value))
            return 0;
    }
    for (size_t i = 0; i < a->nsubs; i++)
        if (!node_equal(&a->subs[i], &b->subs[i], 1))
            return 0;
    return 1;
}

/* Binds the numbers of one list element under `prefix`: a number or
 * boolean as {prefix}, an object's members as {prefix.member} (nested
 * objects with more dots), null as 0; strings and lists are not bound. */
static void
bind_element(tbuild *tb, json_t *v, const char *prefix)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            char sub[512];
            snprintf(sub, sizeof sub, "%s.%s", prefix, k);
            bind_element(tb, m, sub);
        }
        return;
    }
    double d;
    if (json_is_number(v))
        d = json_number_value(v);
    else if (json_is_boolean(v))
        d = json_is_true(v);
    else if (json_is_null(v))
        d = 0;
    else
        return;
    lr_binding *env = lr_arena_alloc(&tb->arena, (tb->nenv + 2) * sizeof *env);
    memcpy(env, tb->env, tb->nenv * sizeof *env);
    tb->env = env;
    tb->env[tb->nenv].name = lr_arena_strdup(&tb->arena, prefix);
    tb->env[tb->nenv].value = lr_ast_num(&tb->arena, d);
    tb->nenv++;
}

/* `over` merged into `base` (a copy of the node's "defaults"): members of
 * both objects merged again, anything else from `over`. */
static void
merge_into(json_t *base, json_t *over)
{
    const char *k;
    json_t *v;
    json_object_foreach(over, k, v)
    {
        json_t *b = json_object_get(base, k);
        if (json_is_object(b) && json_is_object(v))
            merge_into(b, v);
        else
            json_object_set(base, k, v);
    }
}

/* A node with "for_each": LIST: one instance per element of the config's
 * list (heterogeneous layers, Nemotron-NAS block_configs), the element's
 * numbers bound as {AS...} ("as", default "item") and its index as
 * {AS.index} while the node is built; its "if" is evaluated per element.
 * "defaults" (an object shaped like the elements) supplies members an
 * element leaves out (older block_configs without window_length).
 * Consecutive instances that come out equal become one node with their
 * repeat counts added, so a uniform list gives one repeated node. */
static int
expand_for_each(tbuild *tb, json_t *s, lr_node *parent, const char *path)
{
    const char *lname = json_string_value(json_object_get(s, "for_each"));
    const char *as = json_string_value(json_object_get(s, "as"));
    json_t *list = config_lookup(tb->cfg, lname);
    if (!lname || !json_is_array(list)) {
        lr_err_set(tb->err, lname && config_lookup(tb->cfg, lname) ? tb->cfile : tb->tfile,
                   lname ? lname : path, "\"for_each\" needs a list in the config%s%s",
                   lname ? ": no list named " : "", lname ? lname : "");
        return -1;
    }
    size_t first = parent->nsubs;
    lr_binding *saved = tb->env;
    size_t nsaved = tb->nenv;
    for (size_t i = 0; i < json_array_size(list); i++) {
        char p[820], pre[256];
        snprintf(p, sizeof p, "%s[%s %zu]", path, lname, i);
        snprintf(pre, sizeof pre, "%s", as ? as : "item");
        tb->env = saved;
        tb->nenv = nsaved;
        json_t *idx = json_integer((json_int_t)i);
        char ik[300];
        snprintf(ik, sizeof ik, "%s.index", pre);
        bind_element(tb, idx, ik);
        json_decref(idx);
        json_t *el = json_array_get(list, i);
        json_t *dflt = json_object_get(s, "defaults");
        if (json_is_object(dflt) && json_is_object(el)) {
            json_t *m = json_deep_copy(dflt);
            merge_into(m, el);
            bind_element(tb, m, pre);
            json_decref(m);
        } else {
            bind_element(tb, el, pre);
        }
        double c = 1;
        json_t *cond = json_object_get(s, "if");
        char cp[840];
        snprintf(cp, sizeof cp, "%s.if", p);
        int rc = cond ? eval_const(tb, cond, cp, &c) : 0;
        lr_node *n = &parent->subs[parent->nsubs];
        if (rc == 0 && c != 0)
            rc = build_node(tb, s, n, p);
        tb->env = saved;
        tb->nenv = nsaved;
        if (rc < 0) {
            lr_node_free_contents(n);
            return -1;
        }
        if (c == 0)
            continue;
        lr_node *prev = parent->nsubs > first ? &parent->subs[parent->nsubs - 1] : NULL;
        if (prev && node_equal(prev, n, 0)) {
            prev->repeat += n->repeat;
            lr_node_free_contents(n);
            memset(n, 0, sizeof *n);
            continue;
        }
        parent->nsubs++;
    }
    return 0;
}

static int
build_node(tbuild *tb, json_t *o, lr_node *n, const char *path)
{
    memset(n, 0, sizeof *n);
    n->repeat = 1;
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *cls = json_string_value(json_object_get(o, "class"));
    const char *op = json_string_value(json_object_get(o, "op"));
    if (op && !cls) {
        n->op = lr_xstrdup(op);
        n->name = lr_xstrdup(op);
        n->cls = lr_xstrdup("");
        return 0;
    }
    if (!json_is_object(o) || !cls) {
        lr_err_set(tb->err, tb->tfile, path, "expected a node with a \"class\"");
        return -1;
    }
    static const char *const keys[] = {"name",        "class",        "parameters", "sub_layers",
                                       "repeat",      "output",       "tied",       "if",
                                       "description", "pipeline",     "for_each",   "as",
                                       "defaults",    "weights_only", "when",       "weight_role"};
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        size_t i;
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(key, keys[i]) == 0)
                break;
        if (i == sizeof keys / sizeof keys[0]) {
            lr_err_set(
                tb->err, tb->tfile, path,
                "unknown key '%s' (expected name, class, parameters, sub_layers, repeat, "
                "output, tied, if, description, pipeline, for_each, as, defaults, weights_only, "
                "when, weight_role; or "
                "{\"op\": NAME})",
                key);
            return -1;
        }
    }
    if (lr_node_read_wrole(n, json_object_get(o, "weight_role"), tb->tfile, path, tb->err) < 0)
        return -1;
    const char *outk = json_string_value(json_object_get(o, "output"));
    if (json_object_get(o, "output") && (!outk || (strcmp(outk, "kv") && strcmp(outk, "act")))) {
        lr_err_set(tb->err, tb->tfile, path, "\"output\" must be \"act\" or \"kv\"");
        return -1;
    }
    n->name = lr_xstrdup(name ? name : "");
    n->cls = lr_xstrdup(cls);
    char p[800];
    json_t *rep = json_object_get(o, "repeat");
    if (rep) {
        snprintf(p, sizeof p, "%s.repeat", path);
        if (eval_const(tb, rep, p, &n->repeat) < 0)
            return -1;
        if (n->repeat < 1 || n->repeat != floor(n->repeat) || n->repeat > 1e9) {
            lr_err_set(tb->err, tb->cfile, p, "repeat count %g is not a whole number >= 1",
                       n->repeat);
            return -1;
        }
    }
    json_t *tied = json_object_get(o, "tied");
    if (tied) {
        double t;
        snprintf(p, sizeof p, "%s.tied", path);
        if (eval_const(tb, tied, p, &t) < 0)
            return -1;
        n->tied = t != 0;
    }
    json_t *wo = json_object_get(o, "weights_only");
    if (wo) {
        double t;
        snprintf(p, sizeof p, "%s.weights_only", path);
        if (eval_const(tb, wo, p, &t) < 0)
            return -1;
        n->weights_only = t != 0;
    }
    json_t *when = json_object_get(o, "when");
    if (when) {
        /* a runtime condition: kept as a formula, bound when the plan is
         * compiled (MTP layers run only with --mtp) */
        snprintf(p, sizeof p, "%s.when", path);
        ast *e = eval_field(tb, when, p);
        if (!e)
            return -1;
        n->when = lr_ast_print_alloc(e);
    }
    const char *out = json_string_value(json_object_get(o, "output"));
    n->output_kv = out && strcmp(out, "kv") == 0;
    n->pipeline = json_is_true(json_object_get(o, "pipeline"));
    json_t *v;
    json_object_foreach(json_object_get(o, "parameters"), key, v)
    {
        snprintf(p, sizeof p, "%s.parameters.%s", path, key);
        ast *e = eval_field(tb, v, p);
        if (!e)
            return -1;
        if (e->kind == A_NUM) {
            lr_node_add_param(n, key, e->num, NULL);
        } else {
            char *text = lr_ast_print_alloc(e);
            lr_node_add_param(n, key, 0, text);
            free(text);
        }
    }
    json_t *subs = json_object_get(o, "sub_layers");
    size_t cap = 0;
    for (size_t i = 0; i < json_array_size(subs); i++) {
        json_t *fe = json_object_get(json_array_get(subs, i), "for_each");
        json_t *list = config_lookup(tb->cfg, json_string_value(fe));
        cap += fe && json_is_array(list) ? json_array_size(list) : 1;
    }
    n->subs = lr_xcalloc(cap + 1, sizeof *n->subs);
    for (size_t i = 0; i < json_array_size(subs); i++) {
        json_t *s = json_array_get(subs, i);
        snprintf(p, sizeof p, "%s.sub_layers[%zu]", path, i);
        if (json_object_get(s, "for_each")) {
            if (expand_for_each(tb, s, n, p) < 0)
                return -1;
            continue;
        }
        json_t *cond = json_object_get(s, "if");
        if (cond) {
            double c;
            char cp[820];
            snprintf(cp, sizeof cp, "%s.if", p);
            if (eval_const(tb, cond, cp, &c) < 0)
                return -1;
            if (c == 0)
                continue;
        }
        if (build_node(tb, s, &n->subs[n->nsubs++], p) < 0)
            return -1;
    }
    return 0;
}

/* Looks up a possibly dotted key: "rope_scaling.factor" reads the factor
 * of the rope_scaling object, "architectures.0" the first element of a
 * list. */
static json_t *
config_lookup(json_t *cfg, const char *key)
{
    if (!key)
        return NULL;
    json_t *v = json_is_object(cfg) ? json_object_get(cfg, key) : NULL;
    const char *dot = strchr(key, '.');
    if (v || !dot)
        return v;
    char head[256];
    snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
    json_t *sub = json_object_get(cfg, head);
    if (json_is_array(sub)) {
        char *end;
        unsigned long i = strtoul(dot + 1, &end, 10);
        if (end == dot + 1 || (*end && *end != '.'))
            return NULL;
        json_t *e = json_array_get(sub, i);
        return *end ? config_lookup(e, end + 1) : e;
    }
    return json_is_object(sub) ? config_lookup(sub, dot + 1) : NULL;
}

/* 1 when string `s` is `eq` (a string) or one of `eq` (a list). */
static int
string_is(const char *s, json_t *eq)
{
    if (json_is_string(eq))
        return strcmp(s, json_string_value(eq)) == 0;
    for (size_t i = 0; i < json_array_size(eq); i++)
        if (json_is_string(json_array_get(eq, i)) &&
            strcmp(s, json_string_value(json_array_get(eq, i))) == 0)
            return 1;
    return 0;
}

/* Whether a list element equals the field's "count" value: a string element
 * by string_is (the value a string or a list of strings), a number or a
 * boolean by value (no_rope_layers' 0, hybrid_layer_pattern's 1). */
static int
same_value(json_t *a, json_t *b)
{
    if (json_is_string(a))
        return string_is(json_string_value(a), b);
    if (!(json_is_number(a) || json_is_boolean(a)) || !(json_is_number(b) || json_is_boolean(b)))
        return 0;
    double x = json_is_boolean(a) ? json_is_true(a) : json_number_value(a);
    double y = json_is_boolean(b) ? json_is_true(b) : json_number_value(b);
    return x == y;
}

/* How many times the string w occurs in s (non-overlapping). */
static double
occurrences(const char *s, const char *w)
{
    double n = 0;
    for (const char *p = strstr(s, w); p; p = strstr(p + strlen(w), w))
        n++;
    return n;
}

/* A layer pattern given as data: how many elements of a list equal `what`
 * (layer_types, no_rope_layers), or how many times the string `what` occurs
 * in a string (Nemotron-H's hybrid_override_pattern "M-M*-..."). `what` may
 * list several strings, so that one field reads both spellings of a
 * pattern: Nemotron-3's newer configs give the list layers_block_type
 * ["mamba", "moe", ...] where the older give the string "MEM*..." (each
 * listed string is counted; a pattern's one-letter codes never occur in
 * the other spelling's words). Returns -1 when the value is neither a list
 * nor a string. Only a list's positions from <= i < to count (Gemma-4's
 * last num_kv_shared_layers layers, which own no KV; Step-3.5's decoder
 * layers before its MTP layers).
 */
static double
count_in(json_t *v, json_t *what, double from, double to)
{
    double n = 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            n += (double)i >= from && (double)i < to && same_value(json_array_get(v, i), what);
        return n;
    }
    const char *s = json_string_value(v);
    if (!s)
        return -1;
    if (json_is_array(what)) {
        int any = 0;
        for (size_t i = 0; i < json_array_size(what); i++) {
            const char *w = json_string_value(json_array_get(what, i));
            if (w && *w) {
                n += occurrences(s, w);
                any = 1;
            }
        }
        return any ? n : -1;
    }
    const char *w = json_string_value(what);
    if (!w || !*w)
        return -1;
    return occurrences(s, w);
}

/* The first of `keys` the config has (not null), or NULL. */
static json_t *
first_key(json_t *cfg, json_t *keys)
{
    for (size_t k = 0; k < json_array_size(keys); k++) {
        json_t *v = config_lookup(cfg, json_string_value(json_array_get(keys, k)));
        if (v && !json_is_null(v))
            return v;
    }
    return NULL;
}

/* Two layer patterns at once: the positions i where list a[i] equals `what`
 * and list b[i] equals `and_what` (Jamba-like overlaps given as lists:
 * MiMo-V2's hybrid_layer_pattern and moe_layer_freq). Lists of different
 * lengths count over the shorter. */
static double
count_pairs(json_t *a, json_t *what, json_t *b, json_t *and_what)
{
    double n = 0;
    for (size_t i = 0; i < json_array_size(a) && i < json_array_size(b); i++)
        n += same_value(json_array_get(a, i), what) && same_value(json_array_get(b, i), and_what);
    return n;
}

/* The field's "upto": the name of an earlier field whose value bounds the
 * list elements "count" looks at (Step-3.5's layer_types lists the MTP
 * layers' types after the decoder's: "upto": "num_hidden_layers"). Sets
 * SIZE_MAX without one; -1 (err set) when it names no earlier field. */
static int
upto_limit(tbuild *tb, json_t *f, const char *key, size_t *limit)
{
    json_t *u = json_object_get(f, "upto");
    *limit = SIZE_MAX;
    if (!u)
        return 0;
    const char *name = json_string_value(u);
    for (size_t i = 0; name && i < tb->nenv; i++)
        if (strcmp(tb->env[i].name, name) == 0) {
            double v = tb->env[i].value->num;
            *limit = v > 0 ? (size_t)v : 0;
            return 0;
        }
    lr_err_set(tb->err, tb->tfile, key, "\"upto\" must name a config field listed before this one");
    return -1;
}

/* The number a config value stands for: numbers and booleans as they are;
 * a list's (or a string's) length when the field says "length": true; the
 * number of a list's elements equal to "count" (a string, or a list of
 * strings any of which counts: how many layer_types are
 * "sliding_attention"); a string compared with the field's "equals" (a
 * string or a list of strings; 1 or 0). */
static int
config_value(tbuild *tb, json_t *f, json_t *v, const char *key, double *d)
{
    json_t *eq = json_object_get(f, "equals");
    json_t *count = json_object_get(f, "count");
    int length = json_is_true(json_object_get(f, "length"));
    /* "from" and "to": formulas over the fields before, the positions of a
     * counted list (default: all of them); "upto": a field bounding them */
    double from = 0, to = HUGE_VAL;
    char p[700];
    snprintf(p, sizeof p, "%s.from", key);
    if (json_object_get(f, "from") && eval_const(tb, json_object_get(f, "from"), p, &from) < 0)
        return -1;
    snprintf(p, sizeof p, "%s.to", key);
    if (json_object_get(f, "to") && eval_const(tb, json_object_get(f, "to"), p, &to) < 0)
        return -1;
    size_t upto;
    if (upto_limit(tb, f, key, &upto) < 0)
        return -1;
    if (upto != SIZE_MAX && (double)upto < to)
        to = (double)upto;
    if (json_is_number(v)) {
        *d = json_number_value(v);
    } else if (json_is_boolean(v)) {
        *d = json_is_true(v);
    } else if (count && (*d = count_in(v, count, from, to)) >= 0) {
        /* a list's matching elements, or a pattern string's occurrences */
    } else if (json_is_array(v) && length) {
        *d = (double)json_array_size(v);
    } else if (json_is_string(v) && eq) {
        *d = string_is(json_string_value(v), eq);
    } else if (json_is_string(v) && length) {
        *d = (double)strlen(json_string_value(v));
    } else {
        lr_err_set(tb->err, tb->cfile, key, "expected a number, found a %s",
                   json_is_string(v)  ? "string"
                   : json_is_array(v) ? "list"
                                      : "object");
        return -1;
    }
    if (!isfinite(*d) || *d < 0) {
        lr_err_set(tb->err, tb->cfile, key, "value %g is not a finite non-negative number", *d);
        return -1;
    }
    return 0;
}

/* Reads the template's "config" list: each field from config.json, else
 * its default formula, else an error naming the missing field. */
static int
resolve_config(tbuild *tb, json_t *fields, json_t *cfg)
{
    size_t n = json_array_size(fields);
    tb->env = lr_arena_alloc(&tb->arena, (n + 1) * sizeof *tb->env);
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(fields, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        char p[700];
        snprintf(p, sizeof p, "config[%zu]", i);
        if (!name) {
            lr_err_set(tb->err, tb->tfile, p, "config field needs a \"name\"");
            return -1;
        }
        /* the config key may differ from our name (n_embd for hidden_size),
         * and may be nested ("rope_scaling.factor") */
        json_t *keys = json_object_get(f, "keys");
        json_t *v = NULL;
        const char *vkey = name;
        for (size_t k = 0; k < json_array_size(keys) && (!v || json_is_null(v)); k++) {
            vkey = json_string_value(json_array_get(keys, k));
            v = config_lookup(cfg, vkey);
        }
        if (!v || json_is_null(v)) {
            vkey = name;
            v = config_lookup(cfg, name);
        }
        double d;
        json_t *pair = json_object_get(f, "and"), *v2 = NULL;
        if (pair && v && !json_is_null(v))
            v2 = first_key(cfg, json_object_get(pair, "keys"));
        if (pair && !(json_is_array(v) && json_is_array(v2)))
            v = NULL; /* both lists, or the default */
        if (v && pair) {
            d = count_pairs(v, json_object_get(f, "count"), v2, json_object_get(pair, "count"));
        } else if (v && !json_is_null(v)) {
            if (config_value(tb, f, v, vkey, &d) < 0)
                return -1;
        } else if (json_object_get(f, "default")) {
            snprintf(p, sizeof p, "config[%zu].default", i);
            if (eval_const(tb, json_object_get(f, "default"), p, &d) < 0)
                return -1;
        } else {
            lr_err_set(tb->err, tb->cfile, name,
                       "missing config field '%s' (required by the %s template, %s)", name,
                       json_string_value(json_object_get(cfg, "model_type"))
                           ? json_string_value(json_object_get(cfg, "model_type"))
                           : "selected",
                       tb->tfile);
            return -1;
        }
        json_t *min = json_object_get(f, "min");
        if (json_is_number(min) && d < json_number_value(min)) {
            lr_err_set(tb->err, tb->cfile, name, "value %g is below the minimum %g", d,
                       json_number_value(min));
            return -1;
        }
        tb->env[tb->nenv].name = lr_arena_strdup(&tb->arena, name);
        tb->env[tb->nenv].value = lr_ast_num(&tb->arena, d);
        tb->nenv++;
    }
    return 0;
}

static const char *
str_or(const char *s, const char *d)
{
    return s ? s : d;
}

static int
matches(json_t *list, const char *s)
{
    if (!s)
        return 0;
    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(str_or(json_string_value(json_array_get(list, i)), ""), s) == 0)
            return 1;
    return 0;
}

/* The templates of a profile's architectures/ directory in file name
 * order, each parsed when first looked at (a Llama config need not parse
 * the templates after llama.json). */
typedef struct tlist {
    json_t **t;
    char **files;
    size_t n;
} tlist;

static void
tlist_free(tlist *tl)
{
    for (size_t i = 0; i < tl->n; i++) {
        json_decref(tl->t[i]);
        free(tl->files[i]);
    }
    free(tl->t);
    free(tl->files);
}

static int
tlist_load(const char *dir, tlist *tl, lr_error *err)
{
    memset(tl, 0, sizeof *tl);
    lr_err_clear(err);
    tl->files = lr_list_json(dir, &tl->n, err);
    if (!tl->files && err->msg[0])
        return -1;
    tl->t = lr_xcalloc(tl->n + 1, sizeof *tl->t);
    return 0;
}

/* Template i, parsed; NULL (err set) when its JSON is malformed. */
static json_t *
tget(tlist *tl, size_t i, lr_error *err)
{
    if (!tl->t[i]) {
        json_error_t je;
        tl->t[i] = json_load_file(tl->files[i], JSON_REJECT_DUPLICATES, &je);
        if (!tl->t[i]) {
            lr_err_set(err, tl->files[i], "", "malformed JSON: %s", je.text);
            err->line = je.line;
            err->col = je.column;
        }
    }
    return tl->t[i];
}

/* The file name without directory and ".json": "llama" for
 * ".../architectures/llama.json". */
static int
base_is(const char *file, const char *name)
{
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    size_t l = strlen(name);
    return strncmp(b, name, l) == 0 && strcmp(b + l, ".json") == 0;
}

/* 1 when `s` is already one of the ", "-separated names of buf. */
static int
listed(const char *buf, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = strstr(buf, s); p; p = strstr(p + 1, s))
        if ((p == buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Appends each template's families (what = "family") or classes
 * (what = "architectures") to buf, ", "-separated, "..." when full; with
 * `mtype`, only those of the templates that list that model_type (the
 * likeliest intended ones, named first). */
static void
list_known(const tlist *tl, const char *what, char *buf, size_t cap, const char *mtype)
{
    size_t l = strlen(buf);
    for (size_t i = 0; i < tl->n; i++) {
        if (mtype && !matches(json_object_get(tl->t[i], "model_types"), mtype))
            continue;
        json_t *v = json_object_get(tl->t[i], what);
        size_t nv = json_is_array(v) ? json_array_size(v) : 1;
        for (size_t k = 0; k < nv; k++) {
            const char *s = json_string_value(json_is_array(v) ? json_array_get(v, k) : v);
            if (!s || listed(buf, s))
                continue;
            if (l + strlen(s) + 8 >= cap) {
                snprintf(buf + l, cap - l, ", ...");
                return;
            }
            l += (size_t)snprintf(buf + l, cap - l, "%s%s", buf[0] ? ", " : "", s);
        }
    }
}

/* Chooses the template for a config: the one of family `family` when
 * forced; else the one listing the config's class (architectures[0]; the
 * top level's, then the text part's) in "architectures"; only a config without a class is matched
 * by its model_type (the text part's, then the top level's). An unknown class is an error listing
 * the known ones: never a guess from model_type. Returns the template JSON (caller decrefs). */
static json_t *
find_template(const char *dir, json_t *cfg, const char *top_arch, const char *top_type,
              const char *family, char **tfile, lr_error *err, const char *cfile)
{
    const char *text_arch =
        json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0));
    const char *arch = top_arch ? top_arch : text_arch;
    const char *mtype = json_string_value(json_object_get(cfg, "model_type"));
    tlist tl;
    if (tlist_load(dir, &tl, err) < 0)
        return NULL;
    size_t hit = tl.n;
    for (int pass = 0; pass < 2 && hit == tl.n; pass++) {
        const char *cls = pass ? text_arch : arch;
        if (pass && (family || !cls || (arch && !strcmp(cls, arch))))
            break;
        for (size_t i = 0; i < tl.n && hit == tl.n; i++) {
            json_t *t = tget(&tl, i, err);
            if (!t) {
                tlist_free(&tl);
                return NULL;
            }
            const char *fam = json_string_value(json_object_get(t, "family"));
            if (family ? (fam && !strcmp(fam, family)) || base_is(tl.files[i], family)
                : cls  ? matches(json_object_get(t, "architectures"), cls)
                       : matches(json_object_get(t, "model_types"), mtype) ||
                            matches(json_object_get(t, "model_types"), top_type))
                hit = i;
        }
    }
    json_t *found = NULL;
    if (hit < tl.n) {
        found = json_incref(tl.t[hit]);
        *tfile = lr_xstrdup(tl.files[hit]);
    } else {
        char classes[640] = "", fams[720] = "";
        for (size_t i = 0; i < tl.n; i++)
            if (!tget(&tl, i, err)) {
                tlist_free(&tl);
                return NULL;
            }
        if (mtype)
            list_known(&tl, "architectures", classes, sizeof classes, mtype);
        list_known(&tl, "architectures", classes, sizeof classes, NULL);
        list_known(&tl, "family", fams, sizeof fams, NULL);
        if (family)
            lr_err_set(err, cfile, "--family", "no family template named '%s'; families: %s",
                       family, fams);
        else if (!arch && !mtype && !top_type)
            /* mamba_ssm's own configs (d_model, n_layer, ssm_cfg) and other
             * non-transformers files name no class to match */
            lr_err_set(err, cfile, "architectures",
                       "the config names no class (architectures) and no model_type; force a "
                       "template with --family NAME (%s): state-spaces/mamba-* take --family "
                       "mamba, mamba2-* --family mamba2",
                       fams);
        else
            /* the families first: the message is cut at lr_error's size, and
             * --family NAME is what the user types next */
            lr_err_set(err, cfile, "architectures",
                       "no family template for %s '%s'%s%s%s; force a template with --family "
                       "NAME (%s), or add one to the profile's architectures/ directory "
                       "(docs/architecture-templates.md); known classes: %s",
                       arch ? "architecture" : "model_type",
                       arch    ? arch
                       : mtype ? mtype
                               : "?",
                       arch ? " (model_type '" : "", arch ? (mtype ? mtype : "?") : "",
                       arch ? "')" : "", fams, classes);
    }
    tlist_free(&tl);
    return found;
}

/* A config whose model is under "text_config" (a vision-language wrapper,
 * Gemma-3, Mistral-3, Kimi-K2.5): the text part's fields over the top level's (which
 * keep the class, tie_word_embeddings and the like when the text part does
 * not repeat them). Returns a new reference. */
static json_t *
merged_config(json_t *cfg)
{
    json_t *text = json_object_get(cfg, "text_config");
    if (!json_is_object(text))
        return json_incref(cfg);
    json_t *m = json_copy(cfg);
    json_object_del(m, "text_config");
    json_object_update(m, text);
    if (!json_object_get(text, "architectures"))
        json_object_set(m, "architectures", json_object_get(cfg, "architectures"));
    return m;
}

lr_arch *
lr_arch_from_config_obj(json_t *cfg, const char *source, const char *template_dir, lr_error *err)
{
    return lr_arch_from_config_family(cfg, source, template_dir, NULL, err);
}

lr_arch *
lr_arch_from_config_family(json_t *cfg0, const char *source, const char *template_dir,
                           const char *family, lr_error *err)
{
    if (!json_is_object(cfg0)) {
        lr_err_set(err, source, "$", "expected a config.json object");
        return NULL;
    }
    char *tfile = NULL;
    json_t *cfg = merged_config(cfg0);
    json_t *tpl = find_template(
        template_dir, cfg,
        json_string_value(json_array_get(json_object_get(cfg0, "architectures"), 0)),
        json_string_value(json_object_get(cfg0, "model_type")), family, &tfile, err, source);
    if (!tpl) {
        json_decref(cfg);
        return NULL;
    }
    tbuild tb = {{0}, NULL, 0, tfile, source, cfg, err};
    lr_arch *a = lr_xcalloc(1, sizeof *a);
    const char *nm = json_string_value(json_object_get(cfg0, "_name_or_path"));
    a->name = lr_xstrdup(nm && *nm ? nm : source);
    a->file = lr_xstrdup(source);
    a->family = lr_xstrdup(str_or(json_string_value(json_object_get(tpl, "family")), ""));
    /* which parallel splits the template's formulas model */
    json_t *par = json_object_get(tpl, "parallelism");
    for (size_t i = 0; i < json_array_size(par); i++) {
        const char *k = json_string_value(json_array_get(par, i));
        a->parallel |= !k                 ? 0
                       : !strcmp(k, "tp") ? LR_PAR_TP
                       : !strcmp(k, "pp") ? LR_PAR_PP
                       : !strcmp(k, "ep") ? LR_PAR_EP
                                          : 0;
    }
    int rc = resolve_config(&tb, json_object_get(tpl, "config"), cfg);
    if (rc == 0)
        rc = build_node(&tb, json_object_get(tpl, "tree"), &a->root, "tree");
    json_t *itok = json_object_get(tpl, "image_tokens");
    if (rc == 0 && itok)
        rc = runtime_text(&tb, itok, "image_tokens", &a->image_tokens);
    if (rc == 0) {
        for (size_t i = 0; i < tb.nenv; i++) {
            const char *n = tb.env[i].name;
            double v = tb.env[i].value->num;
            if (strcmp(n, "max_position_embeddings") == 0)
                a->max_context = v;
            else if (strcmp(n, "num_attention_heads") == 0)
                a->heads = v;
            else if (strcmp(n, "num_key_value_heads") == 0 || strcmp(n, "kv_heads") == 0)
                a->kv_heads = v;
            else if (strcmp(n, "head_dim") == 0)
                a->head_dim = v;
            else if (strcmp(n, "num_hidden_layers") == 0)
                a->layers = v;
        }
        /* the checkpoint's quantization and the modules it leaves out */
        rc = lr_arch_read_quant(a, cfg0, source, err);
    }
    lr_arena_free(&tb.arena);
    json_decref(tpl);
    json_decref(cfg);
    free(tfile);
    if (rc < 0) {
        lr_arch_free(a);
        return NULL;
    }
    return a;
}

/* Python's json module writes float('inf') and float('nan') as the bare
 * tokens Infinity, -Infinity and NaN (Nemotron-H's and Mamba-2's
 * time_step_limit [0.0, Infinity]), which JSON does not have. Outside
 * strings they become null, which templates read as absent. Returns a new
 * string (caller frees). */
static char *
python_nonfinite_to_null(const char *s)
{
    static const char *const toks[] = {"-Infinity", "Infinity", "NaN"};
    size_t n = strlen(s);
    char *out = lr_xcalloc(2 * n + 1, 1), *o = out;
    int in_str = 0;
    for (size_t i = 0; i < n;) {
        if (in_str) {
            if (s[i] == '\\' && i + 1 < n)
                *o++ = s[i++];
            else if (s[i] == '"')
                in_str = 0;
            *o++ = s[i++];
            continue;
        }
        if (s[i] == '"')
            in_str = 1;
        size_t k, tl = 0;
        for (k = 0; k < 3; k++) {
            tl = strlen(toks[k]);
            if (strncmp(s + i, toks[k], tl) == 0 && (i == 0 || !isalnum((unsigned char)s[i - 1])))
                break;
        }
        if (k < 3) {
            memcpy(o, "null", 4);
            o += 4;
            i += tl;
        } else {
            *o++ = s[i++];
        }
    }
    return out;
}

json_t *
lr_config_loads(const char *text, const char *name, lr_error *err)
{
    char *clean = python_nonfinite_to_null(text);
    json_error_t je;
    json_t *j = json_loads(clean, JSON_REJECT_DUPLICATES, &je);
    free(clean);
    if (!j) {
        lr_err_set(err, name, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
    }
    return j;
}

json_t *
lr_config_load(const char *path, lr_error *err)
{
    size_t len;
    char *text = lr_read_file(path, &len, err);
    if (!text)
        return NULL;
    json_t *j = lr_config_loads(text, path, err);
    free(text);
    return j;
}

lr_arch *
lr_arch_from_hf_config(const char *config_path, const char *template_dir, lr_error *err)
{
    json_t *cfg = lr_config_load(config_path, err);
    if (!cfg)
        return NULL;
    lr_arch *a = lr_arch_from_config_obj(cfg, config_path, template_dir, err);
    json_decref(cfg);
    return a;
}

lr_arch *
lr_arch_from_hf_config_text(const char *text, const char *source, const char *template_dir,
                            lr_error *err)
{
    json_error_t je;
    char *clean = python_nonfinite_to_null(text);
    json_t *cfg = json_loads(clean, JSON_REJECT_DUPLICATES, &je);
    free(clean);
    if (!cfg) {
        lr_err_set(err, source, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return NULL;
    }
    lr_arch *a = lr_arch_from_config_obj(cfg, source, template_dir, err);
    json_decref(cfg);
    return a;
}
