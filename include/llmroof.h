/*
 * llmroof.h: the whole public API of libllmroof.
 *
 * llmroof computes, for every operation of a model, the FLOPs and the bytes
 * it moves (weights, activations, KV cache), and its roofline time on given
 * hardware. The pipeline: a module database (formulas per module class) and
 * an architecture tree (named modules with parameters and repeat counts) are
 * compiled into a plan once; the plan is then evaluated for any batch,
 * sequence length and bit widths in microseconds.
 *
 * Ownership rule: a function returning `T *` gives the caller ownership, freed
 * with `T_free()`. A `const T *` return is borrowed and lives as long as the
 * object it came from.
 *
 * Errors: failures return NULL or -1 and fill the lr_error the caller passes
 * as `err`. One rule for every function that takes one: `err` must not be
 * NULL (pass a local lr_error and ignore it if the message is not wanted).
 *
 * Threads: the library has no global mutable state (lr_data_dir() searches
 * once, under pthread_once). Loading functions build objects that are
 * read-only afterwards: a finished lr_db, an lr_profile, an lr_hwdb, an
 * lr_arch and an lr_plan may be shared by any number of threads that analyse
 * with them at once (`llmroof sweep` does). An lr_result is scratch space
 * written by every analysis: one per thread. An lr_db is written by the
 * load functions until lr_db_finish(); an lr_jw by its writer: not shared.
 * lr_llm_analyze_module uses libcurl, whose curl_global_init() is not
 * thread-safe: call it once first in a program that has threads.
 *
 * Output: the library never prints and never exits. It writes only to the
 * FILE * or paths it is given. The one exception is out-of-memory (and a
 * broken internal invariant): allocation failure prints one line to stderr
 * and calls abort(), since no analysis can go on without the memory and
 * threading ENOMEM through every parser would hide the real error paths.
 */
#ifndef LLMROOF_H
#define LLMROOF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the exported API: libllmroof.so is built with hidden visibility, so
 * only what is declared here with LR_API is visible to other programs
 * (tests/exports.sh checks both directions). */
#if defined(__GNUC__) || defined(__clang__)
#define LR_API __attribute__((visibility("default")))
#else
#define LR_API
#endif

/* The version of this header; CMake's project(VERSION) must match it (the
 * configure step checks). */
#define LR_VERSION "0.1.0"

/* ---- Installation ------------------------------------------------------- */

/* The version of the library that is running ("0.1.0"): LR_VERSION of the
 * header it was built with. */
LR_API const char *lr_version(void);

/* The data directory (profiles/, models/, hardware/, gguf-keys.json), found
 * at run time, first match wins:
 *   1. $LLMROOF_DATA when set and not empty (read at every call);
 *   2. ../share/llmroof next to the running program (/proc/self/exe), when
 *      it holds profiles/;
 *   3. the same next to libllmroof itself (dladdr), for a program installed
 *      elsewhere than the library;
 *   4. the source tree's data/, fixed when the library was built (so that
 *      the build tree works uninstalled).
 * Steps 2 to 4 run once per process; the string is static (or the
 * environment's) and must not be freed. Thread-safe. */
LR_API const char *lr_data_dir(void);

/* ---- Errors ------------------------------------------------------------ */

/*
 * Where and why something failed. `file` is the input file (may be empty),
 * `path` a JSON path or module key, `line`/`col` are 1-based (0 = unknown).
 * When the error is inside a formula, `source` holds the formula text and
 * `col` the column within it.
 */
typedef struct lr_error {
    char file[512];
    char path[512];
    int line;
    int col;
    char msg[1024];
    char source[1024];
} lr_error;

/* Formats `err` as "file:line:col: path: msg" plus, for formulas, the text
 * with a caret under the column. Writes at most `cap` bytes to `buf`. */
LR_API void lr_error_format(const lr_error *err, char *buf, size_t cap);

/* Which weight width a node's formulas read as {w_bytes}, {w_scale_bytes}
 * and {w_bit} (docs/quantization.md): the quantized one, or that of
 * embeddings, of the output head, or of weights kept out of quantization
 * (norms, MoE routers, modules a checkpoint excludes). A node's
 * "weight_role" (template or architecture JSON, lr_node.wrole) wins over
 * its module entry's; LR_WR_DEFAULT takes the entry's, whose own default
 * is QUANT. */
enum lr_wrole { LR_WR_DEFAULT, LR_WR_QUANT, LR_WR_EMBED, LR_WR_HEAD, LR_WR_KEEP, LR_NWROLES };
/* "", "quantized", "embedding", "lm_head", "keep": the JSON spellings. */
LR_API extern const char *const lr_wrole_names[LR_NWROLES];

/* ---- Module database ---------------------------------------------------- */

typedef struct lr_db lr_db;
typedef struct lr_module lr_module;

LR_API lr_db *lr_db_new(void);
LR_API void lr_db_free(lr_db *db);
/* Loads one JSON file ({"modules": {KEY: ENTRY, ...}}), in our format or in
 * the prototype's; entries are checked by lr_db_finish(). */
LR_API int lr_db_load_file(lr_db *db, const char *path, lr_error *err);
/* Loads a user database over what is loaded: its entries replace those
 * claiming the same class names (the user's own definitions win). */
LR_API int lr_db_load_layer(lr_db *db, const char *path, lr_error *err);
/* Evaluates every op formula of every entry with each required parameter
 * at 64, in prefill and decode with the default settings: all values must
 * be finite and non-negative. */
LR_API int lr_db_check_samples(const lr_db *db, lr_error *err);
/* Adds the entries of entry_path ({"modules": {...}}) to the user database
 * db_path (created if missing) after validating them over the bundled
 * entries of base_dir; class names already taken need `force`. Written
 * under an exclusive lock (db_path.lock), through a temporary file, fsync
 * and rename. */
LR_API int lr_db_add_entries(const char *db_path, const char *entry_path, const char *base_dir,
                             int force, lr_error *err);
/* The module analyzer: an OpenAI-compatible chat-completions endpoint
 * (url is the base, e.g. http://127.0.0.1:8000/v1) writes the entry of a
 * module class from its source; each reply is validated and stored as
 * lr_db_add_entries does, a failed one is sent back with the error, up to
 * max_tries replies. Transport errors, timeouts and HTTP errors end it. */
typedef struct lr_llm {
    const char *url, *model, *key;
    double timeout_s;
    int max_tries;
} lr_llm;
LR_API int lr_llm_analyze_module(const lr_llm *llm, const char *cls, const char *source,
                                 const char *const *sub_layers, size_t nsub, const char *db_path,
                                 const char *base_dir, int force, lr_error *err);
/* Loads every *.json file of a directory, in name order. */
LR_API int lr_db_load_dir(lr_db *db, const char *dir, lr_error *err);
/* Compiles every formula: syntax, variables, calls, argument counts and
 * cycles. Must succeed before the database is used for a plan. */
LR_API int lr_db_finish(lr_db *db, lr_error *err);
/* Looks up by full class name or alias; NULL if unknown. */
LR_API const lr_module *lr_db_find(const lr_db *db, const char *class_name);
/* lr_db_find, then by entry key ("transformers_LlamaSdpaAttention"): what
 * `llmroof modules show` and the web API's /api/formulas take. */
LR_API const lr_module *lr_db_lookup(const lr_db *db, const char *name);
/* Fills `err` with "unknown module class" and the closest known names. */
LR_API void lr_db_unknown_class(const lr_db *db, const char *class_name, lr_error *err);

LR_API size_t lr_db_count(const lr_db *db);
LR_API const lr_module *lr_db_at(const lr_db *db, size_t i);

/* Read access to an entry. Formulas of op `i`: field is one of
 * LR_F_FLOPS .. LR_F_STORE_KV; NULL when absent (zero). */
enum lr_field {
    LR_F_FLOPS,
    LR_F_LOAD_WEIGHT,
    LR_F_LOAD_ACT,
    LR_F_STORE_ACT,
    LR_F_LOAD_KV,
    LR_F_STORE_KV,
    LR_F_NET_BYTES, /* bytes over the interconnect (communication ops) */
    LR_F_NET_HOPS,  /* sequential link latencies paid (a ring all-reduce: 2 (N - 1)) */
    LR_NFIELDS
};
LR_API extern const char *const lr_field_names[LR_NFIELDS];

LR_API const char *lr_module_key(const lr_module *m);
LR_API const char *lr_module_class(const lr_module *m);
LR_API const char *lr_module_file(const lr_module *m);
LR_API size_t lr_module_alias_count(const lr_module *m);
LR_API const char *lr_module_alias(const lr_module *m, size_t i);
LR_API size_t lr_module_param_count(const lr_module *m);
LR_API const char *lr_module_param(const lr_module *m, size_t i);
/* Default formula of parameter i, or NULL if the parameter is required. */
LR_API const char *lr_module_param_default(const lr_module *m, size_t i);
LR_API int lr_module_is_composite(const lr_module *m);
/* Formula for the module's parameter count (weights), or NULL. */
LR_API const char *lr_module_weights(const lr_module *m);
/* The entry's "weight_role" (LR_WR_DEFAULT when it has none). */
LR_API enum lr_wrole lr_module_weight_role(const lr_module *m);
LR_API size_t lr_module_op_count(const lr_module *m);
LR_API const char *lr_module_op_name(const lr_module *m, size_t i);
LR_API const char *lr_module_op_kind(const lr_module *m, size_t i);
LR_API const char *lr_module_op_formula(const lr_module *m, size_t i, enum lr_field f);

/* ---- Architecture tree --------------------------------------------------- */

typedef struct lr_param {
    char *name;
    double value;  /* used when formula is NULL */
    char *formula; /* a formula over runtime variables, or NULL */
} lr_param;

