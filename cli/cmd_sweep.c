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

static const char usage_head[] =
    "usage: llmroof sweep [MODEL] [options]\n"
    "\n"
    "Analyses every combination of the given settings and prints one row per\n"
    "combination (and per op with --ops). Every setting is sweepable: a number\n"
    "takes a value, a list (1,2,4,8) or a range: A:B (every integer), A:B:xK\n"
    "(multiply by K), A:B:+K (add K); a flag takes true, false or true,false;\n"
    "a choice a list of its names. Hardware and profiles take lists.\n"
    "\n"
    "The settings (docs/cli.md):\n";
static const char usage_tail[] =
    "  --setting NAME=LIST any of them by its name (seq_len=1:8)\n"
    "  --hardware LIST   device ids (default " DEFAULT_HARDWARE ")\n"
    "  --profile LIST    profiles (default: default)\n"
    "  --ops             also one row per op and stage\n"
    "  --format F        csv (default) or jsonl\n"
    "  --threads N       worker threads (default: all cores)\n"
    "  -o, --output FILE write there (atomically)\n"
    "  --svg FILE        also charts: latency, throughput and memory against the\n"
    "                    first numeric setting with several values, one line per\n"
    "                    combination of the others (docs/plots.md)\n"
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

/* One profile's compiled model and hardware table. */
typedef struct prof_ctx {
    lr_profile *prof;
    lr_hwdb *hwdb;
    lr_arch *arch;
    lr_plan *plan;
    const lr_hw *hw[64];
} prof_ctx;

