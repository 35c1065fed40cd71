/*
 * cmd_hardware.c: `llmroof hardware list|show ID`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "usage: llmroof hardware list [--format table|json]\n"
                            "       llmroof hardware show ID [--format table|json]\n"
                            "\n"
                            "list: every device with its memory and 16-bit peak.\n"
                            "show: every field of a device, with units; `*` marks the figures its\n"
                            "entry lists as unverified (not confirmed by a second source).\n"
                            "--format json: every field of each device, as the web API's\n"
                            "/api/hardware (docs/json-output.md).\n";

/* 1 when the entry's `unverified` list names `key`: an item is the key of the
 * figure (peak_flops.fp16, memory_bandwidth, ...), optionally followed by a
 * note; `peak_flops` alone covers every peak. */
static int
unverified(const lr_hw *h, const char *key)
{
    for (size_t i = 0; i < h->nunverified; i++) {
        const char *u = h->unverified[i];
        size_t n = strcspn(u, " (");
        if ((strlen(key) == n && strncmp(u, key, n) == 0) ||
            (n == strlen("peak_flops") && strncmp(u, "peak_flops", n) == 0 &&
             strncmp(key, "peak_flops.", 11) == 0))
            return 1;
    }
    return 0;
}

/* One line: label, value with its unit (or "-" when unknown), '*' if unverified. */
static void
field(const lr_hw *h, const char *key, const char *label, double v, const char *unit)
{
    char q[48] = "-";
    if (v > 0)
        lr_fmt_quantity(q, sizeof q, v, unit);
    printf("  %-24s %14s%s\n", label, q, unverified(h, key) ? "  *" : "");
}

static void
show(const lr_hw *h)
{
    printf("id:          %s\nname:        %s\naliases:    ", h->id, h->name);
    for (size_t i = 0; i < h->naliases; i++)
        printf(" %s", h->aliases[i]);
    printf("\npeak (dense):\n");
    for (int d = 0; d < LR_NDTYPES; d++) {
        char key[32];
        snprintf(key, sizeof key, "peak_flops.%s", lr_dtype_names[d]);
        field(h, key, lr_dtype_names[d], h->peak[d],
              d >= LR_INT8 && d <= LR_INT4 ? "OP/s" : "FLOP/s");
    }
    printf("memory:\n");
    field(h, "memory_bytes", "memory_bytes", h->memory_bytes, "B");
    field(h, "memory_bandwidth", "memory_bandwidth", h->bandwidth, "B/s");
    field(h, "onchip_bytes", "onchip_bytes (L1/shared)", h->onchip_bytes, "B");
    field(h, "l2_bytes", "l2_bytes", h->l2_bytes, "B");
    printf("compute:\n");
    field(h, "compute_units", "compute_units", h->compute_units, "");
    field(h, "compute_capability", "compute_capability", h->compute_capability, "");
    printf("interconnect:\n");
    field(h, "interconnect_bandwidth", "bandwidth per direction", h->link_bandwidth, "B/s");
    field(h, "interconnect_latency_s", "latency per hop", h->link_latency, "s");
    printf("source:      %s\n", h->source);
    if (h->nunverified)
        printf("* unverified (not confirmed by a second source):\n");
    for (size_t i = 0; i < h->nunverified; i++)
        printf("  - %s\n", h->unverified[i]);
}

static void
list(const lr_hwdb *db)
{
    printf("%-22s %-40s %9s %10s %12s\n", "id", "name", "memory", "bandwidth", "fp16/bf16");
    for (size_t i = 0; i < lr_hwdb_count(db); i++) {
        const lr_hw *h = lr_hwdb_at(db, i);
        double p = h->peak[LR_FP16] > 0 ? h->peak[LR_FP16] : h->peak[LR_BF16];
        printf("%-22s %-40s %5.0f GiB %5.0f GB/s %6.1f TFLOP/s\n", h->id, h->name,
               h->memory_bytes / 1073741824.0, h->bandwidth / 1e9, p / 1e12);
    }
}

int
cmd_hardware(int argc, char **argv)
{
    int json = 0;
    if (cli_take_format("hardware", &argc, argv, &json) < 0)
        return EXIT_USAGE;
    lr_jw w;
    lr_jw_init(&w, stdout, 1);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    int is_list = strcmp(argv[1], "list") == 0, is_show = strcmp(argv[1], "show") == 0;
    if (!(is_list && argc == 2) && !(is_show && argc == 3))
        return cli_usage_error("hardware", "expected `list` or `show ID`");
    lr_profile *prof = cli_load_profile(NULL);
    lr_hwdb *db = prof ? cli_load_hw(prof) : NULL;
    if (!db) {
        lr_profile_free(prof);
        return EXIT_INPUT;
    }
    int rc = EXIT_OK;
    if (is_list && json) {
        lr_jw_hardware(&w, cli_profile_key(), DEFAULT_HARDWARE, db);
    } else if (is_list) {
        list(db);
    } else {
        /* an id, or a file of one device: `hardware show my.json` checks it */
        const lr_hw *h = cli_find_hw(db, argv[2], prof, &rc);
        if (h && json)
            lr_jw_device(&w, h);
        else if (h)
            show(h);
    }
    lr_hwdb_free(db);
    lr_profile_free(prof);
    return rc;
}
