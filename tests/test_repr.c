/*
 * test_repr.c: print(model) texts (src/input/repr.c). The real texts are the
 * copies in tests/fixtures/repr/ (sources in its SOURCES.md): every one
 * parses; Llama texts build the same analysis as the bundled configs;
 * head counts are required or inferred; malformed texts, contradicting
 * configs, unknown classes and dimensions that do not fit are errors that
 * say where and why. Families whose template exists are built and compared
 * with their bundled config; the others are reported as skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "testutil.h"

#define REPR_DIR LR_FIXTURES "/repr"
#define MODELS LR_DATA_DIR "/models"

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

static char *
fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.txt", REPR_DIR, name);
    char *s = read_text(path);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

/* The node at a dotted path (op placeholders are not path elements). */
static const lr_node *
node_at(const lr_node *n, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && n; tok = strtok(NULL, ".")) {
        const lr_node *next = NULL;
        for (size_t i = 0; i < n->nsubs && !next; i++)
            if (!n->subs[i].op && strcmp(n->subs[i].name, tok) == 0)
                next = &n->subs[i];
        n = next;
    }
    return n;
}

static double
param(const lr_arch *a, const char *path, const char *name)
{
    const lr_node *n = node_at(&a->root, path);
    const lr_param *p = n ? lr_node_param(n, name) : NULL;
    if (!p)
        fail_msg("no parameter %s at %s", name, path);
    return p->value;
}

/* The vision-language texts (test_vlm_families) */
#define VLM_TEXTS 13

static lr_arch *
parse_ok(const char *text, const char *source)
{
    lr_error err;
    lr_arch *a = lr_repr_parse(text, source, &err);
    if (!a)
        fail_msg("%s:%d:%d: %s", source, err.line, err.col, err.msg);
    return a;
}

/* ---- parsing ---- */

static void
test_every_fixture_parses(void **state)
{
    (void)state;
    DIR *d = opendir(REPR_DIR);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REPR_DIR, de->d_name);
        char *text = read_text(path);
        assert_non_null(text);
        assert_true(lr_repr_detect(text));
        lr_arch *a = parse_ok(text, path);
        const char *cls = a->root.cls;
        size_t cl = strlen(cls);
        assert_true((cl > 11 && strcmp(cls + cl - 11, "ForCausalLM") == 0) ||
                    (cl > 24 && strcmp(cls + cl - 24, "ForConditionalGeneration") == 0) ||
                    strcmp(cls, "GPT2LMHeadModel") == 0);
        /* GPT-NeoX calls its head embed_out; Llama-4's multimodal class
         * holds a whole Llama4ForCausalLM as language_model */
        assert_true(node_at(&a->root, "lm_head") || node_at(&a->root, "embed_out") ||
                    node_at(&a->root, "language_model.lm_head"));
        lr_arch_free(a);
        free(text);
        n++;
    }
    closedir(d);
    /* 13 copied texts, 39 written from the modeling code, and the
     * vision-language models (VLM_TEXTS) */
    assert_int_equal(n, 52 + VLM_TEXTS);
}

static void
test_llama2_tree(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Llama-2-7b-hf");
    lr_arch *a = parse_ok(t, "llama2");
    const lr_node *layers = node_at(&a->root, "model.layers");
    assert_non_null(layers);
    /* (0-31): 32 x LlamaDecoderLayer inside a ModuleList: one node */
    assert_string_equal(layers->cls, "LlamaDecoderLayer");
    assert_true(layers->repeat == 32);
    assert_true(param(a, "model.embed_tokens", "arg0") == 32000);
    assert_true(param(a, "model.embed_tokens", "arg1") == 4096);
    assert_true(param(a, "model.layers.self_attn.q_proj", "in_features") == 4096);
    assert_true(param(a, "model.layers.mlp.gate_proj", "out_features") == 11008);
    assert_true(param(a, "model.layers.mlp.gate_proj", "bias") == 0);
    /* LlamaRMSNorm((4096,), eps=1e-05) */
    assert_true(param(a, "model.norm", "arg0_0") == 4096);
    assert_true(param(a, "model.norm", "eps") == 1e-05);
    assert_string_equal(node_at(&a->root, "model.layers.self_attn")->cls, "LlamaSdpaAttention");
    assert_non_null(node_at(&a->root, "model.rotary_emb"));
    lr_arch_free(a);
    free(t);
}

static void
test_other_trees(void **state)
{
    (void)state;
    char *t = fixture("openai-community--gpt2");
    lr_arch *a = parse_ok(t, "gpt2");
    assert_true(node_at(&a->root, "transformer.h")->repeat == 12);
    assert_true(param(a, "transformer.h.attn.c_attn", "nf") == 2304);
    assert_true(param(a, "transformer.h.attn.c_attn", "nx") == 768);
    assert_true(param(a, "transformer.drop", "p") == 0.1);
    assert_true(param(a, "transformer.drop", "inplace") == 0);
    assert_true(param(a, "transformer.ln_f", "elementwise_affine") == 1);
    lr_arch_free(a);
    free(t);

    t = fixture("mistralai--Mixtral-8x7B-v0.1");
    a = parse_ok(t, "mixtral");
    const lr_node *ex = node_at(&a->root, "model.layers.block_sparse_moe.experts");
    assert_string_equal(ex->cls, "MixtralBlockSparseTop2MLP");
    assert_true(ex->repeat == 8);
    assert_true(param(a, "model.layers.block_sparse_moe.experts.w2", "in_features") == 14336);
    lr_arch_free(a);
    free(t);

    t = fixture("facebook--opt-125m");
    a = parse_ok(t, "opt");
    assert_true(param(a, "model.decoder.embed_positions", "arg0") == 2050);
    assert_true(param(a, "model.decoder.embed_tokens", "padding_idx") == 1);
    lr_arch_free(a);
    free(t);

    t = fixture("tiiuae--falcon-7b");
    a = parse_ok(t, "falcon");
    assert_true(param(a, "transformer.h.self_attention.query_key_value", "out_features") == 4672);
    /* GELU(approximate='none'): a string, not a parameter */
    assert_int_equal(node_at(&a->root, "transformer.h.mlp.act")->nparams, 0);
    lr_arch_free(a);
    free(t);
}

/* Older PyTorch prints every index of a ModuleList: runs of equal modules
 * fold; a list of different modules stays a list of runs. */
static void
test_lists(void **state)
{
    (void)state;
    const char *each =
        "M(\n  (layers): ModuleList(\n    (0): L(\n      (fc): Linear(in_features=2, "
        "out_features=3, bias=True)\n    )\n    (1): L(\n      (fc): "
        "Linear(in_features=2, out_features=3, bias=True)\n    )\n    (2): L(\n     "
        " (fc): Linear(in_features=2, out_features=3, bias=True)\n    )\n  )\n)\n";
    lr_arch *a = parse_ok(each, "each");
    const lr_node *l = node_at(&a->root, "layers");
    assert_string_equal(l->cls, "L");
    assert_true(l->repeat == 3);
    assert_true(param(a, "layers.fc", "out_features") == 3);
    lr_arch_free(a);

    const char *mixed = "M(\n  (layers): ModuleList(\n    (0): A()\n    (1-4): 4 x B(p=1)\n    "
                        "(5): B(p=1)\n    (6): A()\n  )\n)";
    a = parse_ok(mixed, "mixed");
    l = node_at(&a->root, "layers");
    assert_string_equal(l->cls, "ModuleList");
    assert_int_equal(l->nsubs, 3);
    assert_string_equal(l->subs[1].name, "1-5");
    assert_true(l->subs[1].repeat == 5);
    assert_string_equal(l->subs[2].name, "6");
    lr_arch_free(a);

    a = parse_ok("M(\n  (h): ModuleList(\n    (0): B()\n  )\n  (e): ModuleList()\n)", "one");
    assert_string_equal(node_at(&a->root, "h")->cls, "B");
    assert_true(node_at(&a->root, "h")->repeat == 1);
    assert_string_equal(node_at(&a->root, "e")->cls, "ModuleList");
    lr_arch_free(a);
}

static void
test_arguments(void **state)
{
    (void)state;
    const char *t = "Root(\n  (a): Conv(3, 8, kernel_size=(3, 3), stride=(1,), padding=[1, "
                    "(2, 4)], dilation=-1.5e1)\n  (b): X(mode='a, (b)', dev=device(type='cuda', "
                    "index=0), d={'k': 2}, flag=True, none=None, dtype=torch.float16)\n  "
                    "(c): Multi(hidden=8,\n    heads=2\n    (inner): Linear(in_features=8, "
                    "out_features=8, bias=False)\n  )\n)\n\n";
    lr_arch *a = parse_ok(t, "args");
    assert_true(param(a, "a", "arg0") == 3);
    assert_true(param(a, "a", "arg1") == 8);
    assert_true(param(a, "a", "kernel_size_1") == 3);
    assert_true(param(a, "a", "stride_0") == 1);
    assert_true(param(a, "a", "padding_1_1") == 4);
    assert_true(param(a, "a", "dilation") == -15);
    assert_true(param(a, "b", "flag") == 1);
    assert_null(lr_node_param(node_at(&a->root, "b"), "mode"));
    assert_null(lr_node_param(node_at(&a->root, "b"), "none"));
    /* extra_repr lines before the children of a module */
    assert_true(param(a, "c", "hidden") == 8);
    assert_true(param(a, "c", "heads") == 2);
    assert_true(param(a, "c.inner", "in_features") == 8);
    lr_arch_free(a);
}

static void
test_detect(void **state)
{
    (void)state;
    assert_true(lr_repr_detect("\n\n  LlamaForCausalLM(\n"));
    assert_true(lr_repr_detect("Linear(in_features=1, out_features=2, bias=True)"));
    assert_true(lr_repr_detect("lora.Linear("));
    assert_false(lr_repr_detect("{\"model_type\": \"llama\"}"));
    assert_false(lr_repr_detect("LlamaForCausalLM ("));
    assert_false(lr_repr_detect(""));
    assert_false(lr_repr_detect("# LlamaForCausalLM("));
}