typedef struct lr_node {
    char *name;
    char *cls;
    lr_param *params;
    size_t nparams;
    struct lr_node *subs;
    size_t nsubs;
    double repeat;    /* 1 unless the node stands for a repeated block */
    int output_kv;    /* the node's output goes to the KV cache */
    int pipeline;     /* a repeated block split across pipeline stages (--pp) */
    int tied;         /* weights shared with another node: not counted twice */
    int weights_only; /* counted in the parameters, no ops: not run in the forward
                         pass (multi-token-prediction layers) */
    char *op;         /* when set, not a module: places the parent's op of this
                         name here in execution order (cls is then "") */
    char *when;       /* NULL, or a formula over runtime variables: the node's ops
                         exist only where it is non-zero (MTP layers: {mtp}) */
    int wrole;        /* enum lr_wrole: whose bytes per weight its formulas see */
} lr_node;

enum { LR_PAR_TP = 1, LR_PAR_PP = 2, LR_PAR_EP = 4 };

/* A checkpoint's quantization as its config.json `quantization_config` or
 * an hf_quant_config.json beside it states it (src/input/quant.c): the
 * preset it selects and what the config overrides of it; the excluded
 * modules are already marked LR_WR_KEEP in the tree. */
typedef struct lr_arch_quant {
    char preset[32];  /* a name of data/quant/presets.json; "" when not quantized */
    char source[512]; /* the file that said so */
    double w_bit;     /* 0: the preset's */
    double w_group;   /* 0: the preset's; -1: no groups (per channel or per tensor) */
    int w_asym;       /* -1: the preset's; else 0/1 */
    int kv_bit;       /* 0: the preset's (8 for an FP8 KV cache) */
    size_t nexcluded; /* nodes the exclusion list marked kept */
} lr_arch_quant;

typedef struct lr_arch {
    char *name;           /* model name (bundled id, or the file it came from) */
    char *file;           /* the file the tree was built from */
    char *family;         /* template family, or "" */
    int parallel;         /* LR_PAR_* bits: which of --tp --pp --ep the tree models */
    double weight_params; /* from a weight file (GGUF): its tensors' elements, else 0 */
    double weight_bytes;  /* and their bytes as stored: params * bits / 8 */
    double max_context;   /* from the config, 0 when unknown */
    lr_node root;
    /* the config's shape, for lr_check_settings (0 when unknown: an
     * architecture JSON, a tree without a template) */
    double heads;    /* num_attention_heads */
    double kv_heads; /* key/value heads (num_key_value_heads, Falcon's kv_heads) */
    double head_dim;
    double layers;       /* num_hidden_layers */
    lr_arch_quant quant; /* the checkpoint's quantization, when its config says */
    /* NULL, or a formula over runtime variables ({images}, {image_w},
     * {image_h}): the tokens the images add to each prompt (a template's
     * "image_tokens"; docs/families/vision.md) */
    char *image_tokens;
} lr_arch;

LR_API void lr_arch_free(lr_arch *a);
/* The prototype's architecture JSON: {name, class, parameters, sub_layers}. */
LR_API lr_arch *lr_arch_from_json_file(const char *path, lr_error *err);
/* A HuggingFace config.json through the family templates of `template_dir`. */
LR_API lr_arch *lr_arch_from_hf_config(const char *config_path, const char *template_dir,
                                       lr_error *err);
/* The same from the text of a config.json; `source` names it in errors. */
LR_API lr_arch *lr_arch_from_hf_config_text(const char *text, const char *source,
                                            const char *template_dir, lr_error *err);
LR_API const lr_param *lr_node_param(const lr_node *n, const char *name);

/* Loads a model by bundled id ("meta-llama/Llama-2-7b-hf", or the bare
 * "Llama-2-7b-hf", looked up in models_dir), by config.json path or
 * directory (built through the templates of template_dir), or by
 * architecture JSON path. */
LR_API lr_arch *lr_model_load(const char *models_dir, const char *template_dir, const char *name,
                              lr_error *err);
/* Path of the file `name` resolves to, or NULL. Caller frees. */
LR_API char *lr_model_find(const char *models_dir, const char *name);
/* Paths of the bundled model files, sorted. Caller frees each and the array. */
LR_API char **lr_models_list(const char *models_dir, size_t *n);
/* "dir/org--name.json" -> "org/name". Caller frees. */
LR_API char *lr_model_id_from_file(const char *path);

/* ---- print(model) text ----------------------------------------------------
 * The text PyTorch prints for a module, `print(model)` of a transformers
 * model: grammar, maps and checks in docs/repr.md. */

/* 1 when the first non-blank text is `Identifier(`: a repr, not JSON. */
LR_API int lr_repr_detect(const char *text);
/* The printed tree: node names are attribute names, classes the printed
 * class names, parameters the numeric arguments (keywords by name,
 * positional ones arg0, arg1, ..., tuple elements arg0_0, ...; True/False
 * are 1/0; strings and None are dropped). A ModuleList that is one run of
 * identical modules ((0-31): 32 x Layer, or every index printed) becomes
 * that module with the run's length as repeat. Errors carry the line and
 * column. Not a tree to analyse: its classes have no parameters the
 * module database knows. */
LR_API lr_arch *lr_repr_parse(const char *text, const char *source, lr_error *err);

/* What completes a repr: values it does not show, and the database that
 * checks its classes. Every member may be 0/NULL. */
typedef struct lr_repr_opts {
    const char *config_text; /* a config.json text, or NULL to read config_path */
    const char *config_path; /* a config.json file (--config); also names config_text */
    const char *const *sets; /* "NAME=VALUE" fields (--set), taking precedence over the config */
    size_t nsets;
    const lr_db *db; /* finished; NULL: the profile's modules/ are loaded */
} lr_repr_opts;

/* The analysis tree of a repr: an HF-style config derived from the printed
 * dimensions through the map of profile_dir/repr/ for the root class,
 * merged with `opts` (a printed value they contradict is an error), with
 * the rest inferred (KV heads from k_proj and the head count, ...) or
 * required; built through the template of profile_dir/architectures/;
 * then checked: every printed class known to the database, every printed
 * weight layer's dimensions equal to the built node's. `notes` (may be
 * NULL) receives what was inferred or left unchecked, one line each, or
 * NULL; caller frees. */
LR_API lr_arch *lr_arch_from_repr(const char *text, const char *source, const char *profile_dir,
                                  const lr_repr_opts *opts, char **notes, lr_error *err);

/* A model argument that names nothing: 1 when it is not a file, a
 * directory or a bundled id (or alias) and does not look like a path
 * (starting with / . ~, or ending in .json .gguf .txt ...): an unknown id,
 * a usage error rather than a missing file. */
LR_API int lr_model_unknown_id(const char *models_dir, const char *name);
/* Up to 3 bundled ids (or the Hub's ids of renamed ones, data/
 * model-aliases.json) closest to `name` by its words and by edit distance
 * ("Llama-2-7b": meta-llama/Llama-2-7b-hf), as "a, b, c"; returns how many. */
LR_API size_t lr_model_suggest(const char *models_dir, const char *name, char *buf, size_t cap);

/* lr_model_load, plus a file holding a repr (lr_repr_detect on its text),
 * built by lr_arch_from_repr with `opts` and the profile directory that
 * holds template_dir. For a config.json (a file, a bundled model or a GGUF
 * file's metadata) opts->sets override its fields before the template runs
 * (a dotted name reaches into an object: rope_scaling.factor); --config
 * (opts->config_*) is an error there, and both are for an architecture
 * JSON. Names that resolve to nothing get their own messages: no such
 * file, a directory without config.json, an unknown id with suggestions;
 * so does a weights file (.safetensors, .bin) given as the model. `notes`:
 * lines on what was inferred, added or renamed, or NULL; caller frees. */
LR_API lr_arch *lr_model_load_ex(const char *models_dir, const char *template_dir, const char *name,
                                 const lr_repr_opts *opts, char **notes, lr_error *err);
/* The same from a model's text (standard input: `source` is "-"): a
 * config.json, an architecture JSON or a print(model) text, told apart by
 * their content (a GGUF file needs its path). */
LR_API lr_arch *lr_model_load_text(const char *models_dir, const char *template_dir,
                                   const char *text, size_t len, const char *source,
                                   const lr_repr_opts *opts, char **notes, lr_error *err);
/* lr_model_load_ex with a config.json built through the template of
 * `family` (--family; NULL: the one its class names). */
LR_API lr_arch *lr_model_load_family(const char *models_dir, const char *template_dir,
                                     const char *name, const char *family, const lr_repr_opts *opts,
                                     char **notes, lr_error *err);

/* ---- Weight files: GGUF and safetensors headers -----------------------------
 * Only headers and metadata are read, never tensor data: the reader seeks
 * past it, and memory stays bounded by the header's real size. */

typedef struct lr_tensor_info {
    char *name;
    char *dtype;     /* as the file names it: "F16", "BF16", "Q4_K", ... */
    double elements; /* product of the shape */
    double bytes;    /* as stored (quantized blocks included) */
} lr_tensor_info;

typedef struct lr_weights_info {
    lr_tensor_info *tensors;
    size_t ntensors;
    double params;     /* sum of the tensors' elements */
    double bytes;      /* sum of the tensors' bytes */
    double eff_bits;   /* bytes * 8 / params: the effective bits per weight */
    char *arch;        /* GGUF general.architecture; NULL for safetensors */
    char *config_json; /* GGUF: an HF-style config.json text built from the
                          metadata through the key map; NULL otherwise */
    size_t past_eof;   /* GGUF: tensors whose data lies past the end of the
                          file (a header-only or truncated file: accepted, the
                          data is never read; the caller warns) */
} lr_weights_info;

/* Reads a GGUF file. `key_map` (data/gguf-keys.json, may be NULL: then no
 * config_json) maps GGUF architectures and keys to config.json names. */
LR_API int lr_gguf_read(const char *path, const char *key_map, lr_weights_info *info,
                        lr_error *err);
/* Reads one .safetensors file, or a directory: every shard named by its
 * model.safetensors.index.json (or its single model.safetensors). */
LR_API int lr_safetensors_read(const char *path, lr_weights_info *info, lr_error *err);
LR_API void lr_weights_info_free(lr_weights_info *info);

/* ---- Hardware ------------------------------------------------------------ */

/* LR_FP16_ACC16: FP16 tensor throughput with FP16 accumulation, twice the
 * FP32-accumulate figure on GeForce cards (and equal to it elsewhere); last so
 * the older indices keep their values. */
