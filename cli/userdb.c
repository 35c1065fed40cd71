/*
 * userdb.c: the user's module database path (layered over the bundled
 * entries) and the directory it lives in.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "userdb.h"

const char *
cli_user_module_db(void)
{
    static char path[4096];
    if (cli_module_db)
        return cli_module_db;
    const char *env = getenv("LLMROOF_MODULE_DB");
    if (env && *env)
        return env;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    snprintf(path, sizeof path, "%s/.local/share/llmroof/modules.json", home);
    return path;
}

const char *
cli_user_hardware_dir(void)
{
    static char path[4096];
    const char *env = getenv("LLMROOF_HARDWARE_DIR");
    if (env && *env)
        return env;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    snprintf(path, sizeof path, "%s/.local/share/llmroof/hardware", home);
    return path;
}

const char *
cli_user_efficiency_dir(void)
{
    static char path[4096];
    const char *env = getenv("LLMROOF_EFFICIENCY_DIR");
    if (env && *env)
        return env;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    snprintf(path, sizeof path, "%s/.local/share/llmroof/efficiency", home);
    return path;
}

int cli_user_db_may_be_missing;

const char *
cli_user_module_db_to_load(void)
{
    const char *p = cli_user_module_db();
    if (!p || (cli_user_db_may_be_missing && !cli_is_file(p)))
        return NULL;
    /* an explicit path must load (its absence is an error the loader
     * reports); the default one only when the user has created it */
    if (cli_module_db || (getenv("LLMROOF_MODULE_DB") && *getenv("LLMROOF_MODULE_DB")))
        return p;
    return cli_is_file(p) ? p : NULL;
}

int
cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cli_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
cli_make_parent_dir(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            goto fail;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "llmroof: error: cannot create %s: %s\n", buf, strerror(errno));
    return -1;
}
