/*
 * catalog.c: every bundled model loaded and compiled in one profile, or the
 * reason it is not. `llmroof models` lists them and the web server keeps
 * them for its requests; both take them from here, so a model that does not
 * build is described the same way everywhere.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval/eval.h"

static void
load_entry(lr_model_entry *e, const char *models_dir, const char *templates, const lr_profile *prof,
           const char *file)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    e->id = lr_model_id_from_file(file);
    e->arch = lr_model_load(models_dir, templates, e->id, &err);
    if (e->arch && !(e->plan = lr_plan_new(e->arch, lr_profile_db(prof), &err))) {
        lr_arch_free(e->arch);
        e->arch = NULL;
    }
    if (!e->arch) {
        char buf[4096];
        lr_error_format(&err, buf, sizeof buf);
        e->error = lr_xstrdup(buf);
    }
}

lr_model_entry *
lr_models_load_all(const char *models_dir, const lr_profile *prof, size_t *n)
{
    char **files = lr_models_list(models_dir, n);
    lr_model_entry *es = lr_xcalloc(*n + 1, sizeof *es);
    char *templates = lr_xasprintf("%s/architectures", lr_profile_dir(prof));
    for (size_t i = 0; i < *n; i++) {
        load_entry(&es[i], models_dir, templates, prof, files[i]);
        free(files[i]);
    }
    free(templates);
    free(files);
    return es;
}

void
lr_model_entries_free(lr_model_entry *es, size_t n)
{
    if (!es)
        return;
    for (size_t i = 0; i < n; i++) {
        lr_plan_free(es[i].plan);
        lr_arch_free(es[i].arch);
        free(es[i].id);
        free(es[i].error);
    }
    free(es);
}

const lr_model_entry *
lr_model_entries_find(const lr_model_entry *es, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(es[i].id, name) == 0)
            return &es[i];
    /* then "Llama-2-7b-hf" for "meta-llama/Llama-2-7b-hf", any case */
    for (size_t i = 0; i < n; i++) {
        const char *tail = strchr(es[i].id, '/');
        if (strcasecmp(es[i].id, name) == 0 || (tail && strcasecmp(tail + 1, name) == 0))
            return &es[i];
    }
    return NULL;
}
