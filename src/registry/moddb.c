/*
 * moddb.c: the module database. Loads entries from JSON (our format, and
 * the prototype's one-formula format), parses every formula at load time so
 * that syntax errors name the file and JSON path, then checks names, calls
 * and cycles once every file is in (lr_db_finish).
 *
 * Lookup is by full class name or a listed alias only: the notes' registry
 * bug came from deriving names mechanically, so no name is ever derived.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

const char *const lr_field_names[LR_NFIELDS] = {
    "flops", "load_weight", "load_act", "store_act", "load_kv", "store_kv", "net_bytes", "net_hops",
};

/* Op kinds we know; a typo in a kind would silently mis-bucket an op. */
static const char *const op_kinds[] = {
    "matmul",     "attention", "elementwise", "reduction", "norm",
    "activation", "memory",    "embedding",   "comm",      "other",
};

struct lr_db {
    lr_module **mods;
    size_t n, cap;
    lr_arena arena;
    int finished;
};

lr_db *
lr_db_new(void)
{
    return lr_xcalloc(1, sizeof(lr_db));
}

static void
module_free(lr_module *m)
{
    free(m->key);
    free(m->cls);
    free(m->file);
    for (size_t i = 0; i < m->naliases; i++)
        free(m->aliases[i]);
    free(m->aliases);
    for (size_t i = 0; i < m->nparams; i++) {
        free(m->params[i].name);
        free(m->params[i].def_text);
    }
    free(m->params);
    free(m->weights_text);
    free(m->active_weights_text);
    for (size_t i = 0; i < m->nops; i++) {
        free(m->ops[i].name);
        free(m->ops[i].kind);
        free(m->ops[i].if_text);
        for (int f = 0; f < LR_NFIELDS; f++)
            free(m->ops[i].text[f]);
        free(m->ops[i].group_text);
        free(m->ops[i].message_text);
    }
    free(m->ops);
    free(m);
}

void
lr_db_free(lr_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++)
        module_free(db->mods[i]);
    free(db->mods);
    lr_arena_free(&db->arena);
    free(db);
}

/* ---- lookup ---- */

static int
module_has_name(const lr_module *m, const char *name)
{
    if (strcmp(m->cls, name) == 0)
        return 1;
    for (size_t i = 0; i < m->naliases; i++)
        if (strcmp(m->aliases[i], name) == 0)
            return 1;
    return 0;
}

/* A replacing entry answers to every name of the entry it replaces
 * (torch.nn.SiLU as well as torch.nn.modules.activation.SiLU). */
static void
inherit_names(lr_module *m, const lr_module *old)
{
    for (size_t j = 0; j <= old->naliases; j++) {
        const char *nm = j == 0 ? old->cls : old->aliases[j - 1];
        if (module_has_name(m, nm))
            continue;
        m->aliases = lr_xrealloc(m->aliases, m->naliases + 1, sizeof *m->aliases);
        m->aliases[m->naliases++] = lr_xstrdup(nm);
    }
}

static void
remove_module(lr_db *db, const lr_module *m)
{
    for (size_t i = 0; i < db->n; i++) {
        if (db->mods[i] == m) {
            module_free(db->mods[i]);
            memmove(&db->mods[i], &db->mods[i + 1], (db->n - i - 1) * sizeof *db->mods);
            db->n--;
            return;
        }
    }
}

const lr_module *
lr_db_find(const lr_db *db, const char *name)
{
    for (size_t i = 0; i < db->n; i++)
        if (module_has_name(db->mods[i], name))
            return db->mods[i];
    return NULL;
}

const lr_module *
lr_db_lookup(const lr_db *db, const char *name)
{
    const lr_module *m = lr_db_find(db, name);
    for (size_t i = 0; !m && i < db->n; i++)
        if (strcmp(db->mods[i]->key, name) == 0)
            m = db->mods[i];
    return m;
}

static lr_module *
find_mut(lr_db *db, const char *name)
{
    return (lr_module *)lr_db_find(db, name);
}

/* The last component of a dotted class name: suggestions compare those too,
 * so "transformers.x.LlamaAttention" suggests "LlamaSdpaAttention". */
static const char *
short_name(const char *s)
{
    const char *d = strrchr(s, '.');
    return d ? d + 1 : s;
}

