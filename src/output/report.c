/*
 * report.c: writes an analysis as a table for people (units with prefixes),
 * or as JSON, CSV or Markdown. JSON and CSV carry raw SI numbers; the JSON
 * layout is a contract documented in docs/json-output.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static const char *const stage_names[2] = {"prefill", "decode"};

/* ---- human units ---- */

/* Decimal prefixes for FLOPs ("34.36 GFLOP"), binary for bytes ("256 MiB"). */
static void
human(char *buf, size_t cap, double v, int binary, const char *unit)
{
    static const char *const dec[] = {"", "K", "M", "G", "T", "P", "E"};
    static const char *const bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    double base = binary ? 1024 : 1000;
    int i = 0;
    while (fabs(v) >= base && i < 6) {
        v /= base;
        i++;
    }
    if (i == 0)
        snprintf(buf, cap, "%.0f %s", v, unit);
    else
        snprintf(buf, cap, "%.2f %s%s", v, binary ? bin[i] : dec[i], unit);
}

static void
human_time(char *buf, size_t cap, double s)
{
    if (s == 0)
        snprintf(buf, cap, "0 s");
    else if (s >= 1)
        snprintf(buf, cap, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, cap, "%.3f ms", s * 1e3);
    else if (s >= 1e-6)
        snprintf(buf, cap, "%.3f us", s * 1e6);
    else
        snprintf(buf, cap, "%.1f ns", s * 1e9);
}

static void
fmt_count(char *buf, size_t cap, double v)
{
    /* 6738415616 -> 6,738,415,616: parameter counts are read digit by digit */
    char raw[64];
    snprintf(raw, sizeof raw, "%.0f", v);
    size_t n = strlen(raw), o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        buf[o++] = raw[i];
        if ((n - i - 1) % 3 == 0 && i + 1 < n)
            buf[o++] = ',';
    }
    buf[o] = '\0';
}

/* ---- table and markdown ---- */

enum { NCOLS = 11 };

typedef struct row {
    char c[NCOLS][48];
} row;

static void
op_row(row *r, const char *name, double count, const double *v, double bytes, double intensity,
       const char *bound, double time_s, double expected_s)
{
    snprintf(r->c[0], sizeof r->c[0], "%s", name);
    if (count > 0)
        snprintf(r->c[1], sizeof r->c[1], "%.0f", count);
    else
        r->c[1][0] = '\0';
    human(r->c[2], sizeof r->c[2], v[LR_F_FLOPS], 0, "FLOP");
    human(r->c[3], sizeof r->c[3], v[LR_F_LOAD_WEIGHT], 1, "B");
    human(r->c[4], sizeof r->c[4], v[LR_F_LOAD_ACT] + v[LR_F_STORE_ACT], 1, "B");
    human(r->c[5], sizeof r->c[5], v[LR_F_LOAD_KV] + v[LR_F_STORE_KV], 1, "B");
    human(r->c[6], sizeof r->c[6], bytes, 1, "B");
    snprintf(r->c[7], sizeof r->c[7], "%.1f", intensity);
    snprintf(r->c[8], sizeof r->c[8], "%s", bound);
    human_time(r->c[9], sizeof r->c[9], time_s);
    human_time(r->c[10], sizeof r->c[10], expected_s);
}

/* "time" is the roofline (the bound), "expected" the engine's model */
static const char *const headers[NCOLS] = {"op",      "count",  "FLOPs",   "weights",
                                           "act r+w", "KV r+w", "bytes",   "FLOP/B",
                                           "bound",   "time",   "expected"};

static void
print_rows(FILE *f, row *rows, size_t n, int md)
{
    size_t w[NCOLS];
    for (int c = 0; c < NCOLS; c++) {
        w[c] = strlen(headers[c]);
        for (size_t i = 0; i < n; i++)
            if (strlen(rows[i].c[c]) > w[c])
                w[c] = strlen(rows[i].c[c]);
    }
    for (int c = 0; c < NCOLS; c++)
        fprintf(f, md ? "| %-*s " : (c ? "  %*s" : "%-*s"), (int)w[c], headers[c]);
    fputs(md ? "|\n" : "\n", f);
    for (int c = 0; c < NCOLS; c++) {
        if (md)
            fputs(c ? "|---:" : "|:---", f);
        else
            for (size_t k = 0; k < w[c] + (c ? 2 : 0); k++)
                fputc('-', f);
    }
    fputs(md ? "|\n" : "\n", f);
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < NCOLS; c++)
            fprintf(f, md ? "| %-*s " : (c ? "  %*s" : "%-*s"), (int)w[c], rows[i].c[c]);
        fputs(md ? "|\n" : "\n", f);
    }
}

