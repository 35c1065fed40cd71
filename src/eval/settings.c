/*
 * settings.c: the settings table. Each analysis setting is one row: its
 * JSON name, its command-line spelling, type, range, unit and help, and
 * where it lives in lr_settings. Everything that reads settings from text
 * (the CLI's options, sweep lists, the web API, --set style overrides) goes
 * through lr_settings_set, so a setting is added in one place.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval/eval.h"

static const char *const attention_choices[] = {"eager", "flash", NULL};
static const char *const a_dtype_choices[] = {"int", "fp8", NULL};
/* The quantization presets' names, read from DATA/quant/presets.json on
 * first use (quant_load): "none", then the file's presets in its order. */
static const char *quant_choices[LR_MAX_PRESETS + 2] = {"none", NULL};

/* Where a row's value is stored: a double, an int or a char array member. */
enum store { ST_DOUBLE, ST_INT, ST_TEXT };

typedef struct row {
    lr_setting_info info;
    enum store store;
    size_t offset;
} row;

#define D(m) ST_DOUBLE, offsetof(lr_settings, m)
#define I(m) ST_INT, offsetof(lr_settings, m)
#define T(m) ST_TEXT, offsetof(lr_settings, m)

/* ORDER: the JSON output's "settings" object follows this order, and
 * lr_settings.given has one bit per row (at most 32 rows). */
