/*
 * cmd_generate.c: `llmroof generate`: a whole generation: time to first
 * token, time per output token, latency, throughput, per-stage FLOPs and
 * bytes, and the memory footprint at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static char usage[8192];

/* The shared options this command does not take (options.h). */
static const opt_reject rejects[] = {
    {"seq-len", "use --prompt-len and --gen-len"},
    {"stage", "a generation runs the prefill and every decode step"},
    {NULL, NULL}};

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof generate [MODEL] --prompt-len P --gen-len G [options]\n"
             "\n"
             "The prefill of P prompt tokens, then G decode steps, step i with P + i\n"
             "tokens in the KV cache, every step counted (no sampling of lengths).\n"
             "Reports time to first token, time per output token (mean, first, last),\n"
             "end-to-end latency, output and total tokens per second, per-stage FLOPs\n"
             "and bytes, and the memory at the end (weights, KV cache, activations).\n"
             "--format table, json (docs/json-output.md), csv or md.\n"
             "\n"
             "  --prompt-len P    prompt tokens per sequence (default 1024)\n"
             "  --gen-len G       generated tokens per sequence (default 256)\n"
             "%s",
             analysis_opts_usage(rejects));
}

typedef struct out {
    const lr_gen *g;
    const analysis *a;
    const analysis_opts *o;
} out;

static void
json(FILE *f, const out *x)
{
    lr_gen_write_json(f, x->g, x->a->plan, x->a->arch->name, x->a->hw, &x->o->s, x->a->prof);
}

static void
csv(FILE *f, const out *x)
{
    const lr_gen *g = x->g;
    const double v[] = {x->o->s.batch,
                        g->prompt,
                        g->gen,
                        g->ttft_s,
                        g->tpot_mean_s,
                        g->tpot_first_s,
                        g->tpot_last_s,
                        g->latency_s,
                        g->output_tokens_per_s,
                        g->total_tokens_per_s,
                        g->flops[0],
                        g->bytes[0],
                        g->flops[1],
                        g->bytes[1],
                        g->memory.total,
                        g->decode_tokens_per_s,
                        lr_settings_devices(&x->o->s),
                        g->expected_ttft_s,
                        g->expected_tpot_mean_s,
                        g->expected_latency_s,
                        g->expected_output_tokens_per_s,
                        g->expected_total_tokens_per_s,
                        g->expected_band[0],
                        g->expected_band[1]};
    /* the figures first (their columns are fixed), then what produced
     * them: model, device, profile and every other setting */
    fputs("batch,prompt_len,gen_len,ttft_s,tpot_mean_s,tpot_first_s,tpot_last_s,latency_s,"
          "output_tokens_per_s,total_tokens_per_s,prefill_flops,prefill_bytes,decode_flops,"
          "decode_bytes,memory_total,decode_tokens_per_s,devices,expected_ttft_s,"
          "expected_tpot_mean_s,expected_latency_s,expected_output_tokens_per_s,"
          "expected_total_tokens_per_s,expected_band_low,expected_band_high,model,hardware,profile",
          f);
    cli_csv_settings(f, &x->o->s, "batch,seq_len", 1);
    fputc('\n', f);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char buf[40];
        lr_fmt_double(buf, sizeof buf, v[i]);
        fprintf(f, "%s%s", i ? "," : "", buf);
    }
    cli_csv_field(f, ",", x->a->arch->name);
    cli_csv_field(f, ",", x->a->hw->id);
    cli_csv_field(f, ",", lr_profile_name(x->a->prof));
    cli_csv_settings(f, &x->o->s, "batch,seq_len", 0);
    fputc('\n', f);
}

