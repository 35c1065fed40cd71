/*
 * eval/eval.h: the door of src/eval/: settings, plans (trees compiled against
 * the database), analysis, generation and memory. Upstream: input/.
 */
#ifndef LR_EVAL_H
#define LR_EVAL_H

#include <math.h>

#include "input/input.h"

/* ---- settings.c ---- */

/* At most this many presets in data/quant/presets.json. */
#define LR_MAX_PRESETS 62
/* The index of a quantization preset by name (0: "none"), -1 if unknown. */
int lr_quant_preset_index(const char *name);

/* ---- plan.c ---- */

/* Each op has its LR_NFIELDS counts plus a presence flag (its "if"). */
#define LR_SLOT_IF LR_NFIELDS
#define LR_SLOT_W (LR_NFIELDS + 1)     /* the node's weights (elements), on its first op */
#define LR_SLOT_GROUP (LR_NFIELDS + 2) /* a collective's devices */
#define LR_SLOT_MSG (LR_NFIELDS + 3)   /* a collective's bytes per call */
#define LR_NSLOTS (LR_NFIELDS + 4)

typedef struct plan_op {
    char *name, *path, *kind, *cls;
    double count;
    int coll;         /* enum lr_coll of a communication op, -1 none */
    double calls;     /* calls of the collective per op */
    int ctx_dep;      /* some field depends on the context length */
    int kv_seq;       /* its store_kv does not grow with the tokens: a recurrent state
                         (linear attention, state space, convolution cache) per sequence */
    double pp_repeat; /* repeat of the enclosing pipeline-split node (layers), 0 if none */
    int wrole;        /* enum lr_wrole of its node, resolved: its weights' width */
} plan_op;

/* One step of a plan's evaluation, in the order the compiler emitted it:
 * store a formula's value in an output slot, or open (close) a block of
 * stores that runs only when an op's condition slot is true. The generic
 * programs and the specialised ones (specialize.c) are built from these. */
enum plan_step_kind { PS_STORE, PS_GUARD, PS_END };
typedef struct plan_step {
    const ast *e; /* PS_STORE: the bound, folded formula (in the plan's arena) */
    int slot;     /* PS_STORE: the output; PS_GUARD: the condition */
    unsigned char kind, prog;
} plan_step;

struct lr_plan {
    plan_op *ops;
    size_t nops;
    double *base;     /* nops * LR_NSLOTS: constant fields, 0 where computed */
    lr_prog prog[2];  /* the non-constant fields: [0] independent of {ctx}, [1] the rest */
    plan_step *steps; /* what prog[] was built from */
    size_t nsteps, capsteps;
    lr_arena arena; /* the steps' formulas, and the explain site's bindings */
    double params;
    double active_params; /* the parameters one token uses (MoE: top_k of the experts) */
    int parallel;         /* LR_PAR_* of the tree */
    char *family;
    lr_prog image_tokens; /* the arch's image_tokens into out[0]; empty when it has none */
    int has_images;
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
    lr_arena *arena;       /* the plan's, which owns env: the site lives no longer */
    int wrole;             /* the node's weight role as the compiler resolved it */
} plan_site;

/* Sets mb->image_tokens, the prompt tokens the images of `s` add for this
 * plan's model; an error when its formula fails. */
int lr_image_tokens_set(const lr_plan *plan, const lr_settings *s, lr_settings *mb, lr_error *err);

/* lr_plan_new, also capturing `site` (may be NULL); free the site with
 * lr_plan_site_free() when found. */
lr_plan *lr_plan_new_site(const lr_arch *arch, const lr_db *db, plan_site *site, lr_error *err);
void lr_plan_site_free(plan_site *site);

/* ---- expected.c: expected times (docs/expected-time.md) ---- */

/* One op kind's constants for one stage, from its parameters and the
 * device: what lr_op_expected needs, precomputed. */
typedef struct lr_kconst {
    int exact;          /* neutral parameters: the roofline time itself */
    int matmul;         /* the GEMM shape terms apply */
    double cpeak;       /* peak x compute_eff */
    double bw, gemv_bw; /* bandwidth x bandwidth_eff, x gemv_bandwidth_eff */
    double ramp;        /* bandwidth_ramp_s */
    double overhead;    /* per kernel: with or without CUDA graphs */
    double p, inv_p;    /* 0: max */
    double m_half, gemv_max_m, tile_m, tile_n, sms, a_bytes;
    double net_bw, net_lat, net_over;
} lr_kconst;

/* The parameters resolved for one (profile, engine, hardware), per kind of
 * the plan's ops; a cache in each lr_result. */
