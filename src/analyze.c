/*
 * analyze.c: evaluates a plan for given settings and hardware: per-op
 * FLOPs and bytes, arithmetic intensity, bound and roofline time, totals
 * per stage, and the memory footprint. Nothing here allocates: the result
 * is sized once by lr_result_new, so sweeps can run millions of analyses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct result_priv {
    lr_result pub;
    double *out;   /* nops * LR_NFIELDS */
    double *stack; /* program stack */
};

void
lr_settings_default(lr_settings *s)
{
    s->batch = 1;
    s->seq_len = 2048;
    s->w_bit = s->a_bit = s->kv_bit = 16;
    s->all_logits = 0;
}

int
lr_settings_check(const lr_settings *s, lr_error *err)
{
    if (!(s->batch >= 1 && s->batch <= 1e9 && s->batch == floor(s->batch))) {
        lr_err_set(err, "", "batch", "batch must be a whole number from 1 to 1e9, got %g",
                   s->batch);
        return -1;
    }
    if (!(s->seq_len >= 1 && s->seq_len <= 1e9 && s->seq_len == floor(s->seq_len))) {
        lr_err_set(err, "", "seq_len",
                   "sequence length must be a whole number from 1 to 1e9, got %g", s->seq_len);
        return -1;
    }
    const int bits[3] = {s->w_bit, s->a_bit, s->kv_bit};
    const char *names[3] = {"w_bit", "a_bit", "kv_bit"};
    for (int i = 0; i < 3; i++) {
        if (bits[i] < 1 || bits[i] > 32) {
            lr_err_set(err, "", names[i], "bit width must be from 1 to 32, got %d", bits[i]);
            return -1;
        }
    }
    return 0;
}

/* The compute type is set by the wider of the weight and activation
 * widths: a GEMM with 4-bit weights and 16-bit activations dequantizes to
 * 16 bits and runs on the 16-bit tensor cores; both at 8 bits runs INT8. */
enum lr_dtype
lr_compute_dtype(const lr_settings *s)
{
    int bits = s->w_bit > s->a_bit ? s->w_bit : s->a_bit;
    if (bits > 16)
        return LR_FP32;
    if (bits > 8)
        return LR_FP16;
    if (bits > 4)
        return LR_INT8;
    return LR_INT4;
}

/* A device without the implied type runs the next wider one it has. */
static double
peak_for(const lr_hw *hw, enum lr_dtype d, enum lr_dtype *used)
{
    static const enum lr_dtype chain[LR_NDTYPES][5] = {
        [LR_INT4] = {LR_INT4, LR_INT8, LR_FP8, LR_FP16, LR_BF16},
        [LR_INT8] = {LR_INT8, LR_FP8, LR_FP16, LR_BF16, LR_FP32},
        [LR_FP8] = {LR_FP8, LR_INT8, LR_FP16, LR_BF16, LR_FP32},
        [LR_FP16] = {LR_FP16, LR_BF16, LR_FP32, LR_FP32, LR_FP32},
        [LR_BF16] = {LR_BF16, LR_FP16, LR_FP32, LR_FP32, LR_FP32},
        [LR_FP32] = {LR_FP32, LR_FP32, LR_FP32, LR_FP32, LR_FP32},
    };
    for (int i = 0; i < 5; i++) {
        if (hw->peak[chain[d][i]] > 0) {
            *used = chain[d][i];
            return hw->peak[chain[d][i]];
        }
    }
    *used = d;
    return 0;
}

lr_result *
lr_result_new(const lr_plan *plan)
{
    struct result_priv *rp = lr_xcalloc(1, sizeof *rp);
    size_t n = plan->nops;
    rp->out = lr_xcalloc(n * LR_NFIELDS + 1, sizeof *rp->out);
    rp->stack = lr_xcalloc((size_t)plan->prog.maxdepth + 1, sizeof *rp->stack);
    for (int s = 0; s < 2; s++) {
        rp->pub.stage[s].ops = lr_xcalloc(n + 1, sizeof(lr_op));
        rp->pub.stage[s].nops = n;
        for (size_t i = 0; i < n; i++) {
            lr_op *o = &rp->pub.stage[s].ops[i];
            o->name = plan->ops[i].name;
            o->path = plan->ops[i].path;
            o->kind = plan->ops[i].kind;
            o->cls = plan->ops[i].cls;
            o->count = plan->ops[i].count;
        }
    }
    return &rp->pub;
}

void
lr_result_free(lr_result *r)
{
    if (!r)
        return;
    struct result_priv *rp = (struct result_priv *)r;
    free(rp->out);
    free(rp->stack);
    free(r->stage[0].ops);
    free(r->stage[1].ops);
    free(rp);
}

static void
set_vars(double *v, const lr_settings *s, int prefill)
{
    v[LR_V_B] = s->batch;
    v[LR_V_S] = prefill ? s->seq_len : 1;
    v[LR_V_CTX] = s->seq_len;
    v[LR_V_W_BYTES] = s->w_bit / 8.0;
    v[LR_V_A_BYTES] = s->a_bit / 8.0;
    v[LR_V_KV_BYTES] = s->kv_bit / 8.0;
    v[LR_V_LOGIT_TOKENS] = (prefill && s->all_logits) ? s->seq_len : 1;
    v[LR_V_PREFILL] = prefill;
}

