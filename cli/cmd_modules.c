/*
 * cmd_modules.c: `llmroof modules list|show KEY`: what the module database
 * holds, and an entry's formulas.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: llmroof modules list\n"
    "       llmroof modules show KEY|CLASS\n"
    "\n"
    "list: every entry with its class, file and op count.\n"
    "show: an entry's aliases, parameters (with defaults) and the formulas of each op.\n";

static void
show(const lr_module *m)
{
    printf("key:        %s\nclass:      %s\nfile:       %s\n", lr_module_key(m), lr_module_class(m),
           lr_module_file(m));
    printf("aliases:   ");
    for (size_t i = 0; i < lr_module_alias_count(m); i++)
        printf(" %s", lr_module_alias(m, i));
    printf("\ncomposite:  %s\nparameters:", lr_module_is_composite(m) ? "yes" : "no");
    for (size_t i = 0; i < lr_module_param_count(m); i++) {
        const char *d = lr_module_param_default(m, i);
        printf(d ? " %s = %s;" : " %s;", lr_module_param(m, i), d);
    }
    printf("\n");
    if (lr_module_weights(m))
        printf("weights:    %s\n", lr_module_weights(m));
    for (size_t i = 0; i < lr_module_op_count(m); i++) {
        printf("op %s (%s)\n", lr_module_op_name(m, i), lr_module_op_kind(m, i));
        for (int f = 0; f < LR_NFIELDS; f++) {
            const char *t = lr_module_op_formula(m, i, (enum lr_field)f);
            if (t)
                printf("  %-12s %s\n", lr_field_names[f], t);
        }
    }
}

int
cmd_modules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    int is_list = strcmp(argv[1], "list") == 0, is_show = strcmp(argv[1], "show") == 0;
    if (!(is_list && argc == 2) && !(is_show && argc == 3))
        return cli_usage_error("modules", "expected `list` or `show KEY`");
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    const lr_db *db = lr_profile_db(prof);
    int rc = EXIT_OK;
    if (is_list) {
        printf("%-32s %-64s %4s  %s\n", "key", "class", "ops", "file");
        for (size_t i = 0; i < lr_db_count(db); i++) {
            const lr_module *m = lr_db_at(db, i);
            printf("%-32s %-64s %4zu  %s\n", lr_module_key(m), lr_module_class(m),
                   lr_module_op_count(m), lr_module_file(m));
        }
    } else {
        const lr_module *m = lr_db_find(db, argv[2]);
        for (size_t i = 0; !m && i < lr_db_count(db); i++)
            if (strcmp(lr_module_key(lr_db_at(db, i)), argv[2]) == 0)
                m = lr_db_at(db, i);
        if (m) {
            show(m);
        } else {
            lr_error err;
            lr_db_unknown_class(db, argv[2], &err);
            cli_print_error(&err);
            rc = EXIT_INPUT;
        }
    }
    lr_profile_free(prof);
    return rc;
}
