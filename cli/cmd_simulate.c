/*
 * cmd_simulate.c: `llmroof simulate`: serving under load (docs/simulate.md):
 * requests from a workload, a burst or a trace, served by one instance or
 * several (replicas, or disaggregated prefill and decode pools) scheduled
 * as vLLM's V1 engine does; latency percentiles, throughput, goodput,
 * preemptions, and the KV-cache use over time.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static char usage[8192];

static const opt_reject rejects[] = {
    {"seq-len", "requests bring their own lengths: --workload, --prompt-len/--output-len, --trace"},
    {"stage", "a simulation runs prompts and decode steps as they come"},
    {"batch", "the batch forms from the requests; --max-num-seqs caps it"},
    {NULL, NULL}};

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof simulate [MODEL] [options]\n"
             "\n"
             "Serves a stream of requests and reports TTFT, TPOT, inter-token and\n"
             "end-to-end latency (mean, p50, p90, p99), throughput, goodput under\n"
             "--slo-ttft/--slo-tpot, queueing delay and preemptions. Each instance\n"
             "schedules as vLLM V1 does (continuous batching, chunked prefill within\n"
             "--max-batched-tokens, paged KV blocks of --kv-block-size with preemption\n"
             "by recompute, prefix caching); each step takes the expected time of\n"
             "its batch under --engine (docs/simulate.md). --format table, json, csv\n"
             "(one row per request); --svg FILE: latency CDFs, KV use and batch size;\n"
             "--html FILE: all of it as one page.\n"
             "\n"
             "Requests (default: 1000 of --workload sharegpt at --rate 10):\n"
             "  --workload NAME     length distribution, data/workloads/NAME.json\n"
             "  --prompt-len P      every prompt P tokens (with --output-len G)\n"
             "  --output-len G      every request generates G tokens\n"
             "  --num-requests N    requests to draw (default 1000)\n"
             "  --rate R            Poisson arrivals, R requests/s (default 10)\n"
             "  --burst N           N requests all at time 0 instead\n"
             "  --seed N            the random draw (default 0)\n"
             "  --trace FILE.csv    columns arrival_s, prompt_len, output_len[, prefix_len]\n"
             "Serving:\n"
             "  --max-num-seqs N    sequences per step (default 256)\n"
             "  --kv-blocks N       KV blocks per instance (default: the memory plan's)\n"
             "  --prefix-hit F      share of each prompt found in the prefix cache\n"
             "  --spec-tokens K     speculative tokens per step, accepted each with\n"
             "  --spec-accept P     probability P (a K + 1-token verify pass)\n"
             "  --replicas N        instances behind a router (default 1)\n"
             "  --route POLICY      round-robin (default) or least-loaded\n"
             "  --disagg P:D        P prefill and D decode instances, KV over the link\n"
             "  --slo-ttft T        goodput target for TTFT (50ms, 0.5s)\n"
             "  --slo-tpot T        goodput target for TPOT\n"
             "  --requests-csv FILE one row per request\n"
             "  --html FILE         one self-contained page: the percentiles, throughput,\n"
             "                      goodput, preemptions and the charts of --svg\n"
             "%s",
             analysis_opts_usage(rejects));
}

enum {
    O_WORKLOAD,
    O_PROMPT,
    O_OUTPUT,
    O_NUM,
    O_RATE,
    O_BURST,
    O_SEED,
    O_TRACE,
    O_SEQS,
    O_BLOCKS,
    O_PREFIX,
    O_SPEC_K,
    O_SPEC_P,
    O_REPLICAS,
    O_ROUTE,
    O_DISAGG,
    O_SLO_TTFT,
    O_SLO_TPOT,
    O_CSV,
    O_HTML,
    O_N
};
static const char *const opt_names[O_N] = {
    "--workload",   "--prompt-len",  "--output-len",  "--num-requests", "--rate",
    "--burst",      "--seed",        "--trace",       "--max-num-seqs", "--kv-blocks",
    "--prefix-hit", "--spec-tokens", "--spec-accept", "--replicas",     "--route",
    "--disagg",     "--slo-ttft",    "--slo-tpot",    "--requests-csv", "--html"};

static int
parse_number(const char *opt, const char *arg, double min, double max, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= min && v <= max)) {
        fprintf(stderr, "llmroof simulate: %s: expected a number from %g to %g, got '%s'\n", opt,
                min, max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct simopts {
    const char *v[O_N];
    lr_sim_config c;
    double prompt, output, num, rate, burst, seed;
} simopts;

static int
parse_disagg(const char *arg, lr_sim_config *c)
{
    int p, d, used = 0;
    if (sscanf(arg, "%d:%d%n", &p, &d, &used) != 2 || arg[used] || p < 1 || d < 1 || p > 1024 ||
        d > 1024) {
        fprintf(stderr,
                "llmroof simulate: --disagg: expected P:D, prefill and decode instances "
                "(1 to 1024 each), such as 1:3, got '%s'\n",
                arg);
        return -1;
    }
    c->disagg_prefill = p;
    c->disagg_decode = d;
    return 0;
}

/* The values of this command's options, checked. */
static int
parse_simopts(simopts *o)
{
    const char *const *v = o->v;
    lr_sim_config *c = &o->c;
    double x;
    o->num = 1000;
    o->rate = 10;
    if ((v[O_PROMPT] && cli_parse_whole("--prompt-len", v[O_PROMPT], 1, 1e9, &o->prompt) < 0) ||
        (v[O_OUTPUT] && cli_parse_whole("--output-len", v[O_OUTPUT], 1, 1e9, &o->output) < 0) ||
        (v[O_NUM] && cli_parse_whole("--num-requests", v[O_NUM], 1, 1e8, &o->num) < 0) ||
        (v[O_RATE] && parse_number("--rate", v[O_RATE], 1e-9, 1e9, &o->rate) < 0) ||
        (v[O_BURST] && cli_parse_whole("--burst", v[O_BURST], 1, 1e8, &o->burst) < 0) ||
        (v[O_SEED] && cli_parse_whole("--seed", v[O_SEED], 0, 9e15, &o->seed) < 0) ||
        (v[O_SEQS] && cli_parse_whole("--max-num-seqs", v[O_SEQS], 1, 1e6, &c->max_num_seqs) < 0) ||
        (v[O_BLOCKS] && cli_parse_whole("--kv-blocks", v[O_BLOCKS], 1, 1e12, &c->kv_blocks) < 0) ||
        (v[O_PREFIX] && parse_number("--prefix-hit", v[O_PREFIX], 0, 1, &c->prefix_hit) < 0) ||
        (v[O_SPEC_K] &&
         cli_parse_whole("--spec-tokens", v[O_SPEC_K], 0, 64, &c->spec_tokens) < 0) ||
        (v[O_SPEC_P] && parse_number("--spec-accept", v[O_SPEC_P], 0, 1, &c->spec_accept) < 0) ||
        (v[O_REPLICAS] && cli_parse_whole("--replicas", v[O_REPLICAS], 1, 4096, &x) < 0) ||
        (v[O_DISAGG] && parse_disagg(v[O_DISAGG], c) < 0) ||
        (v[O_SLO_TTFT] && cli_parse_time("--slo-ttft", v[O_SLO_TTFT], &c->slo_ttft_s) < 0) ||
        (v[O_SLO_TPOT] && cli_parse_time("--slo-tpot", v[O_SLO_TPOT], &c->slo_tpot_s) < 0))
        return -1;
    if (v[O_REPLICAS])
        c->replicas = (int)x;
    if (v[O_ROUTE]) {
        if (!strcmp(v[O_ROUTE], "least-loaded"))
            c->route = LR_ROUTE_LEAST_LOADED;
        else if (strcmp(v[O_ROUTE], "round-robin"))
            return cli_usage_error("simulate",
                                   "--route: expected round-robin or least-loaded, got '%s'",
                                   v[O_ROUTE]),
                   -1;
    }
    if ((v[O_PROMPT] != NULL) != (v[O_OUTPUT] != NULL))
        return cli_usage_error("simulate", "--prompt-len and --output-len go together"), -1;
    if (v[O_TRACE] && (v[O_WORKLOAD] || v[O_PROMPT] || v[O_RATE] || v[O_BURST] || v[O_NUM]))
        return cli_usage_error("simulate", "--trace brings arrivals and lengths: no --workload, "
                                           "--prompt-len, --rate, --burst or --num-requests"),
               -1;
    if (v[O_WORKLOAD] && v[O_PROMPT])
        return cli_usage_error("simulate", "--workload or --prompt-len/--output-len, not both"), -1;
    if (v[O_BURST] && v[O_RATE])
        return cli_usage_error("simulate", "--burst or --rate, not both"), -1;
    if (v[O_DISAGG] && v[O_REPLICAS])
        return cli_usage_error("simulate", "--disagg P:D sets the instances: no --replicas"), -1;
    if (v[O_SPEC_P] && !v[O_SPEC_K])
        return cli_usage_error("simulate", "--spec-accept needs --spec-tokens"), -1;
    return 0;
}

