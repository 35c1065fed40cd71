/*
 * formula/formula.h: the door of src/formula/: the formula language (parser and
 * trees, binding of names, the one arithmetic, the bytecode VM) and the
 * runtime variables. Upstream: base/ only; module calls are resolved through
 * a hook that the registry supplies, so this folder never sees a database.
 */
#ifndef LR_FORMULA_H
#define LR_FORMULA_H

#include <math.h>

#include "base/base.h"

/* ---- arith.c: the one arithmetic ---- */

/* Every binary operator once: enum suffix, text, semantics. The constant
 * folder (parse.c) and the VM (vm.c) both compute through lr_binops[], and
 * the enum, the opcodes and the printed text are generated from this list,
 * so there is no second copy to keep in step. */
#define LR_BINOPS(X)                                                                               \
    X(ADD, "+")  /* a + b */                                                                       \
    X(SUB, "-")  /* a - b */                                                                       \
    X(MUL, "*")  /* a * b */                                                                       \
    X(DIV, "/")  /* a / b, real division; b == 0 (also 0/0) is the error "division by zero" */     \
    X(MOD, "%")  /* C fmod: the sign of a (-7 % 3 = -1); b == 0 is "modulo by zero" */             \
    X(POW, "**") /* C pow; also written ^ */                                                       \
    X(LT, "<")   /* comparisons give 1 or 0; a NaN operand gives 0 (1 for !=) */                   \
    X(LE, "<=")                                                                                    \
    X(GT, ">")                                                                                     \
    X(GE, ">=")                                                                                    \
    X(EQ, "==")                                                                                    \
    X(NE, "!=")

/* Every function once: enum suffix, name, arity (-1: one or more). */
#define LR_FUNCS(X)                                                                                \
    X(MIN, "min", -1)    /* smallest argument; a NaN after the first is skipped */                 \
    X(MAX, "max", -1)    /* largest argument, the same way */                                      \
    X(CEIL, "ceil", 1)   /* C ceil */                                                              \
    X(FLOOR, "floor", 1) /* C floor */                                                             \
    X(SQRT, "sqrt", 1)   /* C sqrt: sqrt(-1) is NaN, an error once it reaches a result */          \
    X(LOG2, "log2", 1)   /* base-2 logarithm: log2(0) = -inf */                                    \
    X(LOG, "log", 1)     /* natural logarithm: log(0) = -inf */                                    \
    X(EXP, "exp", 1)     /* e**x */                                                                \
    X(ABS, "abs", 1)     /* absolute value */                                                      \
    X(ROUND, "round", 1) /* C round: halves away from zero, round(2.5) = 3, round(-2.5) = -3 */

#define LR_BINOP_ENUM(name, text) B_##name,
enum ast_binop { LR_BINOPS(LR_BINOP_ENUM) NBINOPS };
#undef LR_BINOP_ENUM
#define LR_FUNC_ENUM(name, text, arity) F_##name,
enum ast_func { LR_FUNCS(LR_FUNC_ENUM) NFUNCS };
#undef LR_FUNC_ENUM

/* A binary operator: writes a op b to *r and returns NULL, or returns a
 * static error message (division and modulo by zero). NaN and infinite
 * results are not errors here: intermediates may be non-finite (`1 /
 * exp(1000)` is 0); only a stored result must be finite (lr_arith_check). */
typedef const char *(*lr_binop_fn)(double a, double b, double *r);
/* A function of n arguments (n is 1 except for min and max); never fails. */
typedef double (*lr_func_fn)(const double *x, int n);

typedef struct lr_binop_def {
    const char *text;
    lr_binop_fn apply;
} lr_binop_def;

typedef struct lr_func_def {
    const char *name;
    int arity; /* -1: one or more */
    lr_func_fn apply;
} lr_func_def;

extern const lr_binop_def lr_binops[NBINOPS];
extern const lr_func_def lr_funcs[NFUNCS];

/* The operators and functions, each once: the table rows above point at
 * them, and the VM calls them directly (static inline: no indirect call in
 * the evaluation loop). */
static inline const char *
lr_bin_ADD(double a, double b, double *r)
{
    *r = a + b;
    return NULL;
}

