/*
 * hardware.c: the hardware database (data/hardware/ (JSON)): peak throughput
 * per data type, memory bandwidth and capacity, on-chip buffers and
 * interconnect. Looked up by id or alias (LLM-Viewer's names are aliases).
 * Beside it, the measured collectives (data/hardware/collectives.json, made
 * by scripts/fit_collectives.py): per interconnect class, the time of an
 * all-reduce, all-gather, reduce-scatter and all-to-all by message size and
 * device count, which time the communication ops (lr_hw_comm_time).
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

void
lr_hw_clear(lr_hw *h)
{
    free(h->id);
    free(h->name);
    for (size_t i = 0; i < h->naliases; i++)
        free(h->aliases[i]);
    free(h->aliases);
    free(h->source);
    free(h->cls);
    for (size_t i = 0; i < h->nunverified; i++)
        free(h->unverified[i]);
    free(h->unverified);
}

static void
comm_clear(struct lr_comm *c)
{
    free(c->name);
    for (int k = 0; k < LR_NCURVES; k++) {
        for (size_t i = 0; i < c->nc[k]; i++) {
            free(c->c[k][i].b);
            free(c->c[k][i].t);
        }
        free(c->c[k]);
    }
}

void
lr_hwdb_free(lr_hwdb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++) {
        lr_hw_clear(&db->hw[i]);
        free(db->want[i]);
    }
    free(db->hw);
    free(db->want);
    for (size_t i = 0; i < db->ncls; i++)
        comm_clear(&db->cls[i]);
    free(db->cls);
    json_decref(db->rt_default);
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
    /* the efficiency class (docs/expected-time.md); absent: by the
     * efficiency data's hardware lists */
    json_t *cls = json_object_get(o, "class");
    if (cls && (!json_is_string(cls) || !*json_string_value(cls))) {
        lr_err_set(err, file, path, "class: expected an efficiency class name (hopper, ...)");
        return -1;
    }
    h->cls = cls ? lr_xstrdup(json_string_value(cls)) : NULL;
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
load_runtime(json_t *entry, json_t *dflt, lr_hw *h, const char *file, const char *path,
             lr_error *err)
{
    static const char *const n[4] = {"1", "2", "4", "8"};
    json_t *o = json_object_get(entry, "runtime_memory");
    char p[700];
    snprintf(p, sizeof p, "%s.runtime_memory", path);
    if (!o) {
        o = dflt;
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

/* ---- measured collectives ---- */

/* The entry's optional "collectives": the class of its interconnect. */
static int
want_class(json_t *o, char **out, const char *file, const char *path, lr_error *err)
{
    json_t *v = json_object_get(o, "collectives");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        lr_err_set(err, file, path, "collectives: expected the name of an interconnect class");
        return -1;
    }
    *out = lr_xstrdup(json_string_value(v));
    return 0;
}

int
lr_hwdb_entry_extras(lr_hwdb *db, json_t *o, json_t *root, size_t i, const char *file,
                     const char *path, lr_error *err)
{
    /* the first file's top-level runtime_memory serves every later entry
     * that has none, user files' included */
    json_t *dflt = json_object_get(root, "runtime_memory");
    if (dflt && !db->rt_default)
        db->rt_default = json_incref(dflt);
    if (load_runtime(o, dflt ? dflt : db->rt_default, &db->hw[i], file, path, err) < 0)
        return -1;
    free(db->want[i]);
    db->want[i] = NULL;
    return want_class(o, &db->want[i], file, path, err);
}

/* [[bytes, seconds], ...]: both positive, bytes increasing. */
static int
load_curve(json_t *arr, curve *cv, const char *file, const char *path, lr_error *err)
{
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0) {
        lr_err_set(err, file, path, "expected an array of [bytes, seconds] pairs");
        return -1;
    }
    cv->b = lr_xcalloc(n, sizeof *cv->b);
    cv->t = lr_xcalloc(n, sizeof *cv->t);
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(arr, i);
        double b = json_number_value(json_array_get(p, 0));
        double t = json_number_value(json_array_get(p, 1));
        if (json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
            !json_is_number(json_array_get(p, 1)) || !(b > 0 && t > 0) || !isfinite(b) ||
            !isfinite(t) || (i > 0 && b <= cv->b[i - 1])) {
            lr_err_set(err, file, path,
                       "[%zu]: expected [bytes, seconds], both positive, bytes increasing", i);
            return -1;
        }
        cv->b[i] = b;
        cv->t[i] = t;
        cv->npts = i + 1;
    }
    return 0;
}

/* "all_reduce": {"2": [...], "4": [...]} of one class. */
static int
load_class(json_t *o, struct lr_comm *c, const char *file, const char *path, lr_error *err)
{
    for (int k = 0; k < LR_NCURVES; k++) {
        json_t *by_n = json_object_get(o, lr_coll_names[k]);
        if (!by_n)
            continue;
        const char *key;
        json_t *arr;
        json_object_foreach(by_n, key, arr)
        {
            char p[700];
            snprintf(p, sizeof p, "%s.%s.%s", path, lr_coll_names[k], key);
            double n = 0;
            if (lr_parse_number(key, &n) < 0 || n < 2 || n != floor(n)) {
                lr_err_set(err, file, p, "expected a device count (a whole number >= 2)");
                return -1;
            }
            c->c[k] = lr_xrealloc(c->c[k], c->nc[k] + 1, sizeof *c->c[k]);
            curve *cv = &c->c[k][c->nc[k]++];
            memset(cv, 0, sizeof *cv);
            cv->n = n;
            if (load_curve(arr, cv, file, p, err) < 0)
                return -1;
        }
    }
    return 0;
}

