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

typedef struct plan_row {
    double batch;
    lr_gen g;
    int ok; /* within the targets */
} plan_row;

typedef struct report {
    const analysis *a;
    const analysis_opts *o;
    const extra *x;
    double max_batch;
    lr_memory mem; /* the plan at the largest batch (or at batch 1) */
    plan_row *rows;
    int n, best;
} report;

/* The memory plan at the largest batch: the pass an engine reserves is
 * then at its full max_batched_tokens, as vLLM profiles it. */
static int
plan_memory(const analysis *a, const lr_settings *s0, const extra *x, double batch, lr_memory *m)
{
    lr_settings s = *s0;
    s.batch = batch >= 1 ? batch : 1;
    lr_error err;
    memset(&err, 0, sizeof err);
    if (lr_generation_memory(a->plan, a->prof, a->hw, &s, x->prompt, x->gen, a->r, m, &err) < 0) {
        cli_print_error(&err);
        return -1;
    }
    return 0;
}

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
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "model", rp->a->arch->name);
    lr_jw_kstr(&w, "hardware", rp->a->hw->id);
    lr_jw_knum(&w, "prompt_len", rp->x->prompt);
    lr_jw_knum(&w, "gen_len", rp->x->gen);
    lr_jw_knum(&w, "mem_util", rp->o->s.mem_util);
    lr_jw_knum(&w, "max_batch", rp->max_batch);
    lr_jw_memory(&w, &rp->mem);
    lr_jw_kstr(&w, "engine", rp->n ? rp->rows[0].g.engine : "");
    lr_jw_kstr(&w, "profile", lr_profile_name(rp->a->prof));
    /* what produced the plan: every setting but the batch (the rows vary
     * it) and seq_len (a generation has its own lengths), and the targets
     * (null: none given) */
    lr_jw_key(&w, "settings");
    lr_jw_obj(&w);
    lr_jw_settings(&w, &rp->o->s, "batch,seq_len");
    lr_jw_knum(&w, "prompt_len", rp->x->prompt);
    lr_jw_knum(&w, "gen_len", rp->x->gen);
    const double targets[3] = {rp->x->max_tpot, rp->x->max_ttft, rp->x->max_batch};
    static const char *const tnames[3] = {"max_tpot_s", "max_ttft_s", "max_batch"};
    for (int i = 0; i < 3; i++) {
        lr_jw_key(&w, tnames[i]);
        if (targets[i] > 0)
            lr_jw_num(&w, targets[i]);
        else
            lr_jw_null(&w);
    }
    lr_jw_end_obj(&w);
    lr_jw_key(&w, "best_batch");
    if (rp->best < 0)
        lr_jw_null(&w);
    else
        lr_jw_num(&w, rp->rows[rp->best].batch);
    lr_jw_key(&w, "rows");
    lr_jw_arr(&w);
    for (int i = 0; i < rp->n; i++) {
        const plan_row *r = &rp->rows[i];
        lr_jw_obj(&w);
        lr_jw_knum(&w, "batch", r->batch);
        lr_jw_knum(&w, "ttft_s", r->g.ttft_s);
        lr_jw_knum(&w, "tpot_mean_s", r->g.tpot_mean_s);
        lr_jw_knum(&w, "latency_s", r->g.latency_s);
        lr_jw_knum(&w, "output_tokens_per_s", r->g.output_tokens_per_s);
        lr_jw_knum(&w, "memory_total", r->g.memory.total);
        lr_jw_knum(&w, "expected_ttft_s", r->g.expected_ttft_s);
        lr_jw_knum(&w, "expected_tpot_mean_s", r->g.expected_tpot_mean_s);
        lr_jw_knum(&w, "expected_latency_s", r->g.expected_latency_s);
        lr_jw_knum(&w, "expected_output_tokens_per_s", r->g.expected_output_tokens_per_s);
        lr_jw_key(&w, "expected_band");
        lr_jw_arr(&w);
        lr_jw_num(&w, r->g.expected_band[0]);
        lr_jw_num(&w, r->g.expected_band[1]);
        lr_jw_end_arr(&w);
        lr_jw_kbool(&w, "within_targets", r->ok);
        lr_jw_end_obj(&w);
    }
    lr_jw_end_arr(&w);
    lr_jw_end_obj(&w);
}

/* One CSV row: the figures (roofline, then expected), then the model,
 * device, profile, lengths, targets (empty: none) and settings that
 * produced them (mem_util among the settings). */
