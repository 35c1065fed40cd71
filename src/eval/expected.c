/*
 * expected.c: expected times next to the roofline (docs/expected-time.md).
 * Per op: t = (t_c^p + t_m^p)^(1/p) + kernel overhead, with t_c the FLOPs
 * over peak x compute efficiency (a GEMM's from its rows and wave
 * quantization) and t_m the bytes over bandwidth x bandwidth efficiency
 * plus a ramp; communication waits for the link as in the roofline, with
 * its own efficiency. Per pass: the engine's step overhead. The parameters
 * come from the profile's efficiency data for (engine, hardware class, op
 * kind); they are resolved once per (profile, engine, hardware) and turned
 * into per-kind constants once per peak, so the per-op work is a few
 * multiplications and divisions, and nothing allocates after
 * lr_result_new.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

void
lr_expect_init(lr_expect *x, const lr_plan *plan)
{
    memset(x, 0, sizeof *x);
    x->op_kind = lr_xcalloc(plan->nops + 1, sizeof *x->op_kind);
    x->kinds = lr_xcalloc(plan->nops + 1, sizeof *x->kinds);
    for (size_t i = 0; i < plan->nops; i++) {
        size_t k = 0;
        while (k < x->nkinds && strcmp(x->kinds[k], plan->ops[i].kind) != 0)
            k++;
        if (k == x->nkinds)
            x->kinds[x->nkinds++] = plan->ops[i].kind;
        x->op_kind[i] = (int)k;
    }
    x->kp[0] = lr_xcalloc(x->nkinds + 1, sizeof *x->kp[0]);
    x->kp[1] = lr_xcalloc(x->nkinds + 1, sizeof *x->kp[1]);
    x->kc[0] = lr_xcalloc(x->nkinds + 1, sizeof *x->kc[0]);
    x->kc[1] = lr_xcalloc(x->nkinds + 1, sizeof *x->kc[1]);
}

void
lr_expect_free(lr_expect *x)
{
    free(x->op_kind);
    free(x->kinds);
    free(x->kp[0]);
    free(x->kp[1]);
    free(x->kc[0]);
    free(x->kc[1]);
}

/* Neutral parameters: the engine adds nothing to the roofline. */
static int
neutral(const double *v)
{
    return v[LR_EP_P] == 0 && v[LR_EP_COMPUTE_EFF] == 1 && v[LR_EP_BANDWIDTH_EFF] == 1 &&
           v[LR_EP_BANDWIDTH_RAMP_S] == 0 && v[LR_EP_KERNEL_OVERHEAD_S] == 0 &&
           v[LR_EP_KERNEL_OVERHEAD_GRAPHS_S] == 0 && v[LR_EP_GEMM_M_HALF] == 0 &&
           v[LR_EP_GEMV_MAX_M] == 0 && v[LR_EP_GEMM_TILE_M] == 0 && v[LR_EP_NET_EFF] == 1 &&
           v[LR_EP_NET_OVERHEAD_S] == 0;
}

/* Resolves the parameters of every kind of the plan for (engine, class),
 * per stage (a kind may have its own values in one stage: attention@decode). */
static int
resolve(lr_expect *x, const lr_profile *prof, const lr_hw *hw, const char *engine, lr_error *err)
{
    if (lr_profile_engine_check(prof, engine, err) < 0)
        return -1;
    const lr_timing *t = prof->timing;
    const lr_engine_data *e = lr_timing_engine(t, engine);
    const char *cls = lr_timing_class(t, hw);
    lr_timing_resolve(t, e, cls, NULL, -1, x->glob);
    lr_timing_time_scale(e, cls, x->tscale);
    int exact = 1;
    for (int st = 0; st < 2; st++)
        for (size_t k = 0; k < x->nkinds; k++) {
            lr_timing_resolve(t, e, cls, x->kinds[k], st, x->kp[st][k]);
            exact &= neutral(x->kp[st][k]);
        }
    for (int st = 0; st < 2; st++) {
        x->graphs[st] = e->graphs[st];
        x->step_s[st] = e->step_s[st];
        x->step_seq_s[st] = e->step_seq_s[st];
        exact &= e->step_s[st] == 0 && e->step_seq_s[st] == 0 && x->tscale[st] == 1;
    }
    x->exact = exact;
    x->prof = prof;
    x->hw = hw;
    x->hw_id = hw->id;
    x->hw_cls = hw->cls;
    snprintf(x->engine, sizeof x->engine, "%s", engine);
    x->peak = -1; /* constants to recompute */
    return 0;
}