void
lr_devices_line(FILE *f, const lr_settings *s, const char *indent)
{
    double n = lr_settings_devices(s);
    fprintf(f, "%s%.0f device%s (tp %.0f x pp %.0f x dp %.0f", indent, n, n == 1 ? "" : "s", s->tp,
            s->pp, s->dp);
    if (s->ep > 1)
        fprintf(f, "; experts split over ep %.0f of the tp x dp", s->ep);
    fprintf(f, "); figures per device\n");
}
/* The stage's totals side by side: the roofline's time (the bound, split
 * by what bounds the ops) and the engine's expected time (its ratio to the
 * roofline and the band's range in seconds); the latency too when a
 * pipeline makes it differ from one pass. */
static void
stage_summary(FILE *f, const char *stage, const lr_total *t, const char *engine, int md)
{
    char a[32], b[32], c[32], lo[32], hi[32];
    human_time(a, sizeof a, t->time_s);
    human_time(b, sizeof b, t->compute_time_s);
    human_time(c, sizeof c, t->memory_time_s);
    fprintf(f, "%s%s roofline: %s, the bound (compute-bound ops %s, memory-bound ops %s",
            md ? "\n" : "", stage, a, b, c);
    if (t->comm_time_s > 0) {
        human_time(a, sizeof a, t->comm_time_s);
        fprintf(f, ", communication %s", a);
    }
    fprintf(f, ")\n");
    human_time(a, sizeof a, t->expected_time_s);
    human_time(lo, sizeof lo, t->expected_time_s * t->expected_band[0]);
    human_time(hi, sizeof hi, t->expected_time_s * t->expected_band[1]);
    fprintf(f, "%s%s expected with %s: %s (x%.2f the roofline; band x%.3g to x%.3g: %s to %s)\n",
            md ? "\n" : "", stage, engine, a, t->time_s > 0 ? t->expected_time_s / t->time_s : 1,
            t->expected_band[0], t->expected_band[1], lo, hi);
    if (t->latency_s != t->time_s) {
        human_time(a, sizeof a, t->latency_s);
        human_time(b, sizeof b, t->expected_latency_s);
        fprintf(f,
                "%s%s latency (the whole batch through the pipeline): roofline %s, expected %s\n",
                md ? "\n" : "", stage, a, b);
    }
    fputs("\n", f);
}

