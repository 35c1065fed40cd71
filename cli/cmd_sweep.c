/*
 * cmd_sweep.c: `llmroof sweep`: the cross product of lists of settings
 * (batch, sequence length, bit widths, group sizes, attention, hardware,
 * profile), analysed on all cores, written as CSV or JSON lines in a fixed
 * order. Plans are compiled once per profile and shared read-only by the
 * threads; each thread has its own result buffers, so the sweep allocates
 * nothing per configuration.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdarg.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"

static const char usage_head[] =
    "usage: llmroof sweep [MODEL...] [options]\n"
    "\n"
    "Analyses every combination of the given settings and prints one row per\n"
    "combination (and per op with --ops). Every setting is sweepable: a number\n"
    "takes a value, a list (1,2,4,8) or a range: A:B (every integer), A:B:xK\n"
    "(multiply by K), A:B:+K (add K); a flag takes true, false or true,false;\n"
    "a choice a list of its names. Hardware and profiles take lists, and\n"
    "several models give rows for each (the model varies slowest).\n"
    "\n"
    "The settings (docs/cli.md):\n";
static const char usage_tail[] =
    "  --setting NAME=LIST any of them by its name (seq_len=1:8)\n"
    "  --hardware LIST   device ids (default " DEFAULT_HARDWARE ")\n"
    "  --profile LIST    profiles (default: default)\n"
    "  --models-from FILE  models, one a line (# starts a comment)\n"
    "  --set NAME=VALUE  override a config field of every model (repeatable)\n"
    "  --hw-set KEY=VALUE  override a field of every device (repeatable)\n"
    "  --prompt-len P, --gen-len G\n"
    "                    also a generation per row: TTFT, TPOT, latency, output\n"
    "                    tokens/s, roofline and expected (either given: the other\n"
    "                    defaults to 1024 / 256)\n"
    "  --ops             also one row per op and stage\n"
    "  --format F        csv (default) or jsonl\n"
    "  --threads N       worker threads (default: all cores)\n"
    "  -o, --output FILE write there (atomically)\n"
    "  --svg FILE        also charts: latency, throughput and memory against the\n"
    "                    first numeric setting with several values, one line per\n"
    "                    combination of the others (docs/plots.md)\n"
    "  --x COL --y COL   with --svg: one chart of column COL against COL (any\n"
    "                    numeric column: a setting, prefill_latency_s,\n"
    "                    output_tokens_per_s, ...), a line along the first numeric\n"
    "                    setting with several values per combination of the others\n"
    "\n"
    "A progress bar goes to stderr when it is a terminal and the sweep runs\n"
    "longer than a second.\n";

#define MAXV 4096  /* values per list: enough for 1:4096 */
#define MAXROWS 32 /* rows of the settings table (lr_settings.given has 32 bits) */

#define MAXTEXT 64 /* values of a text row (engines) */

typedef struct list {
    double v[MAXV]; /* as lr_settings_value gives them: flags 0/1, choices their index;
                       a text row: the index in text */
    int n;          /* 0: not swept, the default (a_bit may still move kv_bit) */
    char text[MAXTEXT][LR_ENGINE_MAX];
} list;

typedef struct strs {
    char *v[64];
    int n;
} strs;

/* "--seq-len", "--attention": row i's option as typed. */
static void
row_opt(size_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "--%s", lr_setting_at(i)->option);
}

static int
add_value(list *l, const char *opt, double v)
{
    if (l->n == MAXV) {
        fprintf(stderr, "llmroof: error: %s: more than %d values\n", opt, MAXV);
        return -1;
    }
    l->v[l->n++] = v;
    return 0;
}

/* One value of row i through the settings table: its range and message. */
static int
row_value(size_t i, const char *opt, const char *text, double *v)
{
    lr_settings scratch;
    lr_settings_default(&scratch);
    if (cli_setting_set("sweep", &scratch, lr_setting_at(i)->name, text, opt) < 0)
        return -1;
    *v = lr_settings_value(&scratch, i);
    return 0;
}

/* "A:B", "A:B:xK", "A:B:+K" (item cut at its first ':' into item, rest). */
static int
add_range(list *l, size_t i, const char *opt, char *item, char *rest)
{
    char *c2 = strchr(rest, ':');
    if (c2)
        *c2 = '\0';
    double a, b, step = 1;
    int mul = 0;
    if (row_value(i, opt, item, &a) < 0 || row_value(i, opt, rest, &b) < 0)
        return -1;
    if (c2) {
        mul = c2[1] == 'x';
        if ((c2[1] != 'x' && c2[1] != '+') ||
            cli_parse_whole(opt, c2 + 2, mul ? 2 : 1, 1e9, &step) < 0) {
            fprintf(stderr, "llmroof: error: %s: a range step is xK (K >= 2) or +K (K >= 1)\n",
                    opt);
            return -1;
        }
    }
    if (a > b) {
        fprintf(stderr, "llmroof: error: %s: range %s:%s is empty\n", opt, item, rest);
        return -1;
    }
    for (double x = a; x <= b; x = mul ? x * step : x + step)
        if (add_value(l, opt, x) < 0)
            return -1;
    return 0;
}

/* "vllm,ideal" for a text row: each name through the table, kept as text. */
static int
parse_texts(size_t i, const char *opt, const char *arg, list *l)
{
    char *copy = strdup(arg);
    if (!copy)
        abort();
    int rc = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        double v;
        if (l->n == MAXTEXT) {
            fprintf(stderr, "llmroof: error: %s: more than %d values\n", opt, MAXTEXT);
            rc = -1;
        } else if ((rc = row_value(i, opt, item, &v)) == 0) {
            snprintf(l->text[l->n], sizeof l->text[0], "%s", item);
            l->v[l->n] = l->n;
            l->n++;
        }
    }
    free(copy);
    if (rc == 0 && l->n == 0) {
        fprintf(stderr, "llmroof: error: %s: empty list\n", opt);
        rc = -1;
    }
    return rc;
}

/* Parses "1,2,4", "1:64", "128:32768:x2", "0:100:+10" for a number row,
 * "true,false" or "eager,flash" for the others; every value through the
 * table. */
static int
parse_list(size_t i, const char *opt, const char *arg, list *l)
{
    const lr_setting_info *in = lr_setting_at(i);
    int numeric = in->type == LR_SET_WHOLE || in->type == LR_SET_NUMBER;
    l->n = 0;
    if (in->type == LR_SET_TEXT)
        return parse_texts(i, opt, arg, l);
    char *copy = strdup(arg);
    if (!copy)
        abort();
    int rc = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *c1 = numeric ? strchr(item, ':') : NULL;
        double v;
        if (c1) {
            *c1 = '\0';
            rc = add_range(l, i, opt, item, c1 + 1);
        } else {
            rc = row_value(i, opt, item, &v) < 0 ? -1 : add_value(l, opt, v);
        }
    }
    free(copy);
    if (rc == 0 && l->n == 0) {
        fprintf(stderr, "llmroof: error: %s: empty list\n", opt);
        rc = -1;
    }
    return rc;
}

