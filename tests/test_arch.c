/*
 * test_arch.c: architecture trees from config.json through the Llama
 * template, and from the prototype's architecture JSON.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

static const lr_node *
child(const lr_node *n, const char *name)
{
    for (size_t i = 0; i < n->nsubs; i++)
        if (strcmp(n->subs[i].name, name) == 0)
            return &n->subs[i];
    return NULL;
}

/* A node parameter's value; one that is a formula of runtime variables
 * (the tensor-parallel split: 32 / {tp}) is evaluated on one device. */
static double
param(const lr_node *n, const char *name)
{
    const lr_param *p = lr_node_param(n, name);
    assert_non_null(p);
    if (!p->formula)
        return p->value;
    lr_error err;
    lr_formula *f = lr_formula_compile(p->formula, NULL, NULL, NULL, 0, &err);
    assert_non_null(f);
    lr_settings s;
    lr_settings_default(&s);
    double vars[LR_NVARS] = {0}, v = -1;
    vars[LR_V_TP] = vars[LR_V_PP] = vars[LR_V_EP] = 1;
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), 0);
    lr_formula_free(f);
    return v;
}

static void
test_llama2_tree(void **state)
{
    (void)state;
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    assert_non_null(a);
    assert_string_equal(a->name, "meta-llama/Llama-2-7b-hf");
    assert_string_equal(a->family, "llama");
    assert_true(a->max_context == 4096);
    const lr_node *model = child(&a->root, "model");
    const lr_node *layers = child(model, "layers");
    assert_non_null(layers);
    assert_true(layers->repeat == 32);
    const lr_node *attn = child(layers, "self_attn");
    assert_true(param(attn, "num_kv_heads") == 32); /* default: = heads */
    assert_true(param(attn, "head_dim") == 128);    /* 4096 / 32 */
    const lr_node *k = child(attn, "k_proj");
    assert_true(k->output_kv);
    assert_true(param(k, "out_features") == 4096);
    const lr_node *lm = child(&a->root, "lm_head");
    assert_false(lm->tied);
    /* lm_head's tokens stay a formula over runtime variables */
    const lr_param *t = lr_node_param(lm, "tokens");
    assert_non_null(t);
    assert_non_null(t->formula);
    assert_non_null(strstr(t->formula, "logit_tokens"));
    lr_arch_free(a);
}

/* A template formula that folds to more than 1024 characters (LFM2-VL's
 * patches per image: smart_resize's three cases over the image size) is
 * kept whole: it was cut at 1024 and then failed to parse. One 512 x 512
 * image (the default): 32 x 32 = 1024 patches. */
static void
test_long_formula(void **state)
{
    (void)state;
    lr_arch *a = tu_model("LiquidAI/LFM2.5-VL-1.6B");
    assert_non_null(a);
    const lr_node *n = child(&a->root, "model");
    const char *path[] = {"vision_tower", "vision_model", "embeddings", "patch_embedding"};
    for (size_t i = 0; n && i < sizeof path / sizeof path[0]; i++)
        n = child(n, path[i]);
    assert_non_null(n);
    const lr_param *p = lr_node_param(n, "tokens");
    assert_non_null(p);
    assert_non_null(p->formula);
    assert_true(strlen(p->formula) > 1024);
    lr_error err;
    lr_formula *f = lr_formula_compile(p->formula, NULL, NULL, NULL, 0, &err);
    assert_non_null(f);
    double vars[LR_NVARS] = {0}, v = -1;
    vars[LR_V_B] = vars[LR_V_IMAGES] = 1;
    assert_int_equal(lr_formula_eval(f, vars, &v, &err), 0);
    assert_true(v == 1024);
    lr_formula_free(f);
    lr_arch_free(a);
}