static inline const char *
lr_bin_SUB(double a, double b, double *r)
{
    *r = a - b;
    return NULL;
}

static inline const char *
lr_bin_MUL(double a, double b, double *r)
{
    *r = a * b;
    return NULL;
}

/* A zero divisor is an error even where IEEE would give inf or NaN: the
 * message names the cause, which "result is infinite" would not. */
static inline const char *
lr_bin_DIV(double a, double b, double *r)
{
    if (b == 0)
        return "division by zero";
    *r = a / b;
    return NULL;
}

static inline const char *
lr_bin_MOD(double a, double b, double *r)
{
    if (b == 0)
        return "modulo by zero";
    *r = fmod(a, b);
    return NULL;
}

static inline const char *
lr_bin_POW(double a, double b, double *r)
{
    *r = pow(a, b);
    return NULL;
}

static inline const char *
lr_bin_LT(double a, double b, double *r)
{
    *r = a < b;
    return NULL;
}

static inline const char *
lr_bin_LE(double a, double b, double *r)
{
    *r = a <= b;
    return NULL;
}

static inline const char *
lr_bin_GT(double a, double b, double *r)
{
    *r = a > b;
    return NULL;
}

static inline const char *
lr_bin_GE(double a, double b, double *r)
{
    *r = a >= b;
    return NULL;
}

static inline const char *
lr_bin_EQ(double a, double b, double *r)
{
    *r = a == b;
    return NULL;
}

static inline const char *
lr_bin_NE(double a, double b, double *r)
{
    *r = a != b;
    return NULL;
}

static inline double
lr_fn_MIN(const double *x, int n)
{
    double v = x[0];
    for (int i = 1; i < n; i++)
        v = x[i] < v ? x[i] : v;
    return v;
}

static inline double
lr_fn_MAX(const double *x, int n)
{
    double v = x[0];
    for (int i = 1; i < n; i++)
        v = x[i] > v ? x[i] : v;
    return v;
}

/* The unary functions ignore n (always 1). */
#define UNARY(name, cfn)                                                                           \
    static inline double lr_fn_##name(const double *x, int n)                                      \
    {                                                                                              \
        (void)n;                                                                                   \
        return cfn(x[0]);                                                                          \
    }
UNARY(CEIL, ceil)
UNARY(FLOOR, floor)
UNARY(SQRT, sqrt)
UNARY(LOG2, log2)
UNARY(LOG, log)
UNARY(EXP, exp)
UNARY(ABS, fabs)
UNARY(ROUND, round)
#undef UNARY

/* Unary minus; logical not (1 if x is 0, else 0); the truth of a condition
 * (? :, && and ||: non-zero, NaN included); and lr_arith_check: NULL when x
 * may be a result, else why not (NaN, infinite). The folder only makes
 * constants that pass, so the VM's check on stored results is the only place
 * these errors arise. */
static inline double
lr_arith_neg(double x)
{
    return -x;
}

static inline double
lr_arith_not(double x)
{
    return x == 0;
}

static inline int
lr_arith_true(double x)
{
    return x != 0;
}

static inline const char *
lr_arith_check(double x)
{
    if (isnan(x))
        return "result is not a number (NaN)";
    if (isinf(x))
        return "result is infinite";
    return NULL;
}

/* ---- parse.c: formula parsing into trees ---- */

enum ast_kind { A_NUM, A_VAR, A_SLOT, A_NEG, A_NOT, A_BIN, A_COND, A_FUNC, A_CALL };

typedef struct ast {
    enum ast_kind kind;
    int op;           /* binop, func, or slot index */
    int col;          /* 1-based column in the formula text */
    double num;       /* A_NUM */
    const char *name; /* A_VAR variable, A_CALL class name */
    struct ast **args;
    int nargs;
} ast;

