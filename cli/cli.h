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
    EXIT_USAGE = 1, /* bad command line: unknown option, command, model or hardware id,
                       nonsense value, an option that does not apply */
    EXIT_INPUT = 2, /* bad input file: missing, malformed JSON, unknown class, bad formula */
    EXIT_EVAL = 3,  /* a formula failed at evaluation: division by zero, NaN */
    EXIT_IO = 4,    /* cannot write the output */
};

typedef struct cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cmd;

/* The command table (main.c): *n entries. */
const cmd *cli_commands(size_t *n);

/* Global state set by main before dispatch. */
extern const char *cli_data_dir;
extern const char *cli_module_db; /* extra module directory or file, or NULL */
extern const char *cli_profile;   /* profile name (data/profiles/NAME) or directory */
extern const char *cli_family;
/* --calibration FILE (repeatable): efficiency files laid over the profile's */
#define CLI_MAX_CALIBRATIONS 8
/* the user's saved calibrations (at most 256) and the --calibration files */
#define CLI_MAX_CALIBRATION_PATHS (256 + CLI_MAX_CALIBRATIONS)
size_t cli_calibration_paths(char **paths, size_t cap);
extern const char *cli_calibrations[CLI_MAX_CALIBRATIONS];
extern int cli_ncalibrations; /* --family: the template forced on a config.json, or NULL */

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

struct option;
/* getopt_long returned '?' (unknown option) or ':' (missing value): prints
 * one line naming the option, the nearest known ones and "see `llmroof CMD
 * --help`" (cmd NULL: a global option). Returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, int c, char **argv, const struct option *opts);
/* The exit code of a model that did not load: EXIT_USAGE for an unknown
 * id (a typo on the command line), EXIT_INPUT for a file that is missing
 * or bad. */
int cli_model_exit(const char *name);
/* The device `arg` names in db: an id or alias, or a JSON file of devices
 * (the bundled schema) laid over db whose one device is used. Prints why
 * not and returns NULL with *rc: EXIT_USAGE (unknown id, with the closest
 * ids), EXIT_INPUT (a bad file); *rc is EXIT_OK when found. */
const lr_hw *cli_find_hw(lr_hwdb *db, const char *arg, const lr_profile *prof, int *rc);
/* --hw-set KEY=VALUE items on device `hw` of db. Returns an exit code. */
int cli_hw_sets(lr_hwdb *db, const lr_hw *hw, const char *const *sets, size_t n);

/* Loaders print their own errors and return NULL. */
lr_profile *cli_load_profile(const char *name_or_dir);
/* The profile's own hardware table if it has one, else data/hardware;
 * then the user's hardware directory over it (cli_user_hardware_dir). */
lr_hwdb *cli_load_hw(const lr_profile *prof);
lr_arch *cli_load_model(const lr_profile *prof, const char *name);
/* The same with --config FILE (a print(model) text) and --set NAME=VALUE
 * (any config); name "-" reads the model from standard input (read once,
 * kept for a second load). Prints the library's notes. */
lr_arch *cli_load_model_ex(const lr_profile *prof, const char *name, const char *config,
                           const char *const *sets, size_t nsets);

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
void cli_csv_field(FILE *f, const char *sep, const char *s);
/* ",name,name..." or ",value,value..." of every setting of the table but
 * those in `skip` (comma-separated, may be NULL): what a CSV row carries
 * so that it can be reproduced. */
void cli_csv_settings(FILE *f, const lr_settings *s, const char *skip, int header);

/* Writes through `write` into `path` atomically (temp file + rename), or to
 * stdout when path is NULL or "-". */
int cli_write_output(const char *path, int (*write)(FILE *f, void *ud), void *ud);

#define DEFAULT_MODEL "meta-llama/Llama-2-7b-hf"
#define DEFAULT_HARDWARE "a100-80gb"

#endif
