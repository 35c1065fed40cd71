/*
 * input/input.h: the door of src/input/: everything that turns a model argument
 * into an architecture tree (bundled ids, config.json through templates,
 * architecture JSON, print(model) text, GGUF and safetensors headers).
 * Upstream: registry/.
 */
#ifndef LR_INPUT_H
#define LR_INPUT_H

#include "registry/registry.h"

/* ---- template.c ---- */
typedef struct json_t json_t;
/* Builds a tree from a parsed config object (not consumed); `source` names
 * it in errors. */
/* Loads a config.json (caller decrefs), reading Python's bare Infinity,
 * -Infinity and NaN as null; NULL and `err` filled when it is not JSON. */
json_t *lr_config_load(const char *path, lr_error *err);
/* The same from a text; `name` names it in errors. */
json_t *lr_config_loads(const char *text, const char *name, lr_error *err);
lr_arch *lr_arch_from_config_obj(json_t *cfg, const char *source, const char *template_dir,
                                 lr_error *err);
/* The same with the template forced by family name (`family` NULL: chosen
 * by the config's class, then its model_type). */
lr_arch *lr_arch_from_config_family(json_t *cfg, const char *source, const char *template_dir,
                                    const char *family, lr_error *err);

/* ---- arch.c ---- */
/* Frees what the node owns (not the node itself). */
void lr_node_free_contents(lr_node *n);
void lr_node_add_param(lr_node *n, const char *name, double value, const char *formula);
/* A node's "weight_role" (absent: leaves n->wrole); errors name file and path. */
int lr_node_read_wrole(lr_node *n, const json_t *v, const char *file, const char *path,
                       lr_error *err);

/* ---- quant.c ---- */
/* Fills a->quant from cfg's quantization_config (or text_config's), else
 * from the hf_quant_config.json beside `source`, and marks the modules
 * they exclude LR_WR_KEEP. Errors name the file and the JSON path. */
int lr_arch_read_quant(lr_arch *a, json_t *cfg, const char *source, lr_error *err);

/* An architecture JSON already parsed (not consumed); `source` names it. */
lr_arch *lr_arch_from_json_obj(json_t *root, const char *source, lr_error *err);

/* ---- repr.c ---- */
/* A --set value as JSON: true, false, null, a number, else a string. */
json_t *lr_config_set_value(const char *s);
/* The object that holds cfg's dotted field `key` ("a.b": field b of the
 * object a), its objects made along the way when `make` (else NULL where
 * one is missing); *leaf: the last component, pointing into key. */
json_t *lr_config_parent(json_t *cfg, const char *key, int make, const char **leaf);

#endif
