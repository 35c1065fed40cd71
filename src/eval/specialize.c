/*
 * specialize.c: builds a plan's bytecode from its steps, either generic
 * (every runtime variable read at run time) or specialised to the values
 * of all the variables but the batch, the tokens and the context.
 *
 * Why: most of a formula's instructions read variables that stay the same
 * from one analysis to the next (bit widths, flash attention, the device's
 * SM count and buffer in the flash-tile formulas, tp), while a sweep, a
 * generation or a benchmark changes only the batch and the lengths. Folding
 * the steady ones in leaves a program a fraction of the size. The result
 * keeps one specialisation per stage and builds it only when the same
 * constants come a second time in a row, so settings that change at every
 * call cost a comparison, not a rebuild (a build costs about what ten
 * analyses do).
 *
 * A specialised program computes the same values as the generic one: the
 * same folder folds the same trees (lr_ast_specialize), and a formula that
 * folds to a constant lands in the base instead of being stored at run
 * time. The folder reorders only products and sums of exact integers (see
 * lr_ast_fold), so the values are equal bit for bit while every count is
 * an integer below 2^53, as FLOPs and bytes are.
 */
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

_Static_assert(LR_NVARS <= 64, "known variables are a 64-bit mask");

/* The variables left free: what changes between the analyses of a sweep
 * over batch and lengths, between the steps of a generation, and between a
 * prefill and the pass the memory plan reserves. */
#define FREE_VARS                                                                                  \
    ((UINT64_C(1) << LR_V_B) | (UINT64_C(1) << LR_V_S) | (UINT64_C(1) << LR_V_CTX) |               \
     (UINT64_C(1) << LR_V_LOGIT_TOKENS))
#define ALL_VARS (LR_NVARS == 64 ? ~UINT64_C(0) : (UINT64_C(1) << LR_NVARS) - 1)

/* Where a store stands with respect to its op's condition. */
enum guard_state { G_NONE, G_TRUE, G_FALSE, G_RUN };

/* One program's steps. `dyn` marks the slots a program stores at run time
 * (a condition that did not fold), so a later guard on them stays a guard. */
static void
build_prog(const lr_plan *p, int g, uint64_t known, const double *vals, lr_arena *scratch,
           lr_prog *prog, double *base, unsigned char *dyn)
{
    enum guard_state guard = G_NONE;
    size_t patch = 0;
    for (size_t i = 0; i < p->nsteps; i++) {
        const plan_step *s = &p->steps[i];
        if (s->prog != g)
            continue;
        switch (s->kind) {
        case PS_GUARD:
            if (dyn[s->slot]) {
                guard = G_RUN;
                patch = lr_prog_emit_guard(prog, s->slot);
            } else {
                guard = lr_arith_true(base[s->slot]) ? G_TRUE : G_FALSE;
            }
            break;
        case PS_END:
            if (guard == G_RUN)
                lr_prog_patch_guard(prog, patch);
            guard = G_NONE;
            break;
        case PS_STORE: {
            if (guard == G_FALSE)
                break; /* an absent op's fields keep the base's values */
            const ast *e = known ? lr_ast_specialize(scratch, s->e, known, vals) : s->e;
            /* under a run-time guard a constant is still stored only when
             * the op is present, as the generic program does */
            if (known && e->kind == A_NUM && guard != G_RUN) {
                base[s->slot] = e->num;
                dyn[s->slot] = 0;
            } else {
                lr_prog_emit_store(prog, e, s->slot);
                dyn[s->slot] = 1;
            }
            break;
        }
        }
    }
}

void
lr_plan_build(const lr_plan *p, uint64_t known, const double *vals, lr_prog prog[2], double *base)
{
    size_t n = p->nops * LR_NSLOTS;
    if (base != p->base)
        memcpy(base, p->base, n * sizeof *base);
    unsigned char *dyn = lr_xcalloc(n + 1, 1);
    lr_arena scratch = {0};
    for (int g = 0; g < 2; g++) {
        lr_prog_init(&prog[g]);
        build_prog(p, g, known, vals, &scratch, &prog[g], base, dyn);
    }
    lr_arena_free(&scratch);
    free(dyn);
}

void
lr_spec_free(lr_spec *sp)
{
    if (sp->built) {
        lr_prog_free(&sp->prog[0]);
        lr_prog_free(&sp->prog[1]);
    }
    free(sp->base);
    memset(sp, 0, sizeof *sp);
}

static void
build(const lr_plan *plan, lr_spec *sp, const double *vars, double **stack, int *depth)
{
    size_t n = plan->nops * LR_NSLOTS;
    sp->base = lr_xrealloc(sp->base, n + 1, sizeof *sp->base);
    lr_plan_build(plan, ALL_VARS & ~FREE_VARS, vars, sp->prog, sp->base);
    sp->built = 1;
    int need =
        sp->prog[0].maxdepth > sp->prog[1].maxdepth ? sp->prog[0].maxdepth : sp->prog[1].maxdepth;
    if (need > *depth) {
        *stack = lr_xrealloc(*stack, (size_t)need + 1, sizeof **stack);
        *depth = need;
    }
}

lr_progs
lr_spec_get(const lr_plan *plan, lr_spec *sp, const double *vars, double **stack, int *depth)
{
    double key[LR_NVARS];
    memcpy(key, vars, sizeof key);
    for (int v = 0; v < LR_NVARS; v++)
        if (FREE_VARS >> v & 1)
            key[v] = 0;
    if (sp->keyed && memcmp(key, sp->key, sizeof key) == 0) {
        if (!sp->built && !sp->off && ++sp->hits >= 1)
            build(plan, sp, vars, stack, depth);
    } else {
        if (sp->built) {
            lr_prog_free(&sp->prog[0]);
            lr_prog_free(&sp->prog[1]);
            sp->built = 0;
        }
        memcpy(sp->key, key, sizeof key);
        sp->keyed = 1;
        sp->hits = 0;
    }
    if (sp->built)
        return (lr_progs){sp->prog, sp->base};
    return (lr_progs){plan->prog, plan->base};
}
