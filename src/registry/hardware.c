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
                                                "fp8",  "int8", "int4"};

void
lr_hw_clear(lr_hw *h)
{
    free(h->id);
    free(h->name);
    for (size_t i = 0; i < h->naliases; i++)
        free(h->aliases[i]);
    free(h->aliases);
    free(h->source);
}

void
lr_hwdb_free(lr_hwdb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++)
        lr_hw_clear(&db->hw[i]);
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

int
lr_hw_load_entry(json_t *o, lr_hw *h, const char *file, const char *path, lr_error *err)
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
    json_t *al = json_object_get(o, "aliases");
    h->aliases = lr_xcalloc(json_array_size(al), sizeof *h->aliases);
    for (size_t i = 0; i < json_array_size(al); i++) {
        const char *s = json_string_value(json_array_get(al, i));
        if (!s) {
            lr_err_set(err, file, path, "aliases[%zu]: expected a string", i);
            return -1;
        }
        h->aliases[h->naliases++] = lr_xstrdup(s);
    }
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
        num(o, "interconnect_latency_s", &h->link_latency, file, path, err) < 0)
        return -1;
    if (h->bandwidth <= 0) {
        lr_err_set(err, file, path, "memory_bandwidth must be positive");
        return -1;
    }
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
            rc = lr_hw_load_entry(json_array_get(arr, i), &db->hw[db->n - 1], files[f], p, err);
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
    return lr_hwdb_find_loose(db, id); /* h100sxm, RTX 4090: hw_user.c */
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
