/*
 * request.c: a request's parameters (the query string, then the members of
 * a JSON body) into its settings. A parameter that names a row of the
 * library's settings table (its JSON name, `seq_len`, or its option
 * spelling, `seq-len`) goes through lr_settings_set, so the API takes what
 * the table takes and refuses with the library's message; the others
 * (model, hardware, profile, stage, the lengths of a generation, pasted
 * texts, ...) are handled here, one row each in `keys`. Nothing is shared
 * between requests: parsing is reentrant.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* ---- parameters as text ---- */

void
serve_params_add(serve_params *p, const char *key, const char *val)
{
    if (p->n == SERVE_MAX_PARAMS) {
        p->overflow = 1;
        return;
    }
    p->key[p->n] = serve_strdup(key);
    p->val[p->n++] = serve_strdup(val);
}

void
serve_params_free(serve_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->key[i]);
        free(p->val[i]);
    }
    p->n = 0;
}

/* "set": {NAME: VALUE, ...} as NAME=VALUE pairs (strings bare, other
 * values as JSON: numbers, true, false, null). */
static void
set_pairs(serve_params *p, json_t *obj)
{
    const char *name;
    json_t *x;
    json_object_foreach(obj, name, x)
    {
        char *val =
            json_is_string(x) ? strdup(json_string_value(x)) : json_dumps(x, JSON_ENCODE_ANY);
        size_t n = strlen(name) + (val ? strlen(val) : 0) + 2;
        char *pair = malloc(n);
        if (!pair)
            abort();
        snprintf(pair, n, "%s=%s", name, val ? val : "");
        serve_params_add(p, "set", pair);
        free(pair);
        free(val);
    }
}

/* One JSON value of the body as the text a query string would carry. */
static int
json_param(serve_params *p, const char *k, json_t *v, char *err, size_t cap)
{
    char buf[64];
    if (json_is_string(v)) {
        serve_params_add(p, k, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        serve_params_add(p, k, buf);
    } else if (json_is_real(v)) {
        lr_fmt_double(buf, sizeof buf, json_real_value(v));
        serve_params_add(p, k, buf);
    } else if (json_is_boolean(v)) {
        serve_params_add(p, k, json_is_true(v) ? "true" : "false");
    } else if (json_is_object(v) && strcmp(k, "config") == 0) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        serve_params_add(p, k, text ? text : "");
        free(text);
    } else if (json_is_object(v) && strcmp(k, "set") == 0) {
        set_pairs(p, v);
    } else if (json_is_array(v) && strcmp(k, "set") == 0) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (json_param(p, k, x, err, cap) < 0)
                return -1;
        }
    } else if (!json_is_null(v)) { /* null: as if absent */
        snprintf(err, cap, "%s: expected a string, a number or a boolean", k);
        return -1;
    }
    return 0;
}

int
serve_params_from_body(serve_params *p, const char *body, size_t len, char *err, size_t cap)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, cap, "body: malformed JSON at line %d, column %d: %s", je.line, je.column,
                 je.text);
        return -1;
    }
    int rc = 0;
    if (!json_is_object(root)) {
        snprintf(err, cap, "body: expected a JSON object of settings");
        rc = -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (rc == 0 && json_param(p, k, v, err, cap) < 0)
            rc = -1;
    }
    json_decref(root);
    return rc;
}

/* ---- parameters into settings ---- */

enum kind {
    K_SETTINGS, /* stands for every row of the library's settings table */
    K_MODEL,
    K_HARDWARE,
    K_STAGE,
    K_NO_CAUSAL,
    K_PROMPT,
    K_GEN,
    K_PROFILE,
    K_CONFIG,
    K_REPR,
    K_SET,
    K_PATH,
    K_CLASS,
    K_SIM, /* a simulation option: sim_keys */
};

