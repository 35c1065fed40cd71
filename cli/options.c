/*
 * options.c: parsing of the analysis options, and loading + running one
 * analysis from them.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "userdb.h"

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

/* Option codes of the options that are not settings; row i of the settings
 * table is OPT_ROW + i (and OPT_NEG + i for its --no-OPTION form). */
enum {
    OPT_CONFIG = 2001,
    OPT_SET,
    OPT_SVG,
    OPT_SETTING,
    OPT_HW_SET,
    OPT_FAMILY,
    OPT_ROW = 3000,
    OPT_NEG = 3100,
};

#define MAX_OPTS 64
#define NEG_LEN 48

static const struct option fixed_opts[] = {
    {"hardware", required_argument, NULL, 'H'},
    {"stage", required_argument, NULL, 'S'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"profile", required_argument, NULL, 'P'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"set", required_argument, NULL, OPT_SET},
    {"svg", required_argument, NULL, OPT_SVG},
    {"setting", required_argument, NULL, OPT_SETTING},
    {"hw-set", required_argument, NULL, OPT_HW_SET},
    {"family", required_argument, NULL, OPT_FAMILY},
    {"help", no_argument, NULL, 'h'},
};

/* The getopt table: the fixed options, then one per settings row (flags
 * bare, a flag that is on by default as --no-OPTION). `neg` holds the
 * "no-..." spellings. */