static void
csv_row(FILE *f, const report *rp, const plan_row *r)
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
                rp->max_batch, rp->o->s.mem_util * 100, rp->a->hw->memory_bytes / 1073741824.0);
        vllm_lines(f, &rp->mem, rp->o->s.kv_block, md);
        lr_devices_line(f, &rp->o->s, md ? "- " : "  ");
        fprintf(f, "%sexpected times with engine %s; the roofline's TPOT and tok/s are the bound\n",
                md ? "\n" : "", rp->n ? rp->rows[0].g.engine : "?");
        fprintf(f,
                md ? "\n| batch | TTFT ms | TPOT ms | latency s | output tok/s | memory GiB | "
                     "targets | roofline TPOT ms | roofline tok/s |\n"
                     "|---:|---:|---:|---:|---:|---:|:---|---:|---:|\n"
                   : "%7s %10s %10s %10s %14s %11s %8s %17s %15s\n",
                "batch", "TTFT ms", "TPOT ms", "latency s", "output tok/s", "memory GiB", "targets",
                "roofline TPOT ms", "roofline tok/s");
    }
    for (int i = 0; i < rp->n; i++) {
        const plan_row *r = &rp->rows[i];
        if (csv)
            csv_row(f, rp, r);
        else
            fprintf(f,
                    md ? "| %.0f | %.3f | %.3f | %.3f | %.1f | %.2f | %s | %.3f | %.1f |\n"
                       : "%7.0f %10.3f %10.3f %10.3f %14.1f %11.2f %8s %17.3f %15.1f\n",
                    r->batch, r->g.expected_ttft_s * 1e3, r->g.expected_tpot_mean_s * 1e3,
                    r->g.expected_latency_s, r->g.expected_output_tokens_per_s,
                    r->g.memory.total / 1073741824.0,
                    r->ok ? (i == rp->best ? "best" : "ok") : "missed", r->g.tpot_mean_s * 1e3,
                    r->g.output_tokens_per_s);
    }
    if (!csv) {
        if (rp->best >= 0)
            fprintf(f, "%sbest batch: %.0f (%.1f output tokens/s expected, at most %.1f)\n",
                    md ? "\n" : "", rp->rows[rp->best].batch,
                    rp->rows[rp->best].g.expected_output_tokens_per_s,
                    rp->rows[rp->best].g.output_tokens_per_s);
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
    rp.best = -1;
    lr_error err;
    memset(&err, 0, sizeof err);
    if (rc == EXIT_OK &&
        lr_check_fit(a.arch, a.plan, a.prof, a.hw, &o.s, x.prompt, x.gen, a.r, &err) < 0) {
        cli_print_error(&err);
        rc = EXIT_EVAL;
    }
    if (rc == EXIT_OK) {
        rp.max_batch =
            lr_max_batch(a.plan, a.prof, a.hw, &o.s, x.prompt, x.gen, o.s.mem_util, a.r, &err);
        if (rp.max_batch < 0) {
            cli_print_error(&err);
            rc = EXIT_INPUT;
        }
    }
    if (rc == EXIT_OK && plan_memory(&a, &o.s, &x, rp.max_batch, &rp.mem) < 0)
        rc = EXIT_EVAL;
    if (rc == EXIT_OK) {
        double top = x.max_batch > 0 && x.max_batch < rp.max_batch ? x.max_batch : rp.max_batch;
        rp.rows = calloc(128, sizeof *rp.rows);
        if (!rp.rows)
            abort();
        for (double b = 1; b <= top && rp.n < 127; b = b < 64 ? b + 1 : b * 2)
            rp.rows[rp.n++].batch = b;
        if (top >= 1 && rp.rows[rp.n - 1].batch != top)
            rp.rows[rp.n++].batch = top;
        for (int i = 0; i < rp.n && rc == EXIT_OK; i++) {
            lr_settings s = o.s;
            s.batch = rp.rows[i].batch;
            if (lr_generate(a.plan, a.prof, a.hw, &s, x.prompt, x.gen, a.r, &rp.rows[i].g, &err) <
                0) {
                cli_print_error(&err);
                rc = EXIT_EVAL;
                break;
            }
            const lr_gen *g = &rp.rows[i].g;
            /* the targets hold for the expected times (the roofline only bounds them) */
            rp.rows[i].ok = (x.max_tpot <= 0 || g->expected_tpot_mean_s <= x.max_tpot) &&
                            (x.max_ttft <= 0 || g->expected_ttft_s <= x.max_ttft);
            if (rp.rows[i].ok &&
                (rp.best < 0 ||
                 g->expected_output_tokens_per_s > rp.rows[rp.best].g.expected_output_tokens_per_s))
                rp.best = i;
        }
        if (rc == EXIT_OK)
            rc = cli_write_output(o.out, write_report, &rp);
    }
    free(rp.rows);
    analysis_free(&a);
    return rc;
}
