/*
 * timing.c: the efficiency model's data (docs/expected-time.md): the
 * parameters per hardware class (the JSON files of data/efficiency/: "defaults" and
 * "classes") and the engine presets (data/engines/NAME.json: CUDA graphs,
 * per-step overheads, parameter overrides and multipliers). Loaded once with
 * a profile; lr_timing_resolve flattens them into one value per parameter
 * for (engine, hardware class, op kind), which the analysis caches. Every
 * number is data: the C side only knows the parameters' names and ranges.
 */
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

/* ORDER: enum lr_ep. Range [min, max]; lo_open: min itself is refused. */
static const struct {
    const char *name;
    double min, max;
    int lo_open, whole;
} params[LR_EP_N] = {
    [LR_EP_P] = {"p", 0, 64, 0, 0},
    [LR_EP_COMPUTE_EFF] = {"compute_eff", 0, 2, 1, 0},
    [LR_EP_BANDWIDTH_EFF] = {"bandwidth_eff", 0, 2, 1, 0},
    [LR_EP_BANDWIDTH_RAMP_S] = {"bandwidth_ramp_s", 0, 1, 0, 0},
    [LR_EP_KERNEL_OVERHEAD_S] = {"kernel_overhead_s", 0, 1, 0, 0},
    [LR_EP_KERNEL_OVERHEAD_GRAPHS_S] = {"kernel_overhead_graphs_s", 0, 1, 0, 0},
    [LR_EP_GEMM_M_HALF] = {"gemm_m_half", 0, 1e9, 0, 0},
    [LR_EP_GEMV_MAX_M] = {"gemv_max_m", 0, 1e9, 0, 0},
    [LR_EP_GEMV_BANDWIDTH_EFF] = {"gemv_bandwidth_eff", 0, 2, 1, 0},
    [LR_EP_GEMM_TILE_M] = {"gemm_tile_m", 0, 4096, 0, 1},
    [LR_EP_GEMM_TILE_N] = {"gemm_tile_n", 0, 4096, 0, 1},
    [LR_EP_NET_EFF] = {"net_eff", 0, 2, 1, 0},
    [LR_EP_NET_OVERHEAD_S] = {"net_overhead_s", 0, 1, 0, 0},
    [LR_EP_BAND_LOW] = {"band_low", 0, 1, 1, 0},
    [LR_EP_BAND_HIGH] = {"band_high", 1, 100, 0, 0},
};

const char *
lr_ep_name(int i)
{
    return i >= 0 && i < LR_EP_N ? params[i].name : "?";
}

static void
block_free(lr_eff_block *b)
{
    for (size_t i = 0; i < b->nkinds; i++)
        free(b->kinds[i]);
    free(b->kinds);
    free(b->per);
}

static void
class_free(lr_eff_class *c)
{
    free(c->name);
    for (size_t i = 0; i < c->nhw; i++)
        free(c->hw[i]);
    free(c->hw);
    block_free(&c->b);
}

void
lr_timing_free(lr_timing *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ndefaults; i++)
        block_free(&t->defaults[i]);
    free(t->defaults);
    for (size_t i = 0; i < t->nclasses; i++)
        class_free(&t->classes[i]);
    free(t->classes);
    for (size_t i = 0; i < t->nengines; i++) {
        lr_engine_data *e = &t->engines[i];
        free(e->name);
        free(e->file);
        free(e->description);
        free(e->attention);
        block_free(&e->params);
        block_free(&e->scale);
        for (size_t k = 0; k < e->nclasses; k++)
            class_free(&e->classes[k]);
        free(e->classes);
    }
    free(t->engines);
    free(t);
}

/* ---- reading ---- */

static int
param_index(const char *key)
{
    for (int i = 0; i < LR_EP_N; i++)
        if (strcmp(params[i].name, key) == 0)
            return i;
    return -1;
}

/* One parameter value; `scale`: a multiplier (any positive number). */
static int
read_param(lr_eff_vals *out, int i, json_t *v, int scale, const char *file, const char *path,
           lr_error *err)
{
    double d = json_number_value(v);
    int ok = json_is_number(v) && isfinite(d);
    if (ok && scale)
        ok = d > 0 && d <= 1e6;
    else if (ok)
        ok = (params[i].lo_open ? d > params[i].min : d >= params[i].min) && d <= params[i].max &&
             (!params[i].whole || d == floor(d));
    if (!ok) {
        if (scale)
            lr_err_set(err, file, path, "expected a positive multiplier");
        else
            lr_err_set(err, file, path, "expected a %snumber %s %g and <= %g",
                       params[i].whole ? "whole " : "",
                       params[i].lo_open ? ">" : ">=", params[i].min, params[i].max);
        return -1;
    }
    out->v[i] = d;
    out->set |= 1u << i;
    return 0;
}

