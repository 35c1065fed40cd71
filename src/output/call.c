/*
 * call.c: lr_json_call, one JSON request in, the CLI's JSON out: the entry
 * point of language bindings (python/llmroof), which then need no struct
 * layouts. Each command loads what the CLI loads, runs the same checks in
 * the same order (device, model, engine, parallelism, settings against the
 * model) and writes through the same writers, so that the reply equals
 * `llmroof COMMAND --format json` for the same settings (the Python tests
 * compare them). The codes are the CLI's exit codes by cause.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

enum { CODE_OK = 0, CODE_USAGE = 1, CODE_INPUT = 2, CODE_EVAL = 3 };

#define MAX_LIST 64 /* models, devices, sets and values of one sweep list */

/* What a request names, loaded. */
typedef struct call {
    const json_t *req;
    char data_dir[4096];
    lr_profile *prof;
    lr_hwdb *hwdb;
    const lr_hw *hw;
    lr_arch *arch;
    lr_plan *plan;
    lr_result *r;
    lr_settings s;
    lr_error *err;
} call;

static void
call_free(call *c)
{
    lr_result_free(c->r);
    lr_plan_free(c->plan);
    lr_arch_free(c->arch);
    lr_hwdb_free(c->hwdb);
    lr_profile_free(c->prof);
}

/* A request key of the given type; NULL when absent. A present key of
 * another type is an error (*bad set). */
static const json_t *
member(call *c, const char *key, json_type type, int *bad)
{
    const json_t *v = json_object_get(c->req, key);
    if (!v || json_is_null(v))
        return NULL;
    if (json_typeof(v) != type) {
        static const char *const names[] = {"an object", "an array", "a string", "an integer",
                                            "a number",  "true",     "false",    "null"};
        lr_err_set(c->err, "request", key, "expected %s",
                   type == JSON_INTEGER ? "a number" : names[type]);
        *bad = 1;
        return NULL;
    }
    return v;
}

static const char *
str_or(call *c, const char *key, const char *def, int *bad)
{
    const json_t *v = member(c, key, JSON_STRING, bad);
    return v ? json_string_value(v) : def;
}

/* A whole number key (prompt_len, max_batch) or a duration in seconds;
 * `def` when absent. */
static int
num_or(call *c, const char *key, double def, double *out)
{
    const json_t *v = json_object_get(c->req, key);
    *out = def;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || !(json_number_value(v) > 0)) {
        lr_err_set(c->err, "request", key, "expected a positive number");
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

/* A JSON scalar as the text the settings table parses. */
static int
scalar_text(const json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_number(v))
        lr_fmt_double(buf, cap, json_number_value(v));
    else
        return -1;
    return 0;
}

static int
set_one(call *c, lr_settings *s, const char *name, const json_t *v)
{
    char text[128];
    if (scalar_text(v, text, sizeof text) < 0) {
        lr_err_set(c->err, "request", name, "expected a number, a boolean or a name");
        return -1;
    }
    return lr_settings_set(s, name, text, c->err);
}

/* "settings": {name: value}; a list (sweep) is refused unless `lists`. */
static int
read_settings(call *c, lr_settings *s, int lists)
{
    int bad = 0;
    const json_t *o = member(c, "settings", JSON_OBJECT, &bad);
    lr_settings_default(s);
    if (bad)
        return -1;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (lr_setting_index(k) < 0) {
            char near[256];
            const char *names[64];
            size_t n = 0;
            for (; n < lr_setting_count() && n < 64; n++)
                names[n] = lr_setting_at(n)->name;
            lr_suggest_names(k, names, n, near, sizeof near);
            lr_err_set(c->err, "request", "settings", "unknown setting '%s'%s%s%s", k,
                       near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
            return -1;
        }
        if (json_is_array(v) && lists)
            continue; /* swept: each value is set per combination */
        if (set_one(c, s, k, v) < 0)
            return -1;
    }
    return 0;
}

/* "set" or "hw_set": a list of "NAME=VALUE" strings into names (pointers
 * into the request) and n. */
static int
read_pairs(call *c, const char *key, const char **items, size_t *n)
{
    int bad = 0;
    const json_t *a = member(c, key, JSON_ARRAY, &bad);
    *n = 0;
    if (bad)
        return -1;
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *t = json_string_value(v);
        if (!t || !strchr(t, '=') || t[0] == '=' || *n == MAX_LIST) {
            lr_err_set(c->err, "request", key, "expected at most %d strings NAME=VALUE", MAX_LIST);
            return -1;
        }
        items[(*n)++] = t;
    }
    return 0;
}

