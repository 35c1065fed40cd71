/*
 * stepper.c: the time of one serving step (docs/simulate.md): a batch of
 * decode sequences and prompt chunks, timed by the engine's expected
 * per-op times. The plan is evaluated once for the decode part (batch D at
 * the mean context: exact when an op's counts are affine in the context,
 * as every full-attention formula is) and once per prompt chunk; the parts
 * are merged op by op (work adds up, weights are read once) and each
 * merged op gets one expected time, so a mixed step costs what one pass
 * over all its tokens costs. A step takes a few microseconds whatever its
 * batch, which is what lets the simulation run 10,000 requests in well
 * under a second.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

struct lr_stepper {
    const lr_plan *plan;
    const lr_profile *prof;
    const lr_hw *hw;
    lr_settings s;
    lr_result *r;  /* its expect cache and program scratch */
    double *acc;   /* nops * LR_NSLOTS: the merged parts */
    double *count; /* per op: instances on one device (pipeline stage) */
    char *gather;  /* per op: its weight reads grow with the tokens (an embedding lookup
                      reads a row per token): they add up across parts */
    double vars[2][LR_NVARS];
    /* decode-only steps of nd sequences: the plan after its context-free
     * program (dec[nd], nops * LR_NSLOTS) and the expected time of the
     * context-free ops (fixed[nd]), for tokens per sequence dec_tok */
    double **dec, *fixed, dec_tok;
    size_t ndec;
};

/* Slots that a merged op has once, not per part: the weights read (but
 * for a gather), the latencies of its collective, presence, the weight
 * count, the group. */
static int
shared_slot(int f, int gather)
{
    return (f == LR_F_LOAD_WEIGHT && !gather) || f == LR_F_NET_HOPS || f == LR_SLOT_IF ||
           f == LR_SLOT_W || f == LR_SLOT_GROUP;
}

/* Ops per device: with pipeline stages, a stage holds ceil(layers / pp)
 * of the layers (as analyze.c counts them). */
static double
op_count(const plan_op *po, double pp)
{
    if (pp <= 1 || po->pp_repeat <= 0)
        return po->count;
    return po->count / po->pp_repeat * ceil(po->pp_repeat / pp);
}

/* Ops whose weight reads differ between a pass of 1 and of 2 tokens. */
static int
find_gathers(lr_stepper *st, lr_error *err)
{
    const lr_plan *plan = st->plan;
    lr_result_priv *rp = (lr_result_priv *)st->r;
    st->gather = lr_xcalloc(plan->nops + 1, 1);
    double *one = lr_xcalloc(plan->nops + 1, sizeof *one);
    for (int k = 0; k < 2; k++) {
        double *v = st->vars[LR_PREFILL];
        v[LR_V_B] = 1;
        v[LR_V_S] = v[LR_V_CTX] = 1 + k;
        memcpy(rp->out, plan->base, plan->nops * LR_NSLOTS * sizeof *rp->out);
        int bad;
        const char *why;
        if (lr_prog_run(&plan->prog[0], v, rp->out, rp->stack, &bad, &why) < 0 ||
            lr_prog_run(&plan->prog[1], v, rp->out, rp->stack, &bad, &why) < 0) {
            lr_err_set(err, "", "", "step: %s", why);
            free(one);
            return -1;
        }
        for (size_t i = 0; i < plan->nops; i++) {
            double w = rp->out[i * LR_NSLOTS + LR_F_LOAD_WEIGHT];
            if (k == 0)
                one[i] = w;
            else
                st->gather[i] = w != one[i];
        }
    }
    free(one);
    return 0;
}

lr_stepper *
lr_stepper_new(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
               lr_error *err)
{
    if (s->dp != 1 || s->microbatches != 1) {
        lr_err_set(err, "", s->dp != 1 ? "dp" : "microbatches",
                   "a simulated instance runs dp 1 and one micro-batch (got dp %g, micro-batches "
                   "%g): use replicas for data parallelism",
                   s->dp, s->microbatches);
        return NULL;
    }
    lr_stepper *st = lr_xcalloc(1, sizeof *st);
    st->plan = plan;
    st->prof = prof;
    st->hw = hw;
    st->s = *s;
    st->s.batch = 1;
    st->r = lr_result_new(plan);
    /* one analysis checks the settings and the parallelism and resolves
     * the engine's constants and the peak */
    if (lr_analyze(plan, prof, hw, &st->s, 1, 1, st->r, err) < 0) {
        lr_stepper_free(st);
        return NULL;
    }
    memcpy(st->s.engine, st->r->settings.engine, sizeof st->s.engine);
    st->acc = lr_xcalloc(plan->nops * LR_NSLOTS + 1, sizeof *st->acc);
    st->count = lr_xcalloc(plan->nops + 1, sizeof *st->count);
    for (size_t i = 0; i < plan->nops; i++)
        st->count[i] = op_count(&plan->ops[i], s->pp);
    lr_set_vars(st->vars[LR_PREFILL], &st->s, hw, 1);
    lr_set_vars(st->vars[LR_DECODE], &st->s, hw, 0);
    if (find_gathers(st, err) < 0) {
        lr_stepper_free(st);
        return NULL;
    }
    return st;
}

