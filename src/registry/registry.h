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

/* The collectives a communication op may name ("collective" in a module
 * entry); its time then comes from the hardware's measured curves
 * (lr_hw_comm_time). ORDER: the first LR_NCURVES are the curves of
 * data/hardware/collectives.json; a send is timed as a 2-device
 * all-gather. */
enum lr_coll {
    LR_COLL_ALL_REDUCE,
    LR_COLL_ALL_GATHER,
    LR_COLL_REDUCE_SCATTER,
    LR_COLL_ALL_TO_ALL,
    LR_COLL_SEND,
    LR_NCOLL
};
#define LR_NCURVES 4
extern const char *const lr_coll_names[LR_NCOLL];

typedef struct lr_mop {
    char *name;
    char *kind;
    char *if_text; /* the op exists only where this is non-zero; NULL = always */
    ast *if_tree;
    char *text[LR_NFIELDS];
    ast *tree[LR_NFIELDS];
    int coll;     /* enum lr_coll; -1: none (net_bytes / link + net_hops x latency) */
    double calls; /* calls of the collective the op makes (1 unless given) */
    char *group_text, *message_text; /* devices in the collective, bytes per call */
    ast *group_tree, *message_tree;
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
    int mark;  /* cycle detection */
    int wrole; /* enum lr_wrole: the entry's "weight_role", LR_WR_DEFAULT when absent */
};

int lr_module_param_index(const lr_module *m, const char *name);
size_t lr_module_required_params(const lr_module *m);

/* ---- hardware.c: communication time ---- */

/* Seconds of a communication op on hw: `calls` calls of collective `coll`
 * (enum lr_coll, -1 none) over `group` devices, `message` bytes per call,
 * `net_bytes` crossing the link in all and `hops` sequential link steps.
 * A collective with a measured curve at that device count takes the curve
 * (log-log between measured sizes; the smallest size's time below them,
 * scaled with the bytes above); otherwise net_bytes / link bandwidth plus
 * hops x the hardware's link latency when it states one, else plus calls x
 * the collective's default latency (docs/hardware.md). */
double lr_hw_comm_time(const lr_hw *hw, int coll, double group, double message, double calls,
                       double net_bytes, double hops);
/* The name of hw's measured interconnect class, NULL if it has none. */
const char *lr_hw_comm_class(const lr_hw *hw);
/* ---- timing.c: the efficiency model's data (docs/expected-time.md) ---- */

/* The parameters, in the order of timing.c's table (their JSON names). */
enum lr_ep {
    LR_EP_P,                        /* (t_c^p + t_m^p)^(1/p); 0: max(t_c, t_m) */
    LR_EP_COMPUTE_EFF,              /* fraction of the peak reached */
    LR_EP_BANDWIDTH_EFF,            /* fraction of the memory bandwidth reached */
    LR_EP_BANDWIDTH_RAMP_S,         /* added to the memory time of an op that moves bytes */
    LR_EP_KERNEL_OVERHEAD_S,        /* per kernel launched one by one */
    LR_EP_KERNEL_OVERHEAD_GRAPHS_S, /* per kernel inside a CUDA graph */
    LR_EP_GEMM_M_HALF,              /* GEMM rows at which compute_eff is halved */
    LR_EP_GEMV_MAX_M,               /* up to this many rows a GEMM takes the GEMV path */
    LR_EP_GEMV_BANDWIDTH_EFF,       /* ... whose bandwidth fraction this is */
    LR_EP_GEMM_TILE_M,              /* output tile for wave quantization; 0: off */
    LR_EP_GEMM_TILE_N,
    LR_EP_NET_EFF,        /* fraction of the link bandwidth collectives reach */
    LR_EP_NET_OVERHEAD_S, /* per communication op */
    LR_EP_BAND_LOW,       /* expected_band: 10th and 90th percentile of measured/expected */
    LR_EP_BAND_HIGH,
    LR_EP_N
};

typedef struct lr_eff_vals {
    double v[LR_EP_N];
    unsigned set; /* bit i: v[i] given */
} lr_eff_vals;

/* Parameters for all kinds, and per kind. */
typedef struct lr_eff_block {
    lr_eff_vals all;
    char **kinds;
    lr_eff_vals *per;
    size_t nkinds;
} lr_eff_block;

typedef struct lr_eff_class {
    char *name;
    char **hw; /* hardware ids or fnmatch patterns (efficiency files only) */
    size_t nhw;
    lr_eff_block b;
    double time_scale[2]; /* engine classes: per stage, NAN = the engine's */
} lr_eff_class;

typedef struct lr_engine_data {
    char *name; /* the file's name without .json */
    char *file;
    char *description;          /* its "description" ("" when none) */
    char *attention;            /* the attention kernel it runs (documentation) */
    int graphs[2];              /* CUDA graphs in prefill, decode */
    double step_s[2];           /* per forward pass, prefill and decode */
    double step_seq_s[2];       /* ... plus this per sequence of the batch */
    double time_scale[2];       /* every op's expected time x this, per stage (1: none) */
    lr_eff_block params, scale; /* overrides, then multipliers */
    lr_eff_class *classes;      /* overrides per hardware class */
    size_t nclasses;
    /* the settings the engine sets unless given (lr_settings_apply_engine):
     * its "memory" object's kv_block_size, max_batched_tokens, mem_util
     * (NAN: null or absent, the row's default) and runtime_bytes (NAN: the
     * hardware's runtime memory); "flash_attention" (-1: absent, eager);
     * "fp16_accumulate" (0 or 1) */
    double mem[3];
    double runtime_bytes;
    int flash;
    int fp16_acc;
} lr_engine_data;

