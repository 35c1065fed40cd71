/*
 * test_analyze.c: per-op counts, totals, roofline and memory footprint of
 * Llama models. Expected values are derived by hand in the comments from
 * the published configs (Llama-2-7b: h=4096, 32 heads of 128, I=11008,
 * 32 layers, V=32000) and the conventions in docs/conventions.md.
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
    lr_arch *arch;
    lr_plan *plan;
    lr_result *r;
} fixture;

static int
setup_llama2(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    lr_error err;
    f->prof = tu_profile(TU_DEFAULT, NULL);
    f->hw = tu_hw();
    f->arch = tu_model("meta-llama/Llama-2-7b-hf");
    if (!f->prof || !f->hw || !f->arch)
        return -1;
    f->plan = lr_plan_new(f->arch, lr_profile_db(f->prof), &err);
    if (!f->plan) {
        fprintf(stderr, "plan: %s: %s\n", err.path, err.msg);
        return -1;
    }
    f->r = lr_result_new(f->plan);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    lr_result_free(f->r);
    lr_plan_free(f->plan);
    lr_arch_free(f->arch);
    lr_hwdb_free(f->hw);
    lr_profile_free(f->prof);
    free(f);
    return 0;
}

static void
analyze(fixture *f, const char *hw, double batch, double seq, int w, int a, int kv)
{
    lr_settings s;
    lr_settings_default(&s);
    s.batch = batch;
    s.seq_len = seq;
    s.w_bit = w;
    s.a_bit = a;
    s.kv_bit = kv;
    lr_error err;
    const lr_hw *h = lr_hwdb_find(f->hw, hw);
    assert_non_null(h);
    if (lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err) < 0)
        fail_msg("analyze: %s", err.msg);
}

#define OP(st, p) tu_op(&f->r->stage[st], p)

static void
test_params(void **state)
{
    fixture *f = *state;
    /* embed 32000*4096 = 131,072,000; per layer 4*4096^2 + 3*4096*11008 +
     * 2*4096 = 67,108,864 + 135,266,304 + 8,192 = 202,383,360, x32 =
     * 6,476,267,520; final norm 4,096; lm_head 131,072,000. Sum:
     * 6,738,415,616 (the published count). */
    assert_true(lr_plan_params(f->plan) == 6738415616.0);
}

static void
test_prefill_attention(void **state)
{
    fixture *f = *state;
    analyze(f, "a100-80gb", 1, 2048, 16, 16, 16);
    const lr_op *qk = OP(LR_PREFILL, "model.layers.self_attn.qk_matmul");
    const lr_op *sm = OP(LR_PREFILL, "model.layers.self_attn.softmax");
    const lr_op *sv = OP(LR_PREFILL, "model.layers.self_attn.sv_matmul");
    const lr_op *add = OP(LR_PREFILL, "model.layers.attn_add");
    assert_non_null(qk);
    assert_non_null(sm);
    assert_non_null(sv);
    assert_non_null(add);
    /* 2 * B * heads * S * S * head_dim = 2*32*2048*2048*128 = 34,359,738,368 */
    assert_true(qk->v[LR_F_FLOPS] == 34359738368.0);
    assert_true(sv->v[LR_F_FLOPS] == 34359738368.0);
    /* 5 * heads * S * S = 5*32*4,194,304 = 671,088,640 */
    assert_true(sm->v[LR_F_FLOPS] == 671088640.0);
    /* S * hidden = 2048*4096 = 8,388,608 */
    assert_true(add->v[LR_F_FLOPS] == 8388608.0);
    /* Q: 32*2048*128*2 B = 16,777,216; K the same from the cache; scores
     * 32*2048*2048*2 = 268,435,456 */
    assert_true(qk->v[LR_F_LOAD_ACT] == 16777216.0);
    assert_true(qk->v[LR_F_LOAD_KV] == 16777216.0);
    assert_true(qk->v[LR_F_STORE_ACT] == 268435456.0);
    /* 16,777,216 * 2 + 268,435,456 = 301,989,888: the notes' "302 MB" */
    assert_true(qk->bytes == 301989888.0);
    assert_true(sm->v[LR_F_LOAD_ACT] == 268435456.0);
    assert_true(sm->v[LR_F_STORE_ACT] == 268435456.0);
    assert_true(sv->v[LR_F_LOAD_ACT] == 268435456.0);
    assert_true(sv->v[LR_F_LOAD_KV] == 16777216.0);
    assert_true(sv->v[LR_F_STORE_ACT] == 16777216.0);
    /* the residual add reads both inputs: 2 * 2048*4096*2 B, writes one */
    assert_true(add->v[LR_F_LOAD_ACT] == 33554432.0);
    assert_true(add->v[LR_F_STORE_ACT] == 16777216.0);
    assert_true(qk->count == 32);
}

