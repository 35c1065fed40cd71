/*
 * weights_check.c: what weight files beside a model say about it. A GGUF
 * file's tensors fix the bits per weight (mixed types in a Q4_K_M file give
 * a fractional width); safetensors beside a config.json are counted against
 * the plan's tree, and tensors with no node in it are named. The results
 * are data for the caller to show (the CLI prints notes and warnings, a
 * server may return them); nothing here prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

double
lr_arch_weight_bits(const lr_arch *arch)
{
    if (!(arch->weight_bytes > 0 && arch->weight_params > 0))
        return 0;
    double bits = arch->weight_bytes * 8 / arch->weight_params;
    return bits < 1 ? 1 : bits;
}

double
lr_arch_weight_coverage(const lr_arch *arch, const lr_plan *plan)
{
    double params = lr_plan_params(plan);
    if (!(arch->weight_params > 0 && params > 0))
        return 0;
    return arch->weight_params / params;
}

/* "model.layers.12.mlp.up_proj.weight" -> "model.layers.mlp.up_proj": the
 * path of the tree node that holds the tensor (repeats collapse, the last
 * part names the tensor, not a node). */
static void
tensor_node_path(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < cap;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int digits = len > 0 && strspn(p, "0123456789") == len;
        if (!digits && dot)
            n += (size_t)snprintf(out + n, cap - n, "%s%.*s", n ? "." : "", (int)len, p);
        p += len + (dot != NULL);
    }
    out[n < cap ? n : cap - 1] = '\0';
}

/* Some op of the plan lies at `path` or below it. */
static int
plan_has_path(const lr_plan *plan, const char *path)
{
    size_t l = strlen(path);
    for (size_t i = 0; i < plan->nops; i++) {
        const char *p = plan->ops[i].path;
        if (!strncmp(p, path, l) && (p[l] == '\0' || p[l] == '.'))
            return 1;
    }
    return 0;
}

/* The directory that would hold safetensors for `model` (the model itself,
 * or a config file's directory) into dir; 0 when it has none. */
static int
safetensors_dir(const char *model, char *dir, size_t cap)
{
    if (lr_is_dir(model)) {
        snprintf(dir, cap, "%s", model);
    } else {
        const char *slash = strrchr(model, '/');
        if (!slash || !lr_is_file(model))
            return 0;
        snprintf(dir, cap, "%.*s", (int)(slash - model), model);
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/model.safetensors.index.json", dir);
    if (lr_is_file(probe))
        return 1;
    snprintf(probe, sizeof probe, "%s/model.safetensors", dir);
    return lr_is_file(probe);
}

static void
add_missing(lr_safetensors_check *c, const lr_tensor_info *t, const char *node)
{
    lr_missing_tensor *m = &c->missing[c->nmissing++];
    m->name = lr_xstrdup(t->name);
    m->node = lr_xstrdup(node);
    m->elements = t->elements;
}

int
lr_safetensors_check_model(const lr_plan *plan, const char *model, lr_safetensors_check *c,
                           lr_error *err)
{
    memset(c, 0, sizeof *c);
    lr_err_clear(err);
    char dir[4096];
    if (!safetensors_dir(model, dir, sizeof dir))
        return 0;
    lr_weights_info info;
    if (lr_safetensors_read(dir, &info, err) < 0)
        return -1;
    c->checked = 1;
    c->file_params = info.params;
    c->ntensors = info.ntensors;
    c->tree_params = lr_plan_params(plan);
    /* only a mismatch needs explaining: the tensors the tree has no node for */
    for (size_t i = 0;
         c->file_params != c->tree_params && i < info.ntensors && c->nmissing < LR_MAX_MISSING;
         i++) {
        char node[512];
        tensor_node_path(info.tensors[i].name, node, sizeof node);
        if (!plan_has_path(plan, node))
            add_missing(c, &info.tensors[i], node);
    }
    lr_weights_info_free(&info);
    return 0;
}

void
lr_safetensors_check_free(lr_safetensors_check *c)
{
    for (size_t i = 0; i < c->nmissing; i++) {
        free(c->missing[i].name);
        free(c->missing[i].node);
    }
    memset(c, 0, sizeof *c);
}
