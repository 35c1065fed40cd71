/*
 * serve_plan.c: a serving plan (`llmroof serve-plan`, lr_json_call's
 * "serve_plan"): the largest batch whose generation fits, the memory plan
 * at that batch, and a generation per batch size up to it with the best
 * batch under the latency targets. In the library so that the CLI and the
 * bindings compute and write the same plan.
 */
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

/* The memory plan at the largest batch: the pass an engine reserves is
 * then at its full max_batched_tokens, as vLLM profiles it. */
static int
plan_memory(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s0,
            lr_serve_plan *sp, lr_result *r, lr_error *err)
{
    lr_settings s = *s0;
    s.batch = sp->max_batch >= 1 ? sp->max_batch : 1;
    return lr_generation_memory(plan, prof, hw, &s, sp->prompt, sp->gen, r, &sp->mem, err);
}

/* Every batch up to 64, powers of two beyond, and the top itself. */
static void
batches(lr_serve_plan *sp)
{
    double top = sp->batch_cap > 0 && sp->batch_cap < sp->max_batch ? sp->batch_cap : sp->max_batch;
    sp->rows = lr_xcalloc(128, sizeof *sp->rows);
    for (double b = 1; b <= top && sp->n < 127; b = b < 64 ? b + 1 : b * 2)
        sp->rows[sp->n++].batch = b;
    if (top >= 1 && sp->rows[sp->n - 1].batch != top)
        sp->rows[sp->n++].batch = top;
}

int
lr_serve_plan_run(const lr_arch *arch, const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                  const lr_settings *s, lr_serve_plan *sp, lr_result *r, lr_error *err)
{
    sp->rows = NULL;
    sp->n = 0;
    sp->best = -1;
    if (lr_check_fit(arch, plan, prof, hw, s, sp->prompt, sp->gen, r, err) < 0)
        return -1;
    sp->max_batch = lr_max_batch(plan, prof, hw, s, sp->prompt, sp->gen, s->mem_util, r, err);
    if (sp->max_batch < 0 || plan_memory(plan, prof, hw, s, sp, r, err) < 0)
        return -1;
    batches(sp);
    for (size_t i = 0; i < sp->n; i++) {
        lr_settings si = *s;
        si.batch = sp->rows[i].batch;
        if (lr_generate(plan, prof, hw, &si, sp->prompt, sp->gen, r, &sp->rows[i].g, err) < 0)
            return -1;
        const lr_gen *g = &sp->rows[i].g;
        /* the targets hold for the expected times (the roofline only bounds them) */
        sp->rows[i].ok = (sp->max_tpot_s <= 0 || g->expected_tpot_mean_s <= sp->max_tpot_s) &&
                         (sp->max_ttft_s <= 0 || g->expected_ttft_s <= sp->max_ttft_s);
        if (sp->rows[i].ok &&
            (sp->best < 0 ||
             g->expected_output_tokens_per_s > sp->rows[sp->best].g.expected_output_tokens_per_s))
            sp->best = (int)i;
    }
    return 0;
}

void
lr_serve_plan_free(lr_serve_plan *sp)
{
    free(sp->rows);
    sp->rows = NULL;
    sp->n = 0;
}