/* A named workload that is not bundled: the known names. */
static int
access_ok(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        return 0;
    }
    char dir[4096], known[1024] = "";
    snprintf(dir, sizeof dir, "%s/workloads", cli_data_dir);
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        size_t len = strlen(e->d_name), used = strlen(known);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json"))
            snprintf(known + used, sizeof known - used, "%s%.*s", used ? ", " : "", (int)(len - 5),
                     e->d_name);
    }
    if (d)
        closedir(d);
    fprintf(stderr, "llmroof simulate: --workload: unknown workload (no %s; known: %s)\n", path,
            known[0] ? known : "none");
    return -1;
}

/* The requests: a trace, fixed lengths, or a workload's draw. */
static int
make_requests(const simopts *o, lr_sim_request **reqs, size_t *n)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    if (o->v[O_TRACE]) {
        if (lr_sim_trace_load(o->v[O_TRACE], reqs, n, &err) < 0) {
            cli_print_error(&err);
            return EXIT_INPUT;
        }
        return EXIT_OK;
    }
    double rate = o->burst > 0 ? 0 : o->rate;
    *n = (size_t)(o->burst > 0 ? o->burst : o->num);
    const char *name = o->v[O_WORKLOAD] ? o->v[O_WORKLOAD] : "sharegpt";
    char path[4096];
    if (strchr(name, '/'))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/workloads/%s.json", cli_data_dir, name);
    if (o->prompt > 0) {
        /* fixed lengths: the same PRNG draws the arrivals */
        uint64_t s[4];
        lr_rng_seed(s, (uint64_t)o->seed);
        lr_sim_request *r = calloc(*n, sizeof *r);
        if (!r)
            abort();
        double t = 0;
        for (size_t i = 0; i < *n; i++) {
            if (i > 0 && rate > 0)
                t += -log(1 - lr_rng_uniform(s)) / rate;
            lr_sim_request q = {t, o->prompt, o->output, -1};
            r[i] = q;
        }
        *reqs = r;
        return EXIT_OK;
    }
    if (!strchr(name, '/') && access_ok(path) < 0)
        return EXIT_USAGE;
    if (lr_workload_requests(path, rate, *n, (uint64_t)o->seed, reqs, &err) < 0) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

