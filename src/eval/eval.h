/*
 * eval/eval.h: the door of src/eval/: settings, plans (trees compiled against
 * the database), analysis, generation and memory. Upstream: input/.
 */
#ifndef LR_EVAL_H
#define LR_EVAL_H

#include "input/input.h"

/* ---- plan.c ---- */

/* Each op has its LR_NFIELDS counts plus a presence flag (its "if"). */
#define LR_SLOT_IF LR_NFIELDS
#define LR_SLOT_W (LR_NFIELDS + 1) /* the node's weights (elements), on its first op */
#define LR_NSLOTS (LR_NFIELDS + 2)

typedef struct plan_op {
    char *name, *path, *kind, *cls;
    double count;
    int ctx_dep;      /* some field depends on the context length */
    double pp_repeat; /* repeat of the enclosing pipeline-split node (layers), 0 if none */
} plan_op;

struct lr_plan {
    plan_op *ops;
    size_t nops;
    double *base;    /* nops * LR_NSLOTS: constant fields, 0 where computed */
    lr_prog prog[2]; /* the non-constant fields: [0] independent of {ctx}, [1] the rest */
    double params;
    int parallel; /* LR_PAR_* of the tree */
    char *family;
};

/* ---- analyze.c: shared with generate.c ---- */

/* lr_result's private part: scratch sized by the plan. */
typedef struct lr_result_priv {
    lr_result pub;
    double *out;   /* nops * LR_NSLOTS */
    double *stack; /* program stack */
} lr_result_priv;

void lr_op_roofline(lr_op *o, const double *v, double peak, const lr_hw *hw);
int lr_check_negative(const lr_plan *plan, const double *out, int prefill, lr_error *err);
double lr_peak_for(const lr_hw *hw, enum lr_dtype d, enum lr_dtype *used);

#endif
