/*
 * cmd_models.c: `llmroof models [show NAME]`: the bundled models.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "usage: llmroof models [--format table|json]\n"
                            "       llmroof models show NAME\n"
                            "\n"
                            "Lists the bundled models (data/models/) with family, parameters and\n"
                            "context length, or prints one model's config.json. --format json:\n"
                            "the web API's /api/models (docs/json-output.md).\n";

static void
table(const lr_model_entry *es, size_t n)
{
    printf("%-40s %-8s %16s %8s\n", "model", "family", "parameters", "context");
    for (size_t i = 0; i < n; i++) {
        const lr_model_entry *e = &es[i];
        if (e->arch)
            printf("%-40s %-8s %16.0f %8.0f\n", e->id, e->arch->family, lr_plan_params(e->plan),
                   e->arch->max_context);
        else
            printf("%-40s (not analysable: %s)\n", e->id, e->error);
    }
}

int
cmd_models(int argc, char **argv)
{
    int json = 0;
    if (cli_take_format("models", &argc, argv, &json) < 0)
        return EXIT_USAGE;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/models", cli_data_dir);
    if (argc == 3 && strcmp(argv[1], "show") == 0) {
        char *path = lr_model_find(dir, argv[2]);
        if (!path) {
            char near[512];
            lr_model_suggest(dir, argv[2], near, sizeof near);
            fprintf(stderr, "llmroof: error: unknown model '%s'%s%s%s (see `llmroof models`)\n",
                    argv[2], near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
            return EXIT_USAGE;
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
    size_t n = 0;
    lr_model_entry *es = lr_models_load_all(dir, prof, &n);
    int rc = EXIT_OK;
    if (json) {
        lr_jw w;
        lr_jw_init(&w, stdout, 1);
        lr_jw_models(&w, cli_profile_key(), DEFAULT_MODEL, es, n);
    } else {
        table(es, n);
    }
    lr_model_entries_free(es, n);
    lr_profile_free(prof);
    return rc;
}