enum lr_dtype {
    LR_FP32,
    LR_TF32,
    LR_FP16,
    LR_BF16,
    LR_FP8,
    LR_INT8,
    LR_INT4,
    LR_FP16_ACC16,
    LR_NDTYPES
};
LR_API extern const char *const lr_dtype_names[LR_NDTYPES];

typedef struct lr_hw {
    char *id;
    char *name;
    char **aliases;
    size_t naliases;
    double peak[LR_NDTYPES]; /* FLOP/s (OP/s for integers); 0 = not supported */
    double bandwidth;        /* memory bytes/s */
    double memory_bytes;     /* capacity */
    double onchip_bytes;     /* L1/shared total */
    double l2_bytes;
    double compute_units;      /* SMs / CUs; 0 when unknown */
    double link_bandwidth;     /* interconnect bytes/s per direction, 0 if none */
    double link_latency;       /* seconds per hop of a ring collective, 0 = not stated (then
                                  the measured curves or their default latencies) */
    double compute_capability; /* NVIDIA CUDA compute capability (8.0, 8.9, 9.0);
                                  0 = not NVIDIA or unknown */
    char *source;
    char **unverified; /* the entry's `unverified` list: fields not confirmed */
    size_t nunverified;
    double runtime_bytes; /* memory the runtime keeps for itself on this device: CUDA
                             context, library workspaces, graphs (docs/memory.md); 0 = none */
    double comm_bytes[4]; /* communication (NCCL) buffers with 1, 2, 4, 8+ devices */
    /* the measured collectives of its interconnect class and the default
     * latencies (data/hardware/collectives.json), NULL without that file */
    const struct lr_comm *comm;
    char *cls; /* efficiency class ("hopper", ...) the entry names, or NULL: the
                  efficiency data's hardware lists decide (docs/expected-time.md) */
} lr_hw;

typedef struct lr_hwdb lr_hwdb;
LR_API lr_hwdb *lr_hwdb_load(const char *path, lr_error *err);
LR_API void lr_hwdb_free(lr_hwdb *db);
LR_API const lr_hw *lr_hwdb_find(const lr_hwdb *db, const char *id_or_alias);
LR_API size_t lr_hwdb_count(const lr_hwdb *db);
LR_API const lr_hw *lr_hwdb_at(const lr_hwdb *db, size_t i);
/* lr_hwdb_find looks up ids and aliases ignoring case; failing that, the
 * one device whose id or alias equals the name ignoring punctuation as well
 * ("h100sxm", "RTX 4090"; several such devices: none). */
/* Up to 3 ids closest to a name that was not found ("mi300": mi300x, ...),
 * best first, as "a, b, c" in buf; returns how many (0: none close). */
LR_API size_t lr_hwdb_suggest(const lr_hwdb *db, const char *name, char *buf, size_t cap);
/* Lays a user's hardware file (or every *.json of a directory) over the
 * table: an entry whose id is in the table replaces it, others are added.
 * The bundled schema, checked strictly: unknown keys are errors, and every
 * error carries the line and column. Returns the number of entries loaded
 * (*last, may be NULL: the last of them, valid until the table changes),
 * or -1 with `err`. */
LR_API int lr_hwdb_load_layer(lr_hwdb *db, const char *path, const lr_hw **last, lr_error *err);
/* Overrides one field of device `id`: memory_bandwidth (or bandwidth),
 * memory_bytes (memory), onchip_bytes, l2_bytes, compute_units,
 * interconnect_bandwidth (link_bandwidth), interconnect_latency_s
 * (link_latency), peak_flops.DTYPE (or DTYPE: fp16, int8, ...). The value
 * is a number in the field's unit (B/s, B, s, FLOP/s), optionally with a
 * prefix and the unit: "3.35T", "3.35TB/s", "80GiB", "2us". Unknown keys
 * (their message lists the valid ones), negative or non-finite numbers, a
 * bandwidth of 0 are errors. */
LR_API int lr_hwdb_set(lr_hwdb *db, const char *id, const char *key, const char *value,
                       lr_error *err);

/* ---- Profiles ------------------------------------------------------------ */

/* A directory of data fixing the counting conventions: profile.json
 * (compute-type and memory rules), modules/, architectures/ and optionally
 * hardware/. `extra_modules` (a file or directory, may be NULL) adds module
 * entries. The profile owns its module database. */
typedef struct lr_profile lr_profile;
LR_API lr_profile *lr_profile_load(const char *dir, const char *extra_modules, lr_error *err);
/* A profile as --profile and the web API name it: a bundled one
 * (data_dir/profiles/NAME), or a directory when name_or_dir has a slash.
 * A name with no directory gets "unknown profile 'x' (no directory ...;
 * bundled profiles are the directories of DATA/profiles)". */
LR_API lr_profile *lr_profile_open(const char *data_dir, const char *name_or_dir,
                                   const char *extra_modules, lr_error *err);
/* The profile's hardware table: its own hardware/ if it has one, else
 * data_dir/hardware. */
LR_API lr_hwdb *lr_profile_hwdb_load(const lr_profile *p, const char *data_dir, lr_error *err);
LR_API void lr_profile_free(lr_profile *p);
LR_API const char *lr_profile_name(const lr_profile *p);
LR_API const char *lr_profile_dir(const lr_profile *p);
/* The profile's own hardware directory, or NULL to use the shared one. */
LR_API const char *lr_profile_hardware_dir(const lr_profile *p);
LR_API const lr_db *lr_profile_db(const lr_profile *p);
/* Engines (data/engines/NAME.json, docs/expected-time.md): the profile
 * loads them with the efficiency model, from its own engines/ and
 * efficiency/ directories when it has them, else from the data directory's
 * (lr_profile_open's data_dir; lr_data_dir() for lr_profile_load). The
 * default engine is profile.json's "engine" (vllm when absent; the
 * llm-viewer profile's is ideal, so its expected times are its rooflines). */
LR_API const char *lr_profile_engine_default(const lr_profile *p);
LR_API size_t lr_profile_engine_count(const lr_profile *p);
/* Engine i in name order, or NULL. */
LR_API const char *lr_profile_engine_name(const lr_profile *p, size_t i);
/* 0 when `name` (NULL or "": the default) is one of the profile's engines;
 * else -1 with "unknown engine 'x' (known: ideal, llama.cpp, ...)". */
LR_API int lr_profile_engine_check(const lr_profile *p, const char *name, lr_error *err);

/* The name under which an op is compared with other profiles' ops
 * (profile.json "compare_as"; e.g. LLM-Viewer's out_proj is our o_proj). */
LR_API const char *lr_profile_compare_name(const lr_profile *p, const char *op_name);

/* ---- Settings and analysis ---------------------------------------------- */

enum lr_stage { LR_PREFILL, LR_DECODE };
enum lr_bound { LR_COMPUTE, LR_MEMORY, LR_COMM };
LR_API extern const char *const lr_bound_names[3]; /* "compute", "memory", "comm" */

/* Longest text setting (an engine name) + 1. */
#define LR_ENGINE_MAX 32

typedef struct lr_settings {
    double batch;   /* sequences, >= 1 */
    double seq_len; /* prompt length (prefill) or attended context (decode) */
    double w_bit;   /* bits per weight; fractional for mixed-type GGUF files */
    int a_bit, kv_bit;
    int all_logits;      /* prefill computes logits for every token, not the last */
    int flash;           /* fused (flash) attention instead of eager */
    int causal;          /* causal masking (decoder models): flash skips masked tiles */
    double w_group;      /* weights quantized in groups of this many elements, 0 = none */
    int w_asym;          /* each weight group also stores a zero point */
    double kv_group;     /* KV cache quantized in groups (scale + zero point), 0 = none */
    int a_fp8;           /* 8-bit activations are FP8 (else INT8) */
    double tp;           /* tensor-parallel degree: heads and MLP columns split */
    double pp;           /* pipeline stages: layers split */
    double ep;           /* expert-parallel degree: MoE experts split */
    double microbatches; /* pipeline micro-batches (for the bubble) */
    int fp16_acc;        /* the engine's 16-bit GEMMs accumulate in FP16 (llama.cpp);
                            not a row of the settings table: engines set it */
    double dp;           /* data-parallel attention ranks: the batch split, experts shared */
    int mtp;             /* run the multi-token-prediction layers (speculative decoding) */
    unsigned given;      /* bit i: setting i of the table was set by lr_settings_set */
    /* the engine's memory plan (docs/memory.md) */
    double kv_block;            /* KV cache allocated in pages of this many tokens (vLLM 16) */
    double max_batched_tokens;  /* tokens of one forward pass (chunked prefill; vLLM 8192) */
    double mem_util;            /* fraction of the device memory the engine may use (0.9) */
    int allow_long_context;     /* sequences longer than the model's context are accepted */
    char engine[LR_ENGINE_MAX]; /* data/engines/NAME.json; "": the profile's default */
    int quant; /* a quantization preset: index in lr_setting_at(quant)->choices, 0 none */
    int quantize_embeddings;        /* embeddings and lm_head at the weight width, not 16 bits */
    double w_scale_bits;            /* bits of a weight group's scale (16: fp16; 8: e8m0/e4m3) */
    double w_zero_bits;             /* bits of a group's zero point with w_asym (4 when packed) */
    double w_head_bit;              /* lm_head's own bits per weight, scales included (a GGUF
                                       preset's Q6_K output), 0: as the embeddings; set by presets */
    double images;                  /* images per sequence (vision-language models) */
    char image_size[LR_ENGINE_MAX]; /* "WxH" or "N" pixels; "": the model's default */
    double image_tokens;            /* not a row: the prompt tokens the images add per sequence,
                                       set by the analysis from the model (lr_plan_image_tokens) */
    double runtime_bytes;           /* the engine's runtime memory per device; < 0: the
                                       hardware's (not a row: lr_settings_apply_engine sets it) */
} lr_settings;

/* Defaults: batch 1, seq_len 2048, 16-bit everything, last-token logits,
 * eager causal attention, no quantization groups. */
