/*
 * test_weights.c: the GGUF and safetensors header readers (src/gguf.c,
 * src/safetensors.c). Every file is written here byte by byte by a small
 * writer that follows the format rules (GGUF_NOTES.md), so the expected
 * parameter counts, stored bytes and effective bits are derived by hand from
 * the block sizes in the comments. Hostile files (bad magic, lengths past the
 * end, absurd counts and shapes, unknown types, non-UTF-8 names, deep
 * nesting) must fail with an error naming the file, the offset and what was
 * expected, and never crash or allocate what the header claims.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "testutil.h"

#define KEY_MAP LR_DATA_DIR "/gguf-keys.json"

/* ---- a GGUF writer ---- */

enum { T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 };
enum { G_F32 = 0, G_F16 = 1, G_Q8_0 = 8, G_Q4_K = 12, G_Q6_K = 14, G_BF16 = 30 };

typedef struct wb {
    unsigned char *p;
    size_t n, cap;
    int v1; /* version 1: u32 counts, lengths and dimensions */
} wb;

static void
put(wb *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void
put_le(wb *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)(v >> (8 * i));
        put(b, &c, 1);
    }
}

static void
u32(wb *b, uint32_t v)
{
    put_le(b, v, 4);
}

static void
u64(wb *b, uint64_t v)
{
    put_le(b, v, 8);
}

static void
count(wb *b, uint64_t v)
{
    put_le(b, v, b->v1 ? 4 : 8);
}

static void
str(wb *b, const char *s)
{
    count(b, strlen(s));
    put(b, s, strlen(s));
}

/* magic, version, tensor count, key/value count */
static void
header(wb *b, uint32_t version, uint64_t ntensors, uint64_t nkv)
{
    b->v1 = version == 1;
    put(b, "GGUF", 4);
    u32(b, version);
    count(b, ntensors);
    count(b, nkv);
}

static void
kv_u32(wb *b, const char *key, uint32_t v)
{
    str(b, key);
    u32(b, T_U32);
    u32(b, v);
}

static void
kv_f32(wb *b, const char *key, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    str(b, key);
    u32(b, T_F32);
    u32(b, bits);
}

static void
kv_str(wb *b, const char *key, const char *s)
{
    str(b, key);
    u32(b, T_STR);
    str(b, s);
}

/* A tensor info; dims in ggml order (the contiguous one first). */
static void
tensor(wb *b, const char *name, uint32_t nd, const uint64_t *dims, uint32_t type, uint64_t off)
{
    str(b, name);
    u32(b, nd);
    for (uint32_t i = 0; i < nd; i++)
        count(b, dims[i]);
    u32(b, type);
    u64(b, off);
}

/* Writes the bytes to a temporary file and extends it with `data` zero
 * bytes after padding to `align` (the tensor data, never read). */
