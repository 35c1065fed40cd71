/*
 * op.c: one module entry evaluated on its own (`llmroof op CLASS --param
 * NAME=VALUE ...`): a model of a single node of that class with the given
 * parameters. Only the entry's own ops are there (a composite entry such as
 * LlamaSdpaAttention brings its internal ops, not the projections around
 * it), and the model goes through the same plan, analysis and reports as
 * any other, so an op's roofline (and every per-op figure a later analysis
 * adds, such as an expected time) is exactly what `analyze` computes for it
 * inside a model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

/* The index of parameter `name` in entry `m`, or -1. */
static int
param_index(const lr_module *m, const char *name)
{
    for (size_t i = 0; i < lr_module_param_count(m); i++)
        if (strcmp(lr_module_param(m, i), name) == 0)
            return (int)i;
    return -1;
}

/* "a, b (default), c": the entry's parameters, for error messages. */
static void
param_list(const lr_module *m, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < lr_module_param_count(m) && len < cap; i++)
        len +=
            (size_t)snprintf(buf + len, cap - len, "%s%s%s", i ? ", " : "", lr_module_param(m, i),
                             lr_module_param_default(m, i) ? " (default)" : "");
}

/* Every name given must be a parameter of the entry, once; every parameter
 * without a default must be given. */
static int
check_params(const lr_module *m, const char *const *names, size_t n, lr_error *err)
{
    char list[1024];
    param_list(m, list, sizeof list);
    for (size_t i = 0; i < n; i++) {
        if (param_index(m, names[i]) < 0) {
            lr_err_set(err, "", "parameters", "%s has no parameter '%s' (its parameters: %s)",
                       lr_module_class(m), names[i], list);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                lr_err_set(err, "", "parameters", "parameter '%s' given twice", names[i]);
                return -1;
            }
    }
    for (size_t k = 0; k < lr_module_param_count(m); k++) {
        if (lr_module_param_default(m, k))
            continue;
        size_t i = 0;
        while (i < n && strcmp(names[i], lr_module_param(m, k)) != 0)
            i++;
        if (i == n) {
            lr_err_set(err, "", "parameters",
                       "missing parameter '%s' of %s (give --param %s=VALUE; its parameters: %s)",
                       lr_module_param(m, k), lr_module_class(m), lr_module_param(m, k), list);
            return -1;
        }
    }
    return 0;
}

lr_arch *
lr_op_arch(const lr_db *db, const char *cls, const char *const *names, const char *const *values,
           size_t n, lr_error *err)
{
    lr_err_clear(err);
    const lr_module *m = lr_db_lookup(db, cls);
    if (!m) {
        lr_db_unknown_class(db, cls, err);
        return NULL;
    }
    if (check_params(m, names, n, err) < 0)
        return NULL;
    lr_arch *a = lr_xcalloc(1, sizeof *a);
    a->name = lr_xstrdup(cls);
    a->file = lr_xstrdup("");
    a->family = lr_xstrdup("");
    a->root.name = lr_xstrdup("");
    a->root.cls = lr_xstrdup(lr_module_class(m));
    a->root.repeat = 1;
    for (size_t i = 0; i < n; i++) {
        /* a number is a value; anything else a formula over the runtime
         * variables ({B}, {S}, ...), as in an architecture JSON */
        double v;
        if (lr_parse_number(values[i], &v) == 0)
            lr_node_add_param(&a->root, names[i], v, NULL);
        else
            lr_node_add_param(&a->root, names[i], 0, values[i]);
    }
    return a;
}