void
lr_db_unknown_class(const lr_db *db, const char *name, lr_error *err)
{
    struct {
        const char *name;
        size_t d;
    } best[3] = {{NULL, (size_t)-1}, {NULL, (size_t)-1}, {NULL, (size_t)-1}};
    for (size_t i = 0; i < db->n; i++) {
        const lr_module *m = db->mods[i];
        for (size_t j = 0; j <= m->naliases; j++) {
            const char *cand = j == 0 ? m->cls : m->aliases[j - 1];
            size_t d = lr_edit_distance(short_name(name), short_name(cand));
            size_t d2 = lr_edit_distance(name, cand);
            if (d2 < d)
                d = d2;
            for (int k = 0; k < 3; k++) {
                if (best[k].name && strcmp(best[k].name, m->cls) == 0) {
                    if (d < best[k].d)
                        best[k].d = d;
                    break;
                }
                if (d < best[k].d) {
                    memmove(&best[k + 1], &best[k], (size_t)(2 - k) * sizeof best[0]);
                    best[k].name = m->cls;
                    best[k].d = d;
                    break;
                }
            }
        }
    }
    char list[600] = "";
    size_t n = 0;
    for (int k = 0; k < 3 && best[k].name; k++)
        n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                              k ? ", " : "", best[k].name);
    lr_err_set(err, "", "",
               "unknown module class '%s'%s%s%s. Add an entry (full_class_name or an alias "
               "naming this class) to a JSON file in the profile's modules/ directory "
               "(data/profiles/default/modules/); see docs/module-database.md",
               name, list[0] ? " (closest known: " : "", list, list[0] ? ")" : "");
}

size_t
lr_db_count(const lr_db *db)
{
    return db->n;
}

const lr_module *
lr_db_at(const lr_db *db, size_t i)
{
    return i < db->n ? db->mods[i] : NULL;
}

/* ---- accessors ---- */

const char *
lr_module_key(const lr_module *m)
{
    return m->key;
}
const char *
lr_module_class(const lr_module *m)
{
    return m->cls;
}
const char *
lr_module_file(const lr_module *m)
{
    return m->file;
}
size_t
lr_module_alias_count(const lr_module *m)
{
    return m->naliases;
}
const char *
lr_module_alias(const lr_module *m, size_t i)
{
    return m->aliases[i];
}
size_t
lr_module_param_count(const lr_module *m)
{
    return m->nparams;
}
const char *
lr_module_param(const lr_module *m, size_t i)
{
    return m->params[i].name;
}
const char *
lr_module_param_default(const lr_module *m, size_t i)
{
    return m->params[i].def_text;
}
int
lr_module_is_composite(const lr_module *m)
{
    return m->composite;
}
const char *
lr_module_weights(const lr_module *m)
{
    return m->weights_text;
}
enum lr_wrole
lr_module_weight_role(const lr_module *m)
{
    return (enum lr_wrole)m->wrole;
}
size_t
lr_module_op_count(const lr_module *m)
{
    return m->nops;
}
const char *
lr_module_op_name(const lr_module *m, size_t i)
{
    return m->ops[i].name;
}
const char *
lr_module_op_kind(const lr_module *m, size_t i)
{
    return m->ops[i].kind;
}

const char *
lr_module_op_formula(const lr_module *m, size_t i, enum lr_field f)
{
    return m->ops[i].text[f];
}

int
lr_module_param_index(const lr_module *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t
lr_module_required_params(const lr_module *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nparams; i++)
        if (!m->params[i].def_text)
            n = i + 1;
    return n;
}

/* ---- loading ---- */

typedef struct loader {
    lr_db *db;
    const char *file;
    lr_error *err;
    int layer; /* entries replace earlier ones that claim the same class name */
} loader;

/* Reads a formula given as a string or a number; parses it. */
static int
load_formula(loader *ld, json_t *v, const char *path, char **text, ast **tree)
{
    char buf[64];
    const char *s;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_number(v)) {
        snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
        s = buf;
    } else {
        lr_err_set(ld->err, ld->file, path, "expected a formula (string or number)");
        return -1;
    }
    lr_error perr;
    lr_err_clear(&perr);
    ast *t = lr_expr_parse(&ld->db->arena, s, &perr);
    if (!t) {
        lr_err_set(ld->err, ld->file, path, "bad formula: %s", perr.msg);
        ld->err->col = perr.col;
        memcpy(ld->err->source, perr.source, sizeof perr.source);
        return -1;
    }
    *text = lr_xstrdup(s);
    *tree = t;
    return 0;
}

