/*
 * cmd_modules.c: `llmroof modules list|show|add|check`: what the module
 * database holds, an entry's formulas, adding entries to the user's
 * database, and validating databases.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "userdb.h"

static const char usage[] =
    "usage: llmroof modules list [--format table|json]\n"
    "       llmroof modules show KEY|CLASS [--format table|json]\n"
    "       llmroof modules add FILE.json [--force]\n"
    "       llmroof modules check [PATH ...]\n"
    "       llmroof modules analyze CLASS --source FILE.py [--sub-layers A,B] [--force]\n"
    "\n"
    "list:  every entry with its class, op count and the file it comes from (the\n"
    "       profile's modules/, then the user database layered over them).\n"
    "show:  an entry's aliases, parameters (with defaults) and the formulas of each op.\n"
    "       --format json (list, show): every entry's key, class, aliases, parameters,\n"
    "       weights, ops with formulas and file (docs/json-output.md).\n"
    "add:   validates the entries of FILE.json ({\"modules\": {KEY: ENTRY}}) and writes\n"
    "       them into the user database (--module-db PATH, else $LLMROOF_MODULE_DB,\n"
    "       else ~/.local/share/llmroof/modules.json): every formula compiles,\n"
    "       variables are declared, calls resolve without cycles, sample values are\n"
    "       finite and non-negative, the class names are free (--force replaces).\n"
    "       Written under a lock, through a temporary file, fsync and rename.\n"
    "check: validates databases the same way: each PATH (a file or a directory of\n"
    "       JSON files; default: the profile's modules/ and the user database).\n"
    "analyze: asks an OpenAI-compatible chat-completions endpoint to write CLASS's\n"
    "       entry from its source (for a composite, --sub-layers lists its sub-layer\n"
    "       classes: only the work between their calls counts); the reply is\n"
    "       validated and stored as by add; a failed one goes back with the error.\n"
    "       Configure: LLMROOF_LLM_URL (base URL, e.g. http://127.0.0.1:8000/v1),\n"
    "       LLMROOF_LLM_MODEL, LLMROOF_LLM_API_KEY (or OPENAI_API_KEY),\n"
    "       LLMROOF_LLM_TIMEOUT (seconds, default 120), LLMROOF_LLM_TRIES (default 3).\n";

/* Validates one database (file or directory) layered over `base_dir`. */
static int
check_one(const char *base_dir, const char *path)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_db *db = lr_db_new();
    int same = base_dir && strcmp(base_dir, path) == 0;
    int rc = base_dir && !same ? lr_db_load_dir(db, base_dir, &err) : 0;
    if (rc == 0)
        rc = cli_is_dir(path)
                 ? lr_db_load_dir(db, path, &err)
                 : (base_dir ? lr_db_load_layer(db, path, &err) : lr_db_load_file(db, path, &err));
    if (rc == 0)
        rc = lr_db_finish(db, &err);
    if (rc == 0)
        rc = lr_db_check_samples(db, &err);
    if (rc < 0)
        cli_print_error(&err);
    else
        printf("%s: %zu entries ok\n", path, lr_db_count(db));
    lr_db_free(db);
    return rc;
}

static int
cmd_check(int argc, char **argv)
{
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    char base[4096];
    snprintf(base, sizeof base, "%s/modules", lr_profile_dir(prof));
    int rc = 0;
    if (argc <= 2) {
        rc |= check_one(NULL, base);
        const char *user = cli_user_module_db();
        if (user && cli_is_file(user))
            rc |= check_one(base, user);
    }
    for (int i = 2; i < argc; i++)
        rc |= check_one(cli_is_dir(argv[i]) ? NULL : base, argv[i]);
    lr_profile_free(prof);
    return rc ? EXIT_INPUT : EXIT_OK;
}

static const char *
env_or(const char *a, const char *b, const char *def)
{
    const char *v = getenv(a);
    if ((!v || !*v) && b)
        v = getenv(b);
    return v && *v ? v : def;
}

/* Reads a whole text file (the class source); NULL after printing why. */
static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "llmroof: error: %s: cannot open\n", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap + 1);
    size_t got;
    while (s && (got = fread(s + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap && cap < (64u << 20)) {
            cap *= 2;
            s = realloc(s, cap + 1);
        } else if (n == cap) {
            break;
        }
    }
    fclose(f);
    if (!s)
        abort();
    s[n] = '\0';
    return s;
}

