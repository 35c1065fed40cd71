/*
 * main.c: global options and the command table. Each command lives in its
 * own cmd_*.c file with its usage text; adding one is a new file and a line
 * in `commands` below.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_analyze(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_op(int argc, char **argv);
int cmd_modules(int argc, char **argv);
int cmd_hardware(int argc, char **argv);
int cmd_engines(int argc, char **argv);
int cmd_arch(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_serve_plan(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

static const cmd commands[] = {
    {"analyze", "per-op FLOPs, bytes and roofline time of prefill and decode", cmd_analyze},
    {"explain", "one op's formulas with the values of the settings put in", cmd_explain},
    {"op", "one module entry's own ops (a Linear, an attention) with given parameters", cmd_op},
    {"generate", "a whole generation: TTFT, TPOT, latency, throughput, memory", cmd_generate},
    {"simulate", "serving under load: requests over time, continuous batching, latency percentiles",
     cmd_simulate},
    {"serve-plan", "the largest batch that fits, and throughput vs TPOT per batch", cmd_serve_plan},
    {"sweep", "every combination of lists of settings, on all cores, as CSV or JSON lines",
     cmd_sweep},
    {"plot", "one chart as SVG: roofline, breakdown, ops, sweep or serve", cmd_plot},
    {"report", "one self-contained HTML page: settings, totals, charts, op tables", cmd_report},
    {"diff", "compare two profiles (default vs llm-viewer) op by op", cmd_diff},
    {"arch", "print a model's architecture tree; mark classes without an entry", cmd_arch},
    {"models", "list the bundled models, or show one's config", cmd_models},
    {"modules", "list the module database, or show an entry's formulas", cmd_modules},
    {"hardware", "list the hardware database, or show a device", cmd_hardware},
    {"engines", "list the engine presets (--engine) and the defaults each sets", cmd_engines},
    {"calibrate", "fit the efficiency model of a device to measured times (CSV)", cmd_calibrate},
    {"bench", "measure analyses per second", cmd_bench},
    {"serve", "the web page and its JSON API over HTTP (127.0.0.1)", cmd_serve},
    {"completion", "a bash or zsh completion script, from the command and settings tables",
     cmd_completion},
};

const cmd *
cli_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: llmroof [--data-dir DIR] [--profile NAME] [--module-db PATH]\n"
               "               [--calibration FILE] COMMAND [options]\n\n"
               "Roofline cost of running a model on given hardware, op by op.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\nglobal options:\n"
            "  --data-dir DIR    bundled data (profiles/, models/, hardware/); default\n"
            "                    $LLMROOF_DATA, else ../share/llmroof next to the program\n"
            "                    or the library, else the source tree's data/; now:\n"
            "                    %s\n"
            "  --profile NAME    counting conventions: default, llm-viewer, or a directory\n"
            "                    (profile.json, modules/, architectures/; docs/profiles.md)\n"
            "  --module-db PATH  extra module entries (a JSON file or a directory of them)\n"
            "  --calibration FILE  an efficiency file (`llmroof calibrate -o FILE`) laid\n"
            "                    over the efficiency data (repeatable; docs/calibrate.md)\n"
            "  --version         print the version\n"
            "\n`llmroof COMMAND --help` describes a command.\n"
            "\nexit codes: 0 ok, 1 usage error (unknown option, command, model id, hardware id\n"
            "  or value; an option that does not apply), 2 input file error (missing or malformed\n"
            "  file, unknown module class, bad formula, missing config field), 3 evaluation\n"
            "  error (division by zero, NaN, a count < 0 at evaluation), 4 output error\n",
            cli_data_dir);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"module-db", required_argument, NULL, 'm'},
        {"profile", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"calibration", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    cli_data_dir = lr_data_dir(); /* $LLMROOF_DATA, then where we are installed */
    int c;
    /* "+": stop at the command name, whose options are its own */
    opterr = 0; /* one line of our own instead of getopt's */
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            cli_data_dir = optarg;
            /* what the library finds by itself (the quantization presets of
             * the settings table) comes from the same directory */
            setenv("LLMROOF_DATA", optarg, 1);
            break;
        case 'm': cli_module_db = optarg; break;
        case 'p': cli_profile = optarg; break;
        case 'c':
            if (cli_ncalibrations == CLI_MAX_CALIBRATIONS) {
                fprintf(stderr, "llmroof: at most %d --calibration files\n", CLI_MAX_CALIBRATIONS);
                return EXIT_USAGE;
            }
            cli_calibrations[cli_ncalibrations++] = optarg;
            break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("llmroof %s\n", lr_version()); return EXIT_OK;
        default: return cli_bad_option(NULL, c, argv, opts);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* reset getopt for the command's own parse */
            return commands[i].run(sub_argc, sub_argv);
        }
    }
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    char near[256];
    lr_suggest_names(name, names, sizeof names / sizeof names[0], near, sizeof near);
    fprintf(stderr, "llmroof: unknown command '%s'%s%s%s (see `llmroof --help`)\n", name,
            near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
    return EXIT_USAGE;
}
