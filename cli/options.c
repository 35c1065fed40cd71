/*
 * options.c: parsing of the analysis options, and loading + running one
 * analysis from them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "userdb.h"

const char analysis_opts_usage[] =
    "  --hardware ID     device (default " DEFAULT_HARDWARE "; see `llmroof hardware list`)\n"
    "  --batch N         sequences per batch (default 1)\n"
    "  --seq-len N       prompt length in prefill; tokens attended in decode,\n"
    "                    the new one included (default 2048)\n"
    "  --w-bit N         bits per weight (default 16)\n"
    "  --a-bit N         bits per activation (default 16)\n"
    "  --kv-bit N        bits per KV-cache element (default: --a-bit)\n"
    "  --w-group-size G  weights quantized in groups of G with a 16-bit scale each\n"
    "  --w-asym          weight groups also store a 16-bit zero point\n"
    "  --kv-group-size G KV cache quantized in groups of G (scale + zero point)\n"
    "  --a-dtype T       int or fp8: the type of 8-bit activations (default int)\n"
    "  --attention A     eager (default: scores go through memory) or flash (fused)\n"
    "  --no-causal       attention without causal masking (flash skips no tiles)\n"
    "  --all-logits      prefill computes logits for every token, not only the last\n"
    "  --tp N            tensor parallel: heads and MLP columns split over N devices,\n"
    "                    two all-reduces per layer (per-device figures)\n"
    "  --pp N            pipeline parallel: layers split over N stages\n"
    "  --ep N            expert parallel: MoE experts split over N devices\n"
    "  --microbatches M  pipeline micro-batches (the batch is split in M)\n"
    "  --stage S         prefill, decode or both (default both)\n"
    "  --profile NAME    counting conventions: default, llm-viewer, or a directory\n"
    "  --config FILE     MODEL is a print(model) text: the model's config.json, for\n"
    "                    what the text does not show (head counts)\n"
    "  --set NAME=VALUE  the same for one config field, repeatable\n"
    "                    (e.g. --set num_attention_heads=32)\n"
    "  --format F        table, json, csv or md (default table)\n"
    "  -o, --output FILE write there (atomically) instead of standard output\n"
    "  --svg FILE        analyze, generate: also write charts there (docs/plots.md)\n"
    "  -h, --help        this text\n";

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

static int
fail_usage(int *exit_code, int code)
{
    *exit_code = code;
    return -1;
}

/* --set NAME=VALUE: the library reads the value; here only the form. */
static int
add_set(const char *cmd, analysis_opts *o, const char *arg, int *exit_code)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return fail_usage(exit_code, cli_usage_error(cmd,
                                                     "--set: expected NAME=VALUE (e.g. "
                                                     "num_attention_heads=32), got '%s'",
                                                     arg));
    if (o->nsets == MAX_SETS)
        return fail_usage(exit_code,
                          cli_usage_error(cmd, "--set given more than %d times", MAX_SETS));
    o->sets[o->nsets++] = arg;
    return 0;
}

