/*
 * cmd_capacity.c: `llmroof serve-plan --rate R --slo-ttft T --slo-tpot T`:
 * capacity planning by simulation (docs/simulate.md): devices, tensor
 * parallelism, sequence limits, aggregated and disaggregated layouts; the
 * cheapest configurations that meet the SLOs at a percentile and the Pareto
 * front of tokens/s per device against tokens/s per user.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const char usage[] =
    "usage: llmroof serve-plan [MODEL] --rate R [--slo-ttft T] [--slo-tpot T] [options]\n"
    "\n"
    "Capacity planning: for each device, --tp and --pp degree, expert split (a\n"
    "MoE model: ep 1 and ep = tp) and --max-num-seqs value,\n"
    "the fewest instances (aggregated replicas, or decode instances beside 1, 2\n"
    "or 4 prefill instances) whose simulation of the workload at R requests/s\n"
    "meets the targets at --percentile; the cheapest first, and the Pareto\n"
    "front of output tokens/s per device against tokens/s per user (1 / mean\n"
    "TPOT). Each simulation is `llmroof simulate` (docs/simulate.md).\n"
    "\n"
    "  --rate R              requests/s to serve (required for this mode)\n"
    "  --slo-ttft T          TTFT target (200ms, 0.5s); --slo-tpot T: TPOT target\n"
    "  --percentile P        50, 90 (default) or 99\n"
    "  --devices LIST        hardware ids (default a100-80gb,h100-sxm,h200)\n"
    "  --tp LIST             tensor-parallel degrees (default 1,2,4,8)\n"
    "  --pp LIST             pipeline degrees (default 1,2; where the model splits)\n"
    "  --no-expert-parallel  a MoE model: ep 1 only (default: also ep = tp)\n"
    "  --max-num-seqs LIST   sequence limits (default 64,256)\n"
    "  --max-instances N     per configuration (default 16)\n"
    "  --no-disagg           aggregated layouts only\n"
    "  --workload NAME       lengths (default sharegpt), --num-requests N (500),\n"
    "  --seed N              and the draw's seed (0)\n"
    "  --format table|json   --svg FILE: the front as a chart; -o FILE\n"
    "Other analysis options (--engine, --w-bit, --mem-util, ...) apply to every\n"
    "instance.\n";

enum { C_RATE, C_TTFT, C_TPOT, C_PCT, C_DEV, C_TP, C_SEQS, C_MAXI, C_WL, C_NUM, C_SEED, C_PP, C_N };
static const char *const names[C_N] = {
    "--rate",         "--slo-ttft",      "--slo-tpot", "--percentile",   "--devices", "--tp",
    "--max-num-seqs", "--max-instances", "--workload", "--num-requests", "--seed",    "--pp"};

/* A comma-separated list of whole numbers in [lo, hi]: at most cap. */
static int
parse_list(const char *opt, const char *arg, double lo, double hi, double *v, size_t cap, size_t *n)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", arg);
    *n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n == cap || cli_parse_whole(opt, t, lo, hi, &v[*n]) < 0) {
            if (*n == cap)
                fprintf(stderr, "llmroof serve-plan: %s: at most %zu values\n", opt, cap);
            return -1;
        }
        (*n)++;
    }
    return *n ? 0 : -1;
}

typedef struct capopts {
    const char *v[C_N];
    double rate, pct, num, seed, maxi;
    double tp[8], seqs[8], pp[8];
    size_t ntp, nseqs, npp;
    int disagg, expert_parallel;
    lr_sim_config c;
} capopts;