typedef struct lr_timing {
    lr_eff_block *defaults; /* one per efficiency file, in name order */
    size_t ndefaults;
    lr_eff_class *classes;
    size_t nclasses;
    lr_engine_data *engines; /* in name order */
    size_t nengines;
} lr_timing;

lr_timing *lr_timing_load(const char *eff_dir, const char *eng_dir, lr_error *err);
/* One more efficiency file laid over t (a calibration): later files win. */
int lr_timing_add_efficiency(lr_timing *t, const char *file, lr_error *err);
void lr_timing_free(lr_timing *t);
const char *lr_ep_name(int i);
const lr_engine_data *lr_timing_engine(const lr_timing *t, const char *name);
const char *lr_timing_class(const lr_timing *t, const lr_hw *hw);
/* The engine's time_scale per stage on hardware of class cls (may be NULL):
 * its class's when that names one, else the engine's own. */
void lr_timing_time_scale(const lr_engine_data *e, const char *cls, double out[2]);
/* Every parameter for (engine e (may be NULL), class cls (may be NULL),
 * op kind (may be NULL), stage LR_PREFILL / LR_DECODE (-1: none)):
 * defaults, the class, the engine's overrides, its class overrides, then
 * its multipliers; within each level its own parameters, then the kind's,
 * then the kind's in the stage ("KIND@prefill", "KIND@decode"). */
void lr_timing_resolve(const lr_timing *t, const lr_engine_data *e, const char *cls,
                       const char *kind, int stage, double out[LR_EP_N]);

/* ---- profile.c ---- */

enum { LR_MEM_WEIGHTS, LR_MEM_KV, LR_MEM_ACT, LR_NMEM };
enum { LR_MF_PARAMS = LR_NFIELDS, LR_MF_ACT_IO }; /* pseudo-fields beyond enum lr_field */
enum lr_mem_reduce { LR_MR_SUM, LR_MR_MAX, LR_MR_SUM_REPEATED, LR_MR_LIVENESS };

/* How one memory figure is aggregated from the op records. */
typedef struct lr_mem_rule {
    int field; /* enum lr_field, LR_MF_PARAMS (params x bytes per weight) or LR_MF_ACT_IO */
    int stage; /* -1: the stage being reported; 0 prefill; 1 decode */
    enum lr_mem_reduce reduce; /* sum x count; max per instance; sum of one instance of
                                  each repeated op (one layer); liveness (act_io only:
                                  the residual stream plus the largest op's inputs and
                                  output, docs/memory.md) */
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
    int engine_memory;         /* memory.plan "engine": KV in pages, runtime memory, activations
                                  of one pass of max_batched_tokens (docs/memory.md) */
    char **cmp_from, **cmp_to; /* "compare_as": op names mapped for diffs */
    double decode_ctx_offset;  /* a decode step with N cached tokens attends N + this */
    size_t ncmp;
    lr_timing *timing; /* engines and efficiency (NULL when the data has none) */
    char *engine;      /* profile.json "engine": the default engine */
    char *timing_dirs; /* where the timing data was looked for (for errors) */
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

/* ---- hardware.c, hw_user.c ---- */

typedef struct json_t json_t;
/* One measured curve: a collective over n devices, seconds by message
 * bytes (sorted, increasing). */
typedef struct curve {
    double n;
    size_t npts;
    double *b, *t;
} curve;

/* An interconnect class of data/hardware/collectives.json ("h100_sxm"), or
 * the defaults-only one of hardware without a class. */
struct lr_comm {
    char *name;
    curve *c[LR_NCURVES];
    size_t nc[LR_NCURVES];
    const double *dflt; /* LR_NCURVES x 3: default latency at 2, 4, 8 devices */
};

struct lr_hwdb {
    lr_hw *hw;
    size_t n;
    char **want; /* per entry: the class its "collectives" names, or NULL */
    struct lr_comm *cls;
    size_t ncls;
    struct lr_comm none;
    double dflt[LR_NCURVES * 3];
    int has_comm;       /* a collectives table was read */
    json_t *rt_default; /* the first file's top-level runtime_memory, or NULL */
};
/* Entry i's runtime memory (its own or the file's, else the first file's)
 * and its collectives class; lr_hwdb_link then points every entry at its
 * measured curves (again after user files are laid over the table). */
int lr_hwdb_entry_extras(lr_hwdb *db, json_t *o, json_t *root, size_t i, const char *file,
                         const char *path, lr_error *err);
int lr_hwdb_link(lr_hwdb *db, lr_error *err);
/* One entry of a hardware file's "hardware" array into `h` (zeroed). */
int lr_hw_load_entry(json_t *o, lr_hw *h, const char *file, const char *path, lr_error *err);
void lr_hw_clear(lr_hw *h);
/* The one device whose id or alias equals `id` ignoring case and
 * punctuation ("h100sxm", "RTX 4090"); NULL when none or several. */
const lr_hw *lr_hwdb_find_loose(const lr_hwdb *db, const char *id);

#endif
