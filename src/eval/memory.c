/*
 * memory.c: the memory plan of one device as an engine (vLLM) makes it
 * (docs/memory.md): the weights, the KV cache in pages of kv_block_size
 * tokens, the activation peak of one forward pass of at most
 * max_batched_tokens tokens (by liveness over the op sequence), and the
 * runtime's own memory, within mem_util of the device; from these the KV
 * capacity in tokens and the number of sequences that fit at once.
 */
#include <math.h>
#include <string.h>

#include "eval/eval.h"

/* The residual stream: the hidden state that enters the repeated blocks
 * (the load_act of the first op inside them) stays alive through every op
 * of a block, for the residual add at its end. */
static double
residual_stream(const lr_plan *plan, const double *out)
{
    for (size_t i = 0; i < plan->nops; i++) {
        const plan_op *o = &plan->ops[i];
        if ((o->pp_repeat > 0 || o->count > 1) && out[i * LR_NSLOTS + LR_SLOT_IF] != 0)
            return out[i * LR_NSLOTS + LR_F_LOAD_ACT];
    }
    return 0;
}

double
lr_liveness_peak(const lr_plan *plan, const double *out)
{
    /* A tensor stored by op i lives until its last reader. The module data
     * names bytes, not tensors, so the readers are bounded by the op
     * sequence: while op j runs, its inputs (load_act) and its output
     * (store_act) are alive, and so is the residual stream; everything
     * an earlier op stored and op j does not read has been consumed
     * (docs/memory.md derives the bound and its one exception, sibling
     * branches, for the bundled families). The KV cache is not an
     * activation: a "kv" node's store goes to store_kv. */
    double peak = 0;
    for (size_t i = 0; i < plan->nops; i++) {
        const double *v = &out[i * LR_NSLOTS];
        if (v[LR_SLOT_IF] == 0)
            continue;
        double live = v[LR_F_LOAD_ACT] + v[LR_F_STORE_ACT];
        peak = live > peak ? live : peak;
    }
    return peak > 0 ? peak + residual_stream(plan, out) : 0;
}

/* The pass whose activations an engine reserves: the prefill of the whole
 * batch when it has at most max_batched_tokens tokens; else a pass of
 * exactly that many tokens: whole prompts' worth of sequences when a
 * prompt is shorter, or else one chunk of a longer prompt attending all of
 * it (the last chunk, the largest). `mb` is one micro-batch. */
void
lr_pass_vars(const lr_settings *mb, const lr_hw *hw, double *vars, double *tokens)
{
    /* a prompt's image tokens are prompt tokens like the others */
    double t = mb->max_batched_tokens, b = mb->batch, s = mb->seq_len + mb->image_tokens;
    lr_settings p = *mb;
    p.seq_len = s;
    p.image_tokens = 0;
    if (b * s > t && s <= t) {
        p.batch = t / s;
    } else if (b * s > t) {
        p.batch = 1;
        p.seq_len = t;
    }
    lr_set_vars(vars, &p, hw, 1);
    if (b * s > t && s > t)
        vars[LR_V_CTX] = s;
    *tokens = p.batch * p.seq_len;
}

/* NCCL's buffers for a group of n devices: the table has 1, 2, 4 and 8. */
static double
comm_buffers(const lr_hw *hw, double n)
{
    int k = n <= 1 ? 0 : n <= 2 ? 1 : n <= 4 ? 2 : 3;
    return hw->comm_bytes[k];
}

double
lr_kv_paged(double seqs, double tokens, double block, double per_token)
{
    return seqs * ceil(tokens / block) * block * per_token;
}

void
lr_memory_finish(lr_memory *m, const lr_settings *s, const lr_hw *hw, int engine, double tokens)
{
    double block = engine ? s->kv_block : 1;
    /* the engine's own runtime memory when its preset names one (ideal: 0) */
    double own = s->runtime_bytes >= 0 ? s->runtime_bytes : hw->runtime_bytes;
    m->runtime = engine ? own + comm_buffers(hw, s->tp * s->pp * s->ep) : 0;
    m->total = m->weights + m->kv_cache + m->activations + m->runtime;
    m->device = hw->memory_bytes;
    m->budget = s->mem_util * m->device;
    m->fits = m->device > 0 ? (m->total <= m->budget) : -1;
    m->seq_tokens = tokens;
    if (m->device <= 0) {
        m->kv_capacity_tokens = m->max_sequences = NAN;
        return;
    }
    if (m->kv_per_token <= 0 && m->kv_per_seq <= 0) {
        /* no KV cache: sequences are bounded by something else */
        m->kv_capacity_tokens = m->max_sequences = INFINITY;
        return;
    }
    double room = m->budget - m->weights - m->activations - m->runtime;
    if (m->kv_per_seq > 0) {
        /* each sequence holds its pages and a state of constant size */
        double pages = ceil(tokens / block) * block * m->kv_per_token;
        m->max_sequences = room > 0 ? floor(room / (pages + m->kv_per_seq)) : 0;
        double left = room - m->max_sequences * m->kv_per_seq;
        m->kv_capacity_tokens = m->kv_per_token <= 0 ? INFINITY
                                : left > 0 ? floor(left / (block * m->kv_per_token)) * block
                                           : 0;
        return;
    }
    double blocks = room > 0 ? floor(room / (block * m->kv_per_token)) : 0;
    m->kv_capacity_tokens = blocks * block;
    m->max_sequences = floor(blocks / ceil(tokens / block));
}
