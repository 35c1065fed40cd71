/*
 * hardware.c: the hardware database (data/hardware/ (JSON)): peak throughput
 * per data type, memory bandwidth and capacity, on-chip buffers and
 * interconnect. Looked up by id or alias (LLM-Viewer's names are aliases).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/registry.h"

const char *const lr_dtype_names[LR_NDTYPES] = {"fp32", "tf32", "fp16", "bf16",
                                                "fp8",  "int8", "int4", "fp16_acc16"};

struct lr_hwdb {
    lr_hw *hw;
    size_t n;
};

static void
hw_clear(lr_hw *h)
{
    free(h->id);
    free(h->name);
    for (size_t i = 0; i < h->naliases; i++)
        free(h->aliases[i]);
    free(h->aliases);
    free(h->source);
    for (size_t i = 0; i < h->nunverified; i++)
        free(h->unverified[i]);
    free(h->unverified);
}

void
lr_hwdb_free(lr_hwdb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++)
        hw_clear(&db->hw[i]);
    free(db->hw);
    free(db);
}

/* Reads an optional non-negative number (null = 0 = unknown). */
static int
num(json_t *o, const char *key, double *out, const char *file, const char *path, lr_error *err)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    double d = json_number_value(v);
    if (!json_is_number(v) || !isfinite(d) || d < 0) {
        lr_err_set(err, file, path, "%s: expected a non-negative number", key);
        return -1;
    }
    *out = d;
    return 0;
}

/* Reads an optional array of strings (aliases, unverified). */
static int
strings(json_t *o, const char *key, char ***out, size_t *n, const char *file, const char *path,
        lr_error *err)
{
    json_t *a = json_object_get(o, key);
    if (a && !json_is_array(a)) {
        lr_err_set(err, file, path, "%s: expected an array of strings", key);
        return -1;
    }
    *out = lr_xcalloc(json_array_size(a) + 1, sizeof **out);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s) {
            lr_err_set(err, file, path, "%s[%zu]: expected a string", key, i);
            return -1;
        }
        (*out)[(*n)++] = lr_xstrdup(s);
    }
    return 0;
}

static int
load_one(json_t *o, lr_hw *h, const char *file, const char *path, lr_error *err)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    if (!id || !*id) {
        lr_err_set(err, file, path, "entry needs an \"id\" string");
        return -1;
    }
    h->id = lr_xstrdup(id);
    const char *name = json_string_value(json_object_get(o, "name"));
    h->name = lr_xstrdup(name ? name : id);
    const char *src = json_string_value(json_object_get(o, "source"));
    h->source = lr_xstrdup(src ? src : "");
    if (strings(o, "aliases", &h->aliases, &h->naliases, file, path, err) < 0)
        return -1;
    json_t *peaks = json_object_get(o, "peak_flops");
    if (!json_is_object(peaks)) {
        lr_err_set(err, file, path, "entry needs a \"peak_flops\" object");
        return -1;
    }
    char p[700];
    snprintf(p, sizeof p, "%s.peak_flops", path);
    for (int d = 0; d < LR_NDTYPES; d++)
        if (num(peaks, lr_dtype_names[d], &h->peak[d], file, p, err) < 0)
            return -1;
    if (num(o, "memory_bandwidth", &h->bandwidth, file, path, err) < 0 ||
        num(o, "memory_bytes", &h->memory_bytes, file, path, err) < 0 ||
        num(o, "onchip_bytes", &h->onchip_bytes, file, path, err) < 0 ||
        num(o, "l2_bytes", &h->l2_bytes, file, path, err) < 0 ||
        num(o, "compute_units", &h->compute_units, file, path, err) < 0 ||
        num(o, "interconnect_bandwidth", &h->link_bandwidth, file, path, err) < 0 ||
        num(o, "interconnect_latency_s", &h->link_latency, file, path, err) < 0 ||
        num(o, "compute_capability", &h->compute_capability, file, path, err) < 0 ||
        strings(o, "unverified", &h->unverified, &h->nunverified, file, path, err) < 0)
        return -1;
    if (h->bandwidth <= 0) {
        lr_err_set(err, file, path, "memory_bandwidth must be positive");
        return -1;
    }
    return 0;
}

