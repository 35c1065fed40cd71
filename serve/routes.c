/*
 * routes.c: the handlers of the API (/api/...). A run (analyze, generate,
 * op) parses its parameters (request.c), finds its profile, device and
 * model among what was loaded at start, or builds a pasted config.json or
 * print(model) text into its own tree and plan, and writes the library's
 * JSON: /api/analyze is lr_report_write's, byte for byte `llmroof analyze
 * --format json`; /api/generate is lr_gen_write_json's; /api/op is
 * lr_jw_explain's and the listings lr_jw_models', lr_jw_hardware's and
 * lr_jw_module's, as the CLI's `explain`, `models`, `hardware list` and
 * `modules show` write them with --format json. Each request owns its
 * result, its pasted tree and plan; the shared data is only read.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* One run's request and what it resolves to. */
typedef struct job {
    serve_request rq;
    const serve_profile *sp;
    const lr_hw *hw;
    const lr_arch *arch;
    const lr_plan *plan;
    lr_arch *own_arch; /* a pasted model's */
    lr_plan *own_plan;
    char *notes; /* what a repr's analysis inferred */
} job;

static void
job_free(job *j)
{
    lr_plan_free(j->own_plan);
    lr_arch_free(j->own_arch);
    free(j->notes);
}

static int
unknown_profile(const serve_server *sv, const char *key, char *err, size_t cap)
{
    size_t o = (size_t)snprintf(err, cap, "unknown profile '%s' (profiles:", key);
    for (size_t i = 0; i < sv->nprofiles && o < cap; i++)
        o += (size_t)snprintf(err + o, cap - o, " %s", sv->profiles[i].key);
    if (o < cap)
        snprintf(err + o, cap - o, ")");
    return HTTP_BAD_REQUEST;
}

/* A pasted text: a print(model) repr (with the config as completion), or
 * a config.json through the profile's family templates. */
static lr_arch *
pasted_arch(job *j, lr_error *err)
{
    const char *repr = j->rq.repr, *config = j->rq.config;
    const lr_profile *prof = j->sp->prof;
    if (!repr && config && lr_repr_detect(config)) {
        repr = config;
        config = NULL;
    }
    if (repr) {
        lr_repr_opts ro = {config, NULL, j->rq.sets, j->rq.nsets, lr_profile_db(prof)};
        return lr_arch_from_repr(repr, "print(model)", lr_profile_dir(prof), &ro, &j->notes, err);
    }
    if (j->rq.nsets) {
        memset(err, 0, sizeof *err);
        snprintf(err->msg, sizeof err->msg,
                 "set completes a print(model) text (repr); edit the config instead");
        return NULL;
    }
    char templates[4096];
    snprintf(templates, sizeof templates, "%s/architectures", lr_profile_dir(prof));
    return lr_arch_from_hf_config_text(config, "config.json", templates, err);
}

static int
resolve_pasted(job *j, char *err, size_t cap)
{
    lr_error e;
    memset(&e, 0, sizeof e);
    j->own_arch = pasted_arch(j, &e);
    if (j->own_arch)
        j->own_plan = lr_plan_new(j->own_arch, lr_profile_db(j->sp->prof), &e);
    if (!j->own_plan) {
        lr_error_format(&e, err, cap);
        return HTTP_UNPROCESSABLE;
    }
    j->arch = j->own_arch;
    j->plan = j->own_plan;
    return HTTP_OK;
}

