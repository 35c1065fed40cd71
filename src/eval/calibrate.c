/*
 * calibrate.c: fitting the efficiency model to measured kernel times
 * (`llmroof calibrate`, docs/calibrate.md). A CSV file of one of the kernel
 * formats of ../shared/kernels (GEMM, context attention, generation
 * attention) is read into rows; each row becomes the op a module entry
 * makes of it (torch.nn.Linear for a GEMM, LlamaSdpaAttention with flash
 * attention for the attention tables) analysed once on the device, which
 * gives its FLOPs, bytes and roofline; its expected time is then
 * lr_op_expected over those ops with candidate parameters, exactly the
 * per-op formula an analysis uses. The parameters of the device's class
 * are fitted per op kind by minimising the mean squared log error of
 * expected against measured with a deterministic coordinate descent in log
 * space; a k-fold split by rows gives a held-out estimate. End-to-end
 * rows (model, batch, lengths; measured TTFT, TPOT or throughput) are
 * predicted with lr_generate and fit the engine's step overheads per
 * stage instead, to which their expected times are exactly linear.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

enum { CAT_GEMM, CAT_CTX, CAT_GEN, CAT_E2E, CAT_N };
static const char *const cat_names[CAT_N + 1] = {"gemm", "context_attention",
                                                 "generation_attention", "end_to_end", "all"};
/* The metrics of an end-to-end row. */
enum { M_TTFT, M_TPOT, M_TPS, M_N };
static const char *const metric_names[M_N] = {"ttft_s", "tpot_s", "output_tokens_per_s"};
/* The parameter sets fitted: GEMM rows fit the matmul kind; context and
 * generation attention rows the attention kind in its stage (prefill's
 * FlashAttention kernel and decode's paged kernel differ). kind_ops: the
 * op kind each compares with; kind_stage: the stage it is resolved in. */
enum { K_MATMUL, K_ATTN, K_ATTN_DEC, K_N };
static const char *const kind_names[K_N] = {"matmul", "attention@prefill", "attention@decode"};
static const char *const kind_ops[K_N] = {"matmul", "attention", "attention"};
static const int kind_stage[K_N] = {LR_PREFILL, LR_PREFILL, LR_DECODE};

static int
kind_of(int cat)
{
    return cat == CAT_GEMM ? K_MATMUL : cat == CAT_CTX ? K_ATTN : K_ATTN_DEC;
}

/* One measured row, and after preparing, its ops in c->ops. */
typedef struct crow {
    int cat, w_bit, a_bit, a_fp8, kv_bit;
    double m, n, k;                      /* GEMM */
    double batch, seq, heads, kvh, hdim; /* attention: seq = seq_len or kv_len */
    double measured;                     /* seconds (tokens/s for M_TPS) */
    /* end to end: the model (index into c->models), the generation, the
     * metric, and the expected time as a line in the step overheads:
     * e0 + e1 x prefill + e2 x decode (latency for M_TPS, whose value is
     * num / that) */
    size_t model;
    double prompt, gen, tp, e0, e1, e2, num;
    int metric, flash;
    size_t file, index; /* which file, which row of it */
    size_t op0, nops;
    int used;
} crow;

/* One op of a row, with what lr_op_expected needs besides the parameters. */
typedef struct cop {
    lr_op o;
    double count, peak, a_bytes;
    int kind, graphs;
} cop;

typedef struct cparam {
    int kind, ep;
    double before, after, lo, hi;
} cparam;

/* A compiled one-node model per shape (GEMM: n, k; attention: heads). */
typedef struct cplan {
    char key[96];
    lr_arch *arch;
    lr_plan *plan;
    lr_result *r;
} cplan;

struct lr_calib {
    crow *rows;
    size_t nrows;
    char **files;
    size_t *file_rows;
    size_t nfiles;
    cop *ops;
    size_t nops;
    cplan *plans;
    size_t nplans;
    const lr_hw *hw;
    char *cls, *source;
    double v[K_N][LR_EP_N]; /* the parameters per kind, as being fitted */
    double glob[LR_EP_N];
    cparam par[16];
    size_t npar;
    double *pred; /* per row, scratch */
    lr_calib_stats st[3][CAT_N + 1];
    int fitted, folds;
    /* end to end: the models named (plans borrowed, lr_calib_set_plan) and
     * the engine's step overheads per stage, before and as fitted */
    char **models;
    const lr_plan **mplans;
    size_t nmodels;
    double ov[2], ov_before[2];
    int ov_fit[2];
    char *engine;
};

lr_calib *
lr_calib_new(void)
{
    return lr_xcalloc(1, sizeof(lr_calib));
}

static void
plans_free(lr_calib *c)
{
    for (size_t i = 0; i < c->nplans; i++) {
        lr_result_free(c->plans[i].r);
        lr_plan_free(c->plans[i].plan);
        lr_arch_free(c->plans[i].arch);
    }
    free(c->plans);
    c->plans = NULL;
    c->nplans = 0;
}

void
lr_calib_free(lr_calib *c)
{
    if (!c)
        return;
    plans_free(c);
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    free(c->file_rows);
    free(c->rows);
    free(c->ops);
    free(c->pred);
    free(c->cls);
    free(c->source);
    for (size_t i = 0; i < c->nmodels; i++)
        free(c->models[i]);
    free(c->models);
    free(c->mplans);
    free(c->engine);
    free(c);
}

size_t
lr_calib_rows(const lr_calib *c)
{
    return c->nrows;
}

/* ---- reading ---- */

#define MAX_COLS 64

typedef struct csv_line {
    char *f[MAX_COLS];
    int col[MAX_COLS]; /* 1-based character column of each field */
    size_t n;
} csv_line;