/* The memory the runtime keeps for itself (docs/memory.md): an entry's own
 * "runtime_memory" object, else the file's top-level one (the same for
 * every device of aiconfigurator's tables), else none. */
static int
load_runtime(json_t *entry, json_t *root, lr_hw *h, const char *file, const char *path,
             lr_error *err)
{
    static const char *const n[4] = {"1", "2", "4", "8"};
    json_t *o = json_object_get(entry, "runtime_memory");
    char p[700];
    snprintf(p, sizeof p, "%s.runtime_memory", path);
    if (!o) {
        o = json_object_get(root, "runtime_memory");
        snprintf(p, sizeof p, "runtime_memory");
    }
    if (!o || json_is_null(o))
        return 0;
    if (!json_is_object(o)) {
        lr_err_set(err, file, p, "expected an object {context_bytes, comm_bytes, source}");
        return -1;
    }
    if (num(o, "context_bytes", &h->runtime_bytes, file, p, err) < 0)
        return -1;
    json_t *c = json_object_get(o, "comm_bytes");
    char pc[760];
    snprintf(pc, sizeof pc, "%s.comm_bytes", p);
    for (int i = 0; i < 4; i++)
        if (num(c, n[i], &h->comm_bytes[i], file, pc, err) < 0)
            return -1;
    return 0;
}

lr_hwdb *
lr_hwdb_load(const char *path, lr_error *err)
{
    size_t nfiles = 0;
    char **files = NULL;
    if (lr_is_dir(path)) {
        lr_err_clear(err);
        files = lr_list_json(path, &nfiles, err);
        if (!files && err->msg[0])
            return NULL;
    } else {
        files = lr_xmalloc(sizeof *files);
        files[0] = lr_xstrdup(path);
        nfiles = 1;
    }
    lr_hwdb *db = lr_xcalloc(1, sizeof *db);
    int rc = 0;
    for (size_t f = 0; f < nfiles; f++) {
        json_error_t je;
        json_t *root = rc ? NULL : json_load_file(files[f], JSON_REJECT_DUPLICATES, &je);
        if (!rc && !root) {
            lr_err_set(err, files[f], "", "malformed JSON: %s", je.text);
            err->line = je.line;
            err->col = je.column;
            rc = -1;
        }
        json_t *arr = json_object_get(root, "hardware");
        if (!rc && !json_is_array(arr)) {
            lr_err_set(err, files[f], "hardware", "expected a top-level \"hardware\" array");
            rc = -1;
        }
        for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
            char p[64];
            snprintf(p, sizeof p, "hardware[%zu]", i);
            db->hw = lr_xrealloc(db->hw, db->n + 1, sizeof *db->hw);
            memset(&db->hw[db->n], 0, sizeof db->hw[0]);
            db->n++;
            rc = load_one(json_array_get(arr, i), &db->hw[db->n - 1], files[f], p, err);
            if (!rc)
                rc = load_runtime(json_array_get(arr, i), root, &db->hw[db->n - 1], files[f], p,
                                  err);
        }
        json_decref(root);
        free(files[f]);
    }
    free(files);
    if (rc) {
        lr_hwdb_free(db);
        return NULL;
    }
    return db;
}

const lr_hw *
lr_hwdb_find(const lr_hwdb *db, const char *id)
{
    /* case-insensitive: users type H100-SXM as often as h100-sxm */
    for (size_t i = 0; i < db->n; i++) {
        if (strcasecmp(db->hw[i].id, id) == 0)
            return &db->hw[i];
        for (size_t j = 0; j < db->hw[i].naliases; j++)
            if (strcasecmp(db->hw[i].aliases[j], id) == 0)
                return &db->hw[i];
    }
    return NULL;
}

size_t
lr_hwdb_count(const lr_hwdb *db)
{
    return db->n;
}

const lr_hw *
lr_hwdb_at(const lr_hwdb *db, size_t i)
{
    return i < db->n ? &db->hw[i] : NULL;
}