/* ---- malformed texts: an error with line and column, never a crash ---- */

static void
expect_parse_error(const char *text, int line, int col, const char *what)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_arch *a = lr_repr_parse(text, "bad.txt", &err);
    if (a)
        fail_msg("parsed, expected an error containing '%s': %s", what, text);
    if (!strstr(err.msg, what) || err.line != line || err.col != col)
        fail_msg("got %d:%d: %s; expected %d:%d: ...%s...", err.line, err.col, err.msg, line, col,
                 what);
    assert_string_equal(err.file, "bad.txt");
}

static void
test_malformed(void **state)
{
    (void)state;
    expect_parse_error("M(\n  (a): L(\n", 3, 1, "unbalanced parentheses");
    expect_parse_error("M(\n  (a): L(1, 2\n)", 3, 2, "unbalanced parentheses");
    expect_parse_error("M(\n  (l): ModuleList(\n    (0-31): 30 x L()\n  )\n)", 3, 5, "bad range");
    expect_parse_error("M(\n  (l): ModuleList(\n    (0-31): L()\n  )\n)", 3, 13, "bad range");
    expect_parse_error("M(\n  (l): ModuleList(\n    (31-0): 0 x L()\n  )\n)", 3, 5, "bad range");
    expect_parse_error("M(\n  (l): ModuleList(\n    (0-99999999999999999999): 5 x L()\n  )\n)", 3,
                       5, "more than 1e9");
    expect_parse_error("M(\n  (a): L(in=1) @\n)", 2, 16, "expected ',', a new line or ')'");
    expect_parse_error("M(\n  (a): L(in=$)\n)", 2, 13, "unexpected '$'");
    expect_parse_error("M(\n  (a): L(in=12ab)\n)", 2, 15, "bad number");
    expect_parse_error("M(\n  (a): L(s='abc)\n)\n", 2, 12, "unterminated string");
    expect_parse_error("M(\n  (a): L(k=(1, 2]\n)", 2, 17, "expected ',' or ')'");
    expect_parse_error("M()\n)", 2, 1, "after the closing ')'");
    expect_parse_error("M()\nN()", 2, 1, "after the closing ')'");
    expect_parse_error("M(\n  (a): 42\n)", 2, 8, "expected a module class name");
    expect_parse_error("M(\n  (a): L\n)", 2, 9, "expected '(' after the class name 'L'");
    expect_parse_error("", 1, 1, "expected a module class name");
    expect_parse_error("{\"a\": 1}", 1, 1, "expected a module class name");
}

