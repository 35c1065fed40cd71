/*
 * test_op.c: one module entry on its own (lr_op_arch, `llmroof op`): a
 * Linear's counts and roofline derived by hand, the errors for an unknown
 * class and for missing, unknown and repeated parameters, and the fused
 * attention op against the published FlashAttention-2/3 forward
 * measurements: a roofline must never be slower than the hardware.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

typedef struct fixture {
    lr_profile *prof;
    lr_hwdb *hw;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->prof = tu_profile(TU_DEFAULT, NULL);
    f->hw = tu_hw();
    *state = f;
    return f->prof && f->hw ? 0 : -1;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    lr_hwdb_free(f->hw);
    lr_profile_free(f->prof);
    free(f);
    return 0;
}

/* Builds the one-node model, analyses both stages; returns the result (the
 * caller frees it and *plan) or NULL with `err`. */
static lr_result *
run_op(fixture *f, const char *cls, const char *const *names, const char *const *values, size_t n,
       const char *hw, const lr_settings *s, lr_plan **plan, lr_error *err)
{
    lr_arch *a = lr_op_arch(lr_profile_db(f->prof), cls, names, values, n, err);
    if (!a)
        return NULL;
    *plan = lr_plan_new(a, lr_profile_db(f->prof), err);
    lr_arch_free(a);
    assert_non_null(*plan);
    lr_result *r = lr_result_new(*plan);
    assert_int_equal(lr_analyze(*plan, f->prof, lr_hwdb_find(f->hw, hw), s, 1, 1, r, err), 0);
    return r;
}

/* torch.nn.Linear 4096 -> 4096 on an A100 80GB (312 dense FP16 TFLOP/s,
 * 2,039 GB/s: NVIDIA A100 datasheet), batch 1, seq-len 2048, 16-bit. */
static void
test_linear(void **state)
{
    fixture *f = *state;
    static const char *const names[] = {"in_features", "out_features"};
    static const char *const values[] = {"4096", "4096"};
    lr_settings s;
    lr_settings_default(&s);
    lr_plan *plan;
    lr_error err;
    lr_result *r = run_op(f, "torch.nn.Linear", names, values, 2, "a100-80gb", &s, &plan, &err);
    assert_non_null(r);
    /* prefill, tokens = B * S = 2048: FLOPs 2 * 2048 * 4096 * 4096 =
     * 68,719,476,736; weights 4096 * 4096 * 2 = 33,554,432 B; input and
     * output 2048 * 4096 * 2 = 16,777,216 B each; 67,108,864 B in all;
     * 1024 FLOP/B is above the ridge 312e12 / 2.039e12 = 153, so compute-
     * bound: 68,719,476,736 / 312e12 = 220.2547 us */
    const lr_op *p = tu_op(&r->stage[LR_PREFILL], "linear");
    assert_non_null(p);
    assert_true(p->v[LR_F_FLOPS] == 68719476736.0);
    assert_true(p->v[LR_F_LOAD_WEIGHT] == 33554432.0);
    assert_true(p->v[LR_F_LOAD_ACT] == 16777216.0);
    assert_true(p->v[LR_F_STORE_ACT] == 16777216.0);
    assert_true(p->bound == LR_COMPUTE);
    assert_true(fabs(p->time_s - 68719476736.0 / 312e12) < 1e-15);
    /* decode, one token: 2 * 4096 * 4096 = 33,554,432 FLOPs over
     * 33,554,432 + 8,192 + 8,192 = 33,570,816 B: memory-bound,
     * 33,570,816 / 2.039e12 = 16.4644 us */
    const lr_op *d = tu_op(&r->stage[LR_DECODE], "linear");
    assert_true(d->v[LR_F_FLOPS] == 33554432.0);
    assert_true(d->bound == LR_MEMORY);
    assert_true(fabs(d->time_s - 33570816.0 / 2.039e12) < 1e-15);
    lr_result_free(r);
    lr_plan_free(plan);
    /* a formula as a value, and an explicit tokens: 2 * 7 * 4096 * 4096 */
    static const char *const n2[] = {"tokens", "in_features", "out_features"};
    static const char *const v2[] = {"7 * {B}", "4096", "4096"};
    r = run_op(f, "Linear", n2, v2, 3, "a100-80gb", &s, &plan, &err);
    assert_non_null(r);
    assert_true(tu_op(&r->stage[LR_DECODE], "linear")->v[LR_F_FLOPS] == 234881024.0);
    lr_result_free(r);
    lr_plan_free(plan);
}

