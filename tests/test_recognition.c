/*
 * test_recognition.c: which family template a config.json gets (its class
 * first, then its model_type; the text part of a nested text_config;
 * --family), and the template engine's data-driven mechanisms: per-layer
 * shapes from a config list (for_each), counted and compared config
 * values, weights_only nodes and active parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

/* A tiny Llama: vocab 100, hidden 64, intermediate 128, 2 layers, 4 heads.
 * Parameters: embedding 100 * 64 = 6,400; per layer q, k, v, o 4 * 64 * 64
 * = 16,384, MLP 3 * 64 * 128 = 24,576, two norms 128: 41,088, times 2 =
 * 82,176; final norm 64; head 6,400. Total 95,040. */
#define TINY_LLAMA                                                                                 \
    "\"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 128, "                       \
    "\"num_hidden_layers\": 2, \"num_attention_heads\": 4"

static lr_arch *
load(const char *text, const char *family, lr_error *err)
{
    char *p = tu_tmpfile(text, ".json");
    memset(err, 0, sizeof *err);
    lr_arch *a = lr_model_load_family(LR_DATA_DIR "/models", TU_DEFAULT "/architectures", p, family,
                                      NULL, NULL, err);
    unlink(p);
    free(p);
    return a;
}

static double
params_of(const lr_arch *a, double *active)
{
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    lr_error err;
    lr_plan *p = lr_plan_new(a, lr_profile_db(prof), &err);
    if (!p)
        fprintf(stderr, "plan: %s: %s\n", err.path, err.msg);
    assert_non_null(p);
    double n = lr_plan_params(p);
    if (active)
        *active = lr_plan_active_params(p);
    lr_plan_free(p);
    lr_profile_free(prof);
    return n;
}

static const lr_node *
child(const lr_node *n, const char *name, size_t nth)
{
    for (size_t i = 0; i < n->nsubs; i++)
        if (strcmp(n->subs[i].name, name) == 0 && nth-- == 0)
            return &n->subs[i];
    return NULL;
}

static double
pval(const lr_node *n, const char *name)
{
    const lr_param *p = lr_node_param(n, name);
    assert_non_null(p);
    assert_null(p->formula);
    return p->value;
}

static void
test_class_first(void **state)
{
    (void)state;
    lr_error err;
    /* the class decides, whatever model_type says */
    lr_arch *a = load(
        "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"mistral\", " TINY_LLAMA "}",
        NULL, &err);
    assert_non_null(a);
    assert_string_equal(a->family, "llama");
    assert_true(params_of(a, NULL) == 95040);
    lr_arch_free(a);
    /* an unknown class is an error listing the known classes and --family,
     * even when model_type names a known family */
    a = load("{\"architectures\": [\"FooForCausalLM\"], \"model_type\": \"llama\", " TINY_LLAMA "}",
             NULL, &err);
    assert_null(a);
    assert_string_equal(err.path, "architectures");
    assert_non_null(strstr(err.msg, "no family template for architecture 'FooForCausalLM'"));
    assert_non_null(strstr(err.msg, "LlamaForCausalLM"));
    assert_non_null(strstr(err.msg, "--family NAME"));
    /* forced: the same config through the llama template */
    a = load("{\"architectures\": [\"FooForCausalLM\"], \"model_type\": \"llama\", " TINY_LLAMA "}",
             "llama", &err);
    assert_non_null(a);
    assert_string_equal(a->family, "llama");
    assert_true(params_of(a, NULL) == 95040);
    lr_arch_free(a);
    a = load("{" TINY_LLAMA "}", "nosuch", &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "no family template named 'nosuch'"));
    /* no class at all: model_type decides */
    a = load("{\"model_type\": \"llama\", " TINY_LLAMA "}", NULL, &err);
    assert_non_null(a);
    assert_string_equal(a->family, "llama");
    lr_arch_free(a);
    /* the legacy Falcon class */
    a = load("{\"architectures\": [\"RWForCausalLM\"], \"model_type\": \"RefinedWeb\", "
             "\"vocab_size\": 100, \"hidden_size\": 64, \"n_head\": 4, \"n_head_kv\": 2, "
             "\"n_layer\": 2}",
             NULL, &err);
    assert_non_null(a);
    assert_string_equal(a->family, "falcon");
    lr_arch_free(a);
}

