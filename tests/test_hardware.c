/*
 * test_hardware.c: the bundled hardware table (data/hardware/): every entry
 * names a source, ids and aliases are unique, every `unverified` item names
 * a field of the table, a few entries match the datasheet figures they cite,
 * and the loader rejects malformed entries with the place named.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include <cmocka.h>

#include "testutil.h"

#define GIB 1073741824.0

static int
setup(void **state)
{
    *state = tu_hw();
    return *state ? 0 : -1;
}

static int
teardown(void **state)
{
    lr_hwdb_free(*state);
    return 0;
}

static void
test_sources_and_unique_names(void **state)
{
    const lr_hwdb *db = *state;
    size_t n = lr_hwdb_count(db);
    assert_true(n >= 80);
    for (size_t i = 0; i < n; i++) {
        const lr_hw *h = lr_hwdb_at(db, i);
        if (!h->source || strlen(h->source) < 10)
            fail_msg("%s: no source", h->id);
        /* every name of this entry resolves to this entry, and to no other */
        if (lr_hwdb_find(db, h->id) != h)
            fail_msg("id %s is also a name of %s", h->id, lr_hwdb_find(db, h->id)->id);
        for (size_t k = 0; k < h->naliases; k++)
            if (lr_hwdb_find(db, h->aliases[k]) != h)
                fail_msg("alias %s of %s is also a name of %s", h->aliases[k], h->id,
                         lr_hwdb_find(db, h->aliases[k])->id);
        for (size_t j = i + 1; j < n; j++) {
            const lr_hw *o = lr_hwdb_at(db, j);
            for (size_t k = 0; k < o->naliases; k++)
                if (strcasecmp(o->aliases[k], h->id) == 0)
                    fail_msg("alias %s of %s repeats the id of %s", o->aliases[k], o->id, h->id);
        }
    }
}

/* An unverified item starts with the key of the figure it doubts. */
static int
known_key(const char *item)
{
    static const char *const keys[] = {"peak_flops",
                                       "memory_bytes",
                                       "memory_bandwidth",
                                       "onchip_bytes",
                                       "l2_bytes",
                                       "compute_units",
                                       "compute_capability",
                                       "interconnect_bandwidth",
                                       "interconnect_latency_s",
                                       "collectives"};
    size_t len = strcspn(item, " (");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (len == strlen(keys[i]) && strncmp(item, keys[i], len) == 0)
            return 1;
    if (strncmp(item, "peak_flops.", 11) == 0)
        for (int d = 0; d < LR_NDTYPES; d++)
            if (len == 11 + strlen(lr_dtype_names[d]) &&
                strncmp(item + 11, lr_dtype_names[d], len - 11) == 0)
                return 1;
    return 0;
}

static void
test_unverified_names_fields(void **state)
{
    const lr_hwdb *db = *state;
    for (size_t i = 0; i < lr_hwdb_count(db); i++) {
        const lr_hw *h = lr_hwdb_at(db, i);
        for (size_t k = 0; k < h->nunverified; k++)
            if (!known_key(h->unverified[k]))
                fail_msg("%s: unverified item '%s' names no field", h->id, h->unverified[k]);
    }
}

/* |v - want| <= tol, with the device named on failure */
static void
near(const char *id, const char *what, double v, double want, double tol)
{
    if (!(fabs(v - want) <= tol))
        fail_msg("%s %s: %.6g, datasheet %.6g", id, what, v, want);
}

static const lr_hw *
get(const lr_hwdb *db, const char *id)
{
    const lr_hw *h = lr_hwdb_find(db, id);
    if (!h)
        fail_msg("no device %s", id);
    return h;
}