/* Splits `s` (modified) at commas. */
static void
split(char *s, csv_line *l)
{
    l->n = 0;
    char *start = s;
    for (char *p = s;; p++) {
        if (*p == ',' || *p == '\0' || *p == '\r') {
            int end = *p == '\0' || *p == '\r';
            *p = '\0';
            if (l->n < MAX_COLS) {
                l->col[l->n] = (int)(start - s) + 1;
                l->f[l->n++] = start;
            }
            if (end)
                return;
            start = p + 1;
        }
    }
}

static int
find_col(const csv_line *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->f[i], name) == 0)
            return (int)i;
    return -1;
}

/* Where a file's columns are; -1 when absent. */
typedef struct cols {
    int cat;
    int m, n, k, dtype, batch, seq, heads, kvh, hdim, kv_dtype, attn_dtype, window, lat;
    int model, prompt, gen, tp, attention, metric[M_N]; /* end to end */
    double lat_scale;
    const char *dtype_name;
} cols;

static int
bad_at(lr_error *err, const char *file, int line, int col, const char *colname, const char *fmt,
       const char *val)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, val);
    lr_err_set(err, file, colname ? colname : "", "%s", msg);
    err->line = line;
    err->col = col;
    return -1;
}

static const char *const formats =
    "expected the columns of a kernel table: m,n,k,latency_ms (GEMM; gemm_dtype optional); "
    "batch_size,seq_len,num_heads,num_kv_heads,head_dim,latency_ms (context attention); "
    "batch_size,kv_len,num_heads,num_kv_heads,head_dim,latency_ms (generation attention); "
    "model,batch,prompt_len,gen_len and ttft_s, tpot_s or output_tokens_per_s (end to end); "
    "docs/calibrate.md";

/* The end-to-end format's columns (c->cat = CAT_E2E). */
static int
header_e2e(const csv_line *h, cols *c, const char *file, lr_error *err)
{
    c->cat = CAT_E2E;
    c->batch = find_col(h, "batch");
    c->prompt = find_col(h, "prompt_len");
    c->gen = find_col(h, "gen_len");
    c->tp = find_col(h, "tp");
    c->attention = find_col(h, "attention");
    int any = 0;
    for (int m = 0; m < M_N; m++)
        any |= (c->metric[m] = find_col(h, metric_names[m])) >= 0;
    static const char *const need[] = {"batch", "prompt_len", "gen_len"};
    const int have[] = {c->batch, c->prompt, c->gen};
    for (int i = 0; i < 3; i++)
        if (have[i] < 0) {
            lr_err_set(err, file, "header", "missing column '%s' (end_to_end format: %s)", need[i],
                       formats);
            err->line = 1;
            return -1;
        }
    if (!any) {
        lr_err_set(err, file, "header",
                   "missing a measured column: ttft_s, tpot_s or output_tokens_per_s "
                   "(end_to_end format: %s)",
                   formats);
        err->line = 1;
        return -1;
    }
    return 0;
}

static int
header_cols(const csv_line *h, cols *c, const char *file, lr_error *err)
{
    memset(c, -1, sizeof *c);
    if ((c->model = find_col(h, "model")) >= 0)
        return header_e2e(h, c, file, err);
    c->m = find_col(h, "m");
    c->n = find_col(h, "n");
    c->k = find_col(h, "k");
    c->dtype = find_col(h, "gemm_dtype");
    c->dtype_name = "gemm_dtype";
    if (c->dtype < 0) {
        c->dtype = find_col(h, "dtype");
        c->dtype_name = "dtype";
    }
    c->batch = find_col(h, "batch_size");
    c->seq = find_col(h, "kv_len");
    c->heads = find_col(h, "num_heads");
    c->kvh = find_col(h, "num_kv_heads");
    c->hdim = find_col(h, "head_dim");
    c->kv_dtype = find_col(h, "kv_cache_dtype");
    c->attn_dtype = find_col(h, "attn_dtype");
    c->window = find_col(h, "window_size");
    static const char *const lat[] = {"latency_ms", "latency_us", "latency_s"};
    static const double scale[] = {1e-3, 1e-6, 1};
    for (int i = 0; i < 3 && c->lat < 0; i++)
        if ((c->lat = find_col(h, lat[i])) >= 0)
            c->lat_scale = scale[i];
    const char *need[8];
    int have[8], nn = 0;
    if (c->m >= 0 || c->n >= 0 || c->k >= 0) {
        c->cat = CAT_GEMM;
        need[nn] = "m", have[nn++] = c->m;
        need[nn] = "n", have[nn++] = c->n;
        need[nn] = "k", have[nn++] = c->k;
    } else if (c->batch >= 0 || c->heads >= 0) {
        c->cat = c->seq >= 0 ? CAT_GEN : CAT_CTX;
        if (c->seq < 0)
            c->seq = find_col(h, "seq_len");
        need[nn] = "batch_size", have[nn++] = c->batch;
        need[nn] = c->cat == CAT_GEN ? "kv_len" : "seq_len", have[nn++] = c->seq;
        need[nn] = "num_heads", have[nn++] = c->heads;
        need[nn] = "num_kv_heads", have[nn++] = c->kvh;
        need[nn] = "head_dim", have[nn++] = c->hdim;
    } else {
        lr_err_set(err, file, "header", "unrecognised columns: %s", formats);
        err->line = 1;
        return -1;
    }
    need[nn] = "latency_ms", have[nn++] = c->lat;
    for (int i = 0; i < nn; i++)
        if (have[i] < 0) {
            lr_err_set(err, file, "header", "missing column '%s' (%s format: %s)", need[i],
                       cat_names[c->cat], formats);
            err->line = 1;
            return -1;
        }
    return 0;
}

