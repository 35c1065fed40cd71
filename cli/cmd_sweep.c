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

static const char usage[] =
    "usage: llmroof sweep [MODEL] [options]\n"
    "\n"
    "Analyses every combination of the given settings and prints one row per\n"
    "combination (and per op with --ops). Each numeric option takes a value, a\n"
    "list (1,2,4,8) or a range: A:B (every integer), A:B:xK (multiply by K),\n"
    "A:B:+K (add K). Hardware, profiles and attention kinds take lists.\n"
    "\n"
    "  --batch LIST --seq-len LIST --w-bit LIST --a-bit LIST --kv-bit LIST\n"
    "  --w-group-size LIST --kv-group-size LIST  (0 = no groups)\n"
    "  --tp LIST --pp LIST --ep LIST --microbatches LIST\n"
    "  --hardware LIST   device ids (default " DEFAULT_HARDWARE ")\n"
    "  --profile LIST    profiles (default: default)\n"
    "  --attention LIST  eager, flash\n"
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

#define MAXV 4096 /* values per list: enough for 1:4096 */

typedef struct list {
    double v[MAXV];
    int n;
} list;

typedef struct strs {
    char *v[64];
    int n;
} strs;

enum { L_BATCH, L_SEQ, L_WBIT, L_ABIT, L_KVBIT, L_WG, L_KVG, L_TP, L_PP, L_EP, L_MB, NLISTS };
static const char *const list_opt[NLISTS] = {
    "--batch",         "--seq-len", "--w-bit", "--a-bit", "--kv-bit",      "--w-group-size",
    "--kv-group-size", "--tp",      "--pp",    "--ep",    "--microbatches"};

