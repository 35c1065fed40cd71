/*
 * generate.c: a whole generation (prefill, then one decode step per output
 * token, each with its own context length), summed exactly and fast: the
 * decode is evaluated in full once, then only the context-dependent program
 * (attention over the cache) is re-run per step and only the ops it touches
 * get a new roofline time. Llama-2-7b with 4096 steps takes well under a
 * millisecond.
 */
#include <math.h>
#include <string.h>

#include "eval/eval.h"

static int
check_gen_args(double prompt, double gen, lr_error *err)
{
    if (!(prompt >= 1 && prompt <= 1e9 && prompt == floor(prompt))) {
        lr_err_set(err, "", "prompt_len", "prompt length must be a whole number >= 1, got %g",
                   prompt);
        return -1;
    }
    if (!(gen >= 1 && gen <= 1e9 && gen == floor(gen))) {
        lr_err_set(err, "", "gen_len", "generation length must be a whole number >= 1, got %g",
                   gen);
        return -1;
    }
    return 0;
}

/* Time, FLOPs and bytes of the present ops of one decode step, split into
 * what does not depend on the context (fixed) and what does. */
typedef struct step_sums {
    double time, expected, flops, bytes;
} step_sums;

static void
add_op(step_sums *s, const lr_op *o)
{
    if (!o->present)
        return;
    s->time += o->count * o->time_s;
    s->expected += o->count * o->expected_time_s;
    s->flops += o->count * o->v[LR_F_FLOPS];
    s->bytes += o->count * o->bytes;
}

int
lr_generation_memory(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                     const lr_settings *s, double prompt, double gen, lr_result *r, lr_memory *m,
                     lr_error *err)
{
    if (check_gen_args(prompt, gen, err) < 0)
        return -1;
    lr_settings st = *s;
    st.seq_len = prompt;
    if (lr_analyze(plan, prof, hw, &st, 1, 0, r, err) < 0)
        return -1;
    double prefill_act = r->stage[LR_PREFILL].memory.activations;
    double pass_tokens = r->stage[LR_PREFILL].memory.pass_tokens;
    /* the footprint as the last step sees it (its whole context cached),
     * with the larger of the prefill's and the decode's activations */
    st.seq_len = prompt + gen - 1 + prof->decode_ctx_offset;
    if (lr_analyze(plan, prof, hw, &st, 0, 1, r, err) < 0)
        return -1;
    *m = r->stage[LR_DECODE].memory;
    if (prefill_act > m->activations) {
        m->activations = prefill_act;
        m->pass_tokens = pass_tokens;
    }
    /* an engine holds the pages of every token of the sequence: prompt and
     * generated ones (the cache of the analysis above is at its seq_len) */
    double itok = r->settings.image_tokens; /* the images' tokens are cached too */
    if (prof->engine_memory)
        m->kv_cache = lr_kv_paged(s->batch, prompt + gen + itok, s->kv_block, m->kv_per_token) +
                      s->batch * m->kv_per_seq;
    lr_memory_finish(m, s, hw, prof->engine_memory, prompt + gen + itok);
    return 0;
}

double
lr_max_batch(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
             double prompt, double gen, double mem_util, lr_result *r, lr_error *err)
{
    if (!(mem_util > 0 && mem_util <= 1)) {
        lr_err_set(err, "", "mem_util", "memory utilization must be in (0, 1], got %g", mem_util);
        return -1;
    }
    if (hw->memory_bytes <= 0) {
        lr_err_set(err, "", hw->id, "hardware %s has no memory capacity", hw->id);
        return -1;
    }
    double budget = mem_util * hw->memory_bytes;
    lr_settings st = *s;
    lr_memory m;
    /* the footprint grows with the batch: find the last batch that fits by
     * doubling, then bisection */
    double lo = 0, hi = 1;
    for (;;) {
        st.batch = hi;
        if (lr_generation_memory(plan, prof, hw, &st, prompt, gen, r, &m, err) < 0)
            return -1;
        if (m.total > budget)
            break;
        lo = hi;
        if (hi >= 1e9)
            return hi;
        hi *= 2;
    }
    while (hi - lo > 1) {
        double mid = floor((lo + hi) / 2);
        st.batch = mid;
        if (lr_generation_memory(plan, prof, hw, &st, prompt, gen, r, &m, err) < 0)
            return -1;
        if (m.total > budget)
            hi = mid;
        else
            lo = mid;
    }
    return lo;
}