static int
check_keys(loader *ld, json_t *obj, const char *path, const char *const *allowed, size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(key, allowed[i]) == 0)
                break;
        if (i == n) {
            char list[512] = "";
            size_t l = 0;
            for (i = 0; i < n && l < sizeof list; i++)
                l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", allowed[i]);
            lr_err_set(ld->err, ld->file, path, "unknown key '%s' (expected one of: %s)", key,
                       list);
            return -1;
        }
    }
    return 0;
}

static int
load_params(loader *ld, lr_module *m, json_t *arr, const char *path)
{
    if (!json_is_array(arr)) {
        lr_err_set(ld->err, ld->file, path, "expected an array of parameter names");
        return -1;
    }
    size_t n = json_array_size(arr);
    m->params = lr_xcalloc(n, sizeof *m->params);
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(arr, i);
        char ppath[600];
        snprintf(ppath, sizeof ppath, "%s[%zu]", path, i);
        const char *name = NULL;
        json_t *def = NULL;
        if (json_is_string(p)) {
            name = json_string_value(p);
        } else if (json_is_object(p)) {
            static const char *const keys[] = {"name", "default", "description"};
            if (check_keys(ld, p, ppath, keys, 3) < 0)
                return -1;
            name = json_string_value(json_object_get(p, "name"));
            def = json_object_get(p, "default");
        }
        if (!name || !*name) {
            lr_err_set(ld->err, ld->file, ppath,
                       "expected a parameter name or {\"name\": ..., \"default\": ...}");
            return -1;
        }
        if (lr_module_param_index(m, name) >= 0) {
            lr_err_set(ld->err, ld->file, ppath, "parameter '%s' declared twice", name);
            return -1;
        }
        m->params[m->nparams].name = lr_xstrdup(name);
        m->nparams++;
        if (def) {
            char dpath[640];
            snprintf(dpath, sizeof dpath, "%s.default", ppath);
            if (load_formula(ld, def, dpath, &m->params[i].def_text, &m->params[i].def) < 0)
                return -1;
        }
    }
    return 0;
}

const char *const lr_coll_names[LR_NCOLL] = {"all_reduce", "all_gather", "reduce_scatter",
                                             "all_to_all", "send"};

/* An op's optional "collective" (timed from the hardware's measured
 * curves): which one, over "group" devices, "message" bytes per call,
 * "calls" calls (a plain positive number, 1 by default). */
static int
load_collective(loader *ld, lr_mop *op, json_t *o, const char *path)
{
    op->coll = -1;
    op->calls = 1;
    json_t *c = json_object_get(o, "collective");
    if (!c) {
        if (json_object_get(o, "group") || json_object_get(o, "message") ||
            json_object_get(o, "calls")) {
            lr_err_set(ld->err, ld->file, path,
                       "\"group\", \"message\" and \"calls\" need a \"collective\"");
            return -1;
        }
        return 0;
    }
    const char *name = json_string_value(c);
    for (int k = 0; name && k < LR_NCOLL; k++)
        if (strcmp(name, lr_coll_names[k]) == 0)
            op->coll = k;
    if (op->coll < 0) {
        lr_err_set(ld->err, ld->file, path,
                   "collective: expected all_reduce, all_gather, reduce_scatter, all_to_all or "
                   "send");
        return -1;
    }
    json_t *calls = json_object_get(o, "calls");
    if (calls && !(json_is_number(calls) && json_number_value(calls) > 0 &&
                   isfinite(json_number_value(calls)))) {
        lr_err_set(ld->err, ld->file, path, "calls: expected a positive number");
        return -1;
    }
    if (calls)
        op->calls = json_number_value(calls);
    json_t *g = json_object_get(o, "group"), *m = json_object_get(o, "message");
    if (!g || !m) {
        lr_err_set(ld->err, ld->file, path,
                   "a \"collective\" needs \"group\" (devices) and \"message\" (bytes per "
                   "call) formulas");
        return -1;
    }
    char fpath[640];
    snprintf(fpath, sizeof fpath, "%s.group", path);
    if (load_formula(ld, g, fpath, &op->group_text, &op->group_tree) < 0)
        return -1;
    snprintf(fpath, sizeof fpath, "%s.message", path);
    return load_formula(ld, m, fpath, &op->message_text, &op->message_tree);
}

