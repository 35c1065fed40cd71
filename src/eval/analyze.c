/*
 * analyze.c: evaluates a plan for given settings and hardware: per-op
 * FLOPs and bytes, arithmetic intensity, bound and roofline time, totals
 * per stage, and the memory footprint. Nothing here allocates: the result
 * is sized once by lr_result_new, so sweeps can run millions of analyses.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

/* A device without the implied type runs the next wider one it has. */
double
lr_peak_for(const lr_hw *hw, enum lr_dtype d, enum lr_dtype *used)
{
    static const enum lr_dtype chain[LR_NDTYPES][5] = {
        [LR_INT4] = {LR_INT4, LR_INT8, LR_FP8, LR_FP16, LR_BF16},
        [LR_INT8] = {LR_INT8, LR_FP8, LR_FP16, LR_BF16, LR_FP32},
        [LR_FP8] = {LR_FP8, LR_INT8, LR_FP16, LR_BF16, LR_FP32},
        [LR_FP16] = {LR_FP16, LR_BF16, LR_FP32, LR_FP32, LR_FP32},
        [LR_BF16] = {LR_BF16, LR_FP16, LR_FP32, LR_FP32, LR_FP32},
        [LR_FP32] = {LR_FP32, LR_FP32, LR_FP32, LR_FP32, LR_FP32},
        [LR_TF32] = {LR_TF32, LR_FP32, LR_FP32, LR_FP32, LR_FP32},
        /* a device that lists no FP16-accumulate figure runs at its FP16 rate */
        [LR_FP16_ACC16] = {LR_FP16_ACC16, LR_FP16, LR_BF16, LR_FP32, LR_FP32},
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
    lr_result_priv *rp = lr_xcalloc(1, sizeof *rp);
    size_t n = plan->nops;
    rp->out = lr_xcalloc(n * LR_NSLOTS + 1, sizeof *rp->out);
    int depth = plan->prog[0].maxdepth > plan->prog[1].maxdepth ? plan->prog[0].maxdepth
                                                                : plan->prog[1].maxdepth;
    rp->stack = lr_xcalloc((size_t)depth + 1, sizeof *rp->stack);
    rp->depth = depth;
    lr_expect_init(&rp->x, plan);
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
    lr_result_priv *rp = (lr_result_priv *)r;
    free(rp->out);
    free(rp->stack);
    lr_spec_free(&rp->spec[0]);
    lr_spec_free(&rp->spec[1]);
    lr_expect_free(&rp->x);
    free(r->stage[0].ops);
    free(r->stage[1].ops);
    free(rp);
}

static int
eval_stage(const lr_plan *plan, lr_result_priv *rp, const double *vars, int prefill, lr_error *err)
{
    size_t n = plan->nops;
    int st = prefill ? LR_PREFILL : LR_DECODE;
    lr_progs pr = lr_spec_get(plan, &rp->spec[st], vars, &rp->stack, &rp->depth);
    rp->last[st] = pr;
    memcpy(rp->out, pr.base, n * LR_NSLOTS * sizeof *rp->out);
    int bad;
    const char *why;
    if (lr_prog_run(&pr.prog[0], vars, rp->out, rp->stack, &bad, &why) < 0 ||
        lr_prog_run(&pr.prog[1], vars, rp->out, rp->stack, &bad, &why) < 0) {
        const char *stage = prefill ? "prefill" : "decode";
        if (bad < 0) {
            lr_err_set(err, "", "", "%s: %s", stage, why);
        } else {
            const plan_op *o = &plan->ops[bad / LR_NSLOTS];
            int f = bad % LR_NSLOTS;
            lr_err_set(err, "", o->path, "%s: op %s (class %s), %s formula: %s", stage, o->name,
                       o->cls, f == LR_SLOT_IF ? "if" : lr_field_names[f], why);
        }
        return -1;
    }
    return 0;
}

const char *const lr_bound_names[3] = {"compute", "memory", "comm"};

void
lr_op_roofline(lr_op *o, const plan_op *po, const double *v, double peak, const lr_hw *hw)
{
    memcpy(o->v, v, sizeof o->v);
    o->present = v[LR_SLOT_IF] != 0;
    o->bytes = v[LR_F_LOAD_WEIGHT] + v[LR_F_LOAD_ACT] + v[LR_F_STORE_ACT] + v[LR_F_LOAD_KV] +
               v[LR_F_STORE_KV];
    o->intensity = o->bytes > 0 ? v[0] / o->bytes : 0;
    double tc = v[0] / peak, tm = o->bytes / hw->bandwidth;
    /* ties go to compute, as in LLM-Viewer (intensity >= turning point) */
    o->bound = (tc >= tm && v[0] > 0) ? LR_COMPUTE : LR_MEMORY;
    o->time_s = tc > tm ? tc : tm;
    /* a communication op waits for its collective (measured, or bytes over
     * the link plus latency: lr_hw_comm_time); the HBM side overlaps */
    if (v[LR_F_NET_BYTES] > 0 || v[LR_F_NET_HOPS] > 0) {
        double tn = lr_hw_comm_time(hw, po->coll, v[LR_SLOT_GROUP], v[LR_SLOT_MSG], po->calls,
                                    v[LR_F_NET_BYTES], v[LR_F_NET_HOPS]);
        if (tn > o->time_s) {
            o->time_s = tn;
            o->bound = LR_COMM;
        }
    }
}

/* Ops per device: with pipeline stages, a stage holds ceil(layers / pp)
 * of the layers (the busiest stage; embedding and head counted too). */
static double
device_count(const plan_op *po, double pp)
{
    if (pp <= 1 || po->pp_repeat <= 0)
        return po->count;
    return po->count / po->pp_repeat * ceil(po->pp_repeat / pp);
}

/* How many micro-batch stage times one pass of the batch takes. A prefill
 * fills the pipe and drains it: the last of m micro-batches leaves the
 * last of pp stages after m + pp - 1. A decode step runs with the pipe kept
 * full, as engines run it: a micro-batch's next token can enter stage 1
 * only when its previous token has left stage pp (pp stage times) and when
 * the stage has served the other micro-batches (m stage times), so each
 * micro-batch gets a token every max(m, pp) stage times, and so does the
 * batch. */
double
lr_pipeline_steps(double m, double pp, int prefill)
{
    if (prefill)
        return m + pp - 1;
    return m > pp ? m : pp;
}

static void
roofline(lr_stage_result *st, const lr_plan *plan, const double *out, double peak, const lr_hw *hw,
         const lr_settings *s, int prefill, const lr_expect *x)
{
    memset(&st->total, 0, sizeof st->total);
    const lr_kconst *kc = x->kc[st->stage];
    double expected = 0;
    for (size_t i = 0; i < st->nops; i++) {
        lr_op *o = &st->ops[i];
        const double *v = &out[i * LR_NSLOTS];
        o->count = device_count(&plan->ops[i], s->pp);
        o->weights = v[LR_SLOT_W];
        lr_op_roofline(o, &plan->ops[i], v, peak, hw);
        o->expected_time_s = lr_op_expected(o, &kc[x->op_kind[i]]);
        if (!o->present)
            continue;
        expected += o->count * o->expected_time_s;
        for (int f = 0; f < LR_NFIELDS; f++)
            st->total.v[f] += o->count * v[f];
        st->total.bytes += o->count * o->bytes;
        st->total.time_s += o->count * o->time_s;
        if (o->bound == LR_COMPUTE)
            st->total.compute_time_s += o->count * o->time_s;
        else if (o->bound == LR_MEMORY)
            st->total.memory_time_s += o->count * o->time_s;
        else
            st->total.comm_time_s += o->count * o->time_s;
    }
    st->total.intensity = st->total.bytes > 0 ? st->total.v[0] / st->total.bytes : 0;
    /* the ops ran on one micro-batch: the batch takes m of them on a stage */
    double m = s->microbatches;
    for (int f = 0; f < LR_NFIELDS; f++)
        st->total.v[f] *= m;
    st->total.bytes *= m;
    st->total.latency_s = st->total.time_s * lr_pipeline_steps(m, s->pp, prefill);
    lr_expect_total(x, st->stage, expected, s->batch, m, lr_pipeline_steps(m, s->pp, prefill),
                    &st->total);
    st->total.time_s *= m;
    st->total.compute_time_s *= m;
    st->total.memory_time_s *= m;
    st->total.comm_time_s *= m;
}

static int
skipped(const lr_mem_rule *m, const char *name)
{
    for (size_t i = 0; i < m->nskip; i++)
        if (strcmp(m->skip[i], name) == 0)
            return 1;
    return 0;
}

/* Bytes per weight of a node of role `role` (enum lr_wrole, resolved),
 * scales included: the runtime variables its formulas read. */
static double
role_bytes(const double *v, int role)
{
    switch (role) {
    case LR_WR_EMBED: return v[LR_V_W_EMB_BYTES] + v[LR_V_W_EMB_SCALE_BYTES];
    case LR_WR_HEAD: return v[LR_V_W_HEAD_BYTES] + v[LR_V_W_HEAD_SCALE_BYTES];
    case LR_WR_KEEP: return v[LR_V_W16_BYTES];
    default: return v[LR_V_W_BYTES] + v[LR_V_W_SCALE_BYTES];
    }
}

/* One memory figure by a profile rule over a stage's records. */
static double
mem_figure(const lr_mem_rule *m, const lr_plan *plan, const lr_stage_result *st, const double *vars,
           double micro)
{
    if (m->field == LR_MF_PARAMS) {
        /* the parameters this device holds, each at its role's width */
        double bytes = 0;
        for (size_t i = 0; i < st->nops; i++)
            bytes += st->ops[i].count * st->ops[i].weights * role_bytes(vars, plan->ops[i].wrole);
        return bytes;
    }
    double acc = 0;
    for (size_t i = 0; i < st->nops; i++) {
        const lr_op *o = &st->ops[i];
        if (!o->present || (m->nskip && skipped(m, o->name)))
            continue;
        double v =
            m->field == LR_MF_ACT_IO ? o->v[LR_F_LOAD_ACT] + o->v[LR_F_STORE_ACT] : o->v[m->field];
        if (m->reduce == LR_MR_MAX)
            acc = v > acc ? v : acc;
        else if (m->reduce == LR_MR_SUM)
            acc += o->count * v * micro; /* every micro-batch's share (its KV cache) */
        else if (o->count > 1)
            acc += v; /* one instance of each repeated op: one layer */
    }
    return acc;
}

/* The stage's footprint by the profile's rules; `live` is the stage's
 * liveness peak (the pass's in prefill) for a "liveness" rule. */
/* The part of the prefill's store_kv total that is per-sequence state (ops
 * whose cache write does not grow with the tokens), as a fraction. */
static double
state_fraction(const lr_plan *plan, const lr_stage_result *pre)
{
    double all = 0, state = 0;
    for (size_t i = 0; i < pre->nops && i < plan->nops; i++) {
        const lr_op *o = &pre->ops[i];
        if (!o->present)
            continue;
        double v = o->count * o->v[LR_F_STORE_KV];
        all += v;
        if (plan->ops[i].kv_seq)
            state += v;
    }
    return all > 0 ? state / all : 0;
}

static void
stage_memory(const lr_plan *plan, const lr_profile *prof, lr_result *r, int st, double live,
             double pass_tokens)
{
    lr_memory *m = &r->stage[st].memory;
    const lr_settings *s = &r->settings;
    memset(m, 0, sizeof *m);
    double *fig[LR_NMEM] = {&m->weights, &m->kv_cache, &m->activations};
    double vars[LR_NVARS];
    lr_set_vars(vars, &r->settings, r->hw, st == LR_PREFILL);
    for (int k = 0; k < LR_NMEM; k++) {
        const lr_mem_rule *rule = &prof->mem[k];
        int from = rule->stage < 0 ? st : rule->stage;
        *fig[k] = rule->reduce == LR_MR_LIVENESS
                      ? live
                      : mem_figure(rule, plan, &r->stage[from], vars, s->microbatches);
    }
    /* the prefill stores the KV of every token it reads, the images' too
     * (bytes per token), and the final state of the recurrent layers
     * (bytes per sequence) */
    double tokens = s->seq_len + s->image_tokens;
    double stored = r->stage[LR_PREFILL].total.v[LR_F_STORE_KV];
    double state = stored * state_fraction(plan, &r->stage[LR_PREFILL]);
    m->kv_per_token = (stored - state) / (s->batch * tokens);
    m->kv_per_seq = state / s->batch;
    if (prof->engine_memory)
        m->kv_cache =
            lr_kv_paged(s->batch, tokens, s->kv_block, m->kv_per_token) + s->batch * m->kv_per_seq;
    m->pass_tokens = st == LR_PREFILL ? pass_tokens : s->batch;
    lr_memory_finish(m, s, r->hw, prof->engine_memory, tokens);
}

/* The liveness peak of the prefill pass an engine reserves: the stage's
 * own when the whole batch fits in one pass, else a pass of
 * max_batched_tokens evaluated here (before the stages: the scratch
 * holds the decode's values afterwards, which lr_generate reuses). */
static int
prefill_pass(const lr_plan *plan, lr_result_priv *rp, const lr_settings *mb, const lr_hw *hw,
             double *live, double *tokens, lr_error *err)
{
    *live = -1;
    *tokens = mb->batch * mb->seq_len;
    if (*tokens <= mb->max_batched_tokens)
        return 0;
    double vars[LR_NVARS];
    lr_pass_vars(mb, hw, vars, tokens);
    if (eval_stage(plan, rp, vars, 1, err) < 0 || lr_check_negative(plan, rp->out, 1, err) < 0)
        return -1;
    *live = lr_liveness_peak(plan, rp->out);
    return 0;
}

int
lr_check_negative(const lr_plan *plan, const double *out, int prefill, lr_error *err)
{
    /* the error is the rare case: first one vectorisable pass over the sign
     * bits (a -0 or a negative condition sets one too, and is let through
     * by the exact check below) */
    uint64_t sign = 0;
    for (size_t i = 0; i < plan->nops * LR_NSLOTS; i++) {
        uint64_t b;
        memcpy(&b, &out[i], sizeof b);
        sign |= b;
    }
    if (!(sign >> 63))
        return 0;
    for (size_t i = 0; i < plan->nops * LR_NSLOTS; i++) {
        if (out[i] < 0 && i % LR_NSLOTS != LR_SLOT_IF) {
            const plan_op *o = &plan->ops[i / LR_NSLOTS];
            lr_err_set(err, "", o->path, "%s: %s of op %s (class %s) is negative (%g)",
                       prefill ? "prefill" : "decode", lr_field_names[i % LR_NSLOTS], o->name,
                       o->cls, out[i]);
            return -1;
        }
    }
    return 0;
}

/* Expert parallelism splits the tp x dp devices that run one pipeline
 * stage (as in vLLM and SGLang), it adds none: ep must divide tp x dp. The
 * data-parallel ranks of a MoE model exchange their tokens over the link. */
static int
check_expert_split(const lr_plan *plan, const lr_hw *hw, const lr_settings *s, lr_error *err)
{
    double group = s->tp * s->dp;
    if (s->ep > 1 && fmod(group, s->ep) != 0) {
        lr_err_set(err, "", "ep",
                   "ep %g must divide tp x dp = %g x %g = %g: expert parallelism splits the "
                   "devices of tensor and data parallelism (e.g. --tp %g --ep %g, or --dp %g "
                   "--ep %g)",
                   s->ep, s->tp, s->dp, group, s->ep, s->ep, s->ep, s->ep);
        return -1;
    }
    if (s->dp > 1 && (plan->parallel & LR_PAR_EP) && hw->link_bandwidth <= 0) {
        lr_err_set(err, "", hw->id,
                   "hardware %s lists no interconnect bandwidth: the data-parallel (--dp) ranks "
                   "of a mixture of experts share their experts over it",
                   hw->id);
        return -1;
    }
    return 0;
}

int
lr_image_tokens_set(const lr_plan *plan, const lr_settings *s, lr_settings *mb, lr_error *err)
{
    double t = lr_plan_image_tokens(plan, s);
    if (t < 0) {
        lr_err_set(err, "", "image_size",
                   "the model's image tokens cannot be computed for %g images of size '%s' "
                   "(docs/families/vision.md: the image sizes each model's processor is "
                   "modelled for)",
                   s->images, s->image_size[0] ? s->image_size : "(the model's default)");
        return -1;
    }
    if (s->images > 0 && t == 0) {
        lr_err_set(err, "", "images",
                   "%g images given, but the %s model has no vision part: --images applies to "
                   "vision-language models (docs/families/vision.md)",
                   s->images, plan->family[0] ? plan->family : "analysed");
        return -1;
    }
    mb->image_tokens = t;
    return 0;
}

int
lr_analyze(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
           int do_prefill, int do_decode, lr_result *r, lr_error *err)
{
    lr_result_priv *rp = (lr_result_priv *)r;
    if (lr_settings_check(s, err) < 0)
        return -1;
    r->settings = *s;
    r->profile = prof;
    r->hw = hw;
    /* the ops see one micro-batch of one data-parallel rank */
    lr_settings mb = *s;
    mb.batch = s->batch / (s->dp * s->microbatches);
    if (lr_image_tokens_set(plan, s, &mb, err) < 0)
        return -1;
    r->settings.image_tokens = mb.image_tokens;
    double vars[2][LR_NVARS];
    lr_set_vars(vars[0], &mb, hw, 1);
    lr_set_vars(vars[1], &mb, hw, 0);
    enum lr_dtype want = lr_profile_compute_dtype(prof, vars[0]), used;
    r->peak_flops = lr_peak_for(hw, want, &used);
    if (r->peak_flops <= 0) {
        lr_err_set(err, "", hw->id, "hardware %s lists no peak for %s or any wider type", hw->id,
                   lr_dtype_names[want]);
        return -1;
    }
    r->compute = used;
    if (lr_expect_prepare(&rp->x, prof, hw, s->engine, r->peak_flops, vars[0][LR_V_A_BYTES], err) <
        0)
        return -1;
    /* the result names the engine it used */
    memcpy(r->settings.engine, rp->x.engine, sizeof r->settings.engine);
    static const struct {
        int bit;
        const char *opt;
    } par[3] = {
        {LR_PAR_TP, "tensor (--tp)"}, {LR_PAR_PP, "pipeline (--pp)"}, {LR_PAR_EP, "expert (--ep)"}};
    const double deg[3] = {s->tp, s->pp, s->ep};
    for (int i = 0; i < 3; i++) {
        if (deg[i] > 1 && !(plan->parallel & par[i].bit)) {
            lr_err_set(err, "", "", "the %s template does not model %s parallelism",
                       plan->family[0] ? plan->family : "model's", par[i].opt);
            return -1;
        }
        if (deg[i] > 1 && hw->link_bandwidth <= 0) {
            lr_err_set(err, "", hw->id,
                       "hardware %s lists no interconnect bandwidth: no %s parallelism", hw->id,
                       par[i].opt);
            return -1;
        }
    }
    if (check_expert_split(plan, hw, s, err) < 0)
        return -1;
    /* the activations: liveness per stage, the prefill's over one pass */
    int liveness = prof->mem[LR_MEM_ACT].reduce == LR_MR_LIVENESS;
    double live[2] = {-1, -1}, pass_tokens = mb.batch * (mb.seq_len + mb.image_tokens);
    if (liveness && prof->engine_memory &&
        prefill_pass(plan, rp, &mb, hw, &live[LR_PREFILL], &pass_tokens, err) < 0)
        return -1;
    /* Both stages are always evaluated: memory rules may read the prefill
     * (the KV cache it stores) while the decode is reported, and the cost
     * is a few hundred bytecode instructions. */
    for (int st = 0; st < 2; st++) {
        if (eval_stage(plan, rp, vars[st], st == LR_PREFILL, err) < 0 ||
            lr_check_negative(plan, rp->out, st == LR_PREFILL, err) < 0)
            return -1;
        r->stage[st].stage = (enum lr_stage)st;
        roofline(&r->stage[st], plan, rp->out, r->peak_flops, hw, &mb, st == LR_PREFILL, &rp->x);
        if (liveness && live[st] < 0)
            live[st] = lr_liveness_peak(plan, rp->out);
    }
    r->has[LR_PREFILL] = do_prefill;
    r->has[LR_DECODE] = do_decode;
    memset(&r->memory, 0, sizeof r->memory);
    int first = 1;
    for (int st = 0; st < 2; st++) {
        stage_memory(plan, prof, r, st, live[st], pass_tokens);
        if (r->has[st] && (first || r->stage[st].memory.total > r->memory.total)) {
            r->memory = r->stage[st].memory;
            first = 0;
        }
    }
    return 0;
}