int
cli_analyze_class(const char *cls, const char *source_text, const char *const *subs, size_t nsub,
                  int force)
{
    lr_llm llm = {env_or("LLMROOF_LLM_URL", "OPENAI_BASE_URL", NULL),
                  env_or("LLMROOF_LLM_MODEL", NULL, "gpt-4o-mini"),
                  env_or("LLMROOF_LLM_API_KEY", "OPENAI_API_KEY", NULL),
                  atof(env_or("LLMROOF_LLM_TIMEOUT", NULL, "120")),
                  atoi(env_or("LLMROOF_LLM_TRIES", NULL, "3"))};
    if (!llm.url) {
        fprintf(stderr,
                "llmroof: error: no language-model endpoint configured: set LLMROOF_LLM_URL to "
                "an OpenAI-compatible base URL (e.g. https://api.openai.com/v1 or "
                "http://127.0.0.1:8000/v1), LLMROOF_LLM_MODEL and LLMROOF_LLM_API_KEY\n");
        return EXIT_USAGE;
    }
    if (!(llm.timeout_s > 0) || llm.max_tries < 1) {
        fprintf(stderr, "llmroof: error: LLMROOF_LLM_TIMEOUT and LLMROOF_LLM_TRIES must be "
                        "positive\n");
        return EXIT_USAGE;
    }
    const char *db = cli_user_module_db();
    if (!db || cli_make_parent_dir(db) < 0)
        return EXIT_IO;
    cli_user_db_may_be_missing = 1;
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    char base[4096];
    snprintf(base, sizeof base, "%s/modules", lr_profile_dir(prof));
    lr_error err;
    int rc = lr_llm_analyze_module(&llm, cls, source_text, subs, nsub, db, base, force, &err);
    if (rc < 0)
        cli_print_error(&err);
    else
        printf("stored the entry of %s in %s\n", cls, db);
    lr_profile_free(prof);
    return rc < 0 ? EXIT_INPUT : EXIT_OK;
}

static int
cmd_analyze_class(int argc, char **argv)
{
    const char *cls = NULL, *src = NULL;
    char *subs_arg = NULL;
    int force = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--source") && i + 1 < argc)
            src = argv[++i];
        else if (!strcmp(argv[i], "--sub-layers") && i + 1 < argc)
            subs_arg = argv[++i];
        else if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (!cls && argv[i][0] != '-')
            cls = argv[i];
        else
            return cli_usage_error("modules", "analyze: unexpected '%s'", argv[i]);
    }
    if (!cls || !src)
        return cli_usage_error("modules", "analyze needs CLASS and --source FILE.py");
    const char *subs[64];
    size_t nsub = 0;
    for (char *save = NULL, *t = subs_arg ? strtok_r(subs_arg, ",", &save) : NULL; t && nsub < 64;
         t = strtok_r(NULL, ",", &save))
        subs[nsub++] = t;
    char *text = read_text(src);
    if (!text)
        return EXIT_INPUT;
    int rc = cli_analyze_class(cls, text, subs, nsub, force);
    free(text);
    return rc;
}

static int
cmd_add(int argc, char **argv)
{
    int force = 0;
    const char *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return cli_usage_error("modules", "add: unexpected '%s'", argv[i]);
    }
    if (!file)
        return cli_usage_error("modules", "add needs FILE.json");
    const char *db = cli_user_module_db();
    if (!db) {
        fprintf(stderr, "llmroof: error: no user database: give --module-db PATH or set HOME\n");
        return EXIT_USAGE;
    }
    if (cli_make_parent_dir(db) < 0)
        return EXIT_IO;
    cli_user_db_may_be_missing = 1;
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    char base[4096];
    snprintf(base, sizeof base, "%s/modules", lr_profile_dir(prof));
    lr_error err;
    int rc = lr_db_add_entries(db, file, base, force, &err);
    if (rc < 0)
        cli_print_error(&err);
    else
        printf("added %s to %s\n", file, db);
    lr_profile_free(prof);
    return rc < 0 ? EXIT_INPUT : EXIT_OK;
}

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
    if (lr_module_weight_role(m) != LR_WR_DEFAULT)
        printf("weight role: %s\n", lr_wrole_names[lr_module_weight_role(m)]);
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
    if (strcmp(argv[1], "add") == 0)
        return cmd_add(argc, argv);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc, argv);
    if (strcmp(argv[1], "analyze") == 0)
        return cmd_analyze_class(argc, argv);
    int is_list = strcmp(argv[1], "list") == 0, is_show = strcmp(argv[1], "show") == 0;
    int json = 0;
    if ((is_list || is_show) && cli_take_format("modules", &argc, argv, &json) < 0)
        return EXIT_USAGE;
    if (!(is_list && argc == 2) && !(is_show && argc == 3))
        return cli_usage_error("modules", "expected `list`, `show KEY`, `add FILE` or `check`");
    lr_jw w;
    lr_jw_init(&w, stdout, 1);
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    const lr_db *db = lr_profile_db(prof);
    int rc = EXIT_OK;
    if (is_list && json) {
        lr_jw_modules(&w, cli_profile_key(), db);
    } else if (is_list) {
        printf("%-32s %-64s %4s  %s\n", "key", "class", "ops", "file");
        for (size_t i = 0; i < lr_db_count(db); i++) {
            const lr_module *m = lr_db_at(db, i);
            printf("%-32s %-64s %4zu  %s\n", lr_module_key(m), lr_module_class(m),
                   lr_module_op_count(m), lr_module_file(m));
        }
    } else {
        const lr_module *m = lr_db_lookup(db, argv[2]);
        if (m && json) {
            lr_jw_module(&w, m, 1);
        } else if (m) {
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
