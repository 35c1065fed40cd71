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
lr_arch *lr_arch_from_config_obj(json_t *cfg, const char *source, const char *template_dir,
                                 lr_error *err);

/* ---- arch.c ---- */
void lr_node_add_param(lr_node *n, const char *name, double value, const char *formula);

#endif
