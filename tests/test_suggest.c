/*
 * test_suggest.c: what a user types that the tables do not hold exactly:
 * "did you mean" (lr_suggest_names, lr_model_suggest, lr_hwdb_suggest),
 * model arguments that name nothing (lr_model_unknown_id), hardware ids
 * without their punctuation (lr_hwdb_find), the user's hardware files laid
 * over the table (lr_hwdb_load_layer) and single-field overrides
 * (lr_hwdb_set). Expected values are by hand from the bundled tables
 * (data/models, data/hardware/accelerators.json) and the units' definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "llmroof.h"
#include "testutil.h"

#define MODELS LR_DATA_DIR "/models"

static void
test_names(void **state)
{
    (void)state;
    static const char *const opts[] = {"batch", "seq-len", "hardware", "hw-set", "help"};
    char buf[256];
    /* one transposition from "batch"; nothing else within 2 edits */
    assert_int_equal(lr_suggest_names("bach", opts, 5, buf, sizeof buf), 1);
    assert_string_equal(buf, "batch");
    /* punctuation and case aside, "SeqLen" is "seq-len" */
    assert_int_equal(lr_suggest_names("SeqLen", opts, 5, buf, sizeof buf), 1);
    assert_string_equal(buf, "seq-len");
    assert_int_equal(lr_suggest_names("frobnicate", opts, 5, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

static void
test_models(void **state)
{
    (void)state;
    char buf[512];
    /* every typed word is a word of the id: that one, not Llama-3.2-1B (two
     * edits away once squashed) */
    assert_int_equal(lr_model_suggest(MODELS, "Llama-2-7b", buf, sizeof buf), 1);
    assert_string_equal(buf, "meta-llama/Llama-2-7b-hf");
    assert_int_equal(lr_model_suggest(MODELS, "mixtral-8x7b", buf, sizeof buf), 1);
    assert_string_equal(buf, "mistralai/Mixtral-8x7B-v0.1");
    /* the Hub's id of a renamed model loads the bundled one */
    char *p = lr_model_find(MODELS, "meta-llama/Llama-3.1-70B");
    assert_non_null(p);
    assert_non_null(strstr(p, "meta-llama--Meta-Llama-3.1-70B.json"));
    free(p);
    p = lr_model_find(MODELS, "llama-3.1-8b");
    assert_non_null(strstr(p, "meta-llama--Meta-Llama-3.1-8B.json"));
    free(p);
    /* an id names nothing: a usage error; a path or directory does not */
    assert_true(lr_model_unknown_id(MODELS, "no-org/No-Model"));
    assert_false(lr_model_unknown_id(MODELS, "/nonexistent/config.json"));
    assert_false(lr_model_unknown_id(MODELS, "my-model.gguf"));
    assert_false(lr_model_unknown_id(MODELS, "/tmp"));
    assert_false(lr_model_unknown_id(MODELS, "Llama-2-7b-hf"));
}

static void
test_hw_find_loose(void **state)
{
    (void)state;
    lr_hwdb *db = tu_hw();
    assert_non_null(db);
    assert_string_equal(lr_hwdb_find(db, "h100sxm")->id, "h100-sxm");
    assert_string_equal(lr_hwdb_find(db, "RTX 4090")->id, "rtx-4090");
    assert_string_equal(lr_hwdb_find(db, "A100_80GB")->id, "a100-80gb");
    assert_null(lr_hwdb_find(db, "mi300"));
    char buf[256];
    assert_true(lr_hwdb_suggest(db, "mi300", buf, sizeof buf) >= 1);
    assert_int_equal(strncmp(buf, "mi300x", 6), 0); /* one edit: first */
    lr_hwdb_free(db);
}

/* lr_hwdb_set: the value in the field's unit, prefixes and the unit. */
static void
test_hw_set(void **state)
{
    (void)state;
    lr_hwdb *db = tu_hw();
    lr_error err;
    const lr_hw *h = lr_hwdb_find(db, "a100-80gb");
    assert_int_equal(lr_hwdb_set(db, "a100", "bandwidth", "3.35T", &err), 0);
    assert_true(h->bandwidth == 3.35e12);
    assert_int_equal(lr_hwdb_set(db, "a100", "memory_bandwidth", "2TB/s", &err), 0);
    assert_true(h->bandwidth == 2e12);
    /* 80 GiB = 80 * 2^30 */
    assert_int_equal(lr_hwdb_set(db, "a100", "memory", "80GiB", &err), 0);
    assert_true(h->memory_bytes == 85899345920.0);
    assert_int_equal(lr_hwdb_set(db, "a100", "link_latency", "2us", &err), 0);
    assert_true(h->link_latency == 2e-6);
    assert_int_equal(lr_hwdb_set(db, "a100", "peak_flops.fp8", "1.98e15", &err), 0);
    assert_true(h->peak[LR_FP8] == 1.98e15);
    assert_int_equal(lr_hwdb_set(db, "a100", "int4", "2P", &err), 0);
    assert_true(h->peak[LR_INT4] == 2e15);
    /* refused: a zero bandwidth, a fraction of units, junk, a wrong unit,
     * a negative number, an unknown key (naming the valid ones) */
    assert_int_equal(lr_hwdb_set(db, "a100", "bandwidth", "0", &err), -1);
    assert_non_null(strstr(err.msg, "expected a positive number in B/s"));
    assert_int_equal(lr_hwdb_set(db, "a100", "compute_units", "1.5", &err), -1);
    assert_int_equal(lr_hwdb_set(db, "a100", "compute_units", "5m", &err), -1);
    assert_int_equal(lr_hwdb_set(db, "a100", "memory", "lots", &err), -1);
    assert_int_equal(lr_hwdb_set(db, "a100", "memory", "8GB/s", &err), -1);
    assert_int_equal(lr_hwdb_set(db, "a100", "fp16", "-1", &err), -1);
    assert_int_equal(lr_hwdb_set(db, "a100", "fp16", "inf", &err), -1);
    assert_true(h->bandwidth == 2e12); /* unchanged by the refusals */
    assert_int_equal(lr_hwdb_set(db, "a100", "bandwith", "1", &err), -1);
    assert_non_null(strstr(err.msg, "did you mean memory_bandwidth?"));
    assert_non_null(strstr(err.msg, "valid keys: memory_bandwidth, memory_bytes"));
    assert_int_equal(lr_hwdb_set(db, "no-such-gpu", "memory", "1", &err), -1);
    lr_hwdb_free(db);
}

/* A user file: one entry replaces a bundled id, another is added; errors
 * carry line and column. */
static void
test_hw_layer(void **state)
{
    (void)state;
    lr_hwdb *db = tu_hw();
    size_t n0 = lr_hwdb_count(db);
    char *path = tu_tmpfile("{\"hardware\": [\n"
                            "  {\"id\": \"h100-sxm\", \"peak_flops\": {\"fp16\": 1e15},\n"
                            "   \"memory_bandwidth\": 4e12},\n"
                            "  {\"id\": \"my-gpu\", \"peak_flops\": {\"bf16\": 5e14},\n"
                            "   \"memory_bandwidth\": 1e12, \"_note\": \"a comment\"}\n"
                            "]}\n",
                            ".json");
    lr_error err;
    const lr_hw *last = NULL;
    assert_int_equal(lr_hwdb_load_layer(db, path, &last, &err), 2);
    assert_string_equal(last->id, "my-gpu");
    assert_int_equal(lr_hwdb_count(db), n0 + 1);
    assert_true(lr_hwdb_find(db, "h100-sxm")->bandwidth == 4e12);
    /* the replaced entry's aliases are the file's: none */
    assert_null(lr_hwdb_find(db, "nvidia_H100_SXM"));
    unlink(path);
    free(path);
    /* line 3, `  "memory_bandwith": 1}`: the key's quote at column 3 */
    path = tu_tmpfile("{\"hardware\": [\n  {\"id\": \"x\", \"peak_flops\": {},\n"
                      "  \"memory_bandwith\": 1}]}\n",
                      ".json");
    assert_int_equal(lr_hwdb_load_layer(db, path, NULL, &err), -1);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 3);
    assert_non_null(strstr(err.msg, "unknown key 'memory_bandwith'"));
    unlink(path);
    free(path);
    /* the second entry (line 3, `  {"id": "b"}]}`) lacks peak_flops: the
     * error points at its '{', column 3 */
    path = tu_tmpfile("{\"hardware\": [\n  {\"id\": \"a\", \"peak_flops\": {}, "
                      "\"memory_bandwidth\": 1},\n  {\"id\": \"b\"}]}\n",
                      ".json");
    assert_int_equal(lr_hwdb_load_layer(db, path, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "peak_flops"));
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 3);
    unlink(path);
    free(path);
    lr_hwdb_free(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_models),
        cmocka_unit_test(test_hw_find_loose), cmocka_unit_test(test_hw_set),
        cmocka_unit_test(test_hw_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
