/*
 * cmd_explain.c: `llmroof explain MODEL --op PATH`: one op's formulas per
 * field with the values of the settings put in, in prefill and decode
 * (lr_plan_explain_op): the web page's op panel, on the command line.
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
             "usage: llmroof explain [MODEL] --op PATH [options]\n"
             "\n"
             "One op's formulas per field, with the values of the settings put in, the\n"
             "names they use with their values, and the op's record, in prefill and\n"
             "decode. PATH is an op's path as `llmroof analyze --format json` names it\n"
             "(e.g. model.layers.self_attn.qk_matmul). --format json writes what the\n"
             "web API's /api/op replies (docs/json-output.md).\n"
             "\n"
             "  --op PATH         the op (required)\n"
             "%s",
             analysis_opts_usage(rejects));
}

static void
print_params(FILE *f, const lr_explain *x)
{
    char num[48];
    fprintf(f, "parameters:\n");
    for (size_t i = 0; i < x->nparams; i++) {
        const lr_explain_param *p = &x->params[i];
        lr_fmt_double(num, sizeof num, p->value);
        fprintf(f, "  %-20s %s%s\n", p->name,
                p->formula ? p->formula
                : p->given ? num
                : p->def   ? p->def
                           : "(required)",
                p->given ? "" : "  (default)");
    }
}

static void
print_stage(FILE *f, const char *name, const lr_explain_stage *st)
{
    char num[48];
    fprintf(f, "%s:\n", name);
    for (size_t i = 0; i < st->nfields; i++) {
        const lr_explain_field *x = &st->fields[i];
        lr_fmt_double(num, sizeof num, x->value);
        fprintf(f, "  %-12s = %s\n  %-12s = %s\n  %-12s = %s\n", lr_field_names[x->field],
                x->formula, "", x->text, "", num);
    }
    fprintf(f, "  with:");
    for (size_t i = 0; i < st->nnames; i++) {
        lr_fmt_double(num, sizeof num, st->names[i].value);
        fprintf(f, " %s=%s", st->names[i].name, num);
    }
    fprintf(f, "\n  record: %s, x %.0f, %.4g ms each, %s-bound\n",
            st->op.present ? "present" : "absent", st->op.count, st->op.time_s * 1e3,
            lr_bound_names[st->op.bound]);
}

typedef struct job {
    const lr_explain *x;
    enum lr_format fmt;
} job;

static int
write_explain(FILE *f, void *ud)
{
    const job *j = ud;
    const lr_explain *x = j->x;
    if (j->fmt == LR_FMT_JSON) {
        lr_jw w;
        lr_jw_init(&w, f, 1);
        lr_jw_explain(&w, x);
        return ferror(f) ? -1 : 0;
    }
    fprintf(f, "op:     %s (%s, %s)\nnode:   %s\nclass:  %s (entry %s)\n", x->path, x->op, x->kind,
            x->node[0] ? x->node : "(root)", x->cls, x->module);
    print_params(f, x);
    print_stage(f, "prefill", &x->stage[LR_PREFILL]);
    print_stage(f, "decode", &x->stage[LR_DECODE]);
    return ferror(f) ? -1 : 0;
}

int
cmd_explain(int argc, char **argv)
{
    static const char *const names[] = {"--op"};
    const char *op = NULL;
    build_usage();
    if (cli_take_opts("explain", &argc, argv, names, 1, &op) < 0)
        return EXIT_USAGE;
    analysis_opts o;
    int rc;
    if (analysis_opts_parse("explain", usage, rejects, argc, argv, &o, &rc) < 0)
        return rc;
    if (!op)
        return cli_usage_error("explain", "--op PATH is required (an op's path from `llmroof "
                                          "analyze --format json`)");
    if (o.fmt != LR_FMT_TABLE && o.fmt != LR_FMT_JSON)
        return cli_usage_error("explain", "--format: expected table or json");
    if (o.nprofiles > 1)
        return cli_usage_error("explain", "one --profile only");
    analysis a;
    rc = analysis_run(&a, &o, o.nprofiles ? o.profiles[0] : NULL);
    if (rc == EXIT_OK) {
        lr_error err;
        memset(&err, 0, sizeof err);
        lr_explain *x = lr_plan_explain_op(a.arch, a.prof, a.hw, &o.s, op, &err);
        if (!x) {
            cli_print_error(&err);
            rc = EXIT_INPUT;
        } else {
            job j = {x, o.fmt};
            rc = cli_write_output(o.out, write_explain, &j);
        }
        lr_explain_free(x);
    }
    analysis_free(&a);
    return rc;
}