/* {param: number, ...} into `out`, keys `skip` (NULL-terminated) left to the
 * caller, "_..." and "source"/"why" strings allowed as notes. */
static int
read_vals(json_t *o, lr_eff_vals *out, int scale, const char *const *skip, const char *file,
          const char *path, lr_error *err)
{
    if (!json_is_object(o)) {
        lr_err_set(err, file, path, "expected an object of parameters");
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        char p[600];
        snprintf(p, sizeof p, "%s.%s", path, k);
        int skipped = 0;
        for (size_t s = 0; skip && skip[s]; s++)
            skipped |= strcmp(skip[s], k) == 0;
        if (skipped || k[0] == '_' || strcmp(k, "source") == 0 || strcmp(k, "why") == 0)
            continue;
        int i = param_index(k);
        if (i < 0) {
            lr_err_set(err, file, p,
                       "unknown parameter '%s' (docs/expected-time.md lists them: p, "
                       "compute_eff, bandwidth_eff, kernel_overhead_s, ...)",
                       k);
            return -1;
        }
        if (read_param(out, i, v, scale, file, p, err) < 0)
            return -1;
    }
    return 0;
}

/* A block: parameters plus "kinds": {KIND: {parameters}}. */
static int
read_block(json_t *o, lr_eff_block *b, int scale, const char *const *skip, const char *file,
           const char *path, lr_error *err)
{
    static const char *const base_skip[] = {"kinds", NULL};
    const char *const *sk = skip ? skip : base_skip;
    if (read_vals(o, &b->all, scale, sk, file, path, err) < 0)
        return -1;
    json_t *kinds = json_object_get(o, "kinds");
    if (!kinds)
        return 0;
    char p[600];
    snprintf(p, sizeof p, "%s.kinds", path);
    if (!json_is_object(kinds)) {
        lr_err_set(err, file, p, "expected {KIND: {parameters}} (kinds: matmul, attention, ...)");
        return -1;
    }
    size_t n = json_object_size(kinds);
    b->kinds = lr_xcalloc(n + 1, sizeof *b->kinds);
    b->per = lr_xcalloc(n + 1, sizeof *b->per);
    const char *k;
    json_t *v;
    json_object_foreach(kinds, k, v)
    {
        char kp[700];
        snprintf(kp, sizeof kp, "%s.%s", p, k);
        const char *at = strchr(k, '@');
        if (at && (at == k || (strcmp(at, "@prefill") != 0 && strcmp(at, "@decode") != 0))) {
            lr_err_set(err, file, kp,
                       "expected KIND or KIND@prefill / KIND@decode (a kind's parameters in one "
                       "stage only)");
            return -1;
        }
        b->kinds[b->nkinds] = lr_xstrdup(k);
        if (read_vals(v, &b->per[b->nkinds++], scale, NULL, file, kp, err) < 0)
            return -1;
    }
    return 0;
}

