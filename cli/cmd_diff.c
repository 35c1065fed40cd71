/*
 * cmd_diff.c: `llmroof diff`: the same model and settings under two
 * profiles, op by op, with the ratio. Ops are matched by name after each
 * profile's "compare_as" mapping; values are the op's contribution to the
 * stage (per-instance value x count), so ops repeated differently compare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static char usage[8192];

/* The shared options this command does not take (options.h). */
static const opt_reject rejects[] = {
    {"svg", "the charts are `llmroof analyze --svg FILE` and `llmroof plot`"}, {NULL, NULL}};

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof diff [MODEL] --profile A --profile B [options]\n"
             "\n"
             "Analyzes MODEL under two profiles (default: default and llm-viewer) and\n"
             "prints each op's FLOPs, bytes and time under both, with the ratio B/A.\n"
             "Ops are matched by name (profile.json \"compare_as\" maps other names).\n"
             "--format table, md, csv or json.\n"
             "\n%s",
             analysis_opts_usage(rejects));
}

typedef struct row {
    const char *name;
    const lr_op *op[2];
} row;

typedef struct diff {
    const analysis *a[2];
    const char *pname[2];
    enum lr_format fmt;
    const char *model;
} diff;

static double
contrib(const lr_op *o, int what)
{
    if (!o)
        return 0;
    double v = what == 0 ? o->v[LR_F_FLOPS] : what == 1 ? o->bytes : o->time_s;
    return v * o->count;
}

/* Rows: A's ops in order, then ops only B has. Caller frees. */
static row *
match(const diff *d, int st, size_t *n)
{
    const lr_stage_result *s0 = &d->a[0]->r->stage[st], *s1 = &d->a[1]->r->stage[st];
    row *rows = calloc(s0->nops + s1->nops + 1, sizeof *rows);
    if (!rows)
        abort();
    size_t k = 0;
    for (int side = 0; side < 2; side++) {
        const lr_stage_result *sr = side ? s1 : s0;
        for (size_t i = 0; i < sr->nops; i++) {
            const lr_op *o = &sr->ops[i];
            if (!o->present)
                continue;
            const char *nm = lr_profile_compare_name(d->a[side]->prof, o->name);
            size_t j;
            for (j = 0; j < k; j++)
                if (strcmp(rows[j].name, nm) == 0 && !rows[j].op[side])
                    break;
            if (j == k)
                rows[k++].name = nm;
            rows[j].op[side] = o;
        }
    }
    *n = k;
    return rows;
}

static void
ratio(char *buf, size_t cap, double a, double b)
{
    if (a == 0 && b == 0)
        snprintf(buf, cap, "=");
    else if (a == 0)
        snprintf(buf, cap, "only B");
    else if (b == 0)
        snprintf(buf, cap, "only A");
    else
        snprintf(buf, cap, "%.4f", b / a);
}

/* v[what][side]: flops, bytes and time of row i (or the stage total). */
static void
values(const diff *d, int st, const row *rows, size_t i, size_t n, double v[3][2])
{
    for (int w = 0; w < 3; w++)
        for (int side = 0; side < 2; side++) {
            const lr_total *t = &d->a[side]->r->stage[st].total;
            v[w][side] = i == n ? (w == 0   ? t->v[LR_F_FLOPS]
                                   : w == 1 ? t->bytes
                                            : t->time_s)
                                : contrib(rows[i].op[side], w);
        }
}