/* A file's "collectives" (classes) and "default_latency_s". */
static int
load_collectives(lr_hwdb *db, json_t *root, const char *file, lr_error *err)
{
    json_t *classes = json_object_get(root, "collectives");
    if (!classes)
        return 0;
    if (!json_is_object(classes)) {
        lr_err_set(err, file, "collectives", "expected an object of interconnect classes");
        return -1;
    }
    db->has_comm = 1;
    const char *name;
    json_t *o;
    json_object_foreach(classes, name, o)
    {
        db->cls = lr_xrealloc(db->cls, db->ncls + 1, sizeof *db->cls);
        struct lr_comm *c = &db->cls[db->ncls++];
        memset(c, 0, sizeof *c);
        c->name = lr_xstrdup(name);
        char p[300];
        snprintf(p, sizeof p, "collectives.%s", name);
        if (load_class(o, c, file, p, err) < 0)
            return -1;
    }
    json_t *dl = json_object_get(root, "default_latency_s");
    static const char *const ns[3] = {"2", "4", "8"};
    for (int k = 0; k < LR_NCURVES; k++) {
        for (int j = 0; j < 3; j++) {
            json_t *v = json_object_get(json_object_get(dl, lr_coll_names[k]), ns[j]);
            double d = json_number_value(v);
            if (!json_is_number(v) || !(d >= 0) || !isfinite(d)) {
                lr_err_set(err, file, "default_latency_s",
                           "%s.%s: expected seconds (a non-negative number)", lr_coll_names[k],
                           ns[j]);
                return -1;
            }
            db->dflt[k * 3 + j] = d;
        }
    }
    return 0;
}

/* Points each entry at its class once every file is read. */
int
lr_hwdb_link(lr_hwdb *db, lr_error *err)
{
    db->none.dflt = db->dflt;
    for (size_t i = 0; i < db->ncls; i++)
        db->cls[i].dflt = db->dflt;
    for (size_t i = 0; i < db->n; i++) {
        db->hw[i].comm = db->has_comm ? &db->none : NULL;
        if (!db->want[i])
            continue;
        size_t k;
        for (k = 0; k < db->ncls; k++)
            if (strcmp(db->cls[k].name, db->want[i]) == 0)
                break;
        if (k == db->ncls) {
            lr_err_set(err, "", db->hw[i].id,
                       "hardware %s: collectives '%s' is not a class of any collectives table "
                       "(data/hardware/collectives.json)",
                       db->hw[i].id, db->want[i]);
            return -1;
        }
        db->hw[i].comm = &db->cls[k];
    }
    return 0;
}

/* Log-log between measured sizes; the floor below, bandwidth-bound above. */
static double
curve_time(const curve *c, double m)
{
    if (m <= c->b[0])
        return c->t[0];
    size_t last = c->npts - 1;
    if (m >= c->b[last])
        return c->t[last] * m / c->b[last];
    size_t i = 1;
    while (c->b[i] < m)
        i++;
    double f = log(m / c->b[i - 1]) / log(c->b[i] / c->b[i - 1]);
    return exp(log(c->t[i - 1]) + f * log(c->t[i] / c->t[i - 1]));
}

double
lr_hw_comm_time(const lr_hw *hw, int coll, double group, double message, double calls,
                double net_bytes, double hops)
{
    double wire = hw->link_bandwidth > 0 ? net_bytes / hw->link_bandwidth : 0;
    if (coll < 0 || coll >= LR_NCOLL || !hw->comm)
        return wire + hops * hw->link_latency;
    /* a send of M bytes: each of 2 devices sends M to the other, as in a
     * 2-device all-gather of 2M, the closest measured collective */
    int k = coll == LR_COLL_SEND ? LR_COLL_ALL_GATHER : coll;
    double n = coll == LR_COLL_SEND ? 2 : group;
    double m = coll == LR_COLL_SEND ? 2 * message : message;
    const struct lr_comm *c = hw->comm;
    for (size_t i = 0; i < c->nc[k]; i++)
        if (c->c[k][i].n == n)
            return calls * curve_time(&c->c[k][i], m);
    if (hw->link_latency > 0)
        return wire + hops * hw->link_latency;
    return calls * c->dflt[k * 3 + (n <= 2 ? 0 : n <= 4 ? 1 : 2)] + wire;
}

const char *
lr_hw_comm_class(const lr_hw *hw)
{
    return hw->comm && hw->comm->name ? hw->comm->name : NULL;
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
        if (!rc)
            rc = load_collectives(db, root, files[f], err);
        json_t *arr = json_object_get(root, "hardware");
        /* a file of collectives alone has no "hardware" */
        if (!rc && !json_is_array(arr) && !(json_object_get(root, "collectives") && !arr)) {
            lr_err_set(err, files[f], "hardware", "expected a top-level \"hardware\" array");
            rc = -1;
        }
        for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
            char p[64];
            snprintf(p, sizeof p, "hardware[%zu]", i);
            db->hw = lr_xrealloc(db->hw, db->n + 1, sizeof *db->hw);
            db->want = lr_xrealloc(db->want, db->n + 1, sizeof *db->want);
            memset(&db->hw[db->n], 0, sizeof db->hw[0]);
            db->want[db->n] = NULL;
            db->n++;
            json_t *o = json_array_get(arr, i);
            rc = lr_hw_load_entry(o, &db->hw[db->n - 1], files[f], p, err);
            if (!rc)
                rc = lr_hwdb_entry_extras(db, o, root, db->n - 1, files[f], p, err);
        }
        json_decref(root);
        free(files[f]);
    }
    free(files);
    if (rc || lr_hwdb_link(db, err) < 0) {
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
