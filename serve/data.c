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

static int
load_profile(serve_profile *sp, const serve_opts *o, const char *key, lr_error *err)
{
    char models[4096];
    snprintf(models, sizeof models, "%s/models", o->data_dir);
    sp->key = serve_strdup(key);
    if (!(sp->prof = lr_profile_open(o->data_dir, key, o->extra_modules, err)))
        return -1;
    for (size_t i = 0; i < o->ncalibrations; i++)
        if (lr_profile_add_efficiency(sp->prof, o->calibrations[i], err) < 0)
            return -1;
    if (!(sp->hwdb = lr_profile_hwdb_load(sp->prof, o->data_dir, err)))
        return -1;
    sp->models = lr_models_load_all(models, sp->prof, &sp->nmodels);
    return 0;
}

static void
free_profile(serve_profile *sp)
{
    lr_model_entries_free(sp->models, sp->nmodels);
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

int
serve_load(serve_server *sv, const serve_opts *o, lr_error *err)
{
    char *keys[SERVE_MAX_PROFILES];
    size_t nkeys = profile_keys(o, keys, SERVE_MAX_PROFILES);
    const char *want = o->profile ? o->profile : "default";
    int rc = 0, found = 0;
    if (nkeys == 0)
        snprintf(err->msg, sizeof err->msg, "no profiles in %s/profiles", o->data_dir);
    for (size_t i = 0; i < nkeys; i++) {
        if (rc == 0 && load_profile(&sv->profiles[sv->nprofiles++], o, keys[i], err) < 0)
            rc = -1;
        if (strcmp(keys[i], want) == 0) {
            sv->def = i;
            found = 1;
        }
        free(keys[i]);
    }
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
    return lr_model_entries_find(sp->models, sp->nmodels, name);
}
