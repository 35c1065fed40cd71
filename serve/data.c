/*
 * data.c: what the server loads once at start and only reads afterwards:
 * every bundled profile (and the --profile directory), its hardware table,
 * and the tree and compiled plan of every bundled model in each profile.
 * Requests share it read-only; a model that does not build in a profile is
 * kept with its error, which /api/models shows.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

char *
serve_strdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static char *
error_text(const lr_error *err)
{
    char buf[4096];
    lr_error_format(err, buf, sizeof buf);
    return serve_strdup(buf);
}

static void
load_model(serve_model *m, const char *id, const char *models_dir, const serve_profile *sp)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    char templates[4096];
    snprintf(templates, sizeof templates, "%s/architectures", lr_profile_dir(sp->prof));
    m->id = serve_strdup(id);
    m->arch = lr_model_load(models_dir, templates, id, &err);
    if (m->arch && !(m->plan = lr_plan_new(m->arch, lr_profile_db(sp->prof), &err))) {
        lr_arch_free(m->arch);
        m->arch = NULL;
    }
    if (!m->arch)
        m->error = error_text(&err);
}

static int
load_profile(serve_profile *sp, const serve_opts *o, const char *key, char *const *ids, size_t nids,
             lr_error *err)
{
    char models[4096];
    snprintf(models, sizeof models, "%s/models", o->data_dir);
    sp->key = serve_strdup(key);
    if (!(sp->prof = lr_profile_open(o->data_dir, key, o->extra_modules, err)) ||
        !(sp->hwdb = lr_profile_hwdb_load(sp->prof, o->data_dir, err)))
        return -1;
    sp->models = calloc(nids ? nids : 1, sizeof *sp->models);
    sp->entries = calloc(nids ? nids : 1, sizeof *sp->entries);
    if (!sp->models || !sp->entries)
        abort();
    sp->nmodels = nids;
    for (size_t i = 0; i < nids; i++) {
        const serve_model *m = &sp->models[i];
        load_model(&sp->models[i], ids[i], models, sp);
        sp->entries[i] = (lr_model_entry){m->id, m->arch, m->plan, m->error};
    }
    return 0;
}

static void
free_profile(serve_profile *sp)
{
    for (size_t i = 0; i < sp->nmodels; i++) {
        lr_plan_free(sp->models[i].plan);
        lr_arch_free(sp->models[i].arch);
        free(sp->models[i].id);
        free(sp->models[i].error);
    }
    free(sp->models);
    free(sp->entries);
    lr_hwdb_free(sp->hwdb);
    lr_profile_free(sp->prof);
    free(sp->key);
    memset(sp, 0, sizeof *sp);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the bundled profiles (subdirectories of data/profiles), sorted,
 * plus the default profile when it is a directory. */
static size_t
profile_keys(const serve_opts *o, char **keys, size_t cap)
{
    char dir[4096];
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/profiles", o->data_dir);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) && n + 1 < cap;)
        if (e->d_name[0] != '.')
            keys[n++] = serve_strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(keys, n, sizeof *keys, cmp_str);
    if (o->profile && strchr(o->profile, '/'))
        keys[n++] = serve_strdup(o->profile);
    return n;
}

/* The bundled models' ids ("org/name"), sorted; the caller frees them. */
static char **
model_ids(const serve_opts *o, size_t *n)
{
    char models[4096];
    snprintf(models, sizeof models, "%s/models", o->data_dir);
    char **files = lr_models_list(models, n);
    char **ids = calloc(*n ? *n : 1, sizeof *ids);
    if (!ids)
        abort();
    for (size_t i = 0; i < *n; i++) {
        ids[i] = lr_model_id_from_file(files[i]);
        free(files[i]);
    }
    free(files);
    return ids;
}

int
serve_load(serve_server *sv, const serve_opts *o, lr_error *err)
{
    char *keys[SERVE_MAX_PROFILES];
    size_t nids = 0, nkeys = profile_keys(o, keys, SERVE_MAX_PROFILES);
    char **ids = model_ids(o, &nids);
    const char *want = o->profile ? o->profile : "default";
    int rc = 0, found = 0;
    if (nkeys == 0)
        snprintf(err->msg, sizeof err->msg, "no profiles in %s/profiles", o->data_dir);
    for (size_t i = 0; i < nkeys; i++) {
        if (rc == 0 && load_profile(&sv->profiles[sv->nprofiles++], o, keys[i], ids, nids, err) < 0)
            rc = -1;
        if (strcmp(keys[i], want) == 0) {
            sv->def = i;
            found = 1;
        }
        free(keys[i]);
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    if (rc == 0 && !found) {
        snprintf(err->msg, sizeof err->msg,
                 "unknown profile '%s' (bundled profiles are the directories of %s/profiles)", want,
                 o->data_dir);
        rc = -1;
    }
    return nkeys ? rc : -1;
}

void
serve_unload(serve_server *sv)
{
    for (size_t i = 0; i < sv->nprofiles; i++)
        free_profile(&sv->profiles[i]);
    sv->nprofiles = 0;
}

const serve_profile *
serve_find_profile(const serve_server *sv, const char *key)
{
    if (!key)
        return &sv->profiles[sv->def];
    for (size_t i = 0; i < sv->nprofiles; i++)
        if (strcmp(sv->profiles[i].key, key) == 0)
            return &sv->profiles[i];
    return NULL;
}

const serve_model *
serve_find_model(const serve_profile *sp, const char *name)
{
    for (size_t i = 0; i < sp->nmodels; i++)
        if (strcmp(sp->models[i].id, name) == 0)
            return &sp->models[i];
    for (size_t i = 0; i < sp->nmodels; i++) {
        const char *id = sp->models[i].id, *tail = strchr(id, '/');
        if (strcasecmp(id, name) == 0 || (tail && strcasecmp(tail + 1, name) == 0))
            return &sp->models[i];
    }
    return NULL;
}
