/*
 * cli.h: what the subcommands share: the command table entry, exit codes,
 * option parsing helpers and loading of the bundled data.
 */
#ifndef LR_CLI_H
#define LR_CLI_H

#include <stdio.h>

#include "llmroof.h"

/* Exit codes, documented in `llmroof --help` and docs/cli.md. */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1, /* bad command line: unknown option, nonsense number */
    EXIT_INPUT = 2, /* bad input data: malformed JSON, unknown class, bad formula */
    EXIT_EVAL = 3,  /* a formula failed at evaluation: division by zero, NaN */
    EXIT_IO = 4,    /* cannot write the output */
};

typedef struct cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cmd;

/* Global state set by main before dispatch. */
extern const char *cli_data_dir;
extern const char *cli_module_db; /* extra module directory or file, or NULL */
extern const char *cli_profile;   /* profile name (data/profiles/NAME) or directory */

void cli_print_error(const lr_error *err);
/* Prints "llmroof CMD: msg" and returns EXIT_USAGE. */
int cli_usage_error(const char *cmdname, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Takes `--format table|json` (or --format=F) out of argv for the
 * listing commands; *json is 1 for json. Returns -1 after printing why. */
int cli_take_format(const char *cmdname, int *argc, char **argv, int *json);
/* The name of the profile in use, as the web API's listings name it. */
const char *cli_profile_key(void);
int cli_parse_whole(const char *opt, const char *arg, double min, double max, double *out);
/* "50ms", "0.05s", "50000us", positive; a bare number is rejected. */
int cli_parse_time(const char *opt, const char *arg, double *out);
int cli_parse_int(const char *opt, const char *arg, int min, int max, int *out);

/* Sets a row of the settings table from text (lr_settings_set); a bad value
 * prints "llmroof CMD: OPT: expected ..., got 'x'" and returns -1. OPT is
 * the option as typed ("--seq-len"); ("--setting seq_len" for the generic form;
 * NULL: "--setting" and the library's message as it is). */
int cli_setting_set(const char *cmd, lr_settings *s, const char *name, const char *value,
                    const char *opt);
/* A flag row whose default is on: the command line spells it --no-OPTION. */
int cli_setting_negated(size_t row);

/* Loaders print their own errors and return NULL. */
lr_profile *cli_load_profile(const char *name_or_dir);
/* The profile's own hardware table if it has one, else data/hardware. */
lr_hwdb *cli_load_hw(const lr_profile *prof);
lr_arch *cli_load_model(const lr_profile *prof, const char *name);
/* The same with --config FILE and --set NAME=VALUE for a print(model)
 * text (config may be NULL, nsets 0); prints the notes of a repr. */
lr_arch *cli_load_model_ex(const lr_profile *prof, const char *name, const char *config,
                           const char *const *sets, size_t nsets);

/* Writes through `write` into `path` atomically (temp file + rename), or to
 * stdout when path is NULL or "-". */
int cli_write_output(const char *path, int (*write)(FILE *f, void *ud), void *ud);

#define DEFAULT_MODEL "meta-llama/Llama-2-7b-hf"
#define DEFAULT_HARDWARE "a100-80gb"

#endif
