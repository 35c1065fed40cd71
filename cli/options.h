/*
 * options.h: the analysis options shared by analyze, diff (and later
 * generate and sweep): settings, hardware, stage, format, profiles, output.
 */
#ifndef LR_OPTIONS_H
#define LR_OPTIONS_H

#include "llmroof.h"

#define MAX_PROFILES 2
#define MAX_SETS 64

/* An option of the shared table that a command does not take, and what to
 * use instead; a command's list ends with {NULL, NULL}. The command
 * rejects it ("generate does not take --seq-len (use --prompt-len)") and
 * its usage leaves it out. */
typedef struct opt_reject {
    const char *opt; /* without the dashes: "seq-len" */
    const char *hint;
} opt_reject;

typedef struct analysis_opts {
    lr_settings s;
    const char *hardware;
    const char *model;
    const char *out;
    const char *profiles[MAX_PROFILES];
    int nprofiles;
    int do_prefill, do_decode;
    enum lr_format fmt;
    const char *config;         /* --config FILE, for a print(model) text */
    const char *sets[MAX_SETS]; /* --set NAME=VALUE, for a print(model) text */
    size_t nsets;
    const char *svg;               /* --svg FILE: charts too (analyze, generate) */
    const char *hw_sets[MAX_SETS]; /* --hw-set KEY=VALUE: device overrides */
    size_t nhw_sets;
    int fmt_given;     /* --format was given (else -o's extension may set fmt) */
    double seq_tokens; /* the longest sequence, for the context check (0: seq_len);
                          generate and serve-plan set prompt + gen */
    double *len[2];    /* generate, serve-plan: the prompt and generated lengths, which
                          analysis_run may cut to the model's context (NULL: seq_len) */
    int len_given[2];  /* ... 1 when the user gave them */
} analysis_opts;

/* "llmroof: CMD does not take --OPT (HINT); see ..." Returns EXIT_USAGE. */
int cli_not_taken(const char *cmd, const char *opt, const char *hint);

/* The option lines of the usage text, shared by the commands, without
 * those the command rejects (`rej`, may be NULL); the settings' lines come
 * from the settings table. Static text, rebuilt at each call. */
const char *analysis_opts_usage(const opt_reject *rej);

/* Parses argv (getopt_long from argv[0] = the command name); options in
 * `rej` (may be NULL) are refused with their hint. `-o FILE` with no
 * --format takes the format from FILE's extension (.json .csv .md).
 * Returns -1 after printing help (*exit_code = 0) or an error
 * (*exit_code = 1). */
int analysis_opts_parse(const char *cmd, const char *usage, const opt_reject *rej, int argc,
                        char **argv, analysis_opts *o, int *exit_code);

/* A loaded profile, hardware table, model, plan and result. */
typedef struct analysis {
    lr_profile *prof;
    lr_hwdb *hwdb;
    const lr_hw *hw;
    lr_arch *arch;
    lr_plan *plan;
    lr_result *r;
} analysis;

/* Loads and runs one analysis with profile `profile` (NULL = the global
 * one); prints errors. Returns an exit code (0 = ok). */
int analysis_run(analysis *a, analysis_opts *o, const char *profile);
void analysis_free(analysis *a);

/* Functions one command file offers the others. */

/* cmd_generate.c: the per-step TPOT chart of a generation; `scratch` (from
 * lr_result_new) is overwritten. Free with tpot_chart_free(). */
int tpot_chart(const analysis *a, const lr_settings *s, double prompt, double gen, const lr_gen *g,
               lr_result *scratch, lr_chart *c);
void tpot_chart_free(lr_chart *c);
/* cmd_sweep.c: a sweep whose charts are written to -o (`llmroof plot sweep`) */
int cmd_sweep_plot(int argc, char **argv);
/* cmd_capacity.c: serve-plan with --rate: capacity planning by simulation */
int cmd_serve_plan_sim(int argc, char **argv);
/* cmd_report.c: takes the named options with values out of argv */
int cli_take_opts(const char *cmd, int *argc, char **argv, const char *const *names, size_t n,
                  const char **values);

#endif
