/*
 * cmd_plot.c: `llmroof plot KIND`: one chart as SVG. roofline, breakdown
 * and ops plot an analysis (the analyze options); sweep plots a sweep (the
 * sweep options, cmd_sweep.c); serve plots throughput against time per
 * output token over batch sizes, computed as serve-plan does (the largest
 * batch that fits, then a whole generation per batch size), one line per
 * device of --hardware A,B. Charts are described in docs/plots.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static char usage[10240];

/* The shared options this command does not take (options.h). */
static const opt_reject rejects[] = {
    {"format", "a plot is SVG"}, {"svg", "the chart goes to -o FILE"}, {NULL, NULL}};

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof plot KIND [MODEL] [options] -o FILE.svg\n"
             "\n"
             "One chart as SVG (standard output without -o; docs/plots.md):\n"
             "  roofline   intensity against attained FLOP/s: the device's roofs, one\n"
             "             marker per op (area: share of the stage's time)\n"
             "  breakdown  each stage's time split by op kind\n"
             "  ops        count x time of each op, largest first\n"
             "  sweep      latency, throughput and memory against the first numeric\n"
             "             setting given as a list; takes the options of `llmroof sweep`\n"
             "             (e.g. plot sweep --batch 1:64 --hardware a100-80gb,h100-sxm)\n"
             "  serve      output tokens/s against time per output token, one point per\n"
             "             batch size up to the largest that fits (as serve-plan), one\n"
             "             line per device: --hardware takes a list here\n"
             "\n"
             "serve also takes:\n"
             "  --prompt-len P    prompt tokens per sequence (default 1024)\n"
             "  --gen-len G       generated tokens per sequence (default 256)\n"
             "  --max-batch N     largest batch to consider\n"
             "  --max-tpot T      draw a TPOT target (50ms, 0.05s, 50000us)\n"
             "\n"
             "The analysis options (roofline, breakdown, ops, serve):\n%s",
             analysis_opts_usage(rejects));
}

/* ---- roofline, breakdown, ops ---- */

typedef struct one {
    const analysis *a;
    const char *kind;
} one;

static int
write_one(FILE *f, void *ud)
{
    const one *x = ud;
    char title[1024];
    snprintf(title, sizeof title, "%s on %s", x->a->arch->name, x->a->hw->name);
    if (strcmp(x->kind, "roofline") == 0)
        return lr_svg_roofline(f, x->a->r, title, 0);
    if (strcmp(x->kind, "breakdown") == 0)
        return lr_svg_breakdown(f, x->a->r, title, 0);
    return lr_svg_ops(f, x->a->r, title, 0);
}