/* A field as a number: `whole` >= 1, else > 0. */
static int
field_num(const csv_line *l, int i, int whole, const char *name, const char *file, int line,
          double *out, lr_error *err)
{
    char *end;
    const char *s = l->f[i];
    double d = strtod(s, &end);
    if (!*s || *end || !isfinite(d))
        return bad_at(err, file, line, l->col[i], name, "expected a number, got '%s'", s);
    if (whole && (d < 1 || d != floor(d)))
        return bad_at(err, file, line, l->col[i], name, "expected a whole number >= 1, got '%s'",
                      s);
    if (!whole && d <= 0)
        return bad_at(err, file, line, l->col[i], name, "expected a positive time, got '%s'", s);
    *out = d;
    return 0;
}

/* bfloat16/float16: 16 bits; fp8: 8; anything else is refused. */
static int
field_dtype(const csv_line *l, int i, int allow_fp8, const char *name, const char *file, int line,
            int *bits, lr_error *err)
{
    *bits = 16;
    if (i < 0)
        return 0;
    const char *s = l->f[i];
    if (strcmp(s, "bfloat16") == 0 || strcmp(s, "float16") == 0 || strcmp(s, "bf16") == 0 ||
        strcmp(s, "fp16") == 0)
        return 0;
    if (allow_fp8 && strcmp(s, "fp8") == 0) {
        *bits = 8;
        return 0;
    }
    return bad_at(err, file, line, l->col[i], name,
                  allow_fp8 ? "unknown dtype '%s' (expected bfloat16, float16 or fp8)"
                            : "unknown dtype '%s' (expected bfloat16 or float16)",
                  s);
}

/* One data line into *r; 1: skipped (a feature not modelled). */
static int
parse_row(const csv_line *l, size_t nhead, const cols *c, const char *file, int line, crow *r,
          lr_error *err)
{
    if (l->n != nhead) {
        lr_err_set(err, file, "", "expected %zu fields (as the header), got %zu", nhead, l->n);
        err->line = line;
        return -1;
    }
    memset(r, 0, sizeof *r);
    r->cat = c->cat;
    r->w_bit = r->a_bit = r->kv_bit = 16;
    if (c->cat == CAT_GEMM) {
        int bits;
        if (field_num(l, c->m, 1, "m", file, line, &r->m, err) < 0 ||
            field_num(l, c->n, 1, "n", file, line, &r->n, err) < 0 ||
            field_num(l, c->k, 1, "k", file, line, &r->k, err) < 0 ||
            field_dtype(l, c->dtype, 1, c->dtype_name, file, line, &bits, err) < 0)
            return -1;
        r->w_bit = r->a_bit = bits;
        r->a_fp8 = bits == 8;
    } else {
        int bits;
        if (field_num(l, c->batch, 1, "batch_size", file, line, &r->batch, err) < 0 ||
            field_num(l, c->seq, 1, c->cat == CAT_GEN ? "kv_len" : "seq_len", file, line, &r->seq,
                      err) < 0 ||
            field_num(l, c->heads, 1, "num_heads", file, line, &r->heads, err) < 0 ||
            field_num(l, c->kvh, 1, "num_kv_heads", file, line, &r->kvh, err) < 0 ||
            field_num(l, c->hdim, 1, "head_dim", file, line, &r->hdim, err) < 0 ||
            field_dtype(l, c->attn_dtype, 0, "attn_dtype", file, line, &bits, err) < 0 ||
            field_dtype(l, c->kv_dtype, 1, "kv_cache_dtype", file, line, &r->kv_bit, err) < 0)
            return -1;
        if (fmod(r->heads, r->kvh) != 0)
            return bad_at(err, file, line, l->col[c->heads], "num_heads",
                          "expected a multiple of num_kv_heads, got '%s'", l->f[c->heads]);
        if (c->window >= 0 && strcmp(l->f[c->window], "0") != 0)
            return 1; /* sliding windows: not modelled by the entry */
    }
    double lat = 0;
    const char *latname = c->lat_scale == 1e-3 ? "latency_ms"
                          : c->lat_scale == 1  ? "latency_s"
                                               : "latency_us";
    if (field_num(l, c->lat, 0, latname, file, line, &lat, err) < 0)
        return -1;
    r->measured = lat * c->lat_scale;
    return 0;
}

static size_t
model_index(lr_calib *c, const char *name)
{
    for (size_t i = 0; i < c->nmodels; i++)
        if (strcmp(c->models[i], name) == 0)
            return i;
    c->models = lr_xrealloc(c->models, c->nmodels + 1, sizeof *c->models);
    c->mplans = lr_xrealloc(c->mplans, c->nmodels + 1, sizeof *c->mplans);
    c->mplans[c->nmodels] = NULL;
    c->models[c->nmodels] = lr_xstrdup(name);
    return c->nmodels++;
}

static void
add_row(lr_calib *c, const crow *r)
{
    c->rows = lr_xrealloc(c->rows, c->nrows + 1, sizeof *c->rows);
    c->rows[c->nrows++] = *r;
}

/* One end-to-end line: a row per measured metric (an empty field: not
 * measured). */