static int
load_op(loader *ld, lr_mop *op, json_t *o, const char *path)
{
    static const char *const keys[] = {"name",        "kind",      "description", "flops",
                                       "load_weight", "load_act",  "store_act",   "load_kv",
                                       "store_kv",    "net_bytes", "net_hops",    "if",
                                       "collective",  "group",     "message",     "calls"};
    if (!json_is_object(o)) {
        lr_err_set(ld->err, ld->file, path, "expected an op object");
        return -1;
    }
    if (check_keys(ld, o, path, keys, sizeof keys / sizeof keys[0]) < 0)
        return -1;
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *kind = json_string_value(json_object_get(o, "kind"));
    if (!name || !*name) {
        lr_err_set(ld->err, ld->file, path, "op needs a \"name\" string");
        return -1;
    }
    if (!kind)
        kind = "other";
    size_t k;
    for (k = 0; k < sizeof op_kinds / sizeof op_kinds[0]; k++)
        if (strcmp(kind, op_kinds[k]) == 0)
            break;
    if (k == sizeof op_kinds / sizeof op_kinds[0]) {
        lr_err_set(ld->err, ld->file, path,
                   "unknown op kind '%s' (expected matmul, attention, elementwise, reduction, "
                   "norm, activation, memory, embedding, comm or other)",
                   kind);
        return -1;
    }
    op->name = lr_xstrdup(name);
    op->kind = lr_xstrdup(kind);
    for (int f = 0; f < LR_NFIELDS; f++) {
        json_t *v = json_object_get(o, lr_field_names[f]);
        if (!v)
            continue;
        char fpath[640];
        snprintf(fpath, sizeof fpath, "%s.%s", path, lr_field_names[f]);
        if (load_formula(ld, v, fpath, &op->text[f], &op->tree[f]) < 0)
            return -1;
    }
    json_t *cond = json_object_get(o, "if");
    if (cond) {
        char fpath[640];
        snprintf(fpath, sizeof fpath, "%s.if", path);
        if (load_formula(ld, cond, fpath, &op->if_text, &op->if_tree) < 0)
            return -1;
    }
    return load_collective(ld, op, o, path);
}

static int
load_aliases(loader *ld, lr_module *m, json_t *arr, const char *path)
{
    if (!arr)
        return 0;
    if (!json_is_array(arr)) {
        lr_err_set(ld->err, ld->file, path, "expected an array of class names");
        return -1;
    }
    m->aliases = lr_xcalloc(json_array_size(arr), sizeof *m->aliases);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || !*s) {
            lr_err_set(ld->err, ld->file, path, "alias %zu is not a non-empty string", i);
            return -1;
        }
        m->aliases[m->naliases++] = lr_xstrdup(s);
    }
    return 0;
}

static const char *
runtime_or_out(const char *name)
{
    return (lr_var_lookup(name) >= 0 || strcmp(name, "out_bytes") == 0) ? name : NULL;
}

/* Prototype entries declare no parameters: take every non-runtime variable,
 * in order of first use, as a required parameter. */
static int
infer_param(const ast *e, void *ud)
{
    lr_module *m = ud;
    if (e->kind != A_VAR || runtime_or_out(e->name) || lr_module_param_index(m, e->name) >= 0)
        return 0;
    m->params = lr_xrealloc(m->params, m->nparams + 1, sizeof *m->params);
    memset(&m->params[m->nparams], 0, sizeof m->params[0]);
    m->params[m->nparams++].name = lr_xstrdup(e->name);
    return 0;
}

/* Joins two optional formulas as "(a) + (b)". */
static char *
join_sum(const char *a, const char *b)
{
    if (!a)
        return b ? lr_xstrdup(b) : NULL;
    if (!b)
        return lr_xstrdup(a);
    return lr_xasprintf("(%s) + (%s)", a, b);
}

