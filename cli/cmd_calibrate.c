/*
 * cmd_calibrate.c: `llmroof calibrate FILE... --hardware ID [--engine E]
 * [-o FILE | --save]`: fits the efficiency parameters of a device's class to
 * measured kernel times (CSV, docs/calibrate.md), prints the residuals
 * before and after the fit and held out, and writes the fit as an
 * efficiency file that `--calibration FILE` (or, saved, the user's
 * efficiency directory) lays over the bundled data. The fitting is the
 * library's (lr_calib_*); this file parses options and prints.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "userdb.h"

static const char usage[] =
    "usage: llmroof calibrate FILE... --hardware ID [options]\n"
    "\n"
    "Fits the efficiency model's parameters of the device's class (compute and\n"
    "bandwidth efficiency, GEMM small-M and GEMV terms, bandwidth ramp, kernel\n"
    "overhead, per op kind) to measured times, by minimising the mean squared\n"
    "log error of expected against measured (docs/calibrate.md). FILE: CSV in\n"
    "a kernel format of ../shared/kernels (gemm: m,n,k,gemm_dtype,latency_ms;\n"
    "context attention: batch_size,seq_len,num_heads,num_kv_heads,head_dim,\n"
    "latency_ms; generation attention: batch_size,kv_len,...), one format per\n"
    "file, uncompressed (pipe a .gz through `gzip -dc`). End to end: model,\n"
    "batch,prompt_len,gen_len and ttft_s, tpot_s and/or output_tokens_per_s\n"
    "(tp, attention optional): fits the engine's step_overhead_s per stage.\n"
    "\n"
    "  --hardware ID        the device measured (id, alias or a JSON file)\n"
    "  --engine NAME        the engine preset whose parameters are the start\n"
    "                       (default: the profile's; pytorch for plain kernels)\n"
    "  --cuda-graphs yes|no|engine  the measurements ran inside CUDA graphs\n"
    "                       (aiconfigurator's tables: yes; fits\n"
    "                       kernel_overhead_graphs_s) or kernel by kernel (no:\n"
    "                       kernel_overhead_s); default engine: as the engine\n"
    "                       runs the stage\n"
    "  --folds K            k-fold held-out estimate by rows (default 5; 0 none)\n"
    "  --max-rows N         use every n-th row of a file beyond N rows (0: all)\n"
    "  -o, --output FILE    write the fit as an efficiency file (atomically)\n"
    "  --save               write it to the user's efficiency directory\n"
    "                       ($LLMROOF_EFFICIENCY_DIR or\n"
    "                       ~/.local/share/llmroof/efficiency/ID.json), which every\n"
    "                       later command applies\n"
    "\n"
    "Apply a written file with `llmroof --calibration FILE COMMAND ...`.\n";

typedef struct copts {
    const char *hardware, *out;
    int save;
    lr_calib_opts o;
} copts;

static int
parse_graphs(const char *arg, int *out)
{
    if (strcmp(arg, "yes") == 0)
        *out = 1;
    else if (strcmp(arg, "no") == 0)
        *out = 0;
    else if (strcmp(arg, "engine") == 0)
        *out = -1;
    else
        return cli_usage_error("calibrate", "--cuda-graphs: expected yes, no or engine, got '%s'",
                               arg);
    return 0;
}

static int
parse_opts(int argc, char **argv, copts *c)
{
    static const struct option opts[] = {
        {"hardware", required_argument, NULL, 'w'},
        {"engine", required_argument, NULL, 'e'},
        {"cuda-graphs", required_argument, NULL, 'g'},
        {"folds", required_argument, NULL, 'f'},
        {"max-rows", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"save", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(c, 0, sizeof *c);
    c->o.graphs = -1;
    c->o.folds = 5;
    opterr = 0;
    int ch;
    double d;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'w': c->hardware = optarg; break;
        case 'e': c->o.engine = optarg; break;
        case 'o': c->out = optarg; break;
        case 's': c->save = 1; break;
        case 'g':
            if (parse_graphs(optarg, &c->o.graphs))
                return EXIT_USAGE;
            break;
        case 'f':
            if (cli_parse_whole("--folds", optarg, 0, 100, &d) < 0)
                return EXIT_USAGE;
            c->o.folds = (int)d;
            break;
        case 'm':
            if (cli_parse_whole("--max-rows", optarg, 0, 1e9, &d) < 0)
                return EXIT_USAGE;
            c->o.max_rows = (size_t)d;
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option("calibrate", ch, argv, opts);
        }
    }
    if (optind >= argc)
        return cli_usage_error("calibrate", "FILE is required (CSV of measured times)");
    if (!c->hardware)
        return cli_usage_error("calibrate", "--hardware ID is required (the device measured)");
    if (c->out && c->save)
        return cli_usage_error("calibrate", "-o FILE and --save: give one");
    return 0;
}

static void
print_stats(const lr_calib *c)
{
    static const char *const which[3] = {"before", "after", "held out"};
    printf("%-22s %-9s %7s %8s %8s %8s %13s\n", "measured / expected", "", "rows", "median", "p10",
           "p90", "median |err|");
    for (size_t i = 0; i < lr_calib_stats_count(c); i++)
        for (int w = 0; w < 3; w++) {
            const lr_calib_stats *s = lr_calib_stats_get(c, w, i);
            if (!s || s->n == 0)
                continue;
            printf("%-22s %-9s %7zu %8.3f %8.3f %8.3f %12.1f%%\n", w == 0 ? s->category : "",
                   which[w], s->n, s->median, s->p10, s->p90, 100 * s->median_abs_err);
        }
}

static void
print_params(const lr_calib *c)
{
    printf("\nparameters of class %s (before -> after):\n", lr_calib_class(c));
    for (size_t i = 0; i < lr_calib_param_count(c); i++) {
        const char *kind, *name;
        double b, a;
        lr_calib_param(c, i, &kind, &name, &b, &a);
        printf("  %-10s %-26s %12.4g -> %.4g\n", kind, name, b, a);
    }
}

static void
print_overheads(const lr_calib *c)
{
    for (int st = 0; st < 2; st++) {
        double b, a;
        if (lr_calib_overhead(c, st, &b, &a))
            printf("%sengine %s step_overhead_s.%s %12.4g -> %.4g\n", st == 0 ? "\n" : "",
                   lr_calib_engine(c), st == 0 ? "prefill" : "decode", b, a);
    }
}

/* The models the end-to-end rows name, loaded as the analyses load them
 * and lent to the fit; *archs and *plans are the caller's to free. */