int
lr_generate(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
            double prompt, double gen, lr_result *r, lr_gen *g, lr_error *err)
{
    lr_result_priv *rp = (lr_result_priv *)r;
    if (check_gen_args(prompt, gen, err) < 0)
        return -1;
    memset(g, 0, sizeof *g);
    g->prompt = prompt;
    g->gen = gen;
    double off = prof->decode_ctx_offset;
    lr_settings st = *s;
    st.seq_len = prompt;
    /* the prefill, and the first decode step in full (context P + off) */
    if (lr_analyze(plan, prof, hw, &st, 1, 0, r, err) < 0)
        return -1;
    g->ttft_s = r->stage[LR_PREFILL].total.latency_s;
    g->expected_ttft_s = r->stage[LR_PREFILL].total.expected_latency_s;
    memcpy(g->engine, r->settings.engine, sizeof g->engine);
    g->flops[0] = r->stage[LR_PREFILL].total.v[LR_F_FLOPS];
    g->bytes[0] = r->stage[LR_PREFILL].total.bytes;
    st.seq_len = prompt + off;
    if (lr_analyze(plan, prof, hw, &st, 0, 1, r, err) < 0)
        return -1;
    lr_stage_result *dec = &r->stage[LR_DECODE];
    step_sums fixed = {0, 0, 0, 0};
    const lr_expect *x = &rp->x;
    const lr_kconst *kc = x->kc[LR_DECODE];
    for (size_t i = 0; i < dec->nops; i++)
        if (!plan->ops[i].ctx_dep)
            add_op(&fixed, &dec->ops[i]);
    double vars[LR_NVARS];
    lr_settings micro = st; /* the ops see one micro-batch of one data-parallel rank */
    micro.batch = st.batch / (st.dp * st.microbatches);
    if (lr_image_tokens_set(plan, s, &micro, err) < 0)
        return -1;
    lr_set_vars(vars, &micro, hw, 0);
    double total = 0, etotal = 0;
    /* the engine's overhead per decode pass (one micro-batch) */
    double step_over = x->step_s[LR_DECODE] + x->step_seq_s[LR_DECODE] * micro.batch;
    for (double k = 0; k < gen; k++) {
        vars[LR_V_CTX] = prompt + k + off + micro.image_tokens;
        int bad;
        const char *why;
        /* the decode's own programs: a specialised prog[1] fits only its base */
        if (lr_prog_run(&rp->last[LR_DECODE].prog[1], vars, rp->out, rp->stack, &bad, &why) < 0) {
            lr_err_set(err, "", bad >= 0 ? plan->ops[bad / LR_NSLOTS].path : "",
                       "decode at context %g: %s", vars[LR_V_CTX], why);
            return -1;
        }
        step_sums step = fixed;
        for (size_t i = 0; i < dec->nops; i++) {
            if (!plan->ops[i].ctx_dep)
                continue;
            const double *v = &rp->out[i * LR_NSLOTS];
            for (int f = 0; f < LR_NFIELDS; f++)
                if (v[f] < 0)
                    return lr_check_negative(plan, rp->out, 0, err);
            lr_op_roofline(&dec->ops[i], &plan->ops[i], v, r->peak_flops, hw);
            dec->ops[i].expected_time_s = lr_op_expected(&dec->ops[i], &kc[x->op_kind[i]]);
            add_op(&step, &dec->ops[i]);
        }
        /* the ops ran on one micro-batch and one pipeline stage; the pipe
         * stays full from token to token */
        double steps = lr_pipeline_steps(s->microbatches, s->pp, 0);
        double t = step.time * steps;
        double et = (step.expected + step_over) * steps;
        if (k == 0) {
            g->tpot_first_s = t;
            g->expected_tpot_first_s = et;
        }
        g->tpot_last_s = t;
        g->expected_tpot_last_s = et;
        total += t;
        etotal += et;
        g->flops[1] += step.flops * s->microbatches;
        g->bytes[1] += step.bytes * s->microbatches;
    }
    g->tpot_mean_s = total / gen;
    g->latency_s = g->ttft_s + total;
    g->output_tokens_per_s = s->batch * gen / g->latency_s;
    g->decode_tokens_per_s = s->batch * gen / total;
    g->total_tokens_per_s = s->batch * (prompt + gen) / g->latency_s;
    g->expected_tpot_mean_s = etotal / gen;
    g->expected_latency_s = g->expected_ttft_s + etotal;
    g->expected_output_tokens_per_s = s->batch * gen / g->expected_latency_s;
    g->expected_total_tokens_per_s = s->batch * (prompt + gen) / g->expected_latency_s;
    g->expected_band[0] = x->glob[LR_EP_BAND_LOW];
    g->expected_band[1] = x->glob[LR_EP_BAND_HIGH];
    return lr_generation_memory(plan, prof, hw, s, prompt, gen, r, &g->memory, err);
}