/* The prototype's format: flop_analysis.calculation_formula and
 * memory_analysis.{reads,writes,intermediates}, one op named after the key.
 * An intermediate tensor is written and read back once (the notes' fix:
 * round trips through memory are traffic, not storage). */
static int
load_prototype(loader *ld, lr_module *m, json_t *e, const char *path)
{
    char p[700];
    json_t *fa = json_object_get(e, "flop_analysis");
    json_t *ma = json_object_get(e, "memory_analysis");
    json_t *calc = json_object_get(fa, "calculation_formula");
    snprintf(p, sizeof p, "%s.flop_analysis.calculation_formula", path);
    if (!calc) {
        lr_err_set(ld->err, ld->file, p, "missing (prototype entries need it)");
        return -1;
    }
    m->ops = lr_xcalloc(1, sizeof *m->ops);
    m->nops = 1;
    lr_mop *op = &m->ops[0];
    op->name = lr_xstrdup(m->key);
    op->kind = lr_xstrdup("other");
    op->coll = -1; /* the prototype's entries know no collectives */
    op->calls = 1;
    if (load_formula(ld, calc, p, &op->text[LR_F_FLOPS], &op->tree[LR_F_FLOPS]) < 0)
        return -1;
    char *mem[4] = {NULL, NULL, NULL, NULL};
    static const char *const mkeys[4] = {"reads", "writes", "intermediates", "weights"};
    for (int i = 0; i < 4; i++) {
        json_t *v = json_object_get(ma, mkeys[i]);
        if (!v)
            continue;
        snprintf(p, sizeof p, "%s.memory_analysis.%s", path, mkeys[i]);
        ast *dummy;
        if (load_formula(ld, v, p, &mem[i], &dummy) < 0) {
            for (int j = 0; j < 4; j++)
                free(mem[j]);
            return -1;
        }
    }
    const char *fields[3][2] = {{mem[0], mem[2]}, {mem[1], mem[2]}, {mem[3], NULL}};
    const int targets[3] = {LR_F_LOAD_ACT, LR_F_STORE_ACT, LR_F_LOAD_WEIGHT};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        char *t = join_sum(fields[i][0], fields[i][1]);
        if (!t)
            continue;
        lr_error perr;
        op->tree[targets[i]] = lr_expr_parse(&ld->db->arena, t, &perr);
        op->text[targets[i]] = t;
        if (!op->tree[targets[i]])
            rc = -1; /* each part parsed alone; cannot happen */
    }
    for (int j = 0; j < 4; j++)
        free(mem[j]);
    if (rc < 0) {
        lr_err_set(ld->err, ld->file, path, "cannot combine memory_analysis formulas");
        return -1;
    }
    json_t *params = json_object_get(e, "parameters");
    if (!params)
        params = json_object_get(fa, "parameters");
    if (params) {
        snprintf(p, sizeof p, "%s.parameters", path);
        return load_params(ld, m, params, p);
    }
    for (int f = 0; f < LR_NFIELDS; f++)
        lr_ast_walk(op->tree[f], infer_param, m);
    return 0;
}

/* "weight_role": whose width the entry's weight formulas read
 * (docs/quantization.md); absent: the quantized one. */
static int
load_wrole(loader *ld, lr_module *m, json_t *v, const char *path)
{
    if (!v)
        return 0;
    int r = lr_wrole_lookup(json_string_value(v));
    if (r < 0) {
        char p[700];
        snprintf(p, sizeof p, "%s.weight_role", path);
        lr_err_set(ld->err, ld->file, p,
                   "expected \"quantized\", \"embedding\", \"lm_head\" or \"keep\"");
        return -1;
    }
    m->wrole = r;
    return 0;
}