void
lr_stepper_free(lr_stepper *st)
{
    if (!st)
        return;
    lr_result_free(st->r);
    free(st->acc);
    free(st->count);
    free(st->gather);
    for (size_t i = 0; i < st->ndec; i++)
        free(st->dec[i]);
    free(st->dec);
    free(st->fixed);
    free(st);
}

const char *
lr_stepper_engine(const lr_stepper *st)
{
    return st->s.engine;
}

/* Evaluates one part (vars set) and merges its present ops into acc. */
static int
add_part(lr_stepper *st, const double *vars, int prefill, lr_error *err)
{
    const lr_plan *plan = st->plan;
    lr_result_priv *rp = (lr_result_priv *)st->r;
    double *out = rp->out;
    memcpy(out, plan->base, plan->nops * LR_NSLOTS * sizeof *out);
    int bad;
    const char *why;
    if (lr_prog_run(&plan->prog[0], vars, out, rp->stack, &bad, &why) < 0 ||
        lr_prog_run(&plan->prog[1], vars, out, rp->stack, &bad, &why) < 0) {
        lr_err_set(err, "", bad >= 0 ? plan->ops[bad / LR_NSLOTS].path : "",
                   "step (%s, %g tokens at context %g): %s", prefill ? "prompt" : "decode",
                   vars[LR_V_B] * vars[LR_V_S], vars[LR_V_CTX], why);
        return -1;
    }
    if (lr_check_negative(plan, out, prefill, err) < 0)
        return -1;
    for (size_t i = 0; i < plan->nops; i++) {
        const double *v = &out[i * LR_NSLOTS];
        double *a = &st->acc[i * LR_NSLOTS];
        if (v[LR_SLOT_IF] == 0)
            continue;
        for (int f = 0; f < LR_NSLOTS; f++)
            a[f] = shared_slot(f, st->gather[i]) ? (v[f] > a[f] ? v[f] : a[f]) : a[f] + v[f];
    }
    return 0;
}

static double
op_time(lr_stepper *st, size_t i, const double *a, int stage)
{
    const lr_expect *x = &((lr_result_priv *)st->r)->x;
    lr_op o;
    memset(&o, 0, sizeof o);
    o.weights = a[LR_SLOT_W];
    lr_op_roofline(&o, &st->plan->ops[i], a, st->r->peak_flops, st->hw);
    return st->count[i] * lr_op_expected(&o, &x->kc[stage][x->op_kind[i]]);
}

/* The cached plan of a decode-only step of nd sequences (built at first
 * use): the context-free program run, the context-free ops timed. */
static const double *
decode_entry(lr_stepper *st, size_t nd, double dtok, lr_error *err)
{
    const lr_plan *plan = st->plan;
    size_t n = plan->nops * LR_NSLOTS;
    if (dtok != st->dec_tok) {
        for (size_t i = 0; i < st->ndec; i++)
            free(st->dec[i]), st->dec[i] = NULL;
        st->dec_tok = dtok;
    }
    if (nd >= st->ndec) {
        size_t cap = nd + 64;
        st->dec = lr_xrealloc(st->dec, cap, sizeof *st->dec);
        st->fixed = lr_xrealloc(st->fixed, cap, sizeof *st->fixed);
        for (size_t i = st->ndec; i < cap; i++)
            st->dec[i] = NULL;
        st->ndec = cap;
    }
    if (st->dec[nd])
        return st->dec[nd];
    double *e = lr_xmalloc((n + 1) * sizeof *e);
    memcpy(e, plan->base, n * sizeof *e);
    double *v = st->vars[LR_DECODE];
    v[LR_V_B] = (double)nd;
    v[LR_V_S] = v[LR_V_LOGIT_TOKENS] = dtok;
    v[LR_V_CTX] = 1;
    int bad;
    const char *why;
    lr_result_priv *rp = (lr_result_priv *)st->r;
    if (lr_prog_run(&plan->prog[0], v, e, rp->stack, &bad, &why) < 0) {
        lr_err_set(err, "", bad >= 0 ? plan->ops[bad / LR_NSLOTS].path : "",
                   "step (decode, %zu sequences): %s", nd, why);
        free(e);
        return NULL;
    }
    double t = 0;
    for (size_t i = 0; i < plan->nops; i++)
        if (!plan->ops[i].ctx_dep && e[i * LR_NSLOTS + LR_SLOT_IF] != 0)
            t += op_time(st, i, &e[i * LR_NSLOTS], LR_DECODE);
    st->fixed[nd] = t;
    st->dec[nd] = e;
    return e;
}