static int
load_profile(call *c)
{
    int bad = 0;
    const char *dd = str_or(c, "data_dir", lr_data_dir(), &bad);
    const char *name = str_or(c, "profile", "default", &bad);
    const char *extra = str_or(c, "module_db", NULL, &bad);
    if (bad)
        return CODE_USAGE;
    snprintf(c->data_dir, sizeof c->data_dir, "%s", dd);
    if (!(c->prof = lr_profile_open(c->data_dir, name, extra, c->err)) ||
        !(c->hwdb = lr_profile_hwdb_load(c->prof, c->data_dir, c->err)))
        return CODE_INPUT;
    return CODE_OK;
}

/* An id or alias (with the closest ids when unknown), or a JSON file of
 * one device laid over the table. */
static int
find_hw(call *c, const char *id)
{
    if (strchr(id, '/') || (strlen(id) > 5 && !strcmp(id + strlen(id) - 5, ".json"))) {
        int n = lr_hwdb_load_layer(c->hwdb, id, &c->hw, c->err);
        if (n < 0)
            return CODE_INPUT;
        if (n != 1) {
            lr_err_set(c->err, id, "", "a hardware file of one device expected, this one has %d",
                       n);
            return CODE_INPUT;
        }
        return CODE_OK;
    }
    if ((c->hw = lr_hwdb_find(c->hwdb, id)))
        return CODE_OK;
    char near[512];
    lr_hwdb_suggest(c->hwdb, id, near, sizeof near);
    lr_err_set(c->err, "request", "hardware", "unknown hardware '%s' in profile %s%s%s%s", id,
               lr_profile_name(c->prof), near[0] ? "; did you mean " : "", near,
               near[0] ? "?" : "");
    return CODE_USAGE;
}

/* The device with the request's hw_set overrides. */
static int
load_hw(call *c, const char *id)
{
    const char *sets[MAX_LIST];
    size_t n;
    int rc = find_hw(c, id);
    if (rc != CODE_OK)
        return rc;
    if (read_pairs(c, "hw_set", sets, &n) < 0)
        return CODE_USAGE;
    for (size_t i = 0; i < n; i++) {
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(sets[i], '=') - sets[i]), sets[i]);
        if (lr_hwdb_set(c->hwdb, c->hw->id, key, strchr(sets[i], '=') + 1, c->err) < 0)
            return CODE_USAGE;
    }
    c->hw = lr_hwdb_find(c->hwdb, c->hw->id);
    return CODE_OK;
}

static int
load_model(call *c, const char *name)
{
    const char *sets[MAX_LIST];
    size_t n;
    int bad = 0;
    const char *family = str_or(c, "family", NULL, &bad);
    if (bad || read_pairs(c, "set", sets, &n) < 0)
        return CODE_USAGE;
    char models[4200], templates[4200];
    snprintf(models, sizeof models, "%s/models", c->data_dir);
    snprintf(templates, sizeof templates, "%s/architectures", lr_profile_dir(c->prof));
    lr_repr_opts ro = {NULL, NULL, sets, n, lr_profile_db(c->prof)};
    char *notes = NULL;
    c->arch = lr_model_load_family(models, templates, name, family, &ro, &notes, c->err);
    free(notes);
    if (!c->arch)
        return lr_model_unknown_id(models, name) ? CODE_USAGE : CODE_INPUT;
    return CODE_OK;
}

/* What analysis_run checks before it analyses (cli/options.c), in its
 * order: the weight file's bits, the engine, the parallelism the model and
 * the device allow, the settings against the model. */
static int
check_model(call *c, lr_settings *s, double seq_tokens)
{
    /* the weight file's bits and the checkpoint's quantization_config, as
     * analysis_run applies them (lr_settings_apply_model) */
    if (lr_settings_apply_model(s, c->arch, c->err) < 0)
        return CODE_INPUT;
    /* the engine preset's defaults and a default seq_len within the
     * context, as analysis_run sets them */
    if (lr_profile_engine_check(c->prof, s->engine, c->err) < 0 ||
        lr_settings_apply_engine(s, c->prof, c->err) < 0)
        return CODE_USAGE;
    lr_settings_fit_context(s, c->arch);
    if (lr_check_parallel(c->arch, c->hw, s, c->err) < 0 ||
        lr_check_settings(c->arch, c->hw, s, seq_tokens > 0 ? seq_tokens : s->seq_len, NULL, 0,
                          c->err) < 0)
        return CODE_USAGE;
    if (!(c->plan = lr_plan_new(c->arch, lr_profile_db(c->prof), c->err)))
        return CODE_INPUT;
    c->r = lr_result_new(c->plan);
    return CODE_OK;
}