static const row table[] = {
    {{"batch", "batch", LR_SET_WHOLE, 1, 1e9, NULL, "sequences", "sequences per batch"}, D(batch)},
    {{"seq_len", "seq-len", LR_SET_WHOLE, 1, 1e9, NULL, "tokens",
      "prompt length in prefill; tokens attended in decode, the new one included"},
     D(seq_len)},
    {{"w_bit", "w-bit", LR_SET_NUMBER, 1, 32, NULL, "bits",
      "bits per weight (fractional for mixed-type files such as GGUF Q4_K_M)"},
     D(w_bit)},
    {{"a_bit", "a-bit", LR_SET_WHOLE, 1, 32, NULL, "bits", "bits per activation"}, I(a_bit)},
    {{"kv_bit", "kv-bit", LR_SET_WHOLE, 1, 32, NULL, "bits",
      "bits per KV-cache element (default: a_bit)"},
     I(kv_bit)},
    {{"all_logits", "all-logits", LR_SET_FLAG, 0, 1, NULL, "",
      "prefill computes logits for every token, not only the last"},
     I(all_logits)},
    {{"attention", "attention", LR_SET_CHOICE, 0, 1, attention_choices, "",
      "eager (scores go through memory) or flash (fused) (default: the engine's; vllm, "
      "sglang, trtllm, lmdeploy: flash)"},
     I(flash)},
    {{"causal", "causal", LR_SET_FLAG, 0, 1, NULL, "",
      "causal masking (flash skips masked tiles); --no-causal turns it off"},
     I(causal)},
    {{"w_group_size", "w-group-size", LR_SET_WHOLE, 0, 1e9, NULL, "elements",
      "weights quantized in groups of this many, a scale (--w-scale-bits) each (0: none)"},
     D(w_group)},
    {{"w_asym", "w-asym", LR_SET_FLAG, 0, 1, NULL, "",
      "weight groups also store a zero point (--w-zero-bits)"},
     I(w_asym)},
    {{"kv_group_size", "kv-group-size", LR_SET_WHOLE, 0, 1e9, NULL, "elements",
      "KV cache quantized in groups of this many, scale and zero point each (0: none)"},
     D(kv_group)},
    {{"a_dtype", "a-dtype", LR_SET_CHOICE, 0, 1, a_dtype_choices, "",
      "the type of 8-bit activations: int or fp8"},
     I(a_fp8)},
    {{"tp", "tp", LR_SET_WHOLE, 1, 65536, NULL, "devices",
      "tensor parallel: heads and MLP columns split, two all-reduces per layer"},
     D(tp)},
    {{"pp", "pp", LR_SET_WHOLE, 1, 65536, NULL, "stages", "pipeline parallel: layers split"},
     D(pp)},
    {{"ep", "ep", LR_SET_WHOLE, 1, 65536, NULL, "devices",
      "expert parallel: MoE experts split over ep of the tp x dp devices (vLLM's "
      "--enable-expert-parallel is ep = tp x dp); must divide tp x dp"},
     D(ep)},
    {{"microbatches", "microbatches", LR_SET_WHOLE, 1, 65536, NULL, "",
      "pipeline micro-batches (the batch is split in this many)"},
     D(microbatches)},
    {{"kv_block_size", "kv-block-size", LR_SET_WHOLE, 1, 1e6, NULL, "tokens",
      "the KV cache is allocated in pages of this many tokens per sequence (default: the "
      "engine's; vllm 16)"},
     D(kv_block)},
    {{"max_batched_tokens", "max-batched-tokens", LR_SET_WHOLE, 1, 1e9, NULL, "tokens",
      "tokens of one forward pass (chunked prefill): its activation peak is reserved "
      "(default: the engine's; vllm 8192)"},
     D(max_batched_tokens)},
    {{"mem_util", "mem-util", LR_SET_NUMBER, 0.01, 1, NULL, "",
      "fraction of the device memory the engine uses (vLLM's gpu_memory_utilization; "
      "default: the engine's, vllm 0.9)"},
     D(mem_util)},
    {{"allow_long_context", "allow-long-context", LR_SET_FLAG, 0, 1, NULL, "",
      "accept sequences longer than the model's context (max_position_embeddings)"},
     I(allow_long_context)},
    {{"dp", "dp", LR_SET_WHOLE, 1, 65536, NULL, "devices",
      "data-parallel attention: the batch split over dp replicas of the attention, "
      "their MoE experts shared; devices = tp x pp x dp"},
     D(dp)},
    {{"engine", "engine", LR_SET_TEXT, 1, LR_ENGINE_MAX - 1, NULL, "",
      "engine whose efficiency and overheads give the expected times: ideal (the roofline), "
      "pytorch, vllm, sglang, trtllm, lmdeploy, llama.cpp, or any DATA/engines/NAME.json "
      "(default: the profile's, vllm; llm-viewer: ideal)"},
     T(engine)},
    {{"mtp", "mtp", LR_SET_FLAG, 0, 1, NULL, "",
      "run the model's multi-token-prediction layers (speculative decoding drafts); "
      "off: counted as parameters only"},
     I(mtp)},
    {{"quant", "quant", LR_SET_CHOICE, 0, 1, quant_choices, "",
      "a checkpoint format (data/quant/presets.json): weight bits, groups, scales, "
      "activation and KV-cache types, layers kept 16-bit; other options override it"},
     I(quant)},
    {{"quantize_embeddings", "quantize-embeddings", LR_SET_FLAG, 0, 1, NULL, "",
      "embeddings and lm_head at the weight width too (default: kept 16-bit)"},
     I(quantize_embeddings)},
    {{"w_scale_bits", "w-scale-bits", LR_SET_NUMBER, 1, 32, NULL, "bits",
      "bits of each weight group's scale (16: fp16; 8: e8m0 or e4m3)"},
     D(w_scale_bits)},
    {{"w_zero_bits", "w-zero-bits", LR_SET_NUMBER, 1, 32, NULL, "bits",
      "bits of each weight group's zero point with --w-asym (4: packed like the weights)"},
     D(w_zero_bits)},
    {{"images", "images", LR_SET_WHOLE, 0, 1e4, NULL, "images",
      "images per sequence for a vision-language model: its vision tower runs in prefill and "
      "the image tokens join the prompt (0: text only)"},
     D(images)},
    {{"image_size", "image-size", LR_SET_TEXT, 1, LR_ENGINE_MAX - 1, NULL, "pixels",
      "image width x height (WxH, or N for N x N; default: the model's, from its config)"},
     T(image_size)},
};
#undef D
#undef I
#undef T

enum { NROWS = sizeof table / sizeof table[0] };
_Static_assert(NROWS <= 32, "lr_settings.given has 32 bits");

/* ---- quantization presets (data/quant/presets.json) ---- */

/* One preset: what it sets when chosen (docs/quantization.md). */
typedef struct qpreset {
    double w_bit, w_group, w_scale_bits, w_zero_bits, w_head_bit;
    int w_asym, a_bit, a_fp8, kv_bit, quantize_embeddings;
} qpreset;

