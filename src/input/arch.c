/*
 * arch.c: the architecture tree: freeing, lookup, and loading the
 * prototype's architecture JSON ({name, class, parameters, sub_layers}),
 * with our optional node fields repeat, output and tied.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

void
lr_node_free_contents(lr_node *n)
{
    free(n->name);
    free(n->cls);
    free(n->op);
    free(n->when);
    for (size_t i = 0; i < n->nparams; i++) {
        free(n->params[i].name);
        free(n->params[i].formula);
    }
    free(n->params);
    for (size_t i = 0; i < n->nsubs; i++)
        lr_node_free_contents(&n->subs[i]);
    free(n->subs);
}

void
lr_arch_free(lr_arch *a)
{
    if (!a)
        return;
    lr_node_free_contents(&a->root);
    free(a->name);
    free(a->file);
    free(a->family);
    free(a->image_tokens);
    free(a);
}

const lr_param *
lr_node_param(const lr_node *n, const char *name)
{
    for (size_t i = 0; i < n->nparams; i++)
        if (strcmp(n->params[i].name, name) == 0)
            return &n->params[i];
    return NULL;
}

void
lr_node_add_param(lr_node *n, const char *name, double value, const char *formula)
{
    n->params = lr_xrealloc(n->params, n->nparams + 1, sizeof *n->params);
    lr_param *p = &n->params[n->nparams++];
    p->name = lr_xstrdup(name);
    p->value = value;
    p->formula = formula ? lr_xstrdup(formula) : NULL;
}

int
lr_node_read_wrole(lr_node *n, const json_t *v, const char *file, const char *path, lr_error *err)
{
    if (!v)
        return 0;
    int r = lr_wrole_lookup(json_string_value(v));
    if (r < 0) {
        lr_err_set(err, file, path,
                   "\"weight_role\" must be \"quantized\", \"embedding\", \"lm_head\" or "
                   "\"keep\"");
        return -1;
    }
    n->wrole = r;
    return 0;
}

static int
load_node(json_t *o, lr_node *n, const char *file, const char *path, lr_error *err)
{
    memset(n, 0, sizeof *n);
    n->repeat = 1;
    if (!json_is_object(o)) {
        lr_err_set(err, file, path, "expected a node object {name, class, parameters, sub_layers}");
        return -1;
    }
    static const char *const keys[] = {"name",   "class",    "parameters", "sub_layers",
                                       "repeat", "output",   "tied",       "description",
                                       "op",     "pipeline", "weight_role"};
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        size_t i;
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(key, keys[i]) == 0)
                break;
        if (i == sizeof keys / sizeof keys[0]) {
            lr_err_set(err, file, path,
                       "unknown key '%s' (expected name, class, parameters, sub_layers, repeat, "
                       "output, tied, op, pipeline, weight_role)",
                       key);
            return -1;
        }
    }
    if (lr_node_read_wrole(n, json_object_get(o, "weight_role"), file, path, err) < 0)
        return -1;
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *cls = json_string_value(json_object_get(o, "class"));
    const char *op = json_string_value(json_object_get(o, "op"));
    if (op && *op && !cls) {
        /* a placeholder for one of the parent's own ops */
        n->op = lr_xstrdup(op);
        n->name = lr_xstrdup(op);
        n->cls = lr_xstrdup("");
        return 0;
    }
    if (!cls || !*cls) {
        lr_err_set(err, file, path, "node needs a \"class\" string");
        return -1;
    }
    n->name = lr_xstrdup(name ? name : "");
    n->cls = lr_xstrdup(cls);
    json_t *rep = json_object_get(o, "repeat");
    if (rep) {
        double r = json_number_value(rep);
        if (!json_is_number(rep) || r < 1 || r != floor(r) || r > 1e9) {
            lr_err_set(err, file, path, "\"repeat\" must be a whole number from 1 to 1e9");
            return -1;
        }
        n->repeat = r;
    }
    json_t *out = json_object_get(o, "output");
    if (out) {
        const char *s = json_string_value(out);
        if (!s || (strcmp(s, "kv") != 0 && strcmp(s, "act") != 0)) {
            lr_err_set(err, file, path, "\"output\" must be \"act\" or \"kv\"");
            return -1;
        }
        n->output_kv = strcmp(s, "kv") == 0;
    }
    n->tied = json_is_true(json_object_get(o, "tied"));
    n->pipeline = json_is_true(json_object_get(o, "pipeline"));
    json_t *params = json_object_get(o, "parameters");
    if (params && !json_is_object(params)) {
        lr_err_set(err, file, path, "\"parameters\" must be an object of numbers or formulas");
        return -1;
    }
    json_object_foreach(params, key, v)
    {
        char ppath[700];
        snprintf(ppath, sizeof ppath, "%s.parameters.%s", path, key);
        if (json_is_number(v)) {
            double d = json_number_value(v);
            if (!isfinite(d) || d < 0) {
                lr_err_set(err, file, ppath, "expected a finite non-negative number, got %g", d);
                return -1;
            }
            lr_node_add_param(n, key, d, NULL);
        } else if (json_is_boolean(v)) {
            lr_node_add_param(n, key, json_is_true(v), NULL);
        } else if (json_is_string(v)) {
            /* a formula over runtime variables, checked when a plan binds it */
            lr_node_add_param(n, key, 0, json_string_value(v));
        } else if (!json_is_null(v)) {
            /* the prototype stores lists (shapes) for some layers: not numeric */
            continue;
        }
    }
    json_t *subs = json_object_get(o, "sub_layers");
    if (subs && !json_is_array(subs)) {
        lr_err_set(err, file, path, "\"sub_layers\" must be an array of nodes");
        return -1;
    }
    size_t ns = json_array_size(subs);
    n->subs = lr_xcalloc(ns, sizeof *n->subs);
    for (size_t i = 0; i < ns; i++) {
        char spath[700];
        snprintf(spath, sizeof spath, "%s.sub_layers[%zu]", path, i);
        n->nsubs++;
        if (load_node(json_array_get(subs, i), &n->subs[i], file, spath, err) < 0)
            return -1;
    }
    return 0;
}

lr_arch *
lr_arch_from_json_obj(json_t *root, const char *source, lr_error *err)
{
    json_t *top = root;
    const char *jpath = "$";
    if (json_object_get(root, "architecture")) {
        top = json_object_get(root, "architecture");
        jpath = "architecture";
    }
    lr_arch *a = lr_xcalloc(1, sizeof *a);
    const char *mname = json_string_value(json_object_get(root, "model_name"));
    a->name = lr_xstrdup(mname ? mname : source);
    a->file = lr_xstrdup(source);
    a->family = lr_xstrdup("");
    if (load_node(top, &a->root, source, jpath, err) < 0) {
        lr_arch_free(a);
        a = NULL;
    }
    return a;
}

lr_arch *
lr_arch_from_json_file(const char *path, lr_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return NULL;
    }
    lr_arch *a = lr_arch_from_json_obj(root, path, err);
    json_decref(root);
    return a;
}