static void
test_depth_bounded(void **state)
{
    (void)state;
    size_t n = 5000;
    char *t = malloc(n * 12 + 16);
    size_t len = (size_t)sprintf(t, "M(\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(t + len, "(a): M(\n");
    lr_error err;
    assert_null(lr_repr_parse(t, "deep", &err));
    assert_non_null(strstr(err.msg, "nested more than"));
    /* and arguments */
    len = (size_t)sprintf(t, "M(x=");
    for (size_t i = 0; i < n; i++)
        t[len++] = '(';
    t[len] = '\0';
    assert_null(lr_repr_parse(t, "deep", &err));
    assert_non_null(strstr(err.msg, "nested more than"));
    free(t);
}

/* ---- building and checking ---- */

typedef struct totals {
    double params;
    lr_total t[2];
} totals;

static void
analyse_images(const lr_arch *a, totals *out, double images)
{
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    lr_hwdb *hw = tu_hw();
    lr_error err;
    assert_non_null(prof);
    lr_plan *plan = lr_plan_new(a, lr_profile_db(prof), &err);
    if (!plan)
        fail_msg("plan: %s: %s", err.path, err.msg);
    lr_result *r = lr_result_new(plan);
    lr_settings s;
    lr_settings_default(&s);
    s.images = images;
    if (lr_analyze(plan, prof, lr_hwdb_find(hw, "a100-80gb"), &s, 1, 1, r, &err) < 0)
        fail_msg("analyze: %s", err.msg);
    out->params = lr_plan_params(plan);
    out->t[0] = r->stage[LR_PREFILL].total;
    out->t[1] = r->stage[LR_DECODE].total;
    lr_result_free(r);
    lr_plan_free(plan);
    lr_hwdb_free(hw);
    lr_profile_free(prof);
}

/* Without images: the vision tower counts its weights but does not run. */
static void
analyse(const lr_arch *a, totals *out)
{
    analyse_images(a, out, 0);
}

static void
assert_same_totals(const totals *a, const totals *b)
{
    assert_true(a->params == b->params);
    for (int st = 0; st < 2; st++) {
        for (int f = 0; f < LR_NFIELDS; f++)
            assert_true(a->t[st].v[f] == b->t[st].v[f]);
        assert_true(a->t[st].bytes == b->t[st].bytes);
        assert_true(a->t[st].time_s == b->t[st].time_s);
    }
}

static lr_arch *
from_repr(const char *text, const char *config_path, const char *const *sets, size_t nsets,
          char **notes, lr_error *err)
{
    lr_repr_opts o = {NULL, config_path, sets, nsets, NULL};
    memset(err, 0, sizeof *err);
    return lr_arch_from_repr(text, "repr.txt", TU_DEFAULT, &o, notes, err);
}

static lr_arch *
from_repr_ok(const char *text, const char *config_path, const char *const *sets, size_t nsets)
{
    lr_error err;
    lr_arch *a = from_repr(text, config_path, sets, nsets, NULL, &err);
    if (!a) {
        char buf[4096];
        lr_error_format(&err, buf, sizeof buf);
        fail_msg("%s", buf);
    }
    return a;
}

/* Llama-2-7b: the repr with the head count, and the repr with the
 * config.json, analyse exactly like the bundled config. */
static void
test_llama2_same_totals(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Llama-2-7b-hf");
    static const char *const sets[] = {"num_attention_heads=32"};
    lr_arch *r1 = from_repr_ok(t, NULL, sets, 1);
    lr_arch *r2 = from_repr_ok(t, MODELS "/meta-llama--Llama-2-7b-hf.json", NULL, 0);
    lr_arch *ref = tu_model("meta-llama/Llama-2-7b-hf");
    totals a, b, c;
    analyse(r1, &a);
    analyse(r2, &b);
    analyse(ref, &c);
    assert_true(c.params == 6738415616.0);
    assert_same_totals(&a, &c);
    assert_same_totals(&b, &c);
    assert_string_equal(r1->family, "llama");
    lr_arch_free(r1);
    lr_arch_free(r2);
    lr_arch_free(ref);
    free(t);
}

/* Llama-3.1-8B-Instruct: k_proj prints 1024 outputs; with 32 heads of
 * 4096 / 32 = 128, that is 1024 / 128 = 8 KV heads (GQA). */
static void
test_llama31_gqa_inferred(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Meta-Llama-3.1-8B-Instruct");
    static const char *const sets[] = {"num_attention_heads=32"};
    char *notes = NULL;
    lr_error err;
    lr_arch *a = from_repr(t, NULL, sets, 1, &notes, &err);
    assert_non_null(a);
    assert_non_null(notes);
    assert_non_null(strstr(notes, "inferred head_dim = 128"));
    assert_non_null(strstr(notes, "inferred num_key_value_heads = 8"));
    assert_non_null(strstr(notes, "model.layers.self_attn.rotary_emb (LlamaRotaryEmbedding)"));
    lr_arch *ref = tu_model("meta-llama/Meta-Llama-3.1-8B");
    totals x, y;
    analyse(a, &x);
    analyse(ref, &y);
    /* the published count (data/models/SOURCES.md) */
    assert_true(x.params == 8030261248.0);
    assert_same_totals(&x, &y);
    /* a KV head count that contradicts k_proj is an error */
    static const char *const bad[] = {"num_attention_heads=32", "num_key_value_heads=4"};
    lr_arch_free(from_repr(t, NULL, bad, 2, NULL, &err));
    assert_string_equal(err.path, "num_key_value_heads");
    assert_non_null(strstr(err.msg, "--set num_key_value_heads says 4"));
    assert_non_null(strstr(err.msg, "implies 8"));
    free(notes);
    lr_arch_free(a);
    lr_arch_free(ref);
    free(t);
}

static void
test_missing_heads(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Llama-2-7b-hf");
    lr_error err;
    char *notes = (char *)"untouched";
    assert_null(from_repr(t, NULL, NULL, 0, &notes, &err));
    assert_null(notes);
    assert_string_equal(err.file, "repr.txt");
    assert_string_equal(err.path, "num_attention_heads");
    assert_non_null(strstr(err.msg, "does not show num_attention_heads"));
    assert_non_null(strstr(err.msg, "--set num_attention_heads=N"));
    assert_non_null(strstr(err.msg, "--config config.json"));
    /* a head count that does not divide q_proj's outputs */
    static const char *const sets[] = {"num_attention_heads=30"};
    assert_null(from_repr(t, NULL, sets, 1, NULL, &err));
    assert_non_null(strstr(err.msg, "not a whole number"));
    free(t);
}

static void
test_config_conflict(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Llama-2-7b-hf");
    lr_error err;
    assert_null(from_repr(t, MODELS "/meta-llama--Llama-2-13b-hf.json", NULL, 0, NULL, &err));
    assert_string_equal(err.path, "hidden_size");
    assert_non_null(strstr(err.msg, "says 4096 ({model.embed_tokens.arg1})"));
    assert_non_null(strstr(err.msg, "meta-llama--Llama-2-13b-hf.json says 5120"));
    /* --set against the text, and against the config: --set wins there */
    static const char *const s1[] = {"num_attention_heads=32", "intermediate_size=11000"};
    assert_null(from_repr(t, NULL, s1, 2, NULL, &err));
    assert_non_null(strstr(err.msg, "says 11008"));
    assert_non_null(strstr(err.msg, "--set intermediate_size says 11000"));
    /* 64 heads of 64 fit the printed q_proj as well as 32 of 128: the
     * text cannot tell, the config says 64, --set says 32 and wins */
    lr_repr_opts o = {"{\"num_attention_heads\": 64, \"model_type\": \"llama\"}", NULL, NULL, 0,
                      NULL};
    static const char *const s2[] = {"num_attention_heads=32"};
    lr_arch *a = lr_arch_from_repr(t, "r", TU_DEFAULT, &o, NULL, &err);
    assert_non_null(a);
    lr_arch_free(a);
    o.sets = s2;
    o.nsets = 1;
    a = lr_arch_from_repr(t, "r", TU_DEFAULT, &o, NULL, &err);
    assert_non_null(a);
    lr_arch *ref = tu_model("meta-llama/Llama-2-7b-hf");
    totals x, y;
    analyse(a, &x);
    analyse(ref, &y);
    assert_same_totals(&x, &y);
    lr_arch_free(ref);
    lr_arch_free(a);
    /* another family's config */
    lr_repr_opts m = {"{\"model_type\": \"mistral\", \"num_attention_heads\": 32}", "m.json", NULL,
                      0, NULL};
    assert_null(lr_arch_from_repr(t, "r", TU_DEFAULT, &m, NULL, &err));
    assert_string_equal(err.path, "model_type");
    assert_non_null(strstr(err.msg, "--config m.json says model_type 'mistral'"));
    /* malformed --config */
    lr_repr_opts j = {"{\"a\": ", "broken.json", NULL, 0, NULL};
    assert_null(lr_arch_from_repr(t, "r", TU_DEFAULT, &j, NULL, &err));
    assert_string_equal(err.file, "broken.json");
    assert_non_null(strstr(err.msg, "malformed JSON"));
    static const char *const s3[] = {"=3"};
    assert_null(from_repr(t, NULL, s3, 1, NULL, &err));
    assert_non_null(strstr(err.msg, "expected NAME=VALUE"));
    free(t);
}

/* Replaces the first `from` in text by `to`. Caller frees. */
static char *
replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return s;
}

static void
test_unknown_class(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Llama-2-7b-hf");
    char *u = replace(t, "LlamaSdpaAttention", "LlamaAttn");
    static const char *const sets[] = {"num_attention_heads=32"};
    lr_error err;
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers.self_attn");
    assert_non_null(strstr(err.msg, "unknown module class 'LlamaAttn'"));
    assert_non_null(strstr(err.msg, "closest known"));
    assert_non_null(strstr(err.msg, "LlamaSdpaAttention"));
    free(u);
    /* the aliases of other transformers versions are known */
    static const char *const names[] = {"LlamaAttention", "LlamaFlashAttention2"};
    for (size_t i = 0; i < 2; i++) {
        u = replace(t, "LlamaSdpaAttention", names[i]);
        lr_arch_free(from_repr_ok(u, NULL, sets, 1));
        free(u);
    }
    /* a root class without a map: the maps are too many to list, the
     * closest classes are named (a misspelt class first) */
    u = replace(t, "LlamaForCausalLM", "FooForCausalLM");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_non_null(strstr(err.msg, "no repr map for the root class 'FooForCausalLM'"));
    assert_non_null(strstr(err.msg, "maps exist for "));
    free(u);
    u = replace(t, "LlamaForCausalLM", "LLaMAForCausalLM");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_non_null(strstr(err.msg, "no repr map for the root class 'LLaMAForCausalLM'"));
    assert_non_null(strstr(err.msg, "the closest: LlamaForCausalLM"));
    free(u);
    free(t);
}

static void
test_dims_checked(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Meta-Llama-3-8B-Instruct");
    static const char *const sets[] = {"num_attention_heads=32"};
    lr_error err;
    /* v_proj printed wider than k_proj: the template builds both from the
     * KV head count, so v_proj does not fit */
    char *u = replace(t, "(v_proj): Linear(in_features=4096, out_features=1024",
                      "(v_proj): Linear(in_features=4096, out_features=2048");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers.self_attn.v_proj");
    assert_non_null(strstr(err.msg, "out_features=2048"));
    assert_non_null(strstr(err.msg, "builds out_features=1024"));
    free(u);
    /* a bias the template does not build */
    u = replace(t, "(o_proj): Linear(in_features=4096, out_features=4096, bias=False",
                "(o_proj): Linear(in_features=4096, out_features=4096, bias=True");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers.self_attn.o_proj");
    assert_non_null(strstr(err.msg, "bias=1"));
    free(u);
    /* a printed weight layer the template lacks */
    u = replace(t, "          (act_fn): SiLU()",
                "          (act_fn): SiLU()\n          (extra): Linear(in_features=4096, "
                "out_features=4096, bias=False)");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers.mlp.extra");
    assert_non_null(strstr(err.msg, "no counterpart"));
    free(u);
    /* a template weight layer the text lacks */
    u = replace(
        t, "          (up_proj): Linear(in_features=4096, out_features=14336, bias=False)\n", "");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers.mlp.up_proj");
    assert_non_null(strstr(err.msg, "does not show"));
    free(u);
    /* a printed module without weights and without counterpart: a note */
    u = replace(t, "          (act_fn): SiLU()",
                "          (act_fn): SiLU()\n          (drop): Dropout(p=0.0, inplace=False)");
    char *notes = NULL;
    lr_arch *a = from_repr(u, NULL, sets, 1, &notes, &err);
    assert_non_null(a);
    assert_non_null(strstr(notes, "model.layers.mlp.drop (Dropout): not checked"));
    assert_non_null(strstr(notes, "dropout does nothing at inference"));
    lr_arch_free(a);
    free(notes);
    free(u);
    free(t);
}

/* The largest repeat count in a tree: the decoder layers' count. */
static double
max_repeat(const lr_node *n)
{
    double m = n->repeat;
    for (size_t i = 0; i < n->nsubs; i++) {
        double r = max_repeat(&n->subs[i]);
        m = r > m ? r : m;
    }
    return m;
}

static void
test_model_load_ex(void **state)
{
    (void)state;
    const char *tdir = TU_DEFAULT "/architectures";
    const char *path = REPR_DIR "/meta-llama--Llama-2-7b-hf.txt";
    static const char *const sets[] = {"num_attention_heads=32"};
    lr_repr_opts o = {NULL, NULL, sets, 1, NULL};
    lr_error err;
    char *notes = NULL;
    lr_arch *a = lr_model_load_ex(MODELS, tdir, path, &o, &notes, &err);
    assert_non_null(a);
    assert_string_equal(a->file, path);
    assert_non_null(notes);
    free(notes);
    lr_arch_free(a);
    /* without the head count (lr_model_load has no options) */
    assert_null(lr_model_load(MODELS, tdir, path, &err));
    assert_non_null(strstr(err.msg, "num_attention_heads"));
    /* --set overrides a config.json's fields as well: Llama-2-7b has 32
     * layers (its config.json), 16 after the override */
    static const char *const layers[] = {"num_hidden_layers=16"};
    lr_repr_opts ol = {NULL, NULL, layers, 1, NULL};
    a = lr_model_load_ex(MODELS, tdir, "meta-llama/Llama-2-7b-hf", &ol, &notes, &err);
    assert_non_null(a);
    assert_true(max_repeat(&a->root) == 16);
    free(notes);
    lr_arch_free(a);
    /* --config completes a repr text only */
    lr_repr_opts oc = {NULL, path, NULL, 0, NULL};
    assert_null(lr_model_load_ex(MODELS, tdir, "meta-llama/Llama-2-7b-hf", &oc, &notes, &err));
    assert_non_null(strstr(err.msg, "--config completes a print(model) text"));
    /* a bundled model is untouched by a NULL opts */
    a = lr_model_load_ex(MODELS, tdir, "meta-llama/Llama-2-7b-hf", NULL, &notes, &err);
    assert_non_null(a);
    assert_null(notes);
    lr_arch_free(a);
    /* a malformed text file names its line and column */
    char *tmp = tu_tmpfile("LlamaForCausalLM(\n  (model): LlamaModel(\n", ".txt");
    assert_null(lr_model_load_ex(MODELS, tdir, tmp, &o, NULL, &err));
    assert_string_equal(err.file, tmp);
    assert_int_equal(err.line, 3);
    unlink(tmp);
    free(tmp);
}

/* Tied embeddings never show in a print(model) text (a tied lm_head prints
 * as any Linear): the llama map guesses them from the published
 * checkpoints, says so in a note, and --set or --config decides. The issue
 * that asked for it: Llama-3.2-1B counted 1,498,482,688 parameters instead
 * of 1,235,814,400; the difference is the head, 128256 x 2048 =
 * 262,668,288. */
static void
test_tied_guess(void **state)
{
    (void)state;
    char *t = fixture("meta-llama--Llama-3.2-1B");
    static const char *const heads[] = {"num_attention_heads=32"};
    static const char *const untie[] = {"num_attention_heads=32", "tie_word_embeddings=false"};
    char *notes = NULL;
    lr_error err;
    totals x;
    lr_arch *a = from_repr(t, NULL, heads, 1, &notes, &err);
    assert_non_null(a);
    analyse(a, &x);
    assert_true(x.params == 1235814400.0);
    assert_non_null(notes);
    assert_non_null(strstr(notes, "guessed tie_word_embeddings = 1"));
    assert_non_null(strstr(notes, "--set tie_word_embeddings=VALUE"));
    free(notes);
    lr_arch_free(a);
    /* --set decides, and a guess is not checked against it */
    notes = NULL;
    a = from_repr(t, NULL, untie, 2, &notes, &err);
    assert_non_null(a);
    analyse(a, &x);
    assert_true(x.params == 1498482688.0);
    assert_null(notes ? strstr(notes, "guessed") : NULL);
    free(notes);
    lr_arch_free(a);
    free(t);
    /* Llama-3-8B's text: width 4096, untied, as its config says */
    t = fixture("meta-llama--Meta-Llama-3-8B-Instruct");
    notes = NULL;
    a = from_repr(t, NULL, heads, 1, &notes, &err);
    assert_non_null(a);
    analyse(a, &x);
    assert_true(x.params == 8030261248.0);
    assert_non_null(strstr(notes, "guessed tie_word_embeddings = 0"));
    free(notes);
    lr_arch_free(a);
    free(t);
}

/* A ModuleList printed as several runs of different layers (DeepSeek-V3:
 * (0-2) dense, (3-60) MoE) maps to the template's sibling layer groups
 * in order: the second run is checked against the second group. */
static void
test_layer_runs(void **state)
{
    (void)state;
    char *t = fixture("deepseek-ai--DeepSeek-V3");
    lr_arch *p = parse_ok(t, "v3");
    /* the parser keeps the list with its two runs */
    const lr_node *l = node_at(&p->root, "model.layers");
    assert_string_equal(l->cls, "ModuleList");
    assert_int_equal(l->nsubs, 2);
    assert_string_equal(l->subs[0].name, "0-2");
    assert_true(l->subs[1].repeat == 58);
    lr_arch_free(p);
    static const char *const sets[] = {"num_attention_heads=128"};
    lr_error err;
    /* the first expert down_proj (2048 -> 7168) sits in the second run */
    char *u = replace(t, "(down_proj): Linear(in_features=2048, out_features=7168",
                      "(down_proj): Linear(in_features=2048, out_features=7000");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers[1].mlp.experts.down_proj");
    assert_non_null(strstr(err.msg, "out_features=7000"));
    free(u);
    /* the dense MLP of the first run */
    u = replace(t, "(down_proj): Linear(in_features=18432, out_features=7168",
                "(down_proj): Linear(in_features=18432, out_features=7000");
    assert_null(from_repr(u, NULL, sets, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers.mlp.down_proj");
    free(u);
    /* a config whose dense layers are fewer than the printed first run:
     * first_k_dense_replace is read from the text (3) */
    static const char *const bad[] = {"num_attention_heads=128", "first_k_dense_replace=1"};
    assert_null(from_repr(t, NULL, bad, 2, NULL, &err));
    assert_non_null(strstr(err.msg, "first_k_dense_replace"));
    free(t);
}

/* ---- layer kinds (the map's "layers"): interleaved layers ---- */

/* Jamba-1.5-Mini prints its 32 layers one by one; the kinds per layer give
 * attn_layer_period 8 / offset 4 and expert_layer_period 2 / offset 1 (the
 * config's values), and every run is checked against the template's group
 * of its kind. */
static void
test_layer_kinds(void **state)
{
    (void)state;
    char *t = fixture("ai21labs--AI21-Jamba-1.5-Mini");
    static const char *const heads[] = {"num_attention_heads=32"};
    lr_arch *a = from_repr_ok(t, NULL, heads, 1);
    /* the template's groups: Mamba dense 12 (even layers but 4, 12, 20,
     * 28), Mamba MoE 16 (odd layers), attention dense 4 */
    const lr_node *m = node_at(&a->root, "model");
    double reps[4] = {0};
    size_t g = 0;
    for (size_t i = 0; i < m->nsubs; i++)
        if (strcmp(m->subs[i].name, "layers") == 0 && g < 4)
            reps[g++] = m->subs[i].repeat;
    assert_int_equal(g, 3);
    assert_true(reps[0] == 12 && reps[1] == 16 && reps[2] == 4);
    lr_arch_free(a);

    /* a --set pattern field that the printed layers contradict */
    lr_error err;
    static const char *const off[] = {"num_attention_heads=32", "attn_layer_offset=3"};
    assert_null(from_repr(t, NULL, off, 2, NULL, &err));
    assert_string_equal(err.path, "attn_layer_offset");
    assert_non_null(strstr(err.msg, "the layers of model.layers give attn_layer_offset = 4"));

    /* a run is checked against the group of its kind: layer 4 is the first
     * attention layer, printed as model.layers[4] (every layer is a run) */
    char *u = replace(t, "(o_proj): Linear(in_features=4096, out_features=4096",
                      "(o_proj): Linear(in_features=4096, out_features=4000");
    assert_null(from_repr(u, NULL, heads, 1, NULL, &err));
    assert_string_equal(err.path, "model.layers[4].self_attn.o_proj");
    assert_non_null(strstr(err.msg, "out_features=4000"));
    free(u);

    /* the first 8 layers only: one attention layer (4) shows no period, so
     * none is read. A period of 2 from the (default) offset 4 builds
     * attention layers 4 and 6 and leaves 8 - 2 - 4 MoE = 2 Mamba dense
     * layers, where the text has 3 (0, 2, 6): the first kind that differs */
    char *cut = strstr(t, "      (8): ");
    const char *end = strstr(t, "    )\n    (final_layernorm)");
    assert_non_null(cut);
    assert_non_null(end);
    memmove(cut, end, strlen(end) + 1);
    static const char *const per[] = {"num_attention_heads=32", "attn_layer_period=2"};
    assert_null(from_repr(t, NULL, per, 2, NULL, &err));
    assert_string_equal(err.path, "model.layers");
    assert_non_null(strstr(err.msg, "has 3 'mamba' layer(s) (the first is layer 0) but the "
                                    "jamba template builds 2"));
    /* with the config's period (8), the same 8 layers build */
    a = from_repr_ok(t, NULL, heads, 1);
    lr_arch_free(a);
    free(t);
}

/* Nemotron-H: the blocks' mixers give hybrid_override_pattern; one that
 * differs is an error at its first differing layer; a block whose mixer
 * is of no kind is an error naming it. */
static void
test_layer_pattern(void **state)
{
    (void)state;
    char *t = fixture("nvidia--Nemotron-H-56B-Base-8K");
    lr_error err;
    /* the config's pattern with layer 1 ('-', an MLP) written as 'M' */
    static const char *const bad[] = {
        "n_groups=8", "num_attention_heads=64",
        "hybrid_override_pattern=MMM-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-"
        "M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-"};
    assert_null(from_repr(t, NULL, bad, 3, NULL, &err));
    assert_string_equal(err.path, "hybrid_override_pattern");
    assert_non_null(strstr(err.msg, "backbone.layers at entry 1"));
    assert_non_null(strstr(err.msg, "printed as a 'mlp' layer"));
    /* the first block's Mamba mixer without its in_proj: no kind */
    char *u = replace(t, "(in_proj)", "(inproj)");
    static const char *const ok[] = {"n_groups=8", "num_attention_heads=64"};
    assert_null(from_repr(u, NULL, ok, 2, NULL, &err));
    assert_string_equal(err.path, "backbone.layers");
    assert_non_null(strstr(err.msg, "layer 0 (NemotronHBlock) is none of the layer kinds"));
    free(u);
    free(t);

    /* NVIDIA's remote code prints `backbone`, the in-library code `model`:
     * the map's rename reads both as the template's backbone */
    t = fixture("nvidia--Nemotron-H-56B-Base-8K");
    u = replace(t, "(model): NemotronHModel(", "(backbone): NemotronHModel(");
    lr_arch *a = from_repr_ok(u, NULL, ok, 2);
    totals x;
    analyse(a, &x);
    assert_true(x.params == 56324350464.0);
    lr_arch_free(a);
    free(u);
    free(t);

    /* LFM2-1.2B: full attention at layers 2, 5, 8, 10, 12, 14; a config
     * whose full_attn_idxs has 13 for 14 differs at entry 5 (an index
     * list: no layer kind named) */
    t = fixture("LiquidAI--LFM2-1.2B");
    lr_repr_opts o = {"{\"model_type\": \"lfm2\", \"full_attn_idxs\": [2, 5, 8, 10, 12, 13]}",
                      "lfm2.json", NULL, 0, NULL};
    memset(&err, 0, sizeof err);
    assert_null(lr_arch_from_repr(t, "repr.txt", TU_DEFAULT, &o, NULL, &err));
    assert_string_equal(err.path, "full_attn_idxs");
    assert_non_null(strstr(err.msg, "model.layers at entry 5, where the text gives 14 and the "
                                    "given value 13:"));
    free(t);

    /* Llama-4-Scout: the 12 NoPE layers (3, 7, ..., 47) print no qk_norm;
     * a NoPE interval of 3 builds 16 of them and 32 RoPE layers where the
     * text has 36 */
    t = fixture("meta-llama--Llama-4-Scout-17B-16E-text");
    static const char *const nope[] = {"num_attention_heads=40", "no_rope_layer_interval=3"};
    assert_null(from_repr(t, NULL, nope, 2, NULL, &err));
    assert_string_equal(err.path, "model.layers");
    assert_non_null(strstr(err.msg, "has 36 'rope_moe' layer(s) (the first is layer 0) but the "
                                    "llama4 template builds 32"));
    free(t);
}

/* ---- the other families: built where their template exists ---- */

typedef struct family_case {
    const char *repr;   /* fixture name */
    const char *family; /* template file name */
    const char *model;  /* bundled model with the same dimensions, or NULL */
    const char *heads;  /* the --set(s) that the text needs, separated by spaces */
    double params;      /* published parameter count, 0 when a model is given */
} family_case;

static const family_case families[] = {
    {"meta-llama--Llama-2-13b-hf", "llama", "meta-llama/Llama-2-13b-hf", "num_attention_heads=40",
     0},
    {"meta-llama--Meta-Llama-3-8B-Instruct", "llama", "meta-llama/Meta-Llama-3-8B",
     "num_attention_heads=32", 0},
    {"mistralai--Mistral-7B-v0.1", "mistral", "mistralai/Mistral-7B-v0.1", "num_attention_heads=32",
     0},
    {"mistralai--Mixtral-8x7B-v0.1", "mixtral", "mistralai/Mixtral-8x7B-v0.1",
     "num_attention_heads=32", 0},
    {"google--gemma-7b", "gemma", "google/gemma-7b", "num_attention_heads=16", 0},
    {"google--gemma-2-9b", "gemma2", "google/gemma-2-9b", "num_attention_heads=16", 0},
    {"microsoft--Phi-3-mini-4k-instruct", "phi3", "microsoft/Phi-3-mini-4k-instruct",
     "num_attention_heads=32", 0},
    {"tiiuae--falcon-7b", "falcon", "tiiuae/falcon-7b", "num_attention_heads=71", 0},
    {"openai-community--gpt2", "gpt2", "openai-community/gpt2", "n_head=12", 0},
    /* no bundled config: the published counts (HF safetensors metadata of
     * facebook/opt-125m and facebook/opt-350m, tied lm_head counted once) */
    {"facebook--opt-125m", "opt", NULL, "num_attention_heads=12", 125239296},
    {"facebook--opt-350m", "opt", NULL, "num_attention_heads=16", 331196416},
    /* Written from the modeling code (tests/fixtures/repr/SOURCES.md), each
     * against the bundled config of the same model: the text alone (with
     * the head count) gives its parameters, text + config its totals. */
    /* Llama-3.2-1B: the tied head is guessed from the text (the map's
     * rule), 1,235,814,400 as its config gives */
    {"meta-llama--Llama-3.2-1B", "llama", "meta-llama/Llama-3.2-1B", "num_attention_heads=32", 0},
    {"Qwen--Qwen2-7B", "qwen2", "Qwen/Qwen2-7B", "num_attention_heads=28", 0},
    /* Qwen3's q_norm shows head_dim: no head count needed */
    {"Qwen--Qwen3-8B", "qwen3", "Qwen/Qwen3-8B", "max_position_embeddings=40960", 0},
    {"EleutherAI--pythia-410m", "gpt_neox", "EleutherAI/pythia-410m", "num_attention_heads=16", 0},
    {"bigcode--starcoder2-7b", "starcoder2", "bigcode/starcoder2-7b", "num_attention_heads=36", 0},
    {"CohereForAI--aya-23-8B", "cohere", "CohereForAI/aya-23-8B", "num_attention_heads=32", 0},
    {"allenai--OLMo-2-1124-7B", "olmo2", "allenai/OLMo-2-1124-7B", "num_attention_heads=32", 0},
    {"microsoft--phi-4", "phi3", "microsoft/phi-4", "num_attention_heads=40", 0},
    /* Qwen3-30B-A3B: q_norm shows head_dim; the top-k (8) is guessed */
    {"Qwen--Qwen3-30B-A3B", "qwen_moe", "Qwen/Qwen3-30B-A3B", "max_position_embeddings=40960", 0},
    {"EleutherAI--gpt-j-6b", "gptj", "EleutherAI/gpt-j-6b", "n_head=16", 0},
    {"stabilityai--stablelm-3b-4e1t", "stablelm", "stabilityai/stablelm-3b-4e1t",
     "num_attention_heads=32", 0},
    /* c_attn 2304 = 2048 + 2 x 128: multi-query, inferred */
    {"bigcode--gpt_bigcode-santacoder", "gpt_bigcode", "bigcode/gpt_bigcode-santacoder",
     "n_head=16", 0},
    {"allenai--Olmo-3.1-32B-Instruct", "olmo3", "allenai/Olmo-3.1-32B-Instruct",
     "num_attention_heads=40", 0},
    {"LGAI-EXAONE--EXAONE-4.0-32B", "exaone4", "LGAI-EXAONE/EXAONE-4.0-32B",
     "max_position_embeddings=131072", 0},
    /* microsoft/phi-2: 2,779,683,840 (HF safetensors metadata); the bundled
     * config is the older phi-msft format, not PhiConfig's */
    {"microsoft--phi-2", "phi", NULL, "num_attention_heads=32", 2779683840},
    /* Qwen/Qwen1.5-MoE-A2.7B: 14,315,784,192 (HF safetensors metadata,
     * "14.3B"; by hand: embedding and head 2 x 151936 x 2048 =
     * 622,329,856; per layer q/k/v 3 x (2048^2 + 2048) = 12,589,056, o
     * 4,194,304, router 2048 x 60 = 122,880, 60 experts x 3 x 2048 x 1408
     * = 519,045,120, shared expert 3 x 2048 x 5632 = 34,603,008, its gate
     * 2048, two norms 4096: 570,560,512 x 24 = 13,693,452,288; norm 2048) */
    {"Qwen--Qwen1.5-MoE-A2.7B", "qwen_moe", NULL, "num_attention_heads=16", 14315784192},
    /* google/gemma-3-1b-pt: 999,885,952 (HF safetensors metadata; tied head) */
    {"google--gemma-3-1b", "gemma3", NULL, "max_position_embeddings=32768", 999885952},
    /* DeepSeek-V3: the layers list prints two runs, (0-2) dense and (3-60)
     * MoE, read as the template's two layer groups in order; the
     * multi-token-prediction layer does not print and is given: the main
     * model's 671,026,419,200 (the published 671B) + the MTP layer's
     * 13,463,426,304 = 684,489,845,504 (tests/families/deepseek.txt) */
    {"deepseek-ai--DeepSeek-V3", "deepseek", "deepseek-ai/DeepSeek-V3",
     "num_attention_heads=128 num_nextn_predict_layers=1", 684489845504},
    /* DeepSeek-V2-Lite: (0) dense, (1-26) MoE; q_proj (no q_lora_rank);
     * 15,706,484,224 as its config gives (the published 15.7B) */
    {"deepseek-ai--DeepSeek-V2-Lite", "deepseek", "deepseek-ai/DeepSeek-V2-Lite",
     "num_attention_heads=16", 0},
    /* Falcon-Mamba-7B: every dimension prints (no head count; the --set
     * is a value the config also has): 7,272,665,088 as its config gives */
    {"tiiuae--falcon-mamba-7b", "mamba", "tiiuae/falcon-mamba-7b", "conv_kernel=4", 0},
    /* gpt-oss-120b: one printed run for the template's sliding and full
     * groups; the experts print no size (guessed from the 36 layers):
     * 116,829,156,672 as its config gives */
    {"openai--gpt-oss-120b", "gpt_oss", "openai/gpt-oss-120b", "num_attention_heads=64", 0},
    /* state-spaces/mamba-130m-hf, no config bundled; by hand: per layer
     * in_proj 768 x 3072 = 2,359,296, conv1d 1536 x 4 + 1536 = 7,680,
     * x_proj 1536 x 80 = 122,880, dt_proj 48 x 1536 + 1536 = 75,264,
     * A_log 1536 x 16 = 24,576, D 1536, out_proj 1,179,648, norm 768:
     * 3,771,648 x 24 = 90,519,552; embedding 50280 x 768 = 38,615,040
     * (the head tied), norm_f 768: 129,135,360 (the published 129M) */
    {"state-spaces--mamba-130m-hf", "mamba", NULL, "conv_kernel=4", 129135360},
    /* Interleaved layer kinds (the map's "layers"), each text against its
     * bundled config, whose count tests/families/ derives by hand. */
    /* Jamba-1.5-Mini: 32 layers printed one by one (attention every 8th
     * from 4, MoE every 2nd from 1): 51,570,323,328 (tests/families/jamba.txt) */
    {"ai21labs--AI21-Jamba-1.5-Mini", "jamba", "ai21labs/AI21-Jamba-1.5-Mini",
     "num_attention_heads=32", 51570323328},
    /* Nemotron-H-56B: 118 blocks printed one by one or in short runs
     * (hybrid_override_pattern M-M-M-M*-...), printed as `model`, read as
     * the template's `backbone`; the gated norm prints no size, so n_groups
     * is given: 56,324,350,464 (tests/families/nemotron_h.txt) */
    {"nvidia--Nemotron-H-56B-Base-8K", "nemotron_h", "nvidia/Nemotron-H-56B-Base-8K",
     "n_groups=8 num_attention_heads=64", 56324350464},
    /* LFM2-1.2B (the language model of the bundled LFM2.5-VL-1.6B, whose
     * config nests it): conv and attention layers in runs (0-1), (2),
     * (3-4), ... give layer_types; the q_layernorm shows head_dim, no
     * --set is needed (the one given is the config's value):
     * 1,170,340,608 (tests/families/lfm2.txt) */
    {"LiquidAI--LFM2-1.2B", "lfm2", NULL, "conv_L_cache=3", 1170340608},
    /* Qwen3-Next-80B-A3B: Gated DeltaNet and full attention layers in runs
     * (0-2), (3), (4-6), ... give layer_types (full every 4th); how the
     * DeltaNet's keys split into heads does not show: 79,674,391,296
     * (tests/families/qwen3_next.txt) */
    {"Qwen--Qwen3-Next-80B-A3B-Thinking", "qwen3_next", "Qwen/Qwen3-Next-80B-A3B-Thinking",
     "linear_num_key_heads=16", 79674391296},
    /* Llama-4-Scout's language model (the bundled config nests it): MoE in
     * every layer, NoPE layers (3, 7, ...) without qk_norm:
     * 107,769,861,120 (tests/families/llama4.txt) */
    {"meta-llama--Llama-4-Scout-17B-16E-text", "llama4", NULL, "num_attention_heads=40",
     107769861120},
    /* Mamba-2 with the Mamba-Codestral-7B shapes (no config bundled): the
     * norms print no size, n_groups is given: 7,285,403,648 (derived by
     * hand in tests/cli_families.sh) */
    {"mistralai--Mamba-Codestral-7B-v0.1", "mamba2", NULL, "n_groups=8", 7285403648},
    /* MiniMax-M2.5: one run of 62 layers; the MoE printed as `mlp` is read
     * as the template's block_sparse_moe, its experts print no size (256 of
     * 1536 guessed): 228,689,764,864 (tests/families/minimax_m2.txt) */
    {"MiniMaxAI--MiniMax-M2.5", "minimax_m2", "MiniMaxAI/MiniMax-M2.5", "num_attention_heads=48",
     228689764864},
    /* GLM-4.5-Air: (0) dense, (1-45) MoE give first_k_dense_replace 1; the
     * MTP layer does not print and is given: 110,468,824,832
     * (tests/families/glm4_moe.txt; without it the main model's
     * 106,852,251,264) */
    {"zai-org--GLM-4.5-Air", "glm4_moe", "zai-org/GLM-4.5-Air",
     "num_attention_heads=96 num_nextn_predict_layers=1", 110468824832},
    /* Qwen3.5-27B's language model (the bundled config nests it): the
     * Qwen3-Next pattern with split DeltaNet projections and dense MLPs;
     * the MTP layer does not print and is given: 27,320,697,856
     * (tests/families/qwen3_next.txt; without it 26,895,998,464) */
    {"Qwen--Qwen3.5-27B-text", "qwen3_next", NULL,
     "linear_num_key_heads=16 mtp_num_hidden_layers=1", 27320697856},
    /* Qwen3.5-35B-A3B's language model: the fused experts print no size
     * (256 of 512 guessed); MTP given: 35,505,251,456
     * (tests/families/qwen3_next.txt) */
    {"Qwen--Qwen3.5-35B-A3B-text", "qwen3_next", NULL,
     "linear_num_key_heads=16 mtp_num_hidden_layers=1", 35505251456},
    /* DeepSeek-V3.2: (0-2) dense, (3-60) MoE with the DSA indexer; the
     * fused experts print no size (256 guessed), the MTP layer does not
     * print and is given: 685,355,329,792 (tests/families/deepseek_dsa.txt) */
    {"deepseek-ai--DeepSeek-V3.2", "deepseek_dsa", "deepseek-ai/DeepSeek-V3.2",
     "num_attention_heads=128 num_nextn_predict_layers=1", 685355329792},
    /* GLM-5: DeepSeek-V3.2's layers with GlmMoeDsa* classes, (0-2) dense
     * and (3-77) MoE; the MTP layer is given: 755,767,304,448
     * (tests/families/deepseek_dsa.txt) */
    {"zai-org--GLM-5", "deepseek_dsa", "zai-org/GLM-5",
     "num_attention_heads=64 num_nextn_predict_layers=1", 755767304448},
    /* Written from the modeling code against configs kept in
     * tests/fixtures/variants/ (no bundled one), each with its count
     * derived by hand in tests/families/variants_other_*.txt. */
    /* Command R7B (Cohere2): the sliding and full-attention layers print
     * alike, one run for the template's two groups: 8,028,033,024
     * (variants_other_dense.txt) */
    {"CohereForAI--c4ai-command-r7b-12-2024", "cohere2",
     LR_FIXTURES "/variants/CohereForAI--c4ai-command-r7b-12-2024.json", "num_attention_heads=32",
     8028033024},
    /* glm-4-9b-chat-hf (GlmForCausalLM): q/k/v with bias, fused
     * gate_up_proj: 9,399,951,360 (variants_other_dense.txt) */
    {"THUDM--glm-4-9b-chat-hf", "glm", LR_FIXTURES "/variants/THUDM--glm-4-9b-chat-hf.json",
     "num_attention_heads=32", 9399951360},
    /* GLM-4-9B-0414 (Glm4ForCausalLM): two post-norms more per layer,
     * 40 x 2 x 4096 = 327,680 above: 9,400,279,040 */
    {"THUDM--GLM-4-9B-0414", "glm", LR_FIXTURES "/variants/THUDM--GLM-4-9B-0414.json",
     "num_attention_heads=32", 9400279040},
    /* LFM2-8B-A1B: conv and attention layers, the first two dense; the
     * fused experts print no size, their width is given:
     * 8,339,930,560 (variants_other_ssm.txt) */
    {"LiquidAI--LFM2-8B-A1B", "lfm2_moe", LR_FIXTURES "/variants/LiquidAI--LFM2-8B-A1B.json",
     "moe_intermediate_size=1792", 8339930560},
    /* Devstral-2-123B (Ministral3ForCausalLM): the mistral3 template
     * builds it under its multimodal root (the map's template_root):
     * 125,025,988,608 (variants_other_dense.txt) */
    {"mistralai--Devstral-2-123B-Instruct-2512", "mistral3",
     LR_FIXTURES "/variants/mistralai--Devstral-2-123B-Instruct-2512.json",
     "num_attention_heads=96", 125025988608},
};

/* "a=1 b=2" -> {"a=1", "b=2"} in buf. */
static size_t
split_sets(const char *s, char *buf, size_t cap, const char **sets, size_t max)
{
    size_t n = 0;
    snprintf(buf, cap, "%s", s);
    for (char *p = strtok(buf, " "); p && n < max; p = strtok(NULL, " "))
        sets[n++] = p;
    return n;
}

static int
family_template_exists(const char *family)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/architectures/%s.json", TU_DEFAULT, family);
    return stat(p, &st) == 0;
}

static void
test_families(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        const family_case *fc = &families[i];
        if (!family_template_exists(fc->family)) {
            printf("test_repr: skipped %s: no %s template yet\n", fc->repr, fc->family);
            continue;
        }
        char *t = fixture(fc->repr);
        char buf[200];
        const char *sets[4];
        size_t nsets = split_sets(fc->heads, buf, sizeof buf, sets, 4);
        lr_arch *a = from_repr_ok(t, NULL, sets, nsets);
        totals x, y;
        analyse(a, &x);
        if (fc->params && x.params != fc->params)
            fail_msg("%s: %.0f parameters, published %.0f", fc->repr, x.params, fc->params);
        if (fc->model) {
            char *cfg = lr_model_find(MODELS, fc->model);
            assert_non_null(cfg);
            lr_arch *b = from_repr_ok(t, cfg, NULL, 0);
            free(cfg);
            lr_arch *ref = tu_model(fc->model);
            assert_non_null(ref);
            totals z;
            analyse(b, &y);
            analyse(ref, &z);
            /* the text fixes the weights; with the config, everything */
            assert_true(x.params == z.params);
            assert_same_totals(&y, &z);
            lr_arch_free(b);
            lr_arch_free(ref);
        }
        lr_arch_free(a);
        free(t);
    }
}

/* ---- vision-language models: the tower's numbers under vision_config ----
 *
 * Each text (written from transformers' modeling code with the bundled
 * config's dimensions; tests/fixtures/repr/SOURCES.md) with the head
 * counts it cannot show must give the parameter count derived by hand in
 * tests/families/<family>.txt (tower included), and with the model's
 * config.json exactly the config route's totals, with and without an
 * image (the tower runs in prefill only when there is one). */

typedef struct vlm_case {
    const char *repr, *family, *model;
    const char *sets[4]; /* what the text does not show */
    double params;       /* tests/families/<family>.txt, by hand */
} vlm_case;

static const vlm_case vlm_cases[] = {
    /* 7,063,427,072: tests/families/llava.txt (the safetensors total) */
    {"llava-hf--llava-1.5-7b-hf",
     "llava",
     "llava-hf/llava-1.5-7b-hf",
     {"vision_config.num_attention_heads=16"},
     7063427072},
    /* 8,292,166,656: tests/families/qwen2_5_vl.txt */
    {"Qwen--Qwen2.5-VL-7B-Instruct",
     "qwen2_5_vl",
     "Qwen/Qwen2.5-VL-7B-Instruct",
     {"num_attention_heads=28", "vision_config.num_heads=16"},
     8292166656},
    /* 8,767,123,696: tests/families/qwen3_vl.txt; the three deepstack
     * mergers print, which blocks feed them does not */
    {"Qwen--Qwen3-VL-8B-Instruct",
     "qwen3_vl",
     "Qwen/Qwen3-VL-8B-Instruct",
     {"vision_config.num_heads=16"},
     8767123696},
    /* 27,432,406,640: tests/families/gemma3.txt; printed as
     * model.language_model, built as model (the map's template_paths) */
    {"google--gemma-3-27b-it",
     "gemma3",
     "google/gemma-3-27b-it",
     {"vision_config.num_attention_heads=16"},
     27432406640},
    /* 24,011,361,280: tests/families/mistral3.txt (Pixtral tower, patch
     * merger, Ministral-3 text model) */
    {"mistralai--Devstral-Small-2-24B-Instruct",
     "mistral3",
     "mistralai/Devstral-Small-2-24B-Instruct",
     {"num_attention_heads=32", "vision_config.num_attention_heads=16"},
     24011361280},
    /* 107,710,933,120: tests/families/glm4v.txt; (0) dense and (1-45) MoE
     * layers read as the template's two groups; top-k 8 guessed */
    {"zai-org--GLM-4.5V",
     "glm4v_moe",
     "zai-org/GLM-4.5V",
     {"num_attention_heads=96", "vision_config.num_heads=12"},
     107710933120},
    /* 88,593,355,323: tests/families/mllama.txt; 41 printed runs of two
     * classes grouped as 80 self- and 20 cross-attention layers */
    {"meta-llama--Llama-3.2-90B-Vision-Instruct",
     "mllama",
     "meta-llama/Llama-3.2-90B-Vision-Instruct",
     {"num_attention_heads=64", "vision_config.attention_heads=16"},
     88593355323},
    /* 31,070,754,032: tests/families/variants_other_vision.txt (config
     * kept in tests/fixtures/variants/); the fused experts and the router
     * print no size: their count and width are given */
    {"Qwen--Qwen3-VL-30B-A3B-Instruct",
     "qwen3_vl_moe",
     LR_FIXTURES "/variants/Qwen--Qwen3-VL-30B-A3B-Instruct.json",
     {"vision_config.num_heads=16", "num_experts=128", "moe_intermediate_size=768"},
     31070754032},
    /* 108,641,793,536: tests/families/llama4.txt; the tower's
     * class_embedding and positional_embedding_vlm print nothing, so the
     * image size is given */
    {"meta-llama--Llama-4-Scout-17B-16E-Instruct",
     "llama4",
     "meta-llama/Llama-4-Scout-17B-16E-Instruct",
     {"num_attention_heads=40", "vision_config.num_attention_heads=16",
      "vision_config.image_size=336"},
     108641793536},
    /* 27,781,427,952 and 35,951,822,704: tests/families/qwen3_next.txt;
     * Qwen3-VL's tower without deepstack mergers beside the Qwen3.5
     * language models of the text fixtures; the MTP layer does not print
     * and is given (the MoE's experts are guessed as in its text map) */
    {"Qwen--Qwen3.5-27B",
     "qwen3_next",
     "Qwen/Qwen3.5-27B",
     {"linear_num_key_heads=16", "vision_config.num_heads=16", "mtp_num_hidden_layers=1"},
     27781427952},
    {"Qwen--Qwen3.5-35B-A3B",
     "qwen3_next",
     "Qwen/Qwen3.5-35B-A3B",
     {"linear_num_key_heads=16", "vision_config.num_heads=16", "mtp_num_hidden_layers=1"},
     35951822704},
    /* 1,596,625,904: tests/families/lfm2.txt; the SigLIP2 NaFlex tower
     * (a Linear patch embedding), the projector without its layer_norm
     * (projector_use_layernorm false) and LFM2-1.2B */
    {"LiquidAI--LFM2.5-VL-1.6B",
     "lfm2",
     "LiquidAI/LFM2.5-VL-1.6B",
     {"vision_config.num_attention_heads=16"},
     1596625904},
    /* 25,805,933,872: tests/families/gemma4.txt; no norm prints a size,
     * the full layers print no v_proj (attention_k_eq_v), the experts and
     * the tower's position table print no size: the head counts, the
     * expert width and the table size are given */
    {"google--gemma-4-26B-A4B",
     "gemma4",
     "google/gemma-4-26B-A4B",
     {"num_attention_heads=16", "moe_intermediate_size=704", "vision_config.num_attention_heads=16",
      "vision_config.position_embedding_size=10240"},
     25805933872},
};

static void
test_vlm_families(void **state)
{
    (void)state;
    assert_int_equal(sizeof vlm_cases / sizeof vlm_cases[0], VLM_TEXTS);
    for (size_t i = 0; i < sizeof vlm_cases / sizeof vlm_cases[0]; i++) {
        const vlm_case *vc = &vlm_cases[i];
        size_t nsets = 0;
        while (nsets < 4 && vc->sets[nsets])
            nsets++;
        char *t = fixture(vc->repr);
        lr_arch *a = from_repr_ok(t, NULL, vc->sets, nsets);
        totals x, y, z;
        analyse(a, &x);
        if (x.params != vc->params)
            fail_msg("%s: %.0f parameters, by hand %.0f", vc->repr, x.params, vc->params);
        char *cfg = lr_model_find(MODELS, vc->model);
        assert_non_null(cfg);
        lr_arch *b = from_repr_ok(t, cfg, NULL, 0);
        free(cfg);
        lr_arch *ref = tu_model(vc->model);
        assert_non_null(ref);
        assert_string_equal(b->family, vc->family);
        for (double images = 0; images <= 1; images++) {
            analyse_images(b, &y, images);
            analyse_images(ref, &z, images);
            assert_same_totals(&y, &z);
        }
        lr_arch_free(b);
        lr_arch_free(ref);
        lr_arch_free(a);
        free(t);
    }
}

/* `text` with the first `from` after `after` replaced by `to`. */
static char *
edited(const char *text, const char *after, const char *from, const char *to)
{
    const char *a = strstr(text, after);
    assert_non_null(a);
    const char *f = strstr(a, from);
    assert_non_null(f);
    size_t head = (size_t)(f - text), nf = strlen(from), nt = strlen(to);
    char *out = malloc(strlen(text) - nf + nt + 1);
    assert_non_null(out);
    memcpy(out, text, head);
    memcpy(out + head, to, nt);
    strcpy(out + head + nt, f + nf);
    return out;
}

/* A VLM text with a --config given as text: NULL and the error expected. */
static void
vlm_fails(const char *text, const char *config, const char *const *sets, size_t nsets,
          const char *path, const char *what, const char *what2)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_repr_opts o = {config, config ? "config.json" : NULL, sets, nsets, NULL};
    lr_arch *a = lr_arch_from_repr(text, "vlm.txt", TU_DEFAULT, &o, NULL, &err);
    if (a || strcmp(err.path, path) != 0 || !strstr(err.msg, what) ||
        (what2 && !strstr(err.msg, what2)))
        fail_msg("expected %s: ...%s...; got %s: %s", path, what, err.path, err.msg);
}