/* Parses "1,2,4", "1:64", "128:32768:x2", "0:100:+10". */
static int
parse_list(const char *opt, const char *arg, double min, double max, list *l)
{
    l->n = 0;
    char *copy = strdup(arg);
    if (!copy)
        abort();
    int rc = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *c1 = strchr(item, ':');
        if (!c1) {
            if (l->n == MAXV || cli_parse_whole(opt, item, min, max, &l->v[l->n]) < 0)
                rc = -1;
            else
                l->n++;
            continue;
        }
        *c1 = '\0';
        char *c2 = strchr(c1 + 1, ':');
        if (c2)
            *c2 = '\0';
        double a, b, step = 1;
        int mul = 0;
        if (cli_parse_whole(opt, item, min, max, &a) < 0 ||
            cli_parse_whole(opt, c1 + 1, min, max, &b) < 0) {
            rc = -1;
            break;
        }
        if (c2) {
            mul = c2[1] == 'x';
            if ((c2[1] != 'x' && c2[1] != '+') ||
                cli_parse_whole(opt, c2 + 2, mul ? 2 : 1, 1e9, &step) < 0) {
                fprintf(stderr, "llmroof: error: %s: a range step is xK (K >= 2) or +K (K >= 1)\n",
                        opt);
                rc = -1;
                break;
            }
        }
        for (double x = a; x <= b && rc == 0; x = mul ? x * step : x + step) {
            if (l->n == MAXV) {
                fprintf(stderr, "llmroof: error: %s: more than %d values\n", opt, MAXV);
                rc = -1;
            } else {
                l->v[l->n++] = x;
            }
        }
        if (a > b) {
            fprintf(stderr, "llmroof: error: %s: range %s:%s is empty\n", opt, item, c1 + 1);
            rc = -1;
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
    list l[NLISTS];
    strs hardware, profiles, attention;
    int flash[2], nflash;
    prof_ctx pc[64];
    int ops, jsonl;
    int kv_follows_a; /* no --kv-bit: the KV cache has the activations' width */
    double total;     /* combinations */
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
enum { V_PRE, V_DEC, V_PRE_TPS, V_DEC_TPS, V_MEM, NV };

/* Decodes combination k into settings and the profile/hardware indexes. */
static void
combo(const sweep *sw, double k, lr_settings *s, int *pi, int *hi)
{
    double idx[NLISTS + 3];
    double rest = k;
    int sizes[NLISTS + 3];
    for (int i = 0; i < NLISTS; i++)
        sizes[i] = sw->l[i].n;
    sizes[NLISTS] = sw->nflash;
    sizes[NLISTS + 1] = sw->hardware.n;
    sizes[NLISTS + 2] = sw->profiles.n;
    for (int i = NLISTS + 2; i >= 0; i--) {
        idx[i] = fmod(rest, sizes[i]);
        rest = floor(rest / sizes[i]);
    }
    lr_settings_default(s);
    s->batch = sw->l[L_BATCH].v[(int)idx[L_BATCH]];
    s->seq_len = sw->l[L_SEQ].v[(int)idx[L_SEQ]];
    s->w_bit = sw->l[L_WBIT].v[(int)idx[L_WBIT]];
    s->a_bit = (int)sw->l[L_ABIT].v[(int)idx[L_ABIT]];
    s->kv_bit = sw->kv_follows_a ? s->a_bit : (int)sw->l[L_KVBIT].v[(int)idx[L_KVBIT]];
    s->w_group = sw->l[L_WG].v[(int)idx[L_WG]];
    s->kv_group = sw->l[L_KVG].v[(int)idx[L_KVG]];
    s->tp = sw->l[L_TP].v[(int)idx[L_TP]];
    s->pp = sw->l[L_PP].v[(int)idx[L_PP]];
    s->ep = sw->l[L_EP].v[(int)idx[L_EP]];
    s->microbatches = sw->l[L_MB].v[(int)idx[L_MB]];
    s->flash = sw->flash[(int)idx[NLISTS]];
    *hi = (int)idx[NLISTS + 1];
    *pi = (int)idx[NLISTS + 2];
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

static const char csv_head[] =
    "profile,hardware,batch,seq_len,w_bit,a_bit,kv_bit,w_group_size,kv_group_size,tp,pp,ep,"
    "microbatches,attention,"
    "prefill_flops,prefill_bytes,prefill_latency_s,decode_flops,decode_bytes,decode_latency_s,"
    "memory_total,fits";
static const char csv_ops_head[] =
    ",stage,op,path,count,flops,load_weight,load_act,store_act,load_kv,store_kv,net_bytes,"
    "net_hops,bytes,intensity,bound,time_s";

static void
row_csv(buf *b, const sweep *sw, int pi, int hi, const lr_settings *s, const lr_result *r,
        const char *op_tail)
{
    bprintf(b, "%s,%s", lr_profile_name(sw->pc[pi].prof), sw->pc[pi].hw[hi]->id);
    const double set[] = {s->batch,    s->seq_len, s->w_bit, s->a_bit, s->kv_bit,      s->w_group,
                          s->kv_group, s->tp,      s->pp,    s->ep,    s->microbatches};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        bnum(b, set[i]);
    bprintf(b, ",%s", s->flash ? "flash" : "eager");
    for (int st = 0; st < 2; st++) {
        bnum(b, r->stage[st].total.v[LR_F_FLOPS]);
        bnum(b, r->stage[st].total.bytes);
        bnum(b, r->stage[st].total.latency_s);
    }
    bnum(b, r->memory.total);
    bprintf(b, ",%s%s\n",
            r->memory.fits < 0 ? ""
            : r->memory.fits   ? "true"
                               : "false",
            op_tail ? op_tail : "");
}

static void
row_jsonl(buf *b, const sweep *sw, int pi, int hi, const lr_settings *s, const lr_result *r)
{
    char t[12][40];
    const double v[] = {s->batch,
                        s->seq_len,
                        r->stage[0].total.v[LR_F_FLOPS],
                        r->stage[0].total.bytes,
                        r->stage[0].total.latency_s,
                        r->stage[1].total.v[LR_F_FLOPS],
                        r->stage[1].total.bytes,
                        r->stage[1].total.latency_s,
                        r->memory.total,
                        s->w_group,
                        s->kv_group};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        lr_fmt_double(t[i], sizeof t[i], v[i]);
    bprintf(b,
            "{\"profile\":\"%s\",\"hardware\":\"%s\",\"batch\":%s,\"seq_len\":%s,\"w_bit\":%g,"
            "\"a_bit\":%d,\"kv_bit\":%d,\"w_group_size\":%s,\"kv_group_size\":%s,"
            "\"tp\":%g,\"pp\":%g,\"ep\":%g,\"microbatches\":%g,"
            "\"attention\":\"%s\",\"prefill\":{\"flops\":%s,\"bytes\":%s,\"latency_s\":%s},"
            "\"decode\":{\"flops\":%s,\"bytes\":%s,\"latency_s\":%s},\"memory_total\":%s,"
            "\"fits\":%s}\n",
            lr_profile_name(sw->pc[pi].prof), sw->pc[pi].hw[hi]->id, t[0], t[1], s->w_bit, s->a_bit,
            s->kv_bit, t[9], t[10], s->tp, s->pp, s->ep, s->microbatches,
            s->flash ? "flash" : "eager", t[2], t[3], t[4], t[5], t[6], t[7], t[8],
            r->memory.fits < 0 ? "null"
            : r->memory.fits   ? "true"
                               : "false");
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
        fprintf(f, "%s%s\n", csv_head, sw->ops ? csv_ops_head : "");
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

static int
load_profiles(sweep *sw)
{
    for (int p = 0; p < sw->profiles.n; p++) {
        prof_ctx *pc = &sw->pc[p];
        lr_error err;
        memset(&err, 0, sizeof err);
        if (!(pc->prof = cli_load_profile(sw->profiles.v[p])) ||
            !(pc->hwdb = cli_load_hw(pc->prof)) ||
            !(pc->arch = cli_load_model(pc->prof, sw->model)))
            return EXIT_INPUT;
        for (int h = 0; h < sw->hardware.n; h++) {
            pc->hw[h] = lr_hwdb_find(pc->hwdb, sw->hardware.v[h]);
            if (!pc->hw[h]) {
                fprintf(stderr, "llmroof: error: unknown hardware '%s' in profile %s\n",
                        sw->hardware.v[h], lr_profile_name(pc->prof));
                return EXIT_USAGE;
            }
        }
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

static int
parse(int argc, char **argv, sweep *sw, const char **out, int *threads)
{
    static const struct option opts[] = {
        {"batch", required_argument, NULL, L_BATCH},
        {"seq-len", required_argument, NULL, L_SEQ},
        {"w-bit", required_argument, NULL, L_WBIT},
        {"a-bit", required_argument, NULL, L_ABIT},
        {"kv-bit", required_argument, NULL, L_KVBIT},
        {"w-group-size", required_argument, NULL, L_WG},
        {"kv-group-size", required_argument, NULL, L_KVG},
        {"tp", required_argument, NULL, L_TP},
        {"pp", required_argument, NULL, L_PP},
        {"ep", required_argument, NULL, L_EP},
        {"microbatches", required_argument, NULL, L_MB},
        {"hardware", required_argument, NULL, 'H'},
        {"profile", required_argument, NULL, 'P'},
        {"attention", required_argument, NULL, 'A'},
        {"ops", no_argument, NULL, 'O'},
        {"format", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"svg", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const double lo[NLISTS] = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1};
    static const double hi[NLISTS] = {1e9, 1e9, 32, 32, 32, 1e9, 1e9, 65536, 65536, 65536, 65536};
    static char hw_default[] = DEFAULT_HARDWARE, prof_default[] = "default",
                att_default[] = "eager";
    const double defaults[NLISTS] = {1, 2048, 16, 16, 0, 0, 0, 1, 1, 1, 1};
    for (int i = 0; i < NLISTS; i++) {
        sw->l[i].v[0] = defaults[i];
        sw->l[i].n = i == L_KVBIT ? 0 : 1; /* kv bits default to a bits */
    }
    parse_strs(hw_default, &sw->hardware);
    parse_strs(prof_default, &sw->profiles);
    parse_strs(att_default, &sw->attention);
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (c >= 0 && c < NLISTS) {
            if (parse_list(list_opt[c], optarg, lo[c], hi[c], &sw->l[c]) < 0)
                return -1;
            continue;
        }
        switch (c) {
        case 'H': parse_strs(optarg, &sw->hardware); break;
        case 'P': parse_strs(optarg, &sw->profiles); break;
        case 'A': parse_strs(optarg, &sw->attention); break;
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
        case 'h': fputs(usage, stdout); return 1;
        default: fputs(usage, stderr); return -1;
        }
    }
    if (sw->jsonl && sw->ops) {
        cli_usage_error("sweep", "--ops is for csv output");
        return -1;
    }
    sw->nflash = 0;
    for (int i = 0; i < sw->attention.n; i++) {
        if (strcmp(sw->attention.v[i], "eager") && strcmp(sw->attention.v[i], "flash")) {
            cli_usage_error("sweep", "--attention: expected eager or flash, got '%s'",
                            sw->attention.v[i]);
            return -1;
        }
        sw->flash[sw->nflash++] = !strcmp(sw->attention.v[i], "flash");
        if (sw->nflash == 2)
            break;
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

static const char *const list_title[NLISTS] = {
    "batch (sequences)", "sequence length (tokens)", "weight bits",   "activation bits",
    "KV-cache bits",     "weight group size",        "KV group size", "tensor-parallel degree",
    "pipeline stages",   "expert-parallel degree",   "micro-batches"};

/* Sizes of the mixed-radix digits of a combination index (the order of
 * combo()) and the place value of each. */
static void
radix(const sweep *sw, double *size, double *place)
{
    for (int i = 0; i < NLISTS; i++)
        size[i] = sw->l[i].n;
    size[NLISTS] = sw->nflash;
    size[NLISTS + 1] = sw->hardware.n;
    size[NLISTS + 2] = sw->profiles.n;
    double pv = 1;
    for (int i = NLISTS + 2; i >= 0; i--) {
        place[i] = pv;
        pv *= size[i];
    }
}

/* The first numeric setting with several values: the x axis; -1 if none. */
static int
x_setting(const sweep *sw)
{
    for (int i = 0; i < NLISTS; i++)
        if (sw->l[i].n > 1)
            return i;
    return -1;
}

/* "seq-len 2048, h100-sxm, flash": the settings other than x that vary. */
static void
group_name(const sweep *sw, int xi, double k, char *buf, size_t cap)
{
    double size[NLISTS + 3], place[NLISTS + 3];
    radix(sw, size, place);
    size_t len = 0;
    buf[0] = '\0';
    for (int d = 0; d < NLISTS + 3 && len < cap; d++) {
        if (d == xi || size[d] < 2)
            continue;
        int i = (int)fmod(floor(k / place[d]), size[d]);
        const char *sep = len ? ", " : "";
        if (d < NLISTS)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s %g", sep, list_opt[d] + 2,
                                    sw->l[d].v[i]);
        else if (d == NLISTS)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s attention", sep,
                                    sw->flash[i] ? "flash" : "eager");
        else
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", sep,
                                    d == NLISTS + 1 ? sw->hardware.v[i] : sw->profiles.v[i]);
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
                               "charts: %.0f combinations of the settings other than %s, at "
                               "most %d lines can be told apart; give fewer values",
                               lines, list_opt[xi], MAX_LINES);
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
    double size[NLISTS + 3], place[NLISTS + 3];
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
        static const char *const what[2] = {"prefill", "decode"};
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
    for (int g = 0; g < ng; g++) {
        s[2 * g] = line_of(p, g, V_PRE, p->name[g * 3], 0);
        s[2 * g + 1] = line_of(p, g, V_DEC, p->name[g * 3 + 1], 1);
        s[2 * ng + 2 * g] = line_of(p, g, V_PRE_TPS, p->name[g * 3], 0);
        s[2 * ng + 2 * g + 1] = line_of(p, g, V_DEC_TPS, p->name[g * 3 + 1], 1);
        s[4 * ng + g] = line_of(p, g, V_MEM, p->name[g * 3 + 2], 0);
    }
    double lo = p->x[0], hi = p->x[p->nx - 1];
    int logx = lo > 0 && hi / lo >= 16;
    const lr_hw *hw = sw->pc[0].hw[0];
    char ref[96], q[32];
    lr_fmt_quantity(q, sizeof q, hw->memory_bytes, "B");
    snprintf(ref, sizeof ref, "%s memory %s", hw->id, q);
    int one_hw = sw->hardware.n == 1 && hw->memory_bytes > 0;
    const char *xt = list_title[p->xi];
    lr_chart c[3] = {{"Latency (one prefill of the prompt; one decode step)",
                      {xt, "", logx, 0, NULL},
                      {"latency", "s", 1, 0, NULL},
                      s,
                      (size_t)(2 * ng)},
                     {"Throughput (prefill: prompt tokens/s; decode: generated tokens/s)",
                      {xt, "", logx, 0, NULL},
                      {"tokens/s", "", 1, 0, NULL},
                      s + 2 * ng,
                      (size_t)(2 * ng)},
                     {"Memory footprint",
                      {xt, "", logx, 0, NULL},
                      {"memory", "B", 0, one_hw ? hw->memory_bytes : 0, one_hw ? ref : NULL},
                      s + 4 * ng,
                      (size_t)ng}};
    char title[512];
    snprintf(title, sizeof title, "%s: sweep over %s", sw->pc[0].arch->name, list_opt[p->xi] + 2);
    return lr_svg_lines(f, c, 3, title, 0);
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
    p.ser = calloc((size_t)p.ng * 5, sizeof *p.ser);
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
    int rc = parse(argc, argv, sw, &out, &threads);
    if (rc != 0) {
        free(sw);
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    sw->nthreads = threads;
    sw->plot_only = plot_only;
    if (plot_only && !sw->svg)
        sw->svg = out ? out : "-";
    if (sw->l[L_KVBIT].n == 0) {
        sw->l[L_KVBIT].n = 1; /* one slot: "the a bits" */
        sw->kv_follows_a = 1;
    }
    sw->total = sw->nflash * (double)sw->hardware.n * sw->profiles.n;
    for (int i = 0; i < NLISTS; i++)
        sw->total *= sw->l[i].n;
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
