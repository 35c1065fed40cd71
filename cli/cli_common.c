/*
 * cli_common.c: helpers every subcommand uses: error printing, strict
 * number parsing, loading the bundled databases, atomic output files.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
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
const char *cli_family;

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

const char *cli_calibrations[CLI_MAX_CALIBRATIONS];
int cli_ncalibrations;

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The user's calibrations (cli_user_efficiency_dir, in name order), then
 * each --calibration FILE: later ones win, parameter by parameter. Fills
 * paths[] (each owned, freed by the caller) and returns their count. */
size_t
cli_calibration_paths(char **paths, size_t cap)
{
    const char *dir = cli_user_efficiency_dir();
    DIR *d = dir ? opendir(dir) : NULL;
    size_t n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) && n + CLI_MAX_CALIBRATIONS < cap) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] != '.' && l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            paths[n++] = strdup(path);
        }
    }
    if (d)
        closedir(d);
    qsort(paths, n, sizeof *paths, cmp_name);
    for (int i = 0; i < cli_ncalibrations && n < cap; i++)
        paths[n++] = strdup(cli_calibrations[i]);
    return n;
}

static int
add_calibrations(lr_profile *p, lr_error *err)
{
    char *paths[CLI_MAX_CALIBRATION_PATHS];
    size_t n = cli_calibration_paths(paths, CLI_MAX_CALIBRATION_PATHS);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = lr_profile_add_efficiency(p, paths[i], err);
        free(paths[i]);
    }
    return rc;
}

lr_profile *
cli_load_profile(const char *name)
{
    lr_error err;
    lr_profile *p = lr_profile_open(cli_data_dir, name ? name : cli_profile_key(),
                                    cli_user_module_db_to_load(), &err);
    if (p && add_calibrations(p, &err) < 0) {
        lr_profile_free(p);
        p = NULL;
    }
    if (!p)
        cli_print_error(&err);
    return p;
}

lr_hwdb *
cli_load_hw(const lr_profile *prof)
{
    lr_error err;
    lr_hwdb *hw = lr_profile_hwdb_load(prof, cli_data_dir, &err);
    const char *user = cli_user_hardware_dir();
    if (hw && user && cli_is_dir(user) && lr_hwdb_load_layer(hw, user, NULL, &err) < 0) {
        lr_hwdb_free(hw);
        hw = NULL;
    }
    if (!hw)
        cli_print_error(&err);
    return hw;
}

/* A --hardware argument that is a file rather than an id. */
static int
hw_is_file(const char *arg)
{
    size_t l = strlen(arg);
    return cli_is_file(arg) || strchr(arg, '/') || (l > 5 && strcmp(arg + l - 5, ".json") == 0);
}

const lr_hw *
cli_find_hw(lr_hwdb *db, const char *arg, const lr_profile *prof, int *rc)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    *rc = EXIT_INPUT;
    if (hw_is_file(arg)) {
        const lr_hw *last = NULL;
        int n = lr_hwdb_load_layer(db, arg, &last, &err);
        if (n < 0) {
            cli_print_error(&err);
            return NULL;
        }
        if (n != 1) {
            fprintf(stderr,
                    "llmroof: error: %s: --hardware FILE takes a file of one device, this one "
                    "has %d; put files of several into %s and give --hardware ID\n",
                    arg, n, cli_user_hardware_dir() ? cli_user_hardware_dir() : "a directory");
            return NULL;
        }
        *rc = EXIT_OK;
        return last;
    }
    const lr_hw *hw = lr_hwdb_find(db, arg);
    *rc = hw ? EXIT_OK : EXIT_USAGE;
    if (hw)
        return hw;
    char near[512];
    lr_hwdb_suggest(db, arg, near, sizeof near);
    fprintf(stderr,
            "llmroof: error: unknown hardware '%s' in profile %s%s%s%s (see `llmroof --profile %s "
            "hardware list`)\n",
            arg, lr_profile_name(prof), near[0] ? "; did you mean " : "", near, near[0] ? "?" : "",
            lr_profile_name(prof));
    return NULL;
}