static int
load_entry(loader *ld, const char *key, json_t *e)
{
    char path[600];
    snprintf(path, sizeof path, "modules.%s", key);
    if (!json_is_object(e)) {
        lr_err_set(ld->err, ld->file, path, "expected an object (a module entry)");
        return -1;
    }
    int proto = json_object_get(e, "flop_analysis") != NULL;
    static const char *const keys[] = {
        "full_class_name", "aliases", "description",         "parameters",
        "is_composite",    "weights", "active_weights",      "ops",
        "sub_layers",      "source",  "generated_file_name", "generated_class_name",
        "weight_role"};
    static const char *const pkeys[] = {"full_class_name",      "aliases",
                                        "description",          "parameters",
                                        "is_composite",         "flop_analysis",
                                        "memory_analysis",      "generated_file_name",
                                        "generated_class_name", "is_atomic_operation",
                                        "parent_module",        "source"};
    if (proto ? check_keys(ld, e, path, pkeys, sizeof pkeys / sizeof pkeys[0])
              : check_keys(ld, e, path, keys, sizeof keys / sizeof keys[0]))
        return -1;
    const char *cls = json_string_value(json_object_get(e, "full_class_name"));
    if (!cls || !*cls) {
        char p[700];
        snprintf(p, sizeof p, "%s.full_class_name", path);
        lr_err_set(ld->err, ld->file, p, "missing: every entry names its full class");
        return -1;
    }
    lr_module *m = lr_xcalloc(1, sizeof *m);
    m->key = lr_xstrdup(key);
    m->cls = lr_xstrdup(cls);
    m->file = lr_xstrdup(ld->file);
    m->composite = json_is_true(json_object_get(e, "is_composite"));
    char p[700];
    int rc = load_wrole(ld, m, json_object_get(e, "weight_role"), path);
    snprintf(p, sizeof p, "%s.aliases", path);
    if (rc == 0)
        rc = load_aliases(ld, m, json_object_get(e, "aliases"), p);
    if (rc == 0 && proto) {
        rc = load_prototype(ld, m, e, path);
    } else if (rc == 0) {
        json_t *params = json_object_get(e, "parameters");
        snprintf(p, sizeof p, "%s.parameters", path);
        if (params)
            rc = load_params(ld, m, params, p);
        json_t *w = json_object_get(e, "weights");
        snprintf(p, sizeof p, "%s.weights", path);
        if (rc == 0 && w)
            rc = load_formula(ld, w, p, &m->weights_text, &m->weights);
        json_t *aw = json_object_get(e, "active_weights");
        snprintf(p, sizeof p, "%s.active_weights", path);
        if (rc == 0 && aw)
            rc = load_formula(ld, aw, p, &m->active_weights_text, &m->active_weights);
        json_t *ops = json_object_get(e, "ops");
        snprintf(p, sizeof p, "%s.ops", path);
        if (rc == 0 && !json_is_array(ops)) {
            lr_err_set(ld->err, ld->file, p, "expected an array of ops (may be empty)");
            rc = -1;
        }
        if (rc == 0) {
            m->ops = lr_xcalloc(json_array_size(ops), sizeof *m->ops);
            for (size_t i = 0; i < json_array_size(ops) && rc == 0; i++) {
                char opath[720];
                snprintf(opath, sizeof opath, "%s[%zu]", p, i);
                m->nops++;
                rc = load_op(ld, &m->ops[i], json_array_get(ops, i), opath);
                for (size_t j = 0; rc == 0 && j < i; j++) {
                    if (strcmp(m->ops[j].name, m->ops[i].name) == 0) {
                        lr_err_set(ld->err, ld->file, opath,
                                   "op name '%s' is used twice in this entry", m->ops[i].name);
                        rc = -1;
                    }
                }
            }
        }
    }
    /* A class name may be claimed by one entry only; a layer (a user
     * database) replaces the entries it collides with. */
    for (size_t j = 0; rc == 0 && j <= m->naliases; j++) {
        const char *nm = j == 0 ? m->cls : m->aliases[j - 1];
        const lr_module *other;
        while (rc == 0 && (other = lr_db_find(ld->db, nm))) {
            if (!ld->layer) {
                lr_err_set(ld->err, ld->file, path,
                           "class name '%s' is already taken by entry '%s' (%s)", nm, other->key,
                           other->file);
                rc = -1;
                break;
            }
            inherit_names(m, other);
            remove_module(ld->db, other);
        }
    }
    if (rc < 0) {
        module_free(m);
        return -1;
    }
    if (ld->db->n == ld->db->cap) {
        ld->db->cap = ld->db->cap ? ld->db->cap * 2 : 32;
        ld->db->mods = lr_xrealloc(ld->db->mods, ld->db->cap, sizeof *ld->db->mods);
    }
    ld->db->mods[ld->db->n++] = m;
    return 0;
}