typedef struct out {
    const analysis *a;
    const analysis_opts *ao;
    const simopts *o;
    const lr_sim_result *r;
    const char *source; /* the workload, "trace FILE" or "fixed" */
} out;

/* What the library's JSON and HTML writers take. */
static lr_sim_report
report_of(const out *x)
{
    const simopts *o = x->o;
    lr_sim_report rep = {x->a->arch->name,
                         x->a->hw,
                         x->a->prof,
                         &x->ao->s,
                         &o->c,
                         x->source,
                         o->v[O_TRACE] || o->burst > 0 ? NAN : o->rate,
                         o->seed,
                         x->r};
    return rep;
}

static void
json(FILE *f, const out *x)
{
    lr_sim_report rep = report_of(x);
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_simulation(&w, &rep);
    fputc('\n', f);
}

static void
stat_line(FILE *f, const char *li, const char *name, const lr_sim_stat *s)
{
    char b[4][32];
    const double v[4] = {s->mean, s->p50, s->p90, s->p99};
    for (int i = 0; i < 4; i++)
        lr_fmt_quantity(b[i], sizeof b[i], v[i], "s");
    fprintf(f, "%s%-22s %12s %12s %12s %12s\n", li, name, b[0], b[1], b[2], b[3]);
}

static void
table(FILE *f, const out *x, int md)
{
    const lr_sim_result *r = x->r;
    const char *li = md ? "- " : "  ";
    fprintf(f, "%s%s on %s: %zu requests (%s), engine %s, profile %s\n", md ? "## " : "",
            x->a->arch->name, x->a->hw->name, r->nreq, x->source, r->engine,
            lr_profile_name(x->a->prof));
    fprintf(f,
            "%s%.0f instance(s), %.0f device(s); KV cache %.0f blocks = %.0f tokens per "
            "instance\n",
            li, r->instances, r->devices, r->kv_blocks, r->kv_tokens);
    fprintf(f, "%s%-22s %12s %12s %12s %12s\n", li, "", "mean", "p50", "p90", "p99");
    stat_line(f, li, "time to first token", &r->ttft_s);
    stat_line(f, li, "time per output token", &r->tpot_s);
    stat_line(f, li, "inter-token latency", &r->itl_s);
    stat_line(f, li, "end-to-end latency", &r->e2e_s);
    stat_line(f, li, "queueing delay", &r->queue_s);
    fprintf(f, "%sthroughput             %.3f requests/s, %.1f output tokens/s (%.1f total)\n", li,
            r->requests_per_s, r->output_tokens_per_s, r->total_tokens_per_s);
    fprintf(f, "%sgoodput                %.3f requests/s (%.1f%% meet the SLOs)\n", li,
            r->goodput_requests_per_s, r->slo_met * 100);
    fprintf(f, "%ssteps                  %.0f, mean batch %.1f sequences, %.0f preemptions\n", li,
            r->steps, r->mean_batch, r->preemptions);
    char d[32];
    lr_fmt_quantity(d, sizeof d, r->duration_s, "s");
    fprintf(f, "%sduration               %s (first arrival to last token)\n", li, d);
}

