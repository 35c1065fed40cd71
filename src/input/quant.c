/*
 * quant.c: what a checkpoint says about its own quantization. A config.json
 * may carry a `quantization_config` (AutoAWQ, AutoGPTQ, transformers' FP8
 * and MXFP4, compressed-tensors), and an NVIDIA ModelOpt checkpoint has an
 * hf_quant_config.json beside it. Either selects one of the presets of
 * data/quant/presets.json (by name: the presets' values stay data), with
 * the config's own group size, bits and KV-cache type as overrides, and
 * its list of modules left unquantized marks those nodes of the tree
 * LR_WR_KEEP. docs/quantization.md describes the mapping.
 */
#include <fnmatch.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

/* Where errors point: the file and the JSON path of the value. */
typedef struct qread {
    const char *file;
    char base[64]; /* "quantization_config" or "quantization" (hf_quant_config.json) */
    lr_error *err;
    lr_arch_quant *q;
} qread;

static int
bad(qread *r, const char *key, const char *what)
{
    lr_err_set(r->err, r->file, "", "%s", what);
    snprintf(r->err->path, sizeof r->err->path, "%s%s%s", r->base, key[0] ? "." : "", key);
    return -1;
}

/* An optional whole number: absent or null leaves *out alone. */
static int
get_int(qread *r, json_t *o, const char *key, double lo, double hi, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char what[160];
        snprintf(what, sizeof what, "expected a whole number from %g to %g", lo, hi);
        return bad(r, key, what);
    }
    *out = (double)json_integer_value(v);
    return 0;
}

static int
get_bool(qread *r, json_t *o, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return bad(r, key, "expected true or false");
    *out = json_is_true(v);
    return 0;
}

static void
select_preset(qread *r, const char *name)
{
    snprintf(r->q->preset, sizeof r->q->preset, "%s", name);
}

/* ---- exclusion lists -------------------------------------------------- */

typedef struct pattern {
    const char *text;
    int kind; /* 0 a module name (or its last components), 1 a glob, 2 a regex */
    regex_t re;
} pattern;

/* "re:" patterns are Python regular expressions matched at the start of
 * the name (compressed-tensors uses re.match); the ones seen in
 * checkpoints are also POSIX extended ones, once \d is spelled [0-9]. */
static int
compile_regex(qread *r, pattern *p, const char *key)
{
    const char *src = p->text + 3;
    size_t n = strlen(src);
    char *ere = lr_xcalloc(n * 5 + 8, 1), *w = ere;
    w += sprintf(w, "^(");
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\\' && src[i + 1] == 'd') {
            w += sprintf(w, "[0-9]");
            i++;
        } else {
            *w++ = src[i];
        }
    }
    sprintf(w, ")");
    int rc = regcomp(&p->re, ere, REG_EXTENDED | REG_NOSUB);
    free(ere);
    if (rc != 0)
        return bad(r, key, "expected a regular expression after \"re:\"");
    p->kind = 2;
    return 0;
}

static int
pattern_match(const pattern *p, const char *name)
{
    if (p->kind == 2)
        return regexec(&p->re, name, 0, NULL, 0) == 0;
    if (p->kind == 1)
        return fnmatch(p->text, name, 0) == 0;
    size_t ln = strlen(name), lp = strlen(p->text);
    return strcmp(name, p->text) == 0 ||
           (ln > lp && name[ln - lp - 1] == '.' && strcmp(name + ln - lp, p->text) == 0);
}

typedef struct excl {
    pattern *pats;
    size_t n;
    size_t marked;
} excl;

static void
mark_keep(lr_node *n)
{
    n->wrole = LR_WR_KEEP;
    for (size_t i = 0; i < n->nsubs; i++)
        mark_keep(&n->subs[i]);
}

/* One component of a module name: a node, and for a layer stack (a
 * repeated or pipeline node: a ModuleList's elements) the range of indices
 * it stands for. Layer groups share their name ("layers": the dense first
 * layers, then the MoE ones), so a group's indices start after the
 * previous group's. */
typedef struct comp {
    const char *name;
    int indexed;
    double start, count;
} comp;

/* The node's module name as the checkpoint spells it, with index
 * start + idx after the first indexed component and its start after any
 * deeper one: "model.layers.7.mlp.gate". Matches when some index does. */
