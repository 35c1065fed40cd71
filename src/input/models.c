/*
 * models.c: resolving a model argument: a bundled model id
 * ("meta-llama/Llama-2-7b-hf", stored as data/models/meta-llama--Llama-2-7b-hf.json),
 * a path to a config.json or to a directory holding one, a path to an
 * architecture JSON, or a path to a print(model) text (src/input/repr.c), and
 * loading it into a tree.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input/input.h"

/* "org/name" -> "org--name": the file naming of data/models/. */
static char *
id_to_file(const char *id)
{
    char *s = lr_xmalloc(strlen(id) * 2 + 1);
    char *o = s;
    for (const char *p = id; *p; p++) {
        if (*p == '/') {
            *o++ = '-';
            *o++ = '-';
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return s;
}

/* data/model-aliases.json (beside models_dir): the Hub's current ids of
 * bundled models it has renamed ("meta-llama/Llama-3.1-70B" for
 * meta-llama/Meta-Llama-3.1-70B). Caller decrefs; NULL when absent. */
static json_t *
load_aliases(const char *models_dir)
{
    char *p = lr_xasprintf("%s/../model-aliases.json", models_dir);
    json_t *root = lr_is_file(p) ? json_load_file(p, 0, NULL) : NULL;
    free(p);
    json_t *al = json_object_get(root, "aliases");
    json_incref(al);
    json_decref(root);
    return json_is_object(al) ? al : (json_decref(al), NULL);
}

/* The bundled id an alias stands for, by the alias or its name without
 * the organisation, any case; NULL if none. Caller frees. */
static char *
alias_target(const char *models_dir, const char *name)
{
    json_t *al = load_aliases(models_dir);
    const char *k;
    json_t *v;
    char *found = NULL;
    json_object_foreach(al, k, v)
    {
        const char *tail = strchr(k, '/') ? strchr(k, '/') + 1 : k;
        if (!found && json_is_string(v) && (!strcasecmp(k, name) || !strcasecmp(tail, name)))
            found = lr_xstrdup(json_string_value(v));
    }
    json_decref(al);
    return found;
}

static char *find_bundled(const char *models_dir, const char *name);

char *
lr_model_find(const char *models_dir, const char *name)
{
    char *p = find_bundled(models_dir, name);
    if (p || lr_is_file(name) || lr_is_dir(name))
        return p;
    char *target = alias_target(models_dir, name);
    if (target) {
        p = find_bundled(models_dir, target);
        free(target);
    }
    return p;
}

static char *
find_bundled(const char *models_dir, const char *name)
{
    if (lr_is_file(name))
        return lr_xstrdup(name);
    if (lr_is_dir(name)) {
        char *p = lr_xasprintf("%s/config.json", name);
        if (lr_is_file(p))
            return p;
        free(p);
        return NULL;
    }
    char *fname = id_to_file(name);
    char *p = lr_xasprintf("%s/%s.json", models_dir, fname);
    if (lr_is_file(p)) {
        free(fname);
        return p;
    }
    free(p);
    /* A bare name ("Llama-2-7b-hf") matches "org--Llama-2-7b-hf", any case. */
    size_t n = 0;
    lr_error err;
    lr_err_clear(&err);
    char **files = lr_list_json(models_dir, &n, &err);
    char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        const char *sep = strstr(base, "--");
        const char *tail = sep ? sep + 2 : base;
        size_t tl = strlen(tail) - 5; /* without .json */
        size_t bl = strlen(base) - 5;
        if (!found && ((strlen(fname) == tl && strncasecmp(tail, fname, tl) == 0) ||
                       (strlen(fname) == bl && strncasecmp(base, fname, bl) == 0)))
            found = lr_xstrdup(files[i]);
        free(files[i]);
    }
    free(files);
    free(fname);
    return found;
}

char *
lr_model_id_from_file(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *s = lr_xstrdup(base);
    size_t l = strlen(s);
    if (l > 5 && strcmp(s + l - 5, ".json") == 0)
        s[l - 5] = '\0';
    char *sep = strstr(s, "--");
    if (sep) {
        sep[0] = '/';
        memmove(sep + 1, sep + 2, strlen(sep + 2) + 1);
    }
    return s;
}

/* Only the start of the file is read to tell a repr: a model path may
 * name a large file of another kind. */
static int
file_is_repr(const char *path)
{
    char head[4097];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    return lr_repr_detect(head);
}

/* template_dir's parent: the profile directory, where repr/ maps and
 * modules/ are. */
static char *
profile_dir_of(const char *template_dir)
{
    char *d = lr_xstrdup(template_dir);
    size_t l = strlen(d);
    while (l > 1 && d[l - 1] == '/')
        d[--l] = '\0';
    char *slash = strrchr(d, '/');
    if (!slash) {
        free(d);
        return lr_xstrdup(".");
    }
    if (slash == d)
        slash[1] = '\0';
    else
        *slash = '\0';
    return d;
}

static lr_arch *
load_repr(const char *path, const char *template_dir, const lr_repr_opts *opts, char **notes,
          lr_error *err)
{
    size_t len;
    char *text = lr_read_file(path, &len, err);
    if (!text)
        return NULL;
    char *pdir = profile_dir_of(template_dir);
    lr_arch *a = lr_arch_from_repr(text, path, pdir, opts, notes, err);
    free(pdir);
    free(text);
    return a;
}

lr_arch *
lr_model_load(const char *models_dir, const char *template_dir, const char *name, lr_error *err)
{
    return lr_model_load_ex(models_dir, template_dir, name, NULL, NULL, err);
}

static int
file_is_gguf(const char *path)
{
    char magic[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int yes = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "GGUF", 4);
    fclose(f);
    return yes;
}

/* A GGUF file: its metadata become a config through data/gguf-keys.json
 * (beside models_dir), and its tensors give the weight bytes, recorded in
 * the tree so that the analysis can use their effective bits per weight. */
static int apply_sets(json_t *cfg, const lr_repr_opts *opts, const char *source, char **notes,
                      lr_error *err);
static void add_note(char **notes, const char *line);

static json_t *
gguf_config(const lr_weights_info *info, const char *path, const char *map, lr_error *err)
{
    if (!info->config_json) {
        lr_err_set(err, path, "general.architecture",
                   "GGUF architecture '%s' is not in %s: add it to the key map",
                   info->arch ? info->arch : "?", map);
        return NULL;
    }
    json_t *cfg = json_loads(info->config_json, 0, NULL);
    if (!cfg)
        lr_err_set(err, path, "", "internal: the config built from the GGUF metadata is not JSON");
    return cfg;
}

/* A GGUF file: its metadata become a config through data/gguf-keys.json
 * (beside models_dir), --set overriding fields of it, and its tensors give
 * the weight bytes, recorded in the tree so that the analysis can use their
 * effective bits per weight. */
static lr_arch *
load_gguf(const char *path, const char *models_dir, const char *template_dir,
          const lr_repr_opts *opts, char **notes, lr_error *err)
{
    char *map = lr_xasprintf("%s/../gguf-keys.json", models_dir);
    lr_weights_info info;
    lr_arch *a = NULL;
    if (lr_gguf_read(path, map, &info, err) == 0) {
        json_t *cfg = gguf_config(&info, path, map, err);
        if (cfg && apply_sets(cfg, opts, path, notes, err) == 0)
            a = lr_arch_from_config_obj(cfg, path, template_dir, err);
        json_decref(cfg);
        if (a) {
            a->weight_bytes = info.bytes;
            a->weight_params = info.params;
            char *line =
                lr_xasprintf("GGUF %s: %zu tensors, %.0f parameters, %.0f bytes: %.4g "
                             "bits per weight",
                             info.arch, info.ntensors, info.params, info.bytes, info.eff_bits);
            add_note(notes, line);
            free(line);
            if (info.past_eof) {
                line = lr_xasprintf("warning: %s: the data of %zu of its %zu tensors lies past the "
                                    "end of the file (a header-only or truncated file): read "
                                    "anyway, tensor data is never read",
                                    path, info.past_eof, info.ntensors);
                add_note(notes, line);
                free(line);
            }
        }
        lr_weights_info_free(&info);
    }
    free(map);
    return a;
}

/* ---- what a model argument that resolves to nothing is ---- */

static int
has_suffix(const char *s, const char *suf)
{
    size_t l = strlen(s), k = strlen(suf);
    return l >= k && strcasecmp(s + l - k, suf) == 0;
}

/* A path rather than an id: it starts like one, or ends in a file
 * extension a model file has. "meta-llama/Llama-3.1-70B" is an id. */
static int
looks_like_path(const char *name)
{
    static const char *const ext[] = {".json", ".gguf", ".txt", ".safetensors",
                                      ".bin",  ".pt",   ".pth", ".repr"};
    if (name[0] == '/' || name[0] == '.' || name[0] == '~')
        return 1;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (has_suffix(name, ext[i]))
            return 1;
    return 0;
}

int
lr_model_unknown_id(const char *models_dir, const char *name)
{
    char *p = lr_model_find(models_dir, name);
    int unknown = !p && !lr_is_file(name) && !lr_is_dir(name) && !looks_like_path(name);
    free(p);
    return unknown;
}

size_t
lr_model_suggest(const char *models_dir, const char *name, char *buf, size_t cap)
{
    lr_suggest s;
    lr_suggest_init(&s);
    size_t n = 0;
    char **files = lr_models_list(models_dir, &n);
    for (size_t i = 0; i < n; i++) {
        char *id = lr_model_id_from_file(files[i]);
        const char *tail = strchr(id, '/') ? strchr(id, '/') + 1 : id;
        lr_suggest_offer(&s, name, id, id);
        lr_suggest_offer(&s, name, tail, id);
        free(id);
        free(files[i]);
    }
    free(files);
    json_t *al = load_aliases(models_dir);
    const char *k;
    json_t *v;
    json_object_foreach(al, k, v)
    {
        const char *tail = strchr(k, '/') ? strchr(k, '/') + 1 : k;
        lr_suggest_offer(&s, name, k, k);
        lr_suggest_offer(&s, name, tail, k);
    }
    json_decref(al);
    return lr_suggest_write(&s, buf, cap);
}

/* The message for a name lr_model_find does not resolve: a missing path,
 * a directory without a config.json, or an unknown id (with suggestions). */
static void
unresolved(const char *models_dir, const char *name, lr_error *err)
{
    if (lr_is_dir(name)) {
        lr_err_set(err, name, "",
                   "a directory without a config.json: a model directory holds the model's "
                   "config.json (and optionally its safetensors, cross-checked); give a GGUF "
                   "file by its own path");
        return;
    }
    if (looks_like_path(name)) {
        lr_err_set(err, name, "", "no such file or directory");
        return;
    }
    char near[600];
    lr_model_suggest(models_dir, name, near, sizeof near);
    lr_err_set(err, "", "",
               "unknown model '%s'%s%s%s: not a bundled model id (see `llmroof models`), nor a "
               "file or a directory",
               name, near[0] ? " (did you mean " : "", near, near[0] ? "?)" : "");
}

/* A weights file given where the architecture is expected. */
static int
weights_file(const char *path, lr_error *err)
{
    if (has_suffix(path, ".safetensors")) {
        lr_err_set(err, path, "",
                   "a safetensors file holds weights, not the architecture: give the directory "
                   "holding it and the model's config.json (the tensors are then cross-checked "
                   "against the config), or the config.json itself");
        return -1;
    }
    if (has_suffix(path, ".bin") || has_suffix(path, ".pt") || has_suffix(path, ".pth")) {
        lr_err_set(err, path, "",
                   "a PyTorch weights file is not read: give the model's config.json (or the "
                   "directory holding it), its print(model) text, or a GGUF file");
        return -1;
    }
    return 0;
}

/* ---- --set on a config ---- */

/* Overrides config fields with NAME=VALUE items before the template runs;
 * a dotted NAME reaches into objects ("rope_scaling.factor"). A field the
 * config lacks is added, with a note. */
static int
apply_sets(json_t *cfg, const lr_repr_opts *opts, const char *source, char **notes, lr_error *err)
{
    for (size_t i = 0; opts && i < opts->nsets; i++) {
        const char *item = opts->sets[i], *eq = strchr(item, '=');
        if (!eq || eq == item) {
            lr_err_set(err, "", "--set",
                       "'%s': expected NAME=VALUE (e.g. --set num_hidden_layers=16)", item);
            return -1;
        }
        char *name = lr_xasprintf("%.*s", (int)(eq - item), item);
        const char *part;
        json_t *obj = lr_config_parent(cfg, name, 1, &part);
        if (!json_object_get(obj, part) && notes) {
            char *old = *notes;
            *notes = lr_xasprintf("%s%s--set %.*s: not in %s, added", old ? old : "",
                                  old ? "\n" : "", (int)(eq - item), item, source);
            free(old);
        }
        json_object_set_new(obj, part, lr_config_set_value(eq + 1));
        free(name);
    }
    return 0;
}

/* A config.json or an architecture JSON, parsed: --set overrides config
 * fields; --config is for print(model) texts only. */
static lr_arch *
load_json_model(json_t *root, const char *source, const char *template_dir, const char *family,
                const lr_repr_opts *opts, char **notes, lr_error *err)
{
    if (!json_is_object(root)) {
        lr_err_set(err, source, "$",
                   "expected a JSON object: a config.json or an architecture JSON");
        return NULL;
    }
    if (opts && (opts->config_text || opts->config_path)) {
        lr_err_set(err, source, "",
                   "--config completes a print(model) text; this model is a JSON file (use "
                   "--set NAME=VALUE to change its fields)");
        return NULL;
    }
    /* An architecture JSON has a class (or an "architecture" node); a
     * config.json has model_type / architectures. */
    if (json_object_get(root, "class") || json_object_get(root, "architecture")) {
        if (opts && opts->nsets) {
            lr_err_set(err, source, "",
                       "--set overrides config.json fields; an architecture JSON has none: "
                       "edit its parameters instead");
            return NULL;
        }
        return lr_arch_from_json_obj(root, source, err);
    }
    if (apply_sets(root, opts, source, notes, err) < 0)
        return NULL;
    lr_arch *a = lr_arch_from_config_family(root, source, template_dir, family, err);
    /* a template with "image_tokens" counts the vision tower (docs/families/vision.md) */
    if (a && !a->image_tokens && json_is_object(json_object_get(root, "text_config")) &&
        json_object_get(root, "vision_config")) {
        char *line = lr_xasprintf("%s: the text part (text_config) only: the vision tower "
                                  "(vision_config) is not counted",
                                  source);
        add_note(notes, line);
        free(line);
    }
    return a;
}

static lr_arch *
load_json_file(const char *path, const char *template_dir, const char *family,
               const lr_repr_opts *opts, char **notes, lr_error *err)
{
    json_t *root = lr_config_load(path, err); /* Python's Infinity read as null */
    if (!root)
        return NULL;
    lr_arch *a = load_json_model(root, path, template_dir, family, opts, notes, err);
    json_decref(root);
    return a;
}

/* Appends a line to *notes (may be NULL). */
static void
add_note(char **notes, const char *line)
{
    if (!notes)
        return;
    char *old = *notes;
    *notes = lr_xasprintf("%s%s%s", old ? old : "", old ? "\n" : "", line);
    free(old);
}

lr_arch *
lr_model_load_ex(const char *models_dir, const char *template_dir, const char *name,
                 const lr_repr_opts *opts, char **notes, lr_error *err)
{
    return lr_model_load_family(models_dir, template_dir, name, NULL, opts, notes, err);
}

lr_arch *
lr_model_load_family(const char *models_dir, const char *template_dir, const char *name,
                     const char *family, const lr_repr_opts *opts, char **notes, lr_error *err)
{
    if (notes)
        *notes = NULL;
    char *path = lr_model_find(models_dir, name);
    if (!path) {
        unresolved(models_dir, name, err);
        return NULL;
    }
    if (weights_file(path, err) < 0) {
        free(path);
        return NULL;
    }
    lr_arch *a;
    if (file_is_repr(path))
        a = load_repr(path, template_dir, opts, notes, err);
    else if (file_is_gguf(path))
        a = load_gguf(path, models_dir, template_dir, opts, notes, err);
    else
        a = load_json_file(path, template_dir, family, opts, notes, err);
    if (a && strstr(path, "/models/") && !lr_is_file(name) && !lr_is_dir(name)) {
        free(a->name);
        a->name = lr_model_id_from_file(path);
        char *target = alias_target(models_dir, name);
        if (target) {
            char *line =
                lr_xasprintf("'%s' is the Hub's current id of the bundled %s", name, a->name);
            add_note(notes, line);
            free(line);
            free(target);
        }
    }
    free(path);
    return a;
}

lr_arch *
lr_model_load_text(const char *models_dir, const char *template_dir, const char *text, size_t len,
                   const char *source, const lr_repr_opts *opts, char **notes, lr_error *err)
{
    (void)models_dir;
    if (notes)
        *notes = NULL;
    if (len >= 4 && memcmp(text, "GGUF", 4) == 0) {
        lr_err_set(err, source, "",
                   "a GGUF file is read by seeking through it: give its path, not standard "
                   "input");
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        lr_err_set(err, source, "",
                   "binary data: expected a config.json, an architecture JSON or a "
                   "print(model) text");
        return NULL;
    }
    if (lr_repr_detect(text)) {
        char *pdir = profile_dir_of(template_dir);
        lr_arch *a = lr_arch_from_repr(text, source, pdir, opts, notes, err);
        free(pdir);
        return a;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, source, "",
                   "neither JSON (%s) nor a print(model) text (which starts with "
                   "`Name(`)",
                   je.text);
        err->line = je.line;
        err->col = je.column;
        return NULL;
    }
    lr_arch *a = load_json_model(root, source, template_dir, NULL, opts, notes, err);
    json_decref(root);
    return a;
}

char **
lr_models_list(const char *models_dir, size_t *n)
{
    lr_error err;
    lr_err_clear(&err);
    *n = 0;
    return lr_list_json(models_dir, n, &err);
}