void
lr_expect_kconst(lr_kconst *c, const double *v, const lr_hw *hw, double peak, double a_bytes,
                 int graphs, int matmul)
{
    c->exact = neutral(v);
    c->cpeak = peak * v[LR_EP_COMPUTE_EFF];
    c->bw = hw->bandwidth * v[LR_EP_BANDWIDTH_EFF];
    c->gemv_bw = hw->bandwidth * v[LR_EP_GEMV_BANDWIDTH_EFF];
    c->ramp = v[LR_EP_BANDWIDTH_RAMP_S];
    c->overhead = graphs ? v[LR_EP_KERNEL_OVERHEAD_GRAPHS_S] : v[LR_EP_KERNEL_OVERHEAD_S];
    c->p = v[LR_EP_P];
    c->inv_p = c->p > 0 ? 1 / c->p : 0;
    c->matmul = matmul;
    c->m_half = v[LR_EP_GEMM_M_HALF];
    c->gemv_max_m = v[LR_EP_GEMV_MAX_M];
    c->tile_m = v[LR_EP_GEMM_TILE_M];
    c->tile_n = v[LR_EP_GEMM_TILE_N];
    c->sms = hw->compute_units;
    c->a_bytes = a_bytes;
    c->net_bw = hw->link_bandwidth * v[LR_EP_NET_EFF];
    c->net_lat = hw->link_latency;
    c->net_over = v[LR_EP_NET_OVERHEAD_S];
}

/* The engine's time_scale s of a stage folded into a kind's constants:
 * every rate / s and every fixed time x s, so that lr_op_expected gives s
 * x its time (each term of t_c, t_m, t_n and the combination are of degree
 * one in them) with no work per op. */
static void
scale_consts(lr_kconst *c, double s)
{
    c->exact = 0;
    c->cpeak /= s;
    c->bw /= s;
    c->gemv_bw /= s;
    c->net_bw /= s;
    c->ramp *= s;
    c->overhead *= s;
    c->net_lat *= s;
    c->net_over *= s;
}

/* Per-kind constants for a peak and activation width. */
static void
constants(lr_expect *x, const lr_hw *hw, double peak, double a_bytes)
{
    for (int st = 0; st < 2; st++)
        for (size_t k = 0; k < x->nkinds; k++) {
            lr_expect_kconst(&x->kc[st][k], x->kp[st][k], hw, peak, a_bytes, x->graphs[st],
                             strcmp(x->kinds[k], "matmul") == 0);
            if (x->tscale[st] != 1)
                scale_consts(&x->kc[st][k], x->tscale[st]);
        }
    x->peak = peak;
    x->a_bytes = a_bytes;
    x->bandwidth = hw->bandwidth;
}

int
lr_expect_prepare(lr_expect *x, const lr_profile *prof, const lr_hw *hw, const char *engine,
                  double peak, double a_bytes, lr_error *err)
{
    const char *name = engine && *engine ? engine : prof->engine;
    if (!(x->prof == prof && x->hw == hw && x->hw_id == hw->id && x->hw_cls == hw->cls &&
          strcmp(x->engine, name) == 0) &&
        resolve(x, prof, hw, name, err) < 0) {
        x->prof = NULL;
        return -1;
    }
    /* the hardware's numbers are read again: a caller may edit its lr_hw */
    if (x->peak != peak || x->a_bytes != a_bytes || x->bandwidth != hw->bandwidth)
        constants(x, hw, peak, a_bytes);
    return 0;
}

void
lr_expect_total(const lr_expect *x, int st, double ops_s, double batch, double micro, double steps,
                lr_total *t)
{
    double pass = ops_s + x->step_s[st] + x->step_seq_s[st] * batch;
    t->expected_time_s = pass * micro;
    t->expected_latency_s = pass * steps; /* lr_pipeline_steps: the bubble, or the pipe kept full */
    t->expected_band[0] = x->glob[LR_EP_BAND_LOW];
    t->expected_band[1] = x->glob[LR_EP_BAND_HIGH];
}
