/*
 * cmd_models.c: `llmroof models [show NAME]`: the bundled models.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "usage: llmroof models\n"
                            "       llmroof models show NAME\n"
                            "\n"
                            "Lists the bundled models (data/models/) with family, parameters and\n"
                            "context length, or prints one model's config.json.\n";

int
cmd_models(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/models", cli_data_dir);
    if (argc == 3 && strcmp(argv[1], "show") == 0) {
        char *path = lr_model_find(dir, argv[2]);
        if (!path) {
            fprintf(stderr, "llmroof: error: unknown model '%s' (see `llmroof models`)\n", argv[2]);
            return EXIT_INPUT;
        }
        FILE *f = fopen(path, "r");
        int ch;
        while (f && (ch = fgetc(f)) != EOF)
            putchar(ch);
        if (f)
            fclose(f);
        free(path);
        return f ? EXIT_OK : EXIT_INPUT;
    }
    if (argc != 1)
        return cli_usage_error("models", "expected no argument or `show NAME`");
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    const lr_db *db = lr_profile_db(prof);
    char templates[4096];
    snprintf(templates, sizeof templates, "%s/architectures", lr_profile_dir(prof));
    size_t n = 0;
    char **files = lr_models_list(dir, &n);
    int rc = files || n == 0 ? 0 : -1;
    printf("%-40s %-8s %16s %8s\n", "model", "family", "parameters", "context");
    for (size_t i = 0; i < n; i++) {
        lr_error err;
        memset(&err, 0, sizeof err);
        char *id = lr_model_id_from_file(files[i]);
        lr_arch *a = lr_model_load(dir, templates, files[i], &err);
        lr_plan *p = a ? lr_plan_new(a, db, &err) : NULL;
        if (p)
            printf("%-40s %-8s %16.0f %8.0f\n", id, a->family, lr_plan_params(p), a->max_context);
        else
            printf("%-40s (not analysable: %s)\n", id, err.msg);
        lr_plan_free(p);
        lr_arch_free(a);
        free(id);
        free(files[i]);
    }
    free(files);
    lr_profile_free(prof);
    return rc < 0 ? EXIT_INPUT : EXIT_OK;
}