static json_t *
load_json(const char *file, lr_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, file, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return NULL;
    }
    if (!json_is_object(root)) {
        lr_err_set(err, file, "", "expected a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* What read_stages reads per stage: seconds in [0, 1], booleans, or
 * multipliers in (0, 100]. */
enum { STAGES_SECONDS, STAGES_BOOL, STAGES_SCALE };
static int read_stages(json_t *root, const char *key, double out[2], int mode, const char *file,
                       lr_error *err);

/* {NAME: {"hardware": [patterns], parameters, "kinds": {...}}} appended to
 * classes (engine classes have no patterns, and may have "time_scale"). */
static int
read_classes(json_t *o, lr_eff_class **classes, size_t *n, int patterns, const char *file,
             const char *path, lr_error *err)
{
    if (!json_is_object(o)) {
        lr_err_set(err, file, path, "expected {CLASS: {parameters}}");
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        char p[600];
        snprintf(p, sizeof p, "%s.%s", path, k);
        *classes = lr_xrealloc(*classes, *n + 1, sizeof **classes);
        lr_eff_class *c = &(*classes)[(*n)++];
        memset(c, 0, sizeof *c);
        c->name = lr_xstrdup(k);
        c->time_scale[0] = c->time_scale[1] = NAN;
        static const char *const skip[] = {"kinds", "hardware", "time_scale", NULL};
        if (read_block(v, &c->b, 0, skip, file, p, err) < 0)
            return -1;
        if (json_object_get(v, "time_scale") && patterns) {
            lr_err_set(err, file, p,
                       "time_scale: a key of an engine preset's classes, not of the efficiency "
                       "data");
            return -1;
        }
        if (read_stages(v, "time_scale", c->time_scale, STAGES_SCALE, file, err) < 0)
            return -1;
        json_t *hw = json_object_get(v, "hardware");
        if (hw && !patterns) {
            lr_err_set(err, file, p,
                       "hardware: an engine's class takes parameters only (which hardware is "
                       "in a class is said in data/efficiency)");
            return -1;
        }
        if (hw && !json_is_array(hw)) {
            lr_err_set(err, file, p, "hardware: expected a list of hardware ids or patterns");
            return -1;
        }
        c->hw = lr_xcalloc(json_array_size(hw) + 1, sizeof *c->hw);
        for (size_t i = 0; i < json_array_size(hw); i++) {
            const char *s = json_string_value(json_array_get(hw, i));
            if (!s || !*s) {
                lr_err_set(err, file, p, "hardware[%zu]: expected an id or a pattern (h100-*)", i);
                return -1;
            }
            c->hw[c->nhw++] = lr_xstrdup(s);
        }
    }
    return 0;
}

/* "engines": {NAME: {"step_overhead_s": {prefill, decode}, "time_scale":
 * {prefill, decode}}}: a calibration's fitted step overheads (llmroof
 * calibrate, end-to-end rows; scripts/fit-engines.py's probes), laid over
 * the engine preset NAME, which must exist. */
static int
read_engine_overrides(lr_timing *t, json_t *o, const char *file, lr_error *err)
{
    if (!json_is_object(o)) {
        lr_err_set(err, file, "engines", "expected an object of engine names");
        return -1;
    }
    const char *name, *k;
    json_t *v, *x;
    json_object_foreach(o, name, v)
    {
        lr_engine_data *e = (lr_engine_data *)lr_timing_engine(t, name);
        if (!e) {
            lr_err_set(err, file, "engines", "unknown engine '%s'", name);
            return -1;
        }
        if (!json_is_object(v)) {
            lr_err_set(err, file, name, "expected {\"step_overhead_s\": {...}}");
            return -1;
        }
        json_object_foreach(v, k, x)
        {
            if (k[0] != '_' && strcmp(k, "step_overhead_s") != 0 && strcmp(k, "time_scale") != 0) {
                lr_err_set(err, file, k,
                           "unknown key in engines.%s (expected step_overhead_s, time_scale)",
                           name);
                return -1;
            }
        }
        if (read_stages(v, "step_overhead_s", e->step_s, STAGES_SECONDS, file, err) < 0 ||
            read_stages(v, "time_scale", e->time_scale, STAGES_SCALE, file, err) < 0)
            return -1;
    }
    return 0;
}

static int
load_efficiency_file(lr_timing *t, const char *file, lr_error *err)
{
    json_t *root = load_json(file, err);
    if (!root)
        return -1;
    int rc = 0;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (rc || k[0] == '_' || strcmp(k, "source") == 0 || strcmp(k, "status") == 0)
            continue;
        if (strcmp(k, "defaults") == 0) {
            t->defaults = lr_xrealloc(t->defaults, t->ndefaults + 1, sizeof *t->defaults);
            lr_eff_block *b = &t->defaults[t->ndefaults++];
            memset(b, 0, sizeof *b);
            rc = read_block(v, b, 0, NULL, file, "defaults", err);
        } else if (strcmp(k, "classes") == 0) {
            rc = read_classes(v, &t->classes, &t->nclasses, 1, file, "classes", err);
        } else if (strcmp(k, "engines") == 0) {
            rc = read_engine_overrides(t, v, file, err);
        } else {
            lr_err_set(err, file, k,
                       "unknown key (expected defaults, classes, engines, status, source)");
            rc = -1;
        }
    }
    json_decref(root);
    return rc;
}

/* {"prefill": X, "decode": Y} of numbers in [0, 1] (seconds), booleans or
 * multipliers in (0, 100] (`mode`). */
static int
read_stages(json_t *root, const char *key, double out[2], int mode, const char *file, lr_error *err)
{
    int boolean = mode == STAGES_BOOL;
    json_t *o = json_object_get(root, key);
    if (!o)
        return 0;
    static const char *const names[2] = {"prefill", "decode"};
    for (int s = 0; s < 2; s++) {
        json_t *v = json_object_get(o, names[s]);
        double d = json_number_value(v);
        int ok = boolean                ? json_is_boolean(v)
                 : mode == STAGES_SCALE ? json_is_number(v) && d > 0 && d <= 100
                                        : json_is_number(v) && d >= 0 && d <= 1;
        if (!json_is_object(o) || !ok || json_object_size(o) != 2) {
            const char *what = boolean                ? "true|false"
                               : mode == STAGES_SCALE ? "multiplier > 0 and <= 100"
                                                      : "seconds";
            lr_err_set(err, file, key, "expected {\"prefill\": %s, \"decode\": %s}", what, what);
            return -1;
        }
        out[s] = boolean ? json_is_true(v) : d;
    }
    return 0;
}

/* memory.KEY: null or absent (NAN), else a number in [min, max], whole
 * when asked. */
static int
mem_value(json_t *mem, const char *key, double min, double max, int whole, double *out,
          const char *file, lr_error *err)
{
    json_t *v = json_object_get(mem, key);
    *out = NAN;
    if (!v || json_is_null(v))
        return 0;
    double d = json_number_value(v);
    if (!json_is_number(v) || !(d >= min && d <= max) || (whole && d != floor(d))) {
        char p[64];
        snprintf(p, sizeof p, "memory.%s", key);
        lr_err_set(err, file, p, "expected null or a %snumber from %g to %g", whole ? "whole " : "",
                   min, max);
        return -1;
    }
    *out = d;
    return 0;
}

/* A key that is absent (dflt) or a boolean. */
static int
boolean_key(json_t *root, const char *key, int dflt, int *out, const char *file, lr_error *err)
{
    json_t *v = json_object_get(root, key);
    *out = v ? json_is_true(v) : dflt;
    if (v && !json_is_boolean(v)) {
        lr_err_set(err, file, key, "expected true or false");
        return -1;
    }
    return 0;
}

/* The settings an engine sets unless the user gives them (docs/memory.md,
 * "Engine presets"): the memory plan's, the attention kernel, FP16
 * accumulation. Ranges as the settings table's rows. */
static int
engine_settings(lr_engine_data *e, json_t *root, const char *file, lr_error *err)
{
    json_t *mem = json_object_get(root, "memory");
    e->runtime_bytes = NAN;
    for (int i = 0; i < 3; i++)
        e->mem[i] = NAN;
    if (mem && (mem_value(mem, "kv_block_size", 1, 1e6, 1, &e->mem[0], file, err) < 0 ||
                mem_value(mem, "max_batched_tokens", 1, 1e9, 1, &e->mem[1], file, err) < 0 ||
                mem_value(mem, "mem_util", 0.01, 1, 0, &e->mem[2], file, err) < 0 ||
                mem_value(mem, "runtime_bytes", 0, 1e15, 0, &e->runtime_bytes, file, err) < 0))
        return -1;
    int flash;
    if (boolean_key(root, "flash_attention", -1, &flash, file, err) < 0 ||
        boolean_key(root, "fp16_accumulate", 0, &e->fp16_acc, file, err) < 0)
        return -1;
    e->flash = json_object_get(root, "flash_attention") ? flash : -1;
    return 0;
}

static int
engine_fields(lr_engine_data *e, json_t *root, const char *file, lr_error *err)
{
    static const char *const known[] = {"name",
                                        "description",
                                        "source",
                                        "status",
                                        "cuda_graphs",
                                        "step_overhead_s",
                                        "step_overhead_per_seq_s",
                                        "time_scale",
                                        "attention",
                                        "params",
                                        "scale",
                                        "classes",
                                        "memory",
                                        "scheduler",
                                        "flash_attention",
                                        "fp16_accumulate",
                                        NULL};
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        int ok = k[0] == '_';
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(known[i], k) == 0;
        if (!ok) {
            lr_err_set(err, file, k, "unknown key (docs/expected-time.md, \"Engine presets\")");
            return -1;
        }
    }
    static const char *const reserved[] = {"memory", "scheduler"};
    for (int i = 0; i < 2; i++) {
        json_t *o = json_object_get(root, reserved[i]);
        if (o && !json_is_object(o)) {
            lr_err_set(err, file, reserved[i], "expected an object");
            return -1;
        }
    }
    const char *att = json_string_value(json_object_get(root, "attention"));
    if (json_object_get(root, "attention") && !att) {
        lr_err_set(err, file, "attention", "expected the attention kernel's name (a string)");
        return -1;
    }
    e->attention = lr_xstrdup(att ? att : "");
    const char *desc = json_string_value(json_object_get(root, "description"));
    e->description = lr_xstrdup(desc ? desc : "");
    double graphs[2] = {0, 0};
    if (read_stages(root, "cuda_graphs", graphs, STAGES_BOOL, file, err) < 0 ||
        read_stages(root, "step_overhead_s", e->step_s, STAGES_SECONDS, file, err) < 0 ||
        read_stages(root, "step_overhead_per_seq_s", e->step_seq_s, STAGES_SECONDS, file, err) <
            0 ||
        read_stages(root, "time_scale", e->time_scale, STAGES_SCALE, file, err) < 0)
        return -1;
    e->graphs[0] = graphs[0] != 0;
    e->graphs[1] = graphs[1] != 0;
    json_t *o;
    if ((o = json_object_get(root, "params")) &&
        read_block(o, &e->params, 0, NULL, file, "params", err) < 0)
        return -1;
    if ((o = json_object_get(root, "scale")) &&
        read_block(o, &e->scale, 1, NULL, file, "scale", err) < 0)
        return -1;
    if ((o = json_object_get(root, "classes")) &&
        read_classes(o, &e->classes, &e->nclasses, 0, file, "classes", err) < 0)
        return -1;
    return engine_settings(e, root, file, err);
}

