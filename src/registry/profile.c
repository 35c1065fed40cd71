/*
 * profile.c: a profile is a directory of data that fixes every counting
 * convention: its module database (modules/), its family templates
 * (architectures/), optionally its own hardware table (hardware/), and
 * profile.json with the two rules that are not per-module: which compute
 * type (and so which peak) the bit widths select, and how the memory
 * footprint is aggregated from the op records. `default` is ours;
 * `llm-viewer` reproduces LLM-Viewer. No profile logic lives in C: the
 * rules are formulas and aggregations read from profile.json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

void
lr_profile_free(lr_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->dir);
    free(p->hw_dir);
    for (size_t i = 0; i < p->nrules; i++)
        lr_formula_free(p->rules[i].when);
    free(p->rules);
    for (int m = 0; m < LR_NMEM; m++) {
        for (size_t i = 0; i < p->mem[m].nskip; i++)
            free(p->mem[m].skip[i]);
        free(p->mem[m].skip);
    }
    for (size_t i = 0; i < p->ncmp; i++) {
        free(p->cmp_from[i]);
        free(p->cmp_to[i]);
    }
    free(p->cmp_from);
    free(p->cmp_to);
    lr_db_free(p->db);
    lr_timing_free(p->timing);
    free(p->engine);
    free(p->timing_dirs);
    free(p);
}

const char *
lr_profile_name(const lr_profile *p)
{
    return p->name;
}
const char *
lr_profile_dir(const lr_profile *p)
{
    return p->dir;
}
const char *
lr_profile_hardware_dir(const lr_profile *p)
{
    return p->hw_dir;
}
const lr_db *
lr_profile_db(const lr_profile *p)
{
    return p->db;
}

static int
dtype_of(const char *s)
{
    for (int d = 0; d < LR_NDTYPES; d++)
        if (s && strcmp(s, lr_dtype_names[d]) == 0)
            return d;
    return -1;
}

static int
load_rules(lr_profile *p, json_t *arr, const char *file, lr_error *err)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        lr_err_set(err, file, "compute_dtype",
                   "expected a non-empty list of {\"when\": FORMULA, \"dtype\": NAME}");
        return -1;
    }
    p->rules = lr_xcalloc(json_array_size(arr), sizeof *p->rules);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *r = json_array_get(arr, i);
        char path[64];
        snprintf(path, sizeof path, "compute_dtype[%zu]", i);
        const char *when = json_string_value(json_object_get(r, "when"));
        int d = dtype_of(json_string_value(json_object_get(r, "dtype")));
        if (!when || d < 0) {
            lr_err_set(err, file, path,
                       "expected {\"when\": FORMULA, \"dtype\": one of fp32 tf32 fp16 bf16 fp8 "
                       "int8 int4 fp16_acc16}");
            return -1;
        }
        lr_error ferr;
        lr_formula *f = lr_formula_compile(when, NULL, NULL, NULL, 0, &ferr);
        if (!f) {
            lr_err_set(err, file, path, "when: %s", ferr.msg);
            err->col = ferr.col;
            memcpy(err->source, ferr.source, sizeof err->source);
            return -1;
        }
        p->rules[p->nrules].when = f;
        p->rules[p->nrules].dtype = (enum lr_dtype)d;
        p->nrules++;
    }
    return 0;
}

static const char *const mem_names[LR_NMEM] = {"weights", "kv_cache", "activations"};

static int
load_mem_rule(lr_mem_rule *m, json_t *o, const char *file, const char *path, lr_error *err)
{
    const char *field = json_string_value(json_object_get(o, "field"));
    const char *stage = json_string_value(json_object_get(o, "stage"));
    const char *reduce = json_string_value(json_object_get(o, "reduce"));
    m->field = -1;
    if (field && strcmp(field, "params") == 0)
        m->field = LR_MF_PARAMS;
    else if (field && strcmp(field, "act_io") == 0)
        m->field = LR_MF_ACT_IO;
    for (int f = 0; f < LR_NFIELDS && field && m->field < 0; f++)
        if (strcmp(field, lr_field_names[f]) == 0)
            m->field = f;
    m->stage = !stage                          ? -1
               : strcmp(stage, "prefill") == 0 ? 0
               : strcmp(stage, "decode") == 0  ? 1
                                               : -2;
    m->reduce = !reduce || strcmp(reduce, "sum") == 0 ? LR_MR_SUM
                : strcmp(reduce, "max") == 0          ? LR_MR_MAX
                : strcmp(reduce, "sum_repeated") == 0 ? LR_MR_SUM_REPEATED
                : strcmp(reduce, "liveness") == 0     ? LR_MR_LIVENESS
                                                      : -1;
    if (m->field < 0 || m->stage == -2 || (int)m->reduce < 0 ||
        (m->reduce == LR_MR_LIVENESS && m->field != LR_MF_ACT_IO)) {
        lr_err_set(err, file, path,
                   "expected {\"field\": params|act_io|flops|load_weight|..., \"stage\": "
                   "prefill|decode (absent: the stage itself), \"reduce\": "
                   "sum|max|sum_repeated|liveness (act_io only), \"skip\": [op names]}");
        return -1;
    }
    json_t *skip = json_object_get(o, "skip");
    m->skip = lr_xcalloc(json_array_size(skip), sizeof *m->skip);
    for (size_t i = 0; i < json_array_size(skip); i++) {
        const char *s = json_string_value(json_array_get(skip, i));
        if (!s) {
            lr_err_set(err, file, path, "skip[%zu]: expected an op name", i);
            return -1;
        }
        m->skip[m->nskip++] = lr_xstrdup(s);
    }
    return 0;
}

static int
load_profile_json(lr_profile *p, const char *file, lr_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, file, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return -1;
    }
    const char *name = json_string_value(json_object_get(root, "name"));
    p->name = lr_xstrdup(name ? name : p->dir);
    int rc = load_rules(p, json_object_get(root, "compute_dtype"), file, err);
    json_t *mem = json_object_get(root, "memory");
    for (int m = 0; rc == 0 && m < LR_NMEM; m++) {
        char path[64];
        snprintf(path, sizeof path, "memory.%s", mem_names[m]);
        json_t *o = json_object_get(mem, mem_names[m]);
        if (!json_is_object(o)) {
            lr_err_set(err, file, path, "missing: the profile must say how %s are counted",
                       mem_names[m]);
            rc = -1;
        } else {
            rc = load_mem_rule(&p->mem[m], o, file, path, err);
        }
    }
    const char *plan = json_string_value(json_object_get(mem, "plan"));
    if (rc == 0 && json_object_get(mem, "plan") &&
        (!plan || (strcmp(plan, "engine") && strcmp(plan, "profile")))) {
        lr_err_set(err, file, "memory.plan", "expected \"engine\" or \"profile\"");
        rc = -1;
    }
    p->engine_memory = plan && strcmp(plan, "engine") == 0;
    json_t *off = json_object_get(root, "decode_ctx_offset");
    p->decode_ctx_offset = 1;
    if (off &&
        (!json_is_integer(off) || json_integer_value(off) < 0 || json_integer_value(off) > 1)) {
        lr_err_set(err, file, "decode_ctx_offset", "expected 0 or 1");
        rc = rc ? rc : -1;
    } else if (off) {
        p->decode_ctx_offset = (double)json_integer_value(off);
    }
    json_t *eng = json_object_get(root, "engine");
    if (eng && !json_is_string(eng)) {
        lr_err_set(err, file, "engine", "expected the default engine's name (data/engines)");
        rc = rc ? rc : -1;
    }
    /* without one: vllm, the default of docs/expected-time.md */
    p->engine = lr_xstrdup(eng && json_is_string(eng) ? json_string_value(eng) : "vllm");
    json_t *cmp = json_object_get(root, "compare_as");
    const char *k;
    json_t *v;
    p->cmp_from = lr_xcalloc(json_object_size(cmp) + 1, sizeof *p->cmp_from);
    p->cmp_to = lr_xcalloc(json_object_size(cmp) + 1, sizeof *p->cmp_to);
    json_object_foreach(cmp, k, v)
    {
        if (rc == 0 && !json_is_string(v)) {
            lr_err_set(err, file, "compare_as", "%s: expected an op name", k);
            rc = -1;
        }
        if (rc == 0) {
            p->cmp_from[p->ncmp] = lr_xstrdup(k);
            p->cmp_to[p->ncmp++] = lr_xstrdup(json_string_value(v));
        }
    }
    json_decref(root);
    return rc;
}