static void
write_text(FILE *f, const lr_result *r, const lr_plan *plan, const char *model, int md)
{
    char a[64], b[64];
    const lr_settings *s = &r->settings;
    fmt_count(a, sizeof a, plan->params);
    fprintf(f, md ? "## %s on %s\n\n" : "%s on %s\n", model, r->hw->name);
    fprintf(f, "%sparameters %s; batch %.0f, seq-len %.0f, w%.4g a%d kv%d bits, compute %s (%s)\n",
            md ? "- " : "  ", a, s->batch, s->seq_len, s->w_bit, s->a_bit, s->kv_bit,
            lr_dtype_names[r->compute], (human(b, sizeof b, r->peak_flops, 0, "FLOP/s"), b));
    if (s->quant > 0) {
        /* the preset's name; its values are in the line above */
        lr_settings_format(s, (size_t)lr_setting_index("quant"), b, sizeof b);
        if (s->w_head_bit > 0)
            fprintf(f, "%squantization %s, embeddings quantized, lm_head at %.6g bits\n",
                    md ? "- " : "  ", b, s->w_head_bit);
        else
            fprintf(f, "%squantization %s, embeddings and lm_head %s\n", md ? "- " : "  ", b,
                    s->quantize_embeddings ? "quantized" : "16-bit");
    }
    human(a, sizeof a, r->hw->bandwidth, 0, "B/s");
    fprintf(f, "%smemory bandwidth %s; %s attention%s; profile %s\n", md ? "- " : "  ", a,
            s->flash ? "flash" : "eager", s->causal ? ", causal" : "", lr_profile_name(r->profile));
    lr_devices_line(f, s, md ? "- " : "  ");
    if (s->images > 0) /* a vision-language model's images (docs/families/vision.md) */
        fprintf(f, "%s%.0f image%s of %s per sequence: %.0f image tokens join the prompt\n",
                md ? "- " : "  ", s->images, s->images == 1 ? "" : "s",
                s->image_size[0] ? s->image_size : "the model's default size", s->image_tokens);
    fputc('\n', f);
    for (int st = 0; st < 2; st++) {
        if (!r->has[st])
            continue;
        const lr_stage_result *sr = &r->stage[st];
        row *rows = lr_xcalloc(sr->nops + 1, sizeof *rows);
        size_t nr = 0;
        for (size_t i = 0; i < sr->nops; i++) {
            const lr_op *o = &sr->ops[i];
            if (o->present)
                op_row(&rows[nr++], o->path, o->count, o->v, o->bytes, o->intensity,
                       lr_bound_names[o->bound], o->time_s, o->expected_time_s);
        }
        const lr_total *t = &sr->total;
        op_row(&rows[nr++], "total", 0, t->v, t->bytes, t->intensity, "", t->time_s,
               t->expected_time_s);
        if (md)
            fprintf(f, "### %s\n\n", st == LR_PREFILL ? "Prefill" : "Decode");
        else
            fprintf(f, "%s (%s):\n", st == LR_PREFILL ? "Prefill" : "Decode",
                    st == LR_PREFILL ? "the whole prompt, per op instance"
                                     : "one new token per sequence, per op instance");
        print_rows(f, rows, nr, md);
        free(rows);
        stage_summary(f, stage_names[st], t, s->engine, md);
    }
    const lr_memory *m = &r->memory;
    char w[32], k[32], ac[32], rt[32], tot[32], bud[32], dev[32];
    human(w, sizeof w, m->weights, 1, "B");
    human(k, sizeof k, m->kv_cache, 1, "B");
    human(ac, sizeof ac, m->activations, 1, "B");
    human(rt, sizeof rt, m->runtime, 1, "B");
    human(tot, sizeof tot, m->total, 1, "B");
    human(bud, sizeof bud, m->budget, 1, "B");
    human(dev, sizeof dev, m->device, 1, "B");
    fprintf(f, "%smemory: weights %s + KV cache %s + activations %s", md ? "- " : "", w, k, ac);
    if (m->runtime > 0)
        fprintf(f, " + runtime %s", rt);
    if (m->fits < 0) {
        fprintf(f, " = %s (device capacity unknown)\n", tot);
        return;
    }
    fprintf(f, " = %s of %s (%.0f%% of %s): %s\n", tot, bud, r->settings.mem_util * 100, dev,
            m->fits ? "fits" : "DOES NOT FIT");
    /* the engine's capacity (docs/memory.md), as vLLM logs it */
    if (isfinite(m->kv_capacity_tokens))
        fprintf(f, "%sKV cache room: %.0f tokens per device, %.0f sequences of %.0f tokens\n",
                md ? "- " : "", m->kv_capacity_tokens, m->max_sequences, m->seq_tokens);
}

/* ---- JSON ---- */

static void
json_fields(lr_jw *w, const double *v, double bytes, double intensity, double time_s,
            double expected_s)
{
    for (int f = 0; f < LR_NFIELDS; f++)
        lr_jw_knum(w, lr_field_names[f], v[f]);
    lr_jw_knum(w, "bytes", bytes);
    lr_jw_knum(w, "intensity", intensity);
    lr_jw_knum(w, "time_s", time_s);
    lr_jw_knum(w, "expected_time_s", expected_s);
}

static void
json_band(lr_jw *w, const double band[2])
{
    lr_jw_key(w, "expected_band");
    lr_jw_arr(w);
    lr_jw_num(w, band[0]);
    lr_jw_num(w, band[1]);
    lr_jw_end_arr(w);
}

