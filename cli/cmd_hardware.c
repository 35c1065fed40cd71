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
                            "show: a device's peaks per data type, memory, buffers and source.\n"
                            "--format json: every field of each device, as the web API's\n"
                            "/api/hardware (docs/json-output.md).\n";

static void
show(const lr_hw *h)
{
    printf("id:          %s\nname:        %s\naliases:    ", h->id, h->name);
    for (size_t i = 0; i < h->naliases; i++)
        printf(" %s", h->aliases[i]);
    printf("\npeak (dense):\n");
    for (int d = 0; d < LR_NDTYPES; d++) {
        if (h->peak[d] > 0)
            printf("  %-5s %10.1f TFLOP/s\n", lr_dtype_names[d], h->peak[d] / 1e12);
        else
            printf("  %-5s          -\n", lr_dtype_names[d]);
    }
    printf("memory:      %.1f GiB at %.0f GB/s\n", h->memory_bytes / 1073741824.0,
           h->bandwidth / 1e9);
    printf("on-chip:     %.1f MiB L1/shared, %.1f MiB L2\n", h->onchip_bytes / 1048576.0,
           h->l2_bytes / 1048576.0);
    if (h->link_bandwidth > 0)
        printf("interconnect %.0f GB/s per direction\n", h->link_bandwidth / 1e9);
    printf("source:      %s\n", h->source);
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