static int
node_matches(const excl *x, const comp *c, size_t depth)
{
    double tries = 1;
    for (size_t d = 0; d < depth; d++) {
        if (c[d].indexed) {
            tries = c[d].count < 4096 ? c[d].count : 4096;
            break;
        }
    }
    for (double idx = 0; idx < tries; idx++) {
        char name[1024];
        size_t len = 0;
        int seen = 0;
        for (size_t d = 0; d < depth && len < sizeof name; d++) {
            len +=
                (size_t)snprintf(name + len, sizeof name - len, "%s%s", len ? "." : "", c[d].name);
            if (c[d].indexed && len < sizeof name) {
                len += (size_t)snprintf(name + len, sizeof name - len, ".%.0f",
                                        c[d].start + (seen ? 0 : idx));
                seen = 1;
            }
        }
        for (size_t k = 0; k < x->n; k++)
            if (pattern_match(&x->pats[k], name))
                return 1;
    }
    return 0;
}

static void mark_subs(excl *x, lr_node *n, comp *c, size_t depth);

/* A node some pattern names (in any layer) stays unquantized, with
 * everything under it. */
static void
mark_excluded(excl *x, lr_node *n, comp *c, size_t depth)
{
    if (depth >= 32 || n->op)
        return;
    if (node_matches(x, c, depth + 1)) {
        mark_keep(n);
        x->marked++;
        return;
    }
    mark_subs(x, n, c, depth + 1);
}

/* The children of n at c[depth], each layer group numbered after the
 * groups of the same name before it. */
static void
mark_subs(excl *x, lr_node *n, comp *c, size_t depth)
{
    for (size_t i = 0; i < n->nsubs && depth < 32; i++) {
        lr_node *sub = &n->subs[i];
        comp *k = &c[depth];
        k->name = sub->name;
        k->indexed = sub->repeat > 1 || sub->pipeline;
        k->count = sub->repeat;
        k->start = 0;
        for (size_t j = 0; j < i; j++)
            if ((n->subs[j].repeat > 1 || n->subs[j].pipeline) &&
                strcmp(n->subs[j].name, sub->name) == 0)
                k->start += n->subs[j].repeat;
        mark_excluded(x, sub, c, depth);
    }
}

static int
apply_exclusions(qread *r, lr_arch *a, json_t *list, const char *key)
{
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list))
        return bad(r, key, "expected a list of module names or patterns");
    excl x = {lr_xcalloc(json_array_size(list) + 1, sizeof(pattern)), 0, 0};
    int rc = 0;
    for (size_t i = 0; i < json_array_size(list) && rc == 0; i++) {
        const char *s = json_string_value(json_array_get(list, i));
        char k[96];
        snprintf(k, sizeof k, "%s[%zu]", key, i);
        if (!s || !*s) {
            rc = bad(r, k, "expected a module name or pattern (a non-empty string)");
            break;
        }
        pattern *p = &x.pats[x.n];
        p->text = s;
        if (strncmp(s, "re:", 3) == 0)
            rc = compile_regex(r, p, k);
        else
            p->kind = strpbrk(s, "*?[") ? 1 : 0;
        if (rc == 0)
            x.n++;
    }
    if (rc == 0) {
        /* the root is the model itself: names start at its children */
        comp c[33];
        mark_subs(&x, &a->root, c, 0);
        r->q->nexcluded += x.marked;
    }
    for (size_t i = 0; i < x.n; i++)
        if (x.pats[i].kind == 2)
            regfree(&x.pats[i].re);
    free(x.pats);
    return rc;
}

/* ---- config.json quantization_config ---------------------------------- */

static int
read_awq_gptq(qread *r, json_t *qc, const char *method)
{
    double bits = 0, group = -2; /* -2: not given, the preset's */
    int zero = -1;
    if (get_int(r, qc, "bits", 2, 8, &bits) < 0 || get_int(r, qc, "w_bit", 2, 8, &bits) < 0 ||
        get_int(r, qc, "group_size", -1, 1 << 20, &group) < 0 ||
        get_int(r, qc, "q_group_size", -1, 1 << 20, &group) < 0 ||
        get_bool(r, qc, "zero_point", &zero) < 0)
        return -1;
    if (group == 0)
        return bad(r, "group_size", "expected a group size (-1 for per channel), got 0");
    select_preset(r, method);
    r->q->w_bit = bits;
    r->q->w_group = group == -2 ? 0 : group;
    r->q->w_asym = zero;
    return 0;
}

static int
read_fp8(qread *r, json_t *qc)
{
    json_t *blk = json_object_get(qc, "weight_block_size");
    if (!blk || json_is_null(blk)) {
        select_preset(r, "fp8");
        return 0;
    }
    json_t *a = json_array_get(blk, 0), *b = json_array_get(blk, 1);
    if (!json_is_array(blk) || json_array_size(blk) != 2 || !json_is_integer(a) ||
        !json_is_integer(b) || json_integer_value(a) < 1 || json_integer_value(b) < 1)
        return bad(r, "weight_block_size", "expected [rows, columns] of a scale block, or null");
    select_preset(r, "fp8-block");
    r->q->w_group = (double)json_integer_value(a) * (double)json_integer_value(b);
    return 0;
}