/* ORDER: the order in which an unknown parameter's message lists them. */
static const struct key {
    const char *name; /* with dashes; the same with underscores is accepted */
    enum kind kind;
    unsigned where;
} keys[] = {
    {"model", K_MODEL, W_RUN | W_SIMULATE},
    {"hardware", K_HARDWARE, W_RUN | W_SIMULATE},
    {"", K_SETTINGS, W_RUN | W_SIMULATE},
    {"stage", K_STAGE, W_RUN},
    {"no-causal", K_NO_CAUSAL, W_RUN | W_SIMULATE},
    {"prompt-len", K_PROMPT, W_GENERATE},
    {"workload", K_SIM, W_SIMULATE},
    {"prompt-len", K_SIM, W_SIMULATE},
    {"output-len", K_SIM, W_SIMULATE},
    {"num-requests", K_SIM, W_SIMULATE},
    {"rate", K_SIM, W_SIMULATE},
    {"seed", K_SIM, W_SIMULATE},
    {"max-num-seqs", K_SIM, W_SIMULATE},
    {"kv-blocks", K_SIM, W_SIMULATE},
    {"prefix-hit", K_SIM, W_SIMULATE},
    {"replicas", K_SIM, W_SIMULATE},
    {"route", K_SIM, W_SIMULATE},
    {"slo-ttft", K_SIM, W_SIMULATE},
    {"slo-tpot", K_SIM, W_SIMULATE},
    {"gen-len", K_GEN, W_GENERATE},
    {"profile", K_PROFILE, W_RUN | W_SIMULATE | W_LIST | W_FORMULAS},
    {"config", K_CONFIG, W_RUN | W_SIMULATE},
    {"repr", K_REPR, W_RUN | W_SIMULATE},
    {"set", K_SET, W_RUN | W_SIMULATE},
    {"path", K_PATH, W_OP},
    {"class", K_CLASS, W_FORMULAS},
};

enum { NKEYS = sizeof keys / sizeof keys[0] };

/* "prompt_len" names "prompt-len". */
static int
same_key(const char *name, const char *key)
{
    for (; *name && *key; name++, key++)
        if (*name != *key && !(*name == '_' && *key == '-'))
            return 0;
    return *name == *key;
}

static const struct key *
find_key(const char *name, unsigned where)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (!(keys[i].where & where))
            continue;
        if (keys[i].kind == K_SETTINGS ? lr_setting_index(name) >= 0 : same_key(name, keys[i].name))
            return &keys[i];
    }
    return NULL;
}

/* "unknown parameter 'x' (this endpoint takes: model hardware batch ...)" */
static void
unknown_key(const char *name, unsigned where, char *err, size_t cap)
{
    size_t o = (size_t)snprintf(err, cap, "unknown parameter '%s' (this endpoint takes:", name);
    for (size_t k = 0; k < NKEYS && o < cap; k++) {
        if (!(keys[k].where & where))
            continue;
        if (keys[k].kind != K_SETTINGS) {
            o += (size_t)snprintf(err + o, cap - o, " %s", keys[k].name);
            continue;
        }
        for (size_t i = 0; i < lr_setting_count() && o < cap; i++)
            o += (size_t)snprintf(err + o, cap - o, " %s", lr_setting_at(i)->option);
    }
    if (o < cap)
        snprintf(err + o, cap - o, ")");
}

/* A setting of the table; a flag given without a value (`&w-asym`) is on. */
static int
apply_setting(serve_request *rq, const char *name, const char *val, char *err, size_t cap)
{
    const lr_setting_info *in = lr_setting_at((size_t)lr_setting_index(name));
    lr_error e;
    memset(&e, 0, sizeof e);
    if (in->type == LR_SET_FLAG && !*val)
        val = "true";
    if (lr_settings_set(&rq->s, name, val, &e) == 0)
        return 0;
    snprintf(err, cap, "%s", e.msg);
    return -1;
}

/* no-causal: the causal flag of the table, inverted. */
static int
apply_no_causal(serve_request *rq, const char *name, const char *val, char *err, size_t cap)
{
    lr_settings probe;
    lr_error e;
    memset(&e, 0, sizeof e);
    lr_settings_default(&probe);
    if (lr_settings_set(&probe, "causal", *val ? val : "true", &e) < 0) {
        snprintf(err, cap, "%s: expected true or false, got '%s'", name, val);
        return -1;
    }
    return lr_settings_set(&rq->s, "causal", probe.causal ? "false" : "true", &e);
}

