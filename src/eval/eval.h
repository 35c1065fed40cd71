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
    double active_params; /* the parameters one token uses (MoE: top_k of the experts) */
    int parallel;         /* LR_PAR_* of the tree */
    char *family;
};

/* One op as the plan compiler sees it, for lr_plan_explain_op: set
 * `target` (an op path as in lr_op.path) and zero the rest. */
typedef struct plan_site {
    const char *target;
    int found;
    const lr_node *node; /* the node of the op (inside the arch) */
    const lr_module *m;
    size_t k;              /* the op's index in m */
    const lr_binding *env; /* m's parameters bound at the node (in `arena`) */
    char *node_path;       /* owned */
    lr_arena arena;        /* owns env when found */
} plan_site;

/* lr_plan_new, also capturing `site` (may be NULL); free the site with
 * lr_plan_site_free() when found. */
lr_plan *lr_plan_new_site(const lr_arch *arch, const lr_db *db, plan_site *site, lr_error *err);
void lr_plan_site_free(plan_site *site);

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