static qpreset presets[LR_MAX_PRESETS + 1]; /* [0]: none, the defaults */
static char preset_names[LR_MAX_PRESETS + 1][32];
static char quant_error[1200]; /* why the file did not load, "" if it did */
static pthread_once_t quant_once = PTHREAD_ONCE_INIT;

static int
qnum(json_t *o, const char *k, double lo, double hi, double def, double *out)
{
    json_t *v = json_object_get(o, k);
    if (!v) {
        *out = def;
        return 0;
    }
    *out = json_number_value(v);
    return json_is_number(v) && *out >= lo && *out <= hi ? 0 : -1;
}

/* Reads one preset; -1 names the key that is wrong in `bad`. */
static int
read_preset(json_t *o, qpreset *p, const char **bad)
{
    json_t *w = json_object_get(o, "weights"), *a = json_object_get(o, "activations"),
           *kv = json_object_get(o, "kv_cache");
    double d;
    const char *at = json_string_value(json_object_get(a, "type"));
    const char *emb = json_string_value(json_object_get(o, "embeddings"));
    json_t *head = json_object_get(o, "lm_head");
    if (!json_is_object(w) || qnum(w, "bits", 1, 32, -1, &p->w_bit) < 0 || p->w_bit < 0)
        return *bad = "weights.bits (a number from 1 to 32)", -1;
    if (qnum(w, "group_size", 0, 1e9, 0, &p->w_group) < 0)
        return *bad = "weights.group_size (elements per scale, 0: none)", -1;
    if (qnum(w, "scale_bits", 1, 32, 16, &p->w_scale_bits) < 0)
        return *bad = "weights.scale_bits (1 to 32)", -1;
    if (qnum(w, "zero_bits", 0, 32, 16, &p->w_zero_bits) < 0)
        return *bad = "weights.zero_bits (0 to 32)", -1;
    p->w_asym = json_is_true(json_object_get(w, "zero_point"));
    if (!json_is_object(a) || qnum(a, "bits", 1, 32, -1, &d) < 0 || d < 0 || d != floor(d))
        return *bad = "activations.bits (a whole number from 1 to 32)", -1;
    p->a_bit = (int)d;
    if (at && strcmp(at, "fp") && strcmp(at, "int") && strcmp(at, "fp8"))
        return *bad = "activations.type (\"fp\", \"int\" or \"fp8\")", -1;
    p->a_fp8 = at && strcmp(at, "fp8") == 0;
    if (!json_is_object(kv) || qnum(kv, "bits", 1, 32, -1, &d) < 0 || d < 0 || d != floor(d))
        return *bad = "kv_cache.bits (a whole number from 1 to 32)", -1;
    p->kv_bit = (int)d;
    if (!emb || (strcmp(emb, "keep") && strcmp(emb, "quantized")))
        return *bad = "embeddings (\"keep\" or \"quantized\")", -1;
    p->quantize_embeddings = strcmp(emb, "quantized") == 0;
    p->w_head_bit = 0;
    if (head && (!json_is_object(head) || qnum(head, "bits", 1, 32, 0, &p->w_head_bit) < 0))
        return *bad = "lm_head ({\"bits\": N}: its own type, or absent: as the embeddings)", -1;
    return 0;
}

static void
quant_load(void)
{
    lr_settings d;
    lr_settings_default(&d);
    presets[0] =
        (qpreset){d.w_bit,  d.w_group, d.w_scale_bits, d.w_zero_bits, d.w_head_bit,
                  d.w_asym, d.a_bit,   d.a_fp8,        d.kv_bit,      d.quantize_embeddings};
    char *path = lr_xasprintf("%s/quant/presets.json", lr_data_dir());
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    json_t *list = json_object_get(root, "presets");
    if (!json_is_array(list)) {
        snprintf(quant_error, sizeof quant_error, "%s: %s", path,
                 root ? "expected {\"presets\": [...]}" : je.text);
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(list) && n < LR_MAX_PRESETS; i++) {
        json_t *o = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(o, "name")), *bad = NULL;
        if (!name || !*name || strlen(name) >= sizeof preset_names[0]) {
            snprintf(quant_error, sizeof quant_error, "%s: presets[%zu].name: expected a name",
                     path, i);
            goto out;
        }
        if (read_preset(o, &presets[n + 1], &bad) < 0) {
            snprintf(quant_error, sizeof quant_error, "%s: presets[%zu] (%s): expected %s", path, i,
                     name, bad);
            goto out;
        }
        snprintf(preset_names[n + 1], sizeof preset_names[0], "%s", name);
        n++;
    }
    for (size_t i = 1; i <= n; i++)
        quant_choices[i] = preset_names[i];
    quant_choices[n + 1] = NULL;