/* An engine's name: its file's, which "name" must repeat when present. */
static char *
engine_name_of(const char *file)
{
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    size_t n = strlen(b);
    return lr_xasprintf("%.*s", (int)(n > 5 ? n - 5 : n), b); /* drop ".json" */
}

static int
load_engine_file(lr_timing *t, const char *file, lr_error *err)
{
    json_t *root = load_json(file, err);
    if (!root)
        return -1;
    t->engines = lr_xrealloc(t->engines, t->nengines + 1, sizeof *t->engines);
    lr_engine_data *e = &t->engines[t->nengines++];
    memset(e, 0, sizeof *e);
    e->name = engine_name_of(file);
    e->file = lr_xstrdup(file);
    e->time_scale[0] = e->time_scale[1] = 1;
    const char *name = json_string_value(json_object_get(root, "name"));
    int rc = 0;
    if (json_object_get(root, "name") && (!name || strcmp(name, e->name) != 0)) {
        lr_err_set(err, file, "name", "expected \"%s\" (the file's name)", e->name);
        rc = -1;
    }
    if (rc == 0)
        rc = engine_fields(e, root, file, err);
    json_decref(root);
    return rc;
}

static int
load_dir(lr_timing *t, const char *dir, int engines, lr_error *err)
{
    size_t n = 0;
    lr_err_clear(err);
    char **files = lr_list_json(dir, &n, err);
    if (!files && err->msg[0])
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = engines ? load_engine_file(t, files[i], err)
                         : load_efficiency_file(t, files[i], err);
        free(files[i]);
    }
    free(files);
    return rc;
}