static void
build_options(struct option *opts, char (*neg)[NEG_LEN])
{
    size_t n = 0;
    for (; n < sizeof fixed_opts / sizeof fixed_opts[0]; n++)
        opts[n] = fixed_opts[n];
    for (size_t i = 0; i < lr_setting_count() && n + 1 < MAX_OPTS; i++, n++) {
        const lr_setting_info *in = lr_setting_at(i);
        int flag = in->type == LR_SET_FLAG;
        opts[n] = (struct option){in->option, flag ? no_argument : required_argument, NULL,
                                  OPT_ROW + (int)i};
        if (cli_setting_negated(i)) {
            snprintf(neg[i], NEG_LEN, "no-%s", in->option);
            opts[n] = (struct option){neg[i], no_argument, NULL, OPT_NEG + (int)i};
        }
    }
    opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* One settings option: the value (or "true"/"false" for a bare flag)
 * through the table. */
static int
row_option(const char *cmd, lr_settings *s, int c, const char *arg)
{
    int neg = c >= OPT_NEG;
    size_t i = (size_t)(c - (neg ? OPT_NEG : OPT_ROW));
    const lr_setting_info *in = lr_setting_at(i);
    char opt[NEG_LEN + 8];
    snprintf(opt, sizeof opt, "--%s%s", neg ? "no-" : "", in->option);
    const char *v = in->type != LR_SET_FLAG ? arg : neg ? "false" : "true";
    return cli_setting_set(cmd, s, in->name, v, opt);
}

/* --setting NAME=VALUE: any row, by its JSON name or option spelling. */
static int
generic_setting(const char *cmd, lr_settings *s, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        cli_usage_error(cmd, "--setting: expected NAME=VALUE (e.g. seq_len=4096), got '%s'", arg);
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
    char opt[96];
    snprintf(opt, sizeof opt, "--setting %s", name);
    return cli_setting_set(cmd, s, name, eq + 1, opt);
}

static int
other_option(const char *cmd, const char *usage, analysis_opts *o, int c, int *exit_code)
{
    switch (c) {
    case 'H': o->hardware = optarg; break;
    case 'S':
        o->do_prefill = strcmp(optarg, "prefill") == 0 || strcmp(optarg, "both") == 0;
        o->do_decode = strcmp(optarg, "decode") == 0 || strcmp(optarg, "both") == 0;
        if (!o->do_prefill && !o->do_decode)
            return fail_usage(
                exit_code, cli_usage_error(
                               cmd, "--stage: expected prefill, decode or both, got '%s'", optarg));
        break;
    case 'f':
        o->fmt_given = 1;
        if (parse_format(optarg, &o->fmt) < 0)
            return fail_usage(
                exit_code, cli_usage_error(
                               cmd, "--format: expected table, json, csv or md, got '%s'", optarg));
        break;
    case 'P':
        if (o->nprofiles == MAX_PROFILES)
            return fail_usage(exit_code, cli_usage_error(cmd, "--profile given more than %d times",
                                                         MAX_PROFILES));
        o->profiles[o->nprofiles++] = optarg;
        break;
    case OPT_CONFIG: o->config = optarg; break;
    case OPT_SET: return add_set(cmd, o, optarg, exit_code);
    case OPT_SVG: o->svg = optarg; break;
    case OPT_HW_SET:
        if (!strchr(optarg, '=') || optarg[0] == '=')
            return fail_usage(exit_code, cli_usage_error(cmd,
                                                         "--hw-set: expected KEY=VALUE (e.g. "
                                                         "memory_bandwidth=3.35T), got '%s'",
                                                         optarg));
        if (o->nhw_sets == MAX_SETS)
            return fail_usage(exit_code,
                              cli_usage_error(cmd, "--hw-set given more than %d times", MAX_SETS));
        o->hw_sets[o->nhw_sets++] = optarg;
        break;
    case OPT_FAMILY: cli_family = optarg; break;
    case OPT_SETTING:
        if (generic_setting(cmd, &o->s, optarg) < 0)
            return fail_usage(exit_code, EXIT_USAGE);
        break;
    case 'o': o->out = optarg; break;
    case 'h': fputs(usage, stdout); return fail_usage(exit_code, EXIT_OK);
    default: return fail_usage(exit_code, EXIT_USAGE); /* reported by the caller */
    }
    return 0;
}

/* The name of the option getopt returned code `c` for: its long name
 * (NULL for -o and -h). */
static const char *
option_name(const struct option *opts, int c)
{
    for (const struct option *p = opts; p->name; p++)
        if (p->val == c)
            return p->name;
    return c == 'o' ? "output" : NULL;
}

/* An option the command does not take: its hint, or NULL. */
static const opt_reject *
rejected(const opt_reject *rej, const char *name)
{
    for (; rej && name && rej->opt; rej++)
        if (strcmp(rej->opt, name) == 0 ||
            (strncmp(name, "no-", 3) == 0 && strcmp(rej->opt, name + 3) == 0))
            return rej;
    return NULL;
}

int
cli_not_taken(const char *cmd, const char *opt, const char *hint)
{
    fprintf(stderr, "llmroof: %s does not take --%s (%s); see `llmroof %s --help`\n", cmd, opt,
            hint, cmd);
    return EXIT_USAGE;
}

/* -o FILE without --format: .json, .csv and .md choose the format; .svg
 * and .html name what writes them; other names keep the table. */
static int
format_from_output(const char *cmd, analysis_opts *o, const opt_reject *rej)
{
    const char *dot = o->out ? strrchr(o->out, '.') : NULL;
    if (!dot || strchr(dot, '/') || rejected(rej, "format"))
        return 0;
    enum lr_format f;
    if (parse_format(dot + 1, &f) == 0 && f != LR_FMT_TABLE) {
        if (o->fmt_given && f != o->fmt)
            return cli_usage_error(cmd, "-o %s: the extension says %s, --format says otherwise",
                                   o->out, dot + 1);
        o->fmt = f;
    } else if (!o->fmt_given && (!strcmp(dot, ".svg") || !strcmp(dot, ".html"))) {
        return cli_usage_error(cmd,
                               "-o %s: charts are written by --svg FILE (analyze, generate) "
                               "or `llmroof plot`, pages by `llmroof report --html FILE`",
                               o->out);
    }
    return 0;
}

int
analysis_opts_parse(const char *cmd, const char *usage, const opt_reject *rej, int argc,
                    char **argv, analysis_opts *o, int *exit_code)
{
    struct option opts[MAX_OPTS];
    char neg[MAX_OPTS][NEG_LEN];
    build_options(opts, neg);
    memset(o, 0, sizeof *o);
    lr_settings_default(&o->s);
    o->hardware = DEFAULT_HARDWARE;
    o->model = DEFAULT_MODEL;
    o->do_prefill = o->do_decode = 1;
    o->fmt = LR_FMT_TABLE;
    int c;
    opterr = 0; /* one line of our own instead of getopt's and the whole help */
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return fail_usage(exit_code, cli_bad_option(cmd, c, argv, opts));
        const opt_reject *r = rejected(rej, option_name(opts, c));
        if (r)
            return fail_usage(exit_code, cli_not_taken(cmd, option_name(opts, c), r->hint));
        if (c >= OPT_ROW) {
            if (row_option(cmd, &o->s, c, optarg) < 0)
                return fail_usage(exit_code, EXIT_USAGE);
        } else if (other_option(cmd, usage, o, c, exit_code) < 0) {
            return -1;
        }
    }
    if (argc - optind > 1)
        return fail_usage(exit_code, cli_usage_error(cmd,
                                                     "expected at most one MODEL, got %d "
                                                     "arguments",
                                                     argc - optind));
    if (optind < argc)
        o->model = argv[optind];
    if (format_from_output(cmd, o, rej) != 0)
        return fail_usage(exit_code, EXIT_USAGE);
    return 0;
}

