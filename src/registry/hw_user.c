/*
 * hw_user.c: the hardware table as a user extends it: ids typed without
 * their punctuation, suggestions on a miss, the user's own hardware files
 * laid over the bundled table (validated strictly, errors at line and
 * column), and single fields overridden from the command line
 * (`--hw-set memory_bandwidth=4T`). docs/hardware.md describes all four.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/registry.h"

/* ---- loose lookup and suggestions ---- */

const lr_hw *
lr_hwdb_find_loose(const lr_hwdb *db, const char *id)
{
    char want[128], have[128];
    lr_name_squash(id, want, sizeof want);
    if (!want[0])
        return NULL;
    const lr_hw *found = NULL;
    for (size_t i = 0; i < db->n; i++) {
        const lr_hw *h = &db->hw[i];
        for (size_t j = 0; j <= h->naliases; j++) {
            lr_name_squash(j ? h->aliases[j - 1] : h->id, have, sizeof have);
            if (strcmp(want, have) != 0)
                continue;
            if (found && found != h)
                return NULL; /* ambiguous: the caller suggests instead */
            found = h;
        }
    }
    return found;
}

size_t
lr_hwdb_suggest(const lr_hwdb *db, const char *name, char *buf, size_t cap)
{
    lr_suggest s;
    lr_suggest_init(&s);
    for (size_t i = 0; i < db->n; i++) {
        const lr_hw *h = &db->hw[i];
        lr_suggest_offer(&s, name, h->id, h->id);
        for (size_t j = 0; j < h->naliases; j++)
            lr_suggest_offer(&s, name, h->aliases[j], h->id);
    }
    return lr_suggest_write(&s, buf, cap);
}

/* ---- locating a key in a hardware file, for line:column errors ---- */

typedef struct loc_frame {
    int is_obj;
    long index;    /* arrays: the element being read */
    char key[64];  /* objects: the key being read */
    int want_key;  /* objects: the next string is a key */
    int line, col; /* where the container opened */
} loc_frame;

/* Does the open path equal hardware[idx].key[.sub]? `upto` frames deep. */
static int
loc_match(const loc_frame *st, int depth, long idx, const char *key, const char *sub)
{
    if (depth < 2 || !st[0].is_obj || strcmp(st[0].key, "hardware") != 0 || st[1].is_obj ||
        st[1].index != idx)
        return 0;
    if (depth == 2)
        return 1;
    if (!key || strcmp(st[2].key, key) != 0)
        return 0;
    return depth == 3 ? !sub : sub && strcmp(st[3].key, sub) == 0;
}

/* The line and column of key `key` (and `sub` inside its object) of entry
 * `idx` of the "hardware" array; else of the entry's '{'. 0 when neither
 * is found (the file is valid JSON: only structure is followed). */
static void
hw_locate(const char *text, long idx, const char *key, const char *sub, int *line, int *col)
{
    loc_frame st[8];
    int depth = 0, ln = 1, cl = 1, in_value = 0;
    *line = *col = 0;
    for (const char *p = text; *p; p++, cl++) {
        char c = *p;
        loc_frame *top = depth ? &st[depth - 1] : NULL;
        if (c == '\n') {
            ln++;
            cl = 0;
        } else if (c == '"') {
            int sl = ln, sc = cl;
            const char *s = ++p;
            while (*p && *p != '"')
                p += (*p == '\\' && p[1]) ? 2 : 1;
            cl += (int)(p - s) + 1;
            if (top && top->is_obj && top->want_key) {
                snprintf(top->key, sizeof top->key, "%.*s", (int)(p - s), s);
                top->want_key = 0;
                int full = sub ? 4 : 3;
                if (depth == full && loc_match(st, depth, idx, key, sub)) {
                    *line = sl, *col = sc;
                    return;
                }
            } else if (top && !top->is_obj && !in_value) {
                top->index++;
            }
            if (!*p)
                return;
        } else if (c == '{' || c == '[') {
            if (top && !top->is_obj && !in_value)
                top->index++;
            if (depth == 8)
                return;
            st[depth] = (loc_frame){c == '{', -1, "", c == '{', ln, cl};
            depth++;
            in_value = 0;
            if (c == '{' && depth == 3 && loc_match(st, 2, idx, NULL, NULL) && !*line)
                *line = ln, *col = cl;
        } else if (c == '}' || c == ']') {
            depth -= depth > 0;
            in_value = 1;
        } else if (c == ',') {
            in_value = 0;
            if (top && top->is_obj)
                top->want_key = 1;
        } else if (c == ':') {
            in_value = 0;
        } else if (top && !top->is_obj && !in_value && c != ' ' && c != '\t' && c != '\r') {
            top->index++; /* a number, true, false or null in an array */
            in_value = 1;
        }
    }
}