static void
test_text_config(void **state)
{
    (void)state;
    lr_error err;
    /* the wrapper's class is unknown, the text part's is Llama's */
    lr_arch *a = load("{\"architectures\": [\"SomeVLForConditionalGeneration\"], \"text_config\": "
                      "{\"architectures\": [\"LlamaForCausalLM\"], " TINY_LLAMA "}}",
                      NULL, &err);
    assert_non_null(a);
    assert_string_equal(a->family, "llama");
    assert_true(params_of(a, NULL) == 95040);
    lr_arch_free(a);
    /* the text part's fields win over the top level's: 4 layers, not 2;
     * tie_word_embeddings only at the top level is read: per layer 41,088,
     * 4 layers 164,352 + 6,400 + 64, tied head = 170,816 */
    a = load("{\"architectures\": [\"LlamaForCausalLM\"], \"num_hidden_layers\": 2, "
             "\"tie_word_embeddings\": true, \"text_config\": {\"vocab_size\": 100, "
             "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 4, "
             "\"num_attention_heads\": 4}}",
             NULL, &err);
    assert_non_null(a);
    assert_true(params_of(a, NULL) == 170816);
    lr_arch_free(a);
}

/* Kimi-K2: class DeepseekV3ForCausalLM, model_type kimi_k2: V3's routing
 * (sigmoid scores, the score bias, routed_scaling_factor), read from the
 * class. */
static void
test_kimi_by_class(void **state)
{
    (void)state;
    static const char *v3 =
        "{\"architectures\": [\"%s\"], \"model_type\": \"%s\", \"vocab_size\": 100, "
        "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, "
        "\"num_attention_heads\": 2, \"q_lora_rank\": 32, \"kv_lora_rank\": 16, "
        "\"qk_nope_head_dim\": 8, \"qk_rope_head_dim\": 8, \"v_head_dim\": 8, "
        "\"n_routed_experts\": 4, \"num_experts_per_tok\": 2, \"n_shared_experts\": 1, "
        "\"moe_intermediate_size\": 32, \"first_k_dense_replace\": 1}";
    char cfg[1024];
    lr_error err;
    snprintf(cfg, sizeof cfg, v3, "DeepseekV3ForCausalLM", "kimi_k2");
    lr_arch *a = load(cfg, NULL, &err);
    assert_non_null(a);
    assert_string_equal(a->family, "deepseek");
    const lr_node *model = child(&a->root, "model", 0);
    const lr_node *gate = child(child(child(model, "layers", 1), "mlp", 0), "gate", 0);
    assert_non_null(gate);
    assert_true(pval(gate, "sigmoid") == 1);
    assert_true(pval(gate, "bias") == 1);
    assert_true(pval(gate, "scale") == 1);
    lr_arch_free(a);
    /* a V2 class: softmax scores, no bias */
    snprintf(cfg, sizeof cfg, v3, "DeepseekV2ForCausalLM", "deepseek_v2");
    a = load(cfg, NULL, &err);
    assert_non_null(a);
    model = child(&a->root, "model", 0);
    gate = child(child(child(model, "layers", 1), "mlp", 0), "gate", 0);
    assert_true(pval(gate, "sigmoid") == 0);
    assert_true(pval(gate, "bias") == 0);
    lr_arch_free(a);
}