static void
test_vlm_errors(void **state)
{
    (void)state;
    static const char *const heads16[] = {"vision_config.num_attention_heads=16"};
    /* the tower's printed width against a --config that says otherwise:
     * the error names the nested field and both values */
    char *llava = fixture("llava-hf--llava-1.5-7b-hf");
    vlm_fails(llava,
              "{\"model_type\": \"llava\", \"vision_config\": {\"hidden_size\": 1280, "
              "\"num_attention_heads\": 16}}",
              NULL, 0, "vision_config.hidden_size",
              "the print(model) text says 1024 "
              "({model.vision_tower.vision_model.embeddings.patch_embedding.arg1})",
              "--config config.json says 1280");
    /* the same through --set */
    static const char *const wide[] = {"vision_config.num_attention_heads=16",
                                       "vision_config.hidden_size=1280"};
    vlm_fails(llava, NULL, wide, 2, "vision_config.hidden_size",
              "--set vision_config.hidden_size says 1280", NULL);
    /* the text model's numbers under text_config are compared too */
    vlm_fails(llava,
              "{\"model_type\": \"llava\", \"text_config\": {\"hidden_size\": 5120}, "
              "\"vision_config\": {\"num_attention_heads\": 16}}",
              NULL, 0, "hidden_size", "says 4096", "says 5120");
    /* the tower's head count is needed */
    vlm_fails(llava, NULL, NULL, 0, "vision_config.num_attention_heads",
              "does not show vision_config.num_attention_heads",
              "--set vision_config.num_attention_heads=N");
    free(llava);
    /* a list the text shows the length of */
    char *q3 = fixture("Qwen--Qwen3-VL-8B-Instruct");
    vlm_fails(q3,
              "{\"model_type\": \"qwen3_vl\", \"vision_config\": {\"num_heads\": 16, "
              "\"deepstack_visual_indexes\": [8, 16]}}",
              NULL, 0, "vision_config.deepstack_visual_indexes", "shows 3 of them", "lists 2");
    free(q3);
    /* template_paths: the printed text model is compared with the
     * template's (o_proj's input is 32 heads x 128 = 4096, not 4000) */
    char *g3 = fixture("google--gemma-3-27b-it");
    char *g3bad = edited(g3, "(o_proj)", "in_features=4096", "in_features=4000");
    vlm_fails(g3bad, NULL, heads16, 1, "model.language_model.layers.self_attn.o_proj",
              "the print(model) text says Linear in_features=4000", "builds in_features=4096");
    free(g3bad);
    free(g3);
    /* layer_runs: runs of one class that print differently, and a class
     * the map does not list */
    static const char *const mheads[] = {"num_attention_heads=64",
                                         "vision_config.attention_heads=16"};
    char *ml = fixture("meta-llama--Llama-3.2-90B-Vision-Instruct");
    char *ml1 = edited(ml, "(8): MllamaCross", "out_features=1024", "out_features=2048");
    vlm_fails(ml1, NULL, mheads, 2, "model.language_model.layers",
              "the MllamaCrossAttentionDecoderLayer runs 3 and 8 print differently", NULL);
    char *ml2 = edited(ml, "(3): ", "MllamaCrossAttentionDecoderLayer", "MllamaOtherDecoderLayer");
    vlm_fails(ml2, NULL, mheads, 2, "model.language_model.layers",
              "run 3 is a MllamaOtherDecoderLayer", "does not list");
    free(ml2);
    free(ml1);
    free(ml);
    /* template_root: the llama4 template builds Llama-4's multimodal
     * modules under its text class, and the node-by-node check still runs
     * (a vision fc2 without the bias the template builds), and the layer
     * kinds are compared with the template's groups under template_paths
     * (a NoPE layer every 3rd, not every 4th: 32 RoPE layers, not 36) */
    static const char *const l4heads[] = {"num_attention_heads=40",
                                          "vision_config.num_attention_heads=16",
                                          "vision_config.image_size=336"};
    static const char *const l4nope[] = {
        "num_attention_heads=40", "vision_config.num_attention_heads=16",
        "vision_config.image_size=336", "no_rope_layer_interval=3"};
    char *l4 = fixture("meta-llama--Llama-4-Scout-17B-16E-Instruct");
    char *l4bad = edited(l4, "(fc2): Linear(in_features=5632", "bias=True", "bias=False");
    vlm_fails(l4bad, NULL, l4heads, 3, "vision_model.model.layers.mlp.fc2",
              "the print(model) text says Linear bias=0", "the llama4 template builds bias=1");
    vlm_fails(l4, NULL, l4nope, 4, "language_model.model.layers", "has 36 'rope_moe' layer(s)",
              "the llama4 template builds 32");
    free(l4bad);
    free(l4);
}

