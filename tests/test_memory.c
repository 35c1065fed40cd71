/*
 * test_memory.c: the engine's memory plan (docs/memory.md): the liveness
 * peak of one pass of a small model, the chunked pass of max_batched_tokens,
 * and the KV capacity and maximum concurrency of Llama-3.1-8B on an H100,
 * each derived by hand in the comments; and the settings checks of
 * lr_check_settings / lr_check_fit with their exact messages.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "testutil.h"

/* A small Llama: h = 64, I = 128, 4 heads of 16, 2 KV heads, 2 layers,
 * vocabulary 100, context 128. */
static const char tiny_config[] =
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", "
    "\"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 128, "
    "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
    "\"head_dim\": 16, \"max_position_embeddings\": 128}";

typedef struct fixture {
    lr_profile *prof;
    lr_hwdb *hw;
    lr_arch *arch;
    lr_plan *plan;
    lr_result *r;
} fixture;

static int
load(void **state, lr_arch *arch)
{
    fixture *f = calloc(1, sizeof *f);
    lr_error err;
    f->prof = tu_profile(TU_DEFAULT, NULL);
    f->hw = tu_hw();
    f->arch = arch;
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
setup_tiny(void **state)
{
    lr_error err;
    lr_arch *a =
        lr_arch_from_hf_config_text(tiny_config, "tiny.json", TU_DEFAULT "/architectures", &err);
    if (!a)
        fprintf(stderr, "tiny: %s\n", err.msg);
    return load(state, a);
}

static int
setup_llama31(void **state)
{
    return load(state, tu_model("meta-llama/Meta-Llama-3.1-8B"));
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

static const lr_memory *
analyze(fixture *f, double batch, double seq, int flash, double max_tokens)
{
    lr_settings s;
    lr_settings_default(&s);
    s.batch = batch;
    s.seq_len = seq;
    s.flash = flash;
    s.max_batched_tokens = max_tokens;
    lr_error err;
    if (lr_analyze(f->plan, f->prof, lr_hwdb_find(f->hw, "a100-80gb"), &s, 1, 0, f->r, &err) < 0)
        fail_msg("analyze: %s", err.msg);
    return &f->r->stage[LR_PREFILL].memory;
}

/* The liveness peak of the tiny model's prefill, 16-bit activations, one
 * sequence of 64 tokens (one pass: 64 <= 8192). While an op runs, its
 * inputs and its output are alive, and the residual stream (64 tokens x
 * 64 x 2 B = 8,192 B) beside them. Per op, inputs + output:
 *   input_layernorm, q_proj, o_proj, post_attention_layernorm, norm:
 *       8,192 + 8,192 = 16,384
 *   qk_matmul: q 8,192 in, scores 4 heads x 64 x 64 x 2 B = 32,768 out
 *   softmax: the scores in and out, 32,768 + 32,768 = 65,536  <- largest
 *   sv_matmul: 32,768 + 8,192
 *   gate_up_mul: gate and up 64 x 128 x 2 B = 16,384 each in, 16,384 out:
 *       49,152
 * Peak: 65,536 + 8,192 = 73,728 B; a sum of every store would be larger. */
static void
test_liveness_eager(void **state)
{
    fixture *f = *state;
    const lr_memory *m = analyze(f, 1, 64, 0, 8192);
    assert_true(m->activations == 73728.0);
    assert_true(m->pass_tokens == 64);
}

/* Flash attention never stores the scores: the largest op is gate_up_mul,
 * 49,152 B, plus the residual stream 8,192 B = 57,344 B. */
static void
test_liveness_flash(void **state)
{
    fixture *f = *state;
    const lr_memory *m = analyze(f, 1, 64, 1, 8192);
    assert_true(m->activations == 57344.0);
}

/* A pass of at most max_batched_tokens = 32 tokens. One prompt of 64
 * tokens: the last chunk, 32 tokens attending all 64: eager scores
 * 4 x 32 x 64 x 2 B = 16,384, softmax 32,768 in and out; gate_up_mul
 * 32 x 128 x 2 B x 3 = 24,576; residual 32 x 64 x 2 = 4,096 B. Peak
 * 32,768 + 4,096 = 36,864 B. Four prompts of 16: two sequences' worth,
 * scores 2 x 4 x 16 x 16 x 2 = 4,096 (softmax 8,192), so gate_up_mul
 * 24,576 + 4,096 = 28,672 B. */
static void
test_liveness_chunked(void **state)
{
    fixture *f = *state;
    const lr_memory *m = analyze(f, 1, 64, 0, 32);
    assert_true(m->activations == 36864.0);
    assert_true(m->pass_tokens == 32);
    m = analyze(f, 4, 16, 0, 32);
    assert_true(m->activations == 28672.0);
    assert_true(m->pass_tokens == 32);
}

/* Llama-3.1-8B on an H100 SXM at --mem-util 0.9, prompt 2000 + 500
 * generated tokens, 16-bit, eager attention, the batch large enough for
 * full passes (vLLM profiles a pass of max_num_batched_tokens = 8192):
 *   budget      0.9 x 85,899,345,920 B (80 GiB)        = 77,309,411,328
 *   weights     8,030,261,248 params x 2 B              = 16,060,522,496
 *   activations one pass of 8192 tokens = 4.096 prompts of 2000: softmax
 *               reads and writes 4.096 x 32 heads x 2000 x 2000 x 2 B
 *               = 1,048,576,000 each, plus the residual stream
 *               8192 x 4096 x 2 = 67,108,864          =  2,164,260,864
 *   runtime     aiconfigurator other_mem, one GPU (no NCCL) = 3,758,096,384
 *   free        77,309,411,328 - 16,060,522,496 - 2,164,260,864
 *               - 3,758,096,384                        = 55,326,531,584
 *   KV/token    2 (K, V) x 32 layers x 8 KV heads x 128 x 2 B = 131,072
 *   pages       of 16 tokens, 2,097,152 B: 55,326,531,584 / 2,097,152
 *               = 26,381.5 -> 26,381 pages = 422,096 tokens
 *   sequences   2500 tokens = 157 pages: 26,381 / 157 = 168.03 -> 168
 * (without the runtime and the activations: (72 GiB - 14.96 GiB) / (157 x
 * 16 x 128 KiB = 0.3066 GiB) = 186, the estimate of 183). */
static void
test_llama31_h100_capacity(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 200; /* 200 x 2000 tokens > 8192: full passes */
    lr_error err;
    lr_memory m;
    const lr_hw *h = lr_hwdb_find(f->hw, "h100-sxm");
    if (lr_generation_memory(f->plan, f->prof, h, &s, 2000, 500, f->r, &m, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(m.budget == 77309411328.0);
    assert_true(m.weights == 16060522496.0);
    assert_true(m.activations == 2164260864.0);
    assert_true(m.runtime == 3758096384.0);
    assert_true(m.kv_per_token == 131072.0);
    assert_true(m.kv_capacity_tokens == 422096.0);
    assert_true(m.seq_tokens == 2500.0);
    assert_true(m.max_sequences == 168.0);
    /* the batch of 200 holds 200 x 157 pages: more than fit */
    assert_int_equal(m.fits, 0);
    /* lr_max_batch finds the same 168 by the footprint */
    assert_true(lr_max_batch(f->plan, f->prof, h, &s, 2000, 500, 0.9, f->r, &err) == 168.0);
    /* flash: gate_up_mul at 8192 tokens reads 2 x 8192 x 14336 x 2 B and
     * writes half that: 704,643,072 + 67,108,864 = 771,751,936 B; free
     * 56,719,040,512 B = 27,045 pages = 432,720 tokens; 27,045 / 157 =
     * 172.3 -> 172 */
    s.flash = 1;
    if (lr_generation_memory(f->plan, f->prof, h, &s, 2000, 500, f->r, &m, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(m.activations == 771751936.0);
    assert_true(m.kv_capacity_tokens == 432720.0);
    assert_true(m.max_sequences == 172.0);
}

/* NCCL's buffers join the runtime with more devices: --tp 2 adds
 * aiconfigurator's nccl_mem.2 = 358,612,992 B, --tp 8 nccl_mem.8 =
 * 411,041,792 B. */
static void
test_runtime_comm(void **state)
{
    fixture *f = *state;
    lr_settings s;
    lr_settings_default(&s);
    lr_error err;
    const lr_hw *h = lr_hwdb_find(f->hw, "h100-sxm");
    s.tp = 2;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), 0);
    assert_true(f->r->memory.runtime == 3758096384.0 + 358612992.0);
    s.tp = 8;
    assert_int_equal(lr_analyze(f->plan, f->prof, h, &s, 1, 1, f->r, &err), 0);
    assert_true(f->r->memory.runtime == 3758096384.0 + 411041792.0);
}

static void
refused(const lr_arch *a, const lr_hw *h, const lr_settings *s, double tokens, const char *msg)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(lr_check_settings(a, h, s, tokens, NULL, 0, &err), -1);
    assert_string_equal(err.msg, msg);
}

/* Llama-3.1-8B: 32 heads, 8 KV heads, 32 layers, context 131,072. */
static void
test_check_settings(void **state)
{
    fixture *f = *state;
    const lr_hw *a100 = lr_hwdb_find(f->hw, "a100-80gb");
    lr_settings s;
    lr_settings_default(&s);
    char warn[256];
    lr_error err;
    assert_int_equal(lr_check_settings(f->arch, a100, &s, 2048, warn, sizeof warn, &err), 0);
    assert_string_equal(warn, "");
    /* valid sizes divide 32 and either divide 8 or are multiples of it */
    s.tp = 3;
    refused(f->arch, a100, &s, 2048,
            "--tp 3 does not split the model's 32 attention heads and 8 key/value heads "
            "evenly; valid --tp sizes: 1, 2, 4, 8, 16, 32");
    s.tp = 16; /* KV heads replicated, as vLLM does */
    assert_int_equal(lr_check_settings(f->arch, a100, &s, 2048, NULL, 0, &err), 0);
    s.tp = 1;
    s.pp = 33;
    refused(f->arch, a100, &s, 2048, "--pp 33: more pipeline stages than the model's 32 layers");
    s.pp = 32;
    assert_int_equal(lr_check_settings(f->arch, a100, &s, 2048, NULL, 0, &err), 0);
    s.pp = 1;
    s.batch = 2;
    s.microbatches = 3;
    refused(f->arch, a100, &s, 2048,
            "--microbatches 3: more micro-batches than the 2 sequences of the batch");
    s.microbatches = 2;
    refused(f->arch, a100, &s, 131073,
            "a sequence of 131073 tokens is longer than the model's context of 131072 "
            "tokens (max_position_embeddings); --allow-long-context accepts it");
    assert_int_equal(lr_check_settings(f->arch, a100, &s, 131072, NULL, 0, &err), 0);
    s.allow_long_context = 1;
    assert_int_equal(lr_check_settings(f->arch, a100, &s, 131073, NULL, 0, &err), 0);
    /* FP8 on an A100: a warning naming the type it falls back to */
    s.a_fp8 = 1;
    assert_int_equal(lr_check_settings(f->arch, a100, &s, 2048, warn, sizeof warn, &err), 0);
    assert_string_equal(warn,
                        "a100-80gb has no FP8 tensor cores: --a-dtype fp8 computes at the int8 "
                        "peak instead");
    assert_int_equal(
        lr_check_settings(f->arch, lr_hwdb_find(f->hw, "h100-sxm"), &s, 2048, warn, 256, &err), 0);
    assert_string_equal(warn, "");
}

/* 30 heads of a 3584-wide model: head_dim 3584 / 30 = 119.47. */
static void
test_check_head_dim(void **state)
{
    fixture *f = *state;
    lr_error err;
    const char *cfg = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", "
                      "\"vocab_size\": 100, \"hidden_size\": 3584, \"intermediate_size\": 128, "
                      "\"num_hidden_layers\": 2, \"num_attention_heads\": 30}";
    lr_arch *a = lr_arch_from_hf_config_text(cfg, "h30.json", TU_DEFAULT "/architectures", &err);
    assert_non_null(a);
    lr_settings s;
    lr_settings_default(&s);
    refused(a, lr_hwdb_find(f->hw, "a100-80gb"), &s, 64,
            "119.467 (hidden_size / num_attention_heads, 30 heads) is not a whole number of "
            "dimensions per attention head; set head_dim in the config");
    lr_arch_free(a);
}

/* Llama-3.1-8B on an a100-40gb (42,949,672,960 B), one sequence of
 * 1000 + 24 tokens: weights 16,060,522,496 B; KV 64 pages x 16 x 131,072
 * = 134,217,728 B; activations of the prefill, one pass of 1000 tokens:
 * eager softmax 2 x 32 x 1000 x 1000 x 2 = 128,000,000 B plus the residual
 * stream 1000 x 4096 x 2 = 8,192,000 B; runtime 3,758,096,384 B. Total
 * 20,089,028,608 B = 18.709 GiB.
 * At --mem-util 0.1 (4 GiB): short by 14.709 GiB, and no --tp fits: the
 * runtime (3.5 GiB + NCCL 0.38 GiB) with even a 32nd of the weights
 * (0.47 GiB) is over 4 GiB.
 * At 0.4 (16 GiB): --tp 2 halves weights, KV and the heads' scores:
 * about 8.03e9 + 0.07e9 + 0.08e9 + 3.76e9 + NCCL 0.36e9 = 12.3e9 B
 * = 11.4 GiB: the smallest --tp that fits is 2.
 * At 0.9 (36 GiB) one sequence fits without splitting. */
static void
test_check_fit(void **state)
{
    fixture *f = *state;
    const lr_hw *h = lr_hwdb_find(f->hw, "a100-40gb");
    lr_settings s;
    lr_settings_default(&s);
    s.mem_util = 0.1;
    lr_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(lr_check_fit(f->arch, f->plan, f->prof, h, &s, 1000, 24, f->r, &err), -1);
    assert_non_null(strstr(err.msg, "does not fit on a100-40gb even at batch 1: it needs 18.71 "
                                    "GiB per device"));
    assert_non_null(strstr(err.msg, "of 4.00 GiB (--mem-util 0.1 of 40.00 GiB), short by "
                                    "14.71 GiB; no --tp up to 64 makes it fit"));
    s.mem_util = 0.4;
    memset(&err, 0, sizeof err);
    assert_int_equal(lr_check_fit(f->arch, f->plan, f->prof, h, &s, 1000, 24, f->r, &err), -1);
    assert_non_null(strstr(err.msg, "the smallest --tp that fits is 2"));
    s.mem_util = 0.9;
    assert_int_equal(lr_check_fit(f->arch, f->plan, f->prof, h, &s, 1000, 24, f->r, &err), 0);
}

/* data/engines/NAME.json: each engine's "memory" object holds values its
 * settings rows accept (null: the row's own default or the hardware's), and
 * vLLM's are the settings' defaults. */
static void
test_engine_files(void **state)
{
    (void)state;
    static const char *const engines[] = {"ideal",  "pytorch",  "vllm",     "sglang",
                                          "trtllm", "lmdeploy", "llama.cpp"};
    static const char *const rows[] = {"kv_block_size", "max_batched_tokens", "mem_util"};
    lr_settings d;
    lr_settings_default(&d);
    for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
        char path[512];
        snprintf(path, sizeof path, LR_DATA_DIR "/engines/%s.json", engines[e]);
        json_error_t je;
        json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!root)
            fail_msg("%s: %s", path, je.text);
        json_t *mem = json_object_get(root, "memory");
        assert_true(json_is_object(mem));
        for (size_t k = 0; k < 3; k++) {
            json_t *v = json_object_get(mem, rows[k]);
            assert_true(json_is_number(v) || json_is_null(v));
            lr_settings s = d;
            lr_error err;
            int i = lr_setting_index(rows[k]);
            if (json_is_number(v)) {
                if (lr_settings_put(&s, (size_t)i, json_number_value(v), &err) < 0)
                    fail_msg("%s: %s", path, err.msg);
                if (!strcmp(engines[e], "vllm"))
                    assert_true(json_number_value(v) == lr_settings_value(&d, (size_t)i));
            }
        }
        json_t *rt = json_object_get(mem, "runtime_bytes");
        assert_true(json_is_null(rt) || (json_is_number(rt) && json_number_value(rt) >= 0));
        json_decref(root);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_liveness_eager, setup_tiny, teardown),
        cmocka_unit_test_setup_teardown(test_liveness_flash, setup_tiny, teardown),
        cmocka_unit_test_setup_teardown(test_liveness_chunked, setup_tiny, teardown),
        cmocka_unit_test_setup_teardown(test_llama31_h100_capacity, setup_llama31, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_comm, setup_llama31, teardown),
        cmocka_unit_test_setup_teardown(test_check_settings, setup_llama31, teardown),
        cmocka_unit_test_setup_teardown(test_check_head_dim, setup_llama31, teardown),
        cmocka_unit_test_setup_teardown(test_check_fit, setup_llama31, teardown),
        cmocka_unit_test(test_engine_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