/* Per-layer shapes (DeciLM block_configs through "for_each"): vocab 100,
 * hidden 64, 4 heads of 16. Blocks 0 and 1: 4 / 2 = 2 KV heads, ffn_mult
 * 1.5: intermediate find_multiple(int(2 * 1.5 * 64 / 3) = 64, 256) = 256;
 * equal, so one node repeated twice. Block 2: no attention (no norm, no
 * residual add), ffn_mult 9: int(384) -> 512. Parameters: embedding 6,400;
 * blocks 0-1 each input norm 64 + q 4,096 + k, v 2 * 64 * 32 = 4,096 +
 * o 4,096 + post norm 64 + MLP 3 * 64 * 256 = 49,152 -> 61,568, twice
 * 123,136; block 2 post norm 64 + 3 * 64 * 512 = 98,304 -> 98,368; final
 * norm 64; head 6,400. Total 234,368. */
static void
test_for_each(void **state)
{
    (void)state;
    lr_error err;
    static const char *blk =
        "{\"attention\": {\"n_heads_in_group\": %s, \"no_op\": %s, \"replace_with_linear\": "
        "false, \"window_length\": null}, \"ffn\": {\"ffn_mult\": %s, \"no_op\": false, "
        "\"replace_with_linear\": false}}";
    char b0[300], b2[300], cfg[1200];
    snprintf(b0, sizeof b0, blk, "2", "false", "1.5");
    snprintf(b2, sizeof b2, blk, "null", "true", "9");
    snprintf(cfg, sizeof cfg,
             "{\"architectures\": [\"DeciLMForCausalLM\"], \"vocab_size\": 100, \"hidden_size\": "
             "64, \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"block_configs\": [%s, "
             "%s, %s]}",
             b0, b0, b2);
    lr_arch *a = load(cfg, NULL, &err);
    if (!a)
        fprintf(stderr, "%s: %s\n", err.path, err.msg);
    assert_non_null(a);
    const lr_node *model = child(&a->root, "model", 0);
    const lr_node *l0 = child(model, "layers", 0), *l1 = child(model, "layers", 1);
    assert_non_null(l0);
    assert_non_null(l1);
    assert_null(child(model, "layers", 2));
    assert_true(l0->repeat == 2);
    assert_true(l1->repeat == 1);
    assert_non_null(child(l0, "self_attn", 0));
    assert_null(child(l1, "self_attn", 0));
    assert_null(child(l1, "input_layernorm", 0));
    assert_true(pval(l1, "attn") == 0);
    const lr_node *mlp1 = child(l1, "mlp", 0);
    assert_non_null(mlp1);
    /* 512 / {tp}: a formula of the tensor-parallel degree */
    const lr_param *of = lr_node_param(child(mlp1, "gate_proj", 0), "out_features");
    assert_non_null(of->formula);
    assert_non_null(strstr(of->formula, "(512 / {tp})"));
    assert_true(params_of(a, NULL) == 234368);
    lr_arch_free(a);
    /* the template's "defaults" fill what an element leaves out (no
     * window_length here); replace_with_linear gives one Linear in place of
     * the attention: 64 * 64 = 4,096 weights */
    a = load("{\"architectures\": [\"DeciLMForCausalLM\"], \"vocab_size\": 100, \"hidden_size\": "
             "64, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"block_configs\": "
             "[{\"attention\": {\"replace_with_linear\": true}, \"ffn\": {\"ffn_mult\": 1.5}}]}",
             NULL, &err);
    if (!a)
        fprintf(stderr, "%s: %s\n", err.path, err.msg);
    assert_non_null(a);
    model = child(&a->root, "model", 0);
    const lr_node *lin = child(child(model, "layers", 0), "self_attn", 0);
    assert_string_equal(lin->cls, "torch.nn.Linear");
    /* embedding 6,400 + input norm 64 + linear 4,096 + post norm 64 + MLP
     * 49,152 + final norm 64 + head 6,400 = 66,240 */
    assert_true(params_of(a, NULL) == 66240);
    lr_arch_free(a);
    /* no list to iterate: an error naming it */
    a = load("{\"architectures\": [\"DeciLMForCausalLM\"], \"vocab_size\": 100, \"hidden_size\": "
             "64, \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"block_configs\": 3}",
             NULL, &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "block_configs"));
}

/* layer_types counted ("count"): OLMo-3 with 3 layers, 2 sliding (window
 * 16) and 1 full: two groups, sliding first. */