/* "--seq-len N", "--attention eager|flash", "--no-causal": the left column
 * of row i's help line. */
static void
usage_left(size_t i, char *buf, size_t cap)
{
    const lr_setting_info *in = lr_setting_at(i);
    size_t n =
        (size_t)snprintf(buf, cap, "--%s%s", cli_setting_negated(i) ? "no-" : "", in->option);
    if (in->type == LR_SET_WHOLE || in->type == LR_SET_NUMBER)
        snprintf(buf + n, cap - n, " N");
    if (in->type == LR_SET_TEXT)
        snprintf(buf + n, cap - n, " NAME");
    for (int k = 0; in->type == LR_SET_CHOICE && in->choices[k] && n < cap; k++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", k ? "|" : " ", in->choices[k]);
}

/* Appends `text` to `out` in lines of at most 78 columns, the first after a
 * left column of 20, the rest indented by 20. */
static size_t
wrap(char *out, size_t n, size_t cap, const char *left, const char *text)
{
    enum { INDENT = 20, WIDTH = 78 };
    int col = INDENT;
    if (strlen(left) + 3 <= INDENT)
        n += (size_t)snprintf(out + n, cap - n, "  %-17s ", left);
    else
        n += (size_t)snprintf(out + n, cap - n, "  %s\n%*s", left, INDENT, "");
    for (const char *p = text; *p && n < cap;) {
        size_t w = strcspn(p, " ");
        if (col > INDENT && col + 1 + (int)w > WIDTH) {
            n += (size_t)snprintf(out + n, cap - n, "\n%*s", INDENT, "");
            col = INDENT;
        } else if (col > INDENT) {
            n += (size_t)snprintf(out + n, cap - n, " ");
            col++;
        }
        n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)w, p);
        col += (int)w;
        p += w + (p[w] == ' ');
    }
    return n + (size_t)snprintf(out + n, cap - n, "\n");
}

/* Row i's help: the table's text, then its default (and unit) unless the
 * text already says what the default is. */
static void
usage_help(size_t i, char *buf, size_t cap)
{
    const lr_setting_info *in = lr_setting_at(i);
    if (strstr(in->help, "default")) {
        snprintf(buf, cap, "%s", in->help);
        return;
    }
    lr_settings d;
    lr_settings_default(&d);
    char v[64];
    lr_settings_format(&d, i, v, sizeof v);
    if (in->type == LR_SET_FLAG)
        snprintf(v, sizeof v, "%s", lr_settings_value(&d, i) != 0 ? "on" : "off");
    snprintf(buf, cap, "%s (default %s%s%s)", in->help, v, in->unit[0] ? "; in " : "", in->unit);
}

/* One line of the fixed options' help, unless the command rejects it. */
static size_t
fixed_line(char *text, size_t n, size_t cap, const opt_reject *rej, const char *opt,
           const char *lines)
{
    if (n >= cap || rejected(rej, opt))
        return n;
    return n + (size_t)snprintf(text + n, cap - n, "%s", lines);
}

