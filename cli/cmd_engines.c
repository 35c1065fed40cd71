/*
 * cmd_engines.c: `llmroof engines [--format table|json]`: the engine
 * presets of the profile (data/engines/NAME.json) with the defaults each
 * sets (docs/expected-time.md). The table is read back from the library's
 * JSON (lr_jw_engines), so both formats say the same.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: llmroof engines [--format table|json]\n"
    "\n"
    "Lists the engine presets (--engine NAME; data/engines/NAME.json): the\n"
    "attention they count by default, FP16 accumulation, CUDA graphs and the\n"
    "memory plan's defaults they set (explicit settings win). --format json:\n"
    "the web API's /api/engines (docs/expected-time.md).\n";

/* A number, or "-" for null (the row's default / the hardware's runtime). */
static void
cell(char *buf, size_t cap, json_t *v, const char *unit)
{
    if (!json_is_number(v)) {
        snprintf(buf, cap, "-");
        return;
    }
    if (unit)
        lr_fmt_quantity(buf, cap, json_number_value(v), unit);
    else
        snprintf(buf, cap, "%g", json_number_value(v));
}

static void
row(json_t *e, int dflt)
{
    char blk[32], mbt[32], mu[32], rt[32];
    cell(blk, sizeof blk, json_object_get(e, "kv_block_size"), NULL);
    cell(mbt, sizeof mbt, json_object_get(e, "max_batched_tokens"), NULL);
    cell(mu, sizeof mu, json_object_get(e, "mem_util"), NULL);
    cell(rt, sizeof rt, json_object_get(e, "runtime_bytes"), "B");
    json_t *g = json_object_get(e, "cuda_graphs");
    printf("%-10s%s %-9s %-7s %-8s %10s %12s %8s %10s\n",
           json_string_value(json_object_get(e, "name")), dflt ? "*" : " ",
           json_is_true(json_object_get(e, "flash_attention")) ? "flash" : "eager",
           json_is_true(json_object_get(e, "fp16_accumulate")) ? "fp16" : "fp32",
           json_is_true(json_object_get(g, "decode")) ? "decode" : "none", blk, mbt, mu, rt);
}

static int
table(const char *text)
{
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root) {
        fprintf(stderr, "llmroof: error: engines: %s\n", je.text);
        return EXIT_EVAL;
    }
    const char *def = json_string_value(json_object_get(root, "default"));
    printf("%-11s %-9s %-7s %-8s %10s %12s %8s %10s\n", "engine", "attention", "acc", "graphs",
           "kv block", "pass tokens", "mem util", "runtime");
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(root, "engines"), i, e)
    {
        const char *n = json_string_value(json_object_get(e, "name"));
        row(e, def && n && strcmp(def, n) == 0);
    }
    printf("* the default engine; '-': the row's default (runtime: the hardware's); "
           "explicit settings win\n");
    json_decref(root);
    return EXIT_OK;
}

int
cmd_engines(int argc, char **argv)
{
    int json = 0;
    if (cli_take_format("engines", &argc, argv, &json) < 0)
        return EXIT_USAGE;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc != 1)
        return cli_usage_error("engines", "expected no argument");
    lr_profile *prof = cli_load_profile(NULL);
    if (!prof)
        return EXIT_INPUT;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        abort();
    lr_jw w;
    lr_jw_init(&w, json ? stdout : m, 1);
    lr_jw_engines(&w, cli_profile_key(), prof);
    fclose(m);
    int rc = json ? EXIT_OK : table(text);
    free(text);
    lr_profile_free(prof);
    return rc;
}
