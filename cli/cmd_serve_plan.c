/*
 * cmd_serve_plan.c: `llmroof serve-plan`: how many sequences fit on the
 * device for a given prompt and generation length, and for batch sizes up
 * to that maximum, the throughput and the time per output token; the best
 * batch under latency targets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static char usage[8192];

/* The shared options this command does not take (options.h). */
static const opt_reject rejects[] = {
    {"seq-len", "use --prompt-len and --gen-len"},
    {"stage", "a serving plan runs whole generations"},
    {"batch", "serve-plan tries every batch up to the largest that fits; --max-batch caps it"},
    {"svg", "the chart is `llmroof plot serve`"},
    {NULL, NULL}};

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof serve-plan [MODEL] [options]\n"
             "\n"
             "The largest batch whose footprint at the end of a generation (weights,\n"
             "KV cache of every sequence in pages, the activations of one pass of\n"
             "--max-batched-tokens, the runtime's own memory) fits in --mem-util of\n"
             "the device memory (docs/memory.md), with the KV cache size in tokens\n"
             "and the maximum concurrency as vLLM logs them; a model that does not\n"
             "fit at batch 1 is an error naming the smallest --tp that would fit.\n"
             "Then, for batch sizes up to it (every size up to 64,\n"
             "powers of two beyond, and the maximum), TTFT, TPOT, latency and\n"
             "throughput, and the best batch (highest output tokens/s) within the\n"
             "targets. Times are the expected ones of --engine (docs/expected-time.md),\n"
             "judged against the targets; the roofline's are shown as the bound\n"
             "(--engine ideal: the roofline alone). --format table, md, csv or json.\n"
             "\n"
             "  --prompt-len P    prompt tokens per sequence (default 1024)\n"
             "  --gen-len G       generated tokens per sequence (default 256)\n"
             "  --max-tpot T      target time per output token: 50ms, 0.05s, 50000us\n"
             "  --max-ttft T      target time to first token\n"
             "  --max-batch N     largest batch to consider\n"
             "With --rate R: capacity planning by simulation instead (serve-plan --rate 1\n"
             "--help; docs/simulate.md).\n"
             "%s",
             analysis_opts_usage(rejects));
}

typedef struct extra {
    double prompt, gen, max_tpot, max_ttft, max_batch;
} extra;