/* ---- the maps, whatever the templates: a stand-in template per family
 * whose tree only holds the config fields as the root's parameters ---- */

typedef struct map_case {
    const char *repr, *family, *root, *model_type;
    const char *heads;  /* the --set the text needs */
    const char *model;  /* bundled config whose values the fields must equal */
    const char *fields; /* compared with that config */
    const char *extra;  /* NAME=VALUE derived by hand (keys the config lacks) */
} map_case;

static const map_case map_cases[] = {
    {"mistralai--Mistral-7B-v0.1", "mistral", "MistralForCausalLM", "mistral",
     "num_attention_heads=32", "mistralai/Mistral-7B-v0.1",
     "vocab_size hidden_size num_hidden_layers intermediate_size num_key_value_heads",
     "head_dim=128"},
    {"mistralai--Mixtral-8x7B-v0.1", "mixtral", "MixtralForCausalLM", "mixtral",
     "num_attention_heads=32", "mistralai/Mixtral-8x7B-v0.1",
     "vocab_size hidden_size num_hidden_layers intermediate_size num_key_value_heads "
     "num_local_experts",
     "head_dim=128"},
    {"google--gemma-7b", "gemma", "GemmaForCausalLM", "gemma", "num_attention_heads=16",
     "google/gemma-7b",
     "vocab_size hidden_size num_hidden_layers intermediate_size num_key_value_heads head_dim "
     "attention_bias",
     ""},
    {"google--gemma-2-9b", "gemma2", "Gemma2ForCausalLM", "gemma2", "num_attention_heads=16",
     "google/gemma-2-9b",
     "vocab_size hidden_size num_hidden_layers intermediate_size num_key_value_heads head_dim "
     "attention_bias",
     ""},
    {"microsoft--Phi-3-mini-4k-instruct", "phi3", "Phi3ForCausalLM", "phi3",
     "num_attention_heads=32", "microsoft/Phi-3-mini-4k-instruct",
     "vocab_size hidden_size num_hidden_layers intermediate_size num_key_value_heads",
     /* o_proj takes 3072 = 32 x 96 */
     "head_dim=96"},
    /* qkv 4672 = (71 + 2 x 1) x 64: one KV head, multi-query */
    {"tiiuae--falcon-7b", "falcon", "FalconForCausalLM", "falcon", "num_attention_heads=71",
     "tiiuae/falcon-7b",
     "vocab_size hidden_size num_hidden_layers bias new_decoder_architecture parallel_attn "
     "multi_query",
     "head_dim=64 num_kv_heads=1 ffn_hidden_size=18176"},
    /* c_fc prints nf=3072 = 4 x 768 (the config's n_inner is null) */
    {"openai-community--gpt2", "gpt2", "GPT2LMHeadModel", "gpt2", "n_head=12",
     "openai-community/gpt2", "vocab_size n_embd n_positions n_layer", "n_inner=3072"},
    /* facebook/opt-125m's config.json on the HF hub: 2050 positions = 2048 + 2 */
    {"facebook--opt-125m", "opt", "OPTForCausalLM", "opt", "num_attention_heads=12", NULL, "",
     "vocab_size=50272 hidden_size=768 word_embed_proj_dim=768 max_position_embeddings=2048 "
     "num_hidden_layers=12 ffn_dim=3072 enable_bias=1 do_layer_norm_before=1 "
     "layer_norm_elementwise_affine=1"},
    /* facebook/opt-350m: 512-wide embeddings projected to 1024, no final
     * decoder norm (do_layer_norm_before false) */
    {"facebook--opt-350m", "opt", "OPTForCausalLM", "opt", "num_attention_heads=16", NULL, "",
     "vocab_size=50272 hidden_size=1024 word_embed_proj_dim=512 max_position_embeddings=2048 "
     "num_hidden_layers=24 ffn_dim=4096 enable_bias=1 do_layer_norm_before=0"},
};