/* compressed-tensors: the first config group's weight (and input) scheme. */
static int
read_compressed(qread *r, json_t *qc)
{
    json_t *groups = json_object_get(qc, "config_groups");
    const char *gname = NULL;
    json_t *g = NULL;
    if (json_is_object(groups)) {
        void *it = json_object_iter(groups);
        gname = it ? json_object_iter_key(it) : NULL;
        g = it ? json_object_iter_value(it) : NULL;
    }
    json_t *w = json_object_get(g, "weights");
    if (!json_is_object(w))
        return bad(r, "config_groups",
                   "expected an object of groups, the first with a \"weights\" scheme");
    char key[160];
    snprintf(key, sizeof key, "config_groups.%s.weights", gname);
    qread sub = *r;
    snprintf(sub.base, sizeof sub.base, "%s.%s", r->base, key);
    double bits = 0, group = 0;
    const char *type = json_string_value(json_object_get(w, "type"));
    const char *strategy = json_string_value(json_object_get(w, "strategy"));
    int sym = 1;
    if (get_int(&sub, w, "num_bits", 1, 16, &bits) < 0 ||
        get_int(&sub, w, "group_size", 1, 1 << 20, &group) < 0 ||
        get_bool(&sub, w, "symmetric", &sym) < 0)
        return -1;
    if (!type || (strcmp(type, "int") && strcmp(type, "float")))
        return bad(&sub, "type", "expected \"int\" or \"float\"");
    json_t *in = json_object_get(g, "input_activations");
    int float_w = strcmp(type, "float") == 0;
    if (float_w && bits == 8) {
        select_preset(r, strategy && strcmp(strategy, "block") == 0 ? "fp8-block" : "fp8");
        json_t *bs = json_object_get(w, "block_structure");
        if (json_array_size(bs) == 2)
            r->q->w_group = (double)json_integer_value(json_array_get(bs, 0)) *
                            (double)json_integer_value(json_array_get(bs, 1));
        return 0;
    }
    if (float_w && bits == 4 && (group == 16 || group == 32)) {
        select_preset(r, group == 16 ? "nvfp4" : "mxfp4");
        return 0;
    }
    if (!float_w && bits == 8 && json_is_object(in)) {
        select_preset(r, "int8");
        return 0;
    }
    if (!float_w && (!in || json_is_null(in))) {
        select_preset(r, "w4a16");
        r->q->w_bit = bits;
        r->q->w_group = group > 0 ? group : -1; /* per channel or tensor: no groups */
        r->q->w_asym = !sym;
        return 0;
    }
    return bad(&sub, "",
               "unsupported scheme: expected float 8-bit (FP8), float 4-bit in groups of 16 or "
               "32 (NVFP4, MXFP4), int 8-bit with int 8-bit input activations (W8A8) or "
               "int weights with no input_activations (W4A16, W8A16)");
}

static int
read_kv_scheme(qread *r, json_t *qc)
{
    json_t *kv = json_object_get(qc, "kv_cache_scheme");
    if (!kv || json_is_null(kv))
        return 0;
    qread sub = *r;
    snprintf(sub.base, sizeof sub.base, "%s.kv_cache_scheme", r->base);
    double bits = 0;
    if (!json_is_object(kv))
        return bad(r, "kv_cache_scheme", "expected an object {num_bits, type, ...} or null");
    if (get_int(&sub, kv, "num_bits", 1, 16, &bits) < 0)
        return -1;
    r->q->kv_bit = (int)bits;
    return 0;
}

/* ModelOpt's names (hf_quant_config.json "quant_algo", also seen as a
 * config.json quantization_config with quant_method "modelopt"). */
static int
read_modelopt(qread *r, json_t *q)
{
    const char *algo = json_string_value(json_object_get(q, "quant_algo"));
    static const struct {
        const char *algo, *preset;
        int asym;
    } map[] = {{"FP8", "fp8", -1},      {"FP8_PER_CHANNEL_PER_TOKEN", "fp8", -1},
               {"NVFP4", "nvfp4", -1},  {"MXFP4", "mxfp4", -1},
               {"W4A16_AWQ", "awq", 0}, {"W8A8_SQ_PER_CHANNEL", "int8", -1}};
    size_t i = 0, n = sizeof map / sizeof map[0];
    while (algo && i < n && strcmp(map[i].algo, algo) != 0)
        i++;
    if (!algo || i == n)
        return bad(r, "quant_algo",
                   "expected FP8, FP8_PER_CHANNEL_PER_TOKEN, NVFP4, MXFP4, W4A16_AWQ or "
                   "W8A8_SQ_PER_CHANNEL");
    select_preset(r, map[i].preset);
    r->q->w_asym = map[i].asym;
    if (get_int(r, q, "group_size", 1, 1 << 20, &r->q->w_group) < 0)
        return -1;
    const char *kv = json_string_value(json_object_get(q, "kv_cache_quant_algo"));
    if (kv && (strcmp(kv, "FP8") == 0 || strcmp(kv, "INT8") == 0))
        r->q->kv_bit = 8;
    else if (kv && strcmp(kv, "NVFP4") == 0)
        r->q->kv_bit = 4;
    return 0;
}