static void
test_errors(void **state)
{
    fixture *f = *state;
    const lr_db *db = lr_profile_db(f->prof);
    lr_error err;
    static const char *const in[] = {"in_features"};
    static const char *const v[] = {"4096"};
    assert_null(lr_op_arch(db, "torch.nn.Linearr", in, v, 1, &err));
    assert_non_null(strstr(err.msg, "unknown module class 'torch.nn.Linearr'"));
    assert_non_null(strstr(err.msg, "torch.nn.modules.linear.Linear")); /* suggested */
    assert_null(lr_op_arch(db, "torch.nn.Linear", in, v, 1, &err));
    assert_non_null(strstr(err.msg, "missing parameter 'out_features'"));
    static const char *const bad[] = {"in_features", "out_features", "width"};
    static const char *const bv[] = {"1", "2", "3"};
    assert_null(lr_op_arch(db, "torch.nn.Linear", bad, bv, 3, &err));
    assert_non_null(strstr(err.msg, "no parameter 'width'"));
    assert_non_null(strstr(err.msg, "in_features, out_features"));
    static const char *const twice[] = {"in_features", "in_features", "out_features"};
    assert_null(lr_op_arch(db, "torch.nn.Linear", twice, bv, 3, &err));
    assert_non_null(strstr(err.msg, "given twice"));
}

/* FlashAttention forward, FP16, from ../shared/measured/published-train.json
 * (source: the FlashAttention-3 paper's figures as published in the
 * flash-attention repo, assets/flash3_fp16_fwd.png at commit 0251105; the
 * A100 panel of the FlashAttention-2 README): the benchmark runs hidden
 * size 2048 (heads = 2048 / head_dim), batch 16384 / seqlen, and counts
 * 4 * seqlen^2 * head_dim * heads FLOPs per sequence, halved when causal.
 * measured time = that count / TFLOP/s. */
typedef struct fa_record {
    const char *id, *hw;
    int head_dim, heads, causal, seq;
    double tflops;
} fa_record;