static int
resolve_model(const serve_server *sv, job *j, char *err, size_t cap)
{
    if (j->rq.config || j->rq.repr)
        return resolve_pasted(j, err, cap);
    if (j->rq.nsets) {
        snprintf(err, cap, "set completes a print(model) text, posted as repr");
        return HTTP_BAD_REQUEST;
    }
    const char *name = j->rq.model ? j->rq.model : sv->model;
    const serve_model *m = serve_find_model(j->sp, name);
    if (!m) {
        const char *ids[256];
        size_t n = 0;
        for (; n < j->sp->nmodels && n < 256; n++)
            ids[n] = j->sp->models[n].id;
        char near[512];
        lr_suggest_names(name, ids, n, near, sizeof near);
        snprintf(err, cap,
                 "unknown model '%s'%s%s%s: not a bundled model (see /api/models); post a "
                 "config.json as config or a print(model) text as repr",
                 name, near[0] ? " (did you mean " : "", near, near[0] ? "?)" : "");
        return HTTP_BAD_REQUEST;
    }
    if (!m->arch) {
        snprintf(err, cap, "%s", m->error);
        return HTTP_UNPROCESSABLE;
    }
    j->arch = m->arch;
    j->plan = m->plan;
    return HTTP_OK;
}

/* Parses a run's parameters and finds its profile, device and model.
 * Returns an HTTP status. */
static int
resolve(const serve_server *sv, job *j, const serve_params *p, unsigned where, char *err,
        size_t cap)
{
    if (serve_request_parse(p, where, &j->rq, err, cap) < 0)
        return HTTP_BAD_REQUEST;
    if (!(j->sp = serve_find_profile(sv, j->rq.profile)))
        return unknown_profile(sv, j->rq.profile, err, cap);
    const char *hw = j->rq.hardware ? j->rq.hardware : sv->hardware;
    if (!(j->hw = lr_hwdb_find(j->sp->hwdb, hw))) {
        char near[512];
        lr_hwdb_suggest(j->sp->hwdb, hw, near, sizeof near);
        snprintf(
            err, cap, "unknown hardware '%s' in profile %s%s%s%s (see /api/hardware?profile=%s)",
            hw, j->sp->key, near[0] ? "; did you mean " : "", near, near[0] ? "?" : "", j->sp->key);
        return HTTP_BAD_REQUEST;
    }
    int status = resolve_model(sv, j, err, cap);
    lr_error e;
    /* the checkpoint's quantization (a bundled DeepSeek-V3 is FP8), under
     * the request's settings */
    if (status == HTTP_OK && lr_settings_apply_model(&j->rq.s, j->arch, &e) < 0) {
        lr_error_format(&e, err, cap);
        return HTTP_UNPROCESSABLE;
    }
    return status;
}