/* Every field name of a case (fields, then the names of extra). */
static size_t
case_names(const map_case *mc, char names[][64], size_t cap)
{
    size_t n = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s %s", mc->fields, mc->extra);
    for (char *t = strtok(buf, " "); t && n < cap; t = strtok(NULL, " ")) {
        char *eq = strchr(t, '=');
        if (eq)
            *eq = '\0';
        snprintf(names[n++], 64, "%s", t);
    }
    return n;
}

static void
write_stand_in(const char *dir, const map_case *mc)
{
    char names[32][64], path[1024];
    size_t n = case_names(mc, names, 32);
    snprintf(path, sizeof path, "%s/architectures/%s.json", dir, mc->family);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"family\": \"%s\", \"architectures\": [\"%s\"], \"model_types\": [\"%s\"],\n",
            mc->family, mc->root, mc->model_type);
    fprintf(f, " \"config\": [");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s{\"name\": \"%s\", \"default\": \"-1\"}", i ? ", " : "", names[i]);
    fprintf(f, "],\n \"tree\": {\"name\": \"\", \"class\": \"t.StandIn\", \"parameters\": {");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\"%s\": \"{%s}\"", i ? ", " : "", names[i], names[i]);
    fprintf(f, "}}}\n");
    fclose(f);
}

