/*
 * safetensors.c: safetensors header reader. Reads the 8-byte header length
 * and the JSON header of a .safetensors file, or of every shard a directory's
 * model.safetensors.index.json names (or the index file itself), and never
 * the tensor data. Each
 * tensor's byte range is checked against its shape and dtype and against the
 * file, so that the parameter and byte sums are those of a file a loader
 * would accept.
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input/input.h"

#define ST_MAX_HEADER 100000000ULL /* the reference reader's limit */
#define ST_MAX_ELEMS (1ULL << 62)
#define ST_INDEX "model.safetensors.index.json"
#define ST_SINGLE "model.safetensors"

/* dtype strings and their element sizes in bits (GGUF_NOTES.md §5); the
 * sub-byte OCP MX types count bits, not bytes. */
static const struct st_dtype {
    const char *name;
    unsigned bits;
} st_dtypes[] = {
    {"BOOL", 8},    {"U8", 8},          {"I8", 8},          {"F8_E5M2", 8}, {"F8_E4M3", 8},
    {"F8_E8M0", 8}, {"F8_E4M3FNUZ", 8}, {"F8_E5M2FNUZ", 8}, {"I16", 16},    {"U16", 16},
    {"F16", 16},    {"BF16", 16},       {"I32", 32},        {"U32", 32},    {"F32", 32},
    {"C64", 64},    {"F64", 64},        {"I64", 64},        {"U64", 64},    {"F4", 4},
    {"F6_E2M3", 6}, {"F6_E3M2", 6},
};

static unsigned
st_bits(const char *name)
{
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (strcmp(st_dtypes[i].name, name) == 0)
            return st_dtypes[i].bits;
    return 0;
}

/* One file being read: where errors point, and what the header allows. */
typedef struct st_file {
    const char *path;
    lr_error *err;
    uint64_t buffer; /* bytes after the header: where data_offsets must lie */
} st_file;

/* A tensor's byte range, for the overlap check. */
typedef struct st_range {
    uint64_t begin, end;
    const char *name;
} st_range;