/* A user database (a file, or a directory of files) layers over the
 * profile's entries: its definitions replace those of the same class. */
static int
load_extra(lr_db *db, const char *path, lr_error *err)
{
    if (!lr_is_dir(path))
        return lr_db_load_layer(db, path, err);
    size_t n = 0;
    char **files = lr_list_json(path, &n, err);
    if (!files && err->msg[0])
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = lr_db_load_layer(db, files[i], err);
        free(files[i]);
    }
    free(files);
    return rc;
}

/* The efficiency model and the engines: the profile's own efficiency/ and
 * engines/ when it has them, else data_dir's; none at all leaves the
 * profile without (analyses then fail, naming where they were looked for). */
static int
load_timing(lr_profile *p, const char *data_dir, lr_error *err)
{
    char *eff = lr_xasprintf("%s/efficiency", p->dir);
    char *eng = lr_xasprintf("%s/engines", p->dir);
    if (!lr_is_dir(eff) && data_dir) {
        free(eff);
        eff = lr_xasprintf("%s/efficiency", data_dir);
    }
    if (!lr_is_dir(eng) && data_dir) {
        free(eng);
        eng = lr_xasprintf("%s/engines", data_dir);
    }
    p->timing_dirs = lr_xasprintf("%s and %s", eff, eng);
    int rc = 0;
    if (lr_is_dir(eff) && lr_is_dir(eng))
        rc = (p->timing = lr_timing_load(eff, eng, err)) ? 0 : -1;
    free(eff);
    free(eng);
    return rc;
}