LR_API void lr_settings_default(lr_settings *s);
/* Rejects nonsense, row by row of the settings table: numbers outside their
 * range, fractions where a whole number is needed. */
LR_API int lr_settings_check(const lr_settings *s, lr_error *err);
/* The devices a deployment with these settings uses: tp x pp x dp (expert
 * parallelism splits the same tp x dp devices; docs/generation.md). */
LR_API double lr_settings_devices(const lr_settings *s);
/* The engine preset's defaults (docs/memory.md, "Engine presets"): for the
 * engine of `s` (its engine, or the profile's default), every row the
 * preset sets and the user did not give (lr_settings_given) takes the
 * preset's value: kv_block_size, max_batched_tokens, mem_util (its
 * "memory" object; null: the row's default) and attention (its
 * "flash_attention"); fp16_acc and runtime_bytes, not rows, always follow
 * the engine. Idempotent, so a sweep that changes the engine applies it
 * again. The analysis functions take `s` as it is (a field set by hand
 * stays): the CLI, the server and sweep call this where settings are
 * finalised, so what they print is what ran. 0, or -1 with "unknown
 * engine" (a profile without engine data leaves `s` as it is). */
LR_API int lr_settings_apply_engine(lr_settings *s, const lr_profile *prof, lr_error *err);
/* A sequence length the user did not give that exceeds the model's
 * context (arch->max_context; unknown: never) is cut to the context unless
 * allow_long_context: returns 1 when seq_len was cut, else 0. */
LR_API int lr_settings_fit_context(lr_settings *s, const lr_arch *arch);

/* ---- The settings table -------------------------------------------------
 * Every analysis setting, described once: the command line's options, the
 * sweep's lists and ranges, the web API's parameters and the JSON output's
 * "settings" object all come from it. */

enum lr_setting_type {
    LR_SET_WHOLE,  /* a whole number in [min, max] */
    LR_SET_NUMBER, /* any number in [min, max] (w_bit: a GGUF file's 4.5 bits) */
    LR_SET_FLAG,   /* true or false (1/0, yes/no, on/off) */
    LR_SET_CHOICE, /* one of `choices`; stored as its index */
    LR_SET_TEXT    /* a name of at most `max` characters (letters, digits, . _ -);
                      lr_settings_value gives 0 for it, lr_settings_format the text */
};

typedef struct lr_setting_info {
    const char *name;   /* "seq_len": the key of the JSON output's settings */
    const char *option; /* "seq-len": the command line's spelling, also accepted as a name */
    enum lr_setting_type type;
    double min, max;            /* WHOLE, NUMBER */
    const char *const *choices; /* CHOICE: the names of values 0, 1, ..., then NULL */
    const char *unit;           /* "tokens", "bits", "" */
    const char *help;           /* one line, for --help and the web page */
} lr_setting_info;

/* The rows of the table, in the order of the JSON output. The choices of
 * `quant` are "none" and the presets of lr_data_dir()/quant/presets.json,
 * read once, on the first call of any function of the table (thread-safe);
 * a file that does not load leaves "none" alone, and setting `quant` then
 * fails with the file's error. Setting `quant` sets every setting the
 * preset has that was not given (lr_settings_given); settings given later
 * override it. */
LR_API size_t lr_setting_count(void);
LR_API const lr_setting_info *lr_setting_at(size_t i);
/* By name or option spelling ("seq_len" or "seq-len"); -1 if unknown. */
LR_API int lr_setting_index(const char *name);
/* Parses `value` for setting `name` (either spelling) into `s` and marks it
 * given. Setting a_bit also sets kv_bit unless kv_bit was given. Errors name
 * the setting, what was expected and what came. `err` must not be NULL. */
LR_API int lr_settings_set(lr_settings *s, const char *name, const char *value, lr_error *err);
/* The same for a value already read (as lr_settings_value gives it): row i
 * to `v`, checked against the row's range, marked given, a_bit moving
 * kv_bit. For callers that apply one value many times (sweep). */
LR_API int lr_settings_put(lr_settings *s, size_t i, double v, lr_error *err);
/* The value of setting i in `s`: numbers as numbers, flags 0/1, choices
 * their index. */
LR_API double lr_settings_value(const lr_settings *s, size_t i);
/* The value as text: "2048", "true", "flash" (at most `cap` bytes). */
LR_API void lr_settings_format(const lr_settings *s, size_t i, char *buf, size_t cap);
/* 1 when setting `name` was set through lr_settings_set. */
LR_API int lr_settings_given(const lr_settings *s, const char *name);

/* The runtime variables every formula may use. */
enum lr_var {
    LR_V_B,            /* batch */
    LR_V_S,            /* tokens processed per sequence in this pass */
    LR_V_CTX,          /* tokens attended (context incl. the current ones) */
    LR_V_W_BYTES,      /* bytes per weight */
    LR_V_A_BYTES,      /* bytes per activation */
    LR_V_KV_BYTES,     /* bytes per KV-cache element */
    LR_V_LOGIT_TOKENS, /* tokens per sequence whose logits are computed */
    LR_V_PREFILL,      /* 1 in prefill, 0 in decode */
    LR_V_W_BIT,        /* bits per weight, activation, KV element */
    LR_V_A_BIT,
    LR_V_KV_BIT,
    LR_V_FLASH,              /* 1 with fused (flash) attention */
    LR_V_CAUSAL,             /* 1 with causal masking */
    LR_V_A_FP8,              /* 1 when 8-bit activations are FP8 */
    LR_V_W_SCALE_BYTES,      /* bytes of group scales (and zeros) per weight element */
    LR_V_KV_SCALE_BYTES,     /* the same per KV-cache element */
    LR_V_ONCHIP_BYTES,       /* the device's on-chip buffer (all SMs) */
    LR_V_SM_SRAM_BYTES,      /* on-chip buffer of one SM / CU */
    LR_V_TP,                 /* tensor-parallel degree */
    LR_V_PP,                 /* pipeline stages */
    LR_V_EP,                 /* expert-parallel degree */
    LR_V_COMPUTE_CAPABILITY, /* the device's compute_capability (0 = unknown) */
    LR_V_COMPUTE_UNITS,      /* SMs / CUs (0 = unknown) */
    LR_V_FP16_ACC,           /* 1 when 16-bit GEMMs accumulate in FP16 */
    LR_V_DP,                 /* data-parallel attention ranks */
    LR_V_MTP,                /* 1 when the multi-token-prediction layers run (--mtp) */
    LR_V_W_EMB_BYTES,        /* {w_bytes} {w_scale_bytes} {w_bit} of embedding tables, */
    LR_V_W_EMB_SCALE_BYTES,
    LR_V_W_EMB_BIT,
    LR_V_W_HEAD_BYTES, /* ... of the output head (lm_head), */
    LR_V_W_HEAD_SCALE_BYTES,
    LR_V_W_HEAD_BIT,
    LR_V_W16_BYTES, /* ... and of weights kept out of quantization (no scales) */
    LR_V_W16_BIT,
    LR_V_IMAGES,  /* images per sequence (vision-language models) */
    LR_V_IMAGE_W, /* image width and height in pixels, 0: the model's default */
    LR_V_IMAGE_H,
    LR_NVARS
};

typedef struct lr_plan lr_plan;

/* Compiles every op of every node of `arch` against `db` (finished). */
LR_API lr_plan *lr_plan_new(const lr_arch *arch, const lr_db *db, lr_error *err);
LR_API void lr_plan_free(lr_plan *p);
LR_API size_t lr_plan_op_count(const lr_plan *p);
/* The model's parameter count (tied weights counted once). */
LR_API double lr_plan_params(const lr_plan *p);
/* The parameters one token uses: the whole count, but for a mixture of
 * experts only top_k / num_experts of the routed experts' (the module
 * entries' "active_weights"). */
LR_API double lr_plan_active_params(const lr_plan *p);
/* The tokens the images of settings `s` add to each prompt (0 for a model
 * without a vision part, or with s->images 0); -1 when the model's formula
 * fails for these settings (an image size of 0). */
LR_API double lr_plan_image_tokens(const lr_plan *p, const lr_settings *s);

/* ---- Weight files against the model ------------------------------------ */

/* The bits per weight of the model's weight file (GGUF: its tensors' bytes
 * * 8 / elements, so a Q4_K_M file gives a fraction; at least 1), or 0 when
 * the model came without one. Callers use it for w_bit unless w_bit was
 * given (lr_settings_given). */
LR_API double lr_arch_weight_bits(const lr_arch *arch);
/* The weight file's tensors' elements over the plan's parameter count
 * (lr_plan_params): below 1 when the file lists fewer tensors than the
 * architecture has (a partial or hand-made file: its bits per weight then
 * come from the tensors present); 0 without a weight file. */
LR_API double lr_arch_weight_coverage(const lr_arch *arch, const lr_plan *plan);

/* What the model itself says about its weights, applied to every setting
 * of `s` not given (lr_settings_given): the checkpoint's quantization
 * (arch->quant: its preset, then the config's group size, bits, zero
 * points and KV-cache type), and a weight file's bits
 * (lr_arch_weight_bits, with quantize_embeddings on: the file's tensors
 * include them). -1 with `err` when the preset named is unknown. */
LR_API int lr_settings_apply_model(lr_settings *s, const lr_arch *arch, lr_error *err);

#define LR_MAX_MISSING 10
typedef struct lr_missing_tensor {
    char *name;      /* "model.layers.0.mlp.gate_proj.weight" */
    char *node;      /* the tree path it would belong to: "model.layers.mlp.gate_proj" */
    double elements; /* its element count */
} lr_missing_tensor;

typedef struct lr_safetensors_check {
    int checked;        /* 0: no safetensors beside the model, nothing compared */
    double file_params; /* the safetensors' elements */
    size_t ntensors;
    double tree_params; /* lr_plan_params: the config's tree */
    /* when the counts differ: up to LR_MAX_MISSING tensors (file order) with
     * no node in the plan */
    lr_missing_tensor missing[LR_MAX_MISSING];
    size_t nmissing;
} lr_safetensors_check;