static void
parse_strs(char *arg, strs *s)
{
    s->n = 0;
    for (char *save = NULL, *t = strtok_r(arg, ",", &save); t && s->n < 64;
         t = strtok_r(NULL, ",", &save))
        s->v[s->n++] = t;
}

#define MAXM 64 /* models */

/* One profile's compiled models and hardware table. */
typedef struct prof_ctx {
    lr_profile *prof;
    lr_hwdb *hwdb;
    lr_arch *arch[MAXM];
    lr_plan *plan[MAXM];
    const lr_hw *hw[64];
} prof_ctx;

typedef struct sweep {
    list l[MAXROWS]; /* per row of the settings table */
    size_t nrows;
    strs hardware, profiles;
    prof_ctx pc[64];
    int ops, jsonl;
    double total; /* combinations */
    const char *models[MAXM];
    int nmodels;
    char *models_text; /* --models-from's file, the names point into it */
    const char *sets[MAX_SETS], *hw_sets[MAX_SETS]; /* --set, --hw-set */
    size_t nsets, nhw_sets;
    int gen_on; /* --prompt-len or --gen-len: a generation per row */
    double prompt, gen;
    const char *xcol, *ycol; /* --x, --y */
    /* one chunk of combinations, evaluated in parallel, written in order */
    double chunk0;
    int chunk_n;
    char **rows; /* text of each combination in the chunk */
    int nthreads;
    int progress;
    double t0;
    const char *svg; /* --svg FILE */
    int plot_only;   /* `llmroof plot sweep`: the charts, no rows */
    double *val;     /* NV figures per combination, for the charts */
} sweep;

/* What the charts plot, per combination (V_X, V_Y: --x and --y); each
 * latency and throughput expected (the engine's, drawn solid, _E) and the
 * roofline's (the bound, dashed). */
enum {
    V_PRE,
    V_DEC,
    V_PRE_TPS,
    V_DEC_TPS,
    V_MEM,
    V_X,
    V_Y,
    V_PRE_E,
    V_DEC_E,
    V_PRE_TPS_E,
    V_DEC_TPS_E,
    NV
};

/* The digits of a combination: digit d < nrows is settings row d, then
 * hardware (nrows), profile (nrows + 1) and model (nrows + 2). */
#define NDIGITS(sw) ((int)(sw)->nrows + 3)
#define D_MODEL(sw) ((int)(sw)->nrows + 2)

static double
digit_size(const sweep *sw, int d)
{
    if (d < (int)sw->nrows)
        return sw->l[d].n ? sw->l[d].n : 1;
    if (d == D_MODEL(sw))
        return sw->nmodels;
    return d == (int)sw->nrows ? sw->hardware.n : sw->profiles.n;
}

/* The digit at position p of a combination index, 0 the slowest: the
 * model, the settings rows in table order, the hardware, the profile. */
static int
digit_at(const sweep *sw, int p)
{
    return p == 0 ? D_MODEL(sw) : p - 1;
}

/* Decodes combination k into settings and the profile/hardware indexes.
 * Swept rows are put in table order, so a swept a_bit moves kv_bit only
 * when kv_bit is not swept too. */
static void
combo(const sweep *sw, double k, lr_settings *s, int *pi, int *hi, int *mi)
{
    double idx[MAXROWS + 3];
    double rest = k;
    for (int p = NDIGITS(sw) - 1; p >= 0; p--) {
        int d = digit_at(sw, p);
        double size = digit_size(sw, d);
        idx[d] = fmod(rest, size);
        rest = floor(rest / size);
    }
    lr_settings_default(s);
    lr_error err;
    for (size_t i = 0; i < sw->nrows; i++) {
        if (!sw->l[i].n)
            continue;
        /* checked when parsed */
        if (lr_setting_at(i)->type == LR_SET_TEXT)
            lr_settings_set(s, lr_setting_at(i)->name, sw->l[i].text[(int)idx[i]], &err);
        else
            lr_settings_put(s, i, sw->l[i].v[(int)idx[i]], &err);
    }
    *hi = (int)idx[sw->nrows];
    *pi = (int)idx[sw->nrows + 1];
    *mi = (int)idx[D_MODEL(sw)];
    /* the point's engine sets what the lists leave (engines checked when
     * parsed); a default length beyond the model's context is cut to it */
    lr_settings_apply_engine(s, sw->pc[*pi].prof, &err);
    if (sw->pc[*pi].arch[*mi])
        lr_settings_fit_context(s, sw->pc[*pi].arch[*mi]);
}

