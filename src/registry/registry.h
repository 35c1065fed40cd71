/*
 * registry/registry.h: the door of src/registry/: the module database (loading,
 * checking, writing), profiles and the hardware table. Upstream: formula/.
 */
#ifndef LR_REGISTRY_H
#define LR_REGISTRY_H

#include "formula/formula.h"

/* ---- moddb.c ---- */

typedef struct lr_mparam lr_mparam;

struct lr_mparam {
    char *name;
    char *def_text; /* NULL = required */
    ast *def;
};

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
    char *active_weights_text; /* optional: the weights one token uses, per instance */
    ast *active_weights;
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

/* ---- moddb_bind.c ---- */

/* A binding context whose ${Class}() calls resolve in `db` (may be NULL:
 * then calls are errors). */
lr_bind_ctx lr_db_bind_ctx(lr_arena *arena, const lr_db *db, int out_bytes_slot, lr_error *err);
/* Binds module `m`'s parameters: given values for some names (by name), the
 * defaults for the rest. Fills `env` (m's nparams entries). Missing required
 * names fail naming the parameter. */
int lr_bind_module_params(lr_bind_ctx *cx, const lr_module *m, const lr_binding *given,
                          size_t ngiven, lr_binding *env);
/* The module's FLOP formula: the sum of its ops' FLOPs (NULL-safe). */
ast *lr_module_flops_ast(lr_arena *a, const lr_module *m);

#endif
