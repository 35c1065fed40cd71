/*
 * cli_common.c: helpers every subcommand uses: error printing, strict
 * number parsing, loading the bundled databases, atomic output files.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "userdb.h"

const char *cli_data_dir;
const char *cli_module_db;
const char *cli_profile;

void
cli_print_error(const lr_error *err)
{
    char buf[4096];
    lr_error_format(err, buf, sizeof buf);
    fprintf(stderr, "llmroof: error: %s\n", buf);
}

int
cli_usage_error(const char *cmdname, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "llmroof %s: ", cmdname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see `llmroof %s --help`)\n", cmdname);
    return EXIT_USAGE;
}

int
cli_parse_whole(const char *opt, const char *arg, double min, double max, double *out)
{
    lr_error err;
    if (lr_parse_whole(opt, arg, min, max, out, &err) == 0)
        return 0;
    cli_print_error(&err);
    return -1;
}

int
cli_parse_time(const char *opt, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    double scale = !strcmp(end, "ms") ? 1e-3 : !strcmp(end, "us") ? 1e-6 : 1;
    /* a bare number has no unit: 7 could mean 7 ms as well as 7 s */
    if (end == arg || (strcmp(end, "ms") && strcmp(end, "us") && strcmp(end, "s")) ||
        !isfinite(v) || v <= 0) {
        fprintf(stderr,
                "llmroof: error: %s: expected a positive time with a unit (s, ms or us) such "
                "as 50ms, got '%s'\n",
                opt, arg);
        return -1;
    }
    *out = v * scale;
    return 0;
}

int
cli_parse_int(const char *opt, const char *arg, int min, int max, int *out)
{
    double v;
    if (cli_parse_whole(opt, arg, min, max, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int
cli_setting_set(const char *cmd, lr_settings *s, const char *name, const char *value,
                const char *opt)
{
    lr_error err;
    if (lr_settings_set(s, name, value, &err) == 0)
        return 0;
    /* the library names the row ("seq_len: expected ..."); the user typed
     * the option, so name that instead */
    const char *msg = err.msg;
    size_t pl = strlen(err.path);
    if (opt && pl && strncmp(msg, err.path, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
        msg += pl + 2;
    cli_usage_error(cmd, "%s: %s", opt ? opt : "--setting", msg);
    return -1;
}

int
cli_setting_negated(size_t row)
{
    lr_settings d;
    lr_settings_default(&d);
    return lr_setting_at(row)->type == LR_SET_FLAG && lr_settings_value(&d, row) != 0;
}

lr_profile *
cli_load_profile(const char *name)
{
    lr_error err;
    lr_profile *p = lr_profile_open(cli_data_dir, name ? name : cli_profile_key(),
                                    cli_user_module_db_to_load(), &err);
    if (!p)
        cli_print_error(&err);
    return p;
}

lr_hwdb *
cli_load_hw(const lr_profile *prof)
{
    lr_error err;
    lr_hwdb *hw = lr_profile_hwdb_load(prof, cli_data_dir, &err);
    if (!hw)
        cli_print_error(&err);
    return hw;
}

lr_arch *
cli_load_model(const lr_profile *prof, const char *name)
{
    return cli_load_model_ex(prof, name, NULL, NULL, 0);
}

/* One "llmroof: note: " line per line of the library's notes. */
static void
print_notes(const char *notes)
{
    for (const char *p = notes; p && *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(stderr, "llmroof: note: %.*s\n", len, p);
        p += len + (nl != NULL);
    }
}

lr_arch *
cli_load_model_ex(const lr_profile *prof, const char *name, const char *config,
                  const char *const *sets, size_t nsets)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    char models[4096], templates[4096];
    snprintf(models, sizeof models, "%s/models", cli_data_dir);
    snprintf(templates, sizeof templates, "%s/architectures", lr_profile_dir(prof));
    lr_repr_opts ro = {NULL, config, sets, nsets, lr_profile_db(prof)};
    char *notes = NULL;
    lr_arch *a = lr_model_load_ex(models, templates, name, &ro, &notes, &err);
    if (!a)
        cli_print_error(&err);
    print_notes(notes);
    free(notes);
    return a;
}

int
cli_write_output(const char *path, int (*write)(FILE *f, void *ud), void *ud)
{
    if (!path || strcmp(path, "-") == 0) {
        int rc = write(stdout, ud);
        if (fflush(stdout) != 0 || rc < 0) {
            fprintf(stderr, "llmroof: error: writing standard output: %s\n", strerror(errno));
            return EXIT_IO;
        }
        return EXIT_OK;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        abort();
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "llmroof: error: %s: cannot create: %s\n", tmp, strerror(errno));
        free(tmp);
        return EXIT_IO;
    }
    int rc = write(f, ud);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc < 0) {
        fprintf(stderr, "llmroof: error: %s: cannot write: %s\n", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return EXIT_IO;
    }
    free(tmp);
    return EXIT_OK;
}

int
cli_take_format(const char *cmdname, int *argc, char **argv, int *json)
{
    static const char *const names[] = {"--format"};
    const char *fmt = "table";
    if (cli_take_opts(cmdname, argc, argv, names, 1, &fmt) < 0)
        return -1;
    *json = strcmp(fmt, "json") == 0;
    if (!*json && strcmp(fmt, "table") != 0) {
        cli_usage_error(cmdname, "--format: expected table or json, got '%s'", fmt);
        return -1;
    }
    return 0;
}

const char *
cli_profile_key(void)
{
    return cli_profile ? cli_profile : "default";
}