static int
apply_stage(serve_request *rq, const char *val, char *err, size_t cap)
{
    rq->do_prefill = strcmp(val, "prefill") == 0 || strcmp(val, "both") == 0;
    rq->do_decode = strcmp(val, "decode") == 0 || strcmp(val, "both") == 0;
    if (rq->do_prefill || rq->do_decode)
        return 0;
    snprintf(err, cap, "stage: expected prefill, decode or both, got '%s'", val);
    return -1;
}

/* A whole number of tokens, as `llmroof generate` reads it. */
static int
apply_length(double *out, const char *name, const char *val, char *err, size_t cap)
{
    lr_error e;
    if (lr_parse_whole(name, val, 1, 1e9, out, &e) == 0)
        return 0;
    snprintf(err, cap, "%s", e.msg);
    return -1;
}

/* set=NAME=VALUE completes a print(model) text; the library reads the value. */
static int
apply_set(serve_request *rq, const char *val, char *err, size_t cap)
{
    const char *eq = strchr(val, '=');
    if (!eq || eq == val) {
        snprintf(err, cap, "set: expected NAME=VALUE (e.g. num_attention_heads=32), got '%s'", val);
        return -1;
    }
    if (rq->nsets == SERVE_MAX_SETS) {
        snprintf(err, cap, "set given more than %d times", SERVE_MAX_SETS);
        return -1;
    }
    rq->sets[rq->nsets++] = val;
    return 0;
}

/* A time in seconds: a bare number (the API's unit), or with s, ms or us
 * as the CLI's --slo-ttft takes it. */
static int
apply_time(double *out, const char *name, const char *val, char *err, size_t cap)
{
    char *end;
    double v = strtod(val, &end);
    double scale = !strcmp(end, "ms") ? 1e-3 : !strcmp(end, "us") ? 1e-6 : 1;
    if (end == val || (*end && strcmp(end, "s") && scale == 1) || !(v > 0 && v < 1e9)) {
        snprintf(err, cap, "%s: expected a positive time in seconds (or with ms, us), got '%s'",
                 name, val);
        return -1;
    }
    *out = v * scale;
    return 0;
}

static int
apply_number(double *out, const char *name, const char *val, double min, double max, char *err,
             size_t cap)
{
    double v;
    if (lr_parse_number(val, &v) < 0 || !(v >= min && v <= max)) {
        snprintf(err, cap, "%s: expected a number from %g to %g, got '%s'", name, min, max, val);
        return -1;
    }
    *out = v;
    return 0;
}

static int
apply_whole(double *out, const char *name, const char *val, double min, double max, char *err,
            size_t cap)
{
    lr_error e;
    if (lr_parse_whole(name, val, min, max, out, &e) == 0)
        return 0;
    snprintf(err, cap, "%s", e.msg);
    return -1;
}

/* The simulation's options, bounded as `llmroof simulate` bounds them but
 * for the number of requests (SERVE_MAX_SIM_REQUESTS, so that one request
 * cannot hold a server thread for long). */