out:
    json_decref(root);
    free(path);
}

static void
quant_ready(void)
{
    pthread_once(&quant_once, quant_load);
}

/* Sets what preset k sets, except the settings the user gave. */
static void
apply_preset(lr_settings *s, int k)
{
    const qpreset *p = &presets[k];
#define PUT(field, name)                                                                           \
    do {                                                                                           \
        if (!lr_settings_given(s, name))                                                           \
            s->field = p->field;                                                                   \
    } while (0)
    PUT(w_bit, "w_bit");
    PUT(w_group, "w_group_size");
    PUT(w_scale_bits, "w_scale_bits");
    PUT(w_zero_bits, "w_zero_bits");
    PUT(w_asym, "w_asym");
    PUT(a_bit, "a_bit");
    PUT(a_fp8, "a_dtype");
    PUT(kv_bit, "kv_bit");
    PUT(quantize_embeddings, "quantize_embeddings");
#undef PUT
    s->w_head_bit = lr_settings_given(s, "w_bit") ? 0 : p->w_head_bit;
}

int
lr_quant_preset_index(const char *name)
{
    quant_ready();
    for (int i = 0; quant_choices[i]; i++)
        if (strcmp(quant_choices[i], name) == 0)
            return i;
    return -1;
}

int
lr_settings_apply_model(lr_settings *s, const lr_arch *arch, lr_error *err)
{
    lr_err_clear(err);
    const lr_arch_quant *q = &arch->quant;
    if (q->preset[0] && !lr_settings_given(s, "quant")) {
        int k = lr_quant_preset_index(q->preset);
        if (k < 0) {
            lr_err_set(err, q->source, "quantization_config",
                       "selects preset '%s', which %s/quant/presets.json lacks%s%s", q->preset,
                       lr_data_dir(), quant_error[0] ? ": " : "", quant_error);
            return -1;
        }
        s->quant = k;
        apply_preset(s, k);
        /* the config's own values over the preset's */
        if (q->w_bit > 0 && !lr_settings_given(s, "w_bit"))
            s->w_bit = q->w_bit;
        if (q->w_group != 0 && !lr_settings_given(s, "w_group_size"))
            s->w_group = q->w_group > 0 ? q->w_group : 0;
        if (q->w_asym >= 0 && !lr_settings_given(s, "w_asym"))
            s->w_asym = q->w_asym;
        if (q->kv_bit > 0 && !lr_settings_given(s, "kv_bit"))
            s->kv_bit = q->kv_bit;
    }
    /* a weight file's bits cover all its tensors, embeddings included */
    double bits = lr_arch_weight_bits(arch);
    if (bits > 0 && !lr_settings_given(s, "w_bit")) {
        s->w_bit = bits;
        if (!lr_settings_given(s, "quantize_embeddings"))
            s->quantize_embeddings = 1;
    }
    return 0;
}

size_t
lr_setting_count(void)
{
    return NROWS;
}

const lr_setting_info *
lr_setting_at(size_t i)
{
    quant_ready();
    return i < NROWS ? &table[i].info : NULL;
}

int
lr_setting_index(const char *name)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strcmp(table[i].info.name, name) == 0 || strcmp(table[i].info.option, name) == 0)
            return (int)i;
    return -1;
}

static double
get(const lr_settings *s, const row *r)
{
    const char *p = (const char *)s + r->offset;
    if (r->store == ST_TEXT)
        return 0; /* a text has no number */
    return r->store == ST_DOUBLE ? *(const double *)p : *(const int *)p;
}

static const char *
text_of(const lr_settings *s, const row *r)
{
    return (const char *)s + r->offset;
}

/* A name: 1 to max characters, letters, digits, '.', '_' and '-' (it
 * names a data file: no slash). */