static void
table(FILE *f, const out *x, int md)
{
    const lr_gen *g = x->g;
    const char *li = md ? "- " : "  ";
    fprintf(
        f, "%s%s on %s: batch %.0f, prompt %.0f, generate %.0f tokens (%s attention, profile %s)\n",
        md ? "## " : "", x->a->arch->name, x->a->hw->name, x->o->s.batch, g->prompt, g->gen,
        x->o->s.flash ? "flash" : "eager", lr_profile_name(x->a->prof));
    lr_devices_line(f, &x->o->s, li);
    /* the roofline is the bound; expected is what the engine's model gives */
    fprintf(f, "%s%-21s %13s  %13s (engine %s)\n", li, "", "roofline", "expected", g->engine);
    fprintf(f, "%stime to first token   %10.3f ms  %10.3f ms\n", li, g->ttft_s * 1e3,
            g->expected_ttft_s * 1e3);
    fprintf(f,
            "%stime per output token %10.3f ms  %10.3f ms (roofline first %.3f ms, last %.3f ms)\n",
            li, g->tpot_mean_s * 1e3, g->expected_tpot_mean_s * 1e3, g->tpot_first_s * 1e3,
            g->tpot_last_s * 1e3);
    fprintf(f, "%send-to-end latency    %10.3f ms  %10.3f ms\n", li, g->latency_s * 1e3,
            g->expected_latency_s * 1e3);
    fprintf(f,
            "%sthroughput            %10.1f tok/s %9.1f tok/s output (total %.1f, expected %.1f)\n",
            li, g->output_tokens_per_s, g->expected_output_tokens_per_s, g->total_tokens_per_s,
            g->expected_total_tokens_per_s);
    fprintf(
        f,
        "%sexpected band         x%.3g to x%.3g of the expected times (10th to 90th percentile)\n",
        li, g->expected_band[0], g->expected_band[1]);
    fprintf(f, "%sdecode throughput     %10.1f output tokens/s while decoding\n", li,
            g->decode_tokens_per_s);
    fprintf(f, "%sprefill               %10.3f TFLOP, %.3f GiB moved\n", li, g->flops[0] / 1e12,
            g->bytes[0] / 1073741824.0);
    fprintf(f, "%sdecode (all steps)    %10.3f TFLOP, %.3f GiB moved\n", li, g->flops[1] / 1e12,
            g->bytes[1] / 1073741824.0);
    const lr_memory *m = &g->memory;
    const double g30 = 1073741824.0;
    fprintf(f,
            "%smemory at the end     %10.3f GiB = weights %.3f + KV cache %.3f + activations "
            "%.3f + runtime %.3f GiB",
            li, m->total / g30, m->weights / g30, m->kv_cache / g30, m->activations / g30,
            m->runtime / g30);
    if (m->fits < 0) {
        fprintf(f, " (device capacity unknown)\n");
        return;
    }
    fprintf(f, " of %.1f GiB (%.0f%% of %.1f GiB): %s\n", m->budget / g30, x->o->s.mem_util * 100,
            m->device / g30, m->fits ? "fits" : "DOES NOT FIT");
    /* vLLM's startup lines (docs/memory.md) */
    fprintf(f, "%sGPU KV cache size     %10.0f tokens per device\n", li, m->kv_capacity_tokens);
    fprintf(f, "%smaximum concurrency   %10.0f sequences of %.0f tokens\n", li, m->max_sequences,
            m->seq_tokens);
}

static int
write_gen(FILE *f, void *ud)
{
    const out *x = ud;
    switch (x->o->fmt) {
    case LR_FMT_JSON: json(f, x); break;
    case LR_FMT_CSV: csv(f, x); break;
    case LR_FMT_MD: table(f, x, 1); break;
    default: table(f, x, 0); break;
    }
    return ferror(f) ? -1 : 0;
}

#define TPOT_POINTS 400

/* The series first: freeing the chart's series frees the whole block. */
typedef struct tpot_data {
    lr_series s[2]; /* the expected curve, the roofline's (the bound, dashed) */
    double step[TPOT_POINTS], tpot[TPOT_POINTS], expected[TPOT_POINTS];
    char name[2][96], ref[64];
} tpot_data;

/* A line chart of the time per output token over the decode steps (at most
 * TPOT_POINTS, spread evenly), for generate --svg and report; `scratch`
 * (from lr_result_new) is overwritten. Free with tpot_chart_free(). Returns
 * an exit code. */
int
tpot_chart(const analysis *a, const lr_settings *s, double prompt, double gen, const lr_gen *g,
           lr_result *scratch, lr_chart *c)
{
    tpot_data *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    lr_error err;
    memset(&err, 0, sizeof err);
    int n = lr_gen_steps_expected(a->plan, a->prof, a->hw, s, prompt, gen, TPOT_POINTS, d->step,
                                  d->tpot, d->expected, scratch, &err);
    if (n < 0) {
        cli_print_error(&err);
        free(d);
        return EXIT_EVAL;
    }
    char q[32];
    lr_fmt_quantity(q, sizeof q, g->expected_tpot_mean_s, "s");
    snprintf(d->ref, sizeof d->ref, "expected mean %s", q);
    snprintf(d->name[0], sizeof d->name[0], "batch %.0f: expected (%s)", s->batch, g->engine);
    snprintf(d->name[1], sizeof d->name[1], "batch %.0f: roofline (bound)", s->batch);
    lr_series se = {d->name[0], d->step, d->expected, (size_t)n, NULL, 1, 0};
    lr_series roof = {d->name[1], d->step, d->tpot, (size_t)n, NULL, 1, 1};
    d->s[0] = se;
    d->s[1] = roof;
    lr_chart ch = {"Time per output token over the generation: expected, and the roofline as "
                   "the bound",
                   {"decode step (tokens generated before it)", "", 0, 0, NULL},
                   {"time per output token", "s", 0, g->expected_tpot_mean_s, d->ref},
                   d->s,
                   2};
    *c = ch;
    return EXIT_OK;
}