typedef struct lr_expect {
    const lr_profile *prof; /* the key: NULL = nothing resolved */
    const lr_hw *hw;
    const char *hw_id, *hw_cls; /* also the key: an lr_hw edited in place */
    char engine[LR_ENGINE_MAX];
    size_t nkinds;
    const char **kinds;       /* the plan's distinct op kinds (borrowed) */
    int *op_kind;             /* per plan op: its index in kinds */
    double (*kp[2])[LR_EP_N]; /* per stage, per kind */
    double glob[LR_EP_N];     /* no kind: the band */
    int graphs[2];
    double step_s[2], step_seq_s[2];
    double tscale[2]; /* the engine's time_scale per stage */
    int exact;
    double peak, a_bytes, bandwidth; /* what kc was computed for */
    lr_kconst *kc[2];                /* per stage, per kind */
} lr_expect;

void lr_expect_init(lr_expect *x, const lr_plan *plan);
void lr_expect_free(lr_expect *x);
/* Resolves (when the key changed) and computes the constants (when the
 * peak or activation width changed). engine NULL or "": the profile's. */
int lr_expect_prepare(lr_expect *x, const lr_profile *prof, const lr_hw *hw, const char *engine,
                      double peak, double a_bytes, lr_error *err);
/* One kind's constants from its resolved parameters `v` (LR_EP_N): a
 * stage run as a CUDA graph (`graphs`) or kernel by kernel; `matmul`: the
 * GEMM shape terms apply. Also what the calibration fits through. */
void lr_expect_kconst(lr_kconst *c, const double *v, const lr_hw *hw, double peak, double a_bytes,
                      int graphs, int matmul);
/* (a^p + b^p)^(1/p), scaled by the larger so that tiny times do not
 * underflow; p = 0: the larger (the roofline's max). */
static inline double
lr_expect_combine(double a, double b, const lr_kconst *k)
{
    double hi = a > b ? a : b, lo = a > b ? b : a;
    if (k->p == 0 || lo == 0)
        return hi;
    if (k->p == 2)
        return hi * sqrt(1 + (lo / hi) * (lo / hi));
    if (k->p == 1)
        return hi + lo;
    return hi * pow(1 + pow(lo / hi, k->p), k->inv_p);
}

/* A GEMM's compute rate from its shape: M = FLOPs / (2 x weights) rows (a
 * linear layer's weights are N x K); its output N = stored bytes / (M x
 * activation bytes). Ops without weights (attention's batched matmuls)
 * keep the kind's rate. */
static inline double
lr_expect_gemm_rate(const lr_op *o, const lr_kconst *k, double *bw)
{
    double rate = k->cpeak;
    double m = o->v[LR_F_FLOPS] / (2 * o->weights);
    /* the GEMV path runs a matrix-vector kernel, not a padded tile: no
     * small-M penalty there (it would make a decode GEMV compute-bound on
     * devices with few FLOPs per byte) */
    if (m <= k->gemv_max_m)
        *bw = k->gemv_bw;
    else if (k->m_half > 0)
        rate *= m / (m + k->m_half);
    if (k->tile_m > 0 && k->tile_n > 0 && k->sms > 0 && k->a_bytes > 0) {
        double n = (o->v[LR_F_STORE_ACT] + o->v[LR_F_STORE_KV]) / (m * k->a_bytes);
        if (n >= 1) {
            double tiles = ceil(m / k->tile_m) * ceil(n / k->tile_n);
            rate *= tiles / (ceil(tiles / k->sms) * k->sms);
        }
    }
    return rate;
}

/* The op's expected time; its roofline fields must be set. Inline: it
 * runs for every op of every analysis. */
static inline double
lr_op_expected(const lr_op *o, const lr_kconst *k)
{
    if (k->exact)
        return o->time_s;
    const double *v = o->v;
    double f = v[LR_F_FLOPS], b = o->bytes;
    int net = v[LR_F_NET_BYTES] > 0 || v[LR_F_NET_HOPS] > 0;
    if (f <= 0 && b <= 0 && !net)
        return 0;
    double bw = k->bw, rate = k->cpeak;
    if (k->matmul && o->weights > 0 && f > 0)
        rate = lr_expect_gemm_rate(o, k, &bw);
    double tc = f / rate, tm = b > 0 ? b / bw + k->ramp : 0;
    double t = lr_expect_combine(tc, tm, k);
    if (net) {
        double tn = (k->net_bw > 0 ? v[LR_F_NET_BYTES] / k->net_bw : 0) +
                    v[LR_F_NET_HOPS] * k->net_lat + k->net_over;
        t = tn > t ? tn : t;
    }
    return t + k->overhead;
}

