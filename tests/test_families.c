/*
 * test_families.c: runs the data-driven checks of the .txt files of tests/families/,
 * one file per model family. Each line is one check whose expected value is
 * derived by hand in the comment above it (or, for parameter counts, taken
 * from a named published source):
 *
 *   params MODEL VALUE
 *   active MODEL VALUE   (the parameters one token uses: MoE top-k experts)
 *   op     MODEL STAGE PATH FIELD VALUE [SETTING=V ...]
 *   absent MODEL STAGE PATH [SETTING=V ...]
 *   memory MODEL STAGE FIELD VALUE [SETTING=V ...]
 *
 * MODEL is a bundled id, or fixtures/NAME for a config in tests/fixtures.
 * STAGE is prefill or decode; FIELD an op field (flops, load_weight,
 * load_act, store_act, load_kv, store_kv, bytes, count) or a memory field
 * (weights, kv_cache, activations). Settings: batch= seq= w= a= kv=
 * flash= causal= wg= (weight group) kvg= tp= pp= ep= mb= (micro-batches) mtp=
 * images= isize= (image size, WxH) hw= (default a100-80gb), and
 * tol= (relative tolerance; default exact). PATH@N names the N-th op
 * record with that path (layer groups share paths). Every family's models are also
 * analysed in both stages by the `params` line's load.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

typedef struct loaded {
    char model[256];
    lr_arch *arch;
    lr_plan *plan;
    lr_result *r;
} loaded;

typedef struct runner {
    lr_profile *prof;
    lr_hwdb *hw;
    loaded cache[64];
    size_t ncache;
    int failures, checks;
    const char *file;
    int line;
} runner;

static void
report(runner *rn, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", rn->file, rn->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    rn->failures++;
}

static loaded *
load(runner *rn, const char *model)
{
    for (size_t i = 0; i < rn->ncache; i++)
        if (strcmp(rn->cache[i].model, model) == 0)
            return &rn->cache[i];
    /* The cache is emptied after each file; a file naming more models than
     * it holds is a failure, never a check silently skipped. */
    if (rn->ncache == 64) {
        report(rn, "more than 64 models in one file: %s not loaded", model);
        return NULL;
    }
    loaded *l = &rn->cache[rn->ncache];
    lr_error err;
    memset(&err, 0, sizeof err);
    /* "fixtures/NAME": a config kept with the tests (tests/fixtures/NAME) */
    char fx[1024];
    snprintf(fx, sizeof fx, "%s/%s", LR_FIXTURES, model + 9);
    l->arch = tu_model(strncmp(model, "fixtures/", 9) == 0 ? fx : model);
    if (!l->arch) {
        report(rn, "cannot load %s", model);
        return NULL;
    }
    l->plan = lr_plan_new(l->arch, lr_profile_db(rn->prof), &err);
    if (!l->plan) {
        report(rn, "%s: plan: %s: %s", model, err.path, err.msg);
        lr_arch_free(l->arch);
        return NULL;
    }
    l->r = lr_result_new(l->plan);
    snprintf(l->model, sizeof l->model, "%s", model);
    rn->ncache++;
    return l;
}

/* Applies SETTING=V tokens; returns the hardware id and tolerance. */
static int
settings(runner *rn, char **tok, int n, lr_settings *s, const char **hw, double *tol)
{
    lr_settings_default(s);
    *hw = "a100-80gb";
    *tol = 0;
    int kv_set = 0;
    for (int i = 0; i < n; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq) {
            report(rn, "bad setting '%s'", tok[i]);
            return -1;
        }
        *eq = '\0';
        const char *k = tok[i], *v = eq + 1;
        double d = strtod(v, NULL);
        if (!strcmp(k, "batch"))
            s->batch = d;
        else if (!strcmp(k, "seq"))
            s->seq_len = d;
        else if (!strcmp(k, "w"))
            s->w_bit = (int)d;
        else if (!strcmp(k, "a"))
            s->a_bit = (int)d;
        else if (!strcmp(k, "kv"))
            s->kv_bit = (int)d, kv_set = 1;
        else if (!strcmp(k, "flash"))
            s->flash = (int)d;
        else if (!strcmp(k, "causal"))
            s->causal = (int)d;
        else if (!strcmp(k, "wg"))
            s->w_group = d;
        else if (!strcmp(k, "kvg"))
            s->kv_group = d;
        else if (!strcmp(k, "tp"))
            s->tp = d;
        else if (!strcmp(k, "pp"))
            s->pp = d;
        else if (!strcmp(k, "ep"))
            s->ep = d;
        else if (!strcmp(k, "dp"))
            s->dp = d;
        else if (!strcmp(k, "mb"))
            s->microbatches = d;
        else if (!strcmp(k, "mtp"))
            s->mtp = (int)d;
        else if (!strcmp(k, "images"))
            s->images = d;
        else if (!strcmp(k, "isize"))
            snprintf(s->image_size, sizeof s->image_size, "%s", v);
        else if (!strcmp(k, "hw"))
            *hw = v;
        else if (!strcmp(k, "tol"))
            *tol = d;
        else {
            report(rn, "unknown setting '%s'", k);
            return -1;
        }
    }
    if (!kv_set)
        s->kv_bit = s->a_bit;
    return 0;
}

/* The op record at `path`; "PATH@N" is the N-th record with that path
 * (layer groups share their paths: @2 is the second group's). */
