/*
 * cmd_report.c: `llmroof report`: one self-contained HTML page with the
 * settings, totals, charts, per-op tables and a generation summary of a
 * model on a device (lr_html_report; docs/plots.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

/* cmd_generate.c: the per-step TPOT chart */
static char usage[8192];

/* The shared options this command does not take (options.h). */
static const opt_reject rejects[] = {
    {"format", "the report is one HTML page"}, {"svg", "the page holds the charts"}, {NULL, NULL}};

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof report [MODEL] [options] [--prompt-len P] [--gen-len G] --html FILE\n"
             "\n"
             "One self-contained HTML page (inline CSS, SVG and JSON data; nothing is\n"
             "fetched): the settings, the totals and memory of a prefill of --seq-len\n"
             "tokens and a decode step, the roofline, the time by op kind and per op,\n"
             "the per-op table of both stages, and a generation of P prompt tokens and\n"
             "G generated ones (TTFT, TPOT step by step, throughput, memory).\n"
             "\n"
             "  --html FILE       the page (atomically); else -o, else standard output\n"
             "  --prompt-len P    prompt tokens of the generation (default 1024)\n"
             "  --gen-len G       generated tokens (default 256)\n"
             "%s",
             analysis_opts_usage(rejects));
}

/* Takes the options `names` (each with a value: "--name V" or "--name=V")
 * out of argv for a command that passes the rest to analysis_opts_parse;
 * values[i] receives the value of names[i], else keeps its value. Returns
 * -1 when a value is missing. Shared with cmd_plot.c. */
int
cli_take_opts(const char *cmd, int *argc, char **argv, const char *const *names, size_t n,
              const char **values)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        size_t which = n;
        const char *val = NULL;
        for (size_t j = 0; j < n && which == n; j++) {
            size_t len = strlen(names[j]);
            if (strcmp(argv[i], names[j]) == 0)
                which = j;
            else if (strncmp(argv[i], names[j], len) == 0 && argv[i][len] == '=')
                which = j, val = argv[i] + len + 1;
        }
        if (which == n) {
            argv[k++] = argv[i];
            continue;
        }
        if (!val && i + 1 >= *argc) {
            fprintf(stderr, "llmroof %s: %s needs a value\n", cmd, argv[i]);
            return -1;
        }
        values[which] = val ? val : argv[++i];
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

typedef struct page {
    const analysis *a;
    const lr_gen *g;
    const lr_chart *tpot;
} page;

static int
write_page(FILE *f, void *ud)
{
    const page *p = ud;
    return lr_html_report(f, p->a->r, p->a->plan, p->a->arch->name, p->g, p->tpot, 1);
}

/* The generation and its chart, then the page. */
static int
report(analysis *a, const analysis_opts *o, double prompt, double gen, const char *path)
{
    lr_result *scratch = lr_result_new(a->plan);
    lr_gen g;
    lr_error err;
    memset(&err, 0, sizeof err);
    int rc = EXIT_OK;
    if (lr_generate(a->plan, a->prof, a->hw, &o->s, prompt, gen, scratch, &g, &err) < 0) {
        cli_print_error(&err);
        rc = EXIT_EVAL;
    }
    lr_chart c;
    if (rc == EXIT_OK && (rc = tpot_chart(a, &o->s, prompt, gen, &g, scratch, &c)) == EXIT_OK) {
        page p = {a, &g, &c};
        rc = cli_write_output(path, write_page, &p);
        tpot_chart_free(&c);
    }
    lr_result_free(scratch);
    return rc;
}

int
cmd_report(int argc, char **argv)
{
    static const char *const names[] = {"--html", "--prompt-len", "--gen-len"};
    const char *val[3] = {NULL, NULL, NULL}; /* NULL: not given */
    double prompt, gen;
    build_usage();
    if (cli_take_opts("report", &argc, argv, names, 3, val) < 0)
        return EXIT_USAGE;
    if (cli_parse_whole("--prompt-len", val[1] ? val[1] : "1024", 1, 1e9, &prompt) < 0 ||
        cli_parse_whole("--gen-len", val[2] ? val[2] : "256", 1, 1e9, &gen) < 0)
        return EXIT_USAGE;
    analysis_opts o;
    int rc;
    if (analysis_opts_parse("report", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    if (o.nprofiles > 1)
        return cli_usage_error("report", "one --profile only");
    o.seq_tokens = prompt + gen;
    /* lengths not given share the model's context (analysis_run) */
    o.len[0] = &prompt;
    o.len[1] = &gen;
    o.len_given[0] = val[1] != NULL;
    o.len_given[1] = val[2] != NULL;
    analysis a;
    rc = analysis_run(&a, &o, o.nprofiles ? o.profiles[0] : NULL);
    if (rc == EXIT_OK)
        rc = report(&a, &o, prompt, gen, val[0] ? val[0] : o.out);
    analysis_free(&a);
    return rc;
}
