/*
 * calib_json.c: the efficiency file of a calibration (lr_jw_calibration):
 * the data/efficiency schema (docs/expected-time.md), with the fitted
 * parameters of the device's class per op kind and the band from the
 * fit's residuals, the residuals themselves kept as a note ("_fit") so the
 * file says how well it fits. Nothing measured is written, only parameters.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"

static void
stats(lr_jw *w, const lr_calib *c, int which, const char *key)
{
    if (!lr_calib_stats_get(c, which, 0))
        return;
    lr_jw_key(w, key);
    lr_jw_obj(w);
    for (size_t i = 0; i < lr_calib_stats_count(c); i++) {
        const lr_calib_stats *s = lr_calib_stats_get(c, which, i);
        if (s->n == 0)
            continue;
        lr_jw_key(w, s->category);
        lr_jw_obj(w);
        lr_jw_knum(w, "rows", (double)s->n);
        lr_jw_knum(w, "median", s->median);
        lr_jw_knum(w, "p10", s->p10);
        lr_jw_knum(w, "p90", s->p90);
        lr_jw_knum(w, "median_abs_err", s->median_abs_err);
        lr_jw_end_obj(w);
    }
    lr_jw_end_obj(w);
}

/* The fitted parameters of one kind, if any. */
static void
kind_block(lr_jw *w, const lr_calib *c, const char *kind)
{
    int open = 0;
    for (size_t i = 0; i < lr_calib_param_count(c); i++) {
        const char *k, *name;
        double before, after;
        lr_calib_param(c, i, &k, &name, &before, &after);
        if (strcmp(k, kind) != 0)
            continue;
        if (!open) {
            lr_jw_key(w, kind);
            lr_jw_obj(w);
            open = 1;
        }
        /* 4 significant digits: the fit is not better than that */
        char buf[32];
        snprintf(buf, sizeof buf, "%.4g", after);
        double v;
        sscanf(buf, "%lf", &v);
        lr_jw_knum(w, name, v);
    }
    if (open)
        lr_jw_end_obj(w);
}

/* The fitted step overheads, as {"engines": {NAME: {"step_overhead_s":
 * {prefill, decode}}}}, a stage not fitted keeping its value. */
static void
engines(lr_jw *w, const lr_calib *c)
{
    double before[2], after[2];
    int any = 0;
    for (int st = 0; st < 2; st++)
        any |= lr_calib_overhead(c, st, &before[st], &after[st]);
    if (!any)
        return;
    lr_jw_key(w, "engines");
    lr_jw_obj(w);
    lr_jw_key(w, lr_calib_engine(c));
    lr_jw_obj(w);
    lr_jw_key(w, "step_overhead_s");
    lr_jw_obj(w);
    lr_jw_knum(w, "prefill", after[0]);
    lr_jw_knum(w, "decode", after[1]);
    lr_jw_end_obj(w);
    lr_jw_end_obj(w);
    lr_jw_end_obj(w);
}

void
lr_jw_calibration(lr_jw *w, const lr_calib *c)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "status", "fitted");
    lr_jw_kstr(w, "source", lr_calib_source(c));
    lr_jw_key(w, "_fit");
    lr_jw_obj(w);
    lr_jw_kstr(w, "what",
               "measured / expected per category, before and after the fit, and "
               "held out (k-fold by rows); median_abs_err = median |expected - "
               "measured| / measured");
    stats(w, c, 0, "before");
    stats(w, c, 1, "after");
    stats(w, c, 2, "held_out");
    lr_jw_end_obj(w);
    engines(w, c);
    if (!lr_calib_has_kernels(c)) {
        lr_jw_end_obj(w);
        return;
    }
    lr_jw_key(w, "classes");
    lr_jw_obj(w);
    lr_jw_key(w, lr_calib_class(c));
    lr_jw_obj(w);
    if (!lr_calib_hw_has_class(c)) {
        lr_jw_key(w, "hardware");
        lr_jw_arr(w);
        lr_jw_str(w, lr_calib_hw_id(c));
        lr_jw_end_arr(w);
    }
    char buf[32];
    double v;
    snprintf(buf, sizeof buf, "%.3g", lr_calib_band(c, 0));
    sscanf(buf, "%lf", &v);
    lr_jw_knum(w, "band_low", v);
    snprintf(buf, sizeof buf, "%.3g", lr_calib_band(c, 1));
    sscanf(buf, "%lf", &v);
    lr_jw_knum(w, "band_high", v);
    lr_jw_key(w, "kinds");
    lr_jw_obj(w);
    kind_block(w, c, "matmul");
    kind_block(w, c, "attention@prefill");
    kind_block(w, c, "attention@decode");
    lr_jw_end_obj(w);
    lr_jw_end_obj(w);
    lr_jw_end_obj(w);
    lr_jw_end_obj(w);
}