typedef struct sweep {
    list l[MAXROWS]; /* per row of the settings table */
    size_t nrows;
    strs hardware, profiles;
    prof_ctx pc[64];
    int ops, jsonl;
    double total; /* combinations */
    const char *model;
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

/* What the charts plot, per combination. */
/* The chart figures per point: each latency and throughput expected (the
 * engine's, drawn solid) and the roofline's (the bound, dashed). */
enum { V_PRE, V_DEC, V_PRE_TPS, V_DEC_TPS, V_MEM, V_PRE_E, V_DEC_E, V_PRE_TPS_E, V_DEC_TPS_E, NV };

/* The digits of a combination index, slowest first: the settings rows in
 * table order, then hardware, then profile. */
#define NDIGITS(sw) ((int)(sw)->nrows + 2)

static double
digit_size(const sweep *sw, int d)
{
    if (d < (int)sw->nrows)
        return sw->l[d].n ? sw->l[d].n : 1;
    return d == (int)sw->nrows ? sw->hardware.n : sw->profiles.n;
}

/* Decodes combination k into settings and the profile/hardware indexes.
 * Swept rows are put in table order, so a swept a_bit moves kv_bit only
 * when kv_bit is not swept too. */
static void
combo(const sweep *sw, double k, lr_settings *s, int *pi, int *hi)
{
    double idx[MAXROWS + 2];
    double rest = k;
    for (int d = NDIGITS(sw) - 1; d >= 0; d--) {
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
    /* the point's engine sets what the lists leave (engines checked when
     * parsed); a default length beyond the model's context is cut to it */
    lr_settings_apply_engine(s, sw->pc[*pi].prof, &err);
    if (sw->pc[*pi].arch)
        lr_settings_fit_context(s, sw->pc[*pi].arch);
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
    "memory_total,fits,prefill_expected_latency_s,decode_expected_latency_s";
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
    fprintf(f, "%s%s\n", csv_figures_head, sw->ops ? csv_ops_head : "");
}

static void
row_csv(buf *b, const sweep *sw, int pi, int hi, const lr_settings *s, const lr_result *r,
        const char *op_tail)
{
    bfield(b, "", sw->pc[pi].arch->name);
    bfield(b, ",", lr_profile_name(sw->pc[pi].prof));
    bfield(b, ",", sw->pc[pi].hw[hi]->id);
    for (size_t i = 0; i < sw->nrows; i++) {
        char t[64];
        /* the result's settings name the engine it resolved */
        lr_settings_format(&r->settings, i, t, sizeof t);
        bprintf(b, ",%s", t);
    }
    (void)s;
    for (int st = 0; st < 2; st++) {
        bnum(b, r->stage[st].total.v[LR_F_FLOPS]);
        bnum(b, r->stage[st].total.bytes);
        bnum(b, r->stage[st].total.latency_s);
    }
    bnum(b, r->memory.total);
    bprintf(b, ",%s", r->memory.fits < 0 ? "" : r->memory.fits ? "true" : "false");
    bnum(b, r->stage[LR_PREFILL].total.expected_latency_s);
    bnum(b, r->stage[LR_DECODE].total.expected_latency_s);
    bprintf(b, "%s\n", op_tail ? op_tail : "");
}

/* A setting as the JSON output's "settings" writes it: flags as booleans,
 * choices by name, numbers as numbers. */
static void
json_setting(lr_jw *w, const lr_settings *s, size_t i)
{
    const lr_setting_info *in = lr_setting_at(i);
    char t[64];
    switch (in->type) {
    case LR_SET_FLAG: lr_jw_kbool(w, in->name, lr_settings_value(s, i) != 0); break;
    case LR_SET_CHOICE:
    case LR_SET_TEXT:
        lr_settings_format(s, i, t, sizeof t);
        lr_jw_kstr(w, in->name, t);
        break;
    default: lr_jw_knum(w, in->name, lr_settings_value(s, i)); break;
    }
}

static void
json_stage(lr_jw *w, const char *key, const lr_stage_result *st)
{
    lr_jw_key(w, key);
    lr_jw_obj(w);
    lr_jw_knum(w, "flops", st->total.v[LR_F_FLOPS]);
    lr_jw_knum(w, "bytes", st->total.bytes);
    lr_jw_knum(w, "latency_s", st->total.latency_s);
    lr_jw_knum(w, "expected_latency_s", st->total.expected_latency_s);
    lr_jw_key(w, "expected_band");
    lr_jw_arr(w);
    lr_jw_num(w, st->total.expected_band[0]);
    lr_jw_num(w, st->total.expected_band[1]);
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

/* One JSON line through the library's writer (strings escaped there). */
static void
row_jsonl(buf *b, const sweep *sw, int pi, int hi, const lr_settings *s, const lr_result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        abort();
    lr_jw w;
    lr_jw_init(&w, m, 0);
    lr_jw_obj(&w);
    lr_jw_kstr(&w, "model", sw->pc[pi].arch->name);
    lr_jw_kstr(&w, "profile", lr_profile_name(sw->pc[pi].prof));
    lr_jw_kstr(&w, "hardware", sw->pc[pi].hw[hi]->id);
    for (size_t i = 0; i < sw->nrows; i++)
        json_setting(&w, &r->settings, i); /* the engine resolved */
    (void)s;
    json_stage(&w, "prefill", &r->stage[LR_PREFILL]);
    json_stage(&w, "decode", &r->stage[LR_DECODE]);
    lr_jw_knum(&w, "memory_total", r->memory.total);
    lr_jw_key(&w, "fits");
    if (r->memory.fits < 0)
        lr_jw_null(&w);
    else
        lr_jw_bool(&w, r->memory.fits);
    lr_jw_end_obj(&w);
    fputc('\n', m);
    if (fclose(m) != 0 || !text)
        abort();
    bprintf(b, "%s", text);
    free(text);
}

static void
rows_for(buf *b, const sweep *sw, int pi, int hi, const lr_settings *s, const lr_result *r)
{
    if (sw->jsonl) {
        row_jsonl(b, sw, pi, hi, s, r);
        return;
    }
    if (!sw->ops) {
        row_csv(b, sw, pi, hi, s, r, NULL);
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
            row_csv(b, sw, pi, hi, s, r, tail.s);
            free(tail.s);
        }
    }
}

/* The figures the charts need; each combination has its own slot, so the
 * threads write without locks. */
static void
keep_values(sweep *sw, double k, const lr_settings *s, const lr_result *r)
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
}

typedef struct worker {
    sweep *sw;
    int id;
    lr_result *r[64]; /* one per profile */
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
        int pi, hi;
        combo(sw, sw->chunk0 + i, &s, &pi, &hi);
        buf b = {NULL, 0, 0};
        prof_ctx *pc = &sw->pc[pi];
        if (lr_analyze(pc->plan, pc->prof, pc->hw[hi], &s, 1, 1, w->r[pi], &w->err) < 0) {
            w->failed = 1;
            break;
        }
        if (sw->val)
            keep_values(sw, sw->chunk0 + i, &s, w->r[pi]);
        if (sw->plot_only)
            continue;
        rows_for(&b, sw, pi, hi, &s, w->r[pi]);
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
        for (int p = 0; p < sw->profiles.n; p++)
            ws[t].r[p] = lr_result_new(sw->pc[p].plan);
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
    for (int t = 0; t < sw->nthreads; t++)
        for (int p = 0; p < sw->profiles.n; p++)
            lr_result_free(ws[t].r[p]);
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
        int pi, hi;
        lr_error err;
        combo(sw, k, &s, &pi, &hi);
        const prof_ctx *pc = &sw->pc[pi];
        if (lr_check_settings(pc->arch, pc->hw[hi], &s, s.seq_len, NULL, 0, &err) < 0) {
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
        for (int h = 0; h < sw->hardware.n; h++)
            pc->hw[h] = lr_hwdb_find(pc->hwdb, pc->hw[h]->id);
        if (!(pc->arch = cli_load_model(pc->prof, sw->model)))
            return cli_model_exit(sw->model);
        if (!(pc->plan = lr_plan_new(pc->arch, lr_profile_db(pc->prof), &err))) {
            cli_print_error(&err);
            return EXIT_INPUT;
        }
    }
    return EXIT_OK;
}

static void
free_profiles(sweep *sw)
{
    for (int p = 0; p < sw->profiles.n; p++) {
        lr_plan_free(sw->pc[p].plan);
        lr_arch_free(sw->pc[p].arch);
        lr_hwdb_free(sw->pc[p].hwdb);
        lr_profile_free(sw->pc[p].prof);
    }
}

/* Option codes beyond the letters: row i of the settings table is
 * OPT_ROW + i, its --no-OPTION form OPT_NEG + i. */
enum { OPT_SETTING = 900, OPT_ROW = 1000, OPT_NEG = 1100 };

static const struct option fixed_opts[] = {
    {"hardware", required_argument, NULL, 'H'},
    {"profile", required_argument, NULL, 'P'},
    {"ops", no_argument, NULL, 'O'},
    {"format", required_argument, NULL, 'f'},
    {"threads", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'},
    {"svg", required_argument, NULL, 's'},
    {"setting", required_argument, NULL, OPT_SETTING},
    {"help", no_argument, NULL, 'h'},
};
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
    if (argc - optind > 1) {
        cli_usage_error("sweep", "expected at most one MODEL");
        return -1;
    }
    sw->model = optind < argc ? argv[optind] : DEFAULT_MODEL;
    return 0;
}

/* ---- charts (--svg, `llmroof plot sweep`) ---- */

#define MAX_LINES 12 /* combinations of the other settings: one colour each */

/* Sizes of the mixed-radix digits of a combination index (the order of
 * combo()) and the place value of each. */
static void
radix(const sweep *sw, double *size, double *place)
{
    double pv = 1;
    for (int d = NDIGITS(sw) - 1; d >= 0; d--) {
        size[d] = digit_size(sw, d);
        place[d] = pv;
        pv *= size[d];
    }
}

/* The first numeric setting with several values: the x axis; -1 if none. */
static int
x_setting(const sweep *sw)
{
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
    double size[MAXROWS + 2], place[MAXROWS + 2];
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
    double size[MAXROWS + 2], place[MAXROWS + 2];
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

static int
write_plot(FILE *f, void *ud)
{
    sweep_plot *p = ud;
    const sweep *sw = p->sw;
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
    char title[512];
    snprintf(title, sizeof title, "%s: sweep over %s", sw->pc[0].arch->name, xin->option);
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
        free(sw);
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
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