static int
parse_e2e(lr_calib *c, const csv_line *l, size_t nhead, const cols *cl, const char *file, int line,
          size_t row, lr_error *err)
{
    if (l->n != nhead) {
        lr_err_set(err, file, "", "expected %zu fields (as the header), got %zu", nhead, l->n);
        err->line = line;
        return -1;
    }
    crow r;
    memset(&r, 0, sizeof r);
    r.cat = CAT_E2E;
    r.tp = 1;
    r.flash = -1;
    if (!l->f[cl->model][0])
        return bad_at(err, file, line, l->col[cl->model], "model", "expected a model name%s", "");
    if (field_num(l, cl->batch, 1, "batch", file, line, &r.batch, err) < 0 ||
        field_num(l, cl->prompt, 1, "prompt_len", file, line, &r.prompt, err) < 0 ||
        field_num(l, cl->gen, 1, "gen_len", file, line, &r.gen, err) < 0 ||
        (cl->tp >= 0 && field_num(l, cl->tp, 1, "tp", file, line, &r.tp, err) < 0))
        return -1;
    if (cl->attention >= 0) {
        const char *a = l->f[cl->attention];
        if (strcmp(a, "flash") != 0 && strcmp(a, "eager") != 0)
            return bad_at(err, file, line, l->col[cl->attention], "attention",
                          "expected flash or eager, got '%s'", a);
        r.flash = strcmp(a, "flash") == 0;
    }
    r.model = model_index(c, l->f[cl->model]);
    r.file = c->nfiles;
    r.index = row;
    size_t given = 0;
    for (int m = 0; m < M_N; m++) {
        if (cl->metric[m] < 0 || !l->f[cl->metric[m]][0])
            continue;
        if (field_num(l, cl->metric[m], 0, metric_names[m], file, line, &r.measured, err) < 0)
            return -1;
        r.metric = m;
        add_row(c, &r);
        given++;
    }
    if (!given)
        return bad_at(err, file, line, 1, "",
                      "expected a measured value (ttft_s, tpot_s or output_tokens_per_s)%s", "");
    return 0;
}

int
lr_calib_read(lr_calib *c, const char *file, size_t *skipped, lr_error *err)
{
    lr_err_clear(err);
    size_t len, skip = 0;
    char *buf = lr_read_file(file, &len, err);
    if (!buf)
        return -1;
    csv_line h, l;
    cols cl;
    char *save = buf, *nl;
    int line = 1, rc = 0;
    nl = strchr(save, '\n');
    if (nl)
        *nl = '\0';
    split(save, &h);
    if (h.n == 0 || (h.n == 1 && !h.f[0][0])) {
        lr_err_set(err, file, "", "empty file: %s", formats);
        free(buf);
        return -1;
    }
    if (header_cols(&h, &cl, file, err) < 0) {
        free(buf);
        return -1;
    }
    size_t nhead = h.n, first = c->nrows;
    while (nl && rc == 0) {
        save = nl + 1;
        line++;
        nl = strchr(save, '\n');
        if (nl)
            *nl = '\0';
        if (!*save || (*save == '\r' && !save[1]))
            continue;
        split(save, &l);
        if (cl.cat == CAT_E2E) {
            rc = parse_e2e(c, &l, nhead, &cl, file, line, (size_t)line - 2, err);
            continue;
        }
        crow r;
        int p = parse_row(&l, nhead, &cl, file, line, &r, err);
        if (p < 0)
            rc = -1;
        else if (p > 0)
            skip++;
        else {
            r.file = c->nfiles;
            r.index = c->nrows - first;
            c->rows = lr_xrealloc(c->rows, c->nrows + 1, sizeof *c->rows);
            c->rows[c->nrows++] = r;
        }
    }
    free(buf);
    if (rc < 0) {
        c->nrows = first;
        return -1;
    }
    c->files = lr_xrealloc(c->files, c->nfiles + 1, sizeof *c->files);
    c->file_rows = lr_xrealloc(c->file_rows, c->nfiles + 1, sizeof *c->file_rows);
    c->files[c->nfiles] = lr_xstrdup(file);
    c->file_rows[c->nfiles++] = c->nrows - first;
    if (skipped)
        *skipped = skip;
    return 0;
}

/* ---- preparing: each row's ops ---- */

static cplan *
plan_for(lr_calib *c, const lr_profile *prof, const crow *r, lr_error *err)
{
    char key[96];
    if (r->cat == CAT_GEMM)
        snprintf(key, sizeof key, "L %.0f %.0f", r->n, r->k);
    else
        snprintf(key, sizeof key, "A %.0f %.0f %.0f", r->heads, r->kvh, r->hdim);
    for (size_t i = 0; i < c->nplans; i++)
        if (strcmp(c->plans[i].key, key) == 0)
            return &c->plans[i];
    char v[4][32];
    const char *names[4], *vals[4];
    size_t n;
    const char *cls;
    if (r->cat == CAT_GEMM) {
        cls = "torch.nn.Linear";
        names[0] = "in_features", names[1] = "out_features";
        snprintf(v[0], 32, "%.0f", r->k);
        snprintf(v[1], 32, "%.0f", r->n);
        n = 2;
    } else {
        cls = "LlamaSdpaAttention";
        names[0] = "hidden_size", names[1] = "num_heads", names[2] = "num_kv_heads";
        names[3] = "head_dim";
        snprintf(v[0], 32, "%.0f", r->heads * r->hdim);
        snprintf(v[1], 32, "%.0f", r->heads);
        snprintf(v[2], 32, "%.0f", r->kvh);
        snprintf(v[3], 32, "%.0f", r->hdim);
        n = 4;
    }
    for (size_t i = 0; i < n; i++)
        vals[i] = v[i];
    lr_arch *a = lr_op_arch(lr_profile_db(prof), cls, names, vals, n, err);
    lr_plan *p = a ? lr_plan_new(a, lr_profile_db(prof), err) : NULL;
    if (!p) {
        lr_arch_free(a);
        return NULL;
    }
    c->plans = lr_xrealloc(c->plans, c->nplans + 1, sizeof *c->plans);
    cplan *cp = &c->plans[c->nplans++];
    snprintf(cp->key, sizeof cp->key, "%s", key);
    cp->arch = a;
    cp->plan = p;
    cp->r = lr_result_new(p);
    return cp;
}

