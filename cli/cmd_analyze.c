/*
 * cmd_analyze.c: `llmroof analyze`: the per-op cost of one prefill and/or
 * one decode step of a model on a device.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: llmroof analyze [MODEL] [options]\n"
    "\n"
    "Per-operation FLOPs, bytes (weights, activations, KV cache), arithmetic\n"
    "intensity, bound and roofline time of a prefill and a decode step.\n"
    "\n"
    "MODEL  a bundled model id (default " DEFAULT_MODEL "; see `llmroof models`),\n"
    "       a config.json or a directory holding one, or an architecture JSON\n"
    "\n"
    "  --hardware ID     device (default " DEFAULT_HARDWARE "; see `llmroof hardware list`)\n"
    "  --batch N         sequences per batch (default 1)\n"
    "  --seq-len N       prompt length in prefill; tokens attended in decode,\n"
    "                    the new one included (default 2048)\n"
    "  --w-bit N         bits per weight (default 16)\n"
    "  --a-bit N         bits per activation (default 16)\n"
    "  --kv-bit N        bits per KV-cache element (default: --a-bit)\n"
    "  --stage S         prefill, decode or both (default both)\n"
    "  --all-logits      prefill computes logits for every token, not only the last\n"
    "  --attention A     eager (default: scores go through memory) or flash (fused)\n"
    "  --no-causal       attention without causal masking (flash skips no tiles)\n"
    "  --w-group-size G  weights quantized in groups of G with a 16-bit scale each\n"
    "  --w-asym          weight groups also store a 16-bit zero point\n"
    "  --kv-group-size G KV cache quantized in groups of G (scale + zero point)\n"
    "  --a-dtype T       int or fp8: the type of 8-bit activations (default int)\n"
    "  --profile NAME    counting conventions: default or llm-viewer, or a directory\n"
    "  --format F        table, json, csv or md (default table)\n"
    "  -o, --output FILE write there (atomically) instead of standard output\n"
    "  -h, --help        this text\n";

typedef struct job {
    lr_result *r;
    lr_plan *plan;
    const char *model;
    enum lr_format fmt;
} job;

static int
write_report(FILE *f, void *ud)
{
    job *j = ud;
    return lr_report_write(f, j->fmt, j->r, j->plan, j->model);
}

static int
parse_format(const char *s, enum lr_format *out)
{
    static const struct {
        const char *name;
        enum lr_format f;
    } names[] = {
        {"table", LR_FMT_TABLE}, {"json", LR_FMT_JSON}, {"csv", LR_FMT_CSV}, {"md", LR_FMT_MD}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    }
    return -1;
}

int
cmd_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hardware", required_argument, NULL, 'H'},
        {"batch", required_argument, NULL, 'b'},
        {"seq-len", required_argument, NULL, 's'},
        {"w-bit", required_argument, NULL, 'w'},
        {"a-bit", required_argument, NULL, 'a'},
        {"kv-bit", required_argument, NULL, 'k'},
        {"stage", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {"all-logits", no_argument, NULL, 'L'},
        {"output", required_argument, NULL, 'o'},
        {"attention", required_argument, NULL, 'A'},
        {"no-causal", no_argument, NULL, 'C'},
        {"w-group-size", required_argument, NULL, 'g'},
        {"w-asym", no_argument, NULL, 'z'},
        {"kv-group-size", required_argument, NULL, 'G'},
        {"a-dtype", required_argument, NULL, 'T'},
        {"profile", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lr_settings s;
    lr_settings_default(&s);
    const char *hwname = DEFAULT_HARDWARE, *out = NULL, *profile_name = NULL;
    int kv_set = 0, do_prefill = 1, do_decode = 1;
    enum lr_format fmt = LR_FMT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'H': hwname = optarg; break;
        case 'b':
            if (cli_parse_whole("--batch", optarg, 1, 1e9, &s.batch) < 0)
                return EXIT_USAGE;
            break;
        case 's':
            if (cli_parse_whole("--seq-len", optarg, 1, 1e9, &s.seq_len) < 0)
                return EXIT_USAGE;
            break;
        case 'w':
            if (cli_parse_int("--w-bit", optarg, 1, 32, &s.w_bit) < 0)
                return EXIT_USAGE;
            break;
        case 'a':
            if (cli_parse_int("--a-bit", optarg, 1, 32, &s.a_bit) < 0)
                return EXIT_USAGE;
            break;
        case 'k':
            if (cli_parse_int("--kv-bit", optarg, 1, 32, &s.kv_bit) < 0)
                return EXIT_USAGE;
            kv_set = 1;
            break;
        case 'S':
            do_prefill = strcmp(optarg, "prefill") == 0 || strcmp(optarg, "both") == 0;
            do_decode = strcmp(optarg, "decode") == 0 || strcmp(optarg, "both") == 0;
            if (!do_prefill && !do_decode)
                return cli_usage_error(
                    "analyze", "--stage: expected prefill, decode or both, got '%s'", optarg);
            break;
        case 'f':
            if (parse_format(optarg, &fmt) < 0)
                return cli_usage_error(
                    "analyze", "--format: expected table, json, csv or md, got '%s'", optarg);
            break;
        case 'L': s.all_logits = 1; break;
        case 'A':
            if (strcmp(optarg, "eager") != 0 && strcmp(optarg, "flash") != 0)
                return cli_usage_error("analyze", "--attention: expected eager or flash, got '%s'",
                                       optarg);
            s.flash = strcmp(optarg, "flash") == 0;
            break;
        case 'C': s.causal = 0; break;
        case 'g':
            if (cli_parse_whole("--w-group-size", optarg, 1, 1e9, &s.w_group) < 0)
                return EXIT_USAGE;
            break;
        case 'z': s.w_asym = 1; break;
        case 'G':
            if (cli_parse_whole("--kv-group-size", optarg, 1, 1e9, &s.kv_group) < 0)
                return EXIT_USAGE;
            break;
        case 'T':
            if (strcmp(optarg, "int") != 0 && strcmp(optarg, "fp8") != 0)
                return cli_usage_error("analyze", "--a-dtype: expected int or fp8, got '%s'",
                                       optarg);
            s.a_fp8 = strcmp(optarg, "fp8") == 0;
            break;
        case 'P': profile_name = optarg; break;
        case 'o': out = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (!kv_set)
        s.kv_bit = s.a_bit;
    if (argc - optind > 1)
        return cli_usage_error("analyze", "expected at most one MODEL, got %d arguments",
                               argc - optind);
    const char *model = optind < argc ? argv[optind] : DEFAULT_MODEL;

    int rc = EXIT_INPUT;
    lr_profile *prof = NULL;
    lr_hwdb *hwdb = NULL;
    lr_arch *arch = NULL;
    lr_plan *plan = NULL;
    lr_result *r = NULL;
    lr_error err;
    memset(&err, 0, sizeof err);
    if (!(prof = cli_load_profile(profile_name)) || !(hwdb = cli_load_hw(prof)) ||
        !(arch = cli_load_model(prof, model)))
        goto out;
    const lr_hw *hw = lr_hwdb_find(hwdb, hwname);
    if (!hw) {
        fprintf(stderr, "llmroof: error: unknown hardware '%s' (see `llmroof hardware list`)\n",
                hwname);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!(plan = lr_plan_new(arch, lr_profile_db(prof), &err))) {
        cli_print_error(&err);
        goto out;
    }
    r = lr_result_new(plan);
    if (lr_analyze(plan, prof, hw, &s, do_prefill, do_decode, r, &err) < 0) {
        cli_print_error(&err);
        rc = EXIT_EVAL;
        goto out;
    }
    job j = {r, plan, arch->name, fmt};
    rc = cli_write_output(out, write_report, &j);
out:
    lr_result_free(r);
    lr_plan_free(plan);
    lr_arch_free(arch);
    lr_profile_free(prof);
    lr_hwdb_free(hwdb);
    return rc;
}