/* ---- user hardware files ---- */

static const char *const entry_keys[] = {"id",
                                         "name",
                                         "aliases",
                                         "peak_flops",
                                         "memory_bandwidth",
                                         "memory_bytes",
                                         "onchip_bytes",
                                         "l2_bytes",
                                         "compute_units",
                                         "interconnect_bandwidth",
                                         "interconnect_latency_s",
                                         "compute_capability",
                                         "collectives",
                                         "runtime_memory",
                                         "class",
                                         "source",
                                         "unverified",
                                         "notes",
                                         NULL};

/* A user's file must hold only keys the loader reads: a misspelt one
 * ("memory_bandwith") would otherwise be silently ignored. */
static int
check_keys(json_t *o, const char *file, const char *text, long idx, lr_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        int ok = k[0] == '_';
        for (size_t i = 0; !ok && entry_keys[i]; i++)
            ok = strcmp(k, entry_keys[i]) == 0;
        if (!ok) {
            lr_suggest s;
            lr_suggest_init(&s);
            for (size_t i = 0; entry_keys[i]; i++)
                lr_suggest_offer(&s, k, entry_keys[i], entry_keys[i]);
            char near[512];
            lr_suggest_write(&s, near, sizeof near);
            lr_err_set(err, file, "", "hardware[%ld]: unknown key '%s'%s%s%s", idx, k,
                       near[0] ? " (did you mean " : "", near, near[0] ? "?)" : "");
            hw_locate(text, idx, k, NULL, &err->line, &err->col);
            return -1;
        }
        (void)v;
    }
    json_t *peaks = json_object_get(o, "peak_flops");
    json_object_foreach(peaks, k, v)
    {
        int ok = 0;
        for (int d = 0; d < LR_NDTYPES && !ok; d++)
            ok = strcmp(k, lr_dtype_names[d]) == 0;
        if (!ok) {
            lr_err_set(err, file, "",
                       "hardware[%ld].peak_flops: unknown data type '%s' (expected fp32, tf32, "
                       "fp16, bf16, fp8, int8 or int4)",
                       idx, k);
            hw_locate(text, idx, "peak_flops", k, &err->line, &err->col);
            return -1;
        }
    }
    return 0;
}

/* The key an entry error names ("hardware[2].peak_flops: fp16: ...",
 * "hardware[2]: memory_bandwidth ..."), to place the error. */
static void
locate_error(const char *text, long idx, lr_error *err)
{
    char key[64] = "", sub[64] = "";
    const char *m = err->msg, *p = err->path;
    const char *dot = strchr(p, '.');
    if (dot) { /* hardware[i].peak_flops: "fp16: expected ..." */
        snprintf(key, sizeof key, "%s", dot + 1);
        snprintf(sub, sizeof sub, "%.*s", (int)strcspn(m, ": "), m);
    } else {
        snprintf(key, sizeof key, "%.*s", (int)strcspn(m, ": "), m);
    }
    hw_locate(text, idx, key, sub[0] ? sub : NULL, &err->line, &err->col);
    if (!err->line)
        hw_locate(text, idx, NULL, NULL, &err->line, &err->col);
}

/* Adds `h` to db, replacing the device with the same id; returns its index. */
static size_t
put_entry(lr_hwdb *db, lr_hw *h)
{
    for (size_t i = 0; i < db->n; i++) {
        if (strcasecmp(db->hw[i].id, h->id) == 0) {
            lr_hw_clear(&db->hw[i]);
            db->hw[i] = *h;
            return i;
        }
    }
    db->hw = lr_xrealloc(db->hw, db->n + 1, sizeof *db->hw);
    db->want = lr_xrealloc(db->want, db->n + 1, sizeof *db->want);
    db->hw[db->n] = *h;
    db->want[db->n] = NULL;
    return db->n++;
}