static void
test_prefill_linear_and_roofline(void **state)
{
    fixture *f = *state;
    analyze(f, "a100-80gb", 1, 2048, 16, 16, 16);
    const lr_op *q = OP(LR_PREFILL, "model.layers.self_attn.q_proj");
    const lr_op *k = OP(LR_PREFILL, "model.layers.self_attn.k_proj");
    assert_string_equal(q->name, "q_proj");
    /* 2 * 2048 * 4096 * 4096 = 68,719,476,736 */
    assert_true(q->v[LR_F_FLOPS] == 68719476736.0);
    /* weights 4096*4096*2 B = 33,554,432; reads x 2048*4096*2 = 16,777,216;
     * writes the same */
    assert_true(q->v[LR_F_LOAD_WEIGHT] == 33554432.0);
    assert_true(q->v[LR_F_LOAD_ACT] == 16777216.0);
    assert_true(q->v[LR_F_STORE_ACT] == 16777216.0);
    /* k_proj's output goes to the KV cache, not to the activations */
    assert_true(k->v[LR_F_STORE_ACT] == 0);
    assert_true(k->v[LR_F_STORE_KV] == 16777216.0);
    /* roofline: 68.72e9 / 312e12 = 220.25 us > 67,108,864 / 2.039e12 =
     * 32.9 us: compute-bound */
    assert_int_equal(q->bound, LR_COMPUTE);
    assert_true(fabs(q->time_s - 68719476736.0 / 312e12) < 1e-15);
    assert_true(fabs(q->intensity - 68719476736.0 / 67108864.0) < 1e-9);
    /* lm_head in prefill computes the last token only: 2 * 4096 * 32000 */
    const lr_op *lm = OP(LR_PREFILL, "lm_head");
    assert_true(lm->v[LR_F_FLOPS] == 262144000.0);
}

static void
test_decode(void **state)
{
    fixture *f = *state;
    analyze(f, "a100-80gb", 1, 2048, 16, 16, 16);
    const lr_op *q = OP(LR_DECODE, "model.layers.self_attn.q_proj");
    const lr_op *qk = OP(LR_DECODE, "model.layers.self_attn.qk_matmul");
    /* one token: 2 * 4096 * 4096 = 33,554,432 FLOPs on 33,554,432 B of
     * weights: intensity about 1, memory-bound */
    assert_true(q->v[LR_F_FLOPS] == 33554432.0);
    assert_int_equal(q->bound, LR_MEMORY);
    /* decode attends all 2048 tokens: 2*32*1*2048*128 = 16,777,216 FLOPs,
     * reading the whole K cache 32*2048*128*2 = 16,777,216 B */
    assert_true(qk->v[LR_F_FLOPS] == 16777216.0);
    assert_true(qk->v[LR_F_LOAD_KV] == 16777216.0);
    /* decode reads every weight once: 6,738,415,616 params minus the
     * embedding table (only one row is gathered: 4096*2 B) = weights of
     * 6,607,343,616 params * 2 B + 8,192 */
    assert_true(f->r->stage[LR_DECODE].total.v[LR_F_LOAD_WEIGHT] == 6607343616.0 * 2 + 8192);
}