static int
read_quantization_config(qread *r, lr_arch *a, json_t *qc)
{
    if (!json_is_object(qc))
        return bad(r, "", "expected an object with a \"quant_method\"");
    const char *m = json_string_value(json_object_get(qc, "quant_method"));
    if (!m)
        return bad(r, "quant_method",
                   "expected a string: awq, gptq, fp8, mxfp4, compressed-tensors or modelopt");
    int rc;
    if (strcmp(m, "awq") == 0 || strcmp(m, "gptq") == 0)
        rc = read_awq_gptq(r, qc, m);
    else if (strcmp(m, "fp8") == 0)
        rc = read_fp8(r, qc);
    else if (strcmp(m, "mxfp4") == 0)
        rc = (select_preset(r, "mxfp4"), 0);
    else if (strcmp(m, "compressed-tensors") == 0)
        rc = read_compressed(r, qc);
    else if (strcmp(m, "modelopt") == 0)
        rc = read_modelopt(r, qc);
    else {
        char what[256];
        snprintf(what, sizeof what,
                 "unsupported quant_method '%.100s' (expected awq, gptq, fp8, mxfp4, "
                 "compressed-tensors or modelopt)",
                 m);
        return bad(r, "quant_method", what);
    }
    if (rc == 0)
        rc = read_kv_scheme(r, qc);
    static const char *const lists[] = {"modules_to_not_convert", "ignore", "ignored_layers",
                                        "exclude_modules"};
    for (size_t i = 0; rc == 0 && i < sizeof lists / sizeof lists[0]; i++)
        rc = apply_exclusions(r, a, json_object_get(qc, lists[i]), lists[i]);
    return rc;
}

/* ---- hf_quant_config.json --------------------------------------------- */

/* Beside the config: hf_quant_config.json in its directory, or, for a
 * config saved as NAME.json (as this project's model collections name
 * them), NAME.hf_quant_config.json. Caller frees. */
static char *
hf_quant_path(const char *source)
{
    size_t n = strlen(source);
    if (n > 5 && strcmp(source + n - 5, ".json") == 0) {
        char *p = lr_xasprintf("%.*s.hf_quant_config.json", (int)(n - 5), source);
        if (lr_is_file(p))
            return p;
        free(p);
    }
    const char *slash = strrchr(source, '/');
    char *p = slash ? lr_xasprintf("%.*s/hf_quant_config.json", (int)(slash - source), source)
                    : lr_xstrdup("hf_quant_config.json");
    if (lr_is_file(p) && lr_is_file(source))
        return p;
    free(p);
    return NULL;
}

static int
read_hf_quant_config(lr_arch *a, const char *path, lr_error *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return -1;
    }
    qread r = {path, "quantization", err, &a->quant};
    json_t *q = json_object_get(root, "quantization");
    int rc = json_is_object(q)
                 ? read_modelopt(&r, q)
                 : bad(&r, "", "expected an object {quant_algo, exclude_modules, ...}");
    if (rc == 0)
        rc = apply_exclusions(&r, a, json_object_get(q, "exclude_modules"), "exclude_modules");
    json_decref(root);
    return rc;
}

int
lr_arch_read_quant(lr_arch *a, json_t *cfg, const char *source, lr_error *err)
{
    lr_arch_quant *q = &a->quant;
    memset(q, 0, sizeof *q);
    q->w_asym = -1;
    json_t *qc = json_object_get(cfg, "quantization_config");
    const char *base = "quantization_config";
    if (!qc && json_object_get(json_object_get(cfg, "text_config"), "quantization_config")) {
        qc = json_object_get(json_object_get(cfg, "text_config"), "quantization_config");
        base = "text_config.quantization_config";
    }
    int rc = 0;
    if (qc && !json_is_null(qc)) {
        qread r = {source, "", err, q};
        snprintf(r.base, sizeof r.base, "%s", base);
        snprintf(q->source, sizeof q->source, "%s", source);
        rc = read_quantization_config(&r, a, qc);
    } else {
        char *hq = hf_quant_path(source);
        if (hq) {
            snprintf(q->source, sizeof q->source, "%s", hq);
            rc = read_hf_quant_config(a, hq, err);
        }
        free(hq);
    }
    if (rc < 0)
        memset(q, 0, sizeof *q);
    return rc;
}
