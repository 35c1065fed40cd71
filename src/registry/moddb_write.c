/*
 * moddb_write.c: checking module databases and adding entries to a user
 * database safely. A user database is one JSON file layered over the
 * profile's bundled entries. Adding an entry validates it against
 * everything it will live with (formulas compile, names and calls resolve,
 * no cycles, sample values evaluate to finite non-negative numbers, its
 * class names are free unless forced), then rewrites the file under an
 * exclusive lock: temporary file, fsync, rename, fsync of the directory. A
 * writer killed at any moment leaves the old file or the new one, never a
 * mix, and two writers never lose each other's entries.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "registry/registry.h"

/* ---- sample evaluation ---- */

/* Every formula of m, bound with each required parameter at `sample` and
 * evaluated in prefill and in decode with the default settings. */
static int
check_module_samples(const lr_db *db, const lr_module *m, double sample, lr_error *err)
{
    lr_arena arena = {0};
    lr_binding *given = lr_arena_alloc(&arena, (m->nparams + 1) * sizeof *given);
    lr_binding *env = lr_arena_alloc(&arena, (m->nparams + 1) * sizeof *env);
    size_t ng = 0;
    for (size_t i = 0; i < m->nparams; i++) {
        if (m->params[i].def)
            continue;
        given[ng].name = m->params[i].name;
        given[ng++].value = lr_ast_num(&arena, sample);
    }
    lr_bind_ctx cx = lr_db_bind_ctx(&arena, db, LR_V_A_BYTES, err);
    int rc = lr_bind_module_params(&cx, m, given, ng, env);
    lr_settings s;
    lr_settings_default(&s);
    for (size_t i = 0; rc == 0 && i < m->nops; i++) {
        for (int f = 0; rc == 0 && f < LR_NFIELDS; f++) {
            if (!m->ops[i].tree[f])
                continue;
            ast *e = lr_bind(&cx, m->ops[i].tree[f], env, m->nparams);
            if (!e) {
                rc = -1;
                break;
            }
            lr_prog prog;
            lr_prog_init(&prog);
            lr_prog_emit_store(&prog, lr_ast_fold(&arena, e), 0);
            double stack[512], out = 0, vars[LR_NVARS];
            for (int prefill = 1; rc == 0 && prefill >= 0; prefill--) {
                lr_set_vars(vars, &s, NULL, prefill);
                vars[LR_V_SM_SRAM_BYTES] = 196608; /* an A100 SM: keeps tile formulas real */
                vars[LR_V_ONCHIP_BYTES] = 21233664;
                int bad;
                const char *why = "formula too deep";
                if (prog.maxdepth >= 512 || lr_prog_run(&prog, vars, &out, stack, &bad, &why) < 0 ||
                    out < 0) {
                    lr_err_set(err, m->file, m->key,
                               "class %s, op %s: %s with every required parameter = %g in %s: %s",
                               m->cls, m->ops[i].name, lr_field_names[f], sample,
                               prefill ? "prefill" : "decode", out < 0 ? "negative" : why);
                    snprintf(err->source, sizeof err->source, "%s", m->ops[i].text[f]);
                    rc = -1;
                }
            }
            lr_prog_free(&prog);
        }
    }
    if (rc < 0 && !err->path[0])
        snprintf(err->path, sizeof err->path, "modules.%s", m->key);
    lr_arena_free(&arena);
    return rc;
}

int
lr_db_check_samples(const lr_db *db, lr_error *err)
{
    for (size_t i = 0; i < lr_db_count(db); i++)
        if (check_module_samples(db, lr_db_at(db, i), 64, err) < 0)
            return -1;
    return 0;
}

/* ---- atomic rewrite under a lock ---- */

