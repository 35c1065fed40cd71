/*
 * test_generate.c: whole generations. The incremental evaluation (the
 * decode evaluated once, then only the context-dependent ops per step) must
 * equal the sum of independent full analyses at every context length, in
 * both profiles; the derived figures follow their definitions.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

static void
close_to(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-12 * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* Generation vs brute force: prefill at P plus a full decode analysis at
 * each context P + k + offset, k = 0 .. G-1 (offset 1 in the default
 * profile, where a step attends its own token; 0 in LLM-Viewer's). */
static void
check(const char *profile_dir, const char *hwid, double offset, int flash, double pp, double mb)
{
    lr_profile *prof = tu_profile(profile_dir, NULL);
    lr_arch *a = tu_model_in(profile_dir, "meta-llama/Llama-2-7b-hf");
    lr_hwdb *hw =
        strstr(profile_dir, "llm-viewer") ? lr_hwdb_load(TU_LLMV "/hardware", NULL) : tu_hw();
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    lr_result *r = lr_result_new(p);
    const lr_hw *h = lr_hwdb_find(hw, hwid);
    assert_non_null(h);
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 4;
    s.flash = flash;
    s.pp = pp;
    s.microbatches = mb;
    const double P = 300, G = 77;
    lr_gen g;
    if (lr_generate(p, prof, h, &s, P, G, r, &g, &err) < 0)
        fail_msg("generate: %s", err.msg);
    /* brute force */
    s.seq_len = P;
    assert_int_equal(lr_analyze(p, prof, h, &s, 1, 0, r, &err), 0);
    double ttft = r->stage[LR_PREFILL].total.latency_s;
    double pf = r->stage[LR_PREFILL].total.v[LR_F_FLOPS];
    double sum = 0, flops = 0, bytes = 0, first = 0, last = 0;
    for (double k = 0; k < G; k++) {
        s.seq_len = P + k + offset;
        assert_int_equal(lr_analyze(p, prof, h, &s, 0, 1, r, &err), 0);
        double t = r->stage[LR_DECODE].total.latency_s;
        if (k == 0)
            first = t;
        last = t;
        sum += t;
        flops += r->stage[LR_DECODE].total.v[LR_F_FLOPS];
        bytes += r->stage[LR_DECODE].total.bytes;
    }
    close_to(g.ttft_s, ttft, "ttft");
    close_to(g.flops[0], pf, "prefill flops");
    close_to(g.tpot_first_s, first, "tpot first");
    close_to(g.tpot_last_s, last, "tpot last");
    close_to(g.tpot_mean_s, sum / G, "tpot mean");
    close_to(g.flops[1], flops, "decode flops");
    close_to(g.bytes[1], bytes, "decode bytes");
    close_to(g.latency_s, ttft + sum, "latency");
    /* 4 sequences x 77 tokens over the latency; with the prompt 4 x 377 */
    close_to(g.output_tokens_per_s, 4 * G / (ttft + sum), "output tokens/s");
    close_to(g.total_tokens_per_s, 4 * (P + G) / (ttft + sum), "total tokens/s");
    lr_result_free(r);
    lr_plan_free(p);
    lr_arch_free(a);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
}

static void
test_default_eager(void **state)
{
    (void)state;
    check(TU_DEFAULT, "a100-80gb", 1, 0, 1, 1);
}

static void
test_default_flash(void **state)
{
    (void)state;
    check(TU_DEFAULT, "h100-sxm", 1, 1, 1, 1);
}

static void
test_llm_viewer(void **state)
{
    (void)state;
    check(TU_LLMV, "nvidia_A100_80G", 0, 0, 1, 1);
}

/* Two pipeline stages, two micro-batches of 2 sequences */
static void
test_pipeline(void **state)
{
    (void)state;
    check(TU_DEFAULT, "a100-80gb", 1, 0, 2, 2);
}

/* Hand check: the KV cache at the end of a generation of P = 1024, G = 1024
 * for Llama-2-7b at batch 1, 16-bit: the last step attends 1024 + 1023 + 1
 * = 2048 tokens: 2 * 32 layers * 2048 * 4096 * 2 B = 1,073,741,824 B. */