/* A growing string: one chunk slot's output. */
typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void bprintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
bprintf(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (w >= 0 && (size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        b->cap = b->cap * 2 + (size_t)w + 64;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
}

static void
bnum(buf *b, double v)
{
    char t[40];
    lr_fmt_double(t, sizeof t, v);
    bprintf(b, ",%s", t);
}

/* A CSV field, quoted when it holds a comma, quote or line break (RFC
 * 4180): a profile may be any directory. */
static void
bfield(buf *b, const char *sep, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        bprintf(b, "%s%s", sep, s);
        return;
    }
    bprintf(b, "%s\"", sep);
    for (const char *p = s; *p; p++)
        bprintf(b, "%s%c", *p == '"' ? "\"" : "", *p);
    bprintf(b, "\"");
}

static const char csv_figures_head[] =
    ",prefill_flops,prefill_bytes,prefill_latency_s,decode_flops,decode_bytes,decode_latency_s,"
    "memory_total,fits,prefill_expected_latency_s,decode_expected_latency_s,params,active_params";
/* The numeric columns --x and --y may name besides the settings: the
 * figures of every row, then those of a generation (--prompt-len/--gen-len;
 * the CSV header writes them in this order after the figures). */
static const char *const fig_cols[] = {"prefill_flops",
                                       "prefill_bytes",
                                       "prefill_latency_s",
                                       "decode_flops",
                                       "decode_bytes",
                                       "decode_latency_s",
                                       "memory_total",
                                       "prefill_expected_latency_s",
                                       "decode_expected_latency_s",
                                       NULL};
static const char *const gen_cols[] = {"prompt_len",
                                       "gen_len",
                                       "ttft_s",
                                       "tpot_mean_s",
                                       "gen_latency_s",
                                       "output_tokens_per_s",
                                       "expected_ttft_s",
                                       "expected_tpot_mean_s",
                                       "expected_gen_latency_s",
                                       "expected_output_tokens_per_s",
                                       NULL};

static void
fig_values(const lr_result *r, double *v)
{
    for (int st = 0; st < 2; st++) {
        v[3 * st] = r->stage[st].total.v[LR_F_FLOPS];
        v[3 * st + 1] = r->stage[st].total.bytes;
        v[3 * st + 2] = r->stage[st].total.latency_s;
    }
    v[6] = r->memory.total;
    v[7] = r->stage[LR_PREFILL].total.expected_latency_s;
    v[8] = r->stage[LR_DECODE].total.expected_latency_s;
}

static void
gen_values(const lr_gen *g, double *v)
{
    const double x[] = {g->prompt,
                        g->gen,
                        g->ttft_s,
                        g->tpot_mean_s,
                        g->latency_s,
                        g->output_tokens_per_s,
                        g->expected_ttft_s,
                        g->expected_tpot_mean_s,
                        g->expected_latency_s,
                        g->expected_output_tokens_per_s};
    memcpy(v, x, sizeof x);
}

static int
col_index(const char *const *cols, const char *name)
{
    for (int i = 0; cols[i]; i++)
        if (!strcmp(cols[i], name))
            return i;
    return -1;
}

/* The value of column `name` in a row (names checked by check_column). */
static double
column_value(const char *name, const lr_settings *s, const lr_result *r, const lr_gen *g)
{
    double v[16];
    int i = lr_setting_index(name);
    if (i >= 0)
        return lr_settings_value(s, (size_t)i);
    if ((i = col_index(fig_cols, name)) >= 0) {
        fig_values(r, v);
        return v[i];
    }
    gen_values(g, v);
    return v[col_index(gen_cols, name)];
}

/* A column --x or --y can plot: a numeric setting or a figure, a
 * generation's only with --prompt-len/--gen-len. */
static int
check_column(const sweep *sw, const char *opt, const char *name)
{
    int i = lr_setting_index(name);
    if (i >= 0 && (lr_setting_at((size_t)i)->type == LR_SET_WHOLE ||
                   lr_setting_at((size_t)i)->type == LR_SET_NUMBER))
        return 0;
    if (col_index(fig_cols, name) >= 0 || (sw->gen_on && col_index(gen_cols, name) >= 0))
        return 0;
    if (col_index(gen_cols, name) >= 0)
        return cli_usage_error("sweep",
                               "%s %s: a generation's column needs --prompt-len or "
                               "--gen-len",
                               opt, name);
    const char *names[64];
    size_t n = 0;
    for (int k = 0; fig_cols[k]; k++)
        names[n++] = fig_cols[k];
    for (int k = 0; gen_cols[k]; k++)
        names[n++] = gen_cols[k];
    for (size_t k = 0; k < lr_setting_count() && n < 64; k++)
        names[n++] = lr_setting_at(k)->name;
    char near[256];
    lr_suggest_names(name, names, n, near, sizeof near);
    return cli_usage_error("sweep",
                           "%s: '%s' is not a numeric column%s%s%s (a setting such as batch, or "
                           "prefill_latency_s, decode_latency_s, memory_total, ttft_s, "
                           "tpot_mean_s, output_tokens_per_s, ...)",
                           opt, name, near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
}

static const char csv_ops_head[] =
    ",stage,op,path,count,flops,load_weight,load_act,store_act,load_kv,store_kv,net_bytes,"
    "net_hops,bytes,intensity,bound,time_s,expected_time_s";

/* model, profile, hardware, every setting by its JSON name in table order, the
 * figures (and the op columns with --ops). */
static void
csv_head(FILE *f, const sweep *sw)
{
    fputs("model,profile,hardware", f);
    for (size_t i = 0; i < sw->nrows; i++)
        fprintf(f, ",%s", lr_setting_at(i)->name);
    fputs(csv_figures_head, f);
    for (int k = 0; sw->gen_on && gen_cols[k]; k++)
        fprintf(f, ",%s", gen_cols[k]);
    fprintf(f, "%s\n", sw->ops ? csv_ops_head : "");
}

static void
row_csv(buf *b, const sweep *sw, int pi, int hi, int mi, const lr_result *r, const lr_gen *g,
        const char *op_tail)
{
    bfield(b, "", sw->pc[pi].arch[mi]->name);
    bfield(b, ",", lr_profile_name(sw->pc[pi].prof));
    bfield(b, ",", sw->pc[pi].hw[hi]->id);
    for (size_t i = 0; i < sw->nrows; i++) {
        char t[64];
        /* the result's settings name the engine it resolved */
        lr_settings_format(&r->settings, i, t, sizeof t);
        bprintf(b, ",%s", t);
    }
    for (int st = 0; st < 2; st++) {
        bnum(b, r->stage[st].total.v[LR_F_FLOPS]);
        bnum(b, r->stage[st].total.bytes);
        bnum(b, r->stage[st].total.latency_s);
    }
    bnum(b, r->memory.total);
    bprintf(b, ",%s", r->memory.fits < 0 ? "" : r->memory.fits ? "true" : "false");
    bnum(b, r->stage[LR_PREFILL].total.expected_latency_s);
    bnum(b, r->stage[LR_DECODE].total.expected_latency_s);
    bnum(b, lr_plan_params(sw->pc[pi].plan[mi]));
    bnum(b, lr_plan_active_params(sw->pc[pi].plan[mi]));
    double gv[16];
    if (g)
        gen_values(g, gv);
    for (int k = 0; g && gen_cols[k]; k++)
        bnum(b, gv[k]);
    bprintf(b, "%s\n", op_tail ? op_tail : "");
}

/* One JSON line through the library's writer (strings escaped there). */
static void
row_jsonl(buf *b, const sweep *sw, int pi, int mi, const lr_result *r, const lr_gen *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        abort();
    lr_jw w;
    lr_jw_init(&w, m, 0);
    lr_jw_sweep_row(&w, sw->pc[pi].arch[mi]->name, sw->pc[pi].plan[mi], r, g);
    fputc('\n', m);
    if (fclose(m) != 0 || !text)
        abort();
    bprintf(b, "%s", text);
    free(text);
}

static void
rows_for(buf *b, const sweep *sw, int pi, int hi, int mi, const lr_result *r, const lr_gen *g)
{
    if (sw->jsonl) {
        row_jsonl(b, sw, pi, mi, r, g);
        return;
    }
    if (!sw->ops) {
        row_csv(b, sw, pi, hi, mi, r, g, NULL);
        return;
    }
    for (int st = 0; st < 2; st++) {
        for (size_t i = 0; i < r->stage[st].nops; i++) {
            const lr_op *o = &r->stage[st].ops[i];
            if (!o->present)
                continue;
            buf tail = {NULL, 0, 0};
            bprintf(&tail, ",%s,%s,%s", st ? "decode" : "prefill", o->name, o->path);
            bnum(&tail, o->count);
            for (int f = 0; f < LR_NFIELDS; f++)
                bnum(&tail, o->v[f]);
            bnum(&tail, o->bytes);
            bnum(&tail, o->intensity);
            bprintf(&tail, ",%s", lr_bound_names[o->bound]);
            bnum(&tail, o->time_s);
            bnum(&tail, o->expected_time_s);
            row_csv(b, sw, pi, hi, mi, r, g, tail.s);
            free(tail.s);
        }
    }
}

/* The figures the charts need; each combination has its own slot, so the
 * threads write without locks. */
static void
keep_values(sweep *sw, double k, const lr_settings *s, const lr_result *r, const lr_gen *g)
{
    double *v = &sw->val[(size_t)k * NV];
    v[V_PRE] = r->stage[LR_PREFILL].total.latency_s;
    v[V_DEC] = r->stage[LR_DECODE].total.latency_s;
    v[V_PRE_TPS] = s->batch * s->seq_len / v[V_PRE];
    v[V_DEC_TPS] = s->batch / v[V_DEC];
    v[V_MEM] = r->memory.total;
    v[V_PRE_E] = r->stage[LR_PREFILL].total.expected_latency_s;
    v[V_DEC_E] = r->stage[LR_DECODE].total.expected_latency_s;
    v[V_PRE_TPS_E] = s->batch * s->seq_len / v[V_PRE_E];
    v[V_DEC_TPS_E] = s->batch / v[V_DEC_E];
    if (sw->xcol) {
        v[V_X] = column_value(sw->xcol, s, r, g);
        v[V_Y] = column_value(sw->ycol, s, r, g);
    }
}

typedef struct worker {
    sweep *sw;
    int id;
    lr_result **r; /* one per profile and model: r[pi * nmodels + mi] */
    int failed;
    lr_error err;
} worker;

static void *
work(void *arg)
{
    worker *w = arg;
    sweep *sw = w->sw;
    for (int i = w->id; i < sw->chunk_n && !w->failed; i += sw->nthreads) {
        lr_settings s;
        int pi, hi, mi;
        combo(sw, sw->chunk0 + i, &s, &pi, &hi, &mi);
        buf b = {NULL, 0, 0};
        prof_ctx *pc = &sw->pc[pi];
        lr_result *r = w->r[pi * sw->nmodels + mi];
        lr_gen g;
        /* the checkpoint's quantization, under what the sweep sets; the
         * generation first: lr_generate leaves r holding its last step */
        if (lr_settings_apply_model(&s, pc->arch[mi], &w->err) < 0 ||
            (sw->gen_on && lr_generate(pc->plan[mi], pc->prof, pc->hw[hi], &s, sw->prompt, sw->gen,
                                       r, &g, &w->err) < 0) ||
            lr_analyze(pc->plan[mi], pc->prof, pc->hw[hi], &s, 1, 1, r, &w->err) < 0) {
            w->failed = 1;
            break;
        }
        const lr_gen *gp = sw->gen_on ? &g : NULL;
        if (sw->val)
            keep_values(sw, sw->chunk0 + i, &s, r, gp);
        if (sw->plot_only)
            continue;
        rows_for(&b, sw, pi, hi, mi, r, gp);
        sw->rows[i] = b.s;
    }
    return NULL;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
show_progress(sweep *sw, double done)
{
    double t = now() - sw->t0;
    if (!sw->progress || t < 1)
        return;
    int width = 40, fill = (int)(width * done / sw->total);
    fprintf(stderr, "\r[%.*s%*s] %.0f/%.0f (%.0f/s)", fill,
            "########################################", width - fill, "", done, sw->total,
            done / t);
    fflush(stderr);
}

static int
run_sweep(FILE *f, void *ud)
{
    sweep *sw = ud;
    if (f && !sw->jsonl)
        csv_head(f, sw);
    worker ws[64];
    memset(ws, 0, sizeof ws);
    for (int t = 0; t < sw->nthreads; t++) {
        ws[t].sw = sw;
        ws[t].id = t;
        ws[t].r = calloc((size_t)sw->profiles.n * (size_t)sw->nmodels, sizeof *ws[t].r);
        if (!ws[t].r)
            abort();
        for (int p = 0; p < sw->profiles.n; p++)
            for (int m = 0; m < sw->nmodels; m++)
                ws[t].r[p * sw->nmodels + m] = lr_result_new(sw->pc[p].plan[m]);
    }
    const int chunk = 1 << 14;
    sw->rows = calloc(chunk, sizeof *sw->rows);
    if (!sw->rows)
        abort();
    int rc = 0;
    sw->t0 = now();
    for (double c0 = 0; c0 < sw->total && rc == 0; c0 += chunk) {
        sw->chunk0 = c0;
        sw->chunk_n = (int)fmin(chunk, sw->total - c0);
        pthread_t th[64];
        for (int t = 0; t < sw->nthreads; t++)
            pthread_create(&th[t], NULL, work, &ws[t]);
        for (int t = 0; t < sw->nthreads; t++)
            pthread_join(th[t], NULL);
        for (int t = 0; t < sw->nthreads && rc == 0; t++)
            if (ws[t].failed) {
                cli_print_error(&ws[t].err);
                rc = -1;
            }
        for (int i = 0; i < sw->chunk_n; i++) {
            if (rc == 0 && sw->rows[i] && f)
                fputs(sw->rows[i], f);
            free(sw->rows[i]);
            sw->rows[i] = NULL;
        }
        show_progress(sw, c0 + sw->chunk_n);
    }
    if (sw->progress && now() - sw->t0 >= 1)
        fputc('\n', stderr);
    free(sw->rows);
    for (int t = 0; t < sw->nthreads; t++) {
        for (int k = 0; k < sw->profiles.n * sw->nmodels; k++)
            lr_result_free(ws[t].r[k]);
        free(ws[t].r);
    }
    return rc < 0 || (f && ferror(f)) ? -1 : 0;
}

/* Every point through lr_check_settings before anything is written: a
 * point an engine would refuse (--tp 3 on 64 heads) is a usage error, as
 * on the command line of analyze. A few hundred ns per point. */
static int
check_points(sweep *sw)
{
    for (double k = 0; k < sw->total; k++) {
        lr_settings s;
        int pi, hi, mi;
        lr_error err;
        combo(sw, k, &s, &pi, &hi, &mi);
        const prof_ctx *pc = &sw->pc[pi];
        double seq = sw->gen_on ? sw->prompt + sw->gen : s.seq_len;
        if (lr_settings_apply_model(&s, pc->arch[mi], &err) < 0 ||
            lr_check_parallel(pc->arch[mi], pc->hw[hi], &s, &err) < 0 ||
            lr_check_settings(pc->arch[mi], pc->hw[hi], &s, seq, NULL, 0, &err) < 0) {
            cli_print_error(&err);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* Every engine of the text rows (or the profile's default) must be known:
 * a usage error naming the known ones, before any analysis. */
static int
check_engines(const sweep *sw, const lr_profile *prof)
{
    int row = lr_setting_index("engine");
    const list *l = row >= 0 ? &sw->l[row] : NULL;
    lr_error err;
    for (int k = 0; k < (l && l->n ? l->n : 1); k++) {
        if (lr_profile_engine_check(prof, l && l->n ? l->text[k] : NULL, &err) < 0) {
            cli_print_error(&err);
            return -1;
        }
    }
    return 0;
}

static int
load_profiles(sweep *sw)
{
    for (int p = 0; p < sw->profiles.n; p++) {
        prof_ctx *pc = &sw->pc[p];
        lr_error err;
        memset(&err, 0, sizeof err);
        if (!(pc->prof = cli_load_profile(sw->profiles.v[p])) ||
            !(pc->hwdb = cli_load_hw(pc->prof)))
            return EXIT_INPUT;
        if (check_engines(sw, pc->prof) < 0)
            return EXIT_USAGE;
        /* ids are resolved after every file is laid over the table: a
         * later file may move the entries an earlier pointer points at */
        int rc = EXIT_OK;
        for (int h = 0; h < sw->hardware.n; h++)
            if (!(pc->hw[h] = cli_find_hw(pc->hwdb, sw->hardware.v[h], pc->prof, &rc)))
                return rc;
        for (int h = 0; h < sw->hardware.n && rc == EXIT_OK; h++)
            rc = cli_hw_sets(pc->hwdb, pc->hw[h], sw->hw_sets, sw->nhw_sets);
        if (rc != EXIT_OK)
            return rc;
        for (int h = 0; h < sw->hardware.n; h++)
            pc->hw[h] = lr_hwdb_find(pc->hwdb, pc->hw[h]->id);
        for (int m = 0; m < sw->nmodels; m++) {
            const char *name = sw->models[m];
            if (!(pc->arch[m] = cli_load_model_ex(pc->prof, name, NULL, sw->sets, sw->nsets)))
                return cli_model_exit(name);
            if (!(pc->plan[m] = lr_plan_new(pc->arch[m], lr_profile_db(pc->prof), &err))) {
                cli_print_error(&err);
                return EXIT_INPUT;
            }
        }
    }
    return EXIT_OK;
}

static void
free_profiles(sweep *sw)
{
    for (int p = 0; p < sw->profiles.n; p++) {
        for (int m = 0; m < sw->nmodels; m++) {
            lr_plan_free(sw->pc[p].plan[m]);
            lr_arch_free(sw->pc[p].arch[m]);
        }
        lr_hwdb_free(sw->pc[p].hwdb);
        lr_profile_free(sw->pc[p].prof);
    }
}

/* Option codes beyond the letters: row i of the settings table is
 * OPT_ROW + i, its --no-OPTION form OPT_NEG + i. */
enum {
    OPT_SETTING = 900,
    OPT_SET,
    OPT_HW_SET,
    OPT_MODELS_FROM,
    OPT_PROMPT,
    OPT_GEN,
    OPT_X,
    OPT_Y,
    OPT_ROW = 1000,
    OPT_NEG = 1100
};

static const struct option fixed_opts[] = {
    {"hardware", required_argument, NULL, 'H'},
    {"profile", required_argument, NULL, 'P'},
    {"ops", no_argument, NULL, 'O'},
    {"format", required_argument, NULL, 'f'},
    {"threads", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'},
    {"svg", required_argument, NULL, 's'},
    {"setting", required_argument, NULL, OPT_SETTING},
    {"set", required_argument, NULL, OPT_SET},
    {"hw-set", required_argument, NULL, OPT_HW_SET},
    {"models-from", required_argument, NULL, OPT_MODELS_FROM},
    {"prompt-len", required_argument, NULL, OPT_PROMPT},
    {"gen-len", required_argument, NULL, OPT_GEN},
    {"x", required_argument, NULL, OPT_X},
    {"y", required_argument, NULL, OPT_Y},
    {"help", no_argument, NULL, 'h'},
};

/* Options of analyze that a sweep does not take, and what to use instead
 * (options.h's opt_reject, as the analysis commands refuse theirs). */
static const opt_reject rejects[] = {
    {"stage", "every row has the prefill and a decode step"},
    {"config", "a sweep takes configs, bundled ids and files; for a print(model) text use "
               "`llmroof analyze --config`"},
    {"family", "a sweep takes models whose class names their template"},
    {NULL, NULL}};

/* --set / --hw-set NAME=VALUE: the form here, the value where it applies. */
static int
add_pair(const char *opt, const char *arg, const char **items, size_t *n)
{
    if (!strchr(arg, '=') || arg[0] == '=') {
        cli_usage_error("sweep", "%s: expected NAME=VALUE, got '%s'", opt, arg);
        return -1;
    }
    if (*n == MAX_SETS) {
        cli_usage_error("sweep", "%s given more than %d times", opt, MAX_SETS);
        return -1;
    }
    items[(*n)++] = arg;
    return 0;
}

static int
add_model(sweep *sw, const char *name)
{
    if (sw->nmodels == MAXM) {
        cli_usage_error("sweep", "more than %d models", MAXM);
        return -1;
    }
    sw->models[sw->nmodels++] = name;
    return 0;
}

/* --models-from FILE: a model a line; blank lines and # comments skipped,
 * spaces around a name trimmed. */
static int
models_from(sweep *sw, const char *path)
{
    lr_error err;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err.msg, sizeof err.msg, "--models-from %s: cannot open it", path);
        fprintf(stderr, "llmroof: error: %s\n", err.msg);
        return -2;
    }
    size_t cap = 0;
    free(sw->models_text);
    sw->models_text = NULL;
    ssize_t len = getdelim(&sw->models_text, &cap, '\0', f);
    fclose(f);
    if (len < 0)
        return 0; /* an empty file: no models from it */
    int before = sw->nmodels;
    for (char *save = NULL, *line = strtok_r(sw->models_text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "#\r")] = '\0';
        line += strspn(line, " \t");
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        if (n && add_model(sw, line) < 0)
            return -1;
    }
    if (sw->nmodels == before) {
        cli_usage_error("sweep", "--models-from %s: no model in it (one a line, # comments)", path);
        return -1;
    }
    return 0;
}
#define NFIXED (sizeof fixed_opts / sizeof fixed_opts[0])
#define NEG_LEN 48

/* The getopt table: the fixed options, a list option per settings row, and
 * --no-OPTION (a single false) for a flag that is on by default. */
static void
build_options(const sweep *sw, struct option *opts, char (*neg)[NEG_LEN])
{
    size_t n = 0;
    for (; n < NFIXED; n++)
        opts[n] = fixed_opts[n];
    for (size_t i = 0; i < sw->nrows; i++) {
        opts[n++] =
            (struct option){lr_setting_at(i)->option, required_argument, NULL, OPT_ROW + (int)i};
        if (cli_setting_negated(i)) {
            snprintf(neg[i], NEG_LEN, "no-%s", lr_setting_at(i)->option);
            opts[n++] = (struct option){neg[i], no_argument, NULL, OPT_NEG + (int)i};
        }
    }
    opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* --setting NAME=LIST: any row by its JSON name or option spelling. */
static int
generic_list(sweep *sw, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : 0, arg);
    int i = eq ? lr_setting_index(name) : -1;
    if (!eq || eq == arg || i < 0) {
        cli_usage_error("sweep", "--setting: expected NAME=LIST with NAME a setting, got '%s'",
                        arg);
        return -1;
    }
    char opt[96];
    snprintf(opt, sizeof opt, "--setting %s", name);
    return parse_list((size_t)i, opt, eq + 1, &sw->l[i]);
}

/* The lines for the settings, from the table: what each option takes. */
static void
print_usage(FILE *f, const sweep *sw)
{
    fputs(usage_head, f);
    for (size_t i = 0; i < sw->nrows; i++) {
        const lr_setting_info *in = lr_setting_at(i);
        char left[96];
        int n = snprintf(left, sizeof left, "--%s ", in->option);
        if (in->type == LR_SET_WHOLE || in->type == LR_SET_NUMBER)
            snprintf(left + n, sizeof left - (size_t)n, "LIST");
        else if (in->type == LR_SET_TEXT)
            snprintf(left + n, sizeof left - (size_t)n, "NAME,NAME");
        else if (in->type == LR_SET_FLAG)
            snprintf(left + n, sizeof left - (size_t)n, "true,false%s",
                     cli_setting_negated(i) ? " (or --no-" : "");
        for (int k = 0; in->type == LR_SET_CHOICE && in->choices[k]; k++)
            n += snprintf(left + n, sizeof left - (size_t)n, "%s%s", k ? "," : "", in->choices[k]);
        fprintf(f, "  %s%s%s\n", left, cli_setting_negated(i) ? in->option : "",
                cli_setting_negated(i) ? ")" : "");
    }
    fputs(usage_tail, f);
}

static int
other_option(sweep *sw, int c, const char **out, int *threads)
{
    switch (c) {
    case 'H': parse_strs(optarg, &sw->hardware); break;
    case 'P': parse_strs(optarg, &sw->profiles); break;
    case 'O': sw->ops = 1; break;
    case 'f':
        if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) {
            cli_usage_error("sweep", "--format: expected csv or jsonl, got '%s'", optarg);
            return -1;
        }
        sw->jsonl = !strcmp(optarg, "jsonl");
        break;
    case 't': {
        double t;
        if (cli_parse_whole("--threads", optarg, 1, 64, &t) < 0)
            return -1;
        *threads = (int)t;
        break;
    }
    case 'o': *out = optarg; break;
    case 's': sw->svg = optarg; break;
    case OPT_SETTING: return generic_list(sw, optarg);
    case OPT_SET: return add_pair("--set", optarg, sw->sets, &sw->nsets);
    case OPT_HW_SET: return add_pair("--hw-set", optarg, sw->hw_sets, &sw->nhw_sets);
    case OPT_MODELS_FROM: return models_from(sw, optarg);
    case OPT_PROMPT:
    case OPT_GEN:
        sw->gen_on = 1;
        return cli_parse_whole(c == OPT_PROMPT ? "--prompt-len" : "--gen-len", optarg, 1, 1e9,
                               c == OPT_PROMPT ? &sw->prompt : &sw->gen);
    case OPT_X: sw->xcol = optarg; break;
    case OPT_Y: sw->ycol = optarg; break;
    case 'h': print_usage(stdout, sw); return 1;
    default: return -1; /* reported by parse() */
    }
    return 0;
}

/* -o FILE without --format: .csv or .jsonl (also .ndjson) choose it. */
static int
out_format(sweep *sw, const char *out, int fmt_given)
{
    const char *dot = out ? strrchr(out, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return 0;
    int jsonl = !strcmp(dot, ".jsonl") || !strcmp(dot, ".ndjson");
    if (!jsonl && strcmp(dot, ".csv") != 0) {
        if (!fmt_given && (!strcmp(dot, ".json") || !strcmp(dot, ".svg"))) {
            cli_usage_error("sweep",
                            "-o %s: a sweep is csv or jsonl (one JSON object a line); charts "
                            "go to --svg FILE",
                            out);
            return -1;
        }
        return 0;
    }
    if (fmt_given && jsonl != sw->jsonl) {
        cli_usage_error("sweep", "-o %s: the extension says %s, --format says otherwise", out,
                        dot + 1);
        return -1;
    }
    sw->jsonl = jsonl;
    return 0;
}

/* An option of analyze's that a sweep refuses (rejects): says so with
 * its hint, and returns 1. */
static int
rejected_option(char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    size_t n = strcspn(arg + 2, "=");
    for (const opt_reject *r = rejects; r->opt; r++)
        if (strlen(r->opt) == n && !strncmp(r->opt, arg + 2, n)) {
            cli_not_taken("sweep", r->opt, r->hint);
            return 1;
        }
    return 0;
}

/* --x and --y: both or neither, columns that exist, with --svg (or `plot
 * sweep`, whose -o is the chart). */
static int
plot_columns(const sweep *sw)
{
    if (!sw->xcol && !sw->ycol)
        return 0;
    if (!sw->xcol || !sw->ycol) {
        cli_usage_error("sweep", "--x and --y go together: the columns of one chart");
        return -1;
    }
    if (!sw->svg && !sw->plot_only) {
        cli_usage_error("sweep", "--x and --y choose what --svg FILE plots; give --svg");
        return -1;
    }
    if (check_column(sw, "--x", sw->xcol) != EXIT_OK ||
        check_column(sw, "--y", sw->ycol) != EXIT_OK)
        return -1;
    return 0;
}

static int
parse(int argc, char **argv, sweep *sw, const char **out, int *threads)
{
    static char hw_default[] = DEFAULT_HARDWARE, prof_default[] = "default";
    sw->nrows = lr_setting_count();
    if (sw->nrows > MAXROWS)
        abort(); /* the table holds at most 32 rows (lr_settings.given) */
    struct option opts[NFIXED + 2 * MAXROWS + 1];
    char neg[MAXROWS][NEG_LEN];
    build_options(sw, opts, neg);
    parse_strs(hw_default, &sw->hardware);
    parse_strs(prof_default, &sw->profiles);
    int c, fmt_given = 0;
    opterr = 0; /* one line of our own instead of getopt's and the whole help */
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        int rc;
        if (c == '?' && rejected_option(argv))
            return -1;
        if (c == '?' || c == ':') {
            cli_bad_option("sweep", c, argv, opts);
            return -1;
        }
        fmt_given |= c == 'f';
        char opt[NEG_LEN + 8];
        if (c >= OPT_NEG) {
            snprintf(opt, sizeof opt, "--no-%s", lr_setting_at((size_t)(c - OPT_NEG))->option);
            rc = parse_list((size_t)(c - OPT_NEG), opt, "false", &sw->l[c - OPT_NEG]);
        } else if (c >= OPT_ROW) {
            row_opt((size_t)(c - OPT_ROW), opt, sizeof opt);
            rc = parse_list((size_t)(c - OPT_ROW), opt, optarg, &sw->l[c - OPT_ROW]);
        } else {
            rc = other_option(sw, c, out, threads);
        }
        if (rc != 0)
            return rc;
    }
    if (!sw->plot_only && out_format(sw, *out, fmt_given) < 0)
        return -1;
    if (sw->jsonl && sw->ops) {
        cli_usage_error("sweep", "--ops is for csv output");
        return -1;
    }
    for (int i = optind; i < argc; i++)
        if (add_model(sw, argv[i]) < 0)
            return -1;
    if (sw->nmodels == 0)
        add_model(sw, DEFAULT_MODEL);
    if (sw->gen_on) {
        sw->prompt = sw->prompt > 0 ? sw->prompt : 1024;
        sw->gen = sw->gen > 0 ? sw->gen : 256;
    }
    return plot_columns(sw);
}

/* ---- charts (--svg, `llmroof plot sweep`) ---- */

#define MAX_LINES 12 /* combinations of the other settings: one colour each */

/* Sizes of the mixed-radix digits of a combination index (the order of
 * combo()) and the place value of each. */
static void
radix(const sweep *sw, double *size, double *place)
{
    double pv = 1;
    for (int p = NDIGITS(sw) - 1; p >= 0; p--) {
        int d = digit_at(sw, p);
        size[d] = digit_size(sw, d);
        place[d] = pv;
        pv *= size[d];
    }
}

/* The setting a line runs along: --x when it names a setting with several
 * values, else the first numeric setting with several values; -1 if none. */
static int
x_setting(const sweep *sw)
{
    int xi = sw->xcol ? lr_setting_index(sw->xcol) : -1;
    if (xi >= 0 && sw->l[xi].n > 1)
        return xi;
    for (size_t i = 0; i < sw->nrows; i++) {
        enum lr_setting_type t = lr_setting_at(i)->type;
        if ((t == LR_SET_WHOLE || t == LR_SET_NUMBER) && sw->l[i].n > 1)
            return (int)i;
    }
    return -1;
}

/* "seq-len 2048", "flash attention", "no-causal": value v of row i. */
static int
value_name(size_t i, double v, char *buf, size_t cap)
{
    const lr_setting_info *in = lr_setting_at(i);
    switch (in->type) {
    case LR_SET_FLAG: return snprintf(buf, cap, "%s%s", v != 0 ? "" : "no-", in->option);
    case LR_SET_CHOICE: return snprintf(buf, cap, "%s %s", in->choices[(int)v], in->option);
    default: return snprintf(buf, cap, "%s %g", in->option, v);
    }
}

/* "seq-len 2048, h100-sxm, flash attention": the settings other than x that
 * vary. */
static void
group_name(const sweep *sw, int xi, double k, char *buf, size_t cap)
{
    double size[MAXROWS + 3], place[MAXROWS + 3];
    radix(sw, size, place);
    size_t len = 0;
    buf[0] = '\0';
    for (int d = 0; d < NDIGITS(sw) && len < cap; d++) {
        if (d == xi || size[d] < 2)
            continue;
        int i = (int)fmod(floor(k / place[d]), size[d]);
        if (len)
            len += (size_t)snprintf(buf + len, cap - len, ", ");
        if (len >= cap)
            break;
        if (d < (int)sw->nrows && lr_setting_at((size_t)d)->type == LR_SET_TEXT)
            len += (size_t)snprintf(buf + len, cap - len, "%s %s", lr_setting_at((size_t)d)->option,
                                    sw->l[d].text[i]);
        else if (d < (int)sw->nrows)
            len += (size_t)value_name((size_t)d, sw->l[d].v[i], buf + len, cap - len);
        else if (d == D_MODEL(sw))
            len += (size_t)snprintf(buf + len, cap - len, "%s", sw->pc[0].arch[i]->name);
        else
            len += (size_t)snprintf(buf + len, cap - len, "%s",
                                    d == (int)sw->nrows ? sw->hardware.v[i] : sw->profiles.v[i]);
    }
}

/* Checks that the sweep can be drawn; prints why not. */
static int
plot_check(const sweep *sw)
{
    int xi = x_setting(sw);
    if (xi < 0)
        return cli_usage_error("sweep", "charts need a numeric setting with several values (e.g. "
                                        "--batch 1:64)");
    double lines = sw->total / sw->l[xi].n;
    if (lines > MAX_LINES)
        return cli_usage_error("sweep",
                               "charts: %.0f combinations of the settings other than --%s, at "
                               "most %d lines can be told apart; give fewer values",
                               lines, lr_setting_at((size_t)xi)->option, MAX_LINES);
    return EXIT_OK;
}

typedef struct sweep_plot {
    const sweep *sw;
    int xi, nx, ng;
    double *x;         /* nx values of the x setting, ascending */
    double *y;         /* [group][NV][nx] */
    char (*name)[160]; /* [group][3]: legend entries: prefill, decode, memory */
    lr_series *ser;    /* [panel series] */
} sweep_plot;

/* The x order (ascending values) and, per line, its figures in that order. */
static void
gather(sweep_plot *p)
{
    const sweep *sw = p->sw;
    double size[MAXROWS + 3], place[MAXROWS + 3];
    radix(sw, size, place);
    int *ord = calloc((size_t)p->nx, sizeof *ord);
    if (!ord)
        abort();
    for (int i = 0; i < p->nx; i++) {
        int j = i;
        for (; j > 0 && sw->l[p->xi].v[ord[j - 1]] > sw->l[p->xi].v[i]; j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
    double pv = place[p->xi];
    for (int g = 0; g < p->ng; g++) {
        for (int i = 0; i < p->nx; i++) {
            double k = floor(g / pv) * pv * p->nx + ord[i] * pv + fmod(g, pv);
            p->x[i] = sw->l[p->xi].v[ord[i]];
            for (int v = 0; v < NV; v++)
                p->y[((size_t)g * NV + v) * p->nx + i] = sw->val[(size_t)k * NV + v];
        }
        char gn[120];
        group_name(sw, p->xi, floor(g / pv) * pv * p->nx + fmod(g, pv), gn, sizeof gn);
        static const char *const what[2] = {"expected", "roofline (bound)"};
        for (int w = 0; w < 2; w++)
            snprintf(p->name[g * 3 + w], sizeof p->name[0], "%s%s%s", gn, *gn ? ", " : "", what[w]);
        snprintf(p->name[g * 3 + 2], sizeof p->name[0], "%s", *gn ? gn : "memory");
    }
    free(ord);
}

static lr_series
line_of(const sweep_plot *p, int g, int v, const char *name, int dashed)
{
    lr_series s = {name,  p->x,  &p->y[((size_t)g * NV + v) * p->nx], (size_t)p->nx, NULL,
                   g + 1, dashed};
    return s;
}

/* The chart's title: the model, or how many. */
static void
models_title(const sweep *sw, char *buf, size_t cap)
{
    if (sw->nmodels == 1)
        snprintf(buf, cap, "%s", sw->pc[0].arch[0]->name);
    else
        snprintf(buf, cap, "%d models", sw->nmodels);
}

/* An axis for column `name`: its title (a setting's with its unit) and the
 * unit its ticks carry (seconds, bytes, FLOPs, tokens/s). */
static const char *
col_axis(const char *name, char *title, size_t cap)
{
    int i = lr_setting_index(name);
    size_t n = strlen(name);
    snprintf(title, cap, "%s", name);
    if (i >= 0) {
        const lr_setting_info *in = lr_setting_at((size_t)i);
        snprintf(title, cap, in->unit[0] ? "%s (%s)" : "%s", in->name, in->unit);
        return "";
    }
    if (strstr(name, "per_s"))
        return "tokens/s";
    if (n > 2 && !strcmp(name + n - 2, "_s"))
        return "s";
    if (strstr(name, "bytes") || !strcmp(name, "memory_total"))
        return "B";
    return strstr(name, "flops") ? "FLOP" : "";
}

/* --x COL --y COL: one chart, a line per combination of the settings other
 * than the one it runs along, its points in that setting's order. */
static int
write_xy(FILE *f, const sweep_plot *p)
{
    const sweep *sw = p->sw;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int g = 0; g < p->ng; g++) {
        const double *xy[2] = {&p->y[((size_t)g * NV + V_X) * p->nx],
                               &p->y[((size_t)g * NV + V_Y) * p->nx]};
        lr_series se = {p->ng == 1 ? sw->ycol : p->name[g * 3 + 2],
                        xy[0],
                        xy[1],
                        (size_t)p->nx,
                        NULL,
                        g + 1,
                        0};
        p->ser[g] = se;
        for (int a = 0; a < 2; a++)
            for (int i = 0; i < p->nx; i++) {
                lo[a] = fmin(lo[a], xy[a][i]);
                hi[a] = fmax(hi[a], xy[a][i]);
            }
    }
    char xt[96], yt[96], what[256], title[600];
    const char *xu = col_axis(sw->xcol, xt, sizeof xt), *yu = col_axis(sw->ycol, yt, sizeof yt);
    snprintf(what, sizeof what, "%s against %s, along %s", sw->ycol, sw->xcol,
             lr_setting_at((size_t)p->xi)->option);
    lr_chart c = {what,
                  {xt, xu, lo[0] > 0 && hi[0] / lo[0] >= 16, 0, NULL},
                  {yt, yu, lo[1] > 0 && hi[1] / lo[1] >= 16, 0, NULL},
                  p->ser,
                  (size_t)p->ng};
    models_title(sw, title, sizeof title);
    return lr_svg_lines(f, &c, 1, title, 0);
}

static int
write_plot(FILE *f, void *ud)
{
    sweep_plot *p = ud;
    const sweep *sw = p->sw;
    if (sw->xcol)
        return write_xy(f, p);
    int ng = p->ng;
    lr_series *s = p->ser;
    /* four panels of expected (solid) and roofline (dashed) lines, then
     * the memory */
    static const int fig[4][2] = {
        {V_PRE_E, V_PRE}, {V_DEC_E, V_DEC}, {V_PRE_TPS_E, V_PRE_TPS}, {V_DEC_TPS_E, V_DEC_TPS}};
    for (int g = 0; g < ng; g++) {
        for (int k = 0; k < 4; k++) {
            s[2 * ng * k + 2 * g] = line_of(p, g, fig[k][0], p->name[g * 3], 0);
            s[2 * ng * k + 2 * g + 1] = line_of(p, g, fig[k][1], p->name[g * 3 + 1], 1);
        }
        s[8 * ng + g] = line_of(p, g, V_MEM, p->name[g * 3 + 2], 0);
    }
    double lo = p->x[0], hi = p->x[p->nx - 1];
    int logx = lo > 0 && hi / lo >= 16;
    const lr_hw *hw = sw->pc[0].hw[0];
    char ref[96], q[32];
    lr_fmt_quantity(q, sizeof q, hw->memory_bytes, "B");
    snprintf(ref, sizeof ref, "%s memory %s", hw->id, q);
    int one_hw = sw->hardware.n == 1 && hw->memory_bytes > 0;
    const lr_setting_info *xin = lr_setting_at((size_t)p->xi);
    char xt[96];
    snprintf(xt, sizeof xt, xin->unit[0] ? "%s (%s)" : "%s", xin->option, xin->unit);
    size_t n2 = (size_t)(2 * ng);
    lr_chart c[5] = {
        {"Prefill latency (one prefill of the prompt): expected, the roofline dashed (the bound)",
         {xt, "", logx, 0, NULL},
         {"prefill latency", "s", 1, 0, NULL},
         s,
         n2},
        {"Decode latency (one decode step): expected, the roofline dashed (the bound)",
         {xt, "", logx, 0, NULL},
         {"decode latency", "s", 1, 0, NULL},
         s + n2,
         n2},
        {"Prefill throughput (prompt tokens/s): expected, the roofline dashed (the bound)",
         {xt, "", logx, 0, NULL},
         {"prompt tokens/s", "", 1, 0, NULL},
         s + 2 * n2,
         n2},
        {"Decode throughput (generated tokens/s): expected, the roofline dashed (the bound)",
         {xt, "", logx, 0, NULL},
         {"generated tokens/s", "", 1, 0, NULL},
         s + 3 * n2,
         n2},
        {"Memory footprint",
         {xt, "", logx, 0, NULL},
         {"memory", "B", 0, one_hw ? hw->memory_bytes : 0, one_hw ? ref : NULL},
         s + 4 * n2,
         (size_t)ng}};
    char title[512], who[256];
    models_title(sw, who, sizeof who);
    snprintf(title, sizeof title, "%s: sweep over %s", who, xin->option);
    return lr_svg_lines(f, c, 5, title, 0);
}

static int
write_charts(sweep *sw, const char *path)
{
    sweep_plot p;
    memset(&p, 0, sizeof p);
    p.sw = sw;
    p.xi = x_setting(sw);
    p.nx = sw->l[p.xi].n;
    p.ng = (int)(sw->total / p.nx);
    p.x = calloc((size_t)p.nx, sizeof *p.x);
    p.y = calloc((size_t)p.ng * NV * (size_t)p.nx, sizeof *p.y);
    p.name = calloc((size_t)p.ng * 3, sizeof *p.name);
    p.ser = calloc((size_t)p.ng * 9, sizeof *p.ser);
    if (!p.x || !p.y || !p.name || !p.ser)
        abort();
    gather(&p);
    int rc = cli_write_output(path, write_plot, &p);
    free(p.x);
    free(p.y);
    free(p.name);
    free(p.ser);
    return rc;
}

/* The sweep, then its rows (unless plot_only) and charts (--svg, or -o when
 * plot_only). */
static int
sweep_main(int argc, char **argv, int plot_only)
{
    sweep *sw = calloc(1, sizeof *sw);
    if (!sw)
        abort();
    const char *out = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1;
    sw->plot_only = plot_only; /* -o names the chart then, not the rows */
    int rc = parse(argc, argv, sw, &out, &threads);
    if (rc != 0) {
        free(sw->models_text);
        free(sw);
        return rc > 0 ? EXIT_OK : rc == -2 ? EXIT_INPUT : EXIT_USAGE;
    }
    sw->nthreads = threads;
    sw->plot_only = plot_only;
    if (plot_only && !sw->svg)
        sw->svg = out ? out : "-";
    sw->total = 1;
    for (int d = 0; d < NDIGITS(sw); d++)
        sw->total *= digit_size(sw, d);
    sw->progress = isatty(2);
    if (sw->svg && (rc = plot_check(sw)) != EXIT_OK) {
        free(sw->models_text);
        free(sw);
        return rc;
    }
    if (sw->svg) {
        sw->val = calloc((size_t)sw->total * NV, sizeof *sw->val);
        if (!sw->val)
            abort();
    }
    rc = load_profiles(sw);
    if (rc == EXIT_OK)
        rc = check_points(sw);
    if (rc == EXIT_OK)
        rc = plot_only ? (run_sweep(NULL, sw) < 0 ? EXIT_EVAL : EXIT_OK)
                       : cli_write_output(out, run_sweep, sw);
    if (rc == EXIT_OK && sw->svg)
        rc = write_charts(sw, sw->svg);
    free_profiles(sw);
    free(sw->val);
    free(sw->models_text);
    free(sw);
    return rc;
}

int
cmd_sweep(int argc, char **argv)
{
    return sweep_main(argc, argv, 0);
}

/* `llmroof plot sweep`: the sweep's options, the charts to -o. */
int
cmd_sweep_plot(int argc, char **argv)
{
    return sweep_main(argc, argv, 1);
}