/* Analyses row r once and keeps its ops of the measured kind. */
static int
prepare_row(lr_calib *c, const lr_profile *prof, const lr_hw *hw, const char *engine, int graphs,
            crow *r, lr_error *err)
{
    cplan *cp = plan_for(c, prof, r, err);
    if (!cp)
        return -1;
    lr_settings s;
    lr_settings_default(&s);
    snprintf(s.engine, sizeof s.engine, "%s", engine);
    s.w_bit = r->w_bit;
    s.a_bit = r->a_bit;
    s.a_fp8 = r->a_fp8;
    s.kv_bit = r->kv_bit;
    s.allow_long_context = 1;
    int st = r->cat == CAT_GEN ? LR_DECODE : LR_PREFILL;
    if (r->cat == CAT_GEMM) {
        s.batch = r->m; /* tokens = {B} x {S} */
        s.seq_len = 1;
    } else {
        s.batch = r->batch;
        s.seq_len = r->seq;
        s.flash = 1;
    }
    if (lr_analyze(cp->plan, prof, hw, &s, st == LR_PREFILL, st == LR_DECODE, cp->r, err) < 0)
        return -1;
    const lr_stage_result *sr = &cp->r->stage[st];
    int kind = kind_of(r->cat);
    const lr_engine_data *e = lr_timing_engine(prof->timing, engine);
    r->op0 = c->nops;
    for (size_t i = 0; i < sr->nops; i++) {
        const lr_op *o = &sr->ops[i];
        if (!o->present || strcmp(o->kind, kind_ops[kind]) != 0)
            continue;
        c->ops = lr_xrealloc(c->ops, c->nops + 1, sizeof *c->ops);
        cop *q = &c->ops[c->nops++];
        q->o = *o;
        q->o.name = q->o.path = q->o.kind = q->o.cls = NULL; /* the plan's, not kept */
        q->count = o->count;
        q->peak = cp->r->peak_flops;
        q->a_bytes = s.a_bit / 8.0;
        q->kind = kind;
        q->graphs = graphs >= 0 ? graphs : e ? e->graphs[st] : 0;
    }
    r->nops = c->nops - r->op0;
    if (r->nops == 0) {
        lr_err_set(err, "", cat_names[r->cat], "the %s entry has no %s op to compare with",
                   r->cat == CAT_GEMM ? "torch.nn.Linear" : "LlamaSdpaAttention", kind_ops[kind]);
        return -1;
    }
    return 0;
}

/* ---- end-to-end rows ---- */

/* One expected metric of row r with the engine's step overheads set to
 * ov (seconds per forward pass, prefill and decode). The engine preset is
 * the profile's own (allocated, not const): lr_calib_fit sets its
 * overheads for the duration of these calls and puts them back. */
static int
e2e_at(const lr_calib *c, const lr_profile *prof, const lr_hw *hw, lr_engine_data *e, const crow *r,
       const double ov[2], double *t, double *num, lr_error *err)
{
    lr_settings s;
    lr_settings_default(&s);
    snprintf(s.engine, sizeof s.engine, "%s", e->name);
    /* the preset's defaults first (chunked prefill, block size), as the
     * CLI's analyses apply them, then the row's own settings */
    if (lr_settings_apply_engine(&s, prof, err) < 0)
        return -1;
    s.batch = r->batch;
    s.tp = r->tp;
    if (r->flash >= 0)
        s.flash = r->flash;
    s.allow_long_context = 1;
    const lr_plan *plan = c->mplans[r->model];
    lr_result *res = lr_result_new(plan);
    lr_gen g;
    e->step_s[LR_PREFILL] = ov[0];
    e->step_s[LR_DECODE] = ov[1];
    int rc = lr_generate(plan, prof, hw, &s, r->prompt, r->gen, res, &g, err);
    e->step_s[LR_PREFILL] = c->ov_before[0];
    e->step_s[LR_DECODE] = c->ov_before[1];
    lr_result_free(res);
    if (rc < 0)
        return -1;
    *t = r->metric == M_TTFT   ? g.expected_ttft_s
         : r->metric == M_TPOT ? g.expected_tpot_mean_s
                               : g.expected_latency_s;
    *num = g.expected_output_tokens_per_s * g.expected_latency_s;
    return 0;
}

/* The row's expected time as a line in the two overheads (exact: each
 * forward pass adds its stage's overhead once, src/eval/expected.c), from
 * three generations. */
static int
prepare_e2e(lr_calib *c, const lr_profile *prof, const lr_hw *hw, lr_engine_data *e, crow *r,
            lr_error *err)
{
    if (!e) {
        lr_err_set(err, "", "engine", "no engine preset to fit the step overheads of");
        return -1;
    }
    if (!c->mplans[r->model]) {
        lr_err_set(err, "", "model", "no model loaded for '%s' (lr_calib_set_plan)",
                   c->models[r->model]);
        return -1;
    }
    const double d = 1e-3;
    const double p0[2] = {0, 0}, p1[2] = {d, 0}, p2[2] = {0, d};
    double t0, t1, t2, num;
    if (e2e_at(c, prof, hw, e, r, p0, &t0, &num, err) < 0 ||
        e2e_at(c, prof, hw, e, r, p1, &t1, &num, err) < 0 ||
        e2e_at(c, prof, hw, e, r, p2, &t2, &num, err) < 0)
        return -1;
    r->e0 = t0;
    r->e1 = (t1 - t0) / d;
    r->e2 = (t2 - t0) / d;
    r->num = r->batch * r->gen;
    (void)num;
    /* a stage is fitted when some row's time moves with its overhead */
    c->ov_fit[0] |= r->e1 > 0;
    c->ov_fit[1] |= r->e2 > 0;
    return 0;
}