static void
test_memory_footprint(void **state)
{
    fixture *f = *state;
    analyze(f, "a100-80gb", 4, 1024, 16, 16, 8);
    const lr_memory *m = &f->r->memory;
    /* weights 6,738,415,616 * 2 B */
    assert_true(m->weights == 13476831232.0);
    /* KV: 2 (k,v) * 32 layers * 4 seqs * 1024 tokens * 4096 * 1 B (8-bit) */
    assert_true(m->kv_cache == 2.0 * 32 * 4 * 1024 * 4096);
    /* the activations by liveness (docs/memory.md): 4 * 1024 = 4096 tokens
     * make one pass (<= max_batched_tokens 8192); the largest op is
     * softmax, reading and writing 4*32*1024*1024*2 = 268,435,456 B each,
     * plus the residual stream 4*1024*4096*2 = 33,554,432 B alive beside it */
    assert_true(m->activations == 2.0 * 4 * 32 * 1024 * 1024 * 2 + 4.0 * 1024 * 4096 * 2);
    assert_true(m->pass_tokens == 4096);
    /* the runtime: aiconfigurator's other_mem 3,758,096,384 B, no NCCL
     * buffers on one device */
    assert_true(m->runtime == 3758096384.0);
    assert_true(m->total == m->weights + m->kv_cache + m->activations + m->runtime);
    assert_int_equal(m->fits, 1);
    /* 80 GiB, of which mem_util 0.9 = 77,309,411,328 B */
    assert_true(m->device == 85899345920.0);
    assert_true(m->budget == 0.9 * 85899345920.0);
    /* KV capacity: 77,309,411,328 - 13,476,831,232 - 570,425,344 -
     * 3,758,096,384 = 59,504,058,368 B free; a token holds 2*32*4096*1 B =
     * 262,144 B, a page of 16 tokens 4,194,304 B: 14,186 whole pages =
     * 226,976 tokens; a 1024-token sequence takes 64 pages: 221 of them */
    assert_true(m->kv_per_token == 262144.0);
    assert_true(m->kv_capacity_tokens == 226976.0);
    assert_true(m->max_sequences == 221.0);
    assert_true(m->seq_tokens == 1024.0);
}

static void
test_totals_multiply_repeats(void **state)
{
    fixture *f = *state;
    analyze(f, "h100-sxm", 2, 512, 16, 16, 16);
    const lr_stage_result *st = &f->r->stage[LR_PREFILL];
    double flops = 0, time = 0;
    for (size_t i = 0; i < st->nops; i++) {
        if (!st->ops[i].present) /* flash_attention, in eager mode */
            continue;
        flops += st->ops[i].count * st->ops[i].v[LR_F_FLOPS];
        time += st->ops[i].count * st->ops[i].time_s;
    }
    assert_true(st->total.v[LR_F_FLOPS] == flops);
    assert_true(fabs(st->total.time_s - time) <= 1e-12 * time);
    /* count of a layer op is 32; of the final norm 1 */
    assert_true(OP(LR_PREFILL, "model.layers.mlp.down_proj")->count == 32);
    assert_true(OP(LR_PREFILL, "model.norm")->count == 1);
}

static void
test_compute_dtype(void **state)
{
    fixture *f = *state;
    /* W8A8 runs on INT8 tensor cores: A100 624 TOPS */
    analyze(f, "a100-80gb", 1, 2048, 8, 8, 8);
    assert_int_equal(f->r->compute, LR_INT8);
    assert_true(f->r->peak_flops == 624e12);
    /* W4A16 dequantizes to 16 bits */
    analyze(f, "a100-80gb", 1, 2048, 4, 16, 16);
    assert_int_equal(f->r->compute, LR_FP16);
    /* W4A4 on H100, which has no INT4 path: falls back to INT8 (1979 TOPS) */
    analyze(f, "h100-sxm", 1, 2048, 4, 4, 4);
    assert_int_equal(f->r->compute, LR_INT8);
    assert_true(f->r->peak_flops == 1979e12);
    /* 4-bit weights: q_proj reads 4096*4096/2 B */
    const lr_op *q = OP(LR_DECODE, "model.layers.self_attn.q_proj");
    assert_true(q->v[LR_F_LOAD_WEIGHT] == 8388608.0);
}