void
lr_jw_memory(lr_jw *w, const lr_memory *m)
{
    lr_jw_key(w, "memory");
    lr_jw_obj(w);
    lr_jw_knum(w, "weights", m->weights);
    lr_jw_knum(w, "kv_cache", m->kv_cache);
    lr_jw_knum(w, "activations", m->activations);
    lr_jw_knum(w, "total", m->total);
    lr_jw_knum(w, "device", m->device);
    lr_jw_key(w, "fits");
    if (m->fits < 0)
        lr_jw_null(w);
    else
        lr_jw_bool(w, m->fits);
    /* the engine's plan (docs/memory.md); non-finite values are null */
    lr_jw_knum(w, "runtime", m->runtime);
    lr_jw_knum(w, "budget", m->budget);
    lr_jw_knum(w, "kv_per_token", m->kv_per_token);
    lr_jw_knum(w, "kv_per_seq", m->kv_per_seq);
    lr_jw_knum(w, "kv_capacity_tokens", m->kv_capacity_tokens);
    lr_jw_knum(w, "max_sequences", m->max_sequences);
    lr_jw_knum(w, "seq_tokens", m->seq_tokens);
    lr_jw_knum(w, "pass_tokens", m->pass_tokens);
    lr_jw_end_obj(w);
}

void
lr_report_json(lr_jw *w, const lr_result *r, const lr_plan *plan, const char *model)
{
    lr_jw_obj(w);
    lr_jw_key(w, "model");
    lr_jw_obj(w);
    lr_jw_kstr(w, "name", model);
    lr_jw_knum(w, "params", plan->params);
    lr_jw_knum(w, "active_params", plan->active_params);
    lr_jw_end_obj(w);
    const lr_hw *hw = r->hw;
    lr_jw_key(w, "hardware");
    lr_jw_obj(w);
    lr_jw_kstr(w, "name", hw->id);
    lr_jw_kstr(w, "full_name", hw->name);
    lr_jw_knum(w, "peak_flops", r->peak_flops);
    lr_jw_knum(w, "memory_bandwidth", hw->bandwidth);
    lr_jw_knum(w, "memory_bytes", hw->memory_bytes);
    lr_jw_end_obj(w);
    const lr_settings *s = &r->settings;
    lr_jw_key(w, "settings");
    lr_jw_obj(w);
    lr_jw_settings(w, s, NULL);
    lr_jw_knum(w, "image_tokens", s->image_tokens); /* the images' prompt tokens */
    lr_jw_kstr(w, "compute_dtype", lr_dtype_names[r->compute]);
    lr_jw_kstr(w, "profile", lr_profile_name(r->profile));
    lr_jw_end_obj(w);
    for (int st = 0; st < 2; st++) {
        if (!r->has[st])
            continue;
        const lr_stage_result *sr = &r->stage[st];
        lr_jw_key(w, stage_names[st]);
        lr_jw_obj(w);
        lr_jw_key(w, "ops");
        lr_jw_arr(w);
        for (size_t i = 0; i < sr->nops; i++) {
            const lr_op *o = &sr->ops[i];
            if (!o->present)
                continue;
            lr_jw_obj(w);
            lr_jw_kstr(w, "name", o->name);
            lr_jw_kstr(w, "path", o->path);
            lr_jw_kstr(w, "kind", o->kind);
            lr_jw_kstr(w, "class", o->cls);
            lr_jw_knum(w, "count", o->count);
            json_fields(w, o->v, o->bytes, o->intensity, o->time_s, o->expected_time_s);
            lr_jw_kstr(w, "bound", lr_bound_names[o->bound]);
            lr_jw_end_obj(w);
        }
        lr_jw_end_arr(w);
        lr_jw_key(w, "total");
        lr_jw_obj(w);
        json_fields(w, sr->total.v, sr->total.bytes, sr->total.intensity, sr->total.time_s,
                    sr->total.expected_time_s);
        lr_jw_knum(w, "compute_time_s", sr->total.compute_time_s);
        lr_jw_knum(w, "memory_time_s", sr->total.memory_time_s);
        lr_jw_knum(w, "comm_time_s", sr->total.comm_time_s);
        lr_jw_knum(w, "latency_s", sr->total.latency_s);
        lr_jw_knum(w, "expected_latency_s", sr->total.expected_latency_s);
        json_band(w, sr->total.expected_band);
        lr_jw_end_obj(w);
        lr_jw_memory(w, &sr->memory);
        lr_jw_end_obj(w);
    }
    lr_jw_memory(w, &r->memory);
    lr_jw_end_obj(w);
}

