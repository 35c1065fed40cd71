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
    lr_error *err;
} tbuild;

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
    static const char *const keys[] = {"name",   "class",       "parameters", "sub_layers",
                                       "repeat", "output",      "tied",       "if",
                                       "when",   "description", "pipeline"};
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        size_t i;
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(key, keys[i]) == 0)
                break;
        if (i == sizeof keys / sizeof keys[0]) {
            lr_err_set(tb->err, tb->tfile, path,
                       "unknown key '%s' (expected name, class, parameters, sub_layers, repeat, "
                       "output, tied, if, when, description, pipeline; or {\"op\": NAME})",
                       key);
            return -1;
        }
    }
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
    json_t *when = json_object_get(o, "when");
    if (when) {
        /* a runtime condition: kept as a formula, bound when the plan is
         * compiled (MTP layers run only with --mtp) */
        snprintf(p, sizeof p, "%s.when", path);
        ast *e = eval_field(tb, when, p);
        if (!e)
            return -1;
        char text[1024];
        lr_ast_print(e, text, sizeof text);
        n->when = lr_xstrdup(text);
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
            char text[1024];
            lr_ast_print(e, text, sizeof text);
            lr_node_add_param(n, key, 0, text);
        }
    }
    json_t *subs = json_object_get(o, "sub_layers");
    n->subs = lr_xcalloc(json_array_size(subs), sizeof *n->subs);
    for (size_t i = 0; i < json_array_size(subs); i++) {
        json_t *s = json_array_get(subs, i);
        snprintf(p, sizeof p, "%s.sub_layers[%zu]", path, i);
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
 * of the rope_scaling object. */
static json_t *
config_lookup(json_t *cfg, const char *key)
{
    if (!key)
        return NULL;
    json_t *v = json_object_get(cfg, key);
    const char *dot = strchr(key, '.');
    if (v || !dot)
        return v;
    char head[256];
    snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
    json_t *sub = json_object_get(cfg, head);
    return json_is_object(sub) ? config_lookup(sub, dot + 1) : NULL;
}

/* Whether a list element equals the field's "count" value: strings by
 * text, numbers and booleans by value. */
static int
same_value(json_t *a, json_t *b)
{
    if (json_is_string(a) || json_is_string(b))
        return json_is_string(a) && json_is_string(b) &&
               strcmp(json_string_value(a), json_string_value(b)) == 0;
    double x = json_is_boolean(a) ? json_is_true(a) : json_number_value(a);
    double y = json_is_boolean(b) ? json_is_true(b) : json_number_value(b);
    return (json_is_number(a) || json_is_boolean(a)) && (json_is_number(b) || json_is_boolean(b)) &&
           x == y;
}

/* A layer pattern given as data: how many elements of a list equal `what`
 * (layer_types, no_rope_layers), or how many times the string `what` occurs
 * in a string (Nemotron-H's hybrid_override_pattern "M-M*-..."). Returns
 * -1 when the value is neither a list nor a string. */
static double
count_in(json_t *v, json_t *what)
{
    double n = 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            n += same_value(json_array_get(v, i), what);
        return n;
    }
    const char *s = json_string_value(v), *w = json_string_value(what);
    if (!s || !w || !*w)
        return -1;
    for (const char *p = strstr(s, w); p; p = strstr(p + strlen(w), w))
        n++;
    return n;
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

/* The number a config value stands for: numbers and booleans as they are;
 * a list's length when the field says "length": true; the elements (or
 * substrings) equal to the field's "count"; a string compared with the
 * field's "equals" (1 or 0). */
static int
config_value(tbuild *tb, json_t *f, json_t *v, const char *key, double *d)
{
    const char *eq = json_string_value(json_object_get(f, "equals"));
    json_t *count = json_object_get(f, "count");
    if (count && (*d = count_in(v, count)) >= 0) {
        /* counted */
    } else if (json_is_number(v)) {
        *d = json_number_value(v);
    } else if (json_is_boolean(v)) {
        *d = json_is_true(v);
    } else if (json_is_array(v) && json_is_true(json_object_get(f, "length"))) {
        *d = (double)json_array_size(v);
    } else if (json_is_string(v) && eq) {
        *d = strcmp(json_string_value(v), eq) == 0;
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
        json_t *and = json_object_get(f, "and"), *v2 = NULL;
        if (and&&v && !json_is_null(v))
            v2 = first_key(cfg, json_object_get(and, "keys"));
        if (and&&!(json_is_array(v) && json_is_array(v2)))
            v = NULL; /* both lists, or the default */
        if (v && and) {
            d = count_pairs(v, json_object_get(f, "count"), v2, json_object_get(and, "count"));
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

/* Finds the template whose "architectures" or "model_types" names this
 * config. Returns the loaded template JSON (caller decrefs). */
static json_t *
find_template(const char *dir, json_t *cfg, char **tfile, lr_error *err, const char *cfile)
{
    const char *arch = json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0));
    const char *mtype = json_string_value(json_object_get(cfg, "model_type"));
    size_t n = 0;
    lr_err_clear(err);
    char **files = lr_list_json(dir, &n, err);
    if (!files && err->msg[0])
        return NULL;
    json_t *found = NULL;
    char known[512] = "";
    size_t kl = 0;
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        json_t *t = found ? NULL : json_load_file(files[i], JSON_REJECT_DUPLICATES, &je);
        if (!found && !t) {
            lr_err_set(err, files[i], "", "malformed JSON: %s", je.text);
            err->line = je.line;
            err->col = je.column;
            for (size_t j = i; j < n; j++)
                free(files[j]);
            free(files);
            return NULL;
        }
        if (t && (matches(json_object_get(t, "architectures"), arch) ||
                  matches(json_object_get(t, "model_types"), mtype))) {
            found = t;
            *tfile = lr_xstrdup(files[i]);
        } else if (t) {
            json_t *fam = json_object_get(t, "family");
            if (kl < sizeof known)
                kl += (size_t)snprintf(known + kl, sizeof known - kl, "%s%s", kl ? ", " : "",
                                       str_or(json_string_value(fam), files[i]));
            json_decref(t);
        }
        free(files[i]);
    }
    free(files);
    if (!found)
        lr_err_set(err, cfile, "architectures",
                   "no family template for architecture '%s' (model_type '%s'); known families: "
                   "%s. Add a template to the profile's architectures/ directory "
                   "(docs/architecture-templates.md)",
                   arch ? arch : "?", mtype ? mtype : "?", known);
    return found;
}

lr_arch *
lr_arch_from_config_obj(json_t *cfg, const char *source, const char *template_dir, lr_error *err)
{
    if (!json_is_object(cfg)) {
        lr_err_set(err, source, "$", "expected a config.json object");
        return NULL;
    }
    char *tfile = NULL;
    json_t *tpl = find_template(template_dir, cfg, &tfile, err, source);
    if (!tpl)
        return NULL;
    tbuild tb = {{0}, NULL, 0, tfile, source, err};
    lr_arch *a = lr_xcalloc(1, sizeof *a);
    const char *nm = json_string_value(json_object_get(cfg, "_name_or_path"));
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
    }
    lr_arena_free(&tb.arena);
    json_decref(tpl);
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
lr_config_load(const char *path, lr_error *err)
{
    size_t len;
    char *text = lr_read_file(path, &len, err);
    if (!text)
        return NULL;
    char *clean = python_nonfinite_to_null(text);
    json_error_t je;
    json_t *j = json_loads(clean, JSON_REJECT_DUPLICATES, &je);
    free(clean);
    free(text);
    if (!j) {
        lr_err_set(err, path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
    }
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