/* FP16 accumulation (fp16_acc: the engine's choice, llama.cpp's prefill). The
 * NVIDIA Ada whitepaper's appendix lists the GeForce RTX 4090 at 165.2 dense
 * FP16 tensor TFLOP/s with FP32 accumulate and 330.3 with FP16 accumulate;
 * the Ampere GA102 whitepaper the RTX 3090 at 71 and 142. The A100 has one
 * rate (312), so its table lists no fp16_acc16 and the fp16 peak is used. */
static void
test_fp16_accumulate(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_error err;
    lr_settings_default(&s);
    const lr_hw *h = lr_hwdb_find(f->hw, "rtx-4090");
    assert_non_null(h);
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), 0);
    assert_int_equal(f->r->compute, LR_FP16); /* unknown engine: FP32 accumulate */
    assert_true(f->r->peak_flops == 165.2e12);
    s.fp16_acc = 1;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), 0);
    assert_int_equal(f->r->compute, LR_FP16_ACC16);
    assert_true(f->r->peak_flops == 330.3e12);
    assert_int_equal(
        lr_analyze(f->plan, f->prof, lr_hwdb_find(f->hw, "rtx-3090"), &s, 1, 1, f->r, &err), 0);
    assert_true(f->r->peak_flops == 142e12);
    assert_int_equal(
        lr_analyze(f->plan, f->prof, lr_hwdb_find(f->hw, "a100-80gb"), &s, 1, 1, f->r, &err), 0);
    assert_int_equal(f->r->compute, LR_FP16);
    assert_true(f->r->peak_flops == 312e12);
    /* 8-bit weights and activations stay on the INT8 path */
    s.w_bit = s.a_bit = 8;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), 0);
    assert_int_equal(f->r->compute, LR_INT8);
}

static void
test_bad_settings(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_error err;
    const lr_hw *h = lr_hwdb_find(f->hw, "a100-80gb");
    lr_settings_default(&s);
    s.batch = 0;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), -1);
    assert_non_null(strstr(err.msg, "batch"));
    lr_settings_default(&s);
    s.w_bit = -4;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), -1);
    assert_non_null(strstr(err.path, "w_bit"));
    lr_settings_default(&s);
    s.kv_bit = 99;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), -1);
    lr_settings_default(&s);
    s.seq_len = 1.5;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), -1);
}

static void
analyze_s(fixture *f, const char *hw, const lr_settings *s)
{
    lr_error err;
    if (lr_analyze(f->plan, f->prof, lr_hwdb_find(f->hw, hw), s, 1, 1, f->r, &err) < 0)
        fail_msg("analyze: %s", err.msg);
}

/* Flash attention, default profile, Llama-2-7b B=1 S=2048 on an A100 80GB
 * (compute capability 8.0, 108 SMs). FlashAttention-2's forward kernel for
 * head dim 128 on sm80 uses 128 x 64 tiles (flash-attention commit 0251105,
 * csrc/flash_attn/src/flash_fwd_launch_template.h, run_mha_fwd_hdim128:
 * Flash_fwd_kernel_traits<128, 128, 64, 4, ...>); its split-KV decode
 * kernel 64 x 128 (run_mha_fwd_splitkv_dispatch). */