/* 1 when `name` is one of the comma-separated names of `list` (may be
 * NULL). */
int
lr_name_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t w = strcspn(p, ",");
        if (w == n && strncmp(p, name, n) == 0)
            return 1;
        p += w + (p[w] == ',');
    }
    return 0;
}

void
lr_jw_settings(lr_jw *w, const lr_settings *s, const char *skip)
{
    for (size_t i = 0; i < lr_setting_count(); i++) {
        const lr_setting_info *in = lr_setting_at(i);
        if (lr_name_listed(skip, in->name))
            continue;
        double v = lr_settings_value(s, i);
        switch (in->type) {
        case LR_SET_FLAG: lr_jw_kbool(w, in->name, v != 0); break;
        case LR_SET_CHOICE: lr_jw_kstr(w, in->name, in->choices[(int)v]); break;
        case LR_SET_TEXT: {
            char t[LR_ENGINE_MAX];
            lr_settings_format(s, i, t, sizeof t);
            lr_jw_kstr(w, in->name, t);
            break;
        }
        default: lr_jw_knum(w, in->name, v); break;
        }
    }
    /* derived, not a row: what the deployment occupies */
    lr_jw_knum(w, "devices", lr_settings_devices(s));
}

static void
write_json(FILE *f, const lr_result *r, const lr_plan *plan, const char *model)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_report_json(&w, r, plan, model);
}

/* ---- CSV ---- */

static void
csv_num(FILE *f, double v)
{
    char buf[40];
    lr_fmt_double(buf, sizeof buf, v);
    fprintf(f, ",%s", buf);
}

/* A text field, quoted when it holds a comma, a quote or a line break (a
 * model named by its path may). */
