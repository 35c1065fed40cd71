/*
 * test_report.c: the JSON output is valid JSON (parsed back with jansson),
 * follows the documented contract (docs/json-output.md), and carries the
 * same raw numbers as the result; CSV has one row per op per stage plus
 * totals.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

static char *
render(enum lr_format fmt, lr_result *r, lr_plan *p)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(lr_report_write(f, fmt, r, p, "meta-llama/Llama-2-7b-hf"), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static void
test_json_contract(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    lr_hwdb *hw = tu_hw();
    lr_error err;
    lr_plan *p = lr_plan_new(a, db, &err);
    lr_result *r = lr_result_new(p);
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 3;
    s.seq_len = 100;
    assert_int_equal(lr_analyze(p, prof, lr_hwdb_find(hw, "nvidia_A100_80G"), &s, 1, 1, r, &err),
                     0);
    char *text = render(LR_FMT_JSON, r, p);
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root)
        fail_msg("invalid JSON at %d:%d: %s", je.line, je.column, je.text);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "model"), "name")),
                        "meta-llama/Llama-2-7b-hf");
    assert_true(json_number_value(json_object_get(json_object_get(root, "model"), "params")) ==
                6738415616.0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "hardware"), "name")), "a100-80gb");
    json_t *set = json_object_get(root, "settings");
    assert_true(json_integer_value(json_object_get(set, "batch")) == 3);
    assert_true(json_integer_value(json_object_get(set, "seq_len")) == 100);
    assert_true(json_integer_value(json_object_get(set, "kv_bit")) == 16);
    /* every row of the settings table, and nothing else but the derived
     * device count, image tokens, compute type and the profile: a result
     * reproduces from itself */
    for (size_t i = 0; i < lr_setting_count(); i++)
        if (!json_object_get(set, lr_setting_at(i)->name))
            fail_msg("settings lack %s", lr_setting_at(i)->name);
    assert_int_equal(json_object_size(set), lr_setting_count() + 4);
    assert_true(json_number_value(json_object_get(set, "devices")) == 1);
    assert_true(json_number_value(json_object_get(set, "image_tokens")) == 0); /* no images */
    assert_true(json_number_value(json_object_get(set, "dp")) == 1);
    assert_true(json_is_false(json_object_get(set, "w_asym")));
    assert_true(json_is_true(json_object_get(set, "causal")));
    assert_string_equal(json_string_value(json_object_get(set, "attention")), "eager");
    assert_string_equal(json_string_value(json_object_get(set, "a_dtype")), "int");
    assert_string_equal(json_string_value(json_object_get(set, "compute_dtype")), "fp16");
    static const char *const keys[] = {
        "name",    "path",     "count", "flops",     "load_weight", "load_act", "store_act",
        "load_kv", "store_kv", "bytes", "intensity", "bound",       "time_s"};
    for (int st = 0; st < 2; st++) {
        json_t *stage = json_object_get(root, st ? "decode" : "prefill");
        json_t *ops = json_object_get(stage, "ops");
        /* only the present ops are listed */
        const lr_op *present[64];
        size_t np = 0;
        for (size_t i = 0; i < r->stage[st].nops && np < 64; i++)
            if (r->stage[st].ops[i].present)
                present[np++] = &r->stage[st].ops[i];
        /* 21 at batch 3, eager, one device: not flash_attention, the two
         * all-reduces (tp = 1) or the pipeline send (pp = 1) */
        assert_int_equal(np, 21);
        assert_int_equal(json_array_size(ops), np);
        for (size_t i = 0; i < json_array_size(ops); i++) {
            json_t *o = json_array_get(ops, i);
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
                if (!json_object_get(o, keys[k]))
                    fail_msg("op %zu lacks %s", i, keys[k]);
            const lr_op *op = present[i];
            /* numbers round-trip exactly: the writer prints the shortest
             * form that reads back to the same double */
            assert_true(json_number_value(json_object_get(o, "flops")) == op->v[LR_F_FLOPS]);
            assert_true(json_number_value(json_object_get(o, "time_s")) == op->time_s);
            assert_true(json_number_value(json_object_get(o, "intensity")) == op->intensity);
            assert_string_equal(json_string_value(json_object_get(o, "path")), op->path);
        }
        json_t *tot = json_object_get(stage, "total");
        assert_true(json_number_value(json_object_get(tot, "flops")) == r->stage[st].total.v[0]);
        assert_true(json_number_value(json_object_get(tot, "time_s")) == r->stage[st].total.time_s);
        /* one device, no pipeline: the stage's latency is its time */
        assert_true(json_number_value(json_object_get(tot, "latency_s")) ==
                    r->stage[st].total.time_s);
    }
    json_t *mem = json_object_get(root, "memory");
    assert_true(json_number_value(json_object_get(mem, "weights")) == 6738415616.0 * 2);
    assert_true(json_is_true(json_object_get(mem, "fits")));
    json_decref(root);
    free(text);

    /* CSV: header + (21 present ops + total) per stage */
    text = render(LR_FMT_CSV, r, p);
    size_t lines = 0;
    for (char *c = text; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1 + 2 * (21 + 1));
    assert_non_null(strstr(text, "prefill,qk_matmul,model.layers.self_attn.qk_matmul,attention,"));
    free(text);

    lr_result_free(r);
    lr_plan_free(p);
    lr_arch_free(a);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_json_contract)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