/* For MODEL a directory (or a file in one) holding model.safetensors or
 * model.safetensors.index.json: their parameter count against `plan`.
 * Returns 0 (c->checked 0 when there are none), -1 with `err` when they
 * cannot be read. Free with lr_safetensors_check_free (also after -1). */
LR_API int lr_safetensors_check_model(const lr_plan *plan, const char *model,
                                      lr_safetensors_check *c, lr_error *err);
LR_API void lr_safetensors_check_free(lr_safetensors_check *c);

typedef struct lr_op {
    const char *name; /* short op name: qk_matmul, q_proj, ... */
    const char *path; /* model.layers.self_attn.qk_matmul */
    const char *kind; /* matmul, attention, elementwise, ... */
    const char *cls;  /* module class of the node */
    double count;     /* instances (product of repeats) */
    int present;      /* 0 when the op's "if" is false for these settings */
    double weights;   /* parameters of the node held per device (on its first op), else 0 */
    double v[LR_NFIELDS];
    double bytes;
    double intensity; /* flops / bytes (0 when bytes is 0) */
    enum lr_bound bound;
    double time_s;
    double expected_time_s; /* with the engine's efficiency model (docs/expected-time.md) */
} lr_op;

typedef struct lr_total {
    double v[LR_NFIELDS];
    double bytes;
    double intensity;
    double time_s;
    double compute_time_s;     /* sum of the times of compute-bound ops */
    double memory_time_s;      /* sum of the times of memory-bound ops */
    double comm_time_s;        /* sum of the times of ops waiting on the interconnect */
    double latency_s;          /* with pipeline stages: (micro-batches + stages - 1) x the
                                  time of one micro-batch on one stage; else time_s */
    double expected_time_s;    /* the ops' expected times plus the engine's step overhead */
    double expected_latency_s; /* as latency_s, from the expected times */
    double expected_band[2];   /* [low, high]: multipliers of the expected times that
                                  hold 10% to 90% of the fit's measurements */
} lr_total;

/* The memory footprint of one device, aggregated from the op records by
 * the profile's rules (profile.json "memory"); with the default profile's
 * engine plan (docs/memory.md) as vLLM plans it. */
typedef struct lr_memory {
    double weights;            /* default profile: parameters x bytes per weight of their role */
    double kv_cache;           /* default profile: the batch's KV cache of seq_len tokens, in
                                  whole pages of kv_block_size tokens */
    double activations;        /* default profile: the liveness peak of one forward pass of at
                                  most max_batched_tokens tokens */
    double total;              /* weights + kv_cache + activations + runtime */
    double device;             /* device capacity, 0 when unknown */
    int fits;                  /* total <= budget: 1, 0, or -1 when the capacity is unknown */
    double runtime;            /* the runtime's own memory (CUDA context, workspaces, NCCL
                                  buffers: lr_hw.runtime_bytes, comm_bytes); 0 outside the
                                  engine plan */
    double budget;             /* mem_util x device */
    double kv_per_token;       /* KV-cache bytes per token (all layers on this device) */
    double kv_per_seq;         /* cache bytes per sequence that do not grow with its tokens:
                                  the states of linear-attention and state-space layers */
    double kv_capacity_tokens; /* tokens of KV cache that fit in the budget beside the
                                  rest, whole pages (vLLM's "GPU KV cache size");
                                  NaN when the capacity is unknown */
    double max_sequences;      /* sequences of seq_tokens tokens whose pages fit in it
                                  (vLLM's "Maximum concurrency") */
    double seq_tokens;         /* the sequence length max_sequences is for */
    double pass_tokens;        /* tokens of the pass whose activations are counted */
} lr_memory;

typedef struct lr_stage_result {
    enum lr_stage stage;
    lr_op *ops; /* lr_plan_op_count() entries, for one instance each */
    size_t nops;
    lr_total total;   /* over all instances of the present ops */
    lr_memory memory; /* the footprint during this stage */
} lr_stage_result;

typedef struct lr_result {
    lr_settings settings;
    const lr_profile *profile;
    const lr_hw *hw;
    enum lr_dtype compute;
    double peak_flops;
    int has[2]; /* which stages were analysed */
    lr_stage_result stage[2];
    lr_memory memory; /* the larger of the analysed stages' footprints */
} lr_result;

/* Allocates a result sized for `plan`; reused across analyses without
 * further allocation. */
LR_API lr_result *lr_result_new(const lr_plan *plan);
LR_API void lr_result_free(lr_result *r);

/* Analyses one stage (or both, with do_prefill/do_decode) into `r`. */
LR_API int lr_analyze(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                      const lr_settings *s, int do_prefill, int do_decode, lr_result *r,
                      lr_error *err);

/* ---- Generation ----------------------------------------------------------- */

/* A whole generation: the prefill of P prompt tokens, then G decode steps,
 * step i with P + i tokens in the KV cache (attending P + i + the profile's
 * decode_ctx_offset). Every step is counted exactly: ops that do not depend
 * on the context length are evaluated once, the others per step. */
typedef struct lr_gen {
    double prompt, gen; /* P and G */
    double ttft_s;      /* time to first token: the prefill */
    double tpot_mean_s; /* time per output token: mean over the decode steps */
    double tpot_first_s, tpot_last_s;
    double latency_s;           /* prefill + all decode steps */
    double output_tokens_per_s; /* batch * G / latency */
    double total_tokens_per_s;  /* batch * (P + G) / latency */
    double decode_tokens_per_s; /* batch * G / decode time: tokens/s while decoding */
    double flops[2], bytes[2];  /* per stage: prefill, and the sum over decode steps */
    lr_memory memory;           /* at the last step */
    /* the same from the expected times (docs/expected-time.md) */
    double expected_ttft_s, expected_tpot_mean_s, expected_tpot_first_s, expected_tpot_last_s;
    double expected_latency_s, expected_output_tokens_per_s, expected_total_tokens_per_s;
    double expected_band[2];
    char engine[LR_ENGINE_MAX]; /* the engine used (the profile's default resolved) */
} lr_gen;

/* Runs a generation with the settings of `s` (its seq_len is ignored),
 * using `r` (from lr_result_new(plan)) as scratch: on return r holds the
 * analysis of the prefill and of the last decode step. */
LR_API int lr_generate(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                       const lr_settings *s, double prompt, double gen, lr_result *r, lr_gen *g,
                       lr_error *err);

/* The memory footprint of a generation at its last step (the larger of the
 * prefill's and the decode's activations). */
LR_API int lr_generation_memory(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                                const lr_settings *s, double prompt, double gen, lr_result *r,
                                lr_memory *m, lr_error *err);
/* The largest batch whose generation footprint fits in mem_util x the
 * device's memory (0 if not even one sequence fits; -1 on error). */
LR_API double lr_max_batch(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                           const lr_settings *s, double prompt, double gen, double mem_util,
                           lr_result *r, lr_error *err);

/* Writes `llmroof generate --format json` (docs/generation.md). */
LR_API int lr_gen_write_json(FILE *f, const lr_gen *g, const lr_plan *plan, const char *model,
                             const lr_hw *hw, const lr_settings *s, const lr_profile *prof);

/* ---- Settings against the model and the device ------------------------- */

/* The checks an engine makes before it starts (docs/memory.md): --tp
 * splits the attention heads evenly (the KV heads split or replicate; the
 * error lists the valid sizes), head_dim is whole, --pp is at most the
 * layers, --microbatches at most the batch, sequences of seq_tokens
 * tokens are within the model's context unless allow_long_context, and
 * lr_settings_check. Checks the arch cannot make (an architecture JSON
 * without a config) are skipped. `warn` (may be NULL) receives a warning
 * or "" (FP8 asked of a device without FP8: the type it falls back to). */
LR_API int lr_check_settings(const lr_arch *arch, const lr_hw *hw, const lr_settings *s,
                             double seq_tokens, char *warn, size_t warncap, lr_error *err);
/* -1 with `err` when --tp, --pp or --ep is above 1 on a model whose
 * template does not split that way (lr_arch.parallel), or on a device
 * without an interconnect bandwidth: the option does not apply. */
LR_API int lr_check_parallel(const lr_arch *arch, const lr_hw *hw, const lr_settings *s,
                             lr_error *err);
/* -1 with `err` when one sequence of prompt + gen tokens does not fit in
 * mem_util of the device (lr_generation_memory at batch 1): the message
 * names the shortfall and the smallest --tp that would fit. `r` is
 * scratch. */
LR_API int lr_check_fit(const lr_arch *arch, const lr_plan *plan, const lr_profile *prof,
                        const lr_hw *hw, const lr_settings *s, double prompt, double gen,
                        lr_result *r, lr_error *err);

/* ---- Formulas (exposed for tests and tools) ------------------------------ */

typedef struct lr_formula lr_formula;
/* Compiles a formula whose variables are the runtime variables (and their
 * aliases) plus `nextra` names bound to `extra_values`. Module calls resolve
 * in `db` (may be NULL). */
LR_API lr_formula *lr_formula_compile(const char *text, const lr_db *db,
                                      const char *const *extra_names, const double *extra_values,
                                      size_t nextra, lr_error *err);
/* Evaluates with runtime variables `vars` (LR_NVARS entries). */
LR_API int lr_formula_eval(const lr_formula *f, const double *vars, double *out, lr_error *err);
LR_API void lr_formula_free(lr_formula *f);
/* The runtime variables a stage's formulas see (LR_NVARS values), as
 * lr_analyze sets them: for one micro-batch of one data-parallel rank of
 * `s` on `hw`. */
LR_API void lr_stage_vars(const lr_settings *s, const lr_hw *hw, int prefill, double *vars);
/* Name of runtime variable i, and its lookup (aliases included); -1 if none. */
LR_API const char *lr_var_name(enum lr_var v);
LR_API int lr_var_lookup(const char *name);

/* ---- Output -------------------------------------------------------------- */

enum lr_format { LR_FMT_TABLE, LR_FMT_JSON, LR_FMT_CSV, LR_FMT_MD };
/* One line naming the devices the settings occupy ("8 devices (tp 8 x pp 1
 * x dp 1; ...); figures per device"), after `indent`, for text reports. */
