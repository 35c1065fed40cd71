/*
 * gguf.c: GGUF header reader. Reads the metadata and tensor infos of a
 * ggml/llama.cpp GGUF file (versions 1 to 3, little-endian) and never its
 * tensor data: values we do not keep are skipped with a seek. Every length
 * and count is checked against what is left of the real file before anything
 * is allocated, so a hostile header cannot make us allocate more than the
 * file's size, and every error names the byte offset of the field at fault.
 *
 * Per tensor we report the ggml type name, the element count and the stored
 * bytes (blocks x bytes per block); the sums give the effective bits per
 * weight. With a key map (data/gguf-keys.json) the architecture's
 * hyperparameters become an HF-style config.json, so a GGUF file can be
 * analysed through the same family templates as a HuggingFace checkpoint.
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "input/input.h"

#define GG_MAGIC "GGUF"
#define GG_MAX_DEPTH 8   /* array nesting; real files nest at most 2 */
#define GG_MAX_KEY 65535 /* the spec's key length limit */
#define GG_MAX_NAME 63   /* ggml's GGML_MAX_NAME (64) less the NUL */
#define GG_MAX_DIMS 4    /* ggml's GGML_MAX_DIMS */
#define GG_KEEP_STR 4096 /* longer string values (templates) are skipped */
#define GG_MAX_ELEMS (1ULL << 62)
#define GG_DEFAULT_ALIGN 32
#define GG_IOBUF (1 << 16)

/* ---- ggml tensor types (GGUF_NOTES.md §4) ---- */

typedef struct gg_type {
    uint32_t id;
    const char *name;
    uint32_t block; /* elements per block */
    uint32_t bytes; /* bytes per block */
} gg_type;

static const gg_type gg_types[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},      {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},      {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},  {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},  {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},   {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},    {40, "NVFP4", 64, 36},
    {41, "Q1_0", 128, 18},    {42, "Q2_0", 64, 18},
};

static const gg_type *
gg_type_find(uint32_t id)
{
    for (size_t i = 0; i < sizeof gg_types / sizeof gg_types[0]; i++)
        if (gg_types[i].id == id)
            return &gg_types[i];
    return NULL;
}

/* ---- metadata value types (GGUF_NOTES.md §2) ---- */

enum { GV_U8, GV_I8, GV_U16, GV_I16, GV_U32, GV_I32, GV_F32, GV_BOOL, GV_STR, GV_ARR, GV_U64 };
enum { GV_I64 = GV_U64 + 1, GV_F64, GV_NTYPES };