const char *
analysis_opts_usage(const opt_reject *rej)
{
    static char text[8192];
    size_t n = 0, cap = sizeof text;
    n = wrap(text, n, cap, "--hardware ID|FILE",
             "device (default " DEFAULT_HARDWARE "; see `llmroof hardware list`), or a "
             "JSON file of one device in the schema of data/hardware (docs/hardware.md)");
    n = wrap(text, n, cap, "--hw-set KEY=VALUE",
             "override one field of the device, repeatable: memory_bandwidth=4T, "
             "memory_bytes=96GiB, peak_flops.fp16=1e15, interconnect_bandwidth=450G, ...");
    for (size_t i = 0; i < lr_setting_count() && n < cap; i++) {
        if (rejected(rej, lr_setting_at(i)->option))
            continue;
        char left[64], help[512];
        usage_left(i, left, sizeof left);
        usage_help(i, help, sizeof help);
        n = wrap(text, n, cap, left, help);
    }
    n = fixed_line(text, n, cap, rej, "setting",
                   "  --setting NAME=VALUE\n"
                   "                    any setting above by its name (seq_len or seq-len),\n"
                   "                    repeatable (for scripts)\n");
    n = fixed_line(text, n, cap, rej, "stage",
                   "  --stage S         prefill, decode or both (default both)\n");
    n = fixed_line(text, n, cap, rej, "profile",
                   "  --profile NAME    counting conventions: default, llm-viewer, or a "
                   "directory\n");
    n = fixed_line(text, n, cap, rej, "config",
                   "  --config FILE     MODEL is a print(model) text: the model's config.json, "
                   "for\n"
                   "                    what the text does not show (head counts)\n");
    n = fixed_line(text, n, cap, rej, "set",
                   "  --set NAME=VALUE  override one config field (a config.json, a bundled\n"
                   "                    model, a GGUF file's metadata, a print(model) text),\n"
                   "                    repeatable (e.g. --set num_hidden_layers=16)\n");
    n = fixed_line(text, n, cap, rej, "family",
                   "  --family NAME     MODEL is a config.json: use the template of this family\n"
                   "                    (llmroof arch lists them when the class is unknown)\n");
    n = fixed_line(text, n, cap, rej, "format",
                   "  --format F        table, json, csv or md (default table; else -o's\n"
                   "                    extension: .json, .csv, .md)\n");
    n = fixed_line(text, n, cap, rej, "output",
                   "  -o, --output FILE write there (atomically) instead of standard output\n");
    n = fixed_line(text, n, cap, rej, "svg",
                   "  --svg FILE        also write charts there (docs/plots.md)\n");
    n = fixed_line(text, n, cap, rej, "help",
                   "  MODEL -           the model (config.json, architecture JSON or\n"
                   "                    print(model) text) from standard input\n"
                   "  -h, --help        this text\n");
    return text;
}

/* A model directory with safetensors: the library compares their parameter
 * count with the config's tree; a mismatch is a warning naming tensors the
 * tree lacks. */
