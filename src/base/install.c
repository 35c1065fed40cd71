/*
 * install.c: what the library knows about its own installation: its version,
 * and where its data directory is. The data is found at run time, next to
 * the program or the library, so that an installed tree can be moved (or
 * installed under any --prefix) without rebuilding.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

/* Set by CMake on this file: the data directory relative to the installed
 * binary and library directories, and the source tree's data/ as the last
 * fallback (the build tree works without installing). */
#ifndef LR_BIN_TO_DATA
#define LR_BIN_TO_DATA "../share/llmroof"
#endif
#ifndef LR_LIB_TO_DATA
#define LR_LIB_TO_DATA "../share/llmroof"
#endif
#ifndef LR_DATA_DIR
#define LR_DATA_DIR "data"
#endif

const char *
lr_version(void)
{
    return LR_VERSION;
}

/* `file`'s directory joined with `rel`, canonical, when that directory holds
 * profiles/ (a bare share/llmroof may hold only the user's module
 * database). 0 on success. */
static int
data_next_to(const char *file, const char *rel, char *out, size_t cap)
{
    char real[PATH_MAX], cand[PATH_MAX + 64], marker[PATH_MAX + 16];
    if (!file || !*file || !realpath(file, real))
        return -1;
    char *slash = strrchr(real, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(cand, sizeof cand, "%s/%s", real, rel);
    if (!realpath(cand, real))
        return -1;
    snprintf(marker, sizeof marker, "%s/profiles", real);
    if (!lr_is_dir(marker) || strlen(real) >= cap)
        return -1;
    memcpy(out, real, strlen(real) + 1);
    return 0;
}

static char found[PATH_MAX];
static pthread_once_t found_once = PTHREAD_ONCE_INIT;

static void
find_data(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        if (data_next_to(exe, LR_BIN_TO_DATA, found, sizeof found) == 0)
            return;
    }
    Dl_info info;
    if (dladdr((void *)lr_data_dir, &info) &&
        data_next_to(info.dli_fname, LR_LIB_TO_DATA, found, sizeof found) == 0)
        return;
    snprintf(found, sizeof found, "%s", LR_DATA_DIR);
}

const char *
lr_data_dir(void)
{
    const char *env = getenv("LLMROOF_DATA");
    if (env && *env)
        return env;
    /* the search runs once; pthread_once makes the first calls of several
     * threads wait for it rather than race on `found` */
    pthread_once(&found_once, find_data);
    return found;
}