int
lr_profile_add_efficiency(lr_profile *p, const char *file, lr_error *err)
{
    if (!p->timing) {
        lr_err_set(err, file, "", "the profile has no efficiency data (looked in %s)",
                   p->timing_dirs ? p->timing_dirs : "?");
        return -1;
    }
    return lr_timing_add_efficiency(p->timing, file, err);
}

static lr_profile *profile_load(const char *dir, const char *extra_modules, const char *data_dir,
                                lr_error *err);

lr_profile *
lr_profile_load(const char *dir, const char *extra_modules, lr_error *err)
{
    return profile_load(dir, extra_modules, lr_data_dir(), err);
}

static lr_profile *
profile_load(const char *dir, const char *extra_modules, const char *data_dir, lr_error *err)
{
    lr_err_clear(err);
    if (!lr_is_dir(dir)) {
        lr_err_set(err, dir, "", "no such profile directory");
        return NULL;
    }
    lr_profile *p = lr_xcalloc(1, sizeof *p);
    p->dir = lr_xstrdup(dir);
    char *file = lr_xasprintf("%s/profile.json", dir);
    char *mods = lr_xasprintf("%s/modules", dir);
    char *hw = lr_xasprintf("%s/hardware", dir);
    p->db = lr_db_new();
    int rc = load_profile_json(p, file, err);
    if (rc == 0)
        rc = lr_db_load_dir(p->db, mods, err);
    if (rc == 0 && extra_modules)
        rc = load_extra(p->db, extra_modules, err);
    if (rc == 0)
        rc = lr_db_finish(p->db, err);
    if (rc == 0)
        rc = load_timing(p, data_dir, err);
    if (lr_is_dir(hw))
        p->hw_dir = hw;
    else
        free(hw);
    free(file);
    free(mods);
    if (rc < 0) {
        lr_profile_free(p);
        return NULL;
    }
    return p;
}

lr_profile *
lr_profile_open(const char *data_dir, const char *name, const char *extra_modules, lr_error *err)
{
    /* a name is a bundled profile; anything with a slash is a directory */
    char *dir =
        strchr(name, '/') ? lr_xstrdup(name) : lr_xasprintf("%s/profiles/%s", data_dir, name);
    lr_profile *p = profile_load(dir, extra_modules, data_dir, err);
    if (!p && !lr_is_dir(dir) && !lr_is_file(dir)) /* a file: lr_profile_load's message */
        lr_err_set(err, "", "",
                   "unknown profile '%s' (no directory %s; bundled profiles are the directories "
                   "of %s/profiles)",
                   name, dir, data_dir);
    free(dir);
    return p;
}

lr_hwdb *
lr_profile_hwdb_load(const lr_profile *p, const char *data_dir, lr_error *err)
{
    if (p->hw_dir)
        return lr_hwdb_load(p->hw_dir, err);
    char *dir = lr_xasprintf("%s/hardware", data_dir);
    lr_hwdb *db = lr_hwdb_load(dir, err);
    free(dir);
    return db;
}

const char *
lr_profile_compare_name(const lr_profile *p, const char *name)
{
    for (size_t i = 0; i < p->ncmp; i++)
        if (strcmp(p->cmp_from[i], name) == 0)
            return p->cmp_to[i];
    return name;
}

enum lr_dtype
lr_profile_compute_dtype(const lr_profile *p, const double *vars)
{
    for (size_t i = 0; i < p->nrules; i++) {
        double v = 0;
        lr_error err;
        if (lr_formula_eval(p->rules[i].when, vars, &v, &err) == 0 && v != 0)
            return p->rules[i].dtype;
    }
    return p->rules[p->nrules - 1].dtype;
}

/* ---- engines ---- */

const char *
lr_profile_engine_default(const lr_profile *p)
{
    return p->engine;
}

size_t
lr_profile_engine_count(const lr_profile *p)
{
    return p->timing ? p->timing->nengines : 0;
}

const char *
lr_profile_engine_name(const lr_profile *p, size_t i)
{
    return p->timing && i < p->timing->nengines ? p->timing->engines[i].name : NULL;
}

int
lr_profile_engine_check(const lr_profile *p, const char *name, lr_error *err)
{
    const char *n = name && *name ? name : p->engine;
    if (!p->timing) {
        lr_err_set(err, "", "engine",
                   "profile %s has no engine data (looked for %s): no expected times", p->name,
                   p->timing_dirs ? p->timing_dirs : "?");
        return -1;
    }
    if (lr_timing_engine(p->timing, n))
        return 0;
    char known[512];
    size_t k = 0;
    known[0] = '\0';
    for (size_t i = 0; i < p->timing->nengines && k < sizeof known; i++)
        k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "",
                              p->timing->engines[i].name);
    lr_err_set(err, "", "engine", "unknown engine '%s' (known: %s; data/engines/NAME.json)", n,
               known);
    return -1;
}