void
tpot_chart_free(lr_chart *c)
{
    free((void *)c->series);
    c->series = NULL;
}

typedef struct svg_out {
    const lr_chart *c;
    char title[1024];
} svg_out;

static int
write_svg(FILE *f, void *ud)
{
    const svg_out *x = ud;
    return lr_svg_lines(f, x->c, 1, x->title, 0);
}

/* --svg: the per-step curve. */
static int
gen_svg(analysis *a, const analysis_opts *o, double prompt, double gen, const lr_gen *g)
{
    lr_chart c;
    int rc = tpot_chart(a, &o->s, prompt, gen, g, a->r, &c);
    if (rc != EXIT_OK)
        return rc;
    svg_out x;
    x.c = &c;
    snprintf(x.title, sizeof x.title, "%s on %s: prompt %.0f, generate %.0f", a->arch->name,
             a->hw->name, prompt, gen);
    rc = cli_write_output(o->svg, write_svg, &x);
    tpot_chart_free(&c);
    return rc;
}

/* Takes --prompt-len and --gen-len out of argv (the rest are the shared
 * analysis options). Returns -1 on a bad value. */
static int
take_lengths(int *argc, char **argv, double *prompt, double *gen)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        double *dst = !strcmp(a, "--prompt-len") ? prompt : !strcmp(a, "--gen-len") ? gen : NULL;
        const char *val = NULL;
        if (!dst && !strncmp(a, "--prompt-len=", 13))
            dst = prompt, val = a + 13;
        else if (!dst && !strncmp(a, "--gen-len=", 10))
            dst = gen, val = a + 10;
        if (!dst) {
            argv[k++] = argv[i];
            continue;
        }
        if (!val) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "llmroof generate: %s needs a value\n", a);
                return -1;
            }
            val = argv[++i];
        }
        if (cli_parse_whole(dst == prompt ? "--prompt-len" : "--gen-len", val, 1, 1e9, dst) < 0)
            return -1;
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

int
cmd_generate(int argc, char **argv)
{
    analysis_opts o;
    int rc;
    double prompt = 0, gen = 0; /* 0: not given */
    build_usage();
    if (take_lengths(&argc, argv, &prompt, &gen) < 0)
        return EXIT_USAGE;
    if (analysis_opts_parse("generate", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    if (o.nprofiles > 1)
        return cli_usage_error("generate", "one --profile only");
    o.len_given[0] = prompt > 0;
    o.len_given[1] = gen > 0;
    prompt = prompt > 0 ? prompt : 1024;
    gen = gen > 0 ? gen : 256;
    o.len[0] = &prompt;
    o.len[1] = &gen;
    o.seq_tokens = prompt + gen;
    analysis a;
    rc = analysis_run(&a, &o, o.nprofiles ? o.profiles[0] : NULL);
    if (rc == EXIT_OK) {
        lr_gen g;
        lr_error err;
        memset(&err, 0, sizeof err);
        /* a model that does not fit even one sequence is an error, naming
         * the smallest --tp that would fit */
        if (lr_check_fit(a.arch, a.plan, a.prof, a.hw, &o.s, prompt, gen, a.r, &err) < 0) {
            cli_print_error(&err);
            rc = EXIT_EVAL;
        } else if (lr_generate(a.plan, a.prof, a.hw, &o.s, prompt, gen, a.r, &g, &err) < 0) {
            cli_print_error(&err);
            rc = EXIT_EVAL;
        } else {
            out x = {&g, &a, &o};
            rc = cli_write_output(o.out, write_gen, &x);
            if (rc == EXIT_OK && o.svg)
                rc = gen_svg(&a, &o, prompt, gen, &g);
        }
    }
    analysis_free(&a);
    return rc;
}