static void
csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fprintf(f, ",%s", s);
        return;
    }
    fputs(",\"", f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* What produced the row, after its figures: model, device, profile and
 * every setting, so that a row can be reproduced from itself. */
static void
csv_context(FILE *f, const lr_result *r, const char *model, int header)
{
    if (header) {
        fputs(",model,hardware,profile", f);
    } else {
        csv_text(f, model);
        csv_text(f, r->hw->id);
        csv_text(f, lr_profile_name(r->profile));
    }
    for (size_t i = 0; i < lr_setting_count(); i++) {
        char v[64];
        lr_settings_format(&r->settings, i, v, sizeof v);
        fprintf(f, ",%s", header ? lr_setting_at(i)->name : v);
    }
}

static void
write_csv(FILE *f, const lr_result *r, const char *model)
{
    fputs("stage,name,path,kind,class,count", f);
    for (int k = 0; k < LR_NFIELDS; k++)
        fprintf(f, ",%s", lr_field_names[k]);
    fputs(",bytes,intensity,bound,time_s,expected_time_s", f);
    csv_context(f, r, model, 1);
    fputc('\n', f);
    for (int st = 0; st < 2; st++) {
        if (!r->has[st])
            continue;
        const lr_stage_result *sr = &r->stage[st];
        for (size_t i = 0; i <= sr->nops; i++) {
            int total = i == sr->nops;
            const lr_op *o = total ? NULL : &sr->ops[i];
            if (o && !o->present)
                continue;
            const double *v = total ? sr->total.v : o->v;
            /* names are identifiers and dotted paths: no quoting needed */
            fprintf(f, "%s,%s,%s,%s,%s", stage_names[st], total ? "total" : o->name,
                    total ? "" : o->path, total ? "" : o->kind, total ? "" : o->cls);
            csv_num(f, total ? 1 : o->count);
            for (int k = 0; k < LR_NFIELDS; k++)
                csv_num(f, v[k]);
            csv_num(f, total ? sr->total.bytes : o->bytes);
            csv_num(f, total ? sr->total.intensity : o->intensity);
            fprintf(f, ",%s", total ? "" : lr_bound_names[o->bound]);
            csv_num(f, total ? sr->total.time_s : o->time_s);
            csv_num(f, total ? sr->total.expected_time_s : o->expected_time_s);
            csv_context(f, r, model, 0);
            fputc('\n', f);
        }
    }
}

int
lr_report_write(FILE *f, enum lr_format fmt, const lr_result *r, const lr_plan *plan,
                const char *model)
{
    switch (fmt) {
    case LR_FMT_TABLE: write_text(f, r, plan, model, 0); break;
    case LR_FMT_MD: write_text(f, r, plan, model, 1); break;
    case LR_FMT_JSON: write_json(f, r, plan, model); break;
    case LR_FMT_CSV: write_csv(f, r, model); break;
    }
    return ferror(f) ? -1 : 0;
}

void
lr_jw_generation(lr_jw *w, const lr_gen *g, const lr_plan *plan, const char *model, const lr_hw *hw,
                 const lr_settings *s, const lr_profile *prof)
{
    lr_jw_obj(w);
    lr_jw_key(w, "model");
    lr_jw_obj(w);
    lr_jw_kstr(w, "name", model);
    lr_jw_knum(w, "params", plan->params);
    lr_jw_knum(w, "active_params", plan->active_params);
    lr_jw_end_obj(w);
    lr_jw_key(w, "hardware");
    lr_jw_obj(w);
    lr_jw_kstr(w, "name", hw->id);
    lr_jw_end_obj(w);
    lr_jw_key(w, "settings");
    lr_jw_obj(w);
    lr_settings named = *s; /* the engine it ran with, the profile's default resolved */
    if (g->engine[0])
        memcpy(named.engine, g->engine, sizeof named.engine);
    lr_jw_settings(w, &named, "seq_len"); /* a generation has its own lengths */
    lr_jw_knum(w, "prompt_len", g->prompt);
    lr_jw_knum(w, "gen_len", g->gen);
    lr_jw_kstr(w, "profile", lr_profile_name(prof));
    lr_jw_end_obj(w);
    lr_jw_knum(w, "ttft_s", g->ttft_s);
    lr_jw_knum(w, "tpot_mean_s", g->tpot_mean_s);
    lr_jw_knum(w, "tpot_first_s", g->tpot_first_s);
    lr_jw_knum(w, "tpot_last_s", g->tpot_last_s);
    lr_jw_knum(w, "latency_s", g->latency_s);
    lr_jw_knum(w, "output_tokens_per_s", g->output_tokens_per_s);
    lr_jw_knum(w, "total_tokens_per_s", g->total_tokens_per_s);
    lr_jw_knum(w, "decode_tokens_per_s", g->decode_tokens_per_s);
    lr_jw_knum(w, "expected_ttft_s", g->expected_ttft_s);
    lr_jw_knum(w, "expected_tpot_mean_s", g->expected_tpot_mean_s);
    lr_jw_knum(w, "expected_tpot_first_s", g->expected_tpot_first_s);
    lr_jw_knum(w, "expected_tpot_last_s", g->expected_tpot_last_s);
    lr_jw_knum(w, "expected_latency_s", g->expected_latency_s);
    lr_jw_knum(w, "expected_output_tokens_per_s", g->expected_output_tokens_per_s);
    lr_jw_knum(w, "expected_total_tokens_per_s", g->expected_total_tokens_per_s);
    json_band(w, g->expected_band);
    for (int st = 0; st < 2; st++) {
        lr_jw_key(w, st ? "decode" : "prefill");
        lr_jw_obj(w);
        lr_jw_knum(w, "flops", g->flops[st]);
        lr_jw_knum(w, "bytes", g->bytes[st]);
        lr_jw_end_obj(w);
    }
    lr_jw_memory(w, &g->memory);
    lr_jw_end_obj(w);
}

int
lr_gen_write_json(FILE *f, const lr_gen *g, const lr_plan *plan, const char *model, const lr_hw *hw,
                  const lr_settings *s, const lr_profile *prof)
{
    lr_jw w;
    lr_jw_init(&w, f, 1);
    lr_jw_generation(&w, g, plan, model, hw, s, prof);
    return ferror(f) ? -1 : 0;
}