/* Profile, device, model, settings and plan, as `llmroof CMD` loads them. */
static int
load_all(call *c, double seq_tokens)
{
    int bad = 0, rc;
    const char *hw = str_or(c, "hardware", "a100-80gb", &bad);
    const char *model = str_or(c, "model", "meta-llama/Llama-2-7b-hf", &bad);
    if (bad)
        return CODE_USAGE;
    if ((rc = load_profile(c)) || (rc = load_hw(c, hw)))
        return rc;
    if (read_settings(c, &c->s, 0) < 0)
        return CODE_USAGE;
    if ((rc = load_model(c, model)))
        return rc;
    return check_model(c, &c->s, seq_tokens);
}

static int
cmd_analyze(call *c, FILE *f)
{
    int bad = 0, rc;
    const char *stage = str_or(c, "stage", "both", &bad);
    int pre = !strcmp(stage, "prefill") || !strcmp(stage, "both");
    int dec = !strcmp(stage, "decode") || !strcmp(stage, "both");
    if (bad || (!pre && !dec)) {
        if (!bad)
            lr_err_set(c->err, "request", "stage", "expected prefill, decode or both, got '%s'",
                       stage);
        return CODE_USAGE;
    }
    if ((rc = load_all(c, 0)))
        return rc;
    if (lr_analyze(c->plan, c->prof, c->hw, &c->s, pre, dec, c->r, c->err) < 0)
        return CODE_EVAL;
    lr_report_write(f, LR_FMT_JSON, c->r, c->plan, c->arch->name);
    return CODE_OK;
}

static int
lengths(call *c, double *prompt, double *gen)
{
    if (num_or(c, "prompt_len", 1024, prompt) < 0 || num_or(c, "gen_len", 256, gen) < 0)
        return -1;
    if (lr_settings_given(&c->s, "seq_len") || json_object_get(c->req, "stage")) {
        lr_err_set(c->err, "request", "settings",
                   "a generation takes prompt_len and gen_len, not seq_len or stage");
        return -1;
    }
    return 0;
}

/* Settings are read before the lengths are checked against them. */
static int
pre_settings(call *c)
{
    return read_settings(c, &c->s, 0) < 0 ? CODE_USAGE : CODE_OK;
}

static int
cmd_generate(call *c, FILE *f)
{
    double prompt, gen;
    int rc;
    if ((rc = pre_settings(c)) || lengths(c, &prompt, &gen) < 0)
        return rc ? rc : CODE_USAGE;
    if ((rc = load_all(c, prompt + gen)))
        return rc;
    lr_gen g;
    if (lr_check_fit(c->arch, c->plan, c->prof, c->hw, &c->s, prompt, gen, c->r, c->err) < 0 ||
        lr_generate(c->plan, c->prof, c->hw, &c->s, prompt, gen, c->r, &g, c->err) < 0)
        return CODE_EVAL;
    lr_gen_write_json(f, &g, c->plan, c->arch->name, c->hw, &c->s, c->prof);
    return CODE_OK;
}

static int
cmd_serve_plan(call *c, FILE *f)
{
    lr_serve_plan sp;
    memset(&sp, 0, sizeof sp);
    int rc;
    if ((rc = pre_settings(c)) || lengths(c, &sp.prompt, &sp.gen) < 0)
        return rc ? rc : CODE_USAGE;
    if (lr_settings_given(&c->s, "batch")) {
        lr_err_set(c->err, "request", "settings",
                   "a serving plan tries every batch up to the largest that fits; max_batch "
                   "caps it");
        return CODE_USAGE;
    }
    if (num_or(c, "max_tpot_s", 0, &sp.max_tpot_s) < 0 ||
        num_or(c, "max_ttft_s", 0, &sp.max_ttft_s) < 0 ||
        num_or(c, "max_batch", 0, &sp.batch_cap) < 0)
        return CODE_USAGE;
    if ((rc = load_all(c, sp.prompt + sp.gen)))
        return rc;
    /* the batches are the plan's to choose: at least one sequence per micro-batch */
    if (c->s.microbatches > c->s.batch)
        c->s.batch = c->s.microbatches;
    rc = lr_serve_plan_run(c->arch, c->plan, c->prof, c->hw, &c->s, &sp, c->r, c->err) < 0
             ? CODE_EVAL
             : CODE_OK;
    if (rc == CODE_OK) {
        lr_jw w;
        lr_jw_init(&w, f, 1);
        lr_jw_serve_plan(&w, &sp, c->arch->name, c->hw, &c->s, c->prof);
    }
    lr_serve_plan_free(&sp);
    return rc;
}

