/*
 * cmd_op.c: `llmroof op CLASS --param NAME=VALUE ... [options]`: one module
 * entry's own ops on a device, with the analysis settings (batch, seq-len,
 * stage, attention, bit widths), in every report format. The model is one
 * node of that class (lr_op_arch), analysed and reported as `analyze` does,
 * so each per-op figure `analyze` reports (roofline time, and the expected
 * time once the efficiency model adds it to lr_op and the report) comes out
 * here too without code of its own. How a user checks one kernel against a
 * measurement.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

#define MAX_PARAMS 64

/* op has no model: the options that would say what model to load are refused */
static const opt_reject rejects[] = {
    {"svg", "the charts are `llmroof analyze --svg FILE` and `llmroof plot`"},
    {"config", "op takes the module's parameters with --param NAME=VALUE"},
    {"set", "op takes the module's parameters with --param NAME=VALUE"},
    {NULL, NULL}};

static char usage[8192];

static void
build_usage(void)
{
    snprintf(usage, sizeof usage,
             "usage: llmroof op CLASS --param NAME=VALUE ... [options]\n"
             "\n"
             "The ops of one module entry on their own: FLOPs, bytes, intensity, bound\n"
             "and roofline time in prefill and decode. CLASS is a class name, an alias\n"
             "or an entry key (`llmroof modules list`); each --param sets a parameter of\n"
             "the entry (`llmroof modules show CLASS` lists them) to a number or a\n"
             "formula over the runtime variables ({B}, {S}, {ctx}, ...). Parameters\n"
             "with a default may be left out. Examples:\n"
             "  llmroof op torch.nn.Linear --param tokens=2048 --param in_features=4096 \\\n"
             "            --param out_features=4096\n"
             "  llmroof op LlamaSdpaAttention --param hidden_size=4096 --param num_heads=32 \\\n"
             "            --param num_kv_heads=8 --param head_dim=128 --attention flash \\\n"
             "            --batch 4 --seq-len 8192 --stage prefill --hardware h100-sxm\n"
             "\n"
             "  --param NAME=VALUE  a parameter of the entry (repeatable)\n"
             "%s",
             analysis_opts_usage(rejects));
}

/* Takes every `--param NAME=VALUE` (or --param=NAME=VALUE) out of argv. */
static int
take_params(int *argc, char **argv, char **names, const char **values, size_t *n)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        const char *p = NULL;
        if (strcmp(argv[i], "--param") == 0) {
            if (i + 1 >= *argc)
                return cli_usage_error("op", "--param needs NAME=VALUE");
            p = argv[++i];
        } else if (strncmp(argv[i], "--param=", 8) == 0) {
            p = argv[i] + 8;
        } else {
            argv[k++] = argv[i];
            continue;
        }
        const char *eq = strchr(p, '=');
        if (!eq || eq == p || !eq[1])
            return cli_usage_error("op", "--param: expected NAME=VALUE, got '%s'", p);
        if (*n == MAX_PARAMS)
            return cli_usage_error("op", "at most %d --param", MAX_PARAMS);
        names[*n] = strndup(p, (size_t)(eq - p));
        values[(*n)++] = eq + 1;
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

typedef struct job {
    const analysis *a;
    enum lr_format fmt;
} job;

static int
write_report(FILE *f, void *ud)
{
    const job *j = ud;
    return lr_report_write(f, j->fmt, j->a->r, j->a->plan, j->a->arch->name);
}

/* Profile, hardware, the one-node model, its plan and analysis. */
static int
run(analysis *a, analysis_opts *o, const char *cls, char **names, const char **values, size_t n)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    memset(a, 0, sizeof *a);
    if (!(a->prof = cli_load_profile(o->nprofiles ? o->profiles[0] : NULL)) ||
        !(a->hwdb = cli_load_hw(a->prof)))
        return EXIT_INPUT;
    a->hw = lr_hwdb_find(a->hwdb, o->hardware);
    if (!a->hw) {
        fprintf(stderr,
                "llmroof: error: unknown hardware '%s' in profile %s (see `llmroof --profile %s "
                "hardware list`)\n",
                o->hardware, lr_profile_name(a->prof), lr_profile_name(a->prof));
        return EXIT_USAGE;
    }
    /* the engine preset's defaults, as for a model (explicit settings win) */
    if (lr_settings_apply_engine(&o->s, a->prof, &err) < 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    a->arch = lr_op_arch(lr_profile_db(a->prof), cls, (const char *const *)names, values, n, &err);
    if (!a->arch || !(a->plan = lr_plan_new(a->arch, lr_profile_db(a->prof), &err))) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    a->r = lr_result_new(a->plan);
    if (lr_analyze(a->plan, a->prof, a->hw, &o->s, o->do_prefill, o->do_decode, a->r, &err) < 0) {
        cli_print_error(&err);
        return EXIT_EVAL;
    }
    return EXIT_OK;
}

int
cmd_op(int argc, char **argv)
{
    char *names[MAX_PARAMS];
    const char *values[MAX_PARAMS];
    size_t n = 0;
    build_usage();
    int rc = take_params(&argc, argv, names, values, &n);
    analysis_opts o;
    if (rc == 0 && analysis_opts_parse("op", usage, rejects, argc, argv, &o, &rc) == 0) {
        if (o.model == NULL || strcmp(o.model, DEFAULT_MODEL) == 0)
            rc = cli_usage_error("op", "CLASS is required (a module class, alias or entry key; "
                                       "see `llmroof modules list`)");
        else if (o.nprofiles > 1)
            rc = cli_usage_error("op", "one --profile only");
        else if (o.svg)
            rc = cli_usage_error("op", "--svg is not available for op");
        else {
            analysis a;
            rc = run(&a, &o, o.model, names, values, n);
            job j = {&a, o.fmt};
            if (rc == EXIT_OK)
                rc = cli_write_output(o.out, write_report, &j);
            analysis_free(&a);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc;
}