static int
parse(capopts *o, int *argc, char **argv)
{
    int k = 1;
    o->disagg = o->expert_parallel = 1;
    for (int i = 1; i < *argc; i++)
        if (!strcmp(argv[i], "--no-disagg"))
            o->disagg = 0;
        else if (!strcmp(argv[i], "--no-expert-parallel"))
            o->expert_parallel = 0;
        else
            argv[k++] = argv[i];
    *argc = k;
    argv[k] = NULL;
    if (cli_take_opts("serve-plan", argc, argv, names, C_N, o->v) < 0)
        return -1;
    const char *const *v = o->v;
    o->pct = 90;
    o->num = 500;
    o->maxi = 16;
    o->tp[0] = 1, o->tp[1] = 2, o->tp[2] = 4, o->tp[3] = 8, o->ntp = 4;
    o->seqs[0] = 64, o->seqs[1] = 256, o->nseqs = 2;
    o->pp[0] = 1, o->pp[1] = 2, o->npp = 2;
    lr_sim_config_default(&o->c);
    char *end;
    o->rate = strtod(v[C_RATE], &end);
    if (end == v[C_RATE] || *end || !(o->rate > 0 && o->rate <= 1e6)) {
        fprintf(stderr, "llmroof serve-plan: --rate: expected requests/s > 0, got '%s'\n",
                v[C_RATE]);
        return -1;
    }
    if ((v[C_TTFT] && cli_parse_time("--slo-ttft", v[C_TTFT], &o->c.slo_ttft_s) < 0) ||
        (v[C_TPOT] && cli_parse_time("--slo-tpot", v[C_TPOT], &o->c.slo_tpot_s) < 0) ||
        (v[C_PCT] && cli_parse_whole("--percentile", v[C_PCT], 50, 99, &o->pct) < 0) ||
        (v[C_TP] && parse_list("--tp", v[C_TP], 1, 64, o->tp, 8, &o->ntp) < 0) ||
        (v[C_PP] && parse_list("--pp", v[C_PP], 1, 64, o->pp, 8, &o->npp) < 0) ||
        (v[C_SEQS] &&
         parse_list("--max-num-seqs", v[C_SEQS], 1, 65536, o->seqs, 8, &o->nseqs) < 0) ||
        (v[C_MAXI] && cli_parse_whole("--max-instances", v[C_MAXI], 1, 1024, &o->maxi) < 0) ||
        (v[C_NUM] && cli_parse_whole("--num-requests", v[C_NUM], 10, 1e6, &o->num) < 0) ||
        (v[C_SEED] && cli_parse_whole("--seed", v[C_SEED], 0, 9e15, &o->seed) < 0))
        return -1;
    if (o->pct != 50 && o->pct != 90 && o->pct != 99) {
        fprintf(stderr, "llmroof serve-plan: --percentile: expected 50, 90 or 99, got '%s'\n",
                v[C_PCT]);
        return -1;
    }
    if (!v[C_TTFT] && !v[C_TPOT]) {
        fprintf(stderr, "llmroof serve-plan: --rate needs a target: --slo-ttft and/or "
                        "--slo-tpot\n");
        return -1;
    }
    return 0;
}

typedef struct out {
    const analysis *a;
    const analysis_opts *ao;
    const capopts *o;
    const lr_cap_config *cf;
    int n;
} out;

static void
layout(char *buf, size_t cap, const lr_cap_config *c)
{
    if (c->prefill)
        snprintf(buf, cap, "disagg %d:%d", c->prefill, c->decode);
    else
        snprintf(buf, cap, "%d replica%s", c->replicas, c->replicas > 1 ? "s" : "");
}

static void
jw_config(lr_jw *w, const lr_cap_config *c)
{
    char buf[64];
    lr_jw_obj(w);
    lr_jw_kstr(w, "hardware", c->hw->id);
    lr_jw_knum(w, "devices", c->devices);
    lr_jw_knum(w, "tp", c->tp);
    lr_jw_knum(w, "pp", c->pp);
    lr_jw_knum(w, "ep", c->ep);
    lr_jw_knum(w, "max_num_seqs", c->max_num_seqs);
    lr_jw_kstr(w, "layout", c->prefill ? "disaggregated" : "aggregated");
    layout(buf, sizeof buf, c);
    lr_jw_kstr(w, "instances", buf);
    lr_jw_knum(w, "replicas", c->replicas);
    lr_jw_knum(w, "prefill_instances", c->prefill);
    lr_jw_knum(w, "decode_instances", c->decode);
    lr_jw_kbool(w, "meets_slo", c->meets_slo);
    lr_jw_knum(w, "tokens_per_s_per_gpu", c->tokens_per_s_per_gpu);
    lr_jw_knum(w, "tokens_per_s_per_user", c->tokens_per_s_per_user);
    const lr_sim_stat *st[2] = {&c->ttft_s, &c->tpot_s};
    const char *key[2] = {"ttft_s", "tpot_s"};
    for (int i = 0; i < 2; i++) {
        lr_jw_key(w, key[i]);
        lr_jw_obj(w);
        lr_jw_knum(w, "mean", st[i]->mean);
        lr_jw_knum(w, "p50", st[i]->p50);
        lr_jw_knum(w, "p90", st[i]->p90);
        lr_jw_knum(w, "p99", st[i]->p99);
        lr_jw_end_obj(w);
    }
    lr_jw_end_obj(w);
}