/* Takes this command's options out of argv; the rest are the shared ones. */
static int
take_extra(int *argc, char **argv, extra *x)
{
    static const char *const names[] = {"--prompt-len", "--gen-len", "--max-tpot", "--max-ttft",
                                        "--max-batch"};
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        int which = -1;
        for (int n = 0; n < 5; n++)
            if (!strcmp(argv[i], names[n]))
                which = n;
        if (which < 0) {
            argv[k++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc) {
            fprintf(stderr, "llmroof serve-plan: %s needs a value\n", argv[i]);
            return -1;
        }
        const char *v = argv[++i];
        int rc = which == 0   ? cli_parse_whole(names[0], v, 1, 1e9, &x->prompt)
                 : which == 1 ? cli_parse_whole(names[1], v, 1, 1e9, &x->gen)
                 : which == 2 ? cli_parse_time(names[2], v, &x->max_tpot)
                 : which == 3 ? cli_parse_time(names[3], v, &x->max_ttft)
                              : cli_parse_whole(names[4], v, 1, 1e9, &x->max_batch);
        if (rc < 0)
            return -1;
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

typedef struct report {
    const analysis *a;
    const analysis_opts *o;
    const extra *x;
    lr_serve_plan sp; /* the library's plan (lr_serve_plan_run) */
} report;

/* The two lines vLLM logs at startup (vllm/v1/core/kv_cache_utils.py:
 * "GPU KV cache size: N tokens", "Maximum concurrency for L tokens per
 * request: X.XXx"), per device, with the terms of the capacity. */
static void
vllm_lines(FILE *f, const lr_memory *m, double block, int md)
{
    const double g = 1073741824.0;
    fprintf(f,
            "%sGPU KV cache size: %.0f tokens (per device: %.0f%% of %.1f GiB - weights %.2f - "
            "activations %.2f (%.0f-token pass) - runtime %.2f GiB, pages of %.0f tokens)\n",
            md ? "\n" : "", m->kv_capacity_tokens, m->budget / m->device * 100, m->device / g,
            m->weights / g, m->activations / g, m->pass_tokens, m->runtime / g, block);
    fprintf(f, "%sMaximum concurrency for %.0f tokens per request: %.2fx (%.0f whole sequences)\n",
            md ? "\n" : "", m->seq_tokens,
            m->kv_capacity_tokens / block / ceil(m->seq_tokens / block), m->max_sequences);
}

static void
write_json(FILE *f, const report *rp)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_serve_plan(&w, &rp->sp, rp->a->arch->name, rp->a->hw, &rp->o->s, rp->a->prof);
}

/* One CSV row: the figures (roofline, then expected), then the model,
 * device, profile, lengths, targets (empty: none) and settings that
 * produced them (mem_util among the settings). */
static void
csv_row(FILE *f, const report *rp, const lr_serve_row *r)
{
    fprintf(f, "%.0f,%.17g,%.17g,%.17g,%.17g,%.17g,%s,%.17g,%.17g,%.17g,%.17g", r->batch,
            r->g.ttft_s, r->g.tpot_mean_s, r->g.latency_s, r->g.output_tokens_per_s,
            r->g.memory.total, r->ok ? "true" : "false", r->g.expected_ttft_s,
            r->g.expected_tpot_mean_s, r->g.expected_latency_s, r->g.expected_output_tokens_per_s);
    cli_csv_field(f, ",", rp->a->arch->name);
    cli_csv_field(f, ",", rp->a->hw->id);
    cli_csv_field(f, ",", lr_profile_name(rp->a->prof));
    fprintf(f, ",%.0f,%.0f", rp->x->prompt, rp->x->gen);
    const double t[2] = {rp->x->max_tpot, rp->x->max_ttft};
    for (int i = 0; i < 2; i++) {
        char buf[40] = "";
        if (t[i] > 0)
            lr_fmt_double(buf, sizeof buf, t[i]);
        fprintf(f, ",%s", buf);
    }
    cli_csv_settings(f, &rp->o->s, "batch,seq_len", 0);
    fputc('\n', f);
}

static int
write_report(FILE *f, void *ud)
{
    const report *rp = ud;
    if (rp->o->fmt == LR_FMT_JSON) {
        write_json(f, rp);
        return ferror(f) ? -1 : 0;
    }
    int csv = rp->o->fmt == LR_FMT_CSV, md = rp->o->fmt == LR_FMT_MD;
    if (csv) {
        fputs("batch,ttft_s,tpot_mean_s,latency_s,output_tokens_per_s,memory_total,within_targets,"
              "expected_ttft_s,expected_tpot_mean_s,expected_latency_s,"
              "expected_output_tokens_per_s,"
              "model,hardware,profile,prompt_len,gen_len,max_tpot_s,max_ttft_s",
              f);
        cli_csv_settings(f, &rp->o->s, "batch,seq_len", 1);
        fputc('\n', f);
    } else {
        fprintf(f,
                "%s%s on %s: prompt %.0f, generate %.0f; at most %.0f sequences fit in %.0f%% "
                "of %.1f GiB\n",
                md ? "## " : "", rp->a->arch->name, rp->a->hw->name, rp->x->prompt, rp->x->gen,
                rp->sp.max_batch, rp->o->s.mem_util * 100, rp->a->hw->memory_bytes / 1073741824.0);
        vllm_lines(f, &rp->sp.mem, rp->o->s.kv_block, md);
        lr_devices_line(f, &rp->o->s, md ? "- " : "  ");
        fprintf(f, "%sexpected times with engine %s; the roofline's TPOT and tok/s are the bound\n",
                md ? "\n" : "", rp->sp.n ? rp->sp.rows[0].g.engine : "?");
        fprintf(f,
                md ? "\n| batch | TTFT ms | TPOT ms | latency s | output tok/s | memory GiB | "
                     "targets | roofline TPOT ms | roofline tok/s |\n"
                     "|---:|---:|---:|---:|---:|---:|:---|---:|---:|\n"
                   : "%7s %10s %10s %10s %14s %11s %8s %17s %15s\n",
                "batch", "TTFT ms", "TPOT ms", "latency s", "output tok/s", "memory GiB", "targets",
                "roofline TPOT ms", "roofline tok/s");
    }
    for (int i = 0; i < (int)rp->sp.n; i++) {
        const lr_serve_row *r = &rp->sp.rows[i];
        if (csv)
            csv_row(f, rp, r);
        else
            fprintf(f,
                    md ? "| %.0f | %.3f | %.3f | %.3f | %.1f | %.2f | %s | %.3f | %.1f |\n"
                       : "%7.0f %10.3f %10.3f %10.3f %14.1f %11.2f %8s %17.3f %15.1f\n",
                    r->batch, r->g.expected_ttft_s * 1e3, r->g.expected_tpot_mean_s * 1e3,
                    r->g.expected_latency_s, r->g.expected_output_tokens_per_s,
                    r->g.memory.total / 1073741824.0,
                    r->ok ? (i == rp->sp.best ? "best" : "ok") : "missed", r->g.tpot_mean_s * 1e3,
                    r->g.output_tokens_per_s);
    }
    if (!csv) {
        if (rp->sp.best >= 0)
            fprintf(f, "%sbest batch: %.0f (%.1f output tokens/s expected, at most %.1f)\n",
                    md ? "\n" : "", rp->sp.rows[rp->sp.best].batch,
                    rp->sp.rows[rp->sp.best].g.expected_output_tokens_per_s,
                    rp->sp.rows[rp->sp.best].g.output_tokens_per_s);
        else
            fprintf(f, "%sno batch meets the targets\n", md ? "\n" : "");
    }
    return ferror(f) ? -1 : 0;
}

int
cmd_serve_plan(int argc, char **argv)
{
    extra x = {0, 0, 0, 0, 0}; /* lengths 0: not given */
    analysis_opts o;
    int rc;
    /* with a request rate: capacity planning by simulation (cmd_capacity.c) */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--rate") || !strncmp(argv[i], "--rate=", 7))
            return cmd_serve_plan_sim(argc, argv);
    build_usage();
    if (take_extra(&argc, argv, &x) < 0)
        return EXIT_USAGE;
    if (analysis_opts_parse("serve-plan", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    o.len_given[0] = x.prompt > 0;
    o.len_given[1] = x.gen > 0;
    x.prompt = x.prompt > 0 ? x.prompt : 1024;
    x.gen = x.gen > 0 ? x.gen : 256;
    o.len[0] = &x.prompt;
    o.len[1] = &x.gen;
    o.seq_tokens = x.prompt + x.gen;
    /* the batches are this command's to choose: the first analysis runs
     * with at least one sequence per micro-batch */
    if (o.s.microbatches > o.s.batch)
        o.s.batch = o.s.microbatches;
    analysis a;
    rc = analysis_run(&a, &o, o.nprofiles ? o.profiles[0] : NULL);
    report rp;
    memset(&rp, 0, sizeof rp);
    rp.a = &a;
    rp.o = &o;
    rp.x = &x;
    rp.sp.prompt = x.prompt;
    rp.sp.gen = x.gen;
    rp.sp.max_tpot_s = x.max_tpot;
    rp.sp.max_ttft_s = x.max_ttft;
    rp.sp.batch_cap = x.max_batch;
    lr_error err;
    memset(&err, 0, sizeof err);
    if (rc == EXIT_OK &&
        lr_serve_plan_run(a.arch, a.plan, a.prof, a.hw, &o.s, &rp.sp, a.r, &err) < 0) {
        cli_print_error(&err);
        rc = EXIT_EVAL;
    }
    if (rc == EXIT_OK)
        rc = cli_write_output(o.out, write_report, &rp);
    lr_serve_plan_free(&rp.sp);
    analysis_free(&a);
    return rc;
}