static int
plot_analysis(const char *kind, int argc, char **argv)
{
    analysis_opts o;
    int rc;
    if (analysis_opts_parse("plot", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    if (o.nprofiles > 1)
        return cli_usage_error("plot", "one --profile only");
    analysis a;
    rc = analysis_run(&a, &o, o.nprofiles ? o.profiles[0] : NULL);
    if (rc == EXIT_OK) {
        one x = {&a, kind};
        rc = cli_write_output(o.out, write_one, &x);
    }
    analysis_free(&a);
    return rc;
}

/* ---- serve ---- */

#define MAX_DEVICES 8
#define MAX_ROWS 128

typedef struct serve_opts {
    double prompt, gen, mem_util, max_batch, max_tpot;
} serve_opts;

/* One device's line: expected TPOT and throughput per batch size, and the
 * roofline's (the bound, dashed). */
typedef struct serve_line {
    double tpot[MAX_ROWS], tps[MAX_ROWS];
    double roof_tpot[MAX_ROWS], roof_tps[MAX_ROWS];
    char lab[MAX_ROWS][16];
    const char *labp[MAX_ROWS];
    char name[160], roof_name[200];
    int n;
} serve_line;

static int
parse_serve(const char **v, serve_opts *x)
{
    if (cli_parse_whole("--prompt-len", v[0], 1, 1e9, &x->prompt) < 0 ||
        cli_parse_whole("--gen-len", v[1], 1, 1e9, &x->gen) < 0)
        return -1;
    if (v[2] && cli_parse_whole("--max-batch", v[2], 1, 1e9, &x->max_batch) < 0)
        return -1;
    if (v[3] && cli_parse_time("--max-tpot", v[3], &x->max_tpot) < 0)
        return -1;
    return 0;
}

/* The batch sizes serve-plan tries: every size up to 64, then powers of two,
 * then the largest. */
static int
batch_sizes(double top, double *b)
{
    int n = 0;
    for (double x = 1; x <= top && n < MAX_ROWS - 1; x = x < 64 ? x + 1 : x * 2)
        b[n++] = x;
    if (top >= 1 && b[n - 1] != top)
        b[n++] = top;
    return n;
}

static int
serve_device(analysis_opts *o, const serve_opts *x, serve_line *ln)
{
    analysis a;
    int rc = analysis_run(&a, o, o->nprofiles ? o->profiles[0] : NULL);
    lr_error err;
    memset(&err, 0, sizeof err);
    double top = 0, b[MAX_ROWS];
    if (rc == EXIT_OK) {
        /* mem_util as analysis_run left it: the engine preset's unless given */
        top =
            lr_max_batch(a.plan, a.prof, a.hw, &o->s, x->prompt, x->gen, o->s.mem_util, a.r, &err);
        if (top < 0) {
            cli_print_error(&err);
            rc = EXIT_INPUT;
        }
    }
    if (rc == EXIT_OK) {
        if (x->max_batch > 0 && x->max_batch < top)
            top = x->max_batch;
        if (top < 1)
            fprintf(stderr, "llmroof: note: not even one sequence fits on %s\n", a.hw->id);
        snprintf(ln->name, sizeof ln->name, "%s (up to batch %.0f)", a.hw->name, top);
        snprintf(ln->roof_name, sizeof ln->roof_name, "%s: roofline (bound)", a.hw->name);
        int nb = top >= 1 ? batch_sizes(top, b) : 0;
        for (int i = 0; i < nb && rc == EXIT_OK; i++) {
            lr_settings s = o->s;
            s.batch = b[i];
            lr_gen g;
            if (lr_generate(a.plan, a.prof, a.hw, &s, x->prompt, x->gen, a.r, &g, &err) < 0) {
                cli_print_error(&err);
                rc = EXIT_EVAL;
                break;
            }
            /* the expected times (--engine), the roofline as the bound */
            ln->tpot[ln->n] = g.expected_tpot_mean_s;
            ln->tps[ln->n] = g.expected_output_tokens_per_s;
            ln->roof_tpot[ln->n] = g.tpot_mean_s;
            ln->roof_tps[ln->n] = g.output_tokens_per_s;
            snprintf(ln->lab[ln->n], sizeof ln->lab[0], "%.0f", b[i]);
            /* labels on powers of two and the largest batch: round sizes
             * people look for, spread out along the curve */
            int pow2 = b[i] == pow(2, floor(log2(b[i])));
            ln->labp[ln->n] = pow2 || i + 1 == nb ? ln->lab[ln->n] : NULL;
            ln->n++;
        }
    }
    analysis_free(&a);
    return rc;
}

typedef struct serve_chart {
    const char *model;
    const serve_opts *x;
    serve_line *ln;
    int n;
} serve_chart;

/* Log scale when the values span more than a factor of 20. */
static int
wide(const serve_chart *c, int tps)
{
    double lo = INFINITY, hi = 0;
    for (int d = 0; d < c->n; d++)
        for (int i = 0; i < c->ln[d].n; i++) {
            for (int roof = 0; roof < 2; roof++) {
                const serve_line *l = &c->ln[d];
                double v = tps ? (roof ? l->roof_tps[i] : l->tps[i])
                               : (roof ? l->roof_tpot[i] : l->tpot[i]);
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
    return lo > 0 && hi / lo > 20;
}

static int
write_serve(FILE *f, void *ud)
{
    const serve_chart *c = ud;
    lr_series s[2 * MAX_DEVICES];
    for (int d = 0; d < c->n; d++) {
        const serve_line *l = &c->ln[d];
        lr_series se = {l->name, l->tpot, l->tps, (size_t)l->n, (const char *const *)l->labp,
                        d + 1,   0};
        lr_series roof = {l->roof_name, l->roof_tpot, l->roof_tps, (size_t)l->n, NULL, d + 1, 1};
        s[2 * d] = se;
        s[2 * d + 1] = roof;
    }
    char ref[64] = "", q[32], title[1024];
    lr_fmt_quantity(q, sizeof q, c->x->max_tpot, "s");
    snprintf(ref, sizeof ref, "target %s", q);
    lr_chart ch = {
        "Output throughput against time per output token (points: batch sizes)",
        {"time per output token (mean over the generation)", "s", wide(c, 0), c->x->max_tpot, ref},
        {"output tokens/s", "", wide(c, 1), 0, NULL},
        s,
        (size_t)(2 * c->n)};
    snprintf(title, sizeof title, "%s: prompt %.0f, generate %.0f, %.0f%% of memory usable",
             c->model, c->x->prompt, c->x->gen, c->x->mem_util * 100);
    return lr_svg_lines(f, &ch, 1, title, 0);
}

/* Splits --hardware A,B,... and draws one line per device. */
static int
serve_lines(analysis_opts *o, serve_opts *x)
{
    char *list = strdup(o->hardware);
    const char *out = o->out;
    serve_line *ln = calloc(MAX_DEVICES, sizeof *ln);
    if (!list || !ln)
        abort();
    int n = 0, rc = EXIT_OK;
    for (char *save = NULL, *h = strtok_r(list, ",", &save); h && rc == EXIT_OK;
         h = strtok_r(NULL, ",", &save)) {
        if (n == MAX_DEVICES) {
            rc = cli_usage_error("plot", "serve: at most %d devices", MAX_DEVICES);
            break;
        }
        o->hardware = h;
        rc = serve_device(o, x, &ln[n++]);
        x->mem_util = o->s.mem_util; /* for the title: the engine's, unless given */
    }
    if (rc == EXIT_OK) {
        serve_chart c = {o->model, x, ln, n};
        rc = cli_write_output(out, write_serve, &c);
    }
    free(ln);
    free(list);
    return rc;
}

static int
plot_serve(int argc, char **argv)
{
    /* --mem-util is a setting (the table's row), read with the others */
    static const char *const names[] = {"--prompt-len", "--gen-len", "--max-batch", "--max-tpot"};
    const char *v[4] = {NULL, NULL, NULL, NULL}; /* lengths NULL: not given */
    serve_opts x = {0, 0, 0, 0, 0};
    if (cli_take_opts("plot", &argc, argv, names, 4, v) < 0)
        return EXIT_USAGE;
    int given[2] = {v[0] != NULL, v[1] != NULL};
    v[0] = v[0] ? v[0] : "1024";
    v[1] = v[1] ? v[1] : "256";
    if (parse_serve(v, &x) < 0)
        return EXIT_USAGE;
    analysis_opts o;
    int rc;
    if (analysis_opts_parse("plot", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    x.mem_util = o.s.mem_util;
    o.seq_tokens = x.prompt + x.gen;
    o.len[0] = &x.prompt; /* lengths not given share the model's context */
    o.len[1] = &x.gen;
    o.len_given[0] = given[0];
    o.len_given[1] = given[1];
    if (o.s.microbatches > o.s.batch) /* the batches are serve's to choose */
        o.s.batch = o.s.microbatches;
    return serve_lines(&o, &x);
}

int
cmd_plot(int argc, char **argv)
{
    build_usage();
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *kind = argv[1];
    if (!strcmp(kind, "-h") || !strcmp(kind, "--help")) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    /* the kind stands in for the command name at argv[0] */
    if (!strcmp(kind, "sweep"))
        return cmd_sweep_plot(argc - 1, argv + 1);
    if (!strcmp(kind, "serve"))
        return plot_serve(argc - 1, argv + 1);
    if (!strcmp(kind, "roofline") || !strcmp(kind, "breakdown") || !strcmp(kind, "ops"))
        return plot_analysis(kind, argc - 1, argv + 1);
    return cli_usage_error("plot", "unknown chart '%s': roofline, breakdown, ops, sweep or serve",
                           kind);
}