static int
apply_sim(serve_request *rq, const char *name, const char *val, char *err, size_t cap)
{
    serve_sim *m = &rq->sim;
    lr_sim_config *c = &m->c;
    double x;
    if (same_key(name, "workload")) {
        if (!*val || strchr(val, '/') || strchr(val, '.')) {
            snprintf(err, cap, "workload: expected a bundled workload's name, got '%s'", val);
            return -1;
        }
        m->workload = val;
        return 0;
    }
    if (same_key(name, "route")) {
        if (strcmp(val, "round-robin") && strcmp(val, "least-loaded")) {
            snprintf(err, cap, "route: expected round-robin or least-loaded, got '%s'", val);
            return -1;
        }
        c->route = strcmp(val, "least-loaded") ? LR_ROUTE_ROUND_ROBIN : LR_ROUTE_LEAST_LOADED;
        return 0;
    }
    if (same_key(name, "prompt-len"))
        return apply_whole(&m->prompt, name, val, 1, 1e9, err, cap);
    if (same_key(name, "output-len"))
        return apply_whole(&m->output, name, val, 1, 1e9, err, cap);
    if (same_key(name, "num-requests"))
        return apply_whole(&m->num, name, val, 1, SERVE_MAX_SIM_REQUESTS, err, cap);
    if (same_key(name, "rate"))
        return apply_number(&m->rate, name, val, 1e-9, 1e9, err, cap);
    if (same_key(name, "seed"))
        return apply_whole(&m->seed, name, val, 0, 9e15, err, cap);
    if (same_key(name, "max-num-seqs"))
        return apply_whole(&c->max_num_seqs, name, val, 1, 1e6, err, cap);
    if (same_key(name, "kv-blocks"))
        return apply_whole(&c->kv_blocks, name, val, 1, 1e12, err, cap);
    if (same_key(name, "prefix-hit"))
        return apply_number(&c->prefix_hit, name, val, 0, 1, err, cap);
    if (same_key(name, "slo-ttft"))
        return apply_time(&c->slo_ttft_s, name, val, err, cap);
    if (same_key(name, "slo-tpot"))
        return apply_time(&c->slo_tpot_s, name, val, err, cap);
    if (apply_whole(&x, name, val, 1, 64, err, cap) < 0) /* replicas */
        return -1;
    c->replicas = (int)x;
    return 0;
}

static int
apply(serve_request *rq, const struct key *k, const char *name, const char *val, char *err,
      size_t cap)
{
    switch (k->kind) {
    case K_SIM: return apply_sim(rq, name, val, err, cap);
    case K_SETTINGS: return apply_setting(rq, name, val, err, cap);
    case K_NO_CAUSAL: return apply_no_causal(rq, name, val, err, cap);
    case K_STAGE: return apply_stage(rq, val, err, cap);
    case K_PROMPT: return apply_length(&rq->prompt, name, val, err, cap);
    case K_GEN: return apply_length(&rq->gen, name, val, err, cap);
    case K_SET: return apply_set(rq, val, err, cap);
    case K_MODEL: rq->model = val; break;
    case K_HARDWARE: rq->hardware = val; break;
    case K_PROFILE: rq->profile = val; break;
    case K_CONFIG: rq->config = val; break;
    case K_REPR: rq->repr = val; break;
    case K_PATH: rq->path = val; break;
    case K_CLASS: rq->cls = val; break;
    }
    return 0;
}

int
serve_request_parse(const serve_params *p, unsigned where, serve_request *rq, char *err, size_t cap)
{
    memset(rq, 0, sizeof *rq);
    lr_settings_default(&rq->s);
    rq->do_prefill = rq->do_decode = 1;
    rq->prompt = 1024;
    rq->gen = 256;
    lr_sim_config_default(&rq->sim.c);
    rq->sim.num = 1000;
    rq->sim.rate = 10;
    if (p->overflow) {
        snprintf(err, cap, "more than %d parameters", SERVE_MAX_PARAMS);
        return -1;
    }
    for (size_t i = 0; i < p->n; i++) { /* in order: a key given twice takes the last value */
        const struct key *k = find_key(p->key[i], where);
        if (!k) {
            unknown_key(p->key[i], where, err, cap);
            return -1;
        }
        if (where == W_SIMULATE && k->kind == K_SETTINGS &&
            (same_key(p->key[i], "batch") || same_key(p->key[i], "seq-len") ||
             same_key(p->key[i], "seq_len"))) {
            snprintf(err, cap,
                     "%s: the requests bring their own lengths and the batch forms from them "
                     "(prompt-len, output-len, workload; max-num-seqs caps the batch)",
                     p->key[i]);
            return -1;
        }
        if (apply(rq, k, p->key[i], p->val[i], err, cap) < 0)
            return -1;
    }
    if (where == W_SIMULATE && (rq->sim.prompt > 0) != (rq->sim.output > 0)) {
        snprintf(err, cap, "prompt-len and output-len go together");
        return -1;
    }
    if (where == W_SIMULATE && rq->sim.prompt > 0 && rq->sim.workload) {
        snprintf(err, cap, "workload or prompt-len/output-len, not both");
        return -1;
    }
    return 0;
}
