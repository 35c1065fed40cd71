/*
 * vars.c: the runtime variables every formula may use ({B}, {S}, {ctx},
 * {w_bytes}, ...): their names and aliases, and their values for given
 * settings and hardware. The default settings live here too, since they are
 * the defaults of these variables; the settings table (eval/settings.c)
 * describes each setting to users.
 */
#include <string.h>

#include "formula/formula.h"

/* ORDER: follows enum lr_var. */
static const char *const var_names[] = {
    "B",
    "S",
    "ctx",
    "w_bytes",
    "a_bytes",
    "kv_bytes",
    "logit_tokens",
    "prefill",
    "w_bit",
    "a_bit",
    "kv_bit",
    "flash",
    "causal",
    "a_fp8",
    "w_scale_bytes",
    "kv_scale_bytes",
    "onchip_bytes",
    "sm_sram_bytes",
    "tp",
    "pp",
    "ep",
    "compute_capability",
    "compute_units",
    "fp16_acc",
    "dp",
    "mtp",
    "w_emb_bytes",
    "w_emb_scale_bytes",
    "w_emb_bit",
    "w_head_bytes",
    "w_head_scale_bytes",
    "w_head_bit",
    "w16_bytes",
    "w16_bit",
    "images",
    "image_w",
    "image_h",
};
_Static_assert(sizeof var_names / sizeof var_names[0] == LR_NVARS, "a name for every lr_var");

static const struct {
    const char *alias;
    enum lr_var v;
} var_aliases[] = {
    {"w_dtype_bytes", LR_V_W_BYTES}, /* the prototype's names */
    {"a_dtype_bytes", LR_V_A_BYTES},
    {"kv_dtype_bytes", LR_V_KV_BYTES},
};

const char *const lr_wrole_names[LR_NWROLES] = {"", "quantized", "embedding", "lm_head", "keep"};

int
lr_wrole_lookup(const char *name)
{
    for (int i = 1; name && i < LR_NWROLES; i++)
        if (strcmp(lr_wrole_names[i], name) == 0)
            return i;
    return -1;
}

const char *
lr_var_name(enum lr_var v)
{
    return (unsigned)v < LR_NVARS ? var_names[v] : "?";
}

int
lr_var_lookup(const char *name)
{
    for (int i = 0; i < LR_NVARS; i++)
        if (strcmp(var_names[i], name) == 0)
            return i;
    for (size_t i = 0; i < sizeof var_aliases / sizeof var_aliases[0]; i++)
        if (strcmp(var_aliases[i].alias, name) == 0)
            return (int)var_aliases[i].v;
    return -1;
}

void
lr_settings_default(lr_settings *s)
{
    s->batch = 1;
    s->seq_len = 2048;
    s->w_bit = s->a_bit = s->kv_bit = 16;
    s->all_logits = 0;
    s->flash = 0;
    s->causal = 1;
    s->w_group = 0;
    s->w_asym = 0;
    s->kv_group = 0;
    s->a_fp8 = 0;
    s->tp = s->pp = s->ep = 1;
    s->microbatches = 1;
    s->fp16_acc = 0;
    s->dp = 1;
    s->mtp = 0;
    s->given = 0;
    /* vLLM's defaults: CacheConfig.block_size 16, gpu_memory_utilization
     * 0.9, max_num_batched_tokens 8192 for `vllm serve` on GPUs of 70 GiB
     * or more other than A100 (EngineArgs.get_batch_defaults; 2048 below) */
    s->kv_block = 16;
    s->max_batched_tokens = 8192;
    s->mem_util = 0.9;
    s->allow_long_context = 0;
    memset(s->engine, 0, sizeof s->engine); /* the profile's default engine */
    s->quant = 0;
    s->quantize_embeddings = 0;
    s->w_scale_bits = 16;
    s->w_zero_bits = 16;
    s->w_head_bit = 0;
    s->images = 0; /* text only: analyses of text models stay as they are */
    memset(s->image_size, 0, sizeof s->image_size);
    s->image_tokens = 0;
    s->runtime_bytes = -1; /* the hardware's */
}

/* A whole number of pixels, 1 to 1e6, in decimal digits only (strtod
 * would read "0x480" as hexadecimal); *end after it. */
static int
pixels(const char *p, const char **end, double *v)
{
    double n = 0;
    const char *q = p;
    for (; *q >= '0' && *q <= '9'; q++)
        if ((n = n * 10 + (*q - '0')) > 1e6)
            return -1;
    *end = q;
    *v = n;
    return q > p && n >= 1 ? 0 : -1;
}

