/* testutil.h: loading the bundled data in tests, and temporary files. */
#ifndef LR_TESTUTIL_H
#define LR_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmroof.h"

#define TU_DEFAULT LR_DATA_DIR "/profiles/default"
#define TU_LLMV LR_DATA_DIR "/profiles/llm-viewer"

/* A bundled profile (by directory), plus an optional extra module file. */
static inline lr_profile *
tu_profile(const char *dir, const char *extra_file)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_profile *p = lr_profile_load(dir, extra_file, &err);
    if (!p) {
        char buf[4096];
        lr_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "tu_profile: %s\n", buf);
    }
    return p;
}

static inline lr_arch *
tu_model_in(const char *profile_dir, const char *name)
{
    lr_error err;
    memset(&err, 0, sizeof err);
    char templates[1024];
    snprintf(templates, sizeof templates, "%s/architectures", profile_dir);
    lr_arch *a = lr_model_load(LR_DATA_DIR "/models", templates, name, &err);
    if (!a)
        fprintf(stderr, "tu_model %s: %s: %s\n", name, err.path, err.msg);
    return a;
}

static inline lr_arch *
tu_model(const char *name)
{
    return tu_model_in(TU_DEFAULT, name);
}

static inline lr_hwdb *
tu_hw(void)
{
    lr_error err;
    return lr_hwdb_load(LR_DATA_DIR "/hardware", &err);
}

/* Writes text to a new temporary file; returns the path (caller unlinks
 * and frees). The suffix is ignored: loaders do not look at names. */
static inline char *
tu_tmpfile(const char *text, const char *suffix)
{
    (void)suffix;
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/llmroof-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n)
        abort();
    close(fd);
    return path;
}

static inline const lr_op *
tu_op(const lr_stage_result *st, const char *path)
{
    for (size_t i = 0; i < st->nops; i++)
        if (strcmp(st->ops[i].path, path) == 0)
            return &st->ops[i];
    fprintf(stderr, "no op %s\n", path);
    return NULL;
}

#endif