/* Encoded size of the fixed-size types; 0 for strings and arrays. */
static const unsigned gv_size[GV_NTYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
static const char *const gv_names[GV_NTYPES] = {
    "uint8", "int8",   "uint16", "int16",  "uint32", "int32",   "float32",
    "bool",  "string", "array",  "uint64", "int64",  "float64",
};

/* ---- the reader ---- */

typedef struct gg_where {
    uint64_t off;    /* the tensor's data offset, relative to the data start */
    uint64_t at;     /* file offset of its offset field, for errors */
    uint64_t nbytes; /* stored bytes (saturated: a huge value fails the range check) */
} gg_where;

typedef struct gg {
    FILE *f;
    const char *path;
    lr_error *err;
    uint64_t size, pos; /* the real file size; the offset of the next read */
    uint32_t version;
    uint64_t align;
    json_t *meta;  /* key -> scalar, {"type", "n"} for arrays, null when not kept */
    json_t *names; /* tensor names seen (a set) */
    gg_where *where;
    size_t cap;
    uint64_t embd_rows; /* token_embd.weight's second dimension (the vocabulary) */
    lr_weights_info *info;
    char *iobuf; /* stdio's buffer: large, as headers are read in small pieces */
} gg;

static int gg_fail(gg *g, uint64_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
gg_fail(gg *g, uint64_t at, const char *fmt, ...)
{
    char msg[1024], where[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(where, sizeof where, "offset %" PRIu64, at);
    lr_err_set(g->err, g->path, where, "%s", msg);
    return -1;
}

static uint64_t
gg_left(const gg *g)
{
    return g->size - g->pos;
}

static int
gg_short(gg *g, uint64_t need, const char *what)
{
    return gg_fail(g, g->pos,
                   "truncated file: expected %" PRIu64 " bytes of %s, the file ends %" PRIu64
                   " bytes later",
                   need, what, gg_left(g));
}

static int
gg_read(gg *g, void *buf, size_t n, const char *what)
{
    if (n > gg_left(g))
        return gg_short(g, n, what);
    if (n && fread(buf, 1, n, g->f) != n)
        return gg_fail(g, g->pos, "cannot read %s: %s", what,
                       ferror(g->f) ? strerror(errno) : "unexpected end of file");
    g->pos += n;
    return 0;
}

/* Skips n bytes: small skips read through stdio's buffer, large ones seek. */
static int
gg_skip(gg *g, uint64_t n, const char *what)
{
    unsigned char scratch[4096];
    if (n > gg_left(g))
        return gg_short(g, n, what);
    if (n <= sizeof scratch)
        return gg_read(g, scratch, (size_t)n, what);
    if (fseeko(g->f, (off_t)(g->pos + n), SEEK_SET) != 0)
        return gg_fail(g, g->pos, "cannot seek past %s: %s", what, strerror(errno));
    g->pos += n;
    return 0;
}

static uint64_t
le(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static int
gg_u32(gg *g, uint32_t *v, const char *what)
{
    unsigned char b[4];
    if (gg_read(g, b, 4, what))
        return -1;
    *v = (uint32_t)le(b, 4);
    return 0;
}

static int
gg_u64(gg *g, uint64_t *v, const char *what)
{
    unsigned char b[8];
    if (gg_read(g, b, 8, what))
        return -1;
    *v = le(b, 8);
    return 0;
}

/* Counts and string lengths: u32 in version 1, u64 since version 2. */
static int
gg_count(gg *g, uint64_t *v, const char *what)
{
    if (g->version >= 2)
        return gg_u64(g, v, what);
    uint32_t v32;
    if (gg_u32(g, &v32, what))
        return -1;
    *v = v32;
    return 0;
}

static unsigned
gg_count_size(const gg *g)
{
    return g->version >= 2 ? 8 : 4;
}

/* Reads a string's length and checks it against the file and `max`. Errors
 * name `what`, or the key the string is a value of. */
static int
gg_strlen(gg *g, const char *what, const char *key, uint64_t max, uint64_t *n)
{
    uint64_t at = g->pos;
    char ctx[320];
    if (gg_count(g, n, what))
        return -1;
    if (*n <= gg_left(g) && *n <= max)
        return 0;
    if (key)
        snprintf(ctx, sizeof ctx, "key '%.256s'", key);
    else
        snprintf(ctx, sizeof ctx, "%s", what);
    if (*n > gg_left(g))
        return gg_fail(g, at,
                       "%s: a string of %" PRIu64 " bytes runs past the end of the file (%" PRIu64
                       " bytes left)",
                       ctx, *n, gg_left(g));
    return gg_fail(g, at, "%s: a string of %" PRIu64 " bytes, expected at most %" PRIu64, ctx, *n,
                   max);
}

static int
gg_str(gg *g, const char *what, uint64_t max, char **out, uint64_t *len)
{
    *out = NULL;
    if (gg_strlen(g, what, NULL, max, len))
        return -1;
    char *s = lr_xmalloc((size_t)*len + 1);
    if (gg_read(g, s, (size_t)*len, what)) {
        free(s);
        return -1;
    }
    s[*len] = '\0';
    *out = s;
    return 0;
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) and no NUL, which would cut a name short in C. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 9;
        if (c == 0 || k == 9 || k > n - i - 1)
            return 0;
        uint32_t cp = k == 0 ? c : c & (0x3F >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* A float32 as the double of its shortest decimal form, so that 1e-5 stored
 * as a float reads 1e-5 in the config rather than 9.99999974738e-06. */
static json_t *
f32_json(float f)
{
    if (!isfinite(f))
        return json_null();
    char buf[32];
    for (int p = 1; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    return json_real(strtod(buf, NULL));
}

/* float64 values are kept to 15 significant digits: the config is dumped at
 * that precision, where every such decimal reads back exactly. */
static json_t *
f64_json(double d)
{
    if (!isfinite(d))
        return json_null();
    char buf[32];
    snprintf(buf, sizeof buf, "%.15g", d);
    return json_real(strtod(buf, NULL));
}

static json_t *
int_json(uint64_t u, int is_signed, unsigned size)
{
    if (is_signed) {
        int shift = 64 - 8 * (int)size;
        int64_t v = (int64_t)(u << shift) >> shift; /* sign-extend */
        return json_integer(v);
    }
    if (u > (uint64_t)INT64_MAX)
        return json_real((double)u);
    return json_integer((json_int_t)u);
}

/* ---- metadata values ---- */

static int gg_value(gg *g, uint32_t type, const char *key, int depth, json_t **out);

static int
gg_fixed(gg *g, uint32_t type, const char *key, json_t **out)
{
    unsigned char b[8];
    uint64_t at = g->pos;
    if (gg_read(g, b, gv_size[type], gv_names[type]))
        return -1;
    uint64_t u = le(b, (int)gv_size[type]);
    if (type == GV_BOOL && u > 1)
        return gg_fail(g, at, "key '%s': bool value %" PRIu64 ", expected 0 or 1", key, u);
    if (!out)
        return 0;
    if (type == GV_BOOL) {
        *out = json_boolean(u);
    } else if (type == GV_F32) {
        uint32_t bits = (uint32_t)u;
        float f;
        memcpy(&f, &bits, sizeof f);
        *out = f32_json(f);
    } else if (type == GV_F64) {
        double d;
        memcpy(&d, &u, sizeof d);
        *out = f64_json(d);
    } else {
        int sgn = type == GV_I8 || type == GV_I16 || type == GV_I32 || type == GV_I64;
        *out = int_json(u, sgn, gv_size[type]);
    }
    return 0;
}

/* A string value: kept when short and valid UTF-8, otherwise skipped. */
static int
gg_strval(gg *g, const char *key, json_t **out)
{
    uint64_t n;
    if (gg_strlen(g, "a string length", key, UINT64_MAX, &n))
        return -1;
    if (!out || n > GG_KEEP_STR)
        return gg_skip(g, n, "a string value");
    char buf[GG_KEEP_STR];
    if (gg_read(g, buf, (size_t)n, "a string value"))
        return -1;
    *out = json_stringn(buf, (size_t)n);
    if (!*out)
        *out = json_null();
    return 0;
}

/* The least bytes one element of `type` takes: bounds a count by the file. */
static uint64_t
gg_min_size(const gg *g, uint32_t type)
{
    if (type == GV_STR)
        return gg_count_size(g);
    if (type == GV_ARR)
        return 4 + gg_count_size(g);
    return gv_size[type];
}

/* An array: element type, count, elements. Only its type and length are
 * kept; fixed-size elements are skipped in one seek. */
static int
gg_array(gg *g, const char *key, int depth, json_t **out)
{
    uint64_t at = g->pos, n;
    uint32_t type;
    if (depth > GG_MAX_DEPTH)
        return gg_fail(g, at, "key '%s': arrays nested deeper than %d levels", key, GG_MAX_DEPTH);
    if (gg_u32(g, &type, "an array element type"))
        return -1;
    if (type >= GV_NTYPES)
        return gg_fail(g, at, "key '%s': unknown array element type %" PRIu32 ", expected 0 to 12",
                       key, type);
    if (gg_count(g, &n, "an array length"))
        return -1;
    if (n > gg_left(g) / gg_min_size(g, type))
        return gg_fail(g, at + 4,
                       "key '%s': an array of %" PRIu64 " %s elements cannot fit in the %" PRIu64
                       " bytes left in the file",
                       key, n, gv_names[type], gg_left(g));
    if (out)
        *out = json_pack("{s:i, s:I}", "type", (int)type, "n", (json_int_t)n);
    if (gv_size[type] && type != GV_BOOL)
        return gg_skip(g, n * gv_size[type], "array elements");
    for (uint64_t i = 0; i < n; i++)
        if (gg_value(g, type, key, depth, NULL))
            return -1;
    return 0;
}

/* Reads one value of `type`; when `out` is not NULL, stores what we keep. */
static int
gg_value(gg *g, uint32_t type, const char *key, int depth, json_t **out)
{
    if (type == GV_STR)
        return gg_strval(g, key, out);
    if (type == GV_ARR)
        return gg_array(g, key, depth + 1, out);
    return gg_fixed(g, type, key, out);
}

static int
gg_kv_value(gg *g, const char *key)
{
    uint64_t at = g->pos;
    uint32_t type;
    if (gg_u32(g, &type, "a value type"))
        return -1;
    if (type >= GV_NTYPES)
        return gg_fail(g, at, "key '%s': unknown value type %" PRIu32 ", expected 0 to 12", key,
                       type);
    json_t *v = NULL;
    if (gg_value(g, type, key, 0, &v)) {
        json_decref(v);
        return -1;
    }
    json_object_set_new(g->meta, key, v ? v : json_null());
    return 0;
}

static int
gg_kv(gg *g)
{
    uint64_t at = g->pos, n;
    char *key;
    if (gg_str(g, "a metadata key", GG_MAX_KEY, &key, &n))
        return -1;
    int rc;
    if (!utf8_ok((unsigned char *)key, (size_t)n))
        rc = gg_fail(g, at, "metadata key is not valid UTF-8 (or holds a NUL byte)");
    else if (json_object_get(g->meta, key))
        rc = gg_fail(g, at, "duplicate metadata key '%s'", key);
    else
        rc = gg_kv_value(g, key);
    free(key);
    return rc;
}

/* ---- tensor infos ---- */

static void
gg_push(gg *g, char *name, const gg_type *t, uint64_t elements, gg_where w)
{
    lr_weights_info *in = g->info;
    if (in->ntensors == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        in->tensors = lr_xrealloc(in->tensors, g->cap, sizeof *in->tensors);
        g->where = lr_xrealloc(g->where, g->cap, sizeof *g->where);
    }
    lr_tensor_info *ti = &in->tensors[in->ntensors];
    ti->name = name;
    ti->dtype = lr_xstrdup(t->name);
    ti->elements = (double)elements;
    ti->bytes = (double)(elements / t->block) * t->bytes;
    g->where[in->ntensors++] = w;
    in->params += ti->elements;
    in->bytes += ti->bytes;
}

static int
gg_tensor_name(gg *g, char **name)
{
    uint64_t at = g->pos, n;
    if (gg_str(g, "a tensor name", GG_MAX_NAME, name, &n))
        return -1;
    int rc = 0;
    if (!utf8_ok((unsigned char *)*name, (size_t)n))
        rc = gg_fail(g, at, "tensor name is not valid UTF-8 (or holds a NUL byte)");
    else if (json_object_get(g->names, *name))
        rc = gg_fail(g, at, "duplicate tensor name '%s'", *name);
    else
        json_object_set_new(g->names, *name, json_true());
    if (rc) {
        free(*name);
        *name = NULL;
    }
    return rc;
}

/* n_dims and the dimensions (ggml order: the first is the contiguous one). */
static int
gg_tensor_shape(gg *g, const char *name, uint64_t dims[GG_MAX_DIMS], uint32_t *nd, uint64_t *el)
{
    uint64_t at = g->pos;
    if (gg_u32(g, nd, "a tensor's dimension count"))
        return -1;
    if (*nd > GG_MAX_DIMS)
        return gg_fail(g, at, "tensor '%s': %" PRIu32 " dimensions, expected at most %d", name, *nd,
                       GG_MAX_DIMS);
    *el = 1;
    for (uint32_t j = 0; j < *nd; j++) {
        at = g->pos;
        if (gg_count(g, &dims[j], "a tensor dimension"))
            return -1;
        if (dims[j] == 0)
            return gg_fail(g, at, "tensor '%s': dimension %" PRIu32 " is 0, expected at least 1",
                           name, j);
        if (dims[j] > GG_MAX_ELEMS / *el)
            return gg_fail(g, at, "tensor '%s': the shape has more than 2^62 elements", name);
        *el *= dims[j];
    }
    return 0;
}

static int
gg_tensor_type(gg *g, const char *name, uint64_t first_dim, const gg_type **t)
{
    uint64_t at = g->pos;
    uint32_t id;
    if (gg_u32(g, &id, "a tensor type"))
        return -1;
    *t = gg_type_find(id);
    if (!*t)
        return gg_fail(g, at, "tensor '%s': unknown ggml type %" PRIu32, name, id);
    if (first_dim % (*t)->block)
        return gg_fail(g, at,
                       "tensor '%s': first dimension %" PRIu64
                       " is not a multiple of the block size of %s (%" PRIu32 " elements)",
                       name, first_dim, (*t)->name, (*t)->block);
    return 0;
}

/* Type and offset of a tensor whose name and shape are read. */
static int
gg_tensor_rest(gg *g, const char *name, uint64_t first_dim, uint64_t el, const gg_type **t,
               gg_where *w)
{
    if (gg_tensor_type(g, name, first_dim, t))
        return -1;
    w->at = g->pos;
    if (gg_u64(g, &w->off, "a tensor offset"))
        return -1;
    if (w->off % g->align)
        return gg_fail(g, w->at,
                       "tensor '%s': data offset %" PRIu64
                       " is not a multiple of the alignment %" PRIu64,
                       name, w->off, g->align);
    uint64_t blocks = el / (*t)->block;
    w->nbytes = blocks > UINT64_MAX / (*t)->bytes ? UINT64_MAX : blocks * (*t)->bytes;
    return 0;
}

static int
gg_tensor(gg *g)
{
    char *name;
    uint64_t dims[GG_MAX_DIMS] = {0}, el = 0;
    uint32_t nd = 0;
    const gg_type *t = NULL;
    gg_where w = {0, 0, 0};
    if (gg_tensor_name(g, &name))
        return -1;
    if (gg_tensor_shape(g, name, dims, &nd, &el) ||
        gg_tensor_rest(g, name, nd ? dims[0] : 1, el, &t, &w)) {
        free(name);
        return -1;
    }
    if (strcmp(name, "token_embd.weight") == 0 && nd == 2)
        g->embd_rows = dims[1];
    gg_push(g, name, t, el, w);
    return 0;
}

/* Tensor data is never read, so a file whose data lies (partly) past its
 * end still describes the model: a header-only file, as tools publish
 * them to share a model's shape, or a truncated download. Such tensors are
 * counted (info->past_eof, a warning for the caller), not refused. */
static int
gg_check_data(gg *g)
{
    uint64_t start = g->pos + (g->align - g->pos % g->align) % g->align;
    for (size_t i = 0; i < g->info->ntensors; i++) {
        const gg_where *w = &g->where[i];
        if (!(start <= g->size && w->off <= g->size - start &&
              w->nbytes <= g->size - start - w->off))
            g->info->past_eof++;
    }
    return 0;
}

/* ---- header ---- */

static int
gg_magic_version(gg *g)
{
    unsigned char m[4];
    if (gg_read(g, m, 4, "the magic"))
        return -1;
    if (memcmp(m, GG_MAGIC, 4) != 0)
        return gg_fail(
            g, 0,
            "not a GGUF file: expected the magic \"GGUF\" (47 47 55 46), got %02x %02x %02x %02x",
            m[0], m[1], m[2], m[3]);
    if (gg_u32(g, &g->version, "the version"))
        return -1;
    uint32_t v = g->version;
    uint32_t swapped = (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
    if (swapped >= 1 && swapped <= 3)
        return gg_fail(g, 4,
                       "a big-endian GGUF file (version %" PRIu32
                       "): only little-endian files are supported",
                       swapped);
    if (v < 1 || v > 3)
        return gg_fail(g, 4, "unsupported GGUF version %" PRIu32 ", expected 1, 2 or 3", v);
    return 0;
}

/* Reads a count and checks that that many records of at least `min` bytes
 * fit in what is left of the file. */
static int
gg_records(gg *g, uint64_t *n, uint64_t min, const char *what)
{
    uint64_t at = g->pos;
    if (gg_count(g, n, what))
        return -1;
    if (*n > gg_left(g) / min)
        return gg_fail(g, at,
                       "%s %" PRIu64 " cannot fit in the file: each record takes at least %" PRIu64
                       " bytes and %" PRIu64 " are left",
                       what, *n, min, gg_left(g));
    return 0;
}

static int
gg_general(gg *g)
{
    json_t *a = json_object_get(g->meta, "general.architecture");
    if (!json_is_string(a)) {
        lr_err_set(g->err, g->path, "general.architecture",
                   "missing or not a string: every GGUF file names its architecture");
        return -1;
    }
    g->info->arch = lr_xstrdup(json_string_value(a));
    json_t *al = json_object_get(g->meta, "general.alignment");
    if (!al)
        return 0;
    json_int_t v = json_is_integer(al) ? json_integer_value(al) : 0;
    if (v <= 0 || (v & (v - 1))) {
        if (json_is_integer(al))
            lr_err_set(g->err, g->path, "general.alignment",
                       "%" JSON_INTEGER_FORMAT ", expected a power of two", v);
        else
            lr_err_set(g->err, g->path, "general.alignment", "expected an integer power of two");
        return -1;
    }
    g->align = (uint64_t)v;
    return 0;
}

static int
gg_parse(gg *g)
{
    uint64_t nt, nkv;
    if (gg_magic_version(g))
        return -1;
    /* The least a tensor info takes: name length, n_dims, type, offset; a
     * key/value record: key length, type, a 1-byte value. */
    uint64_t cs = gg_count_size(g), min_tensor = cs + 4 + 4 + 8, min_kv = cs + 4 + 1;
    if (gg_records(g, &nt, min_tensor, "tensor count") ||
        gg_records(g, &nkv, min_kv, "metadata key/value count"))
        return -1;
    for (uint64_t i = 0; i < nkv; i++)
        if (gg_kv(g))
            return -1;
    if (gg_general(g))
        return -1;
    for (uint64_t i = 0; i < nt; i++)
        if (gg_tensor(g))
            return -1;
    return gg_check_data(g);
}

/* ---- config.json through the key map ---- */

/* "{arch}" in a key map key stands for the file's architecture string. */
static char *
expand_arch(const char *key, const char *arch)
{
    const char *p = strstr(key, "{arch}");
    if (!p)
        return lr_xstrdup(key);
    char *rest = expand_arch(p + 6, arch);
    char *s = lr_xasprintf("%.*s%s%s", (int)(p - key), key, arch, rest);
    free(rest);
    return s;
}

static json_t *
meta_get(const gg *g, const char *key)
{
    char *k = expand_arch(key, g->info->arch);
    json_t *v = json_object_get(g->meta, k);
    free(k);
    return v;
}

static int
is_scalar(const json_t *v)
{
    return json_is_number(v) || json_is_string(v) || json_is_boolean(v);
}

/* Sets a (possibly dotted: "rope_scaling.factor") config name unless it is
 * set already: the first mapping that has a value wins. */
static void
cfg_set(json_t *cfg, const char *name, json_t *v)
{
    const char *dot = strchr(name, '.');
    if (!dot) {
        if (!json_object_get(cfg, name))
            json_object_set(cfg, name, v);
        return;
    }
    char *head = lr_xasprintf("%.*s", (int)(dot - name), name);
    json_t *sub = json_object_get(cfg, head);
    if (!sub) {
        sub = json_object();
        json_object_set_new(cfg, head, sub);
    }
    if (json_is_object(sub))
        cfg_set(sub, dot + 1, v);
    free(head);
}

/* Applies one mapping layer {gguf key: name | [names] | null}. `seen` holds
 * the GGUF keys an earlier layer decided, which later layers leave alone. */
static void
apply_keys(const gg *g, json_t *cfg, json_t *keys, json_t *seen)
{
    const char *k;
    json_t *names;
    json_object_foreach(keys, k, names)
    {
        char *key = expand_arch(k, g->info->arch);
        int decided = json_object_get(seen, key) != NULL;
        json_object_set_new(seen, key, json_true());
        json_t *v = json_object_get(g->meta, key);
        free(key);
        if (decided || !is_scalar(v))
            continue;
        if (json_is_string(names))
            cfg_set(cfg, json_string_value(names), v);
        size_t i;
        json_t *nm;
        json_array_foreach(names, i, nm) cfg_set(cfg, json_string_value(nm), v);
    }
}

typedef struct num {
    double v;
    int is_int, is_bool, ok;
} num;

/* Evaluates {"sub"|"mul"|"div"|"eq": [a, b]} over GGUF keys and numbers. */
static num
eval_op(const gg *g, json_t *e)
{
    num r = {0, 0, 0, 0};
    if (json_is_number(e))
        return (num){json_number_value(e), json_is_integer(e), 0, 1};
    if (json_is_string(e)) {
        json_t *v = meta_get(g, json_string_value(e));
        if (json_is_number(v))
            r = (num){json_number_value(v), json_is_integer(v), 0, 1};
        return r;
    }
    const char *op = json_object_iter_key(json_object_iter(e));
    json_t *args = json_object_iter_value(json_object_iter(e));
    num a = eval_op(g, json_array_get(args, 0)), b = eval_op(g, json_array_get(args, 1));
    if (!a.ok || !b.ok || (op[0] == 'd' && b.v == 0))
        return r;
    r.ok = 1;
    r.is_int = a.is_int && b.is_int;
    if (op[0] == 's')
        r.v = a.v - b.v;
    else if (op[0] == 'm')
        r.v = a.v * b.v;
    else if (op[0] == 'd')
        r.v = a.v / b.v;
    else
        r = (num){a.v == b.v, 0, 1, 1};
    if (r.is_int && (r.v != floor(r.v) || fabs(r.v) > 9007199254740992.0))
        r.is_int = 0;
    return r;
}

static void
apply_computed(const gg *g, json_t *cfg, json_t *computed)
{
    const char *name;
    json_t *spec;
    json_object_foreach(computed, name, spec)
    {
        size_t n = json_is_array(spec) ? json_array_size(spec) : 1;
        for (size_t i = 0; i < n; i++) {
            num r = eval_op(g, json_is_array(spec) ? json_array_get(spec, i) : spec);
            if (!r.ok)
                continue;
            json_t *v = r.is_bool  ? json_boolean(r.v)
                        : r.is_int ? json_integer((json_int_t)r.v)
                                   : json_real(r.v);
            cfg_set(cfg, name, v);
            json_decref(v);
            break;
        }
    }
}

static void
apply_flags(const gg *g, json_t *cfg, json_t *flags)
{
    const char *name;
    json_t *spec;
    json_object_foreach(flags, name, spec)
    {
        json_t *t = json_object_get(spec, "present");
        int want = t != NULL;
        if (!t)
            t = json_object_get(spec, "absent");
        int has = json_object_get(g->names, json_string_value(t)) != NULL;
        json_t *v = json_boolean(has == want);
        cfg_set(cfg, name, v);
        json_decref(v);
    }
}

static void
apply_defaults(json_t *cfg, json_t *defaults)
{
    const char *name;
    json_t *v;
    json_object_foreach(defaults, name, v) cfg_set(cfg, name, v);
}

/* The vocabulary: the embedding's rows (what the parameters are, padding
 * included), else {arch}.vocab_size, else the tokenizer's token count. */
static void
apply_vocab(const gg *g, json_t *cfg)
{
    json_t *v = NULL;
    json_t *tokens = json_object_get(json_object_get(g->meta, "tokenizer.ggml.tokens"), "n");
    json_t *key = meta_get(g, "{arch}.vocab_size");
    if (g->embd_rows)
        v = json_integer((json_int_t)g->embd_rows);
    else if (json_is_integer(key))
        v = json_incref(key);
    else if (tokens)
        v = json_incref(tokens);
    if (v)
        cfg_set(cfg, "vocab_size", v);
    json_decref(v);
}

/* The first variant whose "when" key the file has (equal to "equals" when
 * given, else non-zero), or NULL. */
static json_t *
pick_variant(const gg *g, json_t *entry)
{
    size_t i;
    json_t *var;
    json_array_foreach(json_object_get(entry, "variants"), i, var)
    {
        json_t *v = meta_get(g, json_string_value(json_object_get(var, "when")));
        json_t *eq = json_object_get(var, "equals");
        if (!v || json_is_null(v))
            continue;
        if (eq ? json_equal(v, eq)
               : !(json_is_false(v) || (json_is_number(v) && json_number_value(v) == 0)))
            return var;
    }
    return NULL;
}

static json_t *
build_config(const gg *g, json_t *map, json_t *entry)
{
    json_t *cfg = json_object(), *seen = json_object();
    json_t *var = pick_variant(g, entry);
    json_t *src = var && json_object_get(var, "architectures") ? var : entry;
    json_object_set(cfg, "architectures", json_object_get(src, "architectures"));
    src = var && json_object_get(var, "model_type") ? var : entry;
    json_object_set(cfg, "model_type", json_object_get(src, "model_type"));
    if (var)
        apply_keys(g, cfg, json_object_get(var, "keys"), seen);
    apply_keys(g, cfg, json_object_get(entry, "keys"), seen);
    const char *set = json_string_value(json_object_get(entry, "key_set"));
    if (set)
        apply_keys(g, cfg, json_object_get(json_object_get(map, "key_sets"), set), seen);
    apply_computed(g, cfg, json_object_get(entry, "computed"));
    apply_vocab(g, cfg);
    apply_flags(g, cfg, json_object_get(entry, "tensor_flags"));
    apply_flags(g, cfg, json_object_get(map, "tensor_flags"));
    if (var)
        apply_defaults(cfg, json_object_get(var, "defaults"));
    apply_defaults(cfg, json_object_get(entry, "defaults"));
    json_decref(seen);
    return cfg;
}

/* ---- key map validation: a typo in the map must not pass silently ---- */

typedef struct mck {
    const char *file;
    lr_error *err;
} mck;

static int
mck_fail(mck *m, const char *path, const char *msg)
{
    lr_err_set(m->err, m->file, path, "%s", msg);
    return -1;
}

static int
mck_fields(mck *m, json_t *obj, const char *path, const char *const *allowed)
{
    const char *k;
    json_t *v;
    if (!json_is_object(obj))
        return mck_fail(m, path, "expected an object");
    json_object_foreach(obj, k, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], k) != 0)
            i++;
        if (!allowed[i]) {
            char *p = lr_xasprintf("%s%s%s", path, path[0] ? "." : "", k);
            int rc = mck_fail(m, p, "unknown field");
            free(p);
            return rc;
        }
    }
    return 0;
}

static int
mck_strings(mck *m, json_t *v, const char *path, int allow_one)
{
    size_t i;
    json_t *s;
    if (allow_one && json_is_string(v) && json_string_length(v) > 0)
        return 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return mck_fail(m, path,
                        allow_one ? "expected a name or an array of names"
                                  : "expected a non-empty array of strings");
    json_array_foreach(
        v, i, s) if (!json_is_string(s) ||
                     json_string_length(s) ==
                         0) return mck_fail(m, path, "expected an array of non-empty strings");
    return 0;
}

static int
mck_keys(mck *m, json_t *keys, const char *path)
{
    const char *k;
    json_t *v;
    if (!keys)
        return 0;
    if (!json_is_object(keys))
        return mck_fail(m, path, "expected an object {GGUF key: config name}");
    json_object_foreach(keys, k, v)
    {
        if (json_is_null(v))
            continue;
        char *p = lr_xasprintf("%s.%s", path, k);
        int rc = mck_strings(m, v, p, 1);
        free(p);
        if (rc)
            return rc;
    }
    return 0;
}

static int
mck_op(mck *m, json_t *e, const char *path)
{
    static const char *const ops[] = {"sub", "mul", "div", "eq", NULL};
    if (json_is_number(e) || (json_is_string(e) && json_string_length(e) > 0))
        return 0;
    if (mck_fields(m, e, path, ops))
        return -1;
    json_t *args = json_object_iter_value(json_object_iter(e));
    if (json_object_size(e) != 1 || !json_is_array(args) || json_array_size(args) != 2)
        return mck_fail(m, path, "expected one of sub, mul, div, eq with two operands");
    return mck_op(m, json_array_get(args, 0), path) || mck_op(m, json_array_get(args, 1), path) ? -1
                                                                                                : 0;
}

static int
mck_computed(mck *m, json_t *c, const char *path)
{
    const char *k;
    json_t *v;
    if (!c)
        return 0;
    if (!json_is_object(c))
        return mck_fail(m, path, "expected an object {config name: expression}");
    json_object_foreach(c, k, v)
    {
        char *p = lr_xasprintf("%s.%s", path, k);
        size_t n = json_is_array(v) ? json_array_size(v) : 1;
        int rc = json_is_array(v) && n == 0 ? mck_fail(m, p, "expected an expression") : 0;
        for (size_t i = 0; i < n && !rc; i++)
            rc = mck_op(m, json_is_array(v) ? json_array_get(v, i) : v, p);
        free(p);
        if (rc)
            return rc;
    }
    return 0;
}

static int
mck_flags(mck *m, json_t *flags, const char *path)
{
    static const char *const f[] = {"present", "absent", NULL};
    const char *k;
    json_t *v;
    if (!flags)
        return 0;
    if (!json_is_object(flags))
        return mck_fail(m, path, "expected an object {config name: {present|absent: tensor}}");
    json_object_foreach(flags, k, v)
    {
        char *p = lr_xasprintf("%s.%s", path, k);
        json_t *t = json_object_iter_value(json_object_iter(v));
        int rc = mck_fields(m, v, p, f);
        if (!rc && (json_object_size(v) != 1 || !json_is_string(t)))
            rc = mck_fail(m, p, "expected {\"present\": TENSOR} or {\"absent\": TENSOR}");
        free(p);
        if (rc)
            return rc;
    }
    return 0;
}

static int
mck_defaults(mck *m, json_t *d, const char *path)
{
    return d && !json_is_object(d) ? mck_fail(m, path, "expected an object {config name: value}")
                                   : 0;
}

static int
mck_variant(mck *m, json_t *v, const char *path)
{
    static const char *const f[] = {"when", "equals",   "architectures", "model_type",
                                    "keys", "defaults", "note",          NULL};
    if (mck_fields(m, v, path, f))
        return -1;
    char *pa = lr_xasprintf("%s.architectures", path), *pk = lr_xasprintf("%s.keys", path);
    char *pd = lr_xasprintf("%s.defaults", path);
    json_t *a = json_object_get(v, "architectures"), *mt = json_object_get(v, "model_type");
    int rc = 0;
    if (!json_is_string(json_object_get(v, "when")))
        rc = mck_fail(m, path, "when: expected a GGUF key");
    else if (a && mck_strings(m, a, pa, 0))
        rc = -1;
    else if (mt && !json_is_string(mt))
        rc = mck_fail(m, path, "model_type: expected a string");
    else if (mck_keys(m, json_object_get(v, "keys"), pk) ||
             mck_defaults(m, json_object_get(v, "defaults"), pd))
        rc = -1;
    free(pa);
    free(pk);
    free(pd);
    return rc;
}

static int
mck_variants(mck *m, json_t *vars, const char *path)
{
    size_t i;
    json_t *v;
    if (!vars)
        return 0;
    if (!json_is_array(vars))
        return mck_fail(m, path, "expected an array of variants");
    json_array_foreach(vars, i, v)
    {
        char *p = lr_xasprintf("%s[%zu]", path, i);
        int rc = mck_variant(m, v, p);
        free(p);
        if (rc)
            return rc;
    }
    return 0;
}

static int
mck_entry(mck *m, json_t *map, json_t *e, const char *path)
{
    static const char *const f[] = {"architectures", "model_type", "key_set",  "keys", "computed",
                                    "tensor_flags",  "defaults",   "variants", "note", NULL};
    if (mck_fields(m, e, path, f))
        return -1;
    char *p = lr_xasprintf("%s.architectures", path);
    int rc = mck_strings(m, json_object_get(e, "architectures"), p, 0);
    free(p);
    if (rc)
        return -1;
    if (!json_is_string(json_object_get(e, "model_type")))
        return mck_fail(m, path, "model_type: expected a string");
    json_t *set = json_object_get(e, "key_set"), *sets = json_object_get(map, "key_sets");
    if (set && (!json_is_string(set) || !json_object_get(sets, json_string_value(set))))
        return mck_fail(m, path, "key_set: not the name of one of the map's key_sets");
    char *pk = lr_xasprintf("%s.keys", path), *pc = lr_xasprintf("%s.computed", path);
    char *pf = lr_xasprintf("%s.tensor_flags", path), *pd = lr_xasprintf("%s.defaults", path);
    char *pv = lr_xasprintf("%s.variants", path);
    rc = mck_keys(m, json_object_get(e, "keys"), pk) ||
                 mck_computed(m, json_object_get(e, "computed"), pc) ||
                 mck_flags(m, json_object_get(e, "tensor_flags"), pf) ||
                 mck_defaults(m, json_object_get(e, "defaults"), pd) ||
                 mck_variants(m, json_object_get(e, "variants"), pv)
             ? -1
             : 0;
    free(pk);
    free(pc);
    free(pf);
    free(pd);
    free(pv);
    return rc;
}

static int
mck_covered(mck *m, json_t *map)
{
    json_t *cov = json_object_get(map, "covered"), *archs = json_object_get(map, "architectures");
    size_t i;
    json_t *s;
    if (!cov)
        return 0;
    if (mck_strings(m, cov, "covered", 0))
        return -1;
    json_array_foreach(
        cov, i,
        s) if (!json_object_get(archs,
                                json_string_value(s))) return mck_fail(m, "covered",
                                                                       "lists an architecture the "
                                                                       "map has no entry for");
    if (json_array_size(cov) != json_object_size(archs))
        return mck_fail(m, "covered", "must list every architecture of the map");
    return 0;
}

static int
mck_map(mck *m, json_t *map)
{
    static const char *const f[] = {"description",  "covered",       "key_sets",
                                    "tensor_flags", "architectures", NULL};
    const char *k;
    json_t *v;
    if (mck_fields(m, map, "", f))
        return -1;
    json_t *sets = json_object_get(map, "key_sets"), *archs = json_object_get(map, "architectures");
    if (sets && !json_is_object(sets))
        return mck_fail(m, "key_sets", "expected an object {name: {GGUF key: config name}}");
    json_object_foreach(sets, k, v)
    {
        char *p = lr_xasprintf("key_sets.%s", k);
        int rc = mck_keys(m, v, p);
        free(p);
        if (rc)
            return rc;
    }
    if (!json_is_object(archs))
        return mck_fail(m, "architectures", "expected an object {GGUF architecture: entry}");
    json_object_foreach(archs, k, v)
    {
        char *p = lr_xasprintf("architectures.%s", k);
        int rc = mck_entry(m, map, v, p);
        free(p);
        if (rc)
            return rc;
    }
    return mck_flags(m, json_object_get(map, "tensor_flags"), "tensor_flags") || mck_covered(m, map)
               ? -1
               : 0;
}

static json_t *
load_map(const char *path, lr_error *err)
{
    json_error_t je;
    json_t *map = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!map) {
        lr_err_set(err, path, "", "key map: %s", je.text);
        if (err) {
            err->line = je.line > 0 ? je.line : 0;
            err->col = je.column > 0 ? je.column : 0;
        }
        return NULL;
    }
    mck m = {path, err};
    if (mck_map(&m, map)) {
        json_decref(map);
        return NULL;
    }
    return map;
}

/* Builds info->config_json; an architecture the map lacks leaves it NULL. */
static int
gg_config(gg *g, const char *key_map)
{
    json_t *map = load_map(key_map, g->err);
    if (!map)
        return -1;
    json_t *entry = json_object_get(json_object_get(map, "architectures"), g->info->arch);
    if (entry) {
        json_t *cfg = build_config(g, map, entry);
        g->info->config_json = json_dumps(cfg, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
        json_decref(cfg);
        if (!g->info->config_json)
            abort(); /* jansson fails only on out-of-memory */
    }
    json_decref(map);
    return 0;
}

/* ---- entry point ---- */

static int
gg_open(gg *g, const char *path)
{
    struct stat st;
    g->f = fopen(path, "rb");
    if (!g->f) {
        lr_err_set(g->err, path, "", "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fileno(g->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        lr_err_set(g->err, path, "", "not a regular file");
        return -1;
    }
    g->size = (uint64_t)st.st_size;
    g->iobuf = lr_xmalloc(GG_IOBUF);
    setvbuf(g->f, g->iobuf, _IOFBF, GG_IOBUF);
    return 0;
}

int
lr_gguf_read(const char *path, const char *key_map, lr_weights_info *info, lr_error *err)
{
    gg g = {.path = path, .err = err, .align = GG_DEFAULT_ALIGN, .info = info};
    memset(info, 0, sizeof *info);
    g.meta = json_object();
    g.names = json_object();
    int rc = gg_open(&g, path);
    if (rc == 0)
        rc = gg_parse(&g);
    if (g.f)
        fclose(g.f);
    free(g.iobuf);
    if (rc == 0) {
        info->eff_bits = info->params > 0 ? info->bytes * 8 / info->params : 0;
        if (key_map)
            rc = gg_config(&g, key_map);
    }
    json_decref(g.meta);
    json_decref(g.names);
    free(g.where);
    if (rc) {
        lr_weights_info_free(info);
        memset(info, 0, sizeof *info);
    }
    return rc;
}