int
cli_hw_sets(lr_hwdb *db, const lr_hw *hw, const char *const *sets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(sets[i], '=');
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        lr_error err;
        memset(&err, 0, sizeof err);
        if (lr_hwdb_set(db, hw->id, key, eq + 1, &err) < 0) {
            cli_print_error(&err);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

int
cli_model_exit(const char *name)
{
    char models[4096];
    snprintf(models, sizeof models, "%s/models", cli_data_dir);
    return strcmp(name, "-") && lr_model_unknown_id(models, name) ? EXIT_USAGE : EXIT_INPUT;
}

int
cli_bad_option(const char *cmd, int c, char **argv, const struct option *opts)
{
    char typed[128];
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (strncmp(arg, "--", 2) != 0 && optopt > ' ' && optopt < 127)
        snprintf(typed, sizeof typed, "-%c", optopt);
    else
        snprintf(typed, sizeof typed, "%.*s", (int)strcspn(arg, "="), arg);
    /* cmd NULL: a global option, before the command */
    const char *sp = cmd ? " " : "", *name = cmd ? cmd : "";
    if (c == ':') {
        fprintf(stderr, "llmroof%s%s: %s needs a value; see `llmroof%s%s --help`\n", sp, name,
                typed, sp, name);
        return EXIT_USAGE;
    }
    const char *names[256];
    size_t n = 0;
    for (; opts[n].name && n < 256; n++)
        names[n] = opts[n].name;
    char near[512] = "", shown[600] = "";
    const char *bare = typed + strspn(typed, "-");
    if (lr_suggest_names(bare, names, n, near, sizeof near) > 0) {
        /* "--a, --b" */
        size_t k = 0;
        for (const char *p = near; *p && k + 4 < sizeof shown;) {
            k += (size_t)snprintf(shown + k, sizeof shown - k, "--");
            size_t w = strcspn(p, ",");
            k += (size_t)snprintf(shown + k, sizeof shown - k, "%.*s", (int)w, p);
            p += w;
            if (*p)
                k += (size_t)snprintf(shown + k, sizeof shown - k, ", "), p += 2;
        }
    }
    fprintf(stderr, "llmroof%s%s: unknown option '%s'%s%s%s; see `llmroof%s%s --help`\n", sp, name,
            typed, shown[0] ? " (did you mean " : "", shown, shown[0] ? "?)" : "", sp, name);
    return EXIT_USAGE;
}

lr_arch *
cli_load_model(const lr_profile *prof, const char *name)
{
    return cli_load_model_ex(prof, name, NULL, NULL, 0);
}

/* One "llmroof: note: " line per line of the library's notes ("llmroof:
 * warning: " for a line the library starts with "warning: "). */
static void
print_notes(const char *notes)
{
    for (const char *p = notes; p && *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        if (strncmp(p, "warning: ", 9) == 0 && len >= 9)
            fprintf(stderr, "llmroof: %.*s\n", len, p);
        else
            fprintf(stderr, "llmroof: note: %.*s\n", len, p);
        p += len + (nl != NULL);
    }
}

/* Standard input, read once: diff loads the model for each profile. */
static char *
stdin_text(size_t *len)
{
    static char *text;
    static size_t n;
    if (!text) {
        size_t cap = 1 << 16;
        text = malloc(cap);
        size_t got;
        while (text && (got = fread(text + n, 1, cap - n - 1, stdin)) > 0) {
            n += got;
            if (cap - n < 2 && !(text = realloc(text, cap *= 2)))
                break;
        }
        if (!text)
            abort();
        text[n] = '\0';
    }
    *len = n;
    return text;
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
    lr_arch *a;
    if (strcmp(name, "-") == 0) {
        size_t len;
        const char *text = stdin_text(&len);
        a = lr_model_load_text(models, templates, text, len, "-", &ro, &notes, &err);
    } else {
        a = lr_model_load_family(models, templates, name, cli_family, &ro, &notes, &err);
    }
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

void
cli_csv_field(FILE *f, const char *sep, const char *s)
{
    fputs(sep, f);
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void
cli_csv_settings(FILE *f, const lr_settings *s, const char *skip, int header)
{
    for (size_t i = 0; i < lr_setting_count(); i++) {
        const lr_setting_info *in = lr_setting_at(i);
        if (lr_name_listed(skip, in->name))
            continue;
        char v[64];
        lr_settings_format(s, i, v, sizeof v);
        fprintf(f, ",%s", header ? in->name : v);
    }
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