static double
predict_e2e(const double ov[2], const crow *r)
{
    double t = r->e0 + r->e1 * ov[0] + r->e2 * ov[1];
    return r->metric == M_TPS ? r->num / t : t;
}

/* Mean squared log error of the end-to-end rows (fold `out` left out). */
static double
loss_e2e(const lr_calib *c, const double ov[2], const int *fold, int out)
{
    double s = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const crow *r = &c->rows[i];
        if (!r->used || r->cat != CAT_E2E || (fold && fold[i] == out))
            continue;
        double e = log(predict_e2e(ov, r) / r->measured);
        s += e * e;
    }
    return s;
}

/* The step overheads the rows tell apart (a stage whose overhead moves
 * some row), by alternating golden-section searches in [0, OV_MAX] s:
 * the loss is convex in each along a line of positive slope, and the
 * rounds converge to the joint minimum. */
#define OV_MAX 0.5
static void
fit_overheads(lr_calib *c, const int *fold, int out)
{
    c->ov[0] = c->ov_before[0];
    c->ov[1] = c->ov_before[1];
    const double g = (sqrt(5.0) - 1) / 2;
    for (int round = 0; round < 60; round++)
        for (int st = 0; st < 2; st++) {
            if (!c->ov_fit[st])
                continue;
            double a = 0, b = OV_MAX, v[2] = {c->ov[0], c->ov[1]};
            while (b - a > 1e-12) {
                double x1 = b - g * (b - a), x2 = a + g * (b - a);
                v[st] = x1;
                double f1 = loss_e2e(c, v, fold, out);
                v[st] = x2;
                double f2 = loss_e2e(c, v, fold, out);
                if (f1 <= f2)
                    b = x2;
                else
                    a = x1;
            }
            c->ov[st] = (a + b) / 2;
        }
}

/* ---- predicting and fitting ---- */

static double
predict(const lr_calib *c, const crow *r)
{
    if (r->cat == CAT_E2E)
        return predict_e2e(c->ov, r);
    double t = 0;
    for (size_t i = r->op0; i < r->op0 + r->nops; i++) {
        const cop *q = &c->ops[i];
        lr_kconst k;
        lr_expect_kconst(&k, c->v[q->kind], c->hw, q->peak, q->a_bytes, q->graphs,
                         q->kind == K_MATMUL);
        t += q->count * lr_op_expected(&q->o, &k);
    }
    return t;
}

/* Mean squared log error over the used rows whose fold is not `out`. */
static double
loss(const lr_calib *c, const int *fold, int out)
{
    double s = 0;
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const crow *r = &c->rows[i];
        if (!r->used || (fold && fold[i] == out))
            continue;
        double e = log(predict(c, r) / r->measured);
        s += e * e;
        n++;
    }
    return n ? s / (double)n : 0;
}

static void
set_x(lr_calib *c, const double *x)
{
    for (size_t j = 0; j < c->npar; j++)
        c->v[c->par[j].kind][c->par[j].ep] = exp(x[j]);
}

/* The descent's objective: the loss plus a weak pull (PRIOR x the squared
 * log ratio) of each parameter towards its starting value, so that a
 * parameter the rows cannot tell apart (the bandwidth of compute-bound
 * GEMMs) keeps its value instead of wandering; small enough not to move
 * one the rows do determine. */
#define PRIOR 1e-7

static double
objective(lr_calib *c, const double *x, const double *x0, const int *fold, int out)
{
    double r = 0;
    for (size_t j = 0; j < c->npar; j++)
        r += (x[j] - x0[j]) * (x[j] - x0[j]);
    return loss(c, fold, out) + PRIOR * r;
}

/* One exploratory sweep: each parameter moved by +-step when that lowers
 * the loss. Returns the loss. */
static double
explore(lr_calib *c, double *x, const double *x0, const double *lo, const double *hi, double step,
        double f, const int *fold, int out)
{
    for (size_t j = 0; j < c->npar; j++) {
        for (int dir = -1; dir <= 1; dir += 2) {
            double old = x[j];
            x[j] = fmin(hi[j], fmax(lo[j], old + dir * step));
            if (x[j] == old)
                continue;
            set_x(c, x);
            double g = objective(c, x, x0, fold, out);
            if (g < f * (1 - 1e-12)) {
                f = g;
                break;
            }
            x[j] = old;
            set_x(c, x);
        }
    }
    return f;
}

/* Pattern search (Hooke and Jeeves) in log space: exploratory moves of each
 * parameter by a factor, then a move along the direction that worked
 * (which follows the valleys of correlated parameters such as a ramp and
 * an overhead); the factor halves (in log) when nothing improves.
 * Deterministic: the same rows give the same parameters. */