static int
layer_file(lr_hwdb *db, const char *file, const lr_hw **last, lr_error *err)
{
    size_t len;
    char *text = lr_read_file(file, &len, err);
    if (!text)
        return -1;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int n = 0;
    json_t *arr = json_object_get(root, "hardware");
    if (!root) {
        lr_err_set(err, file, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        n = -1;
    } else if (!json_is_array(arr)) {
        lr_err_set(err, file, "",
                   "expected a top-level \"hardware\" array of devices (the schema of "
                   "data/hardware/accelerators.json; docs/hardware.md)");
        n = -1;
    }
    for (size_t i = 0; n >= 0 && i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        char p[64];
        snprintf(p, sizeof p, "hardware[%zu]", i);
        lr_hw h;
        memset(&h, 0, sizeof h);
        if (!json_is_object(o)) {
            lr_err_set(err, file, p, "expected a device object");
            hw_locate(text, (long)i, NULL, NULL, &err->line, &err->col);
            n = -1;
        } else if (check_keys(o, file, text, (long)i, err) < 0) {
            n = -1;
        } else if (lr_hw_load_entry(o, &h, file, p, err) < 0) {
            lr_hw_clear(&h);
            locate_error(text, (long)i, err);
            n = -1;
        } else {
            size_t at = put_entry(db, &h);
            if (lr_hwdb_entry_extras(db, o, NULL, at, file, p, err) < 0 ||
                lr_hwdb_link(db, err) < 0) {
                locate_error(text, (long)i, err);
                n = -1;
            } else {
                if (last)
                    *last = &db->hw[at];
                n++;
            }
        }
    }
    json_decref(root);
    free(text);
    return n;
}

int
lr_hwdb_load_layer(lr_hwdb *db, const char *path, const lr_hw **last, lr_error *err)
{
    if (last)
        *last = NULL;
    if (!lr_is_dir(path)) {
        if (!lr_is_file(path)) {
            lr_err_set(err, path, "", "no such hardware file");
            return -1;
        }
        return layer_file(db, path, last, err);
    }
    size_t nfiles = 0;
    lr_err_clear(err);
    char **files = lr_list_json(path, &nfiles, err);
    if (!files && err->msg[0])
        return -1;
    int total = 0;
    for (size_t f = 0; f < nfiles; f++) {
        int n = total < 0 ? 0 : layer_file(db, files[f], last, err);
        total = total < 0 || n < 0 ? -1 : total + n;
        free(files[f]);
    }
    free(files);
    return total;
}

/* ---- --hw-set KEY=VALUE ---- */

typedef struct hw_key {
    const char *name, *alias, *unit;
    size_t off; /* offsetof in lr_hw of the double */
    int positive, whole;
} hw_key;

#define F(x) offsetof(lr_hw, x)
static const hw_key hw_keys[] = {
    {"memory_bandwidth", "bandwidth", "B/s", F(bandwidth), 1, 0},
    {"memory_bytes", "memory", "B", F(memory_bytes), 0, 0},
    {"onchip_bytes", "onchip", "B", F(onchip_bytes), 0, 0},
    {"l2_bytes", "l2", "B", F(l2_bytes), 0, 0},
    {"compute_units", "sms", "", F(compute_units), 0, 1},
    {"interconnect_bandwidth", "link_bandwidth", "B/s", F(link_bandwidth), 0, 0},
    {"interconnect_latency_s", "link_latency", "s", F(link_latency), 0, 0},
};
#undef F

/* "3.35T", "3.35TB/s", "80GiB", "2us", "312e12": a number, an optional
 * decimal or binary prefix, the key's unit optionally. */
static int
hw_value(const char *text, const char *unit, double *out)
{
    static const struct {
        const char *p;
        double f;
    } prefixes[] = {{"Ki", 1024.0},
                    {"Mi", 1048576.0},
                    {"Gi", 1073741824.0},
                    {"Ti", 1099511627776.0},
                    {"Pi", 1125899906842624.0},
                    {"k", 1e3},
                    {"K", 1e3},
                    {"M", 1e6},
                    {"G", 1e9},
                    {"T", 1e12},
                    {"P", 1e15},
                    {"m", 1e-3},
                    {"u", 1e-6},
                    {"n", 1e-9},
                    {"", 1}};
    size_t numlen = strspn(text, "0123456789.eE+-");
    char num[64];
    if (numlen == 0 || numlen >= sizeof num)
        return -1;
    memcpy(num, text, numlen);
    num[numlen] = '\0';
    /* "2e" followed by nothing would leave the exponent dangling */
    double v;
    if (lr_parse_number(num, &v) < 0)
        return -1;
    const char *rest = text + numlen;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i].p);
        if (strncmp(rest, prefixes[i].p, pl) != 0)
            continue;
        const char *u = rest + pl;
        if (*u && strcmp(u, unit) != 0 && !(unit[0] == 'F' && strcmp(u, "OP/s") == 0))
            continue;
        if (!*u && pl && !*unit && prefixes[i].f < 1)
            continue; /* "5m" of a count: not a unit */
        *out = v * prefixes[i].f;
        return isfinite(*out) ? 0 : -1;
    }
    return -1;
}