static int load_file(lr_db *db, const char *path, int layer, lr_error *err);

int
lr_db_load_file(lr_db *db, const char *path, lr_error *err)
{
    return load_file(db, path, 0, err);
}

int
lr_db_load_layer(lr_db *db, const char *path, lr_error *err)
{
    return load_file(db, path, 1, err);
}

static int
load_file(lr_db *db, const char *path, int layer, lr_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return -1;
    }
    loader ld = {db, path, err, layer};
    json_t *mods = json_object_get(root, "modules");
    int rc = 0;
    if (!json_is_object(mods)) {
        lr_err_set(err, path, "modules", "expected a top-level \"modules\" object");
        rc = -1;
    }
    const char *key;
    json_t *e;
    if (rc == 0) {
        json_object_foreach(mods, key, e)
        {
            if ((rc = load_entry(&ld, key, e)) < 0)
                break;
        }
    }
    json_decref(root);
    db->finished = 0;
    return rc;
}

int
lr_db_load_dir(lr_db *db, const char *dir, lr_error *err)
{
    size_t n = 0;
    lr_err_clear(err);
    char **files = lr_list_json(dir, &n, err);
    if (!files && err && err->msg[0])
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = lr_db_load_file(db, files[i], err);
        free(files[i]);
    }
    free(files);
    return rc;
}

/* ---- checking ---- */

typedef struct checker {
    lr_db *db;
    lr_module *m;
    const char *path;
    const char *text;
    lr_error *err;
    const lr_module **stack; /* call chain, for cycle messages */
    size_t depth;
    int param_limit; /* a default sees only the parameters before it; -1: all */
} checker;

static void
formula_error(checker *ck, const ast *at, const char *fmt, const char *a, const char *b)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a, b);
    lr_err_set(ck->err, ck->m->file, ck->path, "%s", msg);
    ck->err->col = at->col;
    snprintf(ck->err->source, sizeof ck->err->source, "%s", ck->text);
}

static int
check_node(const ast *e, void *ud)
{
    checker *ck = ud;
    if (e->kind == A_VAR) {
        int k = lr_module_param_index(ck->m, e->name);
        if (runtime_or_out(e->name) || (k >= 0 && (ck->param_limit < 0 || k < ck->param_limit)))
            return 0;
        if (k >= 0) {
            formula_error(ck, e,
                          "parameter {%s} is declared after the one whose default uses it: a "
                          "default may use the runtime variables and earlier parameters%s",
                          e->name, "");
            return -1;
        }
        formula_error(ck, e,
                      "unknown variable {%s}: not a parameter of %s nor a runtime variable "
                      "(see docs/formula-language.md)",
                      e->name, ck->m->cls);
        return -1;
    }
    const lr_module *callee = lr_db_find(ck->db, e->name);
    if (!callee) {
        lr_error tmp;
        lr_db_unknown_class(ck->db, e->name, &tmp);
        formula_error(ck, e, "call of %s", tmp.msg, NULL);
        return -1;
    }
    size_t req = lr_module_required_params(callee);
    if ((size_t)e->nargs > callee->nparams || (size_t)e->nargs < req) {
        char want[160];
        if (req == callee->nparams)
            snprintf(want, sizeof want, "%zu", req);
        else
            snprintf(want, sizeof want, "%zu to %zu", req, callee->nparams);
        char msg[300];
        snprintf(msg, sizeof msg, "%d argument%s given, %s takes %s", e->nargs,
                 e->nargs == 1 ? "" : "s", callee->cls, want);
        formula_error(ck, e, "%s%s", msg, "");
        return -1;
    }
    return 0;
}

typedef int (*formula_fn)(checker *ck, const char *path, const char *text, const ast *tree);