static int
eval_stage(const lr_plan *plan, struct result_priv *rp, const lr_settings *s, int prefill,
           lr_error *err)
{
    double vars[LR_NVARS];
    set_vars(vars, s, prefill);
    size_t n = plan->nops;
    memcpy(rp->out, plan->base, n * LR_NFIELDS * sizeof *rp->out);
    int bad;
    const char *why;
    if (lr_prog_run(&plan->prog, vars, rp->out, rp->stack, &bad, &why) < 0) {
        const char *stage = prefill ? "prefill" : "decode";
        if (bad < 0) {
            lr_err_set(err, "", "", "%s: %s", stage, why);
        } else {
            const plan_op *o = &plan->ops[bad / LR_NFIELDS];
            lr_err_set(err, "", o->path, "%s: op %s (class %s), %s formula: %s", stage, o->name,
                       o->cls, lr_field_names[bad % LR_NFIELDS], why);
        }
        return -1;
    }
    return 0;
}

static void
roofline(lr_stage_result *st, const double *out, double peak, double bw)
{
    memset(&st->total, 0, sizeof st->total);
    st->peak_act_bytes = 0;
    for (size_t i = 0; i < st->nops; i++) {
        lr_op *o = &st->ops[i];
        const double *v = &out[i * LR_NFIELDS];
        memcpy(o->v, v, sizeof o->v);
        o->bytes = v[1] + v[2] + v[3] + v[4] + v[5];
        o->intensity = o->bytes > 0 ? v[0] / o->bytes : 0;
        double tc = v[0] / peak, tm = o->bytes / bw;
        o->bound = tc > tm ? LR_COMPUTE : LR_MEMORY;
        o->time_s = tc > tm ? tc : tm;
        for (int f = 0; f < LR_NFIELDS; f++)
            st->total.v[f] += o->count * v[f];
        st->total.bytes += o->count * o->bytes;
        st->total.time_s += o->count * o->time_s;
        if (o->bound == LR_COMPUTE)
            st->total.compute_time_s += o->count * o->time_s;
        else
            st->total.memory_time_s += o->count * o->time_s;
        double act = v[LR_F_LOAD_ACT] + v[LR_F_STORE_ACT];
        if (act > st->peak_act_bytes)
            st->peak_act_bytes = act;
    }
    st->total.intensity = st->total.bytes > 0 ? st->total.v[0] / st->total.bytes : 0;
}

static int
check_negative(const lr_plan *plan, const double *out, int prefill, lr_error *err)
{
    for (size_t i = 0; i < plan->nops * LR_NFIELDS; i++) {
        if (out[i] < 0) {
            const plan_op *o = &plan->ops[i / LR_NFIELDS];
            lr_err_set(err, "", o->path, "%s: %s of op %s (class %s) is negative (%g)",
                       prefill ? "prefill" : "decode", lr_field_names[i % LR_NFIELDS], o->name,
                       o->cls, out[i]);
            return -1;
        }
    }
    return 0;
}

int
lr_analyze(const lr_plan *plan, const lr_hw *hw, const lr_settings *s, int do_prefill,
           int do_decode, lr_result *r, lr_error *err)
{
    struct result_priv *rp = (struct result_priv *)r;
    if (lr_settings_check(s, err) < 0)
        return -1;
    enum lr_dtype used;
    r->settings = *s;
    r->hw = hw;
    r->compute = lr_compute_dtype(s);
    r->peak_flops = peak_for(hw, r->compute, &used);
    if (r->peak_flops <= 0) {
        lr_err_set(err, "", hw->id, "hardware %s lists no peak for %s or any wider type", hw->id,
                   lr_dtype_names[r->compute]);
        return -1;
    }
    r->compute = used;
    r->has[0] = r->has[1] = 0;
    /* The KV cache footprint is what a prefill of seq_len tokens stores,
     * so the prefill is evaluated even for a decode-only analysis. */
    for (int st = 0; st < 2; st++) {
        int prefill = st == LR_PREFILL;
        if (!prefill && !do_decode)
            continue;
        if (eval_stage(plan, rp, s, prefill, err) < 0 ||
            check_negative(plan, rp->out, prefill, err) < 0)
            return -1;
        r->stage[st].stage = (enum lr_stage)st;
        roofline(&r->stage[st], rp->out, r->peak_flops, hw->bandwidth);
        r->has[st] = prefill ? do_prefill : 1;
    }
    lr_memory *m = &r->memory;
    m->weights = plan->params * (s->w_bit / 8.0);
    m->kv_cache = r->stage[LR_PREFILL].total.v[LR_F_STORE_KV];
    m->activations = 0;
    for (int st = 0; st < 2; st++)
        if (r->has[st] && r->stage[st].peak_act_bytes > m->activations)
            m->activations = r->stage[st].peak_act_bytes;
    m->total = m->weights + m->kv_cache + m->activations;
    m->device = hw->memory_bytes;
    m->fits = m->device > 0 ? (m->total <= m->device) : -1;
    return 0;
}
