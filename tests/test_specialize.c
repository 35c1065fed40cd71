/*
 * test_specialize.c: programs specialised to the settings in use
 * (src/eval/specialize.c) give exactly what the plan's generic programs
 * give. A result analysed once runs the generic programs; the same
 * settings a second time run the specialised ones, so comparing a fresh
 * result with a warm one compares the two bit for bit, over models whose
 * formulas use every mechanism (MoE routing, MLA, sinks and windows,
 * linear attention and SSM state, vision towers, collectives).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "eval/eval.h"
#include "testutil.h"

static lr_profile *prof;
static lr_hwdb *hwdb;

static const char *const models[] = {
    "meta-llama/Llama-2-7b-hf",     "mistralai/Mixtral-8x7B-v0.1",
    "deepseek-ai/DeepSeek-V3",      "openai/gpt-oss-120b",
    "ai21labs/AI21-Jamba-1.5-Mini", "Qwen/Qwen3-Next-80B-A3B-Thinking",
    "Qwen/Qwen2.5-VL-7B-Instruct",  "deepseek-ai/DeepSeek-V3.2",
};

/* The settings of case k: defaults, then tensor parallel with 4-bit
 * groups, no flash attention with an 8-bit KV cache, a prompt past the
 * pass size (the memory plan's extra pass), images for the VLM. */
static void
settings_case(int k, lr_settings *s)
{
    lr_settings_default(s);
    switch (k) {
    case 1:
        s->tp = 2;
        s->w_bit = 4;
        s->w_group = 128;
        break;
    case 2:
        s->flash = 0;
        s->kv_bit = 8;
        s->batch = 3;
        s->seq_len = 777;
        break;
    case 3:
        s->batch = 8;
        s->seq_len = 5000;
        s->images = 1;
        break;
    default: break;
    }
}

static int
same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void
assert_same_stage(const lr_stage_result *a, const lr_stage_result *b, const char *what)
{
    assert_int_equal(a->nops, b->nops);
    for (size_t i = 0; i < a->nops; i++) {
        const lr_op *x = &a->ops[i], *y = &b->ops[i];
        for (int f = 0; f < LR_NFIELDS; f++) {
            if (!same(x->v[f], y->v[f]))
                fail_msg("%s: op %s field %s: generic %.17g, specialised %.17g", what, x->path,
                         lr_field_names[f], x->v[f], y->v[f]);
        }
        assert_int_equal(x->present, y->present);
        assert_true(same(x->weights, y->weights));
        assert_true(same(x->time_s, y->time_s));
        assert_true(same(x->expected_time_s, y->expected_time_s));
    }
    assert_true(same(a->total.time_s, b->total.time_s));
    assert_true(same(a->total.expected_time_s, b->total.expected_time_s));
    assert_true(same(a->memory.total, b->memory.total));
}

/* Analyses with s on a fresh result (generic programs): 0 or -1. */
static int
analyze_fresh(const lr_plan *p, const lr_hw *hw, const lr_settings *s, lr_result **out)
{
    lr_error err;
    *out = lr_result_new(p);
    return lr_analyze(p, prof, hw, s, 1, 1, *out, &err);
}

static void
test_equal_to_generic(void **state)
{
    (void)state;
    const lr_hw *hw = lr_hwdb_find(hwdb, "h100-sxm");
    assert_non_null(hw);
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        lr_arch *a = tu_model(models[m]);
        assert_non_null(a);
        lr_error err;
        lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
        assert_non_null(p);
        for (int k = 0; k < 4; k++) {
            lr_settings s;
            settings_case(k, &s);
            lr_result *gen;
            if (analyze_fresh(p, hw, &s, &gen) < 0) {
                lr_result_free(gen); /* e.g. images on a text model */
                continue;
            }
            lr_result *warm = lr_result_new(p);
            for (int n = 0; n < 3; n++)
                assert_int_equal(lr_analyze(p, prof, hw, &s, 1, 1, warm, &err), 0);
            lr_result_priv *rp = (lr_result_priv *)warm;
            assert_true(rp->spec[LR_PREFILL].built && rp->spec[LR_DECODE].built);
            assert_true(((lr_result_priv *)gen)->spec[LR_DECODE].built == 0);
            char what[256];
            snprintf(what, sizeof what, "%s case %d", models[m], k);
            for (int st = 0; st < 2; st++)
                assert_same_stage(&gen->stage[st], &warm->stage[st], what);
            assert_true(same(gen->memory.total, warm->memory.total));
            assert_true(same(gen->memory.activations, warm->memory.activations));
            lr_result_free(gen);
            lr_result_free(warm);
        }
        lr_plan_free(p);
        lr_arch_free(a);
    }
}

/* The free variables (batch, lengths) change without a rebuild; any
 * other setting drops the specialisation until it comes twice again. */