static void
descend(lr_calib *c, const int *fold, int out)
{
    double x[16], x0[16], lo[16], hi[16], base[16], trial[16];
    size_t np = c->npar;
    for (size_t j = 0; j < np; j++) {
        lo[j] = log(c->par[j].lo);
        hi[j] = log(c->par[j].hi);
        double b = c->par[j].before;
        x[j] = log(b < c->par[j].lo ? c->par[j].lo : b > c->par[j].hi ? c->par[j].hi : b);
    }
    memcpy(x0, x, np * sizeof *x);
    set_x(c, x);
    double f = objective(c, x, x0, fold, out), step = log(2.0);
    for (int round = 0; round < 2000 && step > 1e-5 && f > 0; round++) {
        memcpy(base, x, np * sizeof *x);
        double g = explore(c, x, x0, lo, hi, step, f, fold, out);
        if (!(g < f)) {
            step /= 2;
            continue;
        }
        f = g;
        /* the pattern move, repeated while it pays */
        for (int k = 0; k < 50; k++) {
            for (size_t j = 0; j < np; j++)
                trial[j] = fmin(hi[j], fmax(lo[j], 2 * x[j] - base[j]));
            set_x(c, trial);
            double h = objective(c, trial, x0, fold, out);
            if (!(h < f)) {
                set_x(c, x);
                break;
            }
            memcpy(base, x, np * sizeof *x);
            memcpy(x, trial, np * sizeof *x);
            f = h;
        }
    }
    set_x(c, x);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
quantile(const double *s, size_t n, double q)
{
    if (n == 0)
        return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return i + 1 < n ? s[i] * (1 - f) + s[i + 1] * f : s[i];
}

/* Residuals per category of c->pred against the used rows. */
static void
residuals(lr_calib *c, lr_calib_stats *out)
{
    double *ratio = lr_xcalloc(c->nrows + 1, sizeof *ratio);
    double *abs_err = lr_xcalloc(c->nrows + 1, sizeof *abs_err);
    for (int cat = 0; cat <= CAT_N; cat++) {
        size_t n = 0;
        for (size_t i = 0; i < c->nrows; i++) {
            const crow *r = &c->rows[i];
            if (!r->used || (cat < CAT_N && r->cat != cat))
                continue;
            ratio[n] = r->measured / c->pred[i];
            abs_err[n++] = fabs(c->pred[i] - r->measured) / r->measured;
        }
        qsort(ratio, n, sizeof *ratio, cmp_double);
        qsort(abs_err, n, sizeof *abs_err, cmp_double);
        lr_calib_stats *s = &out[cat];
        s->category = cat_names[cat];
        s->n = n;
        s->median = quantile(ratio, n, 0.5);
        s->p10 = quantile(ratio, n, 0.1);
        s->p90 = quantile(ratio, n, 0.9);
        s->median_abs_err = quantile(abs_err, n, 0.5);
    }
    free(ratio);
    free(abs_err);
}

static void
predict_all(lr_calib *c)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].used)
            c->pred[i] = predict(c, &c->rows[i]);
}

static void
add_param(lr_calib *c, int kind, int ep, double lo, double hi)
{
    for (size_t j = 0; j < c->npar; j++)
        if (c->par[j].kind == kind && c->par[j].ep == ep)
            return;
    cparam *p = &c->par[c->npar++];
    p->kind = kind;
    p->ep = ep;
    p->before = c->v[kind][ep];
    p->lo = lo;
    p->hi = hi;
}

/* The parameters the used rows can tell apart. */
static void
choose_params(lr_calib *c)
{
    c->npar = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const crow *r = &c->rows[i];
        if (!r->used || r->cat == CAT_E2E)
            continue;
        int k = kind_of(r->cat);
        /* efficiencies up to 1: the expected time stays above the roofline
         * (rows faster than it, such as L2-resident GEMMs, pull to 1) */
        add_param(c, k, LR_EP_COMPUTE_EFF, 0.02, 1);
        add_param(c, k, LR_EP_BANDWIDTH_EFF, 0.02, 1);
        if (k == K_MATMUL && r->m <= c->v[k][LR_EP_GEMV_MAX_M])
            add_param(c, k, LR_EP_GEMV_BANDWIDTH_EFF, 0.02, 1);
        if (k == K_MATMUL && r->m > c->v[k][LR_EP_GEMV_MAX_M])
            add_param(c, k, LR_EP_GEMM_M_HALF, 0.1, 1e5);
        add_param(c, k, LR_EP_BANDWIDTH_RAMP_S, 1e-9, 1e-3);
        add_param(c, k,
                  c->ops[r->op0].graphs ? LR_EP_KERNEL_OVERHEAD_GRAPHS_S : LR_EP_KERNEL_OVERHEAD_S,
                  1e-8, 1e-3);
    }
}

static void
restore_before(lr_calib *c)
{
    for (size_t j = 0; j < c->npar; j++)
        c->v[c->par[j].kind][c->par[j].ep] = c->par[j].before;
}

static void
held_out(lr_calib *c)
{
    int *fold = lr_xcalloc(c->nrows + 1, sizeof *fold);
    for (size_t i = 0; i < c->nrows; i++)
        fold[i] = (int)(((uint64_t)i * 2654435761u) % (uint64_t)c->folds);
    for (int f = 0; f < c->folds; f++) {
        restore_before(c);
        descend(c, fold, f);
        fit_overheads(c, fold, f);
        for (size_t i = 0; i < c->nrows; i++)
            if (c->rows[i].used && fold[i] == f)
                c->pred[i] = predict(c, &c->rows[i]);
    }
    residuals(c, c->st[2]);
    free(fold);
}

/* The band from the fit's residuals: [p10, p90] of measured / expected. */
static void
band(lr_calib *c)
{
    const lr_calib_stats *a = &c->st[1][CAT_N];
    c->glob[LR_EP_BAND_LOW] = fmin(1, fmax(0.01, a->p10));
    c->glob[LR_EP_BAND_HIGH] = fmax(1, fmin(100, a->p90));
}

static int
prepare(lr_calib *c, const lr_profile *prof, const lr_hw *hw, const lr_calib_opts *o,
        const char *engine, lr_error *err)
{
    /* the profile's engine preset, whose overheads e2e_at sets and restores */
    lr_engine_data *e = (lr_engine_data *)lr_timing_engine(prof->timing, engine);
    c->nops = 0;
    for (size_t f = 0; f < c->nfiles; f++) {
        size_t stride = o->max_rows && c->file_rows[f] > o->max_rows
                            ? (c->file_rows[f] + o->max_rows - 1) / o->max_rows
                            : 1;
        for (size_t i = 0; i < c->nrows; i++) {
            crow *r = &c->rows[i];
            if (r->file != f)
                continue;
            r->used = r->index % stride == 0;
            if (r->used &&
                (r->cat == CAT_E2E ? prepare_e2e(c, prof, hw, e, r, err)
                                   : prepare_row(c, prof, hw, engine, o->graphs, r, err)) < 0) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                lr_err_set(err, c->files[f], "", "row %zu: %s", r->index + 1, msg);
                err->line = (int)r->index + 2;
                return -1;
            }
        }
    }
    return 0;
}