static void
test_config_errors(void **state)
{
    (void)state;
    lr_error err;
    /* no hidden_size */
    char *p =
        tu_tmpfile("{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
                   " \"vocab_size\": 100, \"intermediate_size\": 64, \"num_hidden_layers\": 2,"
                   " \"num_attention_heads\": 4}",
                   ".json");
    lr_arch *a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "missing config field 'hidden_size'"));
    assert_string_equal(err.file, p);
    unlink(p);
    free(p);
    /* a string where a number belongs */
    p = tu_tmpfile("{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 100,"
                   " \"hidden_size\": \"big\"}",
                   ".json");
    a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    assert_null(a);
    assert_string_equal(err.path, "hidden_size");
    assert_non_null(strstr(err.msg, "expected a number"));
    unlink(p);
    free(p);
    /* an architecture no template covers */
    p = tu_tmpfile("{\"architectures\": [\"NoSuchForCausalLM\"], \"model_type\": \"nosuch\"}",
                   ".json");
    a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "no family template for architecture 'NoSuchForCausalLM'"));
    assert_non_null(strstr(err.msg, "llama"));
    unlink(p);
    free(p);
    /* zero heads: below the template's minimum */
    p = tu_tmpfile(
        "{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 100, \"hidden_size\": 64,"
        " \"intermediate_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 0}",
        ".json");
    a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "below the minimum"));
    unlink(p);
    free(p);
}

/* Layer patterns as data (template field "count"): a gpt-oss config with
 * three sliding layers and one full one gets groups of 3 and 1; a
 * Nemotron-H pattern string "M*M-M" gets 3 Mamba, 1 attention, 1 MLP
 * block; Python's bare Infinity reads as null. */
static void
test_config_layer_patterns(void **state)
{
    (void)state;
    lr_error err;
    char *p = tu_tmpfile(
        "{\"architectures\": [\"GptOssForCausalLM\"], \"model_type\": \"gpt_oss\","
        " \"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 64,"
        " \"num_hidden_layers\": 4, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
        " \"head_dim\": 16, \"num_local_experts\": 4, \"num_experts_per_tok\": 2,"
        " \"layer_types\": [\"sliding_attention\", \"sliding_attention\", \"full_attention\","
        " \"sliding_attention\"], \"note\": \"Infinity stays in a string\"}",
        ".json");
    lr_arch *a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    assert_non_null(a);
    const lr_node *model = child(&a->root, "model");
    assert_true(model->subs[2].repeat == 3); /* the sliding group first */
    assert_true(model->subs[3].repeat == 1);
    lr_arch_free(a);
    unlink(p);
    free(p);
    p = tu_tmpfile(
        "{\"architectures\": [\"NemotronHForCausalLM\"], \"vocab_size\": 100,"
        " \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 5,"
        " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"mamba_num_heads\": 4,"
        " \"mamba_head_dim\": 16, \"n_groups\": 2, \"ssm_state_size\": 8,"
        " \"time_step_limit\": [0.0, Infinity], \"x\": -Infinity, \"y\": NaN,"
        " \"hybrid_override_pattern\": \"M*M-M\"}",
        ".json");
    a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    if (!a)
        fprintf(stderr, "%s: %s\n", err.path, err.msg);
    assert_non_null(a);
    const lr_node *bb = child(&a->root, "backbone");
    assert_true(bb->subs[1].repeat == 3);
    assert_true(bb->subs[2].repeat == 1);
    assert_true(bb->subs[3].repeat == 1);
    lr_arch_free(a);
    unlink(p);
    free(p);
    /* MoE blocks (E) without n_routed_experts are refused, not silently dropped */
    p = tu_tmpfile("{\"architectures\": [\"NemotronHForCausalLM\"], \"vocab_size\": 100,"
                   " \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2,"
                   " \"num_attention_heads\": 4, \"mamba_num_heads\": 4, \"mamba_head_dim\": 16,"
                   " \"hybrid_override_pattern\": \"ME\"}",
                   ".json");
    a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "below the minimum"));
    unlink(p);
    free(p);
}

/* Newer spellings of a layer pattern. Nemotron-3 Ultra's config gives the
 * blocks as a list, layers_block_type, and no num_hidden_layers: 3 "mamba",
 * 1 "attention", 1 "mlp" make the groups of 3, 1 and 1 that "M*M-M" does.
 * Step-3.5's published config names the MoE layers in moe_layers_enum
 * ("2,3,4,5" of 6: 2 dense) and lists the 2 MTP layers' types after the
 * decoder's 6 in layer_types: the full layers are counted among the first
 * 6 only (2, at 0 and 3: period 3), so the groups are full dense 1 (layer
 * 0), sliding dense 1 (1), full MoE 1 (3), sliding MoE 3 (2, 4, 5);
 * counting the MTP entries too would give 3 full layers and a period of 2
 * (full MoE 2, sliding MoE 2). A template whose "upto" names no earlier
 * field is refused. */