static void
test_flash(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_settings_default(&s);
    s.flash = 1;
    analyze_s(f, "a100-80gb", &s);
    const lr_stage_result *p = &f->r->stage[LR_PREFILL];
    /* the eager ops are gone, and nothing moves the 268,435,456-byte scores */
    for (size_t i = 0; i < p->nops; i++) {
        const lr_op *o = &p->ops[i];
        if (!o->present)
            continue;
        assert_true(strcmp(o->name, "qk_matmul") && strcmp(o->name, "softmax") &&
                    strcmp(o->name, "sv_matmul"));
        for (int k = LR_F_LOAD_WEIGHT; k < LR_NFIELDS; k++)
            if (o->v[k] == 268435456.0)
                fail_msg("%s moves the score matrix", o->path);
    }
    const lr_op *fa = OP(LR_PREFILL, "model.layers.self_attn.flash_attention");
    assert_true(fa->present);
    /* causal: computed score elements E = 2048*2048 - 2048*(2048-128)/2 =
     * 4,194,304 - 1,966,080 = 2,228,224 (= 16*17/2 tiles of 128x128).
     * FLOPs = heads * ((4*128 + 5) * E + 128 * ceil(E / 64)) = 32 *
     * (1,151,991,808 + 128 * 34,816) = 32 * 1,156,448,256 = 37,006,344,192
     * (eager: 69,390,565,376; about half). */
    assert_true(fa->v[LR_F_FLOPS] == 37006344192.0);
    /* the 16 query tiles of a head run at once on 108 SMs (one wave), so K
     * and V stream from DRAM once per KV head: 2 * 32 * 2048 * 128 * 2 =
     * 33,554,432; Q read and O written once: 32 * 2048 * 128 * 2 each */
    assert_true(fa->v[LR_F_LOAD_KV] == 33554432.0);
    assert_true(fa->v[LR_F_LOAD_ACT] == 16777216.0);
    assert_true(fa->v[LR_F_STORE_ACT] == 16777216.0);
    /* decode: one query row over ctx = 2048 keys: E = 2048; FLOPs = 32 *
     * (517 * 2048 + 128 * 2048 / 128) = 33,947,648; K and V read once per
     * KV head: 2 * 32 * 2048 * 128 * 2 = 33,554,432 */
    const lr_op *fd = OP(LR_DECODE, "model.layers.self_attn.flash_attention");
    assert_true(fd->v[LR_F_FLOPS] == 33947648.0);
    assert_true(fd->v[LR_F_LOAD_KV] == 33554432.0);
    /* without causal masking no tile is skipped: E = 4,194,304, FLOPs =
     * 32 * (517 * E + 128 * 65,536) = 32 * 2,176,843,776 = 69,659,000,832;
     * K and V still once per KV head */
    s.causal = 0;
    analyze_s(f, "a100-80gb", &s);
    fa = OP(LR_PREFILL, "model.layers.self_attn.flash_attention");
    assert_true(fa->v[LR_F_FLOPS] == 69659000832.0);
    assert_true(fa->v[LR_F_LOAD_KV] == 33554432.0);
    /* the wave count by hand: seq 32768, causal: 32768 / 128 = 256 query
     * tiles per head over 108 SMs = ceil(2.37) = 3 waves. E = 32768 *
     * (32768 + 128) / 2 = 538,968,064; the 3 waves stream 3 * E / 32768 =
     * 49,344 keys per KV head (wave w reads the keys up to its last tile):
     * load_kv = 2 * 32 * 49,344 * 128 * 2 = 808,452,096 */
    s.causal = 1;
    s.seq_len = 32768;
    analyze_s(f, "a100-80gb", &s);
    fa = OP(LR_PREFILL, "model.layers.self_attn.flash_attention");
    assert_true(fa->v[LR_F_LOAD_KV] == 808452096.0);
    /* RTX 4090 (compute capability 8.9, an sm8x part): FA2 picks 64 x 64 for
     * causal head dim 128 ("64 x 64 is the fastest for causal"), so fewer
     * elements are wasted on the diagonal: E = 2048 * (2048 + 64) / 2 =
     * 2,162,688; FLOPs = 32 * (517 * E + 128 * E / 64) = 32 * 519 * E =
     * 32 * 1,122,435,072 = 35,917,922,304 */
    s.seq_len = 2048;
    analyze_s(f, "rtx-4090", &s);
    fa = OP(LR_PREFILL, "model.layers.self_attn.flash_attention");
    assert_true(fa->v[LR_F_FLOPS] == 35917922304.0);
    /* H100 SXM (9.0): FlashAttention-3, 128 x 128 for causal head dim 128
     * (hopper/tile_size.h, tile_size_fwd_sm90): E = 2,228,224 as on the
     * A100; FLOPs = 32 * (517 * E + 128 * E / 128) = 32 * 518 * E =
     * 36,935,041,024 */
    analyze_s(f, "h100-sxm", &s);
    fa = OP(LR_PREFILL, "model.layers.self_attn.flash_attention");
    assert_true(fa->v[LR_F_FLOPS] == 36935041024.0);
}

