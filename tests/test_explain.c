/*
 * test_explain.c: lr_plan_explain_op and its JSON (lr_jw_explain) on
 * Llama-2-7b (published config: h = 4096, 32 heads of 128, 32 KV heads,
 * 32 layers) on an A100 80GB, batch 1, seq_len 2048, 16-bit everything.
 * Expected values are computed by hand from the formulas quoted from
 * data/profiles/default/modules/ (torch.json, llama.json).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "testutil.h"

typedef struct fixture {
    lr_profile *prof;
    lr_hwdb *hwdb;
    lr_arch *arch;
    lr_settings s;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->prof = tu_profile(TU_DEFAULT, NULL);
    f->hwdb = tu_hw();
    f->arch = tu_model("meta-llama/Llama-2-7b-hf");
    lr_settings_default(&f->s);
    f->s.batch = 1;
    f->s.seq_len = 2048;
    *state = f;
    return f->prof && f->hwdb && f->arch ? 0 : -1;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    lr_arch_free(f->arch);
    lr_hwdb_free(f->hwdb);
    lr_profile_free(f->prof);
    free(f);
    return 0;
}

static lr_explain *
explain(fixture *f, const char *path)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_explain *x =
        lr_plan_explain_op(f->arch, f->prof, lr_hwdb_find(f->hwdb, "a100-80gb"), &f->s, path, &err);
    if (!x)
        fail_msg("%s: %s", path, err.msg);
    return x;
}

static const lr_explain_field *
field(const lr_explain_stage *st, enum lr_field fl)
{
    for (size_t i = 0; i < st->nfields; i++)
        if (st->fields[i].field == fl)
            return &st->fields[i];
    fail_msg("no field %s", lr_field_names[fl]);
    return NULL;
}

static double
name_value(const lr_explain_stage *st, const char *name)
{
    for (size_t i = 0; i < st->nnames; i++)
        if (strcmp(st->names[i].name, name) == 0)
            return st->names[i].value;
    fail_msg("no name %s", name);
    return NAN;
}

/* torch_Linear (torch.json), parameters tokens = {B} * {S} (default),
 * in_features 4096, out_features 4096 / {tp}, bias 0:
 *   flops = 2 * {tokens} * {in_features} * {out_features}
 *           + {bias} * {tokens} * {out_features}
 *           + ({w_bit} < {a_bit} ? 2 * {in_features} * {out_features} : 0)
 *   prefill: 2 * 2048 * 4096 * 4096 = 2^1 * 2^11 * 2^12 * 2^12 = 2^36 = 68719476736
 *   decode:  2 * 1 * 4096 * 4096 = 2^25 = 33554432
 *   load_weight = {in_features} * {out_features} * ({w_bytes} + {w_scale_bytes}) + ...
 *           = 4096 * 4096 * 2 = 2^25 = 33554432 in both stages */
static void
test_q_proj(void **state)
{
    fixture *f = *state;
    lr_explain *x = explain(f, "model.layers.self_attn.q_proj");
    assert_string_equal(x->op, "linear");
    assert_string_equal(x->kind, "matmul");
    assert_string_equal(x->node, "model.layers.self_attn.q_proj");
    assert_string_equal(x->module, "torch_Linear");
    assert_int_equal(x->nparams, 4);
    assert_string_equal(x->params[0].name, "tokens");
    assert_false(x->params[0].given);
    assert_string_equal(x->params[0].def, "{B} * {S}");
    assert_true(x->params[1].given && x->params[1].value == 4096 && !x->params[1].formula);
    assert_string_equal(x->params[2].formula, "(4096 / {tp})");
    const lr_explain_stage *pre = &x->stage[LR_PREFILL], *dec = &x->stage[LR_DECODE];
    const lr_explain_field *fl = field(pre, LR_F_FLOPS);
    assert_string_equal(
        fl->text, "2 * 2048 * 4096 * 4096 + 0 * 2048 * 4096 + (16 < 16 ? 2 * 4096 * 4096 : 0)");
    assert_true(fl->value == 68719476736.0);
    assert_true(field(dec, LR_F_FLOPS)->value == 33554432.0);
    assert_true(field(pre, LR_F_LOAD_WEIGHT)->value == 33554432.0);
    assert_true(field(dec, LR_F_LOAD_WEIGHT)->value == 33554432.0);
    /* names in order of first use; tokens is {B} * {S} per stage */
    assert_string_equal(pre->names[0].name, "tokens");
    assert_true(name_value(pre, "tokens") == 2048 && name_value(dec, "tokens") == 1);
    assert_true(name_value(pre, "out_features") == 4096);
    /* the op's record agrees: 32 layers, the same FLOPs per instance */
    assert_true(pre->op.count == 32 && pre->op.v[LR_F_FLOPS] == 68719476736.0);
    assert_true(pre->op.present);
    lr_explain_free(x);
}

/* transformers_LlamaSdpaAttention (llama.json), op qk_matmul:
 *   flops = 2 * {B} * {num_heads} * {S} * {ctx} * {head_dim}
 *     prefill: 2 * 1 * 32 * 2048 * 2048 * 128 = 2^(1+5+11+11+7) = 2^35 = 34359738368
 *     decode:  2 * 1 * 32 * 1 * 2048 * 128 = 2^24 = 16777216
 *   load_kv = {B} * {num_kv_heads} * {ctx} * {head_dim} * ({kv_bytes} + {kv_scale_bytes})
 *     both: 32 * 2048 * 128 * (2 + 0) = 2^24 = 16777216
 * With --tp 2, num_heads = 32 / 2 = 16: prefill flops 2^34 = 17179869184. */