static int
text_ok(const row *r, const char *t, size_t cap)
{
    size_t n = strnlen(t, cap);
    if (n < (size_t)r->info.min || n > (size_t)r->info.max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return t[0] != '.';
}

static void
put(lr_settings *s, const row *r, double v)
{
    char *p = (char *)s + r->offset;
    if (r->store == ST_DOUBLE)
        *(double *)p = v;
    else
        *(int *)p = (int)v;
}

static int
nchoices(const row *r)
{
    quant_ready();
    int n = 0;
    while (r->info.choices[n])
        n++;
    return n;
}

double
lr_settings_value(const lr_settings *s, size_t i)
{
    return i < NROWS ? get(s, &table[i]) : 0;
}

int
lr_settings_given(const lr_settings *s, const char *name)
{
    int i = lr_setting_index(name);
    return i >= 0 && (s->given >> i & 1u);
}

void
lr_settings_format(const lr_settings *s, size_t i, char *buf, size_t cap)
{
    if (i >= NROWS) {
        snprintf(buf, cap, "?");
        return;
    }
    const row *r = &table[i];
    double v = get(s, r);
    switch (r->info.type) {
    case LR_SET_FLAG: snprintf(buf, cap, "%s", v != 0 ? "true" : "false"); break;
    case LR_SET_CHOICE:
        /* a struct filled by hand may hold any int: no read past the names */
        snprintf(buf, cap, "%s", v >= 0 && v < nchoices(r) ? r->info.choices[(int)v] : "?");
        break;
    case LR_SET_TEXT: snprintf(buf, cap, "%.*s", LR_ENGINE_MAX - 1, text_of(s, r)); break;
    default: lr_fmt_double(buf, cap, v); break;
    }
}

static int
parse_flag(const char *text, double *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
            *out = strcasecmp(text, yes[i]) == 0;
            return 0;
        }
    }
    return -1;
}

static int
parse_choice(const char *const *choices, const char *text, double *out)
{
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], text) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

/* What a row accepts, for error messages. */
static void
expected(const row *r, char *buf, size_t cap)
{
    const lr_setting_info *in = &r->info;
    switch (in->type) {
    case LR_SET_WHOLE:
    case LR_SET_NUMBER: {
        char lo[40], hi[40];
        lr_fmt_double(lo, sizeof lo, in->min);
        lr_fmt_double(hi, sizeof hi, in->max);
        snprintf(buf, cap, "%s from %s to %s",
                 in->type == LR_SET_WHOLE ? "a whole number" : "a number", lo, hi);
        break;
    }
    case LR_SET_FLAG: snprintf(buf, cap, "true or false"); break;
    case LR_SET_TEXT:
        snprintf(buf, cap, "a name of 1 to %g letters, digits, '.', '_' or '-'", in->max);
        break;
    case LR_SET_CHOICE: {
        size_t n = 0;
        for (int i = 0; in->choices[i] && n < cap; i++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s",
                                  i ? (in->choices[i + 1] ? ", " : " or ") : "", in->choices[i]);
        break;
    }
    }
}

static int
in_range(const row *r, double v)
{
    if (r->info.type == LR_SET_WHOLE && v != floor(v))
        return 0;
    return v >= r->info.min && v <= r->info.max;
}

static int
set_text(lr_settings *s, size_t i, const char *value, lr_error *err)
{
    const row *r = &table[i];
    double w, h;
    if (r->offset == offsetof(lr_settings, image_size) &&
        (lr_image_size_parse(value, &w, &h) < 0 || !value[0])) {
        lr_err_set(err, "", r->info.name,
                   "%s: expected WxH or N in whole pixels (448x448, 336), got '%s'", r->info.name,
                   value);
        return -1;
    }
    if (!text_ok(r, value, strlen(value) + 1)) {
        char what[256];
        expected(r, what, sizeof what);
        lr_err_set(err, "", r->info.name, "%s: expected %s, got '%s'", r->info.name, what, value);
        return -1;
    }
    snprintf((char *)s + r->offset, LR_ENGINE_MAX, "%s", value);
    s->given |= 1u << i;
    return 0;
}