/* A decode-only step: the cached context-free part, then only the
 * context-dependent program and ops (as lr_generate runs its steps). */
static double
decode_only(lr_stepper *st, double ndecode, double dtok, double ctx_sum, lr_error *err)
{
    const lr_plan *plan = st->plan;
    size_t nd = (size_t)ndecode;
    const double *e = decode_entry(st, nd, dtok, err);
    if (!e)
        return -1;
    lr_result_priv *rp = (lr_result_priv *)st->r;
    double *out = rp->out;
    memcpy(out, e, plan->nops * LR_NSLOTS * sizeof *out);
    double *v = st->vars[LR_DECODE];
    v[LR_V_B] = ndecode;
    v[LR_V_S] = v[LR_V_LOGIT_TOKENS] = dtok;
    v[LR_V_CTX] = ctx_sum / ndecode;
    int bad;
    const char *why;
    if (lr_prog_run(&plan->prog[1], v, out, rp->stack, &bad, &why) < 0) {
        lr_err_set(err, "", bad >= 0 ? plan->ops[bad / LR_NSLOTS].path : "",
                   "step (decode at context %g): %s", v[LR_V_CTX], why);
        return -1;
    }
    double t = st->fixed[nd];
    for (size_t i = 0; i < plan->nops; i++) {
        const double *a = &out[i * LR_NSLOTS];
        if (!plan->ops[i].ctx_dep || a[LR_SLOT_IF] == 0)
            continue;
        for (int f = 0; f < LR_NFIELDS; f++)
            if (a[f] < 0)
                return lr_check_negative(plan, out, 0, err);
        t += op_time(st, i, a, LR_DECODE);
    }
    const lr_expect *x = &rp->x;
    t += x->step_s[LR_DECODE] + x->step_seq_s[LR_DECODE] * ndecode;
    return t * st->s.pp;
}

double
lr_stepper_time(lr_stepper *st, double ndecode, double dtok, double ctx_sum, size_t nchunk,
                const double *q, const double *ctx, lr_error *err)
{
    const lr_plan *plan = st->plan;
    if (nchunk == 0 && ndecode >= 1 && ndecode == floor(ndecode) && ndecode <= 1e6)
        return decode_only(st, ndecode, dtok, ctx_sum, err);
    memset(st->acc, 0, plan->nops * LR_NSLOTS * sizeof *st->acc);
    if (ndecode > 0) {
        double *v = st->vars[LR_DECODE];
        v[LR_V_B] = ndecode;
        v[LR_V_S] = dtok;
        v[LR_V_LOGIT_TOKENS] = dtok;
        v[LR_V_CTX] = ctx_sum / ndecode;
        if (add_part(st, v, 0, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < nchunk; i++) {
        double *v = st->vars[LR_PREFILL];
        v[LR_V_B] = 1;
        v[LR_V_S] = q[i];
        v[LR_V_CTX] = ctx[i];
        v[LR_V_LOGIT_TOKENS] = st->s.all_logits ? q[i] : 1;
        if (add_part(st, v, 1, err) < 0)
            return -1;
    }
    if (ndecode <= 0 && nchunk == 0)
        return 0;
    /* CUDA graphs and the engine's step overhead: a step with prompt
     * tokens runs as a prefill, a decode-only step as a decode */
    int stage = nchunk ? LR_PREFILL : LR_DECODE;
    const lr_expect *x = &((lr_result_priv *)st->r)->x;
    const lr_kconst *kc = x->kc[stage];
    double t = 0;
    for (size_t i = 0; i < plan->nops; i++) {
        const double *a = &st->acc[i * LR_NSLOTS];
        if (a[LR_SLOT_IF] == 0)
            continue;
        lr_op o;
        memset(&o, 0, sizeof o);
        o.weights = a[LR_SLOT_W];
        lr_op_roofline(&o, &plan->ops[i], a, st->r->peak_flops, st->hw);
        t += st->count[i] * lr_op_expected(&o, &kc[x->op_kind[i]]);
    }
    double seqs = ndecode + (double)nchunk;
    t += x->step_s[stage] + x->step_seq_s[stage] * seqs;
    /* one micro-batch passes every pipeline stage in turn */
    return t * st->s.pp;
}