/* ---- sweep: lists of settings, models and devices ---- */

/* A key that is a string or a list of strings. */
static int
names(call *c, const char *key, const char *def, const char **out, size_t *n)
{
    const json_t *v = json_object_get(c->req, key);
    *n = 0;
    if (!v || json_is_null(v)) {
        out[(*n)++] = def;
        return 0;
    }
    if (json_is_string(v)) {
        out[(*n)++] = json_string_value(v);
        return 0;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) || *n == MAX_LIST)
            break;
        out[(*n)++] = json_string_value(e);
    }
    if (!json_is_array(v) || *n != json_array_size(v) || *n == 0) {
        lr_err_set(c->err, "request", key, "expected a name or a list of 1 to %d names", MAX_LIST);
        return -1;
    }
    return 0;
}

/* The swept settings: rows in table order, each with its list. */
typedef struct swept {
    size_t row[64];
    const json_t *list[64];
    size_t n;
} swept;

static int
swept_lists(call *c, swept *sw)
{
    const json_t *o = json_object_get(c->req, "settings");
    sw->n = 0;
    for (size_t i = 0; i < lr_setting_count() && o; i++) {
        const json_t *v = json_object_get(o, lr_setting_at(i)->name);
        if (!v || !json_is_array(v))
            continue;
        if (json_array_size(v) == 0) {
            lr_err_set(c->err, "request", lr_setting_at(i)->name, "empty list");
            return -1;
        }
        sw->row[sw->n] = i;
        sw->list[sw->n++] = v;
    }
    return 0;
}

/* Combination k of the lists (the first list slowest, as the CLI's sweep
 * orders its rows) over the fixed settings `base`. */
static int
combination(call *c, const swept *sw, double k, const lr_settings *base, lr_settings *s)
{
    *s = *base;
    size_t idx[64];
    for (size_t d = sw->n; d-- > 0;) {
        size_t size = json_array_size(sw->list[d]);
        idx[d] = (size_t)k % size;
        k = (double)((size_t)k / size);
    }
    for (size_t d = 0; d < sw->n; d++)
        if (set_one(c, s, lr_setting_at(sw->row[d])->name, json_array_get(sw->list[d], idx[d])) < 0)
            return -1;
    return 0;
}

static double
combinations(const swept *sw)
{
    double total = 1;
    for (size_t d = 0; d < sw->n; d++)
        total *= (double)json_array_size(sw->list[d]);
    return total;
}

/* One model over every combination and device, rows into the open array. */
static int
sweep_model(call *c, const char *model, const char *const *hws, size_t nhw, const swept *sw,
            lr_jw *w)
{
    lr_settings base;
    int rc;
    if (read_settings(c, &base, 1) < 0)
        return CODE_USAGE;
    if ((rc = load_model(c, model)))
        return rc;
    if (!(c->plan = lr_plan_new(c->arch, lr_profile_db(c->prof), c->err)))
        return CODE_INPUT;
    c->r = lr_result_new(c->plan);
    double prompt = 0, gen = 0;
    int with_gen = json_object_get(c->req, "prompt_len") || json_object_get(c->req, "gen_len");
    if (num_or(c, "prompt_len", 1024, &prompt) < 0 || num_or(c, "gen_len", 256, &gen) < 0)
        return CODE_USAGE;
    for (double k = 0; k < combinations(sw); k++) {
        for (size_t h = 0; h < nhw; h++) {
            lr_settings s;
            if (combination(c, sw, k, &base, &s) < 0)
                return CODE_USAGE;
            if (lr_settings_apply_model(&s, c->arch, c->err) < 0)
                return CODE_INPUT;
            const lr_hw *hw = lr_hwdb_find(c->hwdb, hws[h]);
            /* each point's engine sets what the lists leave, as sweep's */
            if (lr_profile_engine_check(c->prof, s.engine, c->err) < 0 ||
                lr_settings_apply_engine(&s, c->prof, c->err) < 0)
                return CODE_USAGE;
            lr_settings_fit_context(&s, c->arch);
            if (lr_check_parallel(c->arch, hw, &s, c->err) < 0 ||
                lr_check_settings(c->arch, hw, &s, with_gen ? prompt + gen : s.seq_len, NULL, 0,
                                  c->err) < 0)
                return CODE_USAGE;
            lr_gen g;
            if (with_gen &&
                lr_generate(c->plan, c->prof, hw, &s, prompt, gen, c->r, &g, c->err) < 0)
                return CODE_EVAL;
            if (lr_analyze(c->plan, c->prof, hw, &s, 1, 1, c->r, c->err) < 0)
                return CODE_EVAL;
            lr_jw_sweep_row(w, c->arch->name, c->plan, c->r, with_gen ? &g : NULL);
        }
    }
    return CODE_OK;
}

