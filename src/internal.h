/*
 * internal.h: declarations shared between the library's source files and
 * not part of the public API. Each section belongs to one source file.
 */
#ifndef LR_INTERNAL_H
#define LR_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "llmroof.h"

/* ---- util.c: allocation, strings, files ---- */

/* Abort on out-of-memory: an analysis tool has no useful way to go on, and
 * threading ENOMEM through every parser would hide the real error paths. */
void *lr_xmalloc(size_t n);
void *lr_xcalloc(size_t n, size_t size);
void *lr_xrealloc(void *p, size_t n, size_t size);
char *lr_xstrdup(const char *s);
char *lr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a whole file; NULL and `err` filled on failure. Caller frees. */
char *lr_read_file(const char *path, size_t *len, lr_error *err);
int lr_is_dir(const char *path);
int lr_is_file(const char *path);
/* Sorted list of the *.json files of a directory. Caller frees each and the array. */
char **lr_list_json(const char *dir, size_t *n, lr_error *err);
/* Edit distance, for "did you mean" suggestions. */
size_t lr_edit_distance(const char *a, const char *b);

/* ---- error.c ---- */
void lr_err_set(lr_error *err, const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void lr_err_clear(lr_error *err);

/* ---- arena.c: bump allocation for formula trees ---- */
typedef struct lr_arena {
    struct arena_chunk *head;
} lr_arena;
void *lr_arena_alloc(lr_arena *a, size_t n);
char *lr_arena_strdup(lr_arena *a, const char *s);
void lr_arena_free(lr_arena *a);

/* ---- expr.c: formula parsing into trees ---- */

enum ast_kind { A_NUM, A_VAR, A_SLOT, A_NEG, A_NOT, A_BIN, A_COND, A_FUNC, A_CALL };

/* Binary operators; ORDER matters: expr_vm.c maps them to opcodes 1:1. */
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

/* ---- expr_bind.c: substitution of parameters and inlining of calls ---- */

typedef struct lr_binding {
    const char *name;
    const ast *value;
} lr_binding;

typedef struct lr_bind_ctx {
    lr_arena *arena;
    const lr_db *db;
    int out_bytes_slot; /* LR_V_A_BYTES or LR_V_KV_BYTES */
    int depth;
    lr_error *err;
} lr_bind_ctx;

/* Returns a new tree where variables are replaced by their binding, runtime
 * variables by slots, and ${...}() calls by the callee's FLOP formula. */
ast *lr_bind(lr_bind_ctx *cx, const ast *e, const lr_binding *env, size_t nenv);
/* Binds module `m`'s parameters: given values for some names (by name), the
 * defaults for the rest. Fills `env` (m's nparams entries). Missing required
 * names fail naming the parameter. */
int lr_bind_module_params(lr_bind_ctx *cx, const lr_module *m, const lr_binding *given,
                          size_t ngiven, lr_binding *env);
/* The module's FLOP formula: the sum of its ops' FLOPs (NULL-safe). */
ast *lr_module_flops_ast(lr_arena *a, const lr_module *m);

/* ---- expr_vm.c: bytecode ---- */

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

/* ---- template.c ---- */
typedef struct json_t json_t;
/* Builds a tree from a parsed config object (not consumed); `source` names
 * it in errors. */
lr_arch *lr_arch_from_config_obj(json_t *cfg, const char *source, const char *template_dir,
                                 lr_error *err);

/* ---- arch.c ---- */
void lr_node_add_param(lr_node *n, const char *name, double value, const char *formula);

/* ---- moddb.c ---- */

typedef struct lr_mparam {
    char *name;
    char *def_text; /* NULL = required */
    ast *def;
} lr_mparam;

typedef struct lr_mop {
    char *name;
    char *kind;
    char *if_text; /* the op exists only where this is non-zero; NULL = always */
    ast *if_tree;
    char *text[LR_NFIELDS];
    ast *tree[LR_NFIELDS];
} lr_mop;

struct lr_module {
    char *key;
    char *cls;
    char *file;
    char **aliases;
    size_t naliases;
    lr_mparam *params;
    size_t nparams;
    int composite;
    char *weights_text;
    ast *weights;
    lr_mop *ops;
    size_t nops;
    int mark; /* cycle detection */
};

int lr_module_param_index(const lr_module *m, const char *name);
size_t lr_module_required_params(const lr_module *m);

/* ---- profile.c ---- */

enum { LR_MEM_WEIGHTS, LR_MEM_KV, LR_MEM_ACT, LR_NMEM };
enum { LR_MF_PARAMS = LR_NFIELDS, LR_MF_ACT_IO }; /* pseudo-fields beyond enum lr_field */
enum lr_mem_reduce { LR_MR_SUM, LR_MR_MAX, LR_MR_SUM_REPEATED };

/* How one memory figure is aggregated from the op records. */
typedef struct lr_mem_rule {
    int field; /* enum lr_field, LR_MF_PARAMS (params x bytes per weight) or LR_MF_ACT_IO */
    int stage; /* -1: the stage being reported; 0 prefill; 1 decode */
    enum lr_mem_reduce reduce; /* sum x count; max per instance; sum of one instance of
                                  each repeated op (one layer) */
    char **skip;               /* op names left out */
    size_t nskip;
} lr_mem_rule;

struct lr_profile {
    char *name;
    char *dir;
    char *hw_dir; /* dir/hardware when the profile has its own table */
    lr_db *db;
    struct {
        lr_formula *when;
        enum lr_dtype dtype;
    } * rules;
    size_t nrules;
    lr_mem_rule mem[LR_NMEM];
    char **cmp_from, **cmp_to; /* "compare_as": op names mapped for diffs */
    double decode_ctx_offset;  /* a decode step with N cached tokens attends N + this */
    size_t ncmp;
};

enum lr_dtype lr_profile_compute_dtype(const lr_profile *p, const double *vars);

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

void lr_set_vars(double *v, const lr_settings *s, const lr_hw *hw, int prefill);
void lr_op_roofline(lr_op *o, const double *v, double peak, const lr_hw *hw);
int lr_check_negative(const lr_plan *plan, const double *out, int prefill, lr_error *err);
double lr_peak_for(const lr_hw *hw, enum lr_dtype d, enum lr_dtype *used);

#endif
