/*
 * cmd_analyze.c: `llmroof analyze`: the per-op cost of one prefill and/or
 * one decode step of a model on a device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static char usage[8192];

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof analyze [MODEL] [options]\n"
             "\n"
             "Per-operation FLOPs, bytes (weights, activations, KV cache), arithmetic\n"
             "intensity, bound and roofline time of a prefill and a decode step.\n"
             "\n"
             "MODEL  a bundled model id (default " DEFAULT_MODEL "; see `llmroof models`),\n"
             "       a config.json or a directory holding one, or an architecture JSON\n"
             "\n%s",
             analysis_opts_usage(NULL));
}

typedef struct job {
    const lr_result *r;
    const lr_plan *plan;
    const char *model;
    enum lr_format fmt;
    double flash_prefill_s; /* > 0: the prefill time with flash attention */
} job;

static int
write_report(FILE *f, void *ud)
{
    job *j = ud;
    int rc = lr_report_write(f, j->fmt, j->r, j->plan, j->model);
    if (j->flash_prefill_s > 0 && j->r->has[LR_PREFILL]) {
        double eager = j->r->stage[LR_PREFILL].total.time_s;
        fprintf(f,
                "%snote: inference engines run fused (flash) attention kernels; with "
                "--attention flash this prefill takes %.3f ms instead of %.3f ms.\n",
                j->fmt == LR_FMT_MD ? "\n" : "", j->flash_prefill_s * 1e3, eager * 1e3);
    }
    return rc;
}

/* The prefill time under flash attention, for the hint under eager
 * tables; 0 when the profile has no flash ops or the analysis fails. */
static double
flash_prefill_time(const analysis *a, const analysis_opts *o)
{
    lr_settings s = o->s;
    s.flash = 1;
    lr_result *r = lr_result_new(a->plan);
    lr_error err;
    double t = 0;
    if (lr_analyze(a->plan, a->prof, a->hw, &s, 1, 0, r, &err) == 0 &&
        r->stage[LR_PREFILL].total.time_s != a->r->stage[LR_PREFILL].total.time_s)
        t = r->stage[LR_PREFILL].total.time_s;
    lr_result_free(r);
    return t;
}

/* --svg: the roofline, the time by op kind and per op in one file. */
static int
write_svg(FILE *f, void *ud)
{
    const analysis *a = ud;
    char title[1024];
    snprintf(title, sizeof title, "%s on %s", a->arch->name, a->hw->name);
    return lr_svg_analysis(f, a->r, title, 0);
}

int
cmd_analyze(int argc, char **argv)
{
    analysis_opts o;
    int rc;
    build_usage();
    if (analysis_opts_parse("analyze", usage, NULL, argc, argv, &o, &rc) < 0)
        return rc;
    if (o.nprofiles > 1)
        return cli_usage_error("analyze", "one --profile only (`llmroof diff` compares two)");
    analysis a;
    rc = analysis_run(&a, &o, o.nprofiles ? o.profiles[0] : NULL);
    if (rc == EXIT_OK) {
        job j = {a.r, a.plan, a.arch->name, o.fmt, 0};
        if (!o.s.flash && (o.fmt == LR_FMT_TABLE || o.fmt == LR_FMT_MD))
            j.flash_prefill_s = flash_prefill_time(&a, &o);
        rc = cli_write_output(o.out, write_report, &j);
        if (rc == EXIT_OK && o.svg)
            rc = cli_write_output(o.svg, write_svg, &a);
    }
    analysis_free(&a);
    return rc;
}