static void
write_json(FILE *f, const diff *d)
{
    static const char *const what[3] = {"flops", "bytes", "time_s"};
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "model", d->model);
    lr_jw_key(&w, "profiles");
    lr_jw_arr(&w);
    lr_jw_str(&w, d->pname[0]);
    lr_jw_str(&w, d->pname[1]);
    lr_jw_end_arr(&w);
    for (int st = 0; st < 2; st++) {
        if (!d->a[0]->r->has[st])
            continue;
        size_t n;
        row *rows = match(d, st, &n);
        lr_jw_key(&w, st == LR_PREFILL ? "prefill" : "decode");
        lr_jw_arr(&w);
        for (size_t i = 0; i <= n; i++) {
            double v[3][2];
            values(d, st, rows, i, n, v);
            lr_jw_obj(&w);
            lr_jw_kstr(&w, "op", i == n ? "total" : rows[i].name);
            for (int k = 0; k < 3; k++) {
                lr_jw_key(&w, what[k]);
                lr_jw_arr(&w);
                lr_jw_num(&w, v[k][0]);
                lr_jw_num(&w, v[k][1]);
                lr_jw_end_arr(&w);
            }
            lr_jw_end_obj(&w);
        }
        lr_jw_end_arr(&w);
        free(rows);
    }
    lr_jw_end_obj(&w);
}

static void
write_text(FILE *f, const diff *d)
{
    int csv = d->fmt == LR_FMT_CSV, md = d->fmt == LR_FMT_MD;
    if (csv)
        fprintf(f, "stage,op,flops_a,flops_b,bytes_a,bytes_b,time_s_a,time_s_b\n");
    else
        fprintf(f, "%s%s: profile A = %s, profile B = %s (values are per stage: op x count)\n",
                md ? "## " : "", d->model, d->pname[0], d->pname[1]);
    for (int st = 0; st < 2; st++) {
        if (!d->a[0]->r->has[st])
            continue;
        const char *sname = st == LR_PREFILL ? "prefill" : "decode";
        size_t n;
        row *rows = match(d, st, &n);
        if (!csv) {
            fprintf(f, "\n%s%s\n", md ? "### " : "", sname);
            fprintf(f,
                    md ? "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n"
                         "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                       : "%-26s %14s %14s %8s %12s %12s %8s %12s %12s %8s\n",
                    "op", "FLOP A", "FLOP B", "B/A", "bytes A", "bytes B", "B/A", "time A (s)",
                    "time B (s)", "B/A");
        }
        for (size_t i = 0; i <= n; i++) {
            double v[3][2];
            values(d, st, rows, i, n, v);
            const char *nm = i == n ? "total" : rows[i].name;
            if (csv) {
                char num[6][40];
                for (int k = 0; k < 6; k++)
                    lr_fmt_double(num[k], sizeof num[k], v[k / 2][k % 2]);
                fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%s\n", sname, nm, num[0], num[1], num[2], num[3],
                        num[4], num[5]);
                continue;
            }
            char r[3][32];
            for (int w = 0; w < 3; w++)
                ratio(r[w], sizeof r[w], v[w][0], v[w][1]);
            fprintf(f,
                    md ? "| %s | %.4g | %.4g | %s | %.4g | %.4g | %s | %.4g | %.4g | %s |\n"
                       : "%-26s %14.4g %14.4g %8s %12.4g %12.4g %8s %12.4g %12.4g %8s\n",
                    nm, v[0][0], v[0][1], r[0], v[1][0], v[1][1], r[1], v[2][0], v[2][1], r[2]);
        }
        free(rows);
    }
}

static int
write_diff(FILE *f, void *ud)
{
    const diff *d = ud;
    if (d->fmt == LR_FMT_JSON)
        write_json(f, d);
    else
        write_text(f, d);
    return ferror(f) ? -1 : 0;
}

int
cmd_diff(int argc, char **argv)
{
    analysis_opts o;
    int rc;
    build_usage();
    if (analysis_opts_parse("diff", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    const char *names[2] = {o.nprofiles > 0 ? o.profiles[0] : "default",
                            o.nprofiles > 1 ? o.profiles[1] : "llm-viewer"};
    analysis a[2];
    memset(a, 0, sizeof a);
    rc = analysis_run(&a[0], &o, names[0]);
    if (rc == EXIT_OK)
        rc = analysis_run(&a[1], &o, names[1]);
    if (rc == EXIT_OK) {
        diff d = {{&a[0], &a[1]}, {names[0], names[1]}, o.fmt, a[0].arch->name};
        rc = cli_write_output(o.out, write_diff, &d);
    }
    analysis_free(&a[0]);
    analysis_free(&a[1]);
    return rc;
}