static int
load_models(lr_calib *c, const lr_profile *prof, lr_arch ***archs, lr_plan ***plans)
{
    size_t n = lr_calib_model_count(c);
    *archs = calloc(n + 1, sizeof **archs);
    *plans = calloc(n + 1, sizeof **plans);
    if (!*archs || !*plans)
        return EXIT_IO;
    for (size_t i = 0; i < n; i++) {
        lr_error err;
        memset(&err, 0, sizeof err);
        (*archs)[i] = cli_load_model(prof, lr_calib_model_name(c, i));
        if (!(*archs)[i])
            return EXIT_INPUT;
        (*plans)[i] = lr_plan_new((*archs)[i], lr_profile_db(prof), &err);
        if (!(*plans)[i]) {
            cli_print_error(&err);
            return EXIT_INPUT;
        }
        lr_calib_set_plan(c, i, (*plans)[i]);
    }
    return EXIT_OK;
}

static int
write_file(FILE *f, void *ud)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_calibration(&w, ud);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

static int
run(copts *co, int nfiles, char **files)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_profile *prof = cli_load_profile(NULL);
    lr_hwdb *db = prof ? cli_load_hw(prof) : NULL;
    if (!db) {
        lr_profile_free(prof);
        return EXIT_INPUT;
    }
    int rc;
    const lr_hw *hw = cli_find_hw(db, co->hardware, prof, &rc);
    lr_calib *c = lr_calib_new();
    size_t skipped = 0;
    for (int i = 0; hw && i < nfiles && rc == EXIT_OK; i++) {
        size_t sk = 0;
        if (lr_calib_read(c, files[i], &sk, &err) < 0) {
            cli_print_error(&err);
            rc = EXIT_INPUT;
        }
        skipped += sk;
    }
    lr_arch **archs = NULL;
    lr_plan **plans = NULL;
    if (hw && rc == EXIT_OK)
        rc = load_models(c, prof, &archs, &plans);
    if (hw && rc == EXIT_OK && lr_calib_fit(c, prof, hw, &co->o, &err) < 0) {
        cli_print_error(&err);
        rc = strstr(err.msg, "unknown engine") ? EXIT_USAGE : EXIT_EVAL;
    }
    if (hw && rc == EXIT_OK) {
        printf("calibrate %s (class %s): %zu rows from %d file(s)", hw->id, lr_calib_class(c),
               lr_calib_rows(c), nfiles);
        if (skipped)
            printf(", %zu rows skipped (sliding windows: not modelled)", skipped);
        printf("\n\n");
        print_stats(c);
        if (lr_calib_has_kernels(c))
            print_params(c);
        print_overheads(c);
        char path[4096];
        const char *out = co->out;
        if (co->save && cli_user_efficiency_dir()) {
            snprintf(path, sizeof path, "%s/%s.json", cli_user_efficiency_dir(), hw->id);
            out = path;
            if (cli_make_parent_dir(path) < 0)
                rc = EXIT_IO;
        } else if (co->save) {
            fprintf(stderr, "llmroof: error: --save: no user directory ($HOME is not set; set "
                            "LLMROOF_EFFICIENCY_DIR)\n");
            rc = EXIT_IO;
        }
        if (out && rc == EXIT_OK && (rc = cli_write_output(out, write_file, c)) == EXIT_OK)
            fprintf(stderr, "llmroof: wrote %s\n", out);
    }
    for (size_t i = 0; archs && plans && i < lr_calib_model_count(c); i++) {
        lr_plan_free(plans[i]);
        lr_arch_free(archs[i]);
    }
    free(archs);
    free(plans);
    lr_calib_free(c);
    lr_hwdb_free(db);
    lr_profile_free(prof);
    return rc;
}

int
cmd_calibrate(int argc, char **argv)
{
    copts co;
    int rc = parse_opts(argc, argv, &co);
    if (rc < 0)
        return EXIT_OK;
    if (rc > 0)
        return rc;
    return run(&co, argc - optind, argv + optind);
}
