/*
 * workload.c: the requests a simulation serves: drawn from a named length
 * distribution (data/workloads/NAME.json) with Poisson arrivals, or read
 * from a trace CSV. The random numbers are our own (xoshiro256** seeded by
 * splitmix64), so a seed gives the same requests on every platform.
 */
#define _DEFAULT_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void
lr_rng_seed(uint64_t s[4], uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna), the top 53 bits as a double. */
double
lr_rng_uniform(uint64_t s[4])
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return (double)(r >> 11) * 0x1.0p-53;
}

/* A length distribution of a workload file. */
typedef struct dist {
    int kind; /* 0 fixed, 1 uniform, 2 lognormal */
    double value, lo, hi, mu, sigma;
} dist;

static int
read_dist(const json_t *root, const char *key, const char *path, dist *d, lr_error *err)
{
    const json_t *o = json_object_get(root, key);
    const char *kind = json_string_value(json_object_get(o, "distribution"));
    memset(d, 0, sizeof *d);
    d->lo = 1;
    d->hi = 1e9;
    if (!json_is_object(o) || !kind) {
        lr_err_set(err, path, key,
                   "expected an object with \"distribution\": fixed, uniform "
                   "or lognormal");
        return -1;
    }
    const json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
    if (json_is_number(mn))
        d->lo = json_number_value(mn);
    if (json_is_number(mx))
        d->hi = json_number_value(mx);
    double mean = json_number_value(json_object_get(o, "mean"));
    double median = json_number_value(json_object_get(o, "median"));
    if (!strcmp(kind, "fixed")) {
        d->value = json_number_value(json_object_get(o, "value"));
        if (d->value >= 1)
            return 0;
    } else if (!strcmp(kind, "uniform")) {
        d->kind = 1;
        if (json_is_number(mn) && json_is_number(mx) && d->lo >= 1 && d->hi >= d->lo)
            return 0;
    } else if (!strcmp(kind, "lognormal")) {
        /* mean = exp(mu + sigma^2 / 2), median = exp(mu) */
        d->kind = 2;
        if (median >= 1 && mean >= median) {
            d->mu = log(median);
            d->sigma = sqrt(2 * log(mean / median));
            return 0;
        }
    }
    lr_err_set(err, path, key,
               "expected {\"distribution\": \"fixed\", \"value\": N >= 1}, {\"distribution\": "
               "\"uniform\", \"min\", \"max\"} or {\"distribution\": \"lognormal\", \"mean\", "
               "\"median\" (mean >= median >= 1)}, optionally min and max");
    return -1;
}

static double
draw(const dist *d, uint64_t s[4])
{
    double v = d->value;
    if (d->kind == 1) {
        v = d->lo + floor(lr_rng_uniform(s) * (d->hi - d->lo + 1));
    } else if (d->kind == 2) {
        /* Box-Muller: one normal from two uniforms */
        double u1 = 1 - lr_rng_uniform(s), u2 = lr_rng_uniform(s);
        double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
        v = round(exp(d->mu + d->sigma * z));
    }
    return v < d->lo ? d->lo : v > d->hi ? d->hi : v;
}

int
lr_workload_requests(const char *path, double rate, size_t n, uint64_t seed, lr_sim_request **reqs,
                     lr_error *err)
{
    *reqs = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lr_err_set(err, path, "", "%s", je.text);
        err->line = je.line;
        err->col = je.column;
        return -1;
    }
    dist in, out;
    int rc = -1;
    if (read_dist(root, "prompt", path, &in, err) < 0 ||
        read_dist(root, "output", path, &out, err) < 0)
        goto done;
    if (!(rate >= 0) || n == 0) {
        lr_err_set(err, "", "rate", "expected a rate >= 0 and at least one request");
        goto done;
    }
    uint64_t s[4];
    lr_rng_seed(s, seed);
    lr_sim_request *r = lr_xcalloc(n, sizeof *r);
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && rate > 0)
            t += -log(1 - lr_rng_uniform(s)) / rate; /* exponential gaps */
        r[i].arrival_s = t;
        r[i].prompt = draw(&in, s);
        r[i].output = draw(&out, s);
        r[i].prefix = -1;
    }
    *reqs = r;
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/* The column index of each wanted name in the header, -1 if absent. */
static int
trace_header(char *line, const char *path, int *col, lr_error *err)
{
    static const char *const names[4] = {"arrival_s", "prompt_len", "output_len", "prefix_len"};
    for (int k = 0; k < 4; k++)
        col[k] = -1;
    int i = 0;
    for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), i++) {
        while (*tok == ' ')
            tok++;
        for (int k = 0; k < 4; k++)
            if (!strcmp(tok, names[k]))
                col[k] = i;
    }
    for (int k = 0; k < 3; k++) {
        if (col[k] < 0) {
            lr_err_set(err, path, "",
                       "the header names no %s column (expected arrival_s, "
                       "prompt_len, output_len and optionally prefix_len)",
                       names[k]);
            err->line = 1;
            return -1;
        }
    }
    return 0;
}

int
lr_sim_trace_load(const char *path, lr_sim_request **reqs, size_t *n, lr_error *err)
{
    *reqs = NULL;
    *n = 0;
    size_t len;
    char *text = lr_read_file(path, &len, err);
    if (!text)
        return -1;
    int col[4], rc = -1, lineno = 1;
    size_t cap = 0;
    lr_sim_request *r = NULL;
    char *save = text, *line = strsep(&save, "\n");
    if (trace_header(line, path, col, err) < 0)
        goto done;
    while ((line = strsep(&save, "\n")) != NULL) {
        lineno++;
        if (strspn(line, " \r\t") == strlen(line))
            continue;
        double v[4] = {0, 0, 0, -1};
        char *p = line;
        int i = 0;
        for (; p; i++) {
            char *field = strsep(&p, ",");
            for (int k = 0; k < 4; k++) {
                if (col[k] != i)
                    continue;
                char *end;
                v[k] = strtod(field, &end);
                while (*end == ' ' || *end == '\r')
                    end++;
                if (end == field || *end || !isfinite(v[k]) || v[k] < (k == 3 ? 0 : k ? 1 : 0)) {
                    lr_err_set(err, path, "", "column %d: expected a number%s, got '%s'", i + 1,
                               k == 0 || k == 3 ? " >= 0" : " >= 1 (tokens)", field);
                    err->line = lineno;
                    err->col = (int)(field - line) + 1;
                    goto done;
                }
            }
        }
        int need = col[0] > col[1] ? col[0] : col[1];
        need = need > col[2] ? need : col[2];
        if (i <= need) {
            lr_err_set(err, path, "", "expected at least %d fields (the header's columns), got %d",
                       need + 1, i);
            err->line = lineno;
            goto done;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            r = lr_xrealloc(r, cap, sizeof *r);
        }
        lr_sim_request q = {v[0], floor(v[1]), floor(v[2]), v[3] >= 0 ? floor(v[3]) : -1};
        r[(*n)++] = q;
    }
    if (!*n) {
        lr_err_set(err, path, "", "no requests after the header");
        goto done;
    }
    *reqs = r;
    r = NULL;
    rc = 0;
done:
    free(r);
    free(text);
    if (rc < 0)
        *n = 0;
    return rc;
}