/* Weight groups, weight-only dequantization and KV-cache widths. */
static void
test_quantization(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_settings_default(&s);
    s.w_bit = 4;
    s.w_group = 128;
    analyze_s(f, "a100-80gb", &s);
    const lr_op *q = OP(LR_DECODE, "model.layers.self_attn.q_proj");
    /* 4096*4096 weights * (0.5 B + 2 B scale / 128) = 16,777,216 * 0.515625 */
    assert_true(q->v[LR_F_LOAD_WEIGHT] == 8650752.0);
    /* one token: 2*4096*4096 for the GEMM + 2 per weight to dequantize */
    assert_true(q->v[LR_F_FLOPS] == 67108864.0);
    s.w_asym = 1; /* + 2 B zero point per group: 0.5 + 4/128 = 0.53125 */
    analyze_s(f, "a100-80gb", &s);
    assert_true(OP(LR_DECODE, "model.layers.self_attn.q_proj")->v[LR_F_LOAD_WEIGHT] == 8912896.0);
    /* KV cache at 8 bits halves what k_proj stores and qk_matmul reads */
    lr_settings_default(&s);
    s.kv_bit = 8;
    analyze_s(f, "a100-80gb", &s);
    assert_true(OP(LR_PREFILL, "model.layers.self_attn.k_proj")->v[LR_F_STORE_KV] == 8388608.0);
    assert_true(OP(LR_DECODE, "model.layers.self_attn.qk_matmul")->v[LR_F_LOAD_KV] == 8388608.0);
    assert_true(f->r->memory.kv_cache == 2.0 * 32 * 2048 * 4096);
    /* 16-bit weights: no dequantization FLOPs */
    assert_true(OP(LR_DECODE, "model.layers.self_attn.q_proj")->v[LR_F_FLOPS] == 33554432.0);
    /* KV groups of 64 add 4 B / 64 per element: 2048*4096*(1 + 0.0625) */
    s.kv_group = 64;
    analyze_s(f, "a100-80gb", &s);
    assert_true(OP(LR_PREFILL, "model.layers.self_attn.k_proj")->v[LR_F_STORE_KV] == 8912896.0);
    /* FP8 activations with 8-bit weights select the FP8 peak (H100: 1979e12) */
    lr_settings_default(&s);
    s.w_bit = s.a_bit = s.kv_bit = 8;
    s.a_fp8 = 1;
    analyze_s(f, "h100-sxm", &s);
    assert_int_equal(f->r->compute, LR_FP8);
    assert_true(f->r->peak_flops == 1979e12);
}

/* Pipeline: the batch in micro-batches flows through the stages; the
 * batch's latency is (micro-batches + stages - 1) micro-batch stage times,
 * the device is busy micro-batches of them. */