/* Every parameter needs a value somewhere in the defaults: the model is
 * then defined for any hardware, even one no class names. */
static int
check_defaults(const lr_timing *t, const char *dir, lr_error *err)
{
    unsigned set = 0;
    for (size_t i = 0; i < t->ndefaults; i++)
        set |= t->defaults[i].all.set;
    for (int i = 0; i < LR_EP_N; i++) {
        if (!(set >> i & 1u)) {
            lr_err_set(err, dir, "defaults",
                       "parameter '%s' has no default in any file (every parameter needs one)",
                       params[i].name);
            return -1;
        }
    }
    return 0;
}

lr_timing *
lr_timing_load(const char *eff_dir, const char *eng_dir, lr_error *err)
{
    lr_timing *t = lr_xcalloc(1, sizeof *t);
    if (load_dir(t, eff_dir, 0, err) < 0 || check_defaults(t, eff_dir, err) < 0 ||
        load_dir(t, eng_dir, 1, err) < 0) {
        lr_timing_free(t);
        return NULL;
    }
    return t;
}

int
lr_timing_add_efficiency(lr_timing *t, const char *file, lr_error *err)
{
    lr_err_clear(err);
    if (!lr_is_file(file)) {
        lr_err_set(err, file, "", "no such efficiency file");
        return -1;
    }
    return load_efficiency_file(t, file, err);
}