LR_API void lr_devices_line(FILE *f, const lr_settings *s, const char *indent);
LR_API int lr_report_write(FILE *f, enum lr_format fmt, const lr_result *r, const lr_plan *plan,
                           const char *model_name);

/* ---- Plots and HTML report -------------------------------------------------
 * Charts written as SVG by hand (docs/plots.md): titles, axes with units,
 * legends, labels laid out so that they do not overlap. Byte-stable: the
 * same input gives the same bytes. The functions return 0, or -1 when
 * writing failed; they never print elsewhere than `f`. */

/* Flag: an SVG to place inside an HTML5 page (no XML declaration, no
 * namespace attribute: the HTML parser supplies it). */
#define LR_SVG_INLINE 1

/* v with 3 significant digits and a prefix before `unit`: decimal (p n u m
 * k M G T P E; "2.04 TB/s", "5 ms", "312 TFLOP/s"), binary for "B"
 * ("12.6 GiB"); no space when unit is "" ("1.5k"), the prefix on the number
 * for a lowercase unit other than "s" ("2.25k tokens/s"); no prefix below 1
 * without a unit ("0.25"). */
LR_API void lr_fmt_quantity(char *buf, size_t cap, double v, const char *unit);

/* Log-log roofline of the analysed stages: the memory roof (bandwidth x
 * intensity) up to each ridge, the flat peak of the type used (solid) and of
 * the device's other types (dashed); one marker per present op with FLOPs
 * (circle: prefill, diamond: decode; area: its share of the stage's time;
 * colour: its bound); labels for the largest ops. */
LR_API int lr_svg_roofline(FILE *f, const lr_result *r, const char *title, int flags);
/* One bar per analysed stage, split by op kind (share of the stage's time). */
LR_API int lr_svg_breakdown(FILE *f, const lr_result *r, const char *title, int flags);
/* Per stage, one horizontal bar per op: count x time, largest first. */
LR_API int lr_svg_ops(FILE *f, const lr_result *r, const char *title, int flags);
/* The roofline, the breakdown and the per-op bars, one under the other. */
LR_API int lr_svg_analysis(FILE *f, const lr_result *r, const char *title, int flags);

/* A line of a line chart: n points (raw SI units; points that are not finite,
 * or not positive on a log axis, are left out), drawn in order. */
typedef struct lr_series {
    const char *name;    /* legend entry */
    const double *x, *y; /* n values each */
    size_t n;
    const char *const *labels; /* a label per point (e.g. the batch), or NULL */
    int color;                 /* 1-based palette entry; 0: the series' position */
    int dashed;
} lr_series;

typedef struct lr_axis {
    const char *title;     /* "decode latency" */
    const char *unit;      /* tick unit, as for lr_fmt_quantity ("s", "B", "") */
    int log;               /* decades instead of a linear scale */
    double ref;            /* a reference line at this value (0: none) */
    const char *ref_label; /* its text, or NULL */
} lr_axis;

typedef struct lr_chart {
    const char *title;
    lr_axis x, y;
    const lr_series *series;
    size_t nseries;
} lr_chart;

/* n line charts one under the other, under `title` (may be NULL). */
LR_API int lr_svg_lines(FILE *f, const lr_chart *charts, size_t n, const char *title, int flags);

/* Decode steps of a generation (as lr_generate runs it): the latency of
 * step i (i = 0 .. gen-1, with prompt + i tokens cached) at n steps spread
 * evenly over the generation, the first and the last included. Fills
 * step[] and tpot_s[] (n entries each) and returns how many were written
 * (fewer than n when gen < n); -1 with `err` on failure. `r` is scratch. */
LR_API int lr_gen_steps(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                        const lr_settings *s, double prompt, double gen, size_t n, double *step,
                        double *tpot_s, lr_result *r, lr_error *err);
/* The same, with each step's expected time (the engine's, as lr_generate's
 * expected TPOT counts it) in expected_s (n entries; may be NULL). */
LR_API int lr_gen_steps_expected(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                                 const lr_settings *s, double prompt, double gen, size_t n,
                                 double *step, double *tpot_s, double *expected_s, lr_result *r,
                                 lr_error *err);

/* One self-contained HTML page (inline CSS and SVG, the data as JSON in a
 * <script type="application/json">, nothing fetched): the settings, the
 * totals, the charts of lr_svg_analysis plus `extra` charts, the per-op
 * table of each stage and, when `g` is not NULL, the generation summary. */
LR_API int lr_html_report(FILE *f, const lr_result *r, const lr_plan *plan, const char *model,
                          const lr_gen *g, const lr_chart *extra, size_t nextra);

/* ---- JSON writer ----------------------------------------------------------
 * Streaming, for outputs of any size: numbers in the shortest form that
 * reads back to the same double, keys in the order written, strings escaped.
 * Tools built on the library use it so that their JSON matches ours. */

#define LR_JW_MAXDEPTH 32

typedef struct lr_jw {
    FILE *f;
    int pretty;
    int depth;
    int after_key;
    int count[LR_JW_MAXDEPTH];
} lr_jw;

LR_API void lr_jw_init(lr_jw *w, FILE *f, int pretty);
LR_API void lr_jw_obj(lr_jw *w);
LR_API void lr_jw_end_obj(lr_jw *w);
LR_API void lr_jw_arr(lr_jw *w);
LR_API void lr_jw_end_arr(lr_jw *w);
LR_API void lr_jw_key(lr_jw *w, const char *k);
LR_API void lr_jw_str(lr_jw *w, const char *s);
LR_API void lr_jw_num(lr_jw *w, double v);
LR_API void lr_jw_bool(lr_jw *w, int b);
LR_API void lr_jw_null(lr_jw *w);
LR_API void lr_jw_kstr(lr_jw *w, const char *k, const char *s);
LR_API void lr_jw_knum(lr_jw *w, const char *k, double v);
LR_API void lr_jw_kbool(lr_jw *w, const char *k, int b);
/* Writes every setting of the table as "name": value pairs into the open
 * object (numbers, flags as booleans, choices as their names), leaving out
 * those named in `skip` (comma-separated: "seq_len,batch"; may be NULL). */
LR_API void lr_jw_settings(lr_jw *w, const lr_settings *s, const char *skip);
/* 1 when `name` is one of the comma-separated names of `list` (may be
 * NULL): the `skip` of lr_jw_settings. */
LR_API int lr_name_listed(const char *list, const char *name);
/* Writes "memory": {weights, kv_cache, activations, total, device, fits}. */
LR_API void lr_jw_memory(lr_jw *w, const lr_memory *m);
/* "Did you mean": up to 3 of the n `names` closest to `typed` (every word
 * typed among a name's words, or a few edits apart ignoring case and
 * punctuation), best first, as "a, b, c" in buf; returns how many. The CLI
 * suggests options and commands with it. */
LR_API size_t lr_suggest_names(const char *typed, const char *const *names, size_t n, char *buf,
                               size_t cap);
/* Shortest decimal form of v that reads back exactly; "null" if not finite. */
LR_API void lr_fmt_double(char *buf, size_t cap, double v);
/* A finite decimal number, the whole text (no hex, inf or nan, which strtod
 * alone would take): how settings and options read numbers. -1 if not. */
LR_API int lr_parse_number(const char *text, double *out);
/* A whole number from min to max; -1 with err's msg "NAME: expected a whole
 * number from MIN to MAX, got 'TEXT'" (NAME as the caller spells it). */
LR_API int lr_parse_whole(const char *name, const char *text, double min, double max, double *out,
                          lr_error *err);

/* ---- Op explanations and listings ------------------------------------------
 * What the web API and `--format json` of the CLI show besides analyses:
 * one op's formulas with the values put in, and the databases as JSON
 * (docs/json-output.md). The writers write one value into `w` at any
 * nesting (after a key, in an array, or at the top). */

/* One parameter of the op's module at its node. */
typedef struct lr_explain_param {
    char *name;
    int given;     /* 1 when the node gives it */
    char *formula; /* ... as a formula over runtime variables, else NULL */
    double value;  /* ... as a number (when given and formula is NULL) */
    char *def;     /* the module's default formula, or NULL (required) */
} lr_explain_param;

/* One field of the op in one stage. */
typedef struct lr_explain_field {
    enum lr_field field; /* as results name it: a KV node's store_act is store_kv */
    char *formula;       /* the module's text */
    char *text;          /* with every {name} that has a value replaced by it */
    double value;        /* the field's value (NaN when it cannot be evaluated) */
} lr_explain_field;

typedef struct lr_explain_name {
    char *name; /* a parameter, a runtime variable (its own name) or out_bytes */
    double value;
} lr_explain_name;

typedef struct lr_explain_stage {
    lr_explain_field *fields; /* in field order, the op's formulas only */
    size_t nfields;
    lr_explain_name *names; /* names the formulas use, in order of first use */
    size_t nnames;
    lr_op op; /* the op's record from lr_analyze (its strings point into the lr_explain) */
} lr_explain_stage;

typedef struct lr_explain {
    char *path;   /* the op's path, as in lr_op.path */
    char *op;     /* the module's op name */
    char *kind;   /* matmul, attention, ... */
    char *node;   /* the node's path ("" for the root) */
    char *cls;    /* the module's class */
    char *module; /* the module's key */
    lr_explain_param *params;
    size_t nparams;
    lr_explain_stage stage[2]; /* LR_PREFILL, LR_DECODE */
} lr_explain;

/* The op at `path` of `arch` (as lr_op.path names it) with its formulas per
 * field, the names they use with their values, and their values, in prefill
 * and decode for settings `s` on `hw`; names resolve as the plan compiler
 * binds them (module parameters, then runtime variables, then out_bytes).
 * NULL with `err` when the tree does not compile, no op has that path, or
 * the analysis fails. */
LR_API lr_explain *lr_plan_explain_op(const lr_arch *arch, const lr_profile *prof, const lr_hw *hw,
                                      const lr_settings *s, const char *path, lr_error *err);
LR_API void lr_explain_free(lr_explain *x);