static double
config_number(json_t *cfg, const char *key)
{
    json_t *v = json_object_get(cfg, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (!json_is_number(v))
        fail_msg("bundled config lacks %s", key);
    return json_number_value(v);
}

static void
check_map_case(const char *dir, const map_case *mc, const lr_db *db)
{
    char *t = fixture(mc->repr);
    lr_repr_opts o = {NULL, NULL, &mc->heads, 1, db};
    lr_error err;
    lr_arch *a = lr_arch_from_repr(t, mc->repr, dir, &o, NULL, &err);
    if (!a)
        fail_msg("%s: %s: %s", mc->repr, err.path, err.msg);
    json_t *cfg = NULL;
    if (mc->model) {
        char *p = lr_model_find(MODELS, mc->model);
        json_error_t je;
        cfg = json_load_file(p, 0, &je);
        free(p);
        assert_non_null(cfg);
    }
    char buf[1024];
    snprintf(buf, sizeof buf, "%s %s", mc->fields, mc->extra);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        if (eq)
            *eq = '\0';
        double want = eq ? strtod(eq + 1, NULL) : config_number(cfg, tok);
        const lr_param *p = lr_node_param(&a->root, tok);
        assert_non_null(p);
        if (p->value != want)
            fail_msg("%s: %s is %g, expected %g", mc->repr, tok, p->value, want);
    }
    json_decref(cfg);
    lr_arch_free(a);
    free(t);
}