/* One row per request (--requests-csv, --format csv). */
static int
write_requests(FILE *f, void *ud)
{
    const lr_sim_result *r = ((const out *)ud)->r;
    fputs("request,arrival_s,prompt_len,output_len,prefix_hit,scheduled_s,first_token_s,"
          "finish_s,ttft_s,tpot_s,e2e_s,queue_s,preemptions,instance\n",
          f);
    for (size_t i = 0; i < r->nreq; i++) {
        const lr_sim_req_result *q = &r->req[i];
        const double v[] = {q->arrival_s,       q->prompt,        q->output,   q->prefix_hit,
                            q->scheduled_s,     q->first_token_s, q->finish_s, q->ttft_s,
                            q->tpot_s,          q->e2e_s,         q->queue_s,  q->preemptions,
                            (double)q->instance};
        fprintf(f, "%zu", i + 1);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            char b[40];
            lr_fmt_double(b, sizeof b, v[k]);
            fprintf(f, ",%s", isfinite(v[k]) ? b : "");
        }
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

static int
write_sim(FILE *f, void *ud)
{
    const out *x = ud;
    switch (x->ao->fmt) {
    case LR_FMT_JSON: json(f, x); break;
    case LR_FMT_CSV: return write_requests(f, ud);
    case LR_FMT_MD: table(f, x, 1); break;
    default: table(f, x, 0); break;
    }
    return ferror(f) ? -1 : 0;
}

/* The charts of --svg and --html: CDFs of TTFT, TPOT and end-to-end
 * latency, then KV use and batch size of instance 0 over time. */
typedef struct svg_data {
    double *x[3], *y[3];
    size_t n[3];
    char title[512];
    const lr_sim_result *r;
    lr_series cdfs[3], kv, batch;
    lr_chart ch[4];
    const lr_sim_report *rep; /* --html */
} svg_data;

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void
cdf(svg_data *d, int k, size_t field)
{
    const lr_sim_result *r = d->r;
    d->x[k] = calloc(r->nreq + 1, sizeof(double));
    d->y[k] = calloc(r->nreq + 1, sizeof(double));
    if (!d->x[k] || !d->y[k])
        abort();
    size_t n = 0;
    for (size_t i = 0; i < r->nreq; i++) {
        double v = *(const double *)((const char *)&r->req[i] + field);
        if (isfinite(v))
            d->x[k][n++] = v;
    }
    qsort(d->x[k], n, sizeof(double), cmp_d);
    for (size_t i = 0; i < n; i++)
        d->y[k][i] = (double)(i + 1) / (double)n;
    d->n[k] = n;
}

static void
make_charts(svg_data *d, const out *x)
{
    const lr_sim_result *r = x->r;
    memset(d, 0, sizeof *d);
    d->r = r;
    cdf(d, 0, offsetof(lr_sim_req_result, ttft_s));
    cdf(d, 1, offsetof(lr_sim_req_result, tpot_s));
    cdf(d, 2, offsetof(lr_sim_req_result, e2e_s));
    snprintf(d->title, sizeof d->title, "%s on %s: %zu requests (%s)", x->a->arch->name,
             x->a->hw->name, r->nreq, x->source);
    lr_series cdfs[3] = {{"TTFT", d->x[0], d->y[0], d->n[0], NULL, 1, 0},
                         {"TPOT", d->x[1], d->y[1], d->n[1], NULL, 2, 0},
                         {"end-to-end", d->x[2], d->y[2], d->n[2], NULL, 3, 0}};
    lr_series kv = {"KV blocks in use", r->series_t, r->series_kv, r->nseries, NULL, 1, 0};
    lr_series batch = {"sequences per step", r->series_t, r->series_batch, r->nseries, NULL, 2, 0};
    memcpy(d->cdfs, cdfs, sizeof cdfs);
    d->kv = kv;
    d->batch = batch;
    lr_chart ch[4] = {{"Latency CDFs: TTFT and TPOT",
                       {"latency", "s", 1, 0, NULL},
                       {"share of requests", "", 0, 0, NULL},
                       d->cdfs,
                       2},
                      {"Latency CDF: end to end",
                       {"latency", "s", 1, 0, NULL},
                       {"share of requests", "", 0, 0, NULL},
                       &d->cdfs[2],
                       1},
                      {"KV cache in use (instance 1)",
                       {"time", "s", 0, 0, NULL},
                       {"share of blocks", "", 0, 0, NULL},
                       &d->kv,
                       1},
                      {"Batch size (instance 1)",
                       {"time", "s", 0, 0, NULL},
                       {"sequences", "", 0, 0, NULL},
                       &d->batch,
                       1}};
    memcpy(d->ch, ch, sizeof ch);
}

static int
write_svg(FILE *f, void *ud)
{
    svg_data *d = ud;
    return lr_svg_lines(f, d->ch, 4, d->title, 0);
}

static int
write_html(FILE *f, void *ud)
{
    svg_data *d = ud;
    return lr_html_simulation(f, d->rep, d->ch, 4);
}

/* --svg and --html. */
static int
sim_charts(const out *x)
{
    svg_data d;
    make_charts(&d, x);
    int rc = EXIT_OK;
    if (x->ao->svg)
        rc = cli_write_output(x->ao->svg, write_svg, &d);
    if (rc == EXIT_OK && x->o->v[O_HTML]) {
        lr_sim_report rep = report_of(x);
        d.rep = &rep;
        rc = cli_write_output(x->o->v[O_HTML], write_html, &d);
    }
    for (int k = 0; k < 3; k++)
        free(d.x[k]), free(d.y[k]);
    return rc;
}

static int
run(analysis *a, const analysis_opts *ao, simopts *o)
{
    lr_sim_request *reqs = NULL;
    size_t n = 0;
    int rc = make_requests(o, &reqs, &n);
    if (rc != EXIT_OK)
        return rc;
    char source[512];
    if (o->v[O_TRACE])
        snprintf(source, sizeof source, "trace %s", o->v[O_TRACE]);
    else
        snprintf(source, sizeof source, "%s, %s",
                 o->prompt > 0      ? "fixed lengths"
                 : o->v[O_WORKLOAD] ? o->v[O_WORKLOAD]
                                    : "sharegpt",
                 o->burst > 0 ? "all at once" : "Poisson arrivals");
    lr_sim_result r;
    lr_error err;
    memset(&err, 0, sizeof err);
    if (lr_simulate(a->plan, a->prof, a->hw, &ao->s, &o->c, reqs, n, &r, &err) < 0) {
        cli_print_error(&err);
        rc = EXIT_EVAL;
    } else {
        out x = {a, ao, o, &r, source};
        rc = cli_write_output(ao->out, write_sim, &x);
        if (rc == EXIT_OK && o->v[O_CSV])
            rc = cli_write_output(o->v[O_CSV], write_requests, &x);
        if (rc == EXIT_OK && (ao->svg || o->v[O_HTML]))
            rc = sim_charts(&x);
    }
    lr_sim_result_free(&r);
    free(reqs);
    return rc;
}

int
cmd_simulate(int argc, char **argv)
{
    analysis_opts ao;
    simopts o;
    int rc;
    memset(&o, 0, sizeof o);
    lr_sim_config_default(&o.c);
    build_usage();
    if (cli_take_opts("simulate", &argc, argv, opt_names, O_N, o.v) < 0 || parse_simopts(&o) < 0)
        return EXIT_USAGE;
    if (analysis_opts_parse("simulate", usage, rejects, argc, argv, &ao, &rc) < 0)
        return rc;
    if (ao.nprofiles > 1)
        return cli_usage_error("simulate", "one --profile only");
    analysis a;
    rc = analysis_run(&a, &ao, ao.nprofiles ? ao.profiles[0] : NULL);
    if (rc == EXIT_OK)
        rc = run(&a, &ao, &o);
    analysis_free(&a);
    return rc;
}