/* ---- One module entry on its own (`llmroof op`) ------------------------- */

/* A model of one node: the entry `cls` (a full class name, an alias or an
 * entry key) with parameters names[i] = values[i] (a number, or a formula
 * over the runtime variables such as "{B} * {S}"). Only the entry's own ops
 * are evaluated (a composite's sub-layers are not in the tree); plan and
 * analyse it like any model (lr_plan_new, lr_analyze, lr_report_write).
 * NULL with `err`: an unknown class (with the closest known ones), a name
 * that is not a parameter of the entry, one given twice, or a parameter
 * without a default that is not given (each message names the parameter and
 * lists the entry's). Free with lr_arch_free. */
LR_API lr_arch *lr_op_arch(const lr_db *db, const char *cls, const char *const *names,
                           const char *const *values, size_t n, lr_error *err);

/* {path, op, kind, node, class, module, parameters, formulas, prefill,
 * decode}: the reply of the web API's /api/op. */
LR_API void lr_jw_explain(lr_jw *w, const lr_explain *x);
/* One device: every field of lr_hw (a peak of 0 is null). */
LR_API void lr_jw_device(lr_jw *w, const lr_hw *h);
/* {profile, default, hardware: [devices]}: /api/hardware. */
LR_API void lr_jw_hardware(lr_jw *w, const char *profile, const char *default_id,
                           const lr_hwdb *db);
/* {profile, default, engines: [{name, description, attention (the kernel,
 * text), flash_attention, fp16_accumulate, cuda_graphs {prefill, decode},
 * kv_block_size, max_batched_tokens, mem_util, runtime_bytes (null: the
 * row's default, or the hardware's runtime)}]}: the profile's engine
 * presets (`profile`: its name as given), `llmroof engines` and
 * /api/engines. */
LR_API void lr_jw_engines(lr_jw *w, const char *profile, const lr_profile *prof);
/* One module entry: key, class, aliases, composite, parameters with
 * defaults, weights, ops with their formulas; with `with_file` also the
 * file it came from. Without: /api/formulas. */
LR_API void lr_jw_module(lr_jw *w, const lr_module *m, int with_file);
/* {profile, modules: [entries with their files]}. */
LR_API void lr_jw_modules(lr_jw *w, const char *profile, const lr_db *db);

/* A bundled model as a listing shows it: loaded (arch and plan) or not
 * (error says why). */
typedef struct lr_model_entry {
    char *id;
    lr_arch *arch; /* NULL when the model does not build in this profile */
    lr_plan *plan;
    char *error; /* then: why, as lr_error_format words it */
} lr_model_entry;
/* Every bundled model of models_dir (sorted by id) loaded through the
 * templates of `prof` and compiled against its database; *n entries, each
 * with its arch and plan or its error. The caller owns the array: free it
 * with lr_model_entries_free. */
LR_API lr_model_entry *lr_models_load_all(const char *models_dir, const lr_profile *prof,
                                          size_t *n);
LR_API void lr_model_entries_free(lr_model_entry *es, size_t n);
/* By id, then by the name after the organisation, any case; NULL if none. */
LR_API const lr_model_entry *lr_model_entries_find(const lr_model_entry *es, size_t n,
                                                   const char *name);
/* {profile, default, models: [{name, analysable, family, params, context}
 * or {name, analysable, error}]}: /api/models. */
LR_API void lr_jw_models(lr_jw *w, const char *profile, const char *default_model,
                         const lr_model_entry *models, size_t n);
/* The object lr_gen_write_json writes, into `w` at any nesting. */
LR_API void lr_jw_generation(lr_jw *w, const lr_gen *g, const lr_plan *plan, const char *model,
                             const lr_hw *hw, const lr_settings *s, const lr_profile *prof);

/* ---- Serving plan (`llmroof serve-plan`) --------------------------------- */

typedef struct lr_serve_row {
    double batch;
    lr_gen g;
    int ok; /* within the targets (judged on the expected times) */
} lr_serve_row;

typedef struct lr_serve_plan {
    /* in: the lengths, and the targets (0: none) */
    double prompt, gen;
    double max_tpot_s, max_ttft_s;
    double batch_cap; /* largest batch to consider (--max-batch) */
    /* out */
    double max_batch; /* the largest batch that fits (lr_max_batch) */
    lr_memory mem;    /* the memory plan at that batch */
    lr_serve_row *rows;
    size_t n;
    int best; /* the row with the highest expected output tokens/s within the
                 targets, -1 if none */
} lr_serve_plan;

/* Fills the out part of `sp`: lr_check_fit (a model that does not fit at
 * batch 1 is an error naming the smallest --tp that would), lr_max_batch,
 * the memory at it, then a generation per batch: every size up to 64,
 * powers of two beyond, and the maximum (or batch_cap). `s`'s batch and
 * seq_len are ignored; `r` is scratch. Free rows with lr_serve_plan_free
 * (also after -1). */
LR_API int lr_serve_plan_run(const lr_arch *arch, const lr_plan *plan, const lr_profile *prof,
                             const lr_hw *hw, const lr_settings *s, lr_serve_plan *sp, lr_result *r,
                             lr_error *err);
LR_API void lr_serve_plan_free(lr_serve_plan *sp);
/* `llmroof serve-plan --format json` (docs/json-output.md) into `w`. */
LR_API void lr_jw_serve_plan(lr_jw *w, const lr_serve_plan *sp, const char *model, const lr_hw *hw,
                             const lr_settings *s, const lr_profile *prof);

/* One row of `llmroof sweep --format jsonl`: {model, profile, hardware,
 * every setting, prefill: {flops, bytes, latency_s, expected_latency_s,
 * expected_band}, decode: {...}, memory_total, fits, params,
 * active_params (lr_plan_params, lr_plan_active_params)} and, when `g` is not
 * NULL (a generation per row), generation: {prompt_len, gen_len, ttft_s,
 * tpot_mean_s, latency_s, output_tokens_per_s and their expected_*}. */
LR_API void lr_jw_sweep_row(lr_jw *w, const char *model, const lr_plan *plan, const lr_result *r,
                            const lr_gen *g);

/* ---- JSON in, JSON out: the entry point of language bindings ---------------
 * One call runs a command as the CLI runs it and returns the JSON the CLI
 * writes with --format json (docs/python.md lists the requests):
 *   {"command": "analyze" | "generate" | "serve_plan" | "sweep" | "hardware"
 *               | "models",
 *    "model": ID or path, "hardware": ID, "profile": NAME or directory,
 *    "data_dir": DIR (default lr_data_dir()), "stage": "prefill" | "decode"
 *    | "both", "settings": {NAME: VALUE, ...} (the settings table's names;
 *    sweep: a value or a list of values), "set": ["NAME=VALUE", ...]
 *    (config fields), "hw_set": ["KEY=VALUE", ...], "prompt_len",
 *    "gen_len", "max_tpot_s", "max_ttft_s", "max_batch"}.
 * Returns a string the caller frees with lr_free, or NULL with `err` and
 * *code (may be NULL) the CLI's exit code for the cause: 1 a bad request
 * (unknown command, key, id or value), 2 an input file, 3 the analysis. */
LR_API char *lr_json_call(const char *request_json, int *code, lr_error *err);
/* Frees what lr_json_call returned (NULL is fine). */
LR_API void lr_free(void *p);

/* ---- Serving simulation (docs/simulate.md) --------------------------------
 * A discrete-event simulation of serving instances under a stream of
 * requests, scheduled as vLLM's V1 engine does (continuous batching,
 * chunked prefill, paged KV blocks, preemption by recompute, prefix
 * caching), each step timed by the expected per-op times of the batch it
 * runs. */

/* One request: when it arrives, its prompt and output lengths (tokens) and
 * the leading prompt tokens found in the prefix cache (-1: the config's
 * prefix_hit share). */
typedef struct lr_sim_request {
    double arrival_s, prompt, output, prefix;
} lr_sim_request;

enum lr_sim_route { LR_ROUTE_ROUND_ROBIN, LR_ROUTE_LEAST_LOADED };

typedef struct lr_sim_config {
    double max_num_seqs; /* sequences per step (vLLM --max-num-seqs, 256) */
    double kv_blocks;    /* KV blocks per instance; 0: the memory plan's capacity */
    double prefix_hit;   /* share of each prompt in the prefix cache (0..1) */
    double spec_tokens;  /* speculative tokens per step (0: none) */
    double spec_accept;  /* acceptance probability of each (0..1) */
    int replicas;        /* aggregated instances (>= 1) */
    enum lr_sim_route route;
    int disagg_prefill;            /* > 0: prefill instances of a disaggregated layout */
    int disagg_decode;             /* its decode instances */
    double slo_ttft_s, slo_tpot_s; /* goodput targets, 0: none */
} lr_sim_config;

/* vLLM's defaults: 256 sequences, one instance, round-robin, no SLO. */
LR_API void lr_sim_config_default(lr_sim_config *c);

typedef struct lr_sim_stat {
    double mean, p50, p90, p99;
} lr_sim_stat;

/* What happened to one request (times in seconds from the start). */
typedef struct lr_sim_req_result {
    double arrival_s, prompt, output, prefix_hit; /* prefix_hit: tokens not computed */
    double scheduled_s;                           /* first scheduled */
    double first_token_s, finish_s;
    double ttft_s, tpot_s, e2e_s, queue_s;
    double preemptions;
    int instance; /* the (decode) instance that finished it */
} lr_sim_req_result;

typedef struct lr_sim_result {
    size_t nreq;
    lr_sim_req_result *req; /* nreq, in input order */
    lr_sim_stat ttft_s, tpot_s, itl_s, e2e_s, queue_s;
    double duration_s; /* first arrival to last finish */
    double requests_per_s, output_tokens_per_s, total_tokens_per_s;
    double goodput_requests_per_s; /* requests meeting both SLOs per second */
    double slo_met;                /* their share */
    double preemptions, steps;
    double prefill_tokens;       /* prompt tokens computed (recomputation included) */
    double kv_blocks, kv_tokens; /* per instance */
    double instances, devices;   /* devices: instances x tp x pp */
    double mean_batch;           /* sequences per step, mean over steps */
    /* instance 0 over time, at most LR_SIM_SERIES points spread evenly */
    size_t nseries;
    double *series_t, *series_kv, *series_batch; /* kv: share of blocks in use */
    char engine[LR_ENGINE_MAX];
} lr_sim_result;
#define LR_SIM_SERIES 1000