static void
cross_check_safetensors(const analysis *a, const char *model)
{
    lr_safetensors_check c;
    lr_error err;
    if (lr_safetensors_check_model(a->plan, model, &c, &err) < 0)
        cli_print_error(&err);
    else if (c.checked && c.file_params != c.tree_params) {
        fprintf(stderr,
                "llmroof: warning: the safetensors hold %.0f parameters in %zu tensors, the "
                "config's tree %.0f (difference %+.0f)\n",
                c.file_params, c.ntensors, c.tree_params, c.file_params - c.tree_params);
        for (size_t i = 0; i < c.nmissing; i++)
            fprintf(stderr, "llmroof: warning:   tensor %s (%.0f elements) has no node %s\n",
                    c.missing[i].name, c.missing[i].elements, c.missing[i].node);
    } else if (c.checked) {
        fprintf(stderr, "llmroof: note: the safetensors' %.0f parameters match the config\n",
                c.file_params);
    }
    lr_safetensors_check_free(&c);
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

/* --tp/--pp/--ep that the model or the device cannot take: a usage error,
 * named before any analysis runs. */
static int
check_parallel(const analysis *a, const lr_settings *s)
{
    lr_error err;
    if (lr_check_parallel(a->arch, a->hw, s, &err) < 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* generate and serve-plan: lengths the user did not give share the
 * context with those given (the default prompt 1024 + 256 generated on a
 * 1024-token model: prompt 768); a length given beyond it stays, for
 * lr_check_settings to refuse. */
static void
fit_lengths(const lr_arch *arch, analysis_opts *o)
{
    double *p = o->len[0], *g = o->len[1], ctx = arch->max_context;
    double p0 = *p, g0 = *g;
    if (!o->len_given[0] && !o->len_given[1]) {
        *g = ctx > 2 * *g ? *g : floor(ctx / 2);
        *p = ctx - *g;
    } else if (!o->len_given[1] && *p < ctx) {
        *g = ctx - *p;
    } else if (!o->len_given[0] && *g < ctx) {
        *p = ctx - *g;
    }
    if (*p == p0 && *g == g0)
        return;
    fprintf(stderr,
            "llmroof: note: prompt %.0f + %.0f generated tokens exceed the context of %s "
            "(%.0f tokens): prompt %.0f, generate %.0f (--prompt-len, --gen-len or "
            "--allow-long-context choose)\n",
            p0, g0, arch->name, ctx, *p, *g);
    o->seq_tokens = *p + *g;
}

/* Lengths the user did not give are cut to the model's context, with a
 * note; given ones are checked (lr_check_settings). */
static void
fit_context(const lr_arch *arch, analysis_opts *o)
{
    if (arch->max_context <= 0 || o->s.allow_long_context)
        return;
    if (o->len[0] && o->len[1]) {
        if (*o->len[0] + *o->len[1] > arch->max_context)
            fit_lengths(arch, o);
        return;
    }
    double was = o->s.seq_len;
    if (lr_settings_fit_context(&o->s, arch))
        fprintf(stderr,
                "llmroof: note: seq_len %.0f (the default) exceeds the context of %s: %.0f tokens "
                "(--seq-len or --allow-long-context choose)\n",
                was, arch->name, o->s.seq_len);
}

int
analysis_run(analysis *a, analysis_opts *o, const char *profile)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    memset(a, 0, sizeof *a);
    int rc;
    if (!(a->prof = cli_load_profile(profile)) || !(a->hwdb = cli_load_hw(a->prof)))
        return EXIT_INPUT;
    /* the device first: a typo in its id is found before the model loads */
    if (!(a->hw = cli_find_hw(a->hwdb, o->hardware, a->prof, &rc)))
        return rc;
    if ((rc = cli_hw_sets(a->hwdb, a->hw, o->hw_sets, o->nhw_sets)) != EXIT_OK)
        return rc;
    if (!(a->arch = cli_load_model_ex(a->prof, o->model, o->config, o->sets, o->nsets)))
        return cli_model_exit(o->model);
    /* a weight file (GGUF) fixes the bytes per weight: its tensors' types,
     * mixed in a Q4_K_M file, give the effective bits unless --w-bit says;
     * a checkpoint's quantization_config selects a preset unless --quant */
    double bits = lr_arch_weight_bits(a->arch);
    int from_file = bits > 0 && !lr_settings_given(&o->s, "w_bit");
    int from_config = a->arch->quant.preset[0] && !lr_settings_given(&o->s, "quant");
    if (lr_settings_apply_model(&o->s, a->arch, &err) < 0) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    if (from_file)
        fprintf(stderr,
                "llmroof: note: weights at %.4g bits (the file's tensors; --w-bit overrides)\n",
                o->s.w_bit);
    if (from_config)
        fprintf(stderr,
                "llmroof: note: quantization '%s' from %s (%zu modules kept 16-bit by its "
                "exclusion list; --quant and the other options override)\n",
                a->arch->quant.preset, a->arch->quant.source, a->arch->quant.nexcluded);
    /* an engine the data lacks is a usage error, listing the known ones */
    if (lr_profile_engine_check(a->prof, o->s.engine, &err) < 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    /* the engine preset's defaults (explicit settings win), then lengths
     * the user did not give cut to the model's context */
    if (lr_settings_apply_engine(&o->s, a->prof, &err) < 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    fit_context(a->arch, o);
    if ((rc = check_parallel(a, &o->s)) != EXIT_OK)
        return rc;
    /* what an engine refuses before it starts (lr_check_settings) */
    char warn[512];
    double seq = o->seq_tokens > 0 ? o->seq_tokens : o->s.seq_len;
    if (lr_check_settings(a->arch, a->hw, &o->s, seq, warn, sizeof warn, &err) < 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    if (warn[0])
        fprintf(stderr, "llmroof: warning: %s\n", warn);
    if (!(a->plan = lr_plan_new(a->arch, lr_profile_db(a->prof), &err))) {
        cli_print_error(&err);
        return EXIT_INPUT;
    }
    if (strcmp(o->model, "-") != 0)
        cross_check_safetensors(a, o->model);
    double cover = lr_arch_weight_coverage(a->arch, a->plan);
    if (cover > 0 && cover < 0.99)
        fprintf(stderr,
                "llmroof: warning: the weight file's tensors hold %.0f parameters, the "
                "architecture %.0f: %.1f%% have no tensor (a partial file?); the bits per weight "
                "come from the tensors present\n",
                a->arch->weight_params, lr_plan_params(a->plan), (1 - cover) * 100);
    a->r = lr_result_new(a->plan);
    if (lr_analyze(a->plan, a->prof, a->hw, &o->s, o->do_prefill, o->do_decode, a->r, &err) < 0) {
        cli_print_error(&err);
        return EXIT_EVAL;
    }
    return EXIT_OK;
}
