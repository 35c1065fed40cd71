/*
 * cmd_arch.c: `llmroof arch MODEL`: the architecture tree with parameters
 * and repeat counts, marking classes the module database lacks (the
 * prototype's ensure-modules check).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: llmroof arch [MODEL]\n"
    "\n"
    "Prints the architecture tree of MODEL (default " DEFAULT_MODEL "): each node's\n"
    "name, class, parameters and repeat count. Classes without a module-database\n"
    "entry are marked MISSING and listed at the end; the exit code is then 2.\n";

static void
print_node(const lr_node *n, const lr_db *db, int depth, size_t *missing)
{
    if (n->op) {
        printf("%*s(op %s of the parent)\n", depth * 2, "", n->op);
        return;
    }
    const lr_module *m = lr_db_find(db, n->cls);
    printf("%*s%s%s%s", depth * 2, "", n->name[0] ? n->name : "(root)", n->repeat > 1 ? " x" : "",
           "");
    if (n->repeat > 1)
        printf("%.0f", n->repeat);
    printf(": %s", n->cls);
    if (n->nparams) {
        printf(" (");
        for (size_t i = 0; i < n->nparams; i++) {
            if (n->params[i].formula)
                printf("%s%s=%s", i ? ", " : "", n->params[i].name, n->params[i].formula);
            else
                printf("%s%s=%.15g", i ? ", " : "", n->params[i].name, n->params[i].value);
        }
        printf(")");
    }
    if (n->output_kv)
        printf(" -> KV cache");
    if (n->tied)
        printf(" [tied weights]");
    if (!m) {
        printf("  MISSING");
        (*missing)++;
    }
    printf("\n");
    for (size_t i = 0; i < n->nsubs; i++)
        print_node(&n->subs[i], db, depth + 1, missing);
}

int
cmd_arch(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc > 2)
        return cli_usage_error("arch", "expected at most one MODEL");
    const char *model = argc > 1 ? argv[1] : DEFAULT_MODEL;
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    const lr_db *db = lr_profile_db(prof);
    lr_arch *a = cli_load_model(prof, model);
    if (!a) {
        lr_profile_free(prof);
        return EXIT_INPUT;
    }
    size_t missing = 0;
    printf("%s%s%s%s\n", a->name, a->family[0] ? " (family " : "", a->family,
           a->family[0] ? ")" : "");
    print_node(&a->root, db, 0, &missing);
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_plan *p = missing ? NULL : lr_plan_new(a, db, &err);
    if (p)
        printf("parameters: %.0f\n", lr_plan_params(p));
    else if (!missing)
        cli_print_error(&err);
    if (missing)
        printf("%zu node(s) have a class without a module entry: add entries under "
               "the profile's modules/ directory (docs/module-database.md)\n",
               missing);
    int rc = (missing || !p) ? EXIT_INPUT : EXIT_OK;
    lr_plan_free(p);
    lr_arch_free(a);
    lr_profile_free(prof);
    return rc;
}