/* Simulates n requests (any order of arrival) on `s`'s deployment (tp x pp
 * per instance; dp and micro-batches must be 1: use replicas). Fills `out`
 * (free with lr_sim_result_free, also after -1). */
LR_API int lr_simulate(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                       const lr_settings *s, const lr_sim_config *c, const lr_sim_request *reqs,
                       size_t n, lr_sim_result *out, lr_error *err);
LR_API void lr_sim_result_free(lr_sim_result *r);

/* The step-time function the simulation uses, for tests and tools: a
 * batch of `ndecode` decode sequences of `dtok` tokens each (1, or the
 * K + 1 of a speculative verify pass) whose contexts (tokens attended, the
 * profile's decode_ctx_offset included) sum to ctx_sum, plus `nchunk`
 * prompt chunks: chunk i has q[i] new tokens attending ctx[i] (its own
 * included). Returns the expected step time in seconds, or -1 with err.
 * The stepper is built for `s`'s deployment (its batch and seq_len are
 * ignored). */
typedef struct lr_stepper lr_stepper;
LR_API lr_stepper *lr_stepper_new(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
                                  const lr_settings *s, lr_error *err);
LR_API void lr_stepper_free(lr_stepper *st);
LR_API double lr_stepper_time(lr_stepper *st, double ndecode, double dtok, double ctx_sum,
                              size_t nchunk, const double *q, const double *ctx, lr_error *err);

/* Requests from a CSV file with a header naming arrival_s, prompt_len,
 * output_len and optionally prefix_len (any order); *reqs is the caller's
 * (free()). Errors name the file, line and column. */
LR_API int lr_sim_trace_load(const char *path, lr_sim_request **reqs, size_t *n, lr_error *err);
/* n requests of the workload file `path` (data/workloads/NAME.json):
 * lengths drawn from its distributions, arrivals Poisson at `rate` req/s
 * (0: all at once), deterministic for a seed (xoshiro256**, seeded by
 * splitmix64). *reqs is the caller's (free()). */
LR_API int lr_workload_requests(const char *path, double rate, size_t n, uint64_t seed,
                                lr_sim_request **reqs, lr_error *err);
/* The same PRNG: uniform in [0, 1) from the state s[4]. */
LR_API void lr_rng_seed(uint64_t s[4], uint64_t seed);
LR_API double lr_rng_uniform(uint64_t s[4]);

/* A simulation's JSON object (`llmroof simulate --format json`, and
 * /api/simulate's reply): what was simulated, how the requests were made
 * (source: "sharegpt, Poisson arrivals", "trace FILE"...; rate NaN when
 * not Poisson), and the result. */
typedef struct lr_sim_report {
    const char *model;
    const lr_hw *hw;
    const lr_profile *prof;
    const lr_settings *settings;
    const lr_sim_config *config;
    const char *source;
    double rate, seed;
    const lr_sim_result *result;
} lr_sim_report;
LR_API void lr_jw_simulation(lr_jw *w, const lr_sim_report *x);
/* A simulation as one self-contained HTML page, as lr_html_report's: the
 * latency percentiles (TTFT, TPOT, ITL, E2E, queueing), throughput,
 * goodput and preemptions, `charts` inline, the data as lr_jw_simulation's
 * JSON in a <script type="application/json">. */
LR_API int lr_html_simulation(FILE *f, const lr_sim_report *x, const lr_chart *charts,
                              size_t ncharts);

/* ---- Capacity planning (docs/simulate.md) --------------------------------
 * For each device, tensor-parallel degree, pipeline degree, expert split
 * (MoE models) and sequence limit, the fewest
 * instances (aggregated replicas, or decode instances beside 1, 2 or 4
 * prefill instances) whose simulation of `reqs` meets the SLOs at a
 * percentile; then the Pareto front of output tokens/s per device against
 * tokens/s per user (1 / mean TPOT) among those that meet them. */
typedef struct lr_cap_space {
    const lr_hw *const *hw; /* devices to try */
    size_t nhw;
    const double *tp; /* tensor-parallel degrees */
    size_t ntp;
    const double *seqs; /* max_num_seqs values */
    size_t nseqs;
    int disagg;        /* also disaggregated layouts */
    int max_instances; /* per configuration */
    double percentile; /* 50, 90 or 99 */
    const double *pp;  /* pipeline degrees (NULL or none: 1); skipped where the model's tree
                          has no pipeline parallelism */
    size_t npp;
    int expert_parallel; /* a MoE model's tp > 1 also tried with ep = tp (vLLM's
                            --enable-expert-parallel); other models: ep 1 only */
} lr_cap_space;

typedef struct lr_cap_config {
    const lr_hw *hw;
    double tp, pp, ep, max_num_seqs;
    int replicas;        /* aggregated: instances; disaggregated: 0 */
    int prefill, decode; /* disaggregated pools, else 0 */
    int meets_slo, pareto;
    double devices;
    double tokens_per_s_per_gpu, tokens_per_s_per_user;
    lr_sim_stat ttft_s, tpot_s;
} lr_cap_config;

/* Fills *out (the caller frees it with free()) with one configuration per
 * point of the space that runs at all (those whose model does not fit
 * are left out), cheapest first (devices, then tokens/s per user). `s`
 * gives every other setting; c gives the SLOs and the rest of the
 * simulation. Returns the count, or -1 with err. */
LR_API int lr_capacity_search(const lr_plan *plan, const lr_profile *prof,
                              const lr_cap_space *space, const lr_settings *s,
                              const lr_sim_config *c, const lr_sim_request *reqs, size_t n,
                              lr_cap_config **out, lr_error *err);

/* ---- Calibration: fitting the efficiency model (docs/calibrate.md) ------
 * Measured times (CSV: the kernel tables of ../shared/kernels, GEMM and
 * context/generation attention, or the end-to-end format) are predicted
 * with the efficiency model of one device, and the parameters of its class
 * (per op kind) fitted to them by minimising the mean squared log error
 * (deterministic coordinate descent). Owned by the caller: lr_calib_free. */
typedef struct lr_calib lr_calib;

typedef struct lr_calib_opts {
    const char *engine; /* NULL or "": the profile's default */
    int graphs;         /* -1: as the engine runs the stage; 0/1: measured without/with
                           CUDA graphs (aiconfigurator's tables: 1) */
    int folds;          /* k of the k-fold leave-out estimate (0: none) */
    size_t max_rows;    /* per file, every n-th row beyond this many (0: all) */
} lr_calib_opts;

/* Residuals of one category: measured / expected over its rows. */
typedef struct lr_calib_stats {
    const char *category; /* gemm, context_attention, generation_attention, end_to_end, all */
    size_t n;
    double median, p10, p90; /* of measured / expected */
    double median_abs_err;   /* median of |expected - measured| / measured */
} lr_calib_stats;

LR_API lr_calib *lr_calib_new(void);
LR_API void lr_calib_free(lr_calib *c);
/* Reads one CSV file's rows (its format from its header); a bad row is an
 * error naming file, line and column. *skipped: rows left out (features not
 * modelled: sliding windows), may be NULL. */
LR_API int lr_calib_read(lr_calib *c, const char *file, size_t *skipped, lr_error *err);
LR_API size_t lr_calib_rows(const lr_calib *c);
/* Predicts every row on `hw` with the current parameters, fits, and
 * computes the residuals before and after (and held out, with folds). */
LR_API int lr_calib_fit(lr_calib *c, const lr_profile *prof, const lr_hw *hw,
                        const lr_calib_opts *o, lr_error *err);
/* After lr_calib_fit: which = 0 before, 1 after, 2 held out; i < count. */
LR_API size_t lr_calib_stats_count(const lr_calib *c);
LR_API const lr_calib_stats *lr_calib_stats_get(const lr_calib *c, int which, size_t i);
/* The class fitted (the hardware's, or its id when it has none). */
LR_API const char *lr_calib_class(const lr_calib *c);
/* Fitted parameter count, and each as (kind, parameter name, before, after). */
LR_API size_t lr_calib_param_count(const lr_calib *c);
LR_API void lr_calib_param(const lr_calib *c, size_t i, const char **kind, const char **name,
                           double *before, double *after);
/* The fitted parameter `name` of `kind`; NAN when it was not fitted. */
LR_API double lr_calib_value(const lr_calib *c, const char *kind, const char *name);
/* End-to-end rows name models: after lr_calib_read, the caller loads each
 * (as its analyses do) and lends its plan, which must outlive
 * lr_calib_fit. */
LR_API size_t lr_calib_model_count(const lr_calib *c);
LR_API const char *lr_calib_model_name(const lr_calib *c, size_t i);
LR_API void lr_calib_set_plan(lr_calib *c, size_t i, const lr_plan *plan);
/* The engine whose step overheads were fitted, and per stage (0 prefill,
 * 1 decode) the step_overhead_s before and after; returns 1 when the
 * stage was fitted (end-to-end rows move with it). */
LR_API const char *lr_calib_engine(const lr_calib *c);
LR_API int lr_calib_overhead(const lr_calib *c, int stage, double *before, double *after);
/* 1 when kernel rows were read (the efficiency parameters are fitted). */
LR_API int lr_calib_has_kernels(const lr_calib *c);
/* The efficiency file (data/efficiency schema) of the fit: {status,
 * source, classes: {CLASS: {band_low, band_high, kinds: {...}}}}. */
LR_API void lr_jw_calibration(lr_jw *w, const lr_calib *c);
/* Lays an efficiency file (the data/efficiency schema, e.g. a calibration)
 * over the profile's efficiency data, parameter by parameter: call before
 * analysing with the profile. */
LR_API int lr_profile_add_efficiency(lr_profile *p, const char *file, lr_error *err);

#ifdef __cplusplus
}
#endif
#endif