static const lr_op *
find(const lr_stage_result *st, const char *path)
{
    char want[512];
    snprintf(want, sizeof want, "%s", path);
    char *at = strrchr(want, '@');
    long nth = 1;
    if (at) {
        nth = strtol(at + 1, NULL, 10);
        *at = '\0';
    }
    for (size_t i = 0; i < st->nops; i++)
        if (strcmp(st->ops[i].path, want) == 0 && --nth == 0)
            return &st->ops[i];
    return NULL;
}

static int
field_of(const char *name, const lr_op *o, double *out)
{
    for (int f = 0; f < LR_NFIELDS; f++)
        if (!strcmp(name, lr_field_names[f])) {
            *out = o->v[f];
            return 0;
        }
    if (!strcmp(name, "bytes"))
        *out = o->bytes;
    else if (!strcmp(name, "count"))
        *out = o->count;
    else if (!strcmp(name, "time_s"))
        *out = o->time_s;
    else
        return -1;
    return 0;
}

static void
compare(runner *rn, const char *what, double got, double want, double tol)
{
    rn->checks++;
    if (tol > 0 ? fabs(got - want) > tol * fabs(want) : got != want)
        report(rn, "%s: got %.17g, expected %.17g", what, got, want);
}

static void
run_line(runner *rn, char **tok, int n)
{
    if (n < 3) {
        report(rn, "too few fields");
        return;
    }
    loaded *l = load(rn, tok[1]);
    if (!l)
        return;
    if (!strcmp(tok[0], "active")) {
        compare(rn, "active params", lr_plan_active_params(l->plan), strtod(tok[2], NULL), 0);
        return;
    }
    if (!strcmp(tok[0], "params")) {
        compare(rn, "params", lr_plan_params(l->plan), strtod(tok[2], NULL), 0);
        /* and the model analyses in both stages */
        lr_settings s;
        lr_settings_default(&s);
        lr_error err;
        if (lr_analyze(l->plan, rn->prof, lr_hwdb_find(rn->hw, "h100-sxm"), &s, 1, 1, l->r, &err))
            report(rn, "%s: analyze: %s", tok[1], err.msg);
        return;
    }
    int stage = !strcmp(tok[2], "decode") ? LR_DECODE : LR_PREFILL;
    int nfixed = !strcmp(tok[0], "op") ? 6 : !strcmp(tok[0], "absent") ? 4 : 5;
    if (n < nfixed) {
        report(rn, "too few fields for '%s'", tok[0]);
        return;
    }
    lr_settings s;
    const char *hw;
    double tol;
    if (settings(rn, tok + nfixed, n - nfixed, &s, &hw, &tol) < 0)
        return;
    lr_error err;
    const lr_hw *h = lr_hwdb_find(rn->hw, hw);
    if (!h || lr_analyze(l->plan, rn->prof, h, &s, 1, 1, l->r, &err) < 0) {
        report(rn, "analyze: %s", h ? err.msg : "unknown hardware");
        return;
    }
    const lr_stage_result *st = &l->r->stage[stage];
    if (!strcmp(tok[0], "memory")) {
        const lr_memory *m = &st->memory;
        double got = !strcmp(tok[3], "weights")    ? m->weights
                     : !strcmp(tok[3], "kv_cache") ? m->kv_cache
                                                   : m->activations;
        compare(rn, tok[3], got, strtod(tok[4], NULL), tol);
        return;
    }
    const lr_op *o = find(st, tok[3]);
    if (!strcmp(tok[0], "absent")) {
        rn->checks++;
        if (o && o->present)
            report(rn, "%s is present", tok[3]);
        return;
    }
    if (!o || !o->present) {
        report(rn, "no op %s in %s", tok[3], tok[2]);
        return;
    }
    double got;
    if (field_of(tok[4], o, &got) < 0) {
        report(rn, "unknown field %s", tok[4]);
        return;
    }
    char what[512];
    snprintf(what, sizeof what, "%s %s", tok[3], tok[4]);
    compare(rn, what, got, strtod(tok[5], NULL), tol);
}

static void
drop_cache(runner *rn)
{
    for (size_t i = 0; i < rn->ncache; i++) {
        lr_result_free(rn->cache[i].r);
        lr_plan_free(rn->cache[i].plan);
        lr_arch_free(rn->cache[i].arch);
    }
    rn->ncache = 0;
}

static void
run_file(runner *rn, const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[2048];
    rn->file = path;
    rn->line = 0;
    while (fgets(buf, sizeof buf, f)) {
        rn->line++;
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *tok[32];
        int n = 0;
        for (char *t = strtok(buf, " \t\r\n"); t && n < 32; t = strtok(NULL, " \t\r\n"))
            tok[n++] = t;
        if (n)
            run_line(rn, tok, n);
    }
    fclose(f);
    drop_cache(rn);
}

static void
test_families(void **state)
{
    (void)state;
    runner rn;
    memset(&rn, 0, sizeof rn);
    rn.prof = tu_profile(TU_DEFAULT, NULL);
    rn.hw = tu_hw();
    assert_non_null(rn.prof);
    DIR *d = opendir(LR_FIXTURES "/../families");
    assert_non_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/../families/%s", LR_FIXTURES, de->d_name);
        run_file(&rn, path);
        files++;
    }
    closedir(d);
    lr_hwdb_free(rn.hw);
    lr_profile_free(rn.prof);
    fprintf(stderr, "families: %d files, %d checks, %d failures\n", files, rn.checks, rn.failures);
    assert_true(files > 0);
    assert_int_equal(rn.failures, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_families)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
