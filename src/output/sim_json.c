/*
 * sim_json.c: the JSON object of a serving simulation, as `llmroof simulate
 * --format json` writes it and /api/simulate replies with it (one writer,
 * so the two are the same byte for byte): the model, device, profile and
 * engine, the settings given, how the requests were made, the latency
 * statistics, throughput, goodput, preemptions, instance 0's KV use and
 * batch size over time, and the latency distributions as percentiles 1 to
 * 100 (docs/simulate.md).
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "llmroof.h"
#include "output/output.h"

static void
jw_stat(lr_jw *w, const char *key, const lr_sim_stat *s)
{
    lr_jw_key(w, key);
    lr_jw_obj(w);
    lr_jw_knum(w, "mean", s->mean);
    lr_jw_knum(w, "p50", s->p50);
    lr_jw_knum(w, "p90", s->p90);
    lr_jw_knum(w, "p99", s->p99);
    lr_jw_end_obj(w);
}

static void
jw_series(lr_jw *w, const char *key, const double *v, size_t n)
{
    lr_jw_key(w, key);
    lr_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        lr_jw_num(w, v[i]);
    lr_jw_end_arr(w);
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One latency's distribution: its nearest-rank percentiles 1 .. 100 (the
 * value at rank ceil(k n / 100) of the n finite values), an empty list
 * when none is finite. */
static void
jw_cdf(lr_jw *w, const char *key, const lr_sim_result *r, size_t field)
{
    double *v = malloc((r->nreq + 1) * sizeof *v);
    if (!v)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < r->nreq; i++) {
        double x = *(const double *)((const char *)&r->req[i] + field);
        if (isfinite(x))
            v[n++] = x;
    }
    qsort(v, n, sizeof *v, cmp_d);
    lr_jw_key(w, key);
    lr_jw_arr(w);
    for (size_t k = 1; n && k <= 100; k++) {
        size_t rank = (k * n + 99) / 100;
        lr_jw_num(w, v[rank - 1]);
    }
    lr_jw_end_arr(w);
    free(v);
}

/* How the requests were made and served. */
static void
jw_how(lr_jw *w, const lr_sim_report *x)
{
    const lr_sim_config *c = x->config;
    lr_jw_key(w, "simulation");
    lr_jw_obj(w);
    lr_jw_kstr(w, "requests_from", x->source);
    lr_jw_knum(w, "rate_per_s", x->rate);
    lr_jw_knum(w, "seed", x->seed);
    lr_jw_knum(w, "max_num_seqs", c->max_num_seqs);
    lr_jw_knum(w, "kv_blocks", x->result->kv_blocks);
    lr_jw_knum(w, "prefix_hit", c->prefix_hit);
    lr_jw_knum(w, "spec_tokens", c->spec_tokens);
    lr_jw_knum(w, "spec_accept", c->spec_accept);
    lr_jw_knum(w, "replicas", c->disagg_prefill ? 0 : c->replicas);
    lr_jw_kstr(w, "route", c->route == LR_ROUTE_LEAST_LOADED ? "least-loaded" : "round-robin");
    lr_jw_knum(w, "disagg_prefill", c->disagg_prefill);
    lr_jw_knum(w, "disagg_decode", c->disagg_decode);
    lr_jw_knum(w, "slo_ttft_s", c->slo_ttft_s > 0 ? c->slo_ttft_s : NAN);
    lr_jw_knum(w, "slo_tpot_s", c->slo_tpot_s > 0 ? c->slo_tpot_s : NAN);
    lr_jw_end_obj(w);
}

void
lr_jw_simulation(lr_jw *w, const lr_sim_report *x)
{
    const lr_sim_result *r = x->result;
    lr_jw_obj(w);
    lr_jw_kstr(w, "model", x->model);
    lr_jw_kstr(w, "hardware", x->hw->id);
    lr_jw_kstr(w, "profile", lr_profile_name(x->prof));
    lr_jw_kstr(w, "engine", r->engine);
    lr_jw_key(w, "settings");
    lr_jw_obj(w);
    lr_jw_settings(w, x->settings, "batch,seq_len");
    lr_jw_end_obj(w);
    jw_how(w, x);
    lr_jw_knum(w, "requests", (double)r->nreq);
    jw_stat(w, "ttft_s", &r->ttft_s);
    jw_stat(w, "tpot_s", &r->tpot_s);
    jw_stat(w, "itl_s", &r->itl_s);
    jw_stat(w, "e2e_s", &r->e2e_s);
    jw_stat(w, "queue_s", &r->queue_s);
    lr_jw_knum(w, "duration_s", r->duration_s);
    lr_jw_knum(w, "requests_per_s", r->requests_per_s);
    lr_jw_knum(w, "output_tokens_per_s", r->output_tokens_per_s);
    lr_jw_knum(w, "total_tokens_per_s", r->total_tokens_per_s);
    lr_jw_knum(w, "goodput_requests_per_s", r->goodput_requests_per_s);
    lr_jw_knum(w, "slo_met", r->slo_met);
    lr_jw_knum(w, "preemptions", r->preemptions);
    lr_jw_knum(w, "steps", r->steps);
    lr_jw_knum(w, "mean_batch", r->mean_batch);
    lr_jw_knum(w, "prefill_tokens", r->prefill_tokens);
    lr_jw_knum(w, "kv_tokens", r->kv_tokens);
    lr_jw_knum(w, "instances", r->instances);
    lr_jw_knum(w, "devices", r->devices);
    lr_jw_key(w, "kv_use");
    lr_jw_obj(w);
    jw_series(w, "t_s", r->series_t, r->nseries);
    jw_series(w, "share", r->series_kv, r->nseries);
    jw_series(w, "batch", r->series_batch, r->nseries);
    lr_jw_end_obj(w);
    lr_jw_key(w, "cdf");
    lr_jw_obj(w);
    jw_cdf(w, "ttft_s", r, offsetof(lr_sim_req_result, ttft_s));
    jw_cdf(w, "tpot_s", r, offsetof(lr_sim_req_result, tpot_s));
    jw_cdf(w, "e2e_s", r, offsetof(lr_sim_req_result, e2e_s));
    lr_jw_end_obj(w);
    lr_jw_end_obj(w);
}