static void
test_pipeline_and_checks(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 8;
    s.pp = 2;
    s.microbatches = 4;
    analyze_s(f, "a100-80gb", &s);
    const lr_total *t = &f->r->stage[LR_PREFILL].total;
    double stage = 0; /* one micro-batch on one stage, from the ops */
    for (size_t i = 0; i < f->r->stage[LR_PREFILL].nops; i++) {
        const lr_op *o = &f->r->stage[LR_PREFILL].ops[i];
        if (o->present)
            stage += o->count * o->time_s;
    }
    assert_true(fabs(t->time_s - 4 * stage) <= 1e-12 * t->time_s);
    assert_true(fabs(t->latency_s - (4 + 2 - 1) * stage) <= 1e-12 * t->latency_s);
    /* a device without an interconnect cannot split the model */
    lr_error err;
    s.pp = 1;
    s.tp = 2;
    assert_int_equal(lr_analyze(f->plan, f->prof, lr_hwdb_find(f->hw, "a10"), &s, 1, 1, f->r, &err),
                     -1);
    assert_non_null(strstr(err.msg, "no interconnect"));
    s.tp = 0;
    assert_int_equal(
        lr_analyze(f->plan, f->prof, lr_hwdb_find(f->hw, "a100-80gb"), &s, 1, 1, f->r, &err), -1);
    assert_non_null(strstr(err.msg, "tp must be"));
}

/* Llama-3-8B: GQA with 8 KV heads of 128; V = 128256; I = 14336. */
static void
test_llama3_gqa(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    lr_arch *a = tu_model("meta-llama/Meta-Llama-3-8B");
    lr_hwdb *hw = tu_hw();
    lr_error err;
    lr_plan *p = lr_plan_new(a, db, &err);
    assert_non_null(p);
    /* embed 128256*4096 = 525,336,576; per layer q,o 2*4096^2 =
     * 33,554,432, k,v 2*4096*1024 = 8,388,608, mlp 3*4096*14336 =
     * 176,160,768, norms 8,192: 218,112,000 x32 = 6,979,584,000; norm
     * 4,096; lm_head 525,336,576. Sum 8,030,261,248 (published). */
    assert_true(lr_plan_params(p) == 8030261248.0);
    lr_result *r = lr_result_new(p);
    lr_settings s;
    lr_settings_default(&s);
    assert_int_equal(lr_analyze(p, prof, lr_hwdb_find(hw, "h100-sxm"), &s, 1, 1, r, &err), 0);
    const lr_op *k = tu_op(&r->stage[LR_PREFILL], "model.layers.self_attn.k_proj");
    const lr_op *qk = tu_op(&r->stage[LR_DECODE], "model.layers.self_attn.qk_matmul");
    /* k_proj writes 2048 tokens * 1024 * 2 B to the cache */
    assert_true(k->v[LR_F_STORE_KV] == 4194304.0);
    /* decode reads K of 8 kv heads: 8*2048*128*2 = 4,194,304 B; Q of 32 heads */
    assert_true(qk->v[LR_F_LOAD_KV] == 4194304.0);
    assert_true(qk->v[LR_F_LOAD_ACT] == 32.0 * 128 * 2);
    lr_result_free(r);
    lr_plan_free(p);
    lr_arch_free(a);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
}

/* Llama-3.2-1B ties lm_head to the embedding: counted once. h=2048,
 * 16 layers, 32 heads of 64, 8 KV heads, I=8192, V=128256. */
static void
test_tied_embeddings(void **state)
{
    (void)state;
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    lr_arch *a = tu_model("meta-llama/Llama-3.2-1B");
    lr_error err;
    lr_plan *p = lr_plan_new(a, db, &err);
    assert_non_null(p);
    /* embed 128256*2048 = 262,668,288; per layer q,o 2*2048*2048 =
     * 8,388,608, k,v 2*2048*512 = 2,097,152, mlp 3*2048*8192 = 50,331,648,
     * norms 4,096: 60,821,504 x16 = 973,144,064; norm 2,048; no lm_head.
     * Sum 1,235,814,400 (published). */
    assert_true(lr_plan_params(p) == 1235814400.0);
    lr_plan_free(p);
    lr_arch_free(a);
    lr_profile_free(prof);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_params, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_prefill_attention, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_prefill_linear_and_roofline, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_decode, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_memory_footprint, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_totals_multiply_repeats, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_compute_dtype, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_fp16_accumulate, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_bad_settings, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_flash, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_quantization, setup_llama2, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_and_checks, setup_llama2, teardown),
        cmocka_unit_test(test_llama3_gqa),
        cmocka_unit_test(test_tied_embeddings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