static void
test_maps_derive_configs(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmroof-repr-XXXXXX", sub[1100];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/architectures", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/repr", dir);
    assert_int_equal(symlink(TU_DEFAULT "/repr", sub), 0);
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    assert_non_null(prof);
    for (size_t i = 0; i < sizeof map_cases / sizeof map_cases[0]; i++) {
        write_stand_in(dir, &map_cases[i]);
        check_map_case(dir, &map_cases[i], lr_profile_db(prof));
        snprintf(sub, sizeof sub, "%s/architectures/%s.json", dir, map_cases[i].family);
        unlink(sub);
    }
    lr_profile_free(prof);
    snprintf(sub, sizeof sub, "%s/repr", dir);
    unlink(sub);
    snprintf(sub, sizeof sub, "%s/architectures", dir);
    rmdir(sub);
    rmdir(dir);
}

/* A map whose "layers" list the template does not build where the map
 * says (Llama-4's multimodal map without its template_paths, in a
 * temporary profile that shares the default one's modules and templates):
 * an error naming the list, not a check that reads what is not there. */
static void
test_layers_parent_missing(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmroof-repr-XXXXXX", p[1100];
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/architectures", dir);
    assert_int_equal(symlink(TU_DEFAULT "/architectures", p), 0);
    snprintf(p, sizeof p, "%s/modules", dir);
    assert_int_equal(symlink(TU_DEFAULT "/modules", p), 0);
    snprintf(p, sizeof p, "%s/repr", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/repr/common.json", dir);
    assert_int_equal(symlink(TU_DEFAULT "/repr/common.json", p), 0);
    json_error_t je;
    json_t *map = json_load_file(TU_DEFAULT "/repr/llama4_mm.json", 0, &je);
    assert_non_null(map);
    assert_int_equal(json_object_del(map, "template_paths"), 0);
    snprintf(p, sizeof p, "%s/repr/llama4_mm.json", dir);
    assert_int_equal(json_dump_file(map, p, 0), 0);
    json_decref(map);
    char *t = fixture("meta-llama--Llama-4-Scout-17B-16E-Instruct");
    static const char *const sets[] = {"num_attention_heads=40",
                                       "vision_config.num_attention_heads=16",
                                       "vision_config.image_size=336"};
    lr_repr_opts o = {NULL, NULL, sets, 3, NULL};
    lr_error err;
    memset(&err, 0, sizeof err);
    assert_null(lr_arch_from_repr(t, "l4.txt", dir, &o, NULL, &err));
    assert_string_equal(err.path, "language_model.model");
    assert_non_null(strstr(err.msg, "the llama4 template builds no language_model.model"));
    assert_non_null(strstr(err.msg, "does not fit the template"));
    free(t);
    unlink(p);
    const char *const links[] = {"repr/common.json", "architectures", "modules"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, links[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/repr", dir);
    rmdir(p);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_parses),
        cmocka_unit_test(test_llama2_tree),
        cmocka_unit_test(test_other_trees),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_depth_bounded),
        cmocka_unit_test(test_llama2_same_totals),
        cmocka_unit_test(test_llama31_gqa_inferred),
        cmocka_unit_test(test_missing_heads),
        cmocka_unit_test(test_config_conflict),
        cmocka_unit_test(test_unknown_class),
        cmocka_unit_test(test_dims_checked),
        cmocka_unit_test(test_model_load_ex),
        cmocka_unit_test(test_layer_kinds),
        cmocka_unit_test(test_layer_pattern),
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_vlm_families),
        cmocka_unit_test(test_vlm_errors),
        cmocka_unit_test(test_layers_parent_missing),
        cmocka_unit_test(test_layer_runs),
        cmocka_unit_test(test_tied_guess),
        cmocka_unit_test(test_maps_derive_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