static int
lock_file(const char *db_path, lr_error *err)
{
    char *lp = lr_xasprintf("%s.lock", db_path);
    int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        lr_err_set(err, lp, "", "cannot lock: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    free(lp);
    return fd;
}

static int
fsync_dir(const char *path)
{
    char *copy = lr_xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int
write_atomic(const char *path, json_t *root, lr_error *err)
{
    char *tmp = lr_xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = -1;
    FILE *f = fopen(tmp, "w");
    if (f && json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
        fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0) {
        if (fclose(f) == 0 && rename(tmp, path) == 0 && fsync_dir(path) == 0)
            rc = 0;
        f = NULL;
    }
    if (f)
        fclose(f);
    if (rc < 0) {
        lr_err_set(err, path, "", "cannot write: %s", strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

/* The user database as JSON: {"modules": {}} when the file does not exist. */
static json_t *
read_user_db(const char *path, lr_error *err)
{
    if (access(path, F_OK) != 0)
        return json_pack("{s:{}}", "modules");
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_PRESERVE_ORDER, &je);
    if (!root) {
        lr_err_set(err, path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
    } else if (!json_is_object(json_object_get(root, "modules"))) {
        lr_err_set(err, path, "modules", "expected a top-level \"modules\" object");
        json_decref(root);
        root = NULL;
    }
    return root;
}

/* Does `entry` (JSON) claim `name` as its class or an alias? */
static int
claims(json_t *entry, const char *name)
{
    const char *cls = json_string_value(json_object_get(entry, "full_class_name"));
    if (cls && strcmp(cls, name) == 0)
        return 1;
    json_t *al = json_object_get(entry, "aliases");
    for (size_t i = 0; i < json_array_size(al); i++)
        if (json_string_value(json_array_get(al, i)) &&
            strcmp(json_string_value(json_array_get(al, i)), name) == 0)
            return 1;
    return 0;
}

/* A new entry's class names must be free, in the bundled entries and in
 * the user's other entries, unless forced. */
static int
check_names(const lr_db *base, json_t *user, const char *key, json_t *entry, const char *entry_path,
            lr_error *err)
{
    const char *cls = json_string_value(json_object_get(entry, "full_class_name"));
    json_t *al = json_object_get(entry, "aliases");
    for (size_t i = 0; i <= json_array_size(al); i++) {
        const char *nm = i == 0 ? cls : json_string_value(json_array_get(al, i - 1));
        if (!nm)
            continue;
        const lr_module *m = base ? lr_db_find(base, nm) : NULL;
        const char *owner = m ? lr_module_key(m) : NULL, *where = m ? lr_module_file(m) : NULL;
        const char *k;
        json_t *v;
        json_object_foreach(user, k, v)
        {
            if (!owner && strcmp(k, key) != 0 && claims(v, nm)) {
                owner = k;
                where = "the user database";
            }
        }
        if (owner) {
            lr_err_set(err, entry_path, key,
                       "class name '%s' is already taken by entry '%s' (%s); use --force to "
                       "replace it",
                       nm, owner, where);
            return -1;
        }
    }
    return 0;
}

/* Validates the merged user database over the bundled entries. */
static int
validate(const char *base_dir, const char *db_path, json_t *merged, json_t *added,
         const char *entry_path, int force, lr_error *err)
{
    lr_db *db = lr_db_new();
    int rc = base_dir ? lr_db_load_dir(db, base_dir, err) : 0;
    const char *key;
    json_t *v;
    json_object_foreach(added, key, v)
    {
        if (rc == 0 && !force)
            rc = check_names(db, json_object_get(merged, "modules"), key, v, entry_path, err);
    }
    char *tmp = lr_xasprintf("%s.check.%ld.json", db_path, (long)getpid());
    if (rc == 0 && json_dump_file(merged, tmp, JSON_INDENT(1)) != 0) {
        lr_err_set(err, tmp, "", "cannot write a scratch file: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        rc = lr_db_load_layer(db, tmp, err);
    if (rc == 0)
        rc = lr_db_finish(db, err);
    if (rc == 0)
        rc = lr_db_check_samples(db, err);
    /* errors name the entry file, not the scratch copy */
    if (rc < 0 && strcmp(err->file, tmp) == 0)
        snprintf(err->file, sizeof err->file, "%s", entry_path);
    lr_db_free(db);
    unlink(tmp);
    free(tmp);
    return rc;
}

int
lr_db_add_entries(const char *db_path, const char *entry_path, const char *base_dir, int force,
                  lr_error *err)
{
    lr_err_clear(err);
    json_error_t je;
    json_t *add = json_load_file(entry_path, JSON_REJECT_DUPLICATES | JSON_PRESERVE_ORDER, &je);
    if (!add) {
        lr_err_set(err, entry_path, "", "malformed JSON: %s", je.text);
        err->line = je.line;
        err->col = je.column;
        return -1;
    }
    json_t *mods = json_object_get(add, "modules");
    if (!json_is_object(mods) || json_object_size(mods) == 0) {
        lr_err_set(err, entry_path, "modules", "expected a \"modules\" object with entries");
        json_decref(add);
        return -1;
    }
    int fd = lock_file(db_path, err);
    if (fd < 0) {
        json_decref(add);
        return -1;
    }
    json_t *root = read_user_db(db_path, err);
    int rc = root ? 0 : -1;
    if (rc == 0) {
        json_t *have = json_object_get(root, "modules");
        const char *key;
        json_t *v;
        json_object_foreach(mods, key, v)
        {
            if (!force && json_object_get(have, key)) {
                lr_err_set(err, entry_path, key,
                           "the user database %s already has an entry '%s' (use --force to "
                           "replace it)",
                           db_path, key);
                rc = -1;
                break;
            }
            json_object_set(have, key, v);
        }
    }
    if (rc == 0)
        rc = validate(base_dir, db_path, root, mods, entry_path, force, err);
    if (rc == 0)
        rc = write_atomic(db_path, root, err);
    json_decref(root);
    json_decref(add);
    close(fd); /* releases the lock */
    return rc;
}