/* The valid keys, for the message of an unknown one. */
static void
key_list(char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof hw_keys / sizeof hw_keys[0] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", hw_keys[i].name);
    for (int d = 0; d < LR_NDTYPES && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, ", peak_flops.%s", lr_dtype_names[d]);
}

static int
unknown_key(const char *key, lr_error *err)
{
    lr_suggest s;
    lr_suggest_init(&s);
    for (size_t i = 0; i < sizeof hw_keys / sizeof hw_keys[0]; i++) {
        lr_suggest_offer(&s, key, hw_keys[i].name, hw_keys[i].name);
        lr_suggest_offer(&s, key, hw_keys[i].alias, hw_keys[i].name);
    }
    char near[512], all[1024];
    lr_suggest_write(&s, near, sizeof near);
    key_list(all, sizeof all);
    lr_err_set(err, "", "--hw-set", "unknown hardware key '%s'%s%s%s; valid keys: %s", key,
               near[0] ? " (did you mean " : "", near, near[0] ? "?)" : "", all);
    return -1;
}

int
lr_hwdb_set(lr_hwdb *db, const char *id, const char *key, const char *value, lr_error *err)
{
    lr_hw *h = (lr_hw *)lr_hwdb_find(db, id);
    if (!h) {
        lr_err_set(err, "", "--hw-set", "unknown hardware '%s'", id);
        return -1;
    }
    double *dst = NULL;
    const char *unit = "FLOP/s", *name = key;
    int positive = 0, whole = 0;
    const char *dt = !strncmp(key, "peak_flops.", 11) ? key + 11 : key;
    for (int d = 0; d < LR_NDTYPES; d++)
        if (strcmp(dt, lr_dtype_names[d]) == 0)
            dst = &h->peak[d];
    for (size_t i = 0; !dst && i < sizeof hw_keys / sizeof hw_keys[0]; i++) {
        const hw_key *k = &hw_keys[i];
        if (strcmp(key, k->name) == 0 || strcmp(key, k->alias) == 0) {
            dst = (double *)(void *)((char *)h + k->off);
            unit = k->unit, name = k->name, positive = k->positive, whole = k->whole;
        }
    }
    if (!dst)
        return unknown_key(key, err);
    double v;
    if (hw_value(value, unit, &v) < 0 || v < 0 || (positive && v <= 0) ||
        (whole && v != floor(v))) {
        lr_err_set(err, "", "--hw-set",
                   "%s: expected a %s number%s%s (a prefix k M G T P, Ki Mi Gi Ti%s may "
                   "follow), got '%s'",
                   name,
                   positive ? "positive"
                   : whole  ? "whole non-negative"
                            : "non-negative",
                   unit[0] ? " in " : "", unit, unit[0] == 's' ? ", m u n" : "", value);
        return -1;
    }
    *dst = v;
    return 0;
}