static int st_fail(const st_file *sf, const char *name, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
st_fail(const st_file *sf, const char *name, const char *field, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *path = field ? lr_xasprintf("%s.%s", name, field) : lr_xstrdup(name);
    lr_err_set(sf->err, sf->path, path, "%s", msg);
    free(path);
    return -1;
}

/* ---- the header ---- */

static int
st_open(const char *path, FILE **f, uint64_t *size, lr_error *err)
{
    struct stat st;
    *f = fopen(path, "rb");
    if (!*f) {
        lr_err_set(err, path, "", "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fileno(*f), &st) != 0 || !S_ISREG(st.st_mode)) {
        lr_err_set(err, path, "", "not a regular file");
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* The header length N, checked against the file before N bytes are
 * allocated. */
static int
st_header_len(FILE *f, const char *path, uint64_t size, uint64_t *n, lr_error *err)
{
    unsigned char b[8];
    if (size < 8) {
        lr_err_set(err, path, "offset 0",
                   "a file of %" PRIu64 " bytes: expected at least the 8-byte header length", size);
        return -1;
    }
    if (fread(b, 1, 8, f) != 8) {
        lr_err_set(err, path, "offset 0", "cannot read the header length");
        return -1;
    }
    *n = 0;
    for (int i = 7; i >= 0; i--)
        *n = (*n << 8) | b[i];
    if (*n > size - 8) {
        lr_err_set(err, path, "offset 0",
                   "header length %" PRIu64 " runs past the end of the file (%" PRIu64
                   " bytes after the length)",
                   *n, size - 8);
        return -1;
    }
    if (*n > ST_MAX_HEADER) {
        lr_err_set(err, path, "offset 0", "header length %" PRIu64 ": expected at most %llu bytes",
                   *n, ST_MAX_HEADER);
        return -1;
    }
    return 0;
}

static json_t *
st_parse_header(const char *buf, uint64_t n, const char *path, lr_error *err)
{
    json_error_t je;
    json_t *h = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
    if (!h) {
        char where[64];
        snprintf(where, sizeof where, "offset %d", 8 + (je.position > 0 ? je.position : 0));
        lr_err_set(err, path, where, "malformed JSON header: %s", je.text);
        if (err) {
            err->line = je.line > 0 ? je.line : 0;
            err->col = je.column > 0 ? je.column : 0;
        }
        return NULL;
    }
    if (!json_is_object(h)) {
        json_decref(h);
        lr_err_set(err, path, "offset 8", "the JSON header is not an object");
        return NULL;
    }
    return h;
}

/* Opens a file and parses its header; fills sf->buffer. */
static json_t *
st_load(st_file *sf)
{
    FILE *f;
    uint64_t size, n;
    json_t *h = NULL;
    if (st_open(sf->path, &f, &size, sf->err) == 0 &&
        st_header_len(f, sf->path, size, &n, sf->err) == 0) {
        char *buf = lr_xmalloc((size_t)n + 1);
        if (fread(buf, 1, (size_t)n, f) == n)
            h = st_parse_header(buf, n, sf->path, sf->err);
        else
            lr_err_set(sf->err, sf->path, "offset 8", "cannot read the %" PRIu64 "-byte header", n);
        free(buf);
        sf->buffer = size - 8 - n;
    }
    if (f)
        fclose(f);
    return h;
}

/* ---- one tensor entry ---- */

static int
st_u64(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* The product of the shape; [] is a scalar (1), a 0 dimension is empty. */
static int
st_elements(const st_file *sf, const char *name, json_t *shape, uint64_t *el)
{
    size_t i;
    json_t *d;
    if (!json_is_array(shape))
        return st_fail(sf, name, "shape", "expected an array of dimensions");
    *el = 1;
    json_array_foreach(shape, i, d)
    {
        uint64_t v;
        if (st_u64(d, &v))
            return st_fail(sf, name, "shape", "dimension %zu: expected a non-negative integer", i);
        if (v && *el > ST_MAX_ELEMS / v)
            return st_fail(sf, name, "shape", "the shape has more than 2^62 elements");
        *el *= v;
    }
    return 0;
}

/* Bytes of `el` elements of `bits` each; fails unless a whole number. */
static int
st_nbytes(const st_file *sf, const char *name, const char *dtype, unsigned bits, uint64_t el,
          uint64_t *nbytes)
{
    if (el > UINT64_MAX / bits)
        return st_fail(sf, name, "shape", "%" PRIu64 " elements of %s: more bytes than any file",
                       el, dtype);
    if (el * bits % 8)
        return st_fail(sf, name, "shape",
                       "%" PRIu64 " elements of %s (%u bits each) are not a whole number of bytes",
                       el, dtype, bits);
    *nbytes = el * bits / 8;
    return 0;
}

static int
st_offsets(const st_file *sf, const char *name, json_t *offs, uint64_t nbytes, const char *dtype,
           st_range *r)
{
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        st_u64(json_array_get(offs, 0), &r->begin) || st_u64(json_array_get(offs, 1), &r->end) ||
        r->end < r->begin)
        return st_fail(sf, name, "data_offsets", "expected [BEGIN, END] with 0 <= BEGIN <= END");
    if (r->end - r->begin != nbytes)
        return st_fail(sf, name, "data_offsets",
                       "[%" PRIu64 ", %" PRIu64 "] holds %" PRIu64
                       " bytes, but the shape and dtype %s need %" PRIu64,
                       r->begin, r->end, r->end - r->begin, dtype, nbytes);
    if (r->end > sf->buffer)
        return st_fail(sf, name, "data_offsets",
                       "[%" PRIu64 ", %" PRIu64 "] lies beyond the end of the file: the data after "
                       "the header holds %" PRIu64 " bytes",
                       r->begin, r->end, sf->buffer);
    return 0;
}

static int
st_tensor(const st_file *sf, const char *name, json_t *e, lr_tensor_info *ti, st_range *r)
{
    if (!json_is_object(e))
        return st_fail(sf, name, NULL, "expected {\"dtype\", \"shape\", \"data_offsets\"}");
    const char *dtype = json_string_value(json_object_get(e, "dtype"));
    if (!dtype)
        return st_fail(sf, name, "dtype", "expected a string");
    unsigned bits = st_bits(dtype);
    if (!bits)
        return st_fail(sf, name, "dtype", "unknown dtype '%s'", dtype);
    uint64_t el = 0, nbytes = 0;
    if (st_elements(sf, name, json_object_get(e, "shape"), &el) ||
        st_nbytes(sf, name, dtype, bits, el, &nbytes) ||
        st_offsets(sf, name, json_object_get(e, "data_offsets"), nbytes, dtype, r))
        return -1;
    ti->name = lr_xstrdup(name);
    ti->dtype = lr_xstrdup(dtype);
    ti->elements = (double)el;
    ti->bytes = (double)nbytes;
    r->name = ti->name;
    return 0;
}

/* ---- one file ---- */

static int
cmp_range(const void *a, const void *b)
{
    const st_range *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Two tensors may not share bytes (empty tensors take none). */
static int
st_overlaps(const st_file *sf, st_range *r, size_t n)
{
    qsort(r, n, sizeof *r, cmp_range);
    const st_range *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        if (r[i].begin == r[i].end)
            continue;
        if (prev && r[i].begin < prev->end)
            return st_fail(sf, r[i].name, "data_offsets", "overlaps the data of '%s'", prev->name);
        prev = &r[i];
    }
    return 0;
}

static void
st_grow(lr_weights_info *info, size_t more)
{
    info->tensors = lr_xrealloc(info->tensors, info->ntensors + more, sizeof *info->tensors);
}

/* `seen` maps tensor names to the file that had them: a name may appear in
 * one shard only. */
static int
st_entries(const st_file *sf, json_t *h, lr_weights_info *info, json_t *seen, st_range *r)
{
    const char *name;
    json_t *e;
    size_t n = 0;
    json_object_foreach(h, name, e)
    {
        if (strcmp(name, "__metadata__") == 0) {
            if (!json_is_object(e))
                return st_fail(sf, name, NULL, "expected an object of strings");
            continue;
        }
        json_t *other = json_object_get(seen, name);
        if (other)
            return st_fail(sf, name, NULL, "duplicate tensor: also in %s",
                           json_string_value(other));
        if (st_tensor(sf, name, e, &info->tensors[info->ntensors], &r[n]))
            return -1;
        json_object_set_new(seen, name, json_string(sf->path));
        info->params += info->tensors[info->ntensors].elements;
        info->bytes += info->tensors[info->ntensors++].bytes;
        n++;
    }
    return st_overlaps(sf, r, n);
}

static int
st_read_file(const char *path, lr_weights_info *info, json_t *seen, lr_error *err)
{
    st_file sf = {path, err, 0};
    json_t *h = st_load(&sf);
    if (!h)
        return -1;
    size_t n = json_object_size(h);
    st_grow(info, n);
    st_range *r = lr_xcalloc(n, sizeof *r);
    int rc = st_entries(&sf, h, info, seen, r);
    free(r);
    json_decref(h);
    return rc;
}

/* ---- a sharded directory ---- */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct shard names of the weight map, sorted. Caller frees the
 * array (the names are the map's). */
static const char **
st_shards(json_t *wm, size_t *n, const char *index, lr_error *err)
{
    const char **v = lr_xcalloc(json_object_size(wm), sizeof *v);
    const char *name;
    json_t *s;
    *n = 0;
    json_object_foreach(wm, name, s)
    {
        const char *f = json_string_value(s);
        if (!f || !f[0] || f[0] == '/' || strstr(f, "..")) {
            char *p = lr_xasprintf("weight_map.%s", name);
            lr_err_set(err, index, p, "expected the name of a shard file in the same directory");
            free(p);
            free(v);
            return NULL;
        }
        v[(*n)++] = f;
    }
    if (*n)
        qsort(v, *n, sizeof *v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    *n = k;
    return v;
}

/* Every shard must exist, and every tensor the index lists must be in the
 * shard it names. */
static int
st_read_shards(const char *dir, const char *index, json_t *wm, lr_weights_info *info, lr_error *err)
{
    size_t n;
    const char **shards = st_shards(wm, &n, index, err);
    if (!shards)
        return -1;
    json_t *seen = json_object();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *p = lr_xasprintf("%s/%s", dir, shards[i]);
        if (!lr_is_file(p)) {
            lr_err_set(err, index, "weight_map", "shard '%s' listed in the index is missing",
                       shards[i]);
            rc = -1;
        } else {
            rc = st_read_file(p, info, seen, err);
        }
        free(p);
    }
    const char *name;
    json_t *s;
    json_object_foreach(wm, name, s)
    {
        if (rc)
            break;
        const char *had = json_string_value(json_object_get(seen, name));
        char *want = lr_xasprintf("%s/%s", dir, json_string_value(s));
        if (!had || strcmp(had, want) != 0) {
            char *p = lr_xasprintf("weight_map.%s", name);
            lr_err_set(err, index, p, "tensor not found in its shard '%s'", json_string_value(s));
            free(p);
            rc = -1;
        }
        free(want);
    }
    json_decref(seen);
    free(shards);
    return rc;
}

static int
st_read_index(const char *dir, const char *index, lr_weights_info *info, lr_error *err)
{
    json_error_t je;
    json_t *idx = json_load_file(index, JSON_REJECT_DUPLICATES, &je);
    if (!idx) {
        lr_err_set(err, index, "", "%s", je.text);
        if (err) {
            err->line = je.line > 0 ? je.line : 0;
            err->col = je.column > 0 ? je.column : 0;
        }
        return -1;
    }
    json_t *wm = json_object_get(idx, "weight_map");
    int rc;
    if (!json_is_object(wm)) {
        lr_err_set(err, index, "weight_map", "expected an object {tensor: shard file}");
        rc = -1;
    } else {
        rc = st_read_shards(dir, index, wm, info, err);
    }
    json_decref(idx);
    return rc;
}

static int
st_read_dir(const char *dir, lr_weights_info *info, lr_error *err)
{
    char *index = lr_xasprintf("%s/%s", dir, ST_INDEX);
    char *single = lr_xasprintf("%s/%s", dir, ST_SINGLE);
    int rc;
    if (lr_is_file(index)) {
        rc = st_read_index(dir, index, info, err);
    } else if (lr_is_file(single)) {
        json_t *seen = json_object();
        rc = st_read_file(single, info, seen, err);
        json_decref(seen);
    } else {
        lr_err_set(err, dir, "", "no %s or %s in this directory", ST_INDEX, ST_SINGLE);
        rc = -1;
    }
    free(index);
    free(single);
    return rc;
}

/* The index file itself may be given: its shards are in its directory. */
static int
is_index(const char *path)
{
    size_t n = strlen(path), k = strlen(".safetensors.index.json");
    return n >= k && strcmp(path + n - k, ".safetensors.index.json") == 0;
}

static int
st_read_index_path(const char *index, lr_weights_info *info, lr_error *err)
{
    const char *slash = strrchr(index, '/');
    char *dir = slash ? lr_xasprintf("%.*s", (int)(slash - index), index) : lr_xstrdup(".");
    if (!dir[0]) { /* an index at the root */
        free(dir);
        dir = lr_xstrdup("/");
    }
    int rc = st_read_index(dir, index, info, err);
    free(dir);
    return rc;
}

int
lr_safetensors_read(const char *path, lr_weights_info *info, lr_error *err)
{
    memset(info, 0, sizeof *info);
    int rc;
    if (lr_is_dir(path)) {
        rc = st_read_dir(path, info, err);
    } else if (is_index(path)) {
        rc = st_read_index_path(path, info, err);
    } else {
        json_t *seen = json_object();
        rc = st_read_file(path, info, seen, err);
        json_decref(seen);
    }
    if (rc) {
        lr_weights_info_free(info);
        memset(info, 0, sizeof *info);
        return -1;
    }
    info->eff_bits = info->params > 0 ? info->bytes * 8 / info->params : 0;
    return 0;
}

void
lr_weights_info_free(lr_weights_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->ntensors; i++) {
        free(info->tensors[i].name);
        free(info->tensors[i].dtype);
    }
    free(info->tensors);
    free(info->arch);
    free(info->config_json);
}