static int
cmd_sweep(call *c, FILE *f)
{
    const char *models[MAX_LIST], *hws[MAX_LIST];
    size_t nm, nh;
    swept sw;
    int rc;
    if (names(c, "model", "meta-llama/Llama-2-7b-hf", models, &nm) < 0 ||
        names(c, "hardware", "a100-80gb", hws, &nh) < 0 || swept_lists(c, &sw) < 0)
        return CODE_USAGE;
    if ((rc = load_profile(c)))
        return rc;
    for (size_t h = 0; h < nh; h++) /* every device resolved before any row */
        if ((rc = find_hw(c, hws[h])))
            return rc;
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_arr(&w);
    for (size_t m = 0; m < nm && rc == CODE_OK; m++) {
        rc = sweep_model(c, models[m], hws, nh, &sw, &w);
        lr_result_free(c->r);
        lr_plan_free(c->plan);
        lr_arch_free(c->arch);
        c->r = NULL, c->plan = NULL, c->arch = NULL;
    }
    lr_jw_end_arr(&w);
    return rc;
}

/* ---- listings ---- */

static int
cmd_hardware(call *c, FILE *f)
{
    int rc = load_profile(c);
    if (rc)
        return rc;
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_hardware(&w, lr_profile_name(c->prof), "a100-80gb", c->hwdb);
    return CODE_OK;
}

static int
cmd_models(call *c, FILE *f)
{
    int rc = load_profile(c);
    if (rc)
        return rc;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/models", c->data_dir);
    size_t n = 0;
    lr_model_entry *es = lr_models_load_all(dir, c->prof, &n);
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_models(&w, lr_profile_name(c->prof), "meta-llama/Llama-2-7b-hf", es, n);
    lr_model_entries_free(es, n);
    return CODE_OK;
}

static const struct {
    const char *name;
    int (*run)(call *c, FILE *f);
} commands[] = {
    {"analyze", cmd_analyze}, {"generate", cmd_generate}, {"serve_plan", cmd_serve_plan},
    {"sweep", cmd_sweep},     {"hardware", cmd_hardware}, {"models", cmd_models},
};

/* The request's keys: any other is a typo, reported rather than ignored. */
static int
check_keys(call *c)
{
    static const char *const known[] = {"command",  "model",      "hardware",   "profile",
                                        "data_dir", "module_db",  "family",     "stage",
                                        "settings", "set",        "hw_set",     "prompt_len",
                                        "gen_len",  "max_tpot_s", "max_ttft_s", "max_batch"};
    const size_t nk = sizeof known / sizeof known[0];
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)c->req, k, v)
    {
        size_t i = 0;
        while (i < nk && strcmp(known[i], k) != 0)
            i++;
        if (i == nk) {
            char near[256];
            lr_suggest_names(k, (const char *const *)known, nk, near, sizeof near);
            lr_err_set(c->err, "request", "", "unknown key '%s'%s%s%s", k,
                       near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
            return -1;
        }
    }
    return 0;
}

static int
dispatch(call *c, FILE *f)
{
    int bad = 0;
    const char *name = str_or(c, "command", "", &bad);
    if (bad || check_keys(c) < 0)
        return CODE_USAGE;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].run(c, f);
    lr_err_set(c->err, "request", "command",
               "unknown command '%s' (expected analyze, generate, serve_plan, sweep, hardware or "
               "models)",
               name);
    return CODE_USAGE;
}

char *
lr_json_call(const char *request_json, int *code, lr_error *err)
{
    lr_err_clear(err);
    json_error_t je;
    json_t *req = json_loads(request_json ? request_json : "", 0, &je);
    int rc = CODE_USAGE;
    char *out = NULL;
    size_t len = 0;
    if (!req || !json_is_object(req)) {
        lr_err_set(err, "request", "", "expected a JSON object%s%s", req ? "" : ": ",
                   req ? "" : je.text);
        if (!req) {
            err->line = je.line;
            err->col = je.column;
        }
    } else {
        call c;
        memset(&c, 0, sizeof c);
        c.req = req;
        c.err = err;
        FILE *f = open_memstream(&out, &len);
        if (!f)
            abort();
        rc = dispatch(&c, f);
        if (fclose(f) != 0)
            abort();
        call_free(&c);
    }
    json_decref(req);
    if (code)
        *code = rc;
    if (rc != CODE_OK) {
        free(out);
        return NULL;
    }
    return out;
}

void
lr_free(void *p)
{
    free(p);
}
