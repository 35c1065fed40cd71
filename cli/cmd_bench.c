/*
 * cmd_bench.c: `llmroof bench [MODEL]`: full analyses per second (both
 * stages, every per-op record and the roofline, model already loaded and
 * compiled) on one core. The last line is "analyses/s: N".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] = "usage: llmroof bench [MODEL] [--hardware ID] [--seconds S]\n"
                            "\n"
                            "Runs full analyses (prefill and decode, all per-op records) of MODEL\n"
                            "(default " DEFAULT_MODEL ") for about S seconds (default 2) on one\n"
                            "core, varying the batch and sequence length, then a whole generation\n"
                            "(prompt 1024, 4096 generated tokens), then a serving simulation of\n"
                            "10,000 ShareGPT-like requests (Poisson, 20/s, seed 0) of\n"
                            "Llama-3.1-8B on one h100-sxm. Prints simulate_10k_ms: N,\n"
                            "generate_us: N, then analyses/s: N as the last line.\n";

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 10,000 requests of data/workloads/sharegpt.json at 20 requests/s on
 * Llama-3.1-8B and one h100-sxm: the draw and the simulation, best of 3. */
static int
bench_simulate(const lr_profile *prof, lr_hwdb *hwdb)
{
    const char *model = "meta-llama/Meta-Llama-3.1-8B";
    int rc = EXIT_OK;
    lr_arch *a = cli_load_model(prof, model);
    const lr_hw *hw = a ? cli_find_hw(hwdb, "h100-sxm", prof, &rc) : NULL;
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_plan *p = hw ? lr_plan_new(a, lr_profile_db(prof), &err) : NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/workloads/sharegpt.json", cli_data_dir);
    double best = 1e9;
    lr_sim_result r;
    memset(&r, 0, sizeof r);
    int ok = p != NULL;
    for (int k = 0; ok && k < 3; k++) {
        lr_settings s;
        lr_settings_default(&s);
        lr_sim_config c;
        lr_sim_config_default(&c);
        lr_sim_request *reqs = NULL;
        double t0 = now();
        if (lr_workload_requests(path, 20, 10000, 0, &reqs, &err) < 0 ||
            lr_simulate(p, prof, hw, &s, &c, reqs, 10000, &r, &err) < 0) {
            free(reqs);
            ok = 0;
            break;
        }
        double dt = now() - t0;
        best = dt < best ? dt : best;
        free(reqs);
        if (k < 2)
            lr_sim_result_free(&r);
    }
    if (ok)
        printf("simulate (10,000 sharegpt requests at 20/s on h100-sxm: %.0f steps, p90 TTFT "
               "%.4g s, %.1f output tokens/s) best of 3\nsimulate_10k_ms: %.1f\n",
               r.steps, r.ttft_s.p90, r.output_tokens_per_s, best * 1e3);
    else if (err.msg[0])
        cli_print_error(&err);
    lr_sim_result_free(&r);
    lr_plan_free(p);
    lr_arch_free(a);
    return ok ? 0 : -1;
}

int
cmd_bench(int argc, char **argv)
{
    const char *model = DEFAULT_MODEL, *hwname = DEFAULT_HARDWARE;
    double seconds = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--hardware") == 0 && i + 1 < argc) {
            hwname = argv[++i];
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            if (cli_parse_whole("--seconds", argv[++i], 1, 3600, &seconds) < 0)
                return EXIT_USAGE;
        } else if (argv[i][0] != '-') {
            model = argv[i];
        } else {
            return cli_usage_error("bench", "unknown option '%s'", argv[i]);
        }
    }
    lr_profile *prof = cli_load_profile(NULL);
    lr_hwdb *hwdb = prof ? cli_load_hw(prof) : NULL;
    lr_arch *a = hwdb ? cli_load_model(prof, model) : NULL;
    int rc = hwdb && !a ? cli_model_exit(model) : EXIT_INPUT;
    const lr_hw *hw = a ? cli_find_hw(hwdb, hwname, prof, &rc) : NULL;
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_plan *p = hw ? lr_plan_new(a, lr_profile_db(prof), &err) : NULL;
    if (hw && !p) {
        cli_print_error(&err);
        rc = EXIT_INPUT;
    }
    if (p) {
        rc = EXIT_EVAL; /* until the measurement has run */
        lr_result *r = lr_result_new(p);
        lr_settings s;
        lr_settings_default(&s);
        long n = 0;
        double checksum = 0, t0 = now(), t = t0;
        while (t - t0 < seconds) {
            for (int k = 0; k < 1000; k++, n++) {
                /* vary batch and length, as a sweep does, so every result is
                 * computed anew (the programs are specialised to the other
                 * settings, which stay: src/eval/specialize.c) */
                s.batch = 1 + (n & 15);
                s.seq_len = 128 + (n & 2047);
                if (lr_analyze(p, prof, hw, &s, 1, 1, r, &err) < 0) {
                    cli_print_error(&err);
                    goto done;
                }
                checksum +=
                    r->stage[LR_DECODE].total.time_s + r->stage[LR_DECODE].total.expected_time_s;
            }
            t = now();
        }
        printf("model: %s\nhardware: %s\nops per stage: %zu\nanalyses: %ld in %.3f s "
               "(checksum %.6g)\nus/analysis: %.3f\n",
               a->name, hw->id, lr_plan_op_count(p), n, t - t0, checksum, (t - t0) / n * 1e6);
        if (bench_simulate(prof, hwdb) < 0)
            goto done;
        /* a whole generation, P = 1024, G = 4096: best of several runs */
        lr_gen g;
        double best = 1e9;
        lr_settings_default(&s);
        for (int k = 0; k < 20; k++) {
            double g0 = now();
            if (lr_generate(p, prof, hw, &s, 1024, 4096, r, &g, &err) < 0) {
                cli_print_error(&err);
                goto done;
            }
            double dt = now() - g0;
            best = dt < best ? dt : best;
        }
        printf("generate (P=1024, G=4096, latency %.6g s) best of 20\n", g.latency_s);
        printf("generate_us: %.1f\n", best * 1e6);
        printf("analyses/s: %.0f\n", n / (t - t0));
        rc = EXIT_OK;
    done:
        lr_result_free(r);
    }
    lr_plan_free(p);
    lr_arch_free(a);
    lr_hwdb_free(hwdb);
    lr_profile_free(prof);
    return rc;
}
