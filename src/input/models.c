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

char *
lr_model_find(const char *models_dir, const char *name)
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
static lr_arch *
load_gguf(const char *path, const char *models_dir, const char *template_dir, char **notes,
          lr_error *err)
{
    char *map = lr_xasprintf("%s/../gguf-keys.json", models_dir);
    lr_weights_info info;
    lr_arch *a = NULL;
    if (lr_gguf_read(path, map, &info, err) == 0) {
        if (!info.config_json)
            lr_err_set(err, path, "general.architecture",
                       "GGUF architecture '%s' is not in %s: add it to the key map",
                       info.arch ? info.arch : "?", map);
        else
            a = lr_arch_from_hf_config_text(info.config_json, path, template_dir, err);
        if (a) {
            a->weight_bytes = info.bytes;
            a->weight_params = info.params;
            if (notes)
                *notes =
                    lr_xasprintf("GGUF %s: %zu tensors, %.0f parameters, %.0f bytes: %.4g "
                                 "bits per weight",
                                 info.arch, info.ntensors, info.params, info.bytes, info.eff_bits);
        }
        lr_weights_info_free(&info);
    }
    free(map);
    return a;
}

lr_arch *
lr_model_load_ex(const char *models_dir, const char *template_dir, const char *name,
                 const lr_repr_opts *opts, char **notes, lr_error *err)
{
    if (notes)
        *notes = NULL;
    char *path = lr_model_find(models_dir, name);
    if (!path) {
        lr_err_set(err, "", "",
                   "unknown model '%s': not a bundled model id (see `llmroof models`), nor a "
                   "config.json file or a directory holding one",
                   name);
        return NULL;
    }
    if (file_is_repr(path)) {
        lr_arch *a = load_repr(path, template_dir, opts, notes, err);
        free(path);
        return a;
    }
    if (file_is_gguf(path)) {
        lr_arch *a = load_gguf(path, models_dir, template_dir, notes, err);
        free(path);
        return a;
    }
    if (opts && (opts->config_text || opts->config_path || opts->nsets)) {
        lr_err_set(err, path, "",
                   "--config and --set complete a print(model) text; this model is a JSON "
                   "file: edit it instead");
        free(path);
        return NULL;
    }
    json_t *root = lr_config_load(path, err);
    if (!root) {
        free(path);
        return NULL;
    }
    /* An architecture JSON has a class (or an "architecture" node); a
     * config.json has model_type / architectures. */
    int is_arch = json_object_get(root, "class") || json_object_get(root, "architecture");
    json_decref(root);
    lr_arch *a;
    if (is_arch) {
        a = lr_arch_from_json_file(path, err);
    } else {
        a = lr_arch_from_hf_config(path, template_dir, err);
        if (a && strstr(path, "/models/") && !lr_is_file(name)) {
            free(a->name);
            a->name = lr_model_id_from_file(path);
        }
    }
    free(path);
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