/* The notes of a repr as one header line: no control characters. */
static void
set_note(serve_reply *rp, const char *notes)
{
    size_t o = 0;
    for (const char *p = notes; p && *p && o + 3 < sizeof rp->note; p++) {
        if (*p == '\n') {
            if (p[1] && o)
                o += (size_t)snprintf(rp->note + o, sizeof rp->note - o, "; ");
        } else {
            rp->note[o++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        }
    }
    rp->note[o] = '\0';
}

static int
eval_failed(const lr_error *e, serve_reply *rp)
{
    lr_error_format(e, rp->err, sizeof rp->err);
    return HTTP_UNPROCESSABLE;
}

static int
run_analyze(const job *j, serve_reply *rp, lr_result *r, lr_error *e)
{
    const serve_request *q = &j->rq;
    /* the engine preset's defaults; a default length cut to the context */
    lr_settings s = q->s;
    if (lr_settings_apply_engine(&s, j->sp->prof, e) < 0)
        return eval_failed(e, rp);
    lr_settings_fit_context(&s, j->arch);
    /* the settings an engine would refuse (lr_check_settings) */
    if (lr_check_settings(j->arch, j->hw, &s, s.seq_len, NULL, 0, e) < 0)
        return eval_failed(e, rp);
    if (lr_analyze(j->plan, j->sp->prof, j->hw, &s, q->do_prefill, q->do_decode, r, e) < 0)
        return eval_failed(e, rp);
    if (lr_report_write(rp->f, LR_FMT_JSON, r, j->plan, j->arch->name) < 0) {
        snprintf(rp->err, sizeof rp->err, "cannot write the reply");
        return HTTP_INTERNAL_ERROR;
    }
    return HTTP_OK;
}

static int
run_generate(const job *j, serve_reply *rp, lr_result *r, lr_error *e)
{
    const serve_request *q = &j->rq;
    lr_gen g;
    lr_settings s = q->s; /* with the engine preset's defaults */
    if (lr_settings_apply_engine(&s, j->sp->prof, e) < 0 ||
        lr_check_settings(j->arch, j->hw, &s, q->prompt + q->gen, NULL, 0, e) < 0 ||
        lr_generate(j->plan, j->sp->prof, j->hw, &s, q->prompt, q->gen, r, &g, e) < 0)
        return eval_failed(e, rp);
    lr_gen_write_json(rp->f, &g, j->plan, j->arch->name, j->hw, &s, j->sp->prof);
    return HTTP_OK;
}

/* Whether the job's plan has an op at `path` (r is sized by the plan, its
 * paths set before any analysis): an unknown path is the request's fault
 * (400), any other failure of the explanation the analysis' (422). */
static int
has_op(const lr_result *r, const char *path)
{
    for (size_t i = 0; i < r->stage[LR_PREFILL].nops; i++)
        if (strcmp(r->stage[LR_PREFILL].ops[i].path, path) == 0)
            return 1;
    return 0;
}

/* The library's explanation, lr_plan_explain_op (which compiles its own
 * plan to find the op's bindings), as `llmroof explain --format json`. */
static int
run_op(const job *j, serve_reply *rp, lr_result *r, lr_error *e)
{
    const serve_request *q = &j->rq;
    if (!q->path) {
        snprintf(rp->err, sizeof rp->err, "path: required (an op's path from /api/analyze)");
        return HTTP_BAD_REQUEST;
    }
    lr_settings s = q->s; /* as /api/analyze: the engine's defaults, the context */
    if (lr_settings_apply_engine(&s, j->sp->prof, e) < 0)
        return eval_failed(e, rp);
    lr_settings_fit_context(&s, j->arch);
    lr_explain *x = lr_plan_explain_op(j->arch, j->sp->prof, j->hw, &s, q->path, e);
    if (!x && !has_op(r, q->path)) {
        snprintf(rp->err, sizeof rp->err, "%s", e->msg);
        return HTTP_BAD_REQUEST;
    }
    if (!x)
        return eval_failed(e, rp);
    lr_jw w;
    lr_jw_init(&w, rp->f, 1);
    lr_jw_explain(&w, x);
    lr_explain_free(x);
    return HTTP_OK;
}

/* The requests of a simulation, as `llmroof simulate` makes them: fixed
 * lengths (the same PRNG draws the Poisson arrivals) or a bundled
 * workload's draw. The source's words are the CLI's. */
static int
sim_requests(const char *data_dir, const serve_sim *m, lr_sim_request **reqs, size_t *n,
             char *source, size_t scap, lr_error *e)
{
    *n = (size_t)m->num;
    const char *name = m->workload ? m->workload : "sharegpt";
    snprintf(source, scap, "%s, Poisson arrivals", m->prompt > 0 ? "fixed lengths" : name);
    if (m->prompt > 0) {
        uint64_t st[4];
        lr_rng_seed(st, (uint64_t)m->seed);
        lr_sim_request *r = calloc(*n, sizeof *r);
        if (!r)
            abort();
        double t = 0;
        for (size_t i = 0; i < *n; i++) {
            if (i > 0)
                t += -log(1 - lr_rng_uniform(st)) / m->rate;
            lr_sim_request q = {t, m->prompt, m->output, -1};
            r[i] = q;
        }
        *reqs = r;
        return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/workloads/%s.json", data_dir, name);
    FILE *f = fopen(path, "r");
    if (!f) { /* the request's fault, and the server's paths are not the client's business */
        memset(e, 0, sizeof *e);
        snprintf(e->msg, sizeof e->msg, "unknown workload '%s' (see data/workloads/)", name);
        return -1;
    }
    fclose(f);
    return lr_workload_requests(path, m->rate, *n, (uint64_t)m->seed, reqs, e);
}

/* /api/simulate: lr_simulate on the request's deployment, replied with
 * lr_jw_simulation, as `llmroof simulate --format json`. */
static int
run_simulate(const job *j, const char *data_dir, serve_reply *rp, lr_error *e)
{
    const serve_sim *m = &j->rq.sim;
    lr_sim_request *reqs = NULL;
    size_t n = 0;
    char source[512];
    if (sim_requests(data_dir, m, &reqs, &n, source, sizeof source, e) < 0) {
        snprintf(rp->err, sizeof rp->err, "workload: %s", e->msg);
        return HTTP_BAD_REQUEST;
    }
    lr_sim_result r;
    memset(&r, 0, sizeof r);
    int st = HTTP_OK;
    lr_settings s = j->rq.s; /* with the engine preset's defaults, as the CLI */
    if (lr_settings_apply_engine(&s, j->sp->prof, e) < 0 ||
        lr_simulate(j->plan, j->sp->prof, j->hw, &s, &m->c, reqs, n, &r, e) < 0) {
        st = eval_failed(e, rp);
    } else {
        lr_sim_report rep = {j->arch->name, j->hw,   j->sp->prof, &s, &m->c,
                             source,        m->rate, m->seed,     &r};
        lr_jw w;
        lr_jw_init(&w, rp->f, 1);
        lr_jw_simulation(&w, &rep);
        fputc('\n', rp->f);
    }
    lr_sim_result_free(&r);
    free(reqs);
    return st;
}

static int
api_simulate(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    job j;
    memset(&j, 0, sizeof j);
    int st = resolve(sv, &j, p, W_SIMULATE, rp->err, sizeof rp->err);
    if (st == HTTP_OK) {
        lr_error e;
        memset(&e, 0, sizeof e);
        st = run_simulate(&j, sv->data_dir, rp, &e);
    }
    if (st == HTTP_OK && j.notes)
        set_note(rp, j.notes);
    job_free(&j);
    return st;
}

typedef int (*job_fn)(const job *j, serve_reply *rp, lr_result *r, lr_error *e);

static int
run_job(const serve_server *sv, const serve_params *p, serve_reply *rp, unsigned where, job_fn fn)
{
    job j;
    memset(&j, 0, sizeof j);
    int st = resolve(sv, &j, p, where, rp->err, sizeof rp->err);
    if (st == HTTP_OK) {
        lr_error e;
        memset(&e, 0, sizeof e);
        lr_result *r = lr_result_new(j.plan);
        st = fn(&j, rp, r, &e);
        lr_result_free(r);
    }
    if (st == HTTP_OK && j.notes)
        set_note(rp, j.notes);
    job_free(&j);
    return st;
}

static int
api_analyze(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    return run_job(sv, p, rp, W_ANALYZE, run_analyze);
}

static int
api_generate(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    return run_job(sv, p, rp, W_GENERATE, run_generate);
}

static int
api_op(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    return run_job(sv, p, rp, W_OP, run_op);
}

/* A listing's request and its profile (the default one unless named);
 * NULL after an error. */
static const serve_profile *
list_profile(const serve_server *sv, const serve_params *p, unsigned where, serve_request *rq,
             serve_reply *rp)
{
    if (serve_request_parse(p, where, rq, rp->err, sizeof rp->err) < 0)
        return NULL;
    const serve_profile *sp = serve_find_profile(sv, rq->profile);
    if (!sp)
        unknown_profile(sv, rq->profile, rp->err, sizeof rp->err);
    return sp;
}

static int
api_profiles(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    serve_request rq;
    if (serve_request_parse(p, 0, &rq, rp->err, sizeof rp->err) < 0)
        return HTTP_BAD_REQUEST;
    lr_jw w;
    lr_jw_init(&w, rp->f, 1);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "default", sv->profiles[sv->def].key);
    lr_jw_key(&w, "profiles");
    lr_jw_arr(&w);
    for (size_t i = 0; i < sv->nprofiles; i++)
        lr_jw_str(&w, sv->profiles[i].key);
    lr_jw_end_arr(&w);
    lr_jw_end_obj(&w);
    return HTTP_OK;
}

static int
api_models(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    serve_request rq;
    const serve_profile *sp = list_profile(sv, p, W_LIST, &rq, rp);
    if (!sp)
        return HTTP_BAD_REQUEST;
    lr_jw w;
    lr_jw_init(&w, rp->f, 1);
    lr_jw_models(&w, sp->key, sv->model, sp->models, sp->nmodels);
    return HTTP_OK;
}

static int
api_hardware(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    serve_request rq;
    const serve_profile *sp = list_profile(sv, p, W_LIST, &rq, rp);
    if (!sp)
        return HTTP_BAD_REQUEST;
    lr_jw w;
    lr_jw_init(&w, rp->f, 1);
    lr_jw_hardware(&w, sp->key, sv->hardware, sp->hwdb);
    return HTTP_OK;
}

/* The profile's engine presets: the page's engine list. */
static int
api_engines(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    serve_request rq;
    const serve_profile *sp = list_profile(sv, p, W_LIST, &rq, rp);
    if (!sp)
        return HTTP_BAD_REQUEST;
    lr_jw w;
    lr_jw_init(&w, rp->f, 1);
    lr_jw_engines(&w, sp->key, sp->prof);
    return HTTP_OK;
}

static int
api_formulas(const serve_server *sv, const serve_params *p, serve_reply *rp)
{
    serve_request rq;
    const serve_profile *sp = list_profile(sv, p, W_FORMULAS, &rq, rp);
    if (!sp)
        return HTTP_BAD_REQUEST;
    if (!rq.cls) {
        snprintf(rp->err, sizeof rp->err, "class: required (a module class or alias)");
        return HTTP_BAD_REQUEST;
    }
    const lr_db *db = lr_profile_db(sp->prof);
    const lr_module *m = lr_db_lookup(db, rq.cls);
    if (!m) {
        lr_error e;
        memset(&e, 0, sizeof e);
        lr_db_unknown_class(db, rq.cls, &e);
        snprintf(rp->err, sizeof rp->err, "%s", e.msg);
        return HTTP_BAD_REQUEST;
    }
    lr_jw w;
    lr_jw_init(&w, rp->f, 1);
    lr_jw_module(&w, m, 0);
    return HTTP_OK;
}

static const serve_route routes[] = {
    {"/api/profiles", 0, api_profiles}, {"/api/models", 0, api_models},
    {"/api/hardware", 0, api_hardware}, {"/api/engines", 0, api_engines},
    {"/api/formulas", 0, api_formulas}, {"/api/analyze", 1, api_analyze},
    {"/api/generate", 1, api_generate}, {"/api/op", 1, api_op},
    {"/api/simulate", 1, api_simulate},
};

enum { NROUTES = sizeof routes / sizeof routes[0] };

const serve_route *
serve_route_find(const char *url)
{
    for (size_t i = 0; i < NROUTES; i++)
        if (strcmp(routes[i].path, url) == 0)
            return &routes[i];
    return NULL;
}

size_t
serve_route_count(void)
{
    return NROUTES;
}

const serve_route *
serve_route_at(size_t i)
{
    return i < NROUTES ? &routes[i] : NULL;
}

int
serve_api(const serve_server *sv, const serve_route *rt, const serve_params *p, serve_reply *rp,
          char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!(rp->f = open_memstream(out, len))) {
        snprintf(rp->err, sizeof rp->err, "out of memory");
        return HTTP_INTERNAL_ERROR;
    }
    int st = rt->run(sv, p, rp);
    if (fclose(rp->f) != 0 && st == HTTP_OK) {
        snprintf(rp->err, sizeof rp->err, "cannot write the reply");
        st = HTTP_INTERNAL_ERROR;
    }
    rp->f = NULL;
    return st;
}