/* Parses `text` into `arena`. On error fills err->msg, err->col, err->source. */
ast *lr_expr_parse(lr_arena *arena, const char *text, lr_error *err);
/* Calls fn for every variable and call node (for checks). */
typedef int (*lr_ast_visit)(const ast *node, void *ud);
int lr_ast_walk(const ast *e, lr_ast_visit fn, void *ud);
ast *lr_ast_num(lr_arena *a, double v);
/* Folds constants with lr_binops/lr_funcs, and combines the constants of
 * product and sum chains over runtime variables. A constant operation that
 * fails or gives a non-finite value is left for the VM, so a folded
 * formula evaluates exactly as the unfolded one (bit for bit) and every A_NUM
 * it makes is finite. */
ast *lr_ast_fold(lr_arena *a, ast *e);
/* A folded copy of e (left unchanged) in which every runtime variable v
 * whose bit (1 << v) is set in `known` is the constant vals[v]: the tree a
 * specialised program evaluates (src/eval/specialize.c). */
const ast *lr_ast_specialize(lr_arena *a, const ast *e, uint64_t known, const double *vals);
/* Writes a fully parenthesised text form (for trees built from templates),
 * cut to cap - 1 characters. */
void lr_ast_print(const ast *e, char *buf, size_t cap);
/* The same text whole, in a buffer the caller frees. */
char *lr_ast_print_alloc(const ast *e);

/* ---- bind.c: substitution of parameters; calls go through the hook ---- */

typedef struct lr_binding {
    const char *name;
    const ast *value;
} lr_binding;

typedef struct lr_bind_ctx lr_bind_ctx;
/* Inlines a ${Class}(args) call node: the registry's hook (moddb_bind.c). */
typedef ast *(*lr_bind_call_fn)(lr_bind_ctx *cx, const ast *call, const lr_binding *env,
                                size_t nenv);

struct lr_bind_ctx {
    lr_arena *arena;
    lr_bind_call_fn call; /* NULL: calls are errors (no database) */
    const void *ud;       /* the hook's data (the database) */
    int out_bytes_slot;   /* LR_V_A_BYTES or LR_V_KV_BYTES */
    int depth;
    lr_error *err;
    int wrole; /* enum lr_wrole of the node: which runtime variables {w_bytes},
                  {w_scale_bytes} and {w_bit} stand for (LR_WR_DEFAULT/QUANT: their own) */
};

/* Returns a new tree where variables are replaced by their binding, runtime
 * variables by slots, and ${...}() calls by the callee's FLOP formula. */
ast *lr_bind(lr_bind_ctx *cx, const ast *e, const lr_binding *env, size_t nenv);
/* ---- vars.c: runtime variables ---- */

/* Sets the LR_NVARS runtime variables for settings `s` on `hw` (may be
 * NULL) in prefill (1) or decode (0). */
void lr_set_vars(double *v, const lr_settings *s, const lr_hw *hw, int prefill);
/* enum lr_wrole of a "weight_role" value ("embedding", ...); -1 if none. */
int lr_wrole_lookup(const char *name);
/* Reads an image size "WxH" or "N" (N x N) in whole pixels; "" gives 0 x 0
 * (the model's default). -1 on anything else. */
int lr_image_size_parse(const char *text, double *w, double *h);

/* ---- vm.c: bytecode ---- */

typedef struct lr_prog {
    int32_t *code;
    size_t ncode, capcode;
    double *k;
    size_t nk, capk;
    int depth, maxdepth;
    size_t nstore;
} lr_prog;

void lr_prog_init(lr_prog *p);
void lr_prog_free(lr_prog *p);
/* Appends code that evaluates `e` (bound: no A_VAR/A_CALL) and stores the
 * value in out[slot]. */
void lr_prog_emit_store(lr_prog *p, const ast *e, int slot);
/* Emits "skip to the matching patch unless out[slot] is non-zero", so the
 * fields of an op that is absent (its "if" is 0) are not evaluated. Returns
 * the position lr_prog_patch_guard fills with the jump target. */
size_t lr_prog_emit_guard(lr_prog *p, int slot);
void lr_prog_patch_guard(lr_prog *p, size_t at);
/* Runs the program. On failure returns -1 and sets *bad_slot to the output
 * being computed and *why to a static message. */
int lr_prog_run(const lr_prog *p, const double *vars, double *out, double *stack, int *bad_slot,
                const char **why);

#endif