int
analysis_opts_parse(const char *cmd, const char *usage, int argc, char **argv, analysis_opts *o,
                    int *exit_code)
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
        {"config", required_argument, NULL, 2001},
        {"set", required_argument, NULL, 2002},
        {"svg", required_argument, NULL, 2003},
        {"tp", required_argument, NULL, 1001},
        {"pp", required_argument, NULL, 1002},
        {"ep", required_argument, NULL, 1003},
        {"microbatches", required_argument, NULL, 1004},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    lr_settings_default(&o->s);
    o->hardware = DEFAULT_HARDWARE;
    o->model = DEFAULT_MODEL;
    o->do_prefill = o->do_decode = 1;
    o->fmt = LR_FMT_TABLE;
    int kv_set = 0, c;
    lr_settings *s = &o->s;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'H': o->hardware = optarg; break;
        case 'b':
            if (cli_parse_whole("--batch", optarg, 1, 1e9, &s->batch) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            break;
        case 's':
            if (cli_parse_whole("--seq-len", optarg, 1, 1e9, &s->seq_len) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            break;
        case 'w':
            if (cli_parse_whole("--w-bit", optarg, 1, 32, &s->w_bit) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            o->w_bit_set = 1;
            break;
        case 'a':
            if (cli_parse_int("--a-bit", optarg, 1, 32, &s->a_bit) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            break;
        case 'k':
            if (cli_parse_int("--kv-bit", optarg, 1, 32, &s->kv_bit) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            kv_set = 1;
            break;
        case 'S':
            o->do_prefill = strcmp(optarg, "prefill") == 0 || strcmp(optarg, "both") == 0;
            o->do_decode = strcmp(optarg, "decode") == 0 || strcmp(optarg, "both") == 0;
            if (!o->do_prefill && !o->do_decode)
                return fail_usage(exit_code, cli_usage_error(cmd,
                                                             "--stage: expected prefill, decode "
                                                             "or both, got '%s'",
                                                             optarg));
            break;
        case 'f':
            if (parse_format(optarg, &o->fmt) < 0)
                return fail_usage(exit_code,
                                  cli_usage_error(cmd,
                                                  "--format: expected table, json, csv or md, "
                                                  "got '%s'",
                                                  optarg));
            break;
        case 'L': s->all_logits = 1; break;
        case 'A':
            if (strcmp(optarg, "eager") != 0 && strcmp(optarg, "flash") != 0)
                return fail_usage(
                    exit_code,
                    cli_usage_error(cmd, "--attention: expected eager or flash, got '%s'", optarg));
            s->flash = strcmp(optarg, "flash") == 0;
            break;
        case 'C': s->causal = 0; break;
        case 'g':
            if (cli_parse_whole("--w-group-size", optarg, 1, 1e9, &s->w_group) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            break;
        case 'z': s->w_asym = 1; break;
        case 'G':
            if (cli_parse_whole("--kv-group-size", optarg, 1, 1e9, &s->kv_group) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            break;
        case 'T':
            if (strcmp(optarg, "int") != 0 && strcmp(optarg, "fp8") != 0)
                return fail_usage(
                    exit_code,
                    cli_usage_error(cmd, "--a-dtype: expected int or fp8, got '%s'", optarg));
            s->a_fp8 = strcmp(optarg, "fp8") == 0;
            break;
        case 'P':
            if (o->nprofiles == MAX_PROFILES)
                return fail_usage(
                    exit_code,
                    cli_usage_error(cmd, "--profile given more than %d times", MAX_PROFILES));
            o->profiles[o->nprofiles++] = optarg;
            break;
        case 1001:
        case 1002:
        case 1003:
        case 1004: {
            static const char *const names[] = {"--tp", "--pp", "--ep", "--microbatches"};
            double *dst[] = {&s->tp, &s->pp, &s->ep, &s->microbatches};
            if (cli_parse_whole(names[c - 1001], optarg, 1, 65536, dst[c - 1001]) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
            break;
        }
        case 2001: o->config = optarg; break;
        case 2002:
            if (add_set(cmd, o, optarg, exit_code) < 0)
                return -1;
            break;
        case 2003: o->svg = optarg; break;
        case 'o': o->out = optarg; break;
        case 'h': fputs(usage, stdout); return fail_usage(exit_code, EXIT_OK);
        default: fputs(usage, stderr); return fail_usage(exit_code, EXIT_USAGE);
        }
    }
    if (!kv_set)
        s->kv_bit = s->a_bit;
    if (argc - optind > 1)
        return fail_usage(exit_code, cli_usage_error(cmd,
                                                     "expected at most one MODEL, got %d "
                                                     "arguments",
                                                     argc - optind));
    if (optind < argc)
        o->model = argv[optind];
    return 0;
}

/* "model.layers.12.mlp.up_proj.weight" -> "model.layers.mlp.up_proj": the
 * path of the tree node that holds the tensor (repeats collapse). */
static void
tensor_node_path(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < cap;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int digits = len > 0 && strspn(p, "0123456789") == len;
        int last = !dot;
        if (!digits && !last) {
            n += (size_t)snprintf(out + n, cap - n, "%s%.*s", n ? "." : "", (int)len, p);
        }
        p += len + (dot != NULL);
    }
    out[n < cap ? n : cap - 1] = '\0';
}

static int
plan_has_path(const lr_result *r, const char *path)
{
    size_t l = strlen(path);
    for (size_t i = 0; i < r->stage[0].nops; i++) {
        const char *p = r->stage[0].ops[i].path;
        if (!strncmp(p, path, l) && (p[l] == '\0' || p[l] == '.'))
            return 1;
    }
    return 0;
}

/* A model directory with safetensors: their parameter count against the
 * config's tree; a mismatch is a warning naming tensors the tree lacks. */
static void
cross_check_safetensors(const analysis *a, const char *model)
{
    char dir[4096];
    if (cli_is_dir(model)) {
        snprintf(dir, sizeof dir, "%s", model);
    } else {
        const char *slash = strrchr(model, '/');
        if (!slash || !cli_is_file(model))
            return;
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - model), model);
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/model.safetensors.index.json", dir);
    int has = cli_is_file(probe);
    snprintf(probe, sizeof probe, "%s/model.safetensors", dir);
    if (!has && !cli_is_file(probe))
        return;
    lr_weights_info info;
    lr_error err;
    if (lr_safetensors_read(dir, &info, &err) < 0) {
        cli_print_error(&err);
        return;
    }
    double tree = lr_plan_params(a->plan);
    if (info.params != tree) {
        fprintf(stderr,
                "llmroof: warning: the safetensors hold %.0f parameters in %zu tensors, the "
                "config's tree %.0f (difference %+.0f)\n",
                info.params, info.ntensors, tree, info.params - tree);
        lr_result *r = lr_result_new(a->plan);
        int shown = 0;
        for (size_t i = 0; i < info.ntensors && shown < 10; i++) {
            char path[512];
            tensor_node_path(info.tensors[i].name, path, sizeof path);
            if (!plan_has_path(r, path)) {
                fprintf(stderr, "llmroof: warning:   tensor %s (%.0f elements) has no node %s\n",
                        info.tensors[i].name, info.tensors[i].elements, path);
                shown++;
            }
        }
        lr_result_free(r);
    } else {
        fprintf(stderr, "llmroof: note: the safetensors' %.0f parameters match the config\n",
                info.params);
    }
    lr_weights_info_free(&info);
}

void
analysis_free(analysis *a)
{
    lr_result_free(a->r);
    lr_plan_free(a->plan);
    lr_arch_free(a->arch);
    lr_hwdb_free(a->hwdb);
    lr_profile_free(a->prof);
    memset(a, 0, sizeof *a);
}

int
analysis_run(analysis *a, analysis_opts *o, const char *profile)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    memset(a, 0, sizeof *a);
    if (!(a->prof = cli_load_profile(profile)) || !(a->hwdb = cli_load_hw(a->prof)) ||
        !(a->arch = cli_load_model_ex(a->prof, o->model, o->config, o->sets, o->nsets)))
        return EXIT_INPUT;
    /* a weight file (GGUF) fixes the bytes per weight: its tensors' types,
     * mixed in a Q4_K_M file, give the effective bits unless --w-bit says */
    if (a->arch->weight_bytes > 0 && a->arch->weight_params > 0 && !o->w_bit_set) {
        o->s.w_bit = a->arch->weight_bytes * 8 / a->arch->weight_params;
        if (o->s.w_bit < 1)
            o->s.w_bit = 1;
        fprintf(stderr,
                "llmroof: note: weights at %.4g bits (the file's tensors; --w-bit overrides)\n",
                o->s.w_bit);
    }
    a->hw = lr_hwdb_find(a->hwdb, o->hardware);
    if (!a->hw) {
        fprintf(stderr,
                "llmroof: error: unknown hardware '%s' in profile %s (see `llmroof --profile %s "
                "hardware list`)\n",
                o->hardware, lr_profile_name(a->prof), lr_profile_name(a->prof));
        return EXIT_USAGE;
    }
    if (!(a->plan = lr_plan_new(a->arch, lr_profile_db(a->prof), &err))) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    cross_check_safetensors(a, o->model);
    a->r = lr_result_new(a->plan);
    if (lr_analyze(a->plan, a->prof, a->hw, &o->s, o->do_prefill, o->do_decode, a->r, &err) < 0) {
        cli_print_error(&err);
        return EXIT_EVAL;
    }
    return EXIT_OK;
}