static void
test_config_pattern_spellings(void **state)
{
    (void)state;
    lr_error err;
    char *p = tu_tmpfile("{\"architectures\": [\"NemotronHForCausalLM\"], \"vocab_size\": 100,"
                         " \"hidden_size\": 64, \"intermediate_size\": 128,"
                         " \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                         " \"mamba_num_heads\": 4, \"mamba_head_dim\": 16, \"n_groups\": 2,"
                         " \"ssm_state_size\": 8, \"layers_block_type\": [\"mamba\", \"attention\","
                         " \"mamba\", \"mlp\", \"mamba\"]}",
                         ".json");
    lr_arch *a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    if (!a)
        fprintf(stderr, "%s: %s\n", err.path, err.msg);
    assert_non_null(a);
    const lr_node *bb = child(&a->root, "backbone");
    assert_true(bb->subs[1].repeat == 3);
    assert_true(bb->subs[2].repeat == 1);
    assert_true(bb->subs[3].repeat == 1);
    lr_arch_free(a);
    unlink(p);
    free(p);
    const char *step = "{\"architectures\": [\"Step3p5ForCausalLM\"], \"model_type\": \"step3p5\","
                       " \"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 128,"
                       " \"num_hidden_layers\": 6, \"num_attention_heads\": 4,"
                       " \"num_attention_groups\": 2, \"head_dim\": 16,"
                       " \"moe_intermediate_size\": 32, \"moe_num_experts\": 4, \"moe_top_k\": 2,"
                       " \"share_expert_dim\": 32, \"num_nextn_predict_layers\": 2,"
                       " \"moe_layers_enum\": \"2,3,4,5\", \"layer_types\": [\"full_attention\","
                       " \"sliding_attention\", \"sliding_attention\", \"full_attention\","
                       " \"sliding_attention\", \"sliding_attention\", \"full_attention\","
                       " \"sliding_attention\"]}";
    p = tu_tmpfile(step, ".json");
    a = lr_arch_from_hf_config(p, TU_DEFAULT "/architectures", &err);
    if (!a)
        fprintf(stderr, "%s: %s\n", err.path, err.msg);
    assert_non_null(a);
    const lr_node *model = child(&a->root, "model");
    assert_true(model->subs[2].repeat == 1); /* full dense */
    assert_true(model->subs[3].repeat == 1); /* sliding dense */
    assert_true(model->subs[4].repeat == 1); /* full MoE */
    assert_true(model->subs[5].repeat == 3); /* sliding MoE */
    lr_arch_free(a);
    /* the same template with "upto" naming a field it does not have */
    char dir[] = "/tmp/lr_archXXXXXX", tpath[64];
    assert_non_null(mkdtemp(dir));
    snprintf(tpath, sizeof tpath, "%s/step3p7.json", dir);
    FILE *in = fopen(TU_DEFAULT "/architectures/step3p7.json", "r");
    FILE *out = fopen(tpath, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[4096];
    while (fgets(line, sizeof line, in)) {
        char *u = strstr(line, "\"upto\": \"num_hidden_layers\"");
        if (u)
            fprintf(out, "%.*s\"upto\": \"no_such_field\",\n", (int)(u - line), line);
        else
            fputs(line, out);
    }
    fclose(in);
    fclose(out);
    a = lr_arch_from_hf_config(p, dir, &err);
    assert_null(a);
    assert_non_null(strstr(err.msg, "\"upto\" must name a config field"));
    unlink(tpath);
    rmdir(dir);
    unlink(p);
    free(p);
}

/* A tiny model in the prototype's architecture JSON: one Linear repeated
 * 3 times and a norm. */
static void
test_prototype_arch(void **state)
{
    (void)state;
    char *p = tu_tmpfile(
        "{\"name\": \"tiny\", \"class\": \"LlamaModel\", \"sub_layers\": ["
        " {\"name\": \"blocks\", \"class\": \"LlamaDecoderLayer\", \"repeat\": 3,"
        "  \"parameters\": {\"hidden_size\": 64}, \"sub_layers\": ["
        "   {\"name\": \"proj\", \"class\": \"torch.nn.modules.linear.Linear\","
        "    \"parameters\": {\"in_features\": 64, \"out_features\": 128, \"bias\": true}}]},"
        " {\"name\": \"norm\", \"class\": \"LlamaRMSNorm\", \"parameters\": {\"hidden_size\": "
        "64}}]}",
        ".json");
    lr_error err;
    lr_arch *a = lr_arch_from_json_file(p, &err);
    assert_non_null(a);
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    lr_plan *plan = lr_plan_new(a, db, &err);
    assert_non_null(plan);
    /* (64*128 + 128) * 3 + 64 = 8,320 * 3 + 64 = 25,024 */
    assert_true(lr_plan_params(plan) == 25024);
    lr_result *r = lr_result_new(plan);
    lr_hwdb *hw = tu_hw();
    lr_settings s;
    lr_settings_default(&s);
    s.seq_len = 10;
    assert_int_equal(lr_analyze(plan, prof, lr_hwdb_find(hw, "v100"), &s, 1, 1, r, &err), 0);
    const lr_op *proj = tu_op(&r->stage[LR_PREFILL], "blocks.proj");
    assert_non_null(proj);
    /* 2*10*64*128 + 10*128 (bias) = 163,840 + 1,280 */
    assert_true(proj->v[LR_F_FLOPS] == 165120);
    assert_true(proj->count == 3);
    lr_result_free(r);
    lr_hwdb_free(hw);
    lr_plan_free(plan);
    lr_profile_free(prof);
    lr_arch_free(a);
    unlink(p);
    free(p);
}

static void
test_arch_missing_param(void **state)
{
    (void)state;
    /* a Linear without out_features */
    char *p = tu_tmpfile("{\"name\": \"m\", \"class\": \"torch.nn.Linear\","
                         " \"parameters\": {\"in_features\": 8}}",
                         ".json");
    lr_error err;
    lr_arch *a = lr_arch_from_json_file(p, &err);
    assert_non_null(a);
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    const lr_db *db = lr_profile_db(prof);
    assert_null(lr_plan_new(a, db, &err));
    assert_non_null(strstr(err.msg, "missing parameter 'out_features'"));
    lr_profile_free(prof);
    lr_arch_free(a);
    unlink(p);
    free(p);
    /* an op placed twice would be counted twice */
    p = tu_tmpfile("{\"name\": \"m\", \"class\": \"LlamaDecoderLayer\","
                   " \"parameters\": {\"hidden_size\": 8},"
                   " \"sub_layers\": [{\"op\": \"attn_add\"}, {\"op\": \"attn_add\"}]}",
                   ".json");
    a = lr_arch_from_json_file(p, &err);
    assert_non_null(a);
    prof = tu_profile(TU_DEFAULT, NULL);
    db = lr_profile_db(prof);
    assert_null(lr_plan_new(a, db, &err));
    assert_non_null(strstr(err.msg, "op 'attn_add' is placed twice"));
    lr_profile_free(prof);
    lr_arch_free(a);
    unlink(p);
    free(p);
    /* a misspelt parameter is an error, not a silent default */
    p = tu_tmpfile("{\"name\": \"m\", \"class\": \"torch.nn.Linear\","
                   " \"parameters\": {\"in_features\": 8, \"out_features\": 8, \"bais\": 1}}",
                   ".json");
    a = lr_arch_from_json_file(p, &err);
    assert_non_null(a);
    prof = tu_profile(TU_DEFAULT, NULL);
    db = lr_profile_db(prof);
    assert_null(lr_plan_new(a, db, &err));
    assert_non_null(strstr(err.msg, "unknown parameter 'bais'"));
    assert_non_null(strstr(err.msg, "in_features"));
    assert_string_equal(err.file, p);
    lr_profile_free(prof);
    lr_arch_free(a);
    unlink(p);
    free(p);
    /* an unknown class in the tree */
    p = tu_tmpfile("{\"name\": \"m\", \"class\": \"LlamaRMSNrom\"}", ".json");
    a = lr_arch_from_json_file(p, &err);
    prof = tu_profile(TU_DEFAULT, NULL);
    db = lr_profile_db(prof);
    assert_null(lr_plan_new(a, db, &err));
    assert_non_null(
        strstr(err.msg, "closest known: transformers.models.llama.modeling_llama.LlamaRMSNorm"));
    lr_profile_free(prof);
    lr_arch_free(a);
    unlink(p);
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama2_tree),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_layer_patterns),
        cmocka_unit_test(test_prototype_arch),
        cmocka_unit_test(test_arch_missing_param),
        cmocka_unit_test(test_long_formula),
        cmocka_unit_test(test_config_pattern_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