/* ---- resolving ---- */

const lr_engine_data *
lr_timing_engine(const lr_timing *t, const char *name)
{
    for (size_t i = 0; t && i < t->nengines; i++)
        if (strcmp(t->engines[i].name, name) == 0)
            return &t->engines[i];
    return NULL;
}

/* The hardware's class: the entry's own "class", else the first class whose
 * "hardware" list has its id exactly, else the first whose pattern matches
 * it; NULL: none (the defaults alone apply). */
const char *
lr_timing_class(const lr_timing *t, const lr_hw *hw)
{
    if (hw->cls && *hw->cls)
        return hw->cls;
    for (int exact = 1; exact >= 0; exact--)
        for (size_t i = 0; i < t->nclasses; i++)
            for (size_t k = 0; k < t->classes[i].nhw; k++)
                if (exact ? strcmp(t->classes[i].hw[k], hw->id) == 0
                          : fnmatch(t->classes[i].hw[k], hw->id, 0) == 0)
                    return t->classes[i].name;
    return NULL;
}

void
lr_timing_time_scale(const lr_engine_data *e, const char *cls, double out[2])
{
    out[0] = e->time_scale[0];
    out[1] = e->time_scale[1];
    for (size_t i = 0; cls && i < e->nclasses; i++)
        if (strcmp(e->classes[i].name, cls) == 0 && !isnan(e->classes[i].time_scale[0])) {
            out[0] = e->classes[i].time_scale[0];
            out[1] = e->classes[i].time_scale[1];
        }
}

static void
apply(double *out, const lr_eff_vals *v, int scale)
{
    for (int i = 0; i < LR_EP_N; i++)
        if (v->set >> i & 1u)
            out[i] = scale ? out[i] * v->v[i] : v->v[i];
}

/* A block's parameters, then its kind's, then its kind's in the stage
 * (`skind`: "KIND@STAGE", or NULL). */
static void
apply_block(double *out, const lr_eff_block *b, const char *kind, const char *skind, int scale)
{
    apply(out, &b->all, scale);
    for (size_t i = 0; kind && i < b->nkinds; i++)
        if (strcmp(b->kinds[i], kind) == 0)
            apply(out, &b->per[i], scale);
    for (size_t i = 0; skind && i < b->nkinds; i++)
        if (strcmp(b->kinds[i], skind) == 0)
            apply(out, &b->per[i], scale);
}

static void
apply_classes(double *out, const lr_eff_class *c, size_t n, const char *cls, const char *kind,
              const char *skind)
{
    for (size_t i = 0; cls && i < n; i++)
        if (strcmp(c[i].name, cls) == 0)
            apply_block(out, &c[i].b, kind, skind, 0);
}

void
lr_timing_resolve(const lr_timing *t, const lr_engine_data *e, const char *cls, const char *kind,
                  int stage, double out[LR_EP_N])
{
    char sk[128];
    const char *skind = NULL;
    if (kind && (stage == LR_PREFILL || stage == LR_DECODE)) {
        snprintf(sk, sizeof sk, "%s@%s", kind, stage == LR_PREFILL ? "prefill" : "decode");
        skind = sk;
    }
    for (int i = 0; i < LR_EP_N; i++)
        out[i] = 0;
    for (size_t i = 0; i < t->ndefaults; i++)
        apply_block(out, &t->defaults[i], kind, skind, 0);
    apply_classes(out, t->classes, t->nclasses, cls, kind, skind);
    if (!e)
        return;
    apply_block(out, &e->params, kind, skind, 0);
    apply_classes(out, e->classes, e->nclasses, cls, kind, skind);
    apply_block(out, &e->scale, kind, skind, 1);
}