int
lr_calib_fit(lr_calib *c, const lr_profile *prof, const lr_hw *hw, const lr_calib_opts *o,
             lr_error *err)
{
    lr_err_clear(err);
    const char *engine = o->engine && *o->engine ? o->engine : prof->engine;
    if (c->nrows == 0) {
        lr_err_set(err, "", "calibrate", "no measured rows to fit");
        return -1;
    }
    if (!prof->timing) {
        lr_err_set(err, "", "calibrate", "the profile has no efficiency data (%s)",
                   prof->timing_dirs ? prof->timing_dirs : "?");
        return -1;
    }
    if (lr_profile_engine_check(prof, engine, err) < 0)
        return -1;
    c->hw = hw;
    const lr_engine_data *e = lr_timing_engine(prof->timing, engine);
    free(c->engine);
    c->engine = lr_xstrdup(engine);
    c->ov_fit[0] = c->ov_fit[1] = 0;
    for (int st = 0; st < 2; st++)
        c->ov[st] = c->ov_before[st] = e ? e->step_s[st] : 0;
    if (prepare(c, prof, hw, o, engine, err) < 0)
        return -1;
    const char *cls = lr_timing_class(prof->timing, hw);
    free(c->cls);
    c->cls = lr_xstrdup(cls ? cls : hw->id);
    for (int k = 0; k < K_N; k++)
        lr_timing_resolve(prof->timing, e, cls, kind_ops[k], kind_stage[k], c->v[k]);
    lr_timing_resolve(prof->timing, e, cls, NULL, -1, c->glob);
    free(c->source);
    c->source = lr_xasprintf("llmroof calibrate --hardware %s --engine %s --cuda-graphs %s (%zu "
                             "file(s), %zu rows)",
                             hw->id, engine,
                             o->graphs < 0 ? "engine"
                             : o->graphs   ? "yes"
                                           : "no",
                             c->nfiles, c->nrows);
    free(c->pred);
    c->pred = lr_xcalloc(c->nrows + 1, sizeof *c->pred);
    choose_params(c);
    predict_all(c);
    residuals(c, c->st[0]);
    c->folds = o->folds > 1 ? o->folds : 0;
    if (c->folds)
        held_out(c);
    restore_before(c);
    descend(c, NULL, -1);
    fit_overheads(c, NULL, -1);
    for (size_t j = 0; j < c->npar; j++)
        c->par[j].after = c->v[c->par[j].kind][c->par[j].ep];
    predict_all(c);
    residuals(c, c->st[1]);
    band(c);
    c->fitted = 1;
    return 0;
}

/* ---- results ---- */

size_t
lr_calib_stats_count(const lr_calib *c)
{
    return c->fitted ? CAT_N + 1 : 0;
}

const lr_calib_stats *
lr_calib_stats_get(const lr_calib *c, int which, size_t i)
{
    if (!c->fitted || which < 0 || which > 2 || i > CAT_N || (which == 2 && !c->folds))
        return NULL;
    return &c->st[which][i];
}

const char *
lr_calib_class(const lr_calib *c)
{
    return c->cls ? c->cls : "";
}

const char *
lr_calib_source(const lr_calib *c)
{
    return c->source ? c->source : "";
}

const char *
lr_calib_hw_id(const lr_calib *c)
{
    return c->hw ? c->hw->id : "";
}

int
lr_calib_hw_has_class(const lr_calib *c)
{
    return c->hw && strcmp(c->cls, c->hw->id) != 0;
}

double
lr_calib_band(const lr_calib *c, int high)
{
    return c->glob[high ? LR_EP_BAND_HIGH : LR_EP_BAND_LOW];
}

size_t
lr_calib_param_count(const lr_calib *c)
{
    return c->fitted ? c->npar : 0;
}

void
lr_calib_param(const lr_calib *c, size_t i, const char **kind, const char **name, double *before,
               double *after)
{
    const cparam *p = &c->par[i];
    *kind = kind_names[p->kind];
    *name = lr_ep_name(p->ep);
    *before = p->before;
    *after = p->after;
}

size_t
lr_calib_model_count(const lr_calib *c)
{
    return c->nmodels;
}

const char *
lr_calib_model_name(const lr_calib *c, size_t i)
{
    return i < c->nmodels ? c->models[i] : NULL;
}

void
lr_calib_set_plan(lr_calib *c, size_t i, const lr_plan *plan)
{
    if (i < c->nmodels)
        c->mplans[i] = plan;
}

const char *
lr_calib_engine(const lr_calib *c)
{
    return c->engine ? c->engine : "";
}

int
lr_calib_overhead(const lr_calib *c, int stage, double *before, double *after)
{
    if (!c->fitted || stage < 0 || stage > 1)
        return 0;
    *before = c->ov_before[stage];
    *after = c->ov_fit[stage] ? c->ov[stage] : c->ov_before[stage];
    return c->ov_fit[stage];
}

int
lr_calib_has_kernels(const lr_calib *c)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].cat != CAT_E2E)
            return 1;
    return 0;
}

double
lr_calib_value(const lr_calib *c, const char *kind, const char *name)
{
    for (size_t i = 0; c->fitted && i < c->npar; i++)
        if (strcmp(kind_names[c->par[i].kind], kind) == 0 &&
            strcmp(lr_ep_name(c->par[i].ep), name) == 0)
            return c->par[i].after;
    return NAN;
}