static void
test_datasheet_figures(void **state)
{
    const lr_hwdb *db = *state;
    /* NVIDIA A40 datasheet: FP32 37.4, FP16 tensor 149.7 dense TFLOP/s,
     * 48 GB at 696 GB/s */
    const lr_hw *h = get(db, "a40");
    near("a40", "fp32", h->peak[LR_FP32], 37.4e12, 0.05e12);
    near("a40", "fp16", h->peak[LR_FP16], 149.7e12, 0.05e12);
    near("a40", "bandwidth", h->bandwidth, 696e9, 0);
    near("a40", "memory", h->memory_bytes, 48 * GIB, 0);
    /* NVIDIA L40 datasheet: FP16 181.05 dense (half the L40S's 362.05) */
    h = get(db, "l40");
    near("l40", "fp16", h->peak[LR_FP16], 181.05e12, 0.1e12);
    near("l40", "bandwidth", h->bandwidth, 864e9, 0);
    /* Ampere GA102 whitepaper appendix, RTX 3080: FP32 29.8, FP16 tensor
     * 59.5 (FP32 accumulate) and 119 (FP16 accumulate) dense TFLOP/s */
    h = get(db, "rtx-3080");
    near("rtx-3080", "fp32", h->peak[LR_FP32], 29.8e12, 0.1e12);
    near("rtx-3080", "fp16", h->peak[LR_FP16], 59.5e12, 0.1e12);
    near("rtx-3080", "fp16_acc16", h->peak[LR_FP16_ACC16], 119e12, 0.15e12);
    /* NVIDIA RTX 6000 Ada datasheet: FP32 91.1, FP8 1,457 with sparsity
     * (728.5 dense), 48 GB at 960 GB/s */
    h = get(db, "rtx-6000-ada");
    near("rtx-6000-ada", "fp32", h->peak[LR_FP32], 91.1e12, 0.05e12);
    near("rtx-6000-ada", "fp8", h->peak[LR_FP8], 728.5e12, 0.1e12);
    near("rtx-6000-ada", "bandwidth", h->bandwidth, 960e9, 0);
    /* GeForce RTX 5090 specifications: 1,792 GB/s, 32 GB, FP32 104.8 */
    h = get(db, "rtx-5090");
    near("rtx-5090", "bandwidth", h->bandwidth, 1792e9, 0);
    near("rtx-5090", "memory", h->memory_bytes, 32 * GIB, 0);
    near("rtx-5090", "fp32", h->peak[LR_FP32], 104.8e12, 0.05e12);
    /* Google Cloud TPU v6e page: 918 BF16 TFLOP/s, 32 GB at 1,640 GB/s */
    h = get(db, "tpu-v6e");
    near("tpu-v6e", "bf16", h->peak[LR_BF16], 918e12, 0);
    near("tpu-v6e", "bandwidth", h->bandwidth, 1640e9, 0);
    near("tpu-v6e", "memory", h->memory_bytes, 32 * GIB, 0);
    /* AMD MI355X data sheet: 288 GB HBM3E at 8 TB/s, FP16 2.5 PFLOP/s dense */
    h = get(db, "mi355x");
    near("mi355x", "memory", h->memory_bytes, 288 * GIB, 0);
    near("mi355x", "bandwidth", h->bandwidth, 8e12, 0);
    near("mi355x", "fp16", h->peak[LR_FP16], 2516.6e12, 0.1e12);
    /* Apple: the old ids are aliases of the new ones; M2 Ultra (press
     * release, June 2023): 800 GB/s, up to 192 GB */
    h = get(db, "apple-m2-ultra");
    assert_string_equal(h->id, "apple-m2-ultra-76gpu");
    near("apple-m2-ultra", "bandwidth", h->bandwidth, 800e9, 0);
    near("apple-m2-ultra", "memory", h->memory_bytes, 192 * GIB, 0);
    assert_string_equal(get(db, "apple-m3-max")->id, "apple-m3-max-40gpu");
    assert_string_equal(get(db, "apple-m4-max")->id, "apple-m4-max-40gpu");
    /* every Apple M1-M4 variant the measurements name exists */
    static const char *const apple[] = {
        "apple-m1-7gpu",      "apple-m1-pro-14gpu",   "apple-m1-max-24gpu", "apple-m1-ultra-48gpu",
        "apple-m2-pro-16gpu", "apple-m3-ultra-80gpu", "apple-m4-pro-20gpu", "apple-m4-max-32gpu"};
    for (size_t i = 0; i < sizeof apple / sizeof apple[0]; i++)
        get(db, apple[i]);
    /* CPUs carry a memory capacity (serve-plan needs one) */
    assert_true(get(db, "xeon-8480plus")->memory_bytes > 0);
    assert_true(get(db, "epyc-9654")->memory_bytes > 0);
    /* compute capability: Hopper 9.0, Ada 8.9, the A100 8.0 */
    near("h800", "compute_capability", get(db, "h800")->compute_capability, 9.0, 0);
    near("rtx-4080", "compute_capability", get(db, "rtx-4080")->compute_capability, 8.9, 0);
    near("a800", "compute_capability", get(db, "a800")->compute_capability, 8.0, 0);
}

static void
test_bad_entries(void **state)
{
    (void)state;
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"{\"hardware\": [{\"id\": \"x\", \"peak_flops\": {}, \"memory_bandwidth\": 1, "
         "\"aliases\": \"y\"}]}",
         "aliases: expected an array of strings"},
        {"{\"hardware\": [{\"id\": \"x\", \"peak_flops\": {}, \"memory_bandwidth\": 1, "
         "\"unverified\": [3]}]}",
         "unverified[0]: expected a string"},
        {"{\"hardware\": [{\"id\": \"x\", \"peak_flops\": {\"fp16_acc16\": -1}, "
         "\"memory_bandwidth\": 1}]}",
         "fp16_acc16: expected a non-negative number"},
        {"{\"hardware\": [{\"id\": \"x\", \"peak_flops\": {}, \"memory_bandwidth\": 1, "
         "\"compute_capability\": \"9.0\"}]}",
         "compute_capability: expected a non-negative number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tu_tmpfile(cases[i].json, ".json");
        lr_error err;
        lr_hwdb *db = lr_hwdb_load(path, &err);
        unlink(path);
        free(path);
        assert_null(db);
        if (!strstr(err.msg, cases[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
        assert_non_null(strstr(err.path, "hardware[0]"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sources_and_unique_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unverified_names_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_datasheet_figures, setup, teardown),
        cmocka_unit_test(test_bad_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