static const fa_record fa_records[] = {
    {"flashattn-0001", "h100-sxm", 64, 32, 0, 512, 282},     /* FlashAttention-2 */
    {"flashattn-0001", "h100-sxm", 64, 32, 0, 1024, 306},    /* FlashAttention-2 */
    {"flashattn-0001", "h100-sxm", 64, 32, 0, 2048, 318},    /* FlashAttention-2 */
    {"flashattn-0001", "h100-sxm", 64, 32, 0, 4096, 321},    /* FlashAttention-2 */
    {"flashattn-0001", "h100-sxm", 64, 32, 0, 8192, 322},    /* FlashAttention-2 */
    {"flashattn-0001", "h100-sxm", 64, 32, 0, 16384, 324},   /* FlashAttention-2 */
    {"flashattn-0006", "h100-sxm", 128, 16, 0, 512, 467},    /* FlashAttention-3 */
    {"flashattn-0006", "h100-sxm", 128, 16, 0, 1024, 565},   /* FlashAttention-3 */
    {"flashattn-0006", "h100-sxm", 128, 16, 0, 2048, 625},   /* FlashAttention-3 */
    {"flashattn-0006", "h100-sxm", 128, 16, 0, 4096, 638},   /* FlashAttention-3 */
    {"flashattn-0006", "h100-sxm", 128, 16, 0, 8192, 646},   /* FlashAttention-3 */
    {"flashattn-0006", "h100-sxm", 128, 16, 0, 16384, 648},  /* FlashAttention-3 */
    {"flashattn-0007", "h100-sxm", 128, 16, 1, 512, 191},    /* FlashAttention-2 */
    {"flashattn-0007", "h100-sxm", 128, 16, 1, 1024, 260},   /* FlashAttention-2 */
    {"flashattn-0007", "h100-sxm", 128, 16, 1, 2048, 298},   /* FlashAttention-2 */
    {"flashattn-0007", "h100-sxm", 128, 16, 1, 4096, 319},   /* FlashAttention-2 */
    {"flashattn-0007", "h100-sxm", 128, 16, 1, 8192, 333},   /* FlashAttention-2 */
    {"flashattn-0007", "h100-sxm", 128, 16, 1, 16384, 335},  /* FlashAttention-2 */
    {"flashattn-0009", "h100-sxm", 256, 8, 0, 512, 275},     /* FlashAttention-2 */
    {"flashattn-0009", "h100-sxm", 256, 8, 0, 1024, 313},    /* FlashAttention-2 */
    {"flashattn-0009", "h100-sxm", 256, 8, 0, 2048, 321},    /* FlashAttention-2 */
    {"flashattn-0009", "h100-sxm", 256, 8, 0, 4096, 323},    /* FlashAttention-2 */
    {"flashattn-0009", "h100-sxm", 256, 8, 0, 8192, 324},    /* FlashAttention-2 */
    {"flashattn-0009", "h100-sxm", 256, 8, 0, 16384, 326},   /* FlashAttention-2 */
    {"flashattn-0010", "h100-sxm", 256, 8, 0, 512, 482},     /* FlashAttention-3 */
    {"flashattn-0010", "h100-sxm", 256, 8, 0, 2048, 707},    /* FlashAttention-3 */
    {"flashattn-0010", "h100-sxm", 256, 8, 0, 4096, 736},    /* FlashAttention-3 */
    {"flashattn-0010", "h100-sxm", 256, 8, 0, 8192, 746},    /* FlashAttention-3 */
    {"flashattn-0010", "h100-sxm", 256, 8, 0, 16384, 756},   /* FlashAttention-3 */
    {"flashattn-0012", "h100-sxm", 256, 8, 1, 512, 286},     /* FlashAttention-3 */
    {"flashattn-0012", "h100-sxm", 256, 8, 1, 1024, 427},    /* FlashAttention-3 */
    {"flashattn-0012", "h100-sxm", 256, 8, 1, 2048, 537},    /* FlashAttention-3 */
    {"flashattn-0012", "h100-sxm", 256, 8, 1, 4096, 612},    /* FlashAttention-3 */
    {"flashattn-0012", "h100-sxm", 256, 8, 1, 8192, 628},    /* FlashAttention-3 */
    {"flashattn-0012", "h100-sxm", 256, 8, 1, 16384, 642},   /* FlashAttention-3 */
    {"flashattn-0016", "a100-80gb", 128, 16, 1, 512, 99},    /* FlashAttention-2 */
    {"flashattn-0016", "a100-80gb", 128, 16, 1, 1024, 133},  /* FlashAttention-2 */
    {"flashattn-0016", "a100-80gb", 128, 16, 1, 2048, 155},  /* FlashAttention-2 */
    {"flashattn-0016", "a100-80gb", 128, 16, 1, 4096, 173},  /* FlashAttention-2 */
    {"flashattn-0016", "a100-80gb", 128, 16, 1, 8192, 182},  /* FlashAttention-2 */
    {"flashattn-0016", "a100-80gb", 128, 16, 1, 16384, 189}, /* FlashAttention-2 */
};

static void
test_flash_published(void **state)
{
    fixture *f = *state;
    static const char *const names[] = {"hidden_size", "num_heads", "num_kv_heads", "head_dim"};
    double worst = INFINITY;
    for (size_t i = 0; i < sizeof fa_records / sizeof fa_records[0]; i++) {
        const fa_record *m = &fa_records[i];
        char heads[16], hd[16];
        snprintf(heads, sizeof heads, "%d", m->heads);
        snprintf(hd, sizeof hd, "%d", m->head_dim);
        const char *values[] = {"2048", heads, heads, hd};
        lr_settings s;
        lr_settings_default(&s);
        s.flash = 1;
        s.causal = m->causal;
        s.seq_len = m->seq;
        s.batch = 16384 / m->seq;
        lr_plan *plan;
        lr_error err;
        lr_result *r = run_op(f, "LlamaSdpaAttention", names, values, 4, m->hw, &s, &plan, &err);
        assert_non_null(r);
        const lr_op *o = tu_op(&r->stage[LR_PREFILL], "flash_attention");
        assert_non_null(o);
        double fa_flops = 4.0 * m->seq * m->seq * m->head_dim * m->heads * s.batch;
        double measured = fa_flops / (m->causal ? 2 : 1) / (m->tflops * 1e12);
        double ratio = measured / o->time_s;
        if (ratio < worst)
            worst = ratio;
        if (ratio < 1)
            fail_msg("%s seq %d: roofline %.4g s is slower than the measured %.4g s", m->id, m->seq,
                     o->time_s, measured);
        lr_result_free(r);
        lr_plan_free(plan);
    }
    print_message("flash roofline vs published: the closest measurement is %.3fx the roofline\n",
                  worst);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flash_published, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
