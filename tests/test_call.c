/*
 * test_call.c: lr_json_call, the JSON entry point of the bindings: every
 * command answers with the JSON of the CLI's writers (checked here on
 * figures derived by hand; python/tests compares whole documents with the
 * CLI's), and every bad request is an error with the CLI's exit code for
 * its cause. Run under ASan, this is where the call's own leaks show.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llmroof.h"

#define DD "\"data_dir\": \"" LR_DATA_DIR "\""

/* The reply to `req` parsed, or NULL with *code and err filled. */
static json_t *
call(const char *req, int *code, lr_error *err)
{
    char *out = lr_json_call(req, code, err);
    if (!out)
        return NULL;
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    lr_free(out);
    assert_non_null(j);
    return j;
}

static double
num(const json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *v = j;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    assert_non_null(v);
    return json_number_value(v);
}

static void
test_analyze(void **state)
{
    (void)state;
    int code = -1;
    lr_error err;
    json_t *j = call("{\"command\": \"analyze\", " DD ", \"stage\": \"decode\", "
                     "\"settings\": {\"batch\": 4, \"kv_bit\": 8}}",
                     &code, &err);
    assert_non_null(j);
    assert_int_equal(code, 0);
    /* Llama-2-7b (the default model): 6,738,415,616 parameters */
    assert_true(num(j, "model.params") == 6738415616.0);
    assert_true(num(j, "settings.batch") == 4 && num(j, "settings.kv_bit") == 8);
    /* decode of one token per sequence: 2 FLOPs per weight and token at
     * least: 2 x 4 x 6.7e9 */
    assert_true(num(j, "decode.total.flops") >= 2 * 4 * 6738415616.0);
    assert_null(json_object_get(j, "prefill"));
    json_decref(j);
}

static void
test_generate_and_plan(void **state)
{
    (void)state;
    int code;
    lr_error err;
    json_t *j = call("{\"command\": \"generate\", " DD ", \"prompt_len\": 100, \"gen_len\": 10, "
                     "\"settings\": {\"batch\": 3}}",
                     &code, &err);
    assert_non_null(j);
    /* output tokens per second: batch x G / latency */
    const json_t *g = json_object_get(j, "generation") ? json_object_get(j, "generation") : j;
    assert_float_equal(num(g, "output_tokens_per_s"), 3 * 10 / num(g, "latency_s"), 1e-6);
    json_decref(j);
    j = call("{\"command\": \"serve_plan\", " DD ", \"prompt_len\": 128, \"gen_len\": 16, "
             "\"max_batch\": 3}",
             &code, &err);
    assert_non_null(j);
    /* batches 1, 2, 3 (max_batch caps the every-size-up-to-64 rows) */
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 3);
    assert_true(num(j, "settings.max_batch") == 3);
    json_decref(j);
}

static void
test_sweep(void **state)
{
    (void)state;
    int code;
    lr_error err;
    json_t *j = call("{\"command\": \"sweep\", " DD ", \"model\": [\"Llama-2-7b-hf\", "
                     "\"mistralai/Mistral-7B-v0.1\"], \"hardware\": [\"a100-80gb\", \"h100-sxm\"], "
                     "\"settings\": {\"batch\": [1, 2, 4], \"seq_len\": 512}}",
                     &code, &err);
    assert_non_null(j);
    /* 2 models x 3 batches x 2 devices, the devices fastest */
    assert_int_equal(json_array_size(j), 12);
    const json_t *r5 = json_array_get(j, 5);
    assert_string_equal(json_string_value(json_object_get(r5, "hardware")), "h100-sxm");
    assert_true(num(r5, "batch") == 4 && num(r5, "seq_len") == 512);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 6), "model")),
                        "mistralai/Mistral-7B-v0.1");
    assert_null(json_object_get(r5, "generation"));
    json_decref(j);
}

static void
test_listings(void **state)
{
    (void)state;
    int code;
    lr_error err;
    json_t *j = call("{\"command\": \"hardware\", " DD "}", &code, &err);
    assert_non_null(j);
    assert_true(json_array_size(json_object_get(j, "hardware")) > 10);
    json_decref(j);
    j = call("{\"command\": \"models\", " DD "}", &code, &err);
    assert_non_null(j);
    assert_true(json_array_size(json_object_get(j, "models")) > 10);
    json_decref(j);
}

/* A request that fails: its code and a word of its message. */
static void
fails(const char *req, int want, const char *words)
{
    int code = -1;
    lr_error err;
    char *out = lr_json_call(req, &code, &err);
    assert_null(out);
    assert_int_equal(code, want);
    char buf[4096];
    lr_error_format(&err, buf, sizeof buf);
    if (!strstr(buf, words))
        fail_msg("'%s': expected '%s' in '%s'", req, words, buf);
}

static void
test_errors(void **state)
{
    (void)state;
    fails("{\"command\": \"analyse\"}", 1, "unknown command 'analyse'");
    fails("not json", 1, "expected a JSON object");
    fails("[1]", 1, "expected a JSON object");
    fails("{\"command\": \"analyze\", \"batch\": 8}", 1, "unknown key 'batch'");
    fails("{\"command\": \"analyze\", " DD ", \"hardware\": \"h100sxmm\"}", 1, "h100-sxm");
    fails("{\"command\": \"analyze\", " DD ", \"settings\": {\"bacth\": 2}}", 1,
          "did you mean batch");
    fails("{\"command\": \"analyze\", " DD ", \"settings\": {\"batch\": 0}}", 1, "batch");
    fails("{\"command\": \"analyze\", " DD ", \"model\": \"/nonexistent/config.json\"}", 2,
          "/nonexistent/config.json");
    fails("{\"command\": \"analyze\", " DD ", \"model\": \"Llama-2-7b\"}", 1,
          "meta-llama/Llama-2-7b-hf");
    fails("{\"command\": \"generate\", " DD ", \"settings\": {\"seq_len\": 9}}", 1, "prompt_len");
    fails("{\"command\": \"serve_plan\", " DD ", \"settings\": {\"batch\": 9}}", 1, "max_batch");
    fails("{\"command\": \"analyze\", " DD ", \"settings\": {\"ep\": 2}}", 1,
          "no expert parallelism");
    fails("{\"command\": \"analyze\", " DD ", \"stage\": \"both2\"}", 1, "stage");
    fails("{\"command\": \"sweep\", " DD ", \"settings\": {\"batch\": []}}", 1, "empty list");
    fails("{\"command\": \"analyze\", " DD ", \"hw_set\": [\"bandwidth=0\"]}", 1, "bandwidth");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze), cmocka_unit_test(test_generate_and_plan),
        cmocka_unit_test(test_sweep),   cmocka_unit_test(test_listings),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