static void
json(FILE *f, const out *x)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "model", x->a->arch->name);
    lr_jw_kstr(&w, "profile", lr_profile_name(x->a->prof));
    lr_jw_key(&w, "settings");
    lr_jw_obj(&w);
    lr_jw_settings(&w, &x->ao->s, "batch,seq_len,tp,pp,ep");
    lr_jw_end_obj(&w);
    lr_jw_knum(&w, "rate_per_s", x->o->rate);
    lr_jw_knum(&w, "slo_ttft_s", x->o->c.slo_ttft_s > 0 ? x->o->c.slo_ttft_s : NAN);
    lr_jw_knum(&w, "slo_tpot_s", x->o->c.slo_tpot_s > 0 ? x->o->c.slo_tpot_s : NAN);
    lr_jw_knum(&w, "percentile", x->o->pct);
    lr_jw_kstr(&w, "workload", x->o->v[C_WL] ? x->o->v[C_WL] : "sharegpt");
    lr_jw_knum(&w, "num_requests", x->o->num);
    lr_jw_knum(&w, "seed", x->o->seed);
    for (int pass = 0; pass < 2; pass++) {
        lr_jw_key(&w, pass ? "pareto" : "configurations");
        lr_jw_arr(&w);
        for (int i = 0; i < x->n; i++)
            if (!pass || x->cf[i].pareto)
                jw_config(&w, &x->cf[i]);
        lr_jw_end_arr(&w);
    }
    lr_jw_end_obj(&w);
    fputc('\n', f);
}

static void
table(FILE *f, const out *x)
{
    fprintf(f,
            "%s at %g requests/s, p%.0f targets: TTFT %s, TPOT %s (workload %s, %.0f requests)\n",
            x->a->arch->name, x->o->rate, x->o->pct, x->o->v[C_TTFT] ? x->o->v[C_TTFT] : "none",
            x->o->v[C_TPOT] ? x->o->v[C_TPOT] : "none", x->o->v[C_WL] ? x->o->v[C_WL] : "sharegpt",
            x->o->num);
    fprintf(f, "  %-10s %4s %3s %3s %3s %5s %-15s %4s %12s %12s %11s %11s\n", "device", "gpus",
            "tp", "pp", "ep", "seqs", "instances", "slo", "tok/s/gpu", "tok/s/user", "ttft",
            "tpot");
    for (int i = 0; i < x->n; i++) {
        const lr_cap_config *c = &x->cf[i];
        char lay[64], t1[32], t2[32];
        layout(lay, sizeof lay, c);
        const double p = x->o->pct;
        lr_fmt_quantity(t1, sizeof t1,
                        p == 50   ? c->ttft_s.p50
                        : p == 90 ? c->ttft_s.p90
                                  : c->ttft_s.p99,
                        "s");
        lr_fmt_quantity(t2, sizeof t2,
                        p == 50   ? c->tpot_s.p50
                        : p == 90 ? c->tpot_s.p90
                                  : c->tpot_s.p99,
                        "s");
        fprintf(f, "  %-10s %4.0f %3.0f %3.0f %3.0f %5.0f %-15s %4s %12.1f %12.1f %11s %11s%s\n",
                c->hw->id, c->devices, c->tp, c->pp, c->ep, c->max_num_seqs, lay,
                c->meets_slo ? "yes" : "no", c->tokens_per_s_per_gpu, c->tokens_per_s_per_user, t1,
                t2, c->pareto ? "  pareto" : "");
    }
}

static int
write_out(FILE *f, void *ud)
{
    const out *x = ud;
    if (x->ao->fmt == LR_FMT_JSON)
        json(f, x);
    else
        table(f, x);
    return ferror(f) ? -1 : 0;
}

typedef struct svg {
    const out *x;
    double *gx, *gy;
    size_t n;
} svg;

