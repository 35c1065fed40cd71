/*
 * cmd_arch.c: `llmroof arch MODEL`: the architecture tree with parameters
 * and repeat counts, marking classes the module database lacks (the
 * prototype's ensure-modules check).
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "cli.h"
#include "userdb.h"

static const char usage[] =
    "usage: llmroof arch [MODEL] [--config FILE] [--set NAME=VALUE]... [--family NAME]\n"
    "                    [--ensure-modules [--analyze --source-dir DIR]]\n"
    "\n"
    "Prints the architecture tree of MODEL (default " DEFAULT_MODEL "): each node's\n"
    "name, class, parameters and repeat count. Classes without a module-database\n"
    "entry are marked MISSING and listed at the end; the exit code is then 2.\n"
    "--ensure-modules lists the missing classes, sub-layers first; with --analyze\n"
    "each is sent, with its source found under DIR (`class NAME(` in *.py), to the\n"
    "module analyzer (`llmroof modules analyze`; endpoint from LLMROOF_LLM_URL) and\n"
    "stored in the user database.\n"
    "--config and --set complete a print(model) text (head counts; docs/repr.md).\n"
    "--family NAME builds a config.json through that family's template whatever its\n"
    "class (docs/architecture-templates.md).\n";

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
    if (n->when)
        printf(" [runs when %s]", n->when);
    if (!m) {
        printf("  MISSING");
        (*missing)++;
    }
    printf("\n");
    for (size_t i = 0; i < n->nsubs; i++)
        print_node(&n->subs[i], db, depth + 1, missing);
}

/* ---- --ensure-modules --analyze: the notes' ensure-modules step ---- */

typedef struct missing_list {
    const lr_node *node[256];
    size_t n;
} missing_list;

static int
listed(const missing_list *ml, const char *cls)
{
    for (size_t i = 0; i < ml->n; i++)
        if (!strcmp(ml->node[i]->cls, cls))
            return 1;
    return 0;
}

/* Missing classes in dependency order: a node's sub-layers before it, so a
 * composite's analysis sees its sub-layers in the database. */
static void
collect_missing(const lr_node *n, const lr_db *db, missing_list *ml)
{
    for (size_t i = 0; i < n->nsubs; i++)
        collect_missing(&n->subs[i], db, ml);
    if (!n->op && !lr_db_find(db, n->cls) && !listed(ml, n->cls) && ml->n < 256)
        ml->node[ml->n++] = n;
}

static const char *find_cls;
static char *found_src;

static const char *
short_cls(const char *cls)
{
    const char *d = strrchr(cls, '.');
    return d ? d + 1 : cls;
}

/* The text of `class NAME(` up to the next line at column 0 that is code. */
static char *
class_block(const char *text, const char *name)
{
    char pat[512];
    snprintf(pat, sizeof pat, "class %s(", name);
    const char *p = text;
    while ((p = strstr(p, pat)) && p != text && p[-1] != '\n')
        p++;
    if (!p)
        return NULL;
    const char *end = strchr(p, '\n');
    while (end && end[1]) {
        const char *line = end + 1;
        if (*line != ' ' && *line != '\t' && *line != '\n' && *line != '#' && *line != '\r')
            break;
        end = strchr(line, '\n');
    }
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char *out = malloc(n + 1);
    if (!out)
        abort();
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static int
visit_py(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    size_t l = strlen(path);
    if (type != FTW_F || l < 4 || strcmp(path + l - 3, ".py") || st->st_size > (32 << 20))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *text = malloc((size_t)st->st_size + 1);
    size_t n = text ? fread(text, 1, (size_t)st->st_size, f) : 0;
    fclose(f);
    if (!text)
        abort();
    text[n] = '\0';
    found_src = class_block(text, find_cls);
    free(text);
    return found_src != NULL; /* stop the walk at the first definition */
}

static int
analyze_missing(const lr_arch *a, const lr_db *db, const char *source_dir)
{
    missing_list ml = {{0}, 0};
    collect_missing(&a->root, db, &ml);
    for (size_t i = 0; i < ml.n; i++) {
        const lr_node *n = ml.node[i];
        find_cls = short_cls(n->cls);
        found_src = NULL;
        nftw(source_dir, visit_py, 16, FTW_PHYS);
        if (!found_src) {
            fprintf(stderr, "llmroof: error: no `class %s(` in the .py files under %s\n", find_cls,
                    source_dir);
            return EXIT_INPUT;
        }
        const char *subs[64];
        size_t nsub = 0;
        for (size_t k = 0; k < n->nsubs && nsub < 64; k++)
            if (!n->subs[k].op)
                subs[nsub++] = n->subs[k].cls;
        printf("analyzing %s (%zu sub-layers)\n", n->cls, nsub);
        int rc = cli_analyze_class(n->cls, found_src, subs, nsub, 0);
        free(found_src);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

int
cmd_arch(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    const char *model = DEFAULT_MODEL, *source_dir = NULL, *config = NULL;
    const char *sets[64];
    size_t nsets = 0;
    int ensure = 0, analyze = 0, nmodel = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--family") && i + 1 < argc)
            cli_family = argv[++i];
        else if (!strcmp(argv[i], "--set") && i + 1 < argc && nsets < 64)
            sets[nsets++] = argv[++i];
        else if (!strcmp(argv[i], "--ensure-modules"))
            ensure = 1;
        else if (!strcmp(argv[i], "--analyze"))
            analyze = 1;
        else if (!strcmp(argv[i], "--source-dir") && i + 1 < argc)
            source_dir = argv[++i];
        else if (argv[i][0] != '-' && nmodel++ == 0)
            model = argv[i];
        else
            return cli_usage_error("arch", "unexpected '%s'", argv[i]);
    }
    if (analyze && (!ensure || !source_dir))
        return cli_usage_error("arch", "--analyze goes with --ensure-modules and --source-dir DIR");
    if (ensure)
        cli_user_db_may_be_missing = 1; /* the analyzer creates it */
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    const lr_db *db = lr_profile_db(prof);
    lr_arch *a = cli_load_model_ex(prof, model, config, sets, nsets);
    if (!a) {
        lr_profile_free(prof);
        return cli_model_exit(model);
    }
    if (analyze) {
        int rc = analyze_missing(a, db, source_dir);
        lr_arch_free(a);
        lr_profile_free(prof);
        if (rc != EXIT_OK)
            return rc;
        /* show the tree again, now with the new entries */
        if (!(prof = cli_load_profile(NULL)) ||
            !(a = cli_load_model_ex(prof, model, config, sets, nsets))) {
            lr_profile_free(prof);
            return EXIT_INPUT;
        }
        db = lr_profile_db(prof);
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
    if (missing) {
        printf("%zu node(s) have a class without a module entry: add entries under "
               "the profile's modules/ directory (docs/module-database.md), or run "
               "`llmroof arch MODEL --ensure-modules --analyze --source-dir DIR`\n",
               missing);
        if (ensure) {
            missing_list ml = {{0}, 0};
            collect_missing(&a->root, db, &ml);
            printf("missing classes, sub-layers first:\n");
            for (size_t i = 0; i < ml.n; i++)
                printf("  %s\n", ml.node[i]->cls);
        }
    }
    int rc = (missing || !p) ? EXIT_INPUT : EXIT_OK;
    lr_plan_free(p);
    lr_arch_free(a);
    lr_profile_free(prof);
    return rc;
}