int
lr_settings_set(lr_settings *s, const char *name, const char *value, lr_error *err)
{
    lr_err_clear(err);
    int i = lr_setting_index(name);
    if (i < 0) {
        lr_err_set(err, "", name, "unknown setting '%s'", name);
        return -1;
    }
    const row *r = &table[i];
    double v = 0;
    int rc;
    if (r->info.type == LR_SET_TEXT)
        return set_text(s, (size_t)i, value, err);
    switch (r->info.type) {
    case LR_SET_FLAG: rc = parse_flag(value, &v); break;
    case LR_SET_CHOICE:
        quant_ready();
        rc = parse_choice(r->info.choices, value, &v);
        break;
    default: rc = lr_parse_number(value, &v) < 0 || !in_range(r, v) ? -1 : 0; break;
    }
    if (rc < 0 && r->info.choices == quant_choices && quant_error[0]) {
        lr_err_set(err, "", r->info.name, "%s: the presets did not load: %s", r->info.name,
                   quant_error);
        return -1;
    }
    if (rc < 0) {
        char what[1024];
        expected(r, what, sizeof what);
        lr_err_set(err, "", r->info.name, "%s: expected %s, got '%s'", r->info.name, what, value);
        return -1;
    }
    return lr_settings_put(s, (size_t)i, v, err);
}

int
lr_settings_put(lr_settings *s, size_t i, double v, lr_error *err)
{
    lr_err_clear(err);
    if (i >= NROWS) {
        lr_err_set(err, "", "", "no setting number %zu", i);
        return -1;
    }
    const row *r = &table[i];
    if (r->info.type == LR_SET_TEXT) {
        lr_err_set(err, "", r->info.name, "%s: a text setting, set by its name (lr_settings_set)",
                   r->info.name);
        return -1;
    }
    int ok = r->info.type == LR_SET_FLAG     ? v == 0 || v == 1
             : r->info.type == LR_SET_CHOICE ? v == floor(v) && v >= 0 && v < nchoices(r)
                                             : in_range(r, v);
    if (!ok) {
        char what[1024];
        expected(r, what, sizeof what);
        lr_err_set(err, "", r->info.name, "%s: expected %s, got %g", r->info.name, what, v);
        return -1;
    }
    put(s, r, v);
    s->given |= 1u << i;
    /* a preset sets the settings not given; those given later override it */
    if (r->info.choices == quant_choices)
        apply_preset(s, (int)v);
    /* the KV cache follows the activations unless told otherwise */
    if (strcmp(r->info.name, "a_bit") == 0 && !lr_settings_given(s, "kv_bit"))
        s->kv_bit = s->a_bit;
    return 0;
}

int
lr_settings_check(const lr_settings *s, lr_error *err)
{
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &table[i];
        double v = get(s, r);
        if (r->info.type == LR_SET_TEXT) {
            /* empty: the profile's default */
            const char *t = text_of(s, r);
            double w, h;
            if (r->offset == offsetof(lr_settings, image_size) &&
                lr_image_size_parse(t, &w, &h) < 0) {
                lr_err_set(err, "", r->info.name,
                           "%s must be WxH or N in whole pixels (448x448, 336), got '%s'",
                           r->info.name, t);
                return -1;
            }
            if (t[0] && !text_ok(r, t, LR_ENGINE_MAX)) {
                lr_err_set(err, "", r->info.name, "%s must be a name (letters, digits, . _ -)",
                           r->info.name);
                return -1;
            }
            continue;
        }
        if (r->info.type == LR_SET_FLAG) {
            if (v != 0 && v != 1) {
                lr_err_set(err, "", r->info.name, "%s must be 0 or 1, got %g", r->info.name, v);
                return -1;
            }
            continue;
        }
        if (r->info.type == LR_SET_CHOICE) {
            if (v < 0 || v >= nchoices(r)) {
                lr_err_set(err, "", r->info.name, "%s must be 0 to %d, got %g", r->info.name,
                           nchoices(r) - 1, v);
                return -1;
            }
            continue;
        }
        if (!in_range(r, v)) {
            char what[1024];
            expected(r, what, sizeof what);
            lr_err_set(err, "", r->info.name, "%s must be %s, got %g", r->info.name, what, v);
            return -1;
        }
    }
    return 0;
}

double
lr_settings_devices(const lr_settings *s)
{
    return s->tp * s->pp * s->dp;
}