int
lr_image_size_parse(const char *text, double *w, double *h)
{
    *w = *h = 0;
    if (!text[0])
        return 0;
    const char *end;
    double a, b;
    if (pixels(text, &end, &a) < 0)
        return -1;
    b = a;
    if ((*end == 'x' || *end == 'X') && pixels(end + 1, &end, &b) < 0)
        return -1;
    if (*end)
        return -1;
    *w = a;
    *h = b;
    return 0;
}

void
lr_stage_vars(const lr_settings *s, const lr_hw *hw, int prefill, double *vars)
{
    lr_settings mb = *s;
    mb.batch = s->batch / (s->dp * s->microbatches);
    lr_set_vars(vars, &mb, hw, prefill);
}

/* The widths of the weight roles (enum lr_wrole). Weights kept out of
 * quantization stay in the checkpoint's 16-bit type (or the wider one of a
 * 32-bit run); embeddings and lm_head follow the quantized width only with
 * quantize_embeddings, and a preset may give lm_head its own type. */
static void
set_role_vars(double *v, const lr_settings *s)
{
    double keep = s->w_bit > 16 ? s->w_bit : 16;
    v[LR_V_W16_BIT] = keep;
    v[LR_V_W16_BYTES] = keep / 8;
    int q = s->quantize_embeddings;
    v[LR_V_W_EMB_BIT] = q ? s->w_bit : keep;
    v[LR_V_W_EMB_BYTES] = v[LR_V_W_EMB_BIT] / 8;
    v[LR_V_W_EMB_SCALE_BYTES] = q ? v[LR_V_W_SCALE_BYTES] : 0;
    if (s->w_head_bit > 0) {
        v[LR_V_W_HEAD_BIT] = s->w_head_bit;
        v[LR_V_W_HEAD_SCALE_BYTES] = 0; /* a block type's bits include its scales */
    } else {
        v[LR_V_W_HEAD_BIT] = v[LR_V_W_EMB_BIT];
        v[LR_V_W_HEAD_SCALE_BYTES] = v[LR_V_W_EMB_SCALE_BYTES];
    }
    v[LR_V_W_HEAD_BYTES] = v[LR_V_W_HEAD_BIT] / 8;
}

void
lr_set_vars(double *v, const lr_settings *s, const lr_hw *hw, int prefill)
{
    v[LR_V_B] = s->batch;
    /* the images' tokens are part of the prompt (and so of the context) */
    v[LR_V_S] = prefill ? s->seq_len + s->image_tokens : 1;
    v[LR_V_CTX] = s->seq_len + s->image_tokens;
    v[LR_V_W_BYTES] = s->w_bit / 8.0;
    v[LR_V_A_BYTES] = s->a_bit / 8.0;
    v[LR_V_KV_BYTES] = s->kv_bit / 8.0;
    v[LR_V_LOGIT_TOKENS] = (prefill && s->all_logits) ? s->seq_len + s->image_tokens : 1;
    v[LR_V_PREFILL] = prefill;
    v[LR_V_W_BIT] = s->w_bit;
    v[LR_V_A_BIT] = s->a_bit;
    v[LR_V_KV_BIT] = s->kv_bit;
    v[LR_V_FLASH] = s->flash;
    v[LR_V_CAUSAL] = s->causal;
    v[LR_V_A_FP8] = s->a_fp8;
    /* a group stores a scale (16 bits unless a preset says), and a zero
     * point if asymmetric */
    v[LR_V_W_SCALE_BYTES] =
        s->w_group > 0 ? (s->w_scale_bits + (s->w_asym ? s->w_zero_bits : 0)) / 8 / s->w_group : 0;
    set_role_vars(v, s);
    v[LR_V_KV_SCALE_BYTES] = s->kv_group > 0 ? 4.0 / s->kv_group : 0;
    v[LR_V_ONCHIP_BYTES] = hw ? hw->onchip_bytes : 0;
    v[LR_V_TP] = s->tp;
    v[LR_V_PP] = s->pp;
    v[LR_V_EP] = s->ep;
    v[LR_V_DP] = s->dp;
    v[LR_V_MTP] = s->mtp;
    v[LR_V_SM_SRAM_BYTES] = hw && hw->compute_units > 0 ? hw->onchip_bytes / hw->compute_units : 0;
    v[LR_V_COMPUTE_CAPABILITY] = hw ? hw->compute_capability : 0;
    v[LR_V_COMPUTE_UNITS] = hw ? hw->compute_units : 0;
    v[LR_V_FP16_ACC] = s->fp16_acc;
    v[LR_V_IMAGES] = s->images;
    if (lr_image_size_parse(s->image_size, &v[LR_V_IMAGE_W], &v[LR_V_IMAGE_H]) < 0)
        v[LR_V_IMAGE_W] = v[LR_V_IMAGE_H] = 0; /* lr_settings_check refuses it */
}