static char *
wb_file(wb *b, size_t align, uint64_t data)
{
    char *path = strdup("/tmp/llmroof-weights-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, b->p, b->n) == (ssize_t)b->n);
    if (align) {
        uint64_t start = (b->n + align - 1) / align * align;
        assert_int_equal(ftruncate(fd, (off_t)(start + data)), 0);
    }
    close(fd);
    free(b->p);
    memset(b, 0, sizeof *b);
    return path;
}

static json_t *
config_of(const lr_weights_info *info)
{
    assert_non_null(info->config_json);
    json_error_t je;
    json_t *cfg = json_loads(info->config_json, 0, &je);
    assert_non_null(cfg);
    return cfg;
}

static json_int_t
cfg_int(json_t *cfg, const char *key)
{
    json_t *v = json_object_get(cfg, key);
    if (!json_is_integer(v))
        fail_msg("config: %s is not an integer", key);
    return json_integer_value(v);
}

/* Reads a file that must fail; checks the message and the path (offset). */
static void
gguf_fails(wb *b, size_t align, uint64_t data, const char *msg_part, const char *path_part)
{
    char *path = wb_file(b, align, data);
    lr_weights_info info;
    lr_error err;
    int rc = lr_gguf_read(path, KEY_MAP, &info, &err);
    unlink(path);
    if (rc == 0) {
        lr_weights_info_free(&info);
        fail_msg("read but should fail with '%s'", msg_part);
    }
    assert_null(info.tensors);
    assert_string_equal(err.file, path);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
    if (!strstr(err.path, path_part))
        fail_msg("path '%s' lacks '%s' (message '%s')", err.path, path_part, err.msg);
    free(path);
}

/* ---- GGUF: a tiny llama ---- */

/* Every metadata value type, so that the reader skips each of them. */
static void
all_types(wb *b)
{
    str(b, "tiny.u8"), u32(b, T_U8), put_le(b, 7, 1);
    str(b, "tiny.i8"), u32(b, T_I8), put_le(b, 0xFF, 1);
    str(b, "tiny.u16"), u32(b, T_U16), put_le(b, 65535, 2);
    str(b, "tiny.i16"), u32(b, T_I16), put_le(b, 0xFFFE, 2);
    str(b, "tiny.i32"), u32(b, T_I32), u32(b, 0xFFFFFFFD);
    str(b, "tiny.u64"), u32(b, T_U64), u64(b, 1ULL << 40);
    str(b, "tiny.i64"), u32(b, T_I64), u64(b, (uint64_t)-5);
    str(b, "tiny.f64"), u32(b, T_F64), u64(b, 0x3FF8000000000000ULL); /* 1.5 */
    str(b, "tiny.bool"), u32(b, T_BOOL), put_le(b, 1, 1);
    /* [[u8 1, 2], []]: an array of two arrays */
    str(b, "tiny.nested"), u32(b, T_ARR), u32(b, T_ARR), count(b, 2);
    u32(b, T_U8), count(b, 2), put_le(b, 0x0201, 2);
    u32(b, T_U8), count(b, 0);
    /* three scores, three bools */
    str(b, "tokenizer.ggml.scores"), u32(b, T_ARR), u32(b, T_F32), count(b, 3);
    u32(b, 0), u32(b, 0), u32(b, 0);
    str(b, "tiny.flags"), u32(b, T_ARR), u32(b, T_BOOL), count(b, 3), put_le(b, 0x010001, 3);
}

/* 30 tokens: fewer than the embedding's 32 rows (padded vocabularies). */
static void
tokens(wb *b, int n)
{
    str(b, "tokenizer.ggml.tokens"), u32(b, T_ARR), u32(b, T_STR), count(b, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        char t[16];
        snprintf(t, sizeof t, "t%d", i);
        str(b, t);
    }
}

#define TINY_NKV 24

static void
tiny_llama_kv(wb *b)
{
    kv_str(b, "general.architecture", "llama");
    kv_str(b, "general.name", "tiny");
    kv_u32(b, "llama.context_length", 2048);
    kv_u32(b, "llama.embedding_length", 256);
    kv_u32(b, "llama.block_count", 1);
    kv_u32(b, "llama.feed_forward_length", 512);
    kv_u32(b, "llama.attention.head_count", 4);
    kv_u32(b, "llama.attention.head_count_kv", 2);
    kv_f32(b, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    kv_f32(b, "llama.rope.freq_base", 10000.0f);
    kv_u32(b, "llama.rope.dimension_count", 64);
    tokens(b, 30);
    all_types(b); /* 12 keys */
}

/*
 * The tensors, with their stored bytes from the block sizes:
 *   token_embd.weight     Q8_0 [256, 32]:   8192 elements = 256 blocks of 32 x 34 B =   8704 B
 *   blk.0.attn_norm.weight F32 [256]:        256 elements x 4 B                      =   1024 B
 *   blk.0.attn_q.weight   Q4_K [256, 256]: 65536 elements = 256 blocks of 256 x 144 B = 36864 B
 *   blk.0.attn_k.weight    F16 [256, 128]: 32768 elements x 2 B                      =  65536 B
 *   blk.0.ffn_down.weight Q6_K [512, 256]: 131072 elements = 512 blocks x 210 B      = 107520 B
 * params = 8192 + 256 + 65536 + 32768 + 131072 = 237824
 * bytes  = 8704 + 1024 + 36864 + 65536 + 107520 = 219648
 * eff_bits = 219648 * 8 / 237824 = 1757184 / 237824 = 7.3885...
 * Offsets, each the previous end (all multiples of 32): 0, 8704, 9728, 46592, 112128.
 */
static const char *const tiny_names[5] = {"token_embd.weight", "blk.0.attn_norm.weight",
                                          "blk.0.attn_q.weight", "blk.0.attn_k.weight",
                                          "blk.0.ffn_down.weight"};
static const char *const tiny_types[5] = {"Q8_0", "F32", "Q4_K", "F16", "Q6_K"};
static const double tiny_elems[5] = {8192, 256, 65536, 32768, 131072};
static const double tiny_bytes[5] = {8704, 1024, 36864, 65536, 107520};

static void
tiny_tensors(wb *b)
{
    tensor(b, "token_embd.weight", 2, (uint64_t[]){256, 32}, G_Q8_0, 0);
    tensor(b, "blk.0.attn_norm.weight", 1, (uint64_t[]){256}, G_F32, 8704);
    tensor(b, "blk.0.attn_q.weight", 2, (uint64_t[]){256, 256}, G_Q4_K, 9728);
    tensor(b, "blk.0.attn_k.weight", 2, (uint64_t[]){256, 128}, G_F16, 46592);
    tensor(b, "blk.0.ffn_down.weight", 2, (uint64_t[]){512, 256}, G_Q6_K, 112128);
}

static char *
tiny_llama(uint32_t version)
{
    wb b = {0};
    header(&b, version, 5, TINY_NKV);
    tiny_llama_kv(&b);
    tiny_tensors(&b);
    return wb_file(&b, 32, 219648);
}

static void
check_tiny(const lr_weights_info *info)
{
    assert_int_equal(info->ntensors, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(info->tensors[i].name, tiny_names[i]);
        assert_string_equal(info->tensors[i].dtype, tiny_types[i]);
        assert_true(info->tensors[i].elements == tiny_elems[i]);
        assert_true(info->tensors[i].bytes == tiny_bytes[i]);
    }
    assert_true(info->params == 237824);
    assert_true(info->bytes == 219648);
    assert_true(info->eff_bits == 1757184.0 / 237824.0);
    assert_true(info->eff_bits > 7.3885 && info->eff_bits < 7.3886);
    assert_string_equal(info->arch, "llama");
}

static void
test_gguf_tiny_llama(void **state)
{
    (void)state;
    char *path = tiny_llama(3);
    lr_weights_info info;
    lr_error err;
    if (lr_gguf_read(path, NULL, &info, &err) != 0)
        fail_msg("%s: %s", err.path, err.msg);
    check_tiny(&info);
    assert_null(info.config_json); /* no key map */
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

static void
test_gguf_config(void **state)
{
    (void)state;
    char *path = tiny_llama(3);
    lr_weights_info info;
    lr_error err;
    if (lr_gguf_read(path, KEY_MAP, &info, &err) != 0)
        fail_msg("%s: %s", err.path, err.msg);
    check_tiny(&info);
    json_t *cfg = config_of(&info);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0)),
                        "LlamaForCausalLM");
    assert_string_equal(json_string_value(json_object_get(cfg, "model_type")), "llama");
    assert_int_equal(cfg_int(cfg, "hidden_size"), 256);
    assert_int_equal(cfg_int(cfg, "num_hidden_layers"), 1);
    assert_int_equal(cfg_int(cfg, "intermediate_size"), 512);
    assert_int_equal(cfg_int(cfg, "num_attention_heads"), 4);
    assert_int_equal(cfg_int(cfg, "num_key_value_heads"), 2);
    assert_int_equal(cfg_int(cfg, "max_position_embeddings"), 2048);
    /* the embedding's 32 rows, not the tokenizer's 30 tokens */
    assert_int_equal(cfg_int(cfg, "vocab_size"), 32);
    /* the float32 1e-5 reads back as the decimal 1e-5, not 9.99999974738e-06 */
    assert_true(json_real_value(json_object_get(cfg, "rms_norm_eps")) == 1e-5);
    assert_non_null(strstr(info.config_json, "\"rms_norm_eps\": 1e-5,"));
    assert_true(json_real_value(json_object_get(cfg, "rope_theta")) == 10000.0);
    assert_true(json_is_true(json_object_get(cfg, "tie_word_embeddings"))); /* no output.weight */
    assert_null(json_object_get(cfg, "head_dim"));                          /* no key_length */
    assert_null(json_object_get(cfg, "num_local_experts"));
    /* the config builds a tree through the bundled llama template */
    lr_arch *a =
        lr_arch_from_hf_config_text(info.config_json, path, TU_DEFAULT "/architectures", &err);
    if (!a)
        fail_msg("config does not build: %s: %s", err.path, err.msg);
    lr_arch_free(a);
    json_decref(cfg);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

/* A GGUF file as a model argument: the tree from its metadata, its tensors'
 * bytes recorded for the analysis (the CLI takes their effective bits:
 * 219,648 * 8 / 237,824 = 7.3885 bits per weight). */
static void
test_gguf_model_load(void **state)
{
    (void)state;
    char *path = tiny_llama(3);
    lr_error err;
    char *notes = NULL;
    lr_arch *a = lr_model_load_ex(LR_DATA_DIR "/models", TU_DEFAULT "/architectures", path, NULL,
                                  &notes, &err);
    if (!a)
        fail_msg("%s: %s", err.path, err.msg);
    assert_true(a->weight_bytes == 219648);
    assert_true(a->weight_params == 237824);
    assert_string_equal(a->family, "llama");
    assert_non_null(notes);
    assert_non_null(strstr(notes, "7.389")); /* 7.38854 at 4 significant digits */
    free(notes);
    lr_arch_free(a);
    unlink(path);
    free(path);
}

static void one_tensor(wb *b, const char *name, uint32_t nd, const uint64_t *dims, uint32_t type,
                       uint64_t off);

/* Tensor data past the end of the file is counted, not refused: it is
 * never read (a header-only file, a truncated download). */
static void
test_gguf_header_only(void **state)
{
    (void)state;
    /* the tiny llama's header and tensor infos with no data at all: each of
     * its 5 tensors lies past the end; sizes still come from the header */
    wb b = {0};
    header(&b, 3, 5, TINY_NKV);
    tiny_llama_kv(&b);
    tiny_tensors(&b);
    char *path = wb_file(&b, 0, 0);
    lr_weights_info info;
    lr_error err;
    if (lr_gguf_read(path, KEY_MAP, &info, &err) != 0)
        fail_msg("header-only file refused: %s: %s", err.path, err.msg);
    check_tiny(&info);
    assert_int_equal(info.past_eof, 5);
    lr_weights_info_free(&info);
    /* as a model: loads, the notes carry a warning naming 5 of 5 tensors */
    char *notes = NULL;
    lr_arch *a = lr_model_load_ex(LR_DATA_DIR "/models", TU_DEFAULT "/architectures", path, NULL,
                                  &notes, &err);
    if (!a)
        fail_msg("%s: %s", err.path, err.msg);
    assert_non_null(notes);
    assert_non_null(strstr(notes, "warning: "));
    assert_non_null(strstr(notes, "the data of 5 of its 5 tensors lies past the end"));
    free(notes);
    lr_arch_free(a);
    unlink(path);
    free(path);
    /* one tensor, 32 F32 elements (128 bytes) at data offset 64 of a file
     * with 128 data bytes: it runs 64 bytes past the end */
    one_tensor(&b, "w", 1, (uint64_t[]){32}, G_F32, 64);
    path = wb_file(&b, 32, 128);
    if (lr_gguf_read(path, NULL, &info, &err) != 0)
        fail_msg("truncated file refused: %s", err.msg);
    assert_int_equal(info.past_eof, 1);
    assert_true(info.bytes == 128);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
    /* the complete tiny llama: nothing past the end */
    path = tiny_llama(3);
    if (lr_gguf_read(path, NULL, &info, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(info.past_eof, 0);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

/* A GGUF listing fewer tensors than the architecture has: the coverage is
 * their share. The tiny llama's tree (hidden 256, 4 heads of 64, 2 KV heads,
 * ffn 512, vocab 32, one layer, tied embeddings: no output.weight):
 *   embedding 32 * 256 = 8192, 2 norms 2 * 256 = 512, q and o 2 * 65536,
 *   k and v 2 * 256 * 128 = 65536, gate/up/down 3 * 256 * 512 = 393216,
 *   final norm 256: 8192 + 512 + 131072 + 65536 + 393216 + 256 = 598784.
 * The file's 5 tensors hold 237824 elements: 237824 / 598784. */
static void
test_gguf_coverage(void **state)
{
    (void)state;
    char *path = tiny_llama(3);
    lr_error err;
    lr_arch *a = lr_model_load_ex(LR_DATA_DIR "/models", TU_DEFAULT "/architectures", path, NULL,
                                  NULL, &err);
    if (!a)
        fail_msg("%s: %s", err.path, err.msg);
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    assert_non_null(prof);
    lr_plan *plan = lr_plan_new(a, lr_profile_db(prof), &err);
    if (!plan)
        fail_msg("%s: %s", err.path, err.msg);
    assert_true(lr_plan_params(plan) == 598784);
    assert_true(lr_arch_weight_coverage(a, plan) == 237824.0 / 598784.0);
    /* a bundled config has no weight file: 0 */
    lr_arch *b = tu_model("meta-llama/Llama-2-7b-hf");
    lr_plan *pb = lr_plan_new(b, lr_profile_db(prof), &err);
    assert_true(lr_arch_weight_coverage(b, pb) == 0);
    lr_plan_free(pb);
    lr_arch_free(b);
    lr_plan_free(plan);
    lr_arch_free(a);
    lr_profile_free(prof);
    unlink(path);
    free(path);
}

/* Versions 1 (u32 counts, lengths and dimensions) and 2 read the same. */
static void
test_gguf_versions(void **state)
{
    (void)state;
    for (uint32_t v = 1; v <= 2; v++) {
        char *path = tiny_llama(v);
        lr_weights_info info;
        lr_error err;
        if (lr_gguf_read(path, KEY_MAP, &info, &err) != 0)
            fail_msg("v%u: %s: %s", v, err.path, err.msg);
        check_tiny(&info);
        lr_weights_info_free(&info);
        unlink(path);
        free(path);
    }
}

/* A small file of one architecture: keys written by `kv` (nkv of them),
 * plus token_embd.weight F32 [8, 16] and, when `output`, output.weight. */
static char *
small_file(const char *arch, int nkv, void (*kv)(wb *), int output)
{
    wb b = {0};
    header(&b, 3, output ? 2 : 1, (uint64_t)nkv + 2);
    kv_str(&b, "general.architecture", arch);
    kv_u32(&b, "general.alignment", 64);
    kv(&b);
    tensor(&b, "token_embd.weight", 2, (uint64_t[]){8, 16}, G_F32, 0); /* 512 B */
    if (output)
        tensor(&b, "output.weight", 2, (uint64_t[]){8, 16}, G_BF16, 512); /* 256 B */
    return wb_file(&b, 64, output ? 768 : 512);
}

static void
mixtral_kv(wb *b)
{
    kv_u32(b, "llama.embedding_length", 8);
    kv_u32(b, "llama.expert_count", 8);
    kv_u32(b, "llama.expert_used_count", 2);
}

static lr_weights_info
read_ok(const char *path, const char *map)
{
    lr_weights_info info;
    lr_error err;
    if (lr_gguf_read(path, map, &info, &err) != 0)
        fail_msg("%s: %s: %s", err.file, err.path, err.msg);
    return info;
}

/* llama.cpp writes Mixtral as llama with experts: the variant applies. */
static void
test_gguf_mixtral(void **state)
{
    (void)state;
    char *path = small_file("llama", 3, mixtral_kv, 1);
    lr_weights_info info = read_ok(path, KEY_MAP);
    /* 8 x 16 F32 (512 B) + 8 x 16 BF16 (256 B): 256 params, 768 B, 24 bits */
    assert_true(info.params == 256 && info.bytes == 768 && info.eff_bits == 24);
    json_t *cfg = config_of(&info);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0)),
                        "MixtralForCausalLM");
    assert_string_equal(json_string_value(json_object_get(cfg, "model_type")), "mixtral");
    assert_int_equal(cfg_int(cfg, "num_local_experts"), 8);
    assert_int_equal(cfg_int(cfg, "num_experts_per_tok"), 2);
    assert_int_equal(cfg_int(cfg, "vocab_size"), 16);
    assert_true(json_is_false(json_object_get(cfg, "tie_word_embeddings")));
    json_decref(cfg);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

/* DeepSeek-V3 as llama.cpp writes it: MLA in absorbed form. */
static void
deepseek_kv(wb *b)
{
    kv_u32(b, "deepseek2.attention.head_count", 128);
    kv_u32(b, "deepseek2.attention.head_count_kv", 1);
    kv_u32(b, "deepseek2.attention.key_length", 576);
    kv_u32(b, "deepseek2.attention.value_length", 512);
    kv_u32(b, "deepseek2.attention.key_length_mla", 192);
    kv_u32(b, "deepseek2.attention.value_length_mla", 128);
    kv_u32(b, "deepseek2.rope.dimension_count", 64);
    kv_u32(b, "deepseek2.expert_count", 256);
    kv_u32(b, "deepseek2.expert_gating_func", 2);
}

static void
test_gguf_deepseek(void **state)
{
    (void)state;
    char *path = small_file("deepseek2", 9, deepseek_kv, 1);
    lr_weights_info info = read_ok(path, KEY_MAP);
    json_t *cfg = config_of(&info);
    assert_string_equal(json_string_value(json_object_get(cfg, "model_type")), "deepseek_v3");
    assert_int_equal(cfg_int(cfg, "qk_nope_head_dim"), 128); /* 192 - 64 */
    assert_int_equal(cfg_int(cfg, "qk_rope_head_dim"), 64);
    assert_int_equal(cfg_int(cfg, "v_head_dim"), 128); /* value_length_mla wins */
    assert_int_equal(cfg_int(cfg, "num_key_value_heads"), 128);
    assert_int_equal(cfg_int(cfg, "n_routed_experts"), 256);
    assert_null(json_object_get(cfg, "head_dim"));
    assert_true(json_is_null(json_object_get(cfg, "q_lora_rank")));
    json_decref(cfg);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

static void
no_kv(wb *b)
{
    (void)b;
}

static char *
write_text(const char *text)
{
    return tu_tmpfile(text, ".json");
}

/* An architecture the map lacks: no config, still a success; a malformed
 * map is an error naming the map. */
static void
test_gguf_key_map(void **state)
{
    (void)state;
    char *path = small_file("mamba", 0, no_kv, 0);
    lr_weights_info info = read_ok(path, KEY_MAP);
    assert_string_equal(info.arch, "mamba");
    assert_null(info.config_json);
    assert_true(info.params == 128 && info.bytes == 512 && info.eff_bits == 32);
    lr_weights_info_free(&info);

    static const struct {
        const char *text, *path, *msg;
    } bad[] = {
        {"{\"architectures\": {\"llama\": {\"architectures\": \"X\", \"model_type\": \"x\"}}}",
         "architectures.llama.architectures", "non-empty array"},
        {"{\"architectures\": {\"llama\": {\"architectures\": [\"X\"], \"model_type\": \"x\", "
         "\"keys\": {\"a\": 3}}}}",
         "architectures.llama.keys.a", "expected a name"},
        {"{\"architectures\": {\"llama\": {\"architectures\": [\"X\"], \"model_type\": \"x\", "
         "\"kyes\": {}}}}",
         "architectures.llama.kyes", "unknown field"},
        {"{\"architectures\": {\"llama\": {\"architectures\": [\"X\"], \"model_type\": \"x\", "
         "\"computed\": {\"a\": {\"pow\": [1, 2]}}}}}",
         "architectures.llama.computed.a.pow", "unknown field"},
        {"{\"architectures\": {}, \"covered\": [\"llama\"]}", "covered", "no entry"},
        {"{\"architectures\": {\"llama\": }", "", "unexpected token"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *map = write_text(bad[i].text);
        lr_error err;
        if (lr_gguf_read(path, map, &info, &err) == 0)
            fail_msg("map %zu accepted", i);
        assert_string_equal(err.file, map);
        assert_string_equal(err.path, bad[i].path);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("map %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
        if (!bad[i].path[0])
            assert_int_equal(err.line, 1);
        unlink(map);
        free(map);
    }
    unlink(path);
    free(path);
}

/* ---- GGUF: hostile files ---- */

/* The common start: a header (24 bytes) and general.architecture (8 + 20
 * bytes of key, 4 of type, 8 + 5 of value: 45 bytes), so the next record
 * is at offset 69. */
static void
start(wb *b, uint64_t ntensors, uint64_t nkv)
{
    header(b, 3, ntensors, nkv);
    kv_str(b, "general.architecture", "llama");
}

static void
test_gguf_bad_header(void **state)
{
    (void)state;
    wb b = {0};
    put(&b, "GGUX", 4), u32(&b, 3), u64(&b, 0), u64(&b, 0);
    gguf_fails(&b, 0, 0, "not a GGUF file: expected the magic \"GGUF\"", "offset 0");
    header(&b, 99, 0, 0);
    gguf_fails(&b, 0, 0, "unsupported GGUF version 99, expected 1, 2 or 3", "offset 4");
    header(&b, 0x03000000, 0, 0);
    gguf_fails(&b, 0, 0, "big-endian", "offset 4");
    put(&b, "GG", 2);
    gguf_fails(&b, 0, 0, "truncated file: expected 4 bytes of the magic", "offset 0");
    /* 2^50 tensors: each takes at least 24 bytes, and the file has none left */
    header(&b, 3, 1ULL << 50, 0);
    gguf_fails(&b, 0, 0, "tensor count 1125899906842624 cannot fit in the file", "offset 8");
    header(&b, 3, 0, 1ULL << 40);
    gguf_fails(&b, 0, 0, "metadata key/value count 1099511627776 cannot fit", "offset 16");
    header(&b, 3, 0, 0); /* no general.architecture */
    gguf_fails(&b, 0, 0, "every GGUF file names its architecture", "general.architecture");
    start(&b, 0, 2);
    kv_u32(&b, "general.alignment", 48);
    gguf_fails(&b, 0, 0, "48, expected a power of two", "general.alignment");
}

static void
test_gguf_bad_strings(void **state)
{
    (void)state;
    wb b = {0};
    /* a 20-byte key of which the file holds 5 bytes: the length is at 24 */
    header(&b, 3, 0, 1);
    u64(&b, 20), put(&b, "gener", 5);
    gguf_fails(&b, 0, 0, "a string of 20 bytes runs past the end of the file (5 bytes left)",
               "offset 24");
    /* a string value of 2^40 bytes; the key "general.architecture" (20
     * bytes) ends at 24 + 8 + 20 = 52, its type at 56 */
    header(&b, 3, 0, 1);
    str(&b, "general.architecture"), u32(&b, T_STR), u64(&b, 1ULL << 40), put(&b, "llama", 5);
    gguf_fails(&b, 0, 0, "key 'general.architecture': a string of 1099511627776 bytes runs past",
               "offset 56");
    /* the file ends inside a u32 value */
    start(&b, 0, 2);
    str(&b, "llama.block_count"), u32(&b, T_U32), put(&b, "\1\0", 2);
    gguf_fails(&b, 0, 0, "truncated file: expected 4 bytes of uint32", "offset");
    /* a key that is not UTF-8 (0xC3 0x28: a lead byte without continuation) */
    start(&b, 0, 2);
    str(&b, "llama.\xc3\x28"), u32(&b, T_U32), u32(&b, 1);
    gguf_fails(&b, 0, 0, "metadata key is not valid UTF-8", "offset 69");
    start(&b, 0, 2);
    kv_u32(&b, "general.architecture", 1);
    gguf_fails(&b, 0, 0, "duplicate metadata key 'general.architecture'", "offset 69");
    /* key 69 + 8 + 6, type 83, value 87 */
    start(&b, 0, 2);
    str(&b, "x.flag"), u32(&b, T_BOOL), put_le(&b, 2, 1);
    gguf_fails(&b, 0, 0, "key 'x.flag': bool value 2, expected 0 or 1", "offset 87");
    start(&b, 0, 2);
    str(&b, "x.what"), u32(&b, 13), u32(&b, 0);
    gguf_fails(&b, 0, 0, "key 'x.what': unknown value type 13, expected 0 to 12", "offset 83");
}

static void
test_gguf_bad_arrays(void **state)
{
    (void)state;
    wb b = {0};
    /* 2^40 uint32 elements in a small file; key 69 + 8 + 5, type 82, element
     * type 86, count 90 */
    start(&b, 0, 2);
    str(&b, "x.arr"), u32(&b, T_ARR), u32(&b, T_U32), u64(&b, 1ULL << 40), u32(&b, 1);
    gguf_fails(&b, 0, 0, "an array of 1099511627776 uint32 elements cannot fit", "offset 90");
    /* nine nested arrays (the value, then eight arrays of one array each,
     * the last holding no uint8): one more than the bound of 8 */
    start(&b, 0, 2);
    str(&b, "x.deep"), u32(&b, T_ARR);
    for (int i = 0; i < 8; i++)
        u32(&b, T_ARR), u64(&b, 1);
    u32(&b, T_U8), u64(&b, 0);
    gguf_fails(&b, 0, 0, "key 'x.deep': arrays nested deeper than 8 levels", "offset");
    /* eight levels are read */
    start(&b, 0, 2);
    str(&b, "x.deep"), u32(&b, T_ARR);
    for (int i = 0; i < 7; i++)
        u32(&b, T_ARR), u64(&b, 1);
    u32(&b, T_U8), u64(&b, 0);
    char *path = wb_file(&b, 0, 0);
    lr_weights_info info = read_ok(path, NULL);
    assert_int_equal(info.ntensors, 0);
    assert_true(info.params == 0 && info.eff_bits == 0);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

/* One tensor info after general.architecture: it starts at offset 69. */
static void
one_tensor(wb *b, const char *name, uint32_t nd, const uint64_t *dims, uint32_t type, uint64_t off)
{
    start(b, 1, 1);
    tensor(b, name, nd, dims, type, off);
}

static void
test_gguf_bad_tensors(void **state)
{
    (void)state;
    wb b = {0};
    /* name "w" (8 + 1 bytes) ends at 78: n_dims is at 78, dims from 82;
     * with one dimension the type is at 90 and the offset at 94 */
    one_tensor(&b, "w", 7, (uint64_t[]){1, 1, 1, 1, 1, 1, 1}, G_F32, 0);
    gguf_fails(&b, 32, 4, "tensor 'w': 7 dimensions, expected at most 4", "offset 78");
    one_tensor(&b, "w", 2, (uint64_t[]){4, 0}, G_F32, 0);
    gguf_fails(&b, 32, 0, "tensor 'w': dimension 1 is 0, expected at least 1", "offset 90");
    /* 2^31 x 2^31 = 2^62 elements, x 2 is past the bound */
    one_tensor(&b, "w", 3, (uint64_t[]){1ULL << 31, 1ULL << 31, 2}, G_F32, 0);
    gguf_fails(&b, 32, 0, "tensor 'w': the shape has more than 2^62 elements", "offset 98");
    one_tensor(&b, "w", 1, (uint64_t[]){32}, 999, 0);
    gguf_fails(&b, 32, 128, "tensor 'w': unknown ggml type 999", "offset 90");
    /* Q4_K stores 256-element blocks: a first dimension of 100 cannot be one */
    one_tensor(&b, "w", 2, (uint64_t[]){100, 256}, G_Q4_K, 0);
    gguf_fails(&b, 32, 1 << 20, "first dimension 100 is not a multiple of the block size of Q4_K",
               "offset 98");
    one_tensor(&b, "w", 1, (uint64_t[]){8}, G_F32, 16);
    gguf_fails(&b, 32, 64, "data offset 16 is not a multiple of the alignment 32", "offset 94");
    one_tensor(&b, "w\xff", 1, (uint64_t[]){8}, G_F32, 0);
    gguf_fails(&b, 32, 32, "tensor name is not valid UTF-8", "offset 69");
    one_tensor(&b, "a-name-longer-than-ggml-allows-because-it-has-sixty-four-bytes!!", 1,
               (uint64_t[]){8}, G_F32, 0);
    gguf_fails(&b, 32, 32, "a string of 64 bytes, expected at most 63", "offset 69");
    /* the first tensor info takes 9 + 4 + 8 + 4 + 8 = 33 bytes: 69 to 102 */
    start(&b, 2, 1);
    tensor(&b, "w", 1, (uint64_t[]){8}, G_F32, 0);
    tensor(&b, "w", 1, (uint64_t[]){8}, G_F32, 32);
    gguf_fails(&b, 32, 64, "duplicate tensor name 'w'", "offset 102");
}

/* ---- safetensors ---- */

/* Writes an 8-byte length, the header padded with spaces to a multiple of
 * 8 (as the reference writer does), and `data` zero bytes. */
static char *
st_write(const char *dir, const char *name, const char *hdr, uint64_t data)
{
    char *path;
    int fd;
    if (dir) {
        path = malloc(strlen(dir) + strlen(name) + 2);
        sprintf(path, "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    } else {
        path = strdup("/tmp/llmroof-st-XXXXXX");
        fd = mkstemp(path);
    }
    assert_true(fd >= 0);
    size_t n = strlen(hdr), padded = (n + 7) / 8 * 8;
    wb b = {0};
    u64(&b, padded);
    put(&b, hdr, n);
    for (size_t i = n; i < padded; i++)
        put(&b, " ", 1);
    assert_true(write(fd, b.p, b.n) == (ssize_t)b.n);
    assert_int_equal(ftruncate(fd, (off_t)(b.n + data)), 0);
    close(fd);
    free(b.p);
    return path;
}

/*
 *   a.weight F16  [4, 8]:  32 elements x 2 B = 64 B   [0, 64)
 *   b.weight BF16 [16]:    16 elements x 2 B = 32 B   [64, 96)
 *   c.bias   F32  [2, 3]:   6 elements x 4 B = 24 B   [96, 120)
 *   d.fp4    F4   [2, 3]:   6 elements x 4 bits = 3 B [120, 123)
 * params = 32 + 16 + 6 + 6 = 60, bytes = 64 + 32 + 24 + 3 = 123,
 * eff_bits = 123 * 8 / 60 = 16.4
 */
static const char st_single[] =
    "{\"__metadata__\": {\"format\": \"pt\"},"
    " \"a.weight\": {\"dtype\": \"F16\", \"shape\": [4, 8], \"data_offsets\": [0, 64]},"
    " \"b.weight\": {\"dtype\": \"BF16\", \"shape\": [16], \"data_offsets\": [64, 96]},"
    " \"c.bias\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [96, 120]},"
    " \"d.fp4\": {\"dtype\": \"F4\", \"shape\": [2, 3], \"data_offsets\": [120, 123]}}";

static void
test_st_single(void **state)
{
    (void)state;
    char *path = st_write(NULL, NULL, st_single, 123);
    lr_weights_info info;
    lr_error err;
    if (lr_safetensors_read(path, &info, &err) != 0)
        fail_msg("%s: %s", err.path, err.msg);
    assert_int_equal(info.ntensors, 4);
    assert_string_equal(info.tensors[0].name, "a.weight");
    assert_string_equal(info.tensors[0].dtype, "F16");
    assert_true(info.tensors[0].elements == 32 && info.tensors[0].bytes == 64);
    assert_string_equal(info.tensors[3].dtype, "F4");
    assert_true(info.tensors[3].elements == 6 && info.tensors[3].bytes == 3);
    assert_true(info.params == 60);
    assert_true(info.bytes == 123);
    assert_true(info.eff_bits == 123.0 * 8 / 60);
    assert_null(info.arch);
    assert_null(info.config_json);
    lr_weights_info_free(&info);
    unlink(path);
    free(path);
}

/*
 * Two shards:
 *   model-00001-of-00002: x F32 [10] = 40 B [0, 40); y F16 [3, 4] = 24 B [40, 64)
 *   model-00002-of-00002: z BF16 [5] = 10 B [0, 10)
 * params = 10 + 12 + 5 = 27, bytes = 40 + 24 + 10 = 74, eff_bits = 592 / 27
 */
#define SHARD1 "model-00001-of-00002.safetensors"
#define SHARD2 "model-00002-of-00002.safetensors"
static const char st_shard1[] =
    "{\"x\": {\"dtype\": \"F32\", \"shape\": [10], \"data_offsets\": [0, 40]},"
    " \"y\": {\"dtype\": \"F16\", \"shape\": [3, 4], \"data_offsets\": [40, 64]}}";
static const char st_shard2[] =
    "{\"z\": {\"dtype\": \"BF16\", \"shape\": [5], \"data_offsets\": [0, 10]}}";
static const char st_index[] =
    "{\"metadata\": {\"total_size\": 74}, \"weight_map\": {"
    "\"x\": \"" SHARD1 "\", \"y\": \"" SHARD1 "\", \"z\": \"" SHARD2 "\"}}";

static char *
index_file(const char *dir, const char *text)
{
    char *p = malloc(strlen(dir) + 64);
    sprintf(p, "%s/model.safetensors.index.json", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void
rm_files(const char *dir, char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (paths[i])
            unlink(paths[i]);
        free(paths[i]);
    }
    rmdir(dir);
}

static void
st_dir_fails(const char *dir, const char *file_part, const char *path_part, const char *msg_part)
{
    lr_weights_info info;
    lr_error err;
    if (lr_safetensors_read(dir, &info, &err) == 0)
        fail_msg("read but should fail with '%s'", msg_part);
    assert_null(info.tensors);
    if (!strstr(err.file, file_part) || !strstr(err.path, path_part) || !strstr(err.msg, msg_part))
        fail_msg("got %s: %s: %s; expected %s, %s, %s", err.file, err.path, err.msg, file_part,
                 path_part, msg_part);
}

static void
test_st_sharded(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmroof-st-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *files[3] = {st_write(dir, SHARD1, st_shard1, 64), st_write(dir, SHARD2, st_shard2, 10),
                      index_file(dir, st_index)};
    lr_weights_info info;
    lr_error err;
    if (lr_safetensors_read(dir, &info, &err) != 0)
        fail_msg("%s: %s: %s", err.file, err.path, err.msg);
    assert_int_equal(info.ntensors, 3);
    assert_true(info.params == 27);
    assert_true(info.bytes == 74);
    assert_true(info.eff_bits == 592.0 / 27);
    lr_weights_info_free(&info);
    /* the index file itself reads the same */
    if (lr_safetensors_read(files[2], &info, &err) != 0)
        fail_msg("%s: %s: %s", err.file, err.path, err.msg);
    assert_true(info.ntensors == 3 && info.params == 27 && info.bytes == 74);
    lr_weights_info_free(&info);

    /* z in both shards */
    unlink(files[1]);
    free(files[1]);
    files[1] = st_write(dir, SHARD2, st_shard1, 64);
    st_dir_fails(dir, SHARD2, "x", "duplicate tensor: also in");
    /* a shard the index names is missing */
    unlink(files[1]);
    st_dir_fails(dir, "model.safetensors.index.json", "weight_map",
                 "shard '" SHARD2 "' listed in the index is missing");
    /* z is listed but its shard does not have it */
    free(files[1]);
    files[1] = st_write(dir, SHARD2, "{}", 0);
    st_dir_fails(dir, "model.safetensors.index.json", "weight_map.z",
                 "tensor not found in its shard");
    rm_files(dir, files, 3);
}

/* A directory with a single model.safetensors, and one with nothing. */
static void
test_st_dir_single(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmroof-st-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    st_dir_fails(dir, dir, "", "no model.safetensors.index.json or model.safetensors");
    char *files[1] = {st_write(dir, "model.safetensors", st_single, 123)};
    lr_weights_info info;
    lr_error err;
    if (lr_safetensors_read(dir, &info, &err) != 0)
        fail_msg("%s: %s: %s", err.file, err.path, err.msg);
    assert_true(info.params == 60 && info.bytes == 123);
    lr_weights_info_free(&info);
    rm_files(dir, files, 1);
}

static void
st_fails(const char *hdr, uint64_t data, const char *path_part, const char *msg_part)
{
    char *path = st_write(NULL, NULL, hdr, data);
    st_dir_fails(path, path, path_part, msg_part);
    unlink(path);
    free(path);
}

static void
test_st_bad(void **state)
{
    (void)state;
    char *path = tu_tmpfile("abc", ".safetensors");
    st_dir_fails(path, path, "offset 0", "a file of 3 bytes: expected at least the 8-byte");
    unlink(path);
    free(path);
    wb b = {0};
    u64(&b, 1000), put(&b, "{}", 2);
    path = wb_file(&b, 0, 0);
    st_dir_fails(path, path, "offset 0", "header length 1000 runs past the end of the file");
    unlink(path);
    free(path);
    /* 200 MB claimed and present (a sparse file): past the reference limit */
    u64(&b, 200000000);
    path = wb_file(&b, 8, 200000000);
    st_dir_fails(path, path, "offset 0", "expected at most 100000000 bytes");
    unlink(path);
    free(path);
    st_fails("{\"a\": {\"dtype\": \"F16\",, }}", 0, "offset 31", "malformed JSON header");
    st_fails("{\"a\": {\"dtype\": \"F12\", \"shape\": [4], \"data_offsets\": [0, 8]}}", 8,
             "a.dtype", "unknown dtype 'F12'");
    st_fails("{\"a\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 10]}}", 10,
             "a.data_offsets", "[0, 10] holds 10 bytes, but the shape and dtype F16 need 8");
    st_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 16,
             "a.data_offsets", "lies beyond the end of the file");
    st_fails("{\"a\": {\"dtype\": \"F4\", \"shape\": [3], \"data_offsets\": [0, 2]}}", 2, "a.shape",
             "not a whole number of bytes");
    st_fails("{\"a\": {\"dtype\": \"F16\", \"shape\": [4, -1], \"data_offsets\": [0, 8]}}", 8,
             "a.shape", "dimension 1: expected a non-negative integer");
    st_fails("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
             " \"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [2, 6]}}",
             8, "b.data_offsets", "overlaps the data of 'a'");
    st_fails("{\"a\": {}, \"a\": {}}", 0, "offset", "duplicate object key");
    st_fails("[1, 2]", 0, "offset 8", "not an object");
    st_fails("{\"w\xff\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1,
             "offset", "malformed JSON header");
}

/* The line and column of a JSON error in the header are jansson's. */
static void
test_st_json_position(void **state)
{
    (void)state;
    char *path = st_write(NULL, NULL, "{\"a\":\n  {\"dtype\" \"F16\"}}", 0);
    lr_weights_info info;
    lr_error err;
    assert_int_equal(lr_safetensors_read(path, &info, &err), -1);
    /* jansson points after the unexpected token: "F16" spans columns 12-16 */
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 16);
    char buf[2048];
    lr_error_format(&err, buf, sizeof buf);
    assert_non_null(strstr(buf, ":2:16: offset"));
    unlink(path);
    free(path);
}

/* ---- weight files against the model (src/eval/weights_check.c) ---- */

/* A GGUF arch's bytes and elements give the bits: 123 B for 60 weights is
 * 123 * 8 / 60 = 16.4 bits; below one bit is taken as 1; none: 0. */
static void
test_weight_bits(void **state)
{
    (void)state;
    lr_arch a;
    memset(&a, 0, sizeof a);
    assert_true(lr_arch_weight_bits(&a) == 0);
    a.weight_params = 60;
    a.weight_bytes = 123;
    assert_true(lr_arch_weight_bits(&a) == 123.0 * 8 / 60);
    a.weight_bytes = 3; /* 0.4 bits */
    assert_true(lr_arch_weight_bits(&a) == 1);
}

/* A 1-layer Llama (vocab 16, hidden 8, intermediate 16): 920 parameters,
 * embed 16*8 + 2 norms of 8 + q/k/v/o 4*64 + gate/up/down 3*128 + norm 8 +
 * lm_head 16*8. The safetensors beside it hold q_proj (64, a node of the
 * tree) and a 4-element extra_scale (no node): 68 against 920, the extra
 * named with the node path it lacks. */
static const char wc_config[] =
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": 16,"
    " \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1,"
    " \"num_attention_heads\": 2, \"num_key_value_heads\": 2, \"tie_word_embeddings\": false}";
static const char wc_st[] =
    "{\"model.layers.0.self_attn.q_proj.weight\": {\"dtype\": \"F32\", \"shape\": [8, 8],"
    " \"data_offsets\": [0, 256]},"
    " \"model.layers.0.self_attn.extra_scale.weight\": {\"dtype\": \"F32\", \"shape\": [4],"
    " \"data_offsets\": [256, 272]}}";

static void
test_safetensors_check(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmroof-wc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cfg[256];
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fputs(wc_config, f);
    fclose(f);
    lr_profile *prof = tu_profile(TU_DEFAULT, NULL);
    assert_non_null(prof);
    lr_error err;
    lr_arch *arch = lr_arch_from_hf_config(cfg, TU_DEFAULT "/architectures", &err);
    if (!arch)
        fail_msg("%s", err.msg);
    lr_plan *plan = lr_plan_new(arch, lr_profile_db(prof), &err);
    assert_non_null(plan);
    assert_true(lr_plan_params(plan) == 920);

    lr_safetensors_check c;
    assert_int_equal(lr_safetensors_check_model(plan, dir, &c, &err), 0);
    assert_int_equal(c.checked, 0); /* no safetensors yet */
    lr_safetensors_check_free(&c);

    char *st = st_write(dir, "model.safetensors", wc_st, 272);
    /* the directory, or the config file in it */
    const char *models[] = {dir, cfg};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(lr_safetensors_check_model(plan, models[k], &c, &err), 0);
        assert_int_equal(c.checked, 1);
        assert_true(c.file_params == 68);
        assert_int_equal(c.ntensors, 2);
        assert_true(c.tree_params == 920);
        assert_int_equal(c.nmissing, 1);
        assert_string_equal(c.missing[0].name, "model.layers.0.self_attn.extra_scale.weight");
        assert_string_equal(c.missing[0].node, "model.layers.self_attn.extra_scale");
        assert_true(c.missing[0].elements == 4);
        lr_safetensors_check_free(&c);
    }
    unlink(st);
    free(st);
    unlink(cfg);
    rmdir(dir);
    lr_plan_free(plan);
    lr_arch_free(arch);
    lr_profile_free(prof);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gguf_tiny_llama),  cmocka_unit_test(test_gguf_model_load),
        cmocka_unit_test(test_gguf_header_only), cmocka_unit_test(test_gguf_coverage),
        cmocka_unit_test(test_gguf_config),      cmocka_unit_test(test_gguf_versions),
        cmocka_unit_test(test_gguf_mixtral),     cmocka_unit_test(test_gguf_deepseek),
        cmocka_unit_test(test_gguf_key_map),     cmocka_unit_test(test_gguf_bad_header),
        cmocka_unit_test(test_gguf_bad_strings), cmocka_unit_test(test_gguf_bad_arrays),
        cmocka_unit_test(test_gguf_bad_tensors), cmocka_unit_test(test_st_single),
        cmocka_unit_test(test_st_sharded),       cmocka_unit_test(test_st_dir_single),
        cmocka_unit_test(test_st_bad),           cmocka_unit_test(test_st_json_position),
        cmocka_unit_test(test_weight_bits),      cmocka_unit_test(test_safetensors_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