static void
test_keys(void **state)
{
    (void)state;
    const lr_hw *hw = lr_hwdb_find(hwdb, "a100-80gb");
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    lr_result *warm = lr_result_new(p);
    lr_result_priv *rp = (lr_result_priv *)warm;
    lr_settings s;
    lr_settings_default(&s);
    for (int n = 0; n < 2; n++)
        assert_int_equal(lr_analyze(p, prof, hw, &s, 1, 1, warm, &err), 0);
    assert_true(rp->spec[LR_DECODE].built); /* the second time the same constants came */
    const lr_prog *built = rp->spec[LR_DECODE].prog;
    for (int b = 1; b <= 5; b++) {
        s.batch = b;
        s.seq_len = 100 * b + 7;
        assert_int_equal(lr_analyze(p, prof, hw, &s, 1, 1, warm, &err), 0);
        assert_true(rp->last[LR_DECODE].prog == built);
        lr_result *gen;
        assert_int_equal(analyze_fresh(p, hw, &s, &gen), 0);
        assert_same_stage(&gen->stage[LR_DECODE], &warm->stage[LR_DECODE], "batch");
        assert_same_stage(&gen->stage[LR_PREFILL], &warm->stage[LR_PREFILL], "batch");
        lr_result_free(gen);
    }
    s.w_bit = 8; /* a constant changes: back to the generic programs */
    assert_int_equal(lr_analyze(p, prof, hw, &s, 1, 1, warm, &err), 0);
    assert_false(rp->spec[LR_DECODE].built);
    assert_true(rp->last[LR_DECODE].prog == p->prog);
    lr_result *gen;
    assert_int_equal(analyze_fresh(p, hw, &s, &gen), 0);
    assert_same_stage(&gen->stage[LR_DECODE], &warm->stage[LR_DECODE], "w_bit 8 generic");
    for (int n = 0; n < 2; n++)
        assert_int_equal(lr_analyze(p, prof, hw, &s, 1, 1, warm, &err), 0);
    assert_true(rp->spec[LR_DECODE].built);
    assert_same_stage(&gen->stage[LR_DECODE], &warm->stage[LR_DECODE], "w_bit 8 specialised");
    lr_result_free(gen);
    lr_result_free(warm);
    lr_plan_free(p);
    lr_arch_free(a);
}

/* A generation re-runs the decode's context program per token: with the
 * specialised one it gives what the generic one gives. */
static void
test_generate(void **state)
{
    (void)state;
    const lr_hw *hw = lr_hwdb_find(hwdb, "h100-sxm");
    lr_arch *a = tu_model("mistralai/Mixtral-8x7B-v0.1");
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 4;
    lr_gen g[2];
    lr_result *fresh = lr_result_new(p), *warm = lr_result_new(p);
    /* lr_generate analyses twice itself, enough to specialise: the fresh
     * result is kept on the generic programs */
    lr_result_priv *fp = (lr_result_priv *)fresh;
    fp->spec[LR_PREFILL].off = fp->spec[LR_DECODE].off = 1;
    assert_int_equal(lr_generate(p, prof, hw, &s, 512, 64, fresh, &g[0], &err), 0);
    for (int n = 0; n < 3; n++)
        assert_int_equal(lr_generate(p, prof, hw, &s, 512, 64, warm, &g[1], &err), 0);
    assert_true(((lr_result_priv *)warm)->spec[LR_DECODE].built);
    assert_false(fp->spec[LR_DECODE].built);
    assert_true(same(g[0].ttft_s, g[1].ttft_s));
    assert_true(same(g[0].tpot_mean_s, g[1].tpot_mean_s));
    assert_true(same(g[0].latency_s, g[1].latency_s));
    assert_true(same(g[0].expected_latency_s, g[1].expected_latency_s));
    lr_result_free(fresh);
    lr_result_free(warm);
    lr_plan_free(p);
    lr_arch_free(a);
}

/* The negative-value check: a negative field is an error naming the op
 * and the field; -0 and a negative condition (true) are not. */
static void
test_negative_check(void **state)
{
    (void)state;
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    size_t n = p->nops * LR_NSLOTS;
    double *out = calloc(n, sizeof *out);
    out[3 * LR_NSLOTS + LR_F_LOAD_ACT] = -0.0;
    out[4 * LR_NSLOTS + LR_SLOT_IF] = -1;
    assert_int_equal(lr_check_negative(p, out, 1, &err), 0);
    out[5 * LR_NSLOTS + LR_F_STORE_ACT] = -2;
    assert_int_equal(lr_check_negative(p, out, 0, &err), -1);
    assert_non_null(strstr(err.msg, "decode: store_act of op"));
    assert_non_null(strstr(err.msg, "is negative (-2)"));
    assert_string_equal(err.path, p->ops[5].path);
    free(out);
    lr_plan_free(p);
    lr_arch_free(a);
}

int
main(void)
{
    prof = tu_profile(TU_DEFAULT, NULL);
    hwdb = tu_hw();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_to_generic),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_negative_check),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    lr_hwdb_free(hwdb);
    lr_profile_free(prof);
    return rc;
}