static void
test_counted_layers(void **state)
{
    (void)state;
    lr_error err;
    lr_arch *a = load("{\"architectures\": [\"Olmo3ForCausalLM\"], " TINY_LLAMA
                      ", \"num_hidden_layers\": 3, \"sliding_window\": 16, \"layer_types\": "
                      "[\"sliding_attention\", \"full_attention\", \"sliding_attention\"]}",
                      NULL, &err);
    assert_null(a); /* a duplicate key: num_hidden_layers twice */
    a = load("{\"architectures\": [\"Olmo3ForCausalLM\"], \"vocab_size\": 100, \"hidden_size\": "
             "64, \"intermediate_size\": 128, \"num_hidden_layers\": 3, \"num_attention_heads\": "
             "4, \"sliding_window\": 16, \"layer_types\": [\"sliding_attention\", "
             "\"full_attention\", \"sliding_attention\"]}",
             NULL, &err);
    assert_non_null(a);
    const lr_node *model = child(&a->root, "model", 0);
    const lr_node *loc = child(model, "layers", 0), *glob = child(model, "layers", 1);
    assert_true(loc->repeat == 2);
    assert_true(glob->repeat == 1);
    assert_true(pval(child(loc, "self_attn", 0), "window") == 16);
    assert_true(pval(child(glob, "self_attn", 0), "window") == 0);
    lr_arch_free(a);
    /* EXAONE-4's sliding_window_pattern as a string: its length is the
     * period: "LLLG", 8 layers -> 8 - floor(8 / 4) = 6 local, 2 global */
    a = load("{\"architectures\": [\"Exaone4ForCausalLM\"], \"vocab_size\": 100, \"hidden_size\": "
             "64, \"intermediate_size\": 128, \"num_hidden_layers\": 8, \"num_attention_heads\": "
             "4, \"sliding_window\": 16, \"sliding_window_pattern\": \"LLLG\"}",
             NULL, &err);
    assert_non_null(a);
    model = child(&a->root, "model", 0);
    assert_true(child(model, "layers", 0)->repeat == 6);
    assert_true(child(model, "layers", 1)->repeat == 2);
    /* the global layers have no RoPE */
    assert_true(pval(child(child(model, "layers", 1), "self_attn", 0), "rotary_dim") == 0);
    lr_arch_free(a);
}

/* MoE active parameters: a tiny Mixtral, vocab 100, hidden 64, 2 layers,
 * 4 heads, 4 experts of intermediate 32, top 2. Per layer: attention
 * 4 * 4,096 = 16,384, two norms 128, router 64 * 4 = 256, experts
 * 4 * 3 * 64 * 32 = 24,576 -> 41,344; times 2 = 82,688; + embedding 6,400
 * + final norm 64 + head 6,400 = 95,552. Active: the experts count 2 / 4:
 * 12,288 per layer less: 95,552 - 2 * 12,288 = 70,976. */
static void
test_active_params(void **state)
{
    (void)state;
    lr_error err;
    lr_arch *a = load("{\"architectures\": [\"MixtralForCausalLM\"], \"vocab_size\": 100, "
                      "\"hidden_size\": 64, \"intermediate_size\": 32, \"num_hidden_layers\": 2, "
                      "\"num_attention_heads\": 4, \"num_local_experts\": 4, "
                      "\"num_experts_per_tok\": 2}",
                      NULL, &err);
    assert_non_null(a);
    double active;
    assert_true(params_of(a, &active) == 95552);
    assert_true(active == 70976);
    lr_arch_free(a);
    /* a dense model: active = all */
    a = load("{\"architectures\": [\"LlamaForCausalLM\"], " TINY_LLAMA "}", NULL, &err);
    assert_true(params_of(a, &active) == 95040);
    assert_true(active == 95040);
    lr_arch_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_first),    cmocka_unit_test(test_text_config),
        cmocka_unit_test(test_kimi_by_class),  cmocka_unit_test(test_for_each),
        cmocka_unit_test(test_counted_layers), cmocka_unit_test(test_active_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