/* Calls fn on every formula of m with its JSON path. */
static int
each_formula(checker *ck, lr_module *m, formula_fn fn)
{
    char path[800];
    for (size_t i = 0; i < m->nparams; i++) {
        if (!m->params[i].def)
            continue;
        snprintf(path, sizeof path, "modules.%s.parameters[%zu].default", m->key, i);
        ck->param_limit = (int)i;
        int rc = fn(ck, path, m->params[i].def_text, m->params[i].def);
        ck->param_limit = -1;
        if (rc < 0)
            return -1;
    }
    if (m->weights) {
        snprintf(path, sizeof path, "modules.%s.weights", m->key);
        if (fn(ck, path, m->weights_text, m->weights) < 0)
            return -1;
    }
    if (m->active_weights) {
        snprintf(path, sizeof path, "modules.%s.active_weights", m->key);
        if (fn(ck, path, m->active_weights_text, m->active_weights) < 0)
            return -1;
    }
    for (size_t i = 0; i < m->nops; i++) {
        for (int f = 0; f < LR_NFIELDS; f++) {
            if (!m->ops[i].tree[f])
                continue;
            snprintf(path, sizeof path, "modules.%s.ops[%zu].%s", m->key, i, lr_field_names[f]);
            if (fn(ck, path, m->ops[i].text[f], m->ops[i].tree[f]) < 0)
                return -1;
        }
        if (m->ops[i].if_tree) {
            snprintf(path, sizeof path, "modules.%s.ops[%zu].if", m->key, i);
            if (fn(ck, path, m->ops[i].if_text, m->ops[i].if_tree) < 0)
                return -1;
        }
        if (m->ops[i].group_tree) {
            snprintf(path, sizeof path, "modules.%s.ops[%zu].group", m->key, i);
            if (fn(ck, path, m->ops[i].group_text, m->ops[i].group_tree) < 0)
                return -1;
            snprintf(path, sizeof path, "modules.%s.ops[%zu].message", m->key, i);
            if (fn(ck, path, m->ops[i].message_text, m->ops[i].message_tree) < 0)
                return -1;
        }
    }
    return 0;
}

static int
check_formula(checker *ck, const char *path, const char *text, const ast *tree)
{
    ck->path = path;
    ck->text = text;
    return lr_ast_walk(tree, check_node, ck);
}

static int visit(checker *ck, lr_module *m);

static int
visit_call(const ast *e, void *ud)
{
    checker *ck = ud;
    if (e->kind != A_CALL)
        return 0;
    lr_module *callee = find_mut(ck->db, e->name);
    if (callee->mark == 1) {
        char chain[700] = "";
        size_t n = 0;
        size_t start = 0;
        while (start < ck->depth && ck->stack[start] != callee)
            start++;
        for (size_t i = start; i < ck->depth && n < sizeof chain; i++)
            n += (size_t)snprintf(chain + n, sizeof chain - n, "%s -> ", ck->stack[i]->cls);
        formula_error(ck, e, "cyclic module call: %s%s", chain, callee->cls);
        return -1;
    }
    if (callee->mark == 0) {
        lr_module *saved_m = ck->m;
        const char *sp = ck->path, *st = ck->text;
        int rc = visit(ck, callee);
        ck->m = saved_m;
        ck->path = sp;
        ck->text = st;
        return rc;
    }
    return 0;
}

static int
cycle_formula(checker *ck, const char *path, const char *text, const ast *tree)
{
    ck->path = path;
    ck->text = text;
    return lr_ast_walk(tree, visit_call, ck);
}

static int
visit(checker *ck, lr_module *m)
{
    m->mark = 1;
    ck->stack[ck->depth++] = m;
    ck->m = m;
    int rc = each_formula(ck, m, cycle_formula);
    ck->depth--;
    m->mark = 2;
    return rc;
}

int
lr_db_finish(lr_db *db, lr_error *err)
{
    checker ck = {db, NULL, NULL, NULL, err, NULL, 0, -1};
    for (size_t i = 0; i < db->n; i++) {
        ck.m = db->mods[i];
        if (each_formula(&ck, db->mods[i], check_formula) < 0)
            return -1;
    }
    ck.stack = lr_xcalloc(db->n + 1, sizeof *ck.stack);
    int rc = 0;
    for (size_t i = 0; i < db->n; i++)
        db->mods[i]->mark = 0;
    for (size_t i = 0; i < db->n && rc == 0; i++)
        if (db->mods[i]->mark == 0)
            rc = visit(&ck, db->mods[i]);
    free(ck.stack);
    db->finished = rc == 0;
    return rc;
}