/* A stage's expected time and latency from its ops' sum over one pass
 * (one micro-batch of `batch` sequences), and the band. */
void lr_expect_total(const lr_expect *x, int st, double ops_s, double batch, double micro,
                     double steps, lr_total *t);

/* ---- calibrate.c: what the calibration file's writer reads ---- */

const char *lr_calib_source(const lr_calib *c);
const char *lr_calib_hw_id(const lr_calib *c);
/* 0 when the hardware has no class (the fit's class is then its id). */
int lr_calib_hw_has_class(const lr_calib *c);
double lr_calib_band(const lr_calib *c, int high);

/* ---- analyze.c: shared with generate.c ---- */

/* Micro-batch stage times per pass of the batch through the pipeline:
 * m + pp - 1 in prefill, max(m, pp) in a decode step (the pipe full). */
double lr_pipeline_steps(double m, double pp, int prefill);

/* ---- specialize.c: programs specialised to the settings in use ---- */

/* Programs and the base they start from: a plan's own, or specialised. */
typedef struct lr_progs {
    const lr_prog *prog; /* [2], as lr_plan.prog */
    const double *base;
} lr_progs;

/* The specialisation of one stage's programs: every runtime variable but
 * the batch, the tokens and the context taken as the constant it was in
 * the last analyses (`key`), folded into the formulas. */
typedef struct lr_spec {
    double key[LR_NVARS]; /* the variables, with those left free zeroed */
    int keyed, hits, built;
    int off; /* 1: always the generic programs (tests compare the two) */
    lr_prog prog[2];
    double *base;
} lr_spec;

/* Builds prog[2] and base (nops * LR_NSLOTS) from the plan's steps, each
 * runtime variable whose bit is set in `known` fixed at vals[v]; known = 0
 * gives the plan's generic programs. */
void lr_plan_build(const lr_plan *p, uint64_t known, const double *vals, lr_prog prog[2],
                   double *base);
/* The programs to evaluate `plan` at `vars`: a specialisation cached in
 * `sp` once the same constants have come twice in a row, else the plan's
 * own. *stack is grown if a specialised program needs more. */
lr_progs lr_spec_get(const lr_plan *plan, lr_spec *sp, const double *vars, double **stack,
                     int *depth);
void lr_spec_free(lr_spec *sp);

/* lr_result's private part: scratch sized by the plan. */
typedef struct lr_result_priv {
    lr_result pub;
    double *out;      /* nops * LR_NSLOTS */
    double *stack;    /* program stack */
    int depth;        /* its size */
    lr_expect x;      /* the efficiency model's constants */
    lr_spec spec[2];  /* per stage (LR_PREFILL, LR_DECODE) */
    lr_progs last[2]; /* the programs of the stage's last evaluation, whose
                         prog[1] lr_generate re-runs */
} lr_result_priv;

void lr_op_roofline(lr_op *o, const plan_op *po, const double *v, double peak, const lr_hw *hw);
int lr_check_negative(const lr_plan *plan, const double *out, int prefill, lr_error *err);
double lr_peak_for(const lr_hw *hw, enum lr_dtype d, enum lr_dtype *used);

/* ---- memory.c: the engine's memory plan (docs/memory.md) ---- */

/* The activation peak of one pass whose op values are in `out` (nops *
 * LR_NSLOTS): the residual stream plus the largest load_act + store_act. */
double lr_liveness_peak(const lr_plan *plan, const double *out);
/* The runtime variables of the prefill pass an engine reserves for one
 * micro-batch `mb` (at most max_batched_tokens tokens); *tokens: its size. */
void lr_pass_vars(const lr_settings *mb, const lr_hw *hw, double *vars, double *tokens);
/* The KV cache of `seqs` sequences of `tokens` tokens in pages of `block`. */
double lr_kv_paged(double seqs, double tokens, double block, double per_token);
/* Fills runtime, total, device, budget, fits, kv_capacity_tokens,
 * max_sequences and seq_tokens of `m` from its weights, kv_cache,
 * activations and kv_per_token; sequences of `tokens` tokens. */
void lr_memory_finish(lr_memory *m, const lr_settings *s, const lr_hw *hw, int engine,
                      double tokens);

/* ---- stepper.c ---- */
/* The engine the stepper resolved (the profile's default named). */
const char *lr_stepper_engine(const lr_stepper *st);

#endif
