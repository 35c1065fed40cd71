/*
 * formula/formula.h: the door of src/formula/: the formula language (parser and
 * trees, binding of names, the one arithmetic, the bytecode VM) and the
 * runtime variables. Upstream: base/ only; module calls are resolved through
 * a hook that the registry supplies, so this folder never sees a database.
 */
#ifndef LR_FORMULA_H
#define LR_FORMULA_H

#include "base/base.h"

/* ---- parse.c: formula parsing into trees ---- */

enum ast_kind { A_NUM, A_VAR, A_SLOT, A_NEG, A_NOT, A_BIN, A_COND, A_FUNC, A_CALL };

/* Binary operators; ORDER matters: vm.c maps them to opcodes 1:1. */
enum ast_binop { B_ADD, B_SUB, B_MUL, B_DIV, B_MOD, B_POW, B_LT, B_LE, B_GT, B_GE, B_EQ, B_NE };

enum ast_func {
    F_MIN,
    F_MAX,
    F_CEIL,
    F_FLOOR,
    F_SQRT,
    F_LOG2,
    F_LOG,
    F_EXP,
    F_ABS,
    F_ROUND,
    NFUNCS
};

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
double lr_apply_bin(int op, double a, double b);
double lr_apply_func(int f, const double *x, int n);
/* Folds constants and flattens products and sums of constants. */
ast *lr_ast_fold(lr_arena *a, ast *e);
/* Writes a fully parenthesised text form (for trees built from templates). */
void lr_ast_print(const ast *e, char *buf, size_t cap);

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
};

/* Returns a new tree where variables are replaced by their binding, runtime
 * variables by slots, and ${...}() calls by the callee's FLOP formula. */
ast *lr_bind(lr_bind_ctx *cx, const ast *e, const lr_binding *env, size_t nenv);
/* ---- vars.c: runtime variables ---- */

/* Sets the LR_NVARS runtime variables for settings `s` on `hw` (may be
 * NULL) in prefill (1) or decode (0). */
void lr_set_vars(double *v, const lr_settings *s, const lr_hw *hw, int prefill);

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