static void
test_memory_at_end(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    lr_hwdb *hw = tu_hw();
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    lr_result *r = lr_result_new(p);
    lr_settings s;
    lr_settings_default(&s);
    lr_gen g;
    assert_int_equal(
        lr_generate(p, prof, lr_hwdb_find(hw, "a100-80gb"), &s, 1024, 1024, r, &g, &err), 0);
    assert_true(g.memory.kv_cache == 1073741824.0);
    assert_true(g.memory.weights == 6738415616.0 * 2);
    assert_int_equal(g.memory.fits, 1);
    /* nonsense lengths */
    assert_int_equal(lr_generate(p, prof, lr_hwdb_find(hw, "a100-80gb"), &s, 0, 10, r, &g, &err),
                     -1);
    assert_non_null(strstr(err.msg, "prompt length"));
    assert_int_equal(lr_generate(p, prof, lr_hwdb_find(hw, "a100-80gb"), &s, 10, 2.5, r, &g, &err),
                     -1);
    lr_result_free(r);
    lr_plan_free(p);
    lr_arch_free(a);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
}

/* Decode with the pipe kept full (engines never drain it between tokens).
 * pp = 2 stages, m = 4 micro-batches of 2 sequences, one decode step (G =
 * 1). With t1 the time of one micro-batch on one stage, stage 1 serves
 * mb1..mb4 in slots 0..3 and stage 2 in slots 1..4; mb1's token leaves
 * stage 2 after slot 1, but stage 1 takes mb1's next token only in slot 4,
 * after mb2..mb4: one token per micro-batch every 4 = max(m, pp) slots.
 * With pp = 4, m = 2: mb1's token leaves stage 4 after slot 3 and enters
 * stage 1 again in slot 4 (stage 1 idles in slots 2 and 3): again every 4
 * = max(m, pp) slots. A drained pipe would take m + pp - 1 = 5. So TPOT =
 * 4 t1 per sequence and the decode throughput 8 sequences / (4 t1). t1 comes
 * from an analysis of one micro-batch (batch 8 / m) with m = 1, whose
 * time_s is the busy time of one stage. */
static void
test_pipe_full(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    lr_hwdb *hw = tu_hw();
    const lr_hw *h = lr_hwdb_find(hw, "a100-80gb");
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    lr_result *r = lr_result_new(p);
    static const double cases[][2] = {{2, 4}, {4, 2}}; /* pp, m */
    for (int c = 0; c < 2; c++) {
        double pp = cases[c][0], m = cases[c][1];
        lr_settings s;
        lr_settings_default(&s);
        s.pp = pp;
        s.batch = 8 / m;
        s.seq_len = 100 + 1; /* the step attends the prompt and its own token */
        assert_int_equal(lr_analyze(p, prof, h, &s, 0, 1, r, &err), 0);
        double t1 = r->stage[LR_DECODE].total.time_s;
        s.batch = 8;
        s.microbatches = m;
        lr_gen g;
        assert_int_equal(lr_generate(p, prof, h, &s, 100, 1, r, &g, &err), 0);
        close_to(g.tpot_mean_s, 4 * t1, "tpot, pipe full");
        close_to(g.decode_tokens_per_s, 8 / (4 * t1), "decode tokens/s, pipe full");
        /* the device is busy m slots of every 4 */
        s.seq_len = 101;
        assert_int_equal(lr_analyze(p, prof, h, &s, 0, 1, r, &err), 0);
        close_to(r->stage[LR_DECODE].total.time_s, m * t1, "busy time");
        close_to(r->stage[LR_DECODE].total.latency_s, 4 * t1, "decode latency");
    }
    lr_result_free(r);
    lr_plan_free(p);
    lr_arch_free(a);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_eager), cmocka_unit_test(test_default_flash),
        cmocka_unit_test(test_llm_viewer),    cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_memory_at_end), cmocka_unit_test(test_pipe_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