static void
test_qk_matmul(void **state)
{
    fixture *f = *state;
    lr_explain *x = explain(f, "model.layers.self_attn.qk_matmul");
    assert_string_equal(x->node, "model.layers.self_attn");
    const lr_explain_stage *pre = &x->stage[LR_PREFILL], *dec = &x->stage[LR_DECODE];
    assert_string_equal(field(pre, LR_F_FLOPS)->text, "2 * 1 * 32 * 2048 * 2048 * 128");
    assert_string_equal(field(pre, LR_F_FLOPS)->formula,
                        "2 * {B} * {num_heads} * {S} * {ctx} * {head_dim}");
    assert_true(field(pre, LR_F_FLOPS)->value == 34359738368.0);
    assert_string_equal(field(dec, LR_F_FLOPS)->text, "2 * 1 * 32 * 1 * 2048 * 128");
    assert_true(field(dec, LR_F_FLOPS)->value == 16777216.0);
    assert_string_equal(field(dec, LR_F_LOAD_KV)->text, "1 * 32 * 2048 * 128 * (2 + 0)");
    assert_true(field(pre, LR_F_LOAD_KV)->value == 16777216.0);
    static const char *const order[] = {"B", "num_heads", "S", "ctx", "head_dim", "a_bytes"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(pre->names[i].name, order[i]);
    assert_true(name_value(dec, "S") == 1 && name_value(dec, "ctx") == 2048);
    lr_explain_free(x);
    f->s.tp = 2;
    x = explain(f, "model.layers.self_attn.qk_matmul");
    f->s.tp = 1;
    assert_true(name_value(&x->stage[LR_PREFILL], "num_heads") == 16);
    assert_true(field(&x->stage[LR_PREFILL], LR_F_FLOPS)->value == 17179869184.0);
    lr_explain_free(x);
}

/* k_proj's output goes to the KV cache: its store_act is reported as
 * store_kv and {out_bytes} is the KV width. --kv-bit 8: out_bytes 1,
 * prefill store_kv = {tokens} * {out_features} * {out_bytes}
 * = 2048 * 4096 * 1 = 8388608 (activations stay 2 bytes). */
static void
test_kv_output(void **state)
{
    fixture *f = *state;
    lr_error err;
    assert_int_equal(lr_settings_set(&f->s, "kv_bit", "8", &err), 0);
    lr_explain *x = explain(f, "model.layers.self_attn.k_proj");
    lr_settings_default(&f->s);
    f->s.seq_len = 2048;
    const lr_explain_stage *pre = &x->stage[LR_PREFILL];
    const lr_explain_field *kv = field(pre, LR_F_STORE_KV);
    assert_string_equal(kv->text, "2048 * 4096 * 1");
    assert_true(kv->value == 8388608.0);
    assert_true(name_value(pre, "out_bytes") == 1 && name_value(pre, "a_bytes") == 2);
    for (size_t i = 0; i < pre->nfields; i++)
        assert_int_not_equal(pre->fields[i].field, LR_F_STORE_ACT);
    lr_explain_free(x);
}

static void
test_unknown_path(void **state)
{
    fixture *f = *state;
    lr_error err;
    memset(&err, 0, sizeof err);
    assert_null(lr_plan_explain_op(f->arch, f->prof, lr_hwdb_find(f->hwdb, "a100-80gb"), &f->s,
                                   "model.nothing", &err));
    assert_non_null(strstr(err.msg, "no op with path 'model.nothing'"));
}

/* The JSON of /api/op: the same values, under the keys docs/json-output.md
 * lists. */
static void
test_json(void **state)
{
    fixture *f = *state;
    lr_explain *x = explain(f, "model.layers.self_attn.qk_matmul");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    lr_jw w;
    lr_jw_init(&w, m, 1);
    lr_jw_explain(&w, x);
    fclose(m);
    json_error_t je;
    json_t *root = json_loads(buf, 0, &je);
    if (!root)
        fail_msg("JSON: %s", je.text);
    assert_string_equal(json_string_value(json_object_get(root, "path")),
                        "model.layers.self_attn.qk_matmul");
    json_t *fl =
        json_object_get(json_object_get(json_object_get(root, "prefill"), "formulas"), "flops");
    assert_string_equal(json_string_value(json_object_get(fl, "text")),
                        "2 * 1 * 32 * 2048 * 2048 * 128");
    assert_true(json_number_value(json_object_get(fl, "value")) == 34359738368.0);
    json_t *res = json_object_get(json_object_get(root, "decode"), "result");
    assert_true(json_number_value(json_object_get(res, "flops")) == 16777216.0);
    json_t *params = json_object_get(root, "parameters");
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 1), "given")),
                        "(32 / {tp})");
    json_decref(root);
    free(buf);
    lr_explain_free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q_proj),    cmocka_unit_test(test_qk_matmul),
        cmocka_unit_test(test_kv_output), cmocka_unit_test(test_unknown_path),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