static int
write_svg(FILE *f, void *ud)
{
    const svg *d = ud;
    lr_series s = {"Pareto front (meets the SLOs)", d->gx, d->gy, d->n, NULL, 1, 0};
    lr_chart c = {"Output tokens/s per GPU against tokens/s per user",
                  {"tokens/s per user (1 / mean TPOT)", "", 0, 0, NULL},
                  {"output tokens/s per GPU", "", 0, 0, NULL},
                  &s,
                  1};
    return lr_svg_lines(f, &c, 1, d->x->a->arch->name, 0);
}

static int
cmp_user(const void *a, const void *b)
{
    const lr_cap_config *x = *(const lr_cap_config *const *)a,
                        *y = *(const lr_cap_config *const *)b;
    return (x->tokens_per_s_per_user > y->tokens_per_s_per_user) -
           (x->tokens_per_s_per_user < y->tokens_per_s_per_user);
}

static int
pareto_svg(const out *x)
{
    svg d = {x, calloc((size_t)x->n + 1, sizeof(double)), calloc((size_t)x->n + 1, sizeof(double)),
             0};
    const lr_cap_config **p = calloc((size_t)x->n + 1, sizeof *p);
    if (!d.gx || !d.gy || !p)
        abort();
    for (int i = 0; i < x->n; i++)
        if (x->cf[i].pareto)
            p[d.n++] = &x->cf[i];
    qsort(p, d.n, sizeof *p, cmp_user);
    for (size_t i = 0; i < d.n; i++)
        d.gx[i] = p[i]->tokens_per_s_per_user, d.gy[i] = p[i]->tokens_per_s_per_gpu;
    int rc = cli_write_output(x->ao->svg, write_svg, &d);
    free(p);
    free(d.gx);
    free(d.gy);
    return rc;
}

/* The devices of --devices, found in the loaded table. */
static int
find_devices(const analysis *a, const char *list, const lr_hw **hw, size_t cap, size_t *n)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list ? list : "a100-80gb,h100-sxm,h200");
    *n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int rc;
        const lr_hw *h = cli_find_hw(a->hwdb, t, a->prof, &rc);
        if (!h)
            return rc;
        if (*n == cap)
            return cli_usage_error("serve-plan", "--devices: at most %zu devices", cap);
        hw[(*n)++] = h;
    }
    return EXIT_OK;
}

static int
run(analysis *a, const analysis_opts *ao, capopts *o)
{
    const lr_hw *hw[16];
    lr_cap_space sp = {hw,           0,      o->tp, o->ntp, o->seqs,           o->nseqs, o->disagg,
                       (int)o->maxi, o->pct, o->pp, o->npp, o->expert_parallel};
    int rc = find_devices(a, o->v[C_DEV], hw, 16, &sp.nhw);
    if (rc != EXIT_OK)
        return rc;
    char path[4096];
    const char *wl = o->v[C_WL] ? o->v[C_WL] : "sharegpt";
    if (strchr(wl, '/'))
        snprintf(path, sizeof path, "%s", wl);
    else
        snprintf(path, sizeof path, "%s/workloads/%s.json", cli_data_dir, wl);
    lr_sim_request *reqs = NULL;
    lr_cap_config *cf = NULL;
    lr_error err;
    memset(&err, 0, sizeof err);
    if (lr_workload_requests(path, o->rate, (size_t)o->num, (uint64_t)o->seed, &reqs, &err) < 0) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    int n =
        lr_capacity_search(a->plan, a->prof, &sp, &ao->s, &o->c, reqs, (size_t)o->num, &cf, &err);
    if (n < 0) {
        cli_print_error(&err);
        rc = EXIT_EVAL;
    } else {
        out x = {a, ao, o, cf, n};
        rc = cli_write_output(ao->out, write_out, &x);
        if (rc == EXIT_OK && ao->svg)
            rc = pareto_svg(&x);
    }
    free(cf);
    free(reqs);
    return rc;
}

int
cmd_serve_plan_sim(int argc, char **argv)
{
    capopts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fputs(usage, stdout), EXIT_OK;
    if (parse(&o, &argc, argv) < 0)
        return EXIT_USAGE;
    analysis_opts ao;
    int rc;
    if (analysis_opts_parse("serve-plan", usage, NULL, argc, argv, &ao, &rc) < 0)
        return rc;
    analysis a;
    rc = analysis_run(&a, &ao, ao.nprofiles ? ao.profiles[0] : NULL);
    if (rc == EXIT_OK)
        rc = run(&a, &ao, &o);
    analysis_free(&a);
    return rc;
}
