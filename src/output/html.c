/*
 * html.c: the report as one self-contained HTML page: settings, totals,
 * memory, the generation summary, the charts (inline SVG from svg.c), the
 * per-op table of each stage, and the data as JSON in a
 * <script type="application/json">. Nothing is fetched: no URL, no font,
 * no script, no stylesheet outside the file, so the page reads the same
 * offline, from a mail attachment or from an archive years later.
 *
 * The page is also well-formed XML (every element closed, '<' and '&'
 * escaped everywhere, the JSON's included), so tests and tools can parse it
 * with an XML parser as well as with an HTML one.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static const char *const stage_label[2] = {"prefill", "decode"};

static const char css[] =
    "body{font-family:system-ui,Helvetica,Arial,sans-serif;color:#222;max-width:1000px;"
    "margin:24px auto;padding:0 16px;line-height:1.4}"
    "h1{font-size:22px;margin-bottom:4px}"
    "h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px}"
    "h3{font-size:15px;margin-top:24px}"
    ".sub{color:#666;margin-top:0}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
    "th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left}"
    "th{background:#f4f4f4}"
    "table.kv td:first-child{color:#555}table.kv td{text-align:left}"
    "tr.total td{font-weight:bold;border-top:1px solid #999}"
    ".compute{color:#d95f02}.memory{color:#1b9e77}.comm{color:#7570b3}"
    ".wide{overflow-x:auto}"
    "svg{max-width:100%;height:auto;display:block;margin:12px 0}";

/* A cell with a quantity in SI units ("312 TFLOP/s"). */
static void
td_q(FILE *f, double v, const char *unit)
{
    char q[48];
    lr_fmt_quantity(q, sizeof q, v, unit);
    fprintf(f, "<td>%s</td>", q);
}

static void
kv_text(FILE *f, const char *k, const char *v)
{
    fprintf(f, "<tr><td>%s</td><td>", k);
    lr_xml_escape(f, v);
    fputs("</td></tr>\n", f);
}

static void
kv_q(FILE *f, const char *k, double v, const char *unit)
{
    char q[48];
    lr_fmt_quantity(q, sizeof q, v, unit);
    kv_text(f, k, q);
}

static void
kv_num(FILE *f, const char *k, double v)
{
    char q[48];
    snprintf(q, sizeof q, "%.15g", v);
    kv_text(f, k, q);
}

/* 6738415616 -> "6,738,415,616": parameter counts are read digit by digit */
static void
kv_count(FILE *f, const char *k, double v)
{
    char raw[64], out[96];
    snprintf(raw, sizeof raw, "%.0f", v);
    size_t n = strlen(raw), o = 0;
    for (size_t i = 0; i < n; i++) {
        out[o++] = raw[i];
        if ((n - i - 1) % 3 == 0 && i + 1 < n)
            out[o++] = ',';
    }
    out[o] = '\0';
    kv_text(f, k, out);
}

static void
settings_table(FILE *f, const lr_result *r, const lr_plan *plan)
{
    const lr_settings *s = &r->settings;
    char buf[128];
    fputs("<h2>Settings</h2>\n<table class=\"kv\">\n", f);
    kv_text(f, "device", r->hw->name);
    kv_count(f, "parameters", lr_plan_params(plan));
    kv_num(f, "batch", s->batch);
    kv_num(f, "sequence length", s->seq_len);
    snprintf(buf, sizeof buf, "weights %.4g, activations %d, KV cache %d", s->w_bit, s->a_bit,
             s->kv_bit);
    kv_text(f, "bits", buf);
    if (s->w_group > 0 || s->kv_group > 0) {
        snprintf(buf, sizeof buf, "weights %.0f%s, KV cache %.0f", s->w_group,
                 s->w_asym ? " (asymmetric)" : "", s->kv_group);
        kv_text(f, "quantization groups", buf);
    }
    kv_text(f, "compute type", lr_dtype_names[r->compute]);
    kv_q(f, "peak", r->peak_flops, "FLOP/s");
    kv_q(f, "memory bandwidth", r->hw->bandwidth, "B/s");
    snprintf(buf, sizeof buf, "%s%s", s->flash ? "flash" : "eager", s->causal ? ", causal" : "");
    kv_text(f, "attention", buf);
    snprintf(buf, sizeof buf,
             "%.0f devices: tp %.0f x pp %.0f x dp %.0f; ep %.0f, micro-batches %.0f",
             lr_settings_devices(s), s->tp, s->pp, s->dp, s->ep, s->microbatches);
    kv_text(f, "parallelism", buf);
    kv_text(f, "profile", lr_profile_name(r->profile));
    fputs("</table>\n", f);
}

static void
totals_table(FILE *f, const lr_result *r)
{
    fputs("<h2>Totals</h2>\n<table>\n<tr><th>stage</th><th>FLOPs</th><th>bytes</th>"
          "<th>FLOP/B</th><th>time</th><th>latency</th><th>compute-bound</th>"
          "<th>memory-bound</th><th>communication</th><th>expected time</th>"
          "<th>expected latency</th></tr>\n",
          f);
    for (int st = 0; st < 2; st++) {
        if (!r->has[st])
            continue;
        const lr_total *t = &r->stage[st].total;
        fprintf(f, "<tr><td>%s</td>", stage_label[st]);
        td_q(f, t->v[LR_F_FLOPS], "FLOP");
        td_q(f, t->bytes, "B");
        fprintf(f, "<td>%.1f</td>", t->intensity);
        td_q(f, t->time_s, "s");
        td_q(f, t->latency_s, "s");
        td_q(f, t->compute_time_s, "s");
        td_q(f, t->memory_time_s, "s");
        td_q(f, t->comm_time_s, "s");
        td_q(f, t->expected_time_s, "s");
        td_q(f, t->expected_latency_s, "s");
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    fprintf(f,
            "<p>time and latency: the roofline, a bound; expected: with engine %s "
            "(docs/expected-time.md), band x%.3g to x%.3g.</p>\n",
            r->settings.engine, r->stage[r->has[0] ? 0 : 1].total.expected_band[0],
            r->stage[r->has[0] ? 0 : 1].total.expected_band[1]);
    const lr_memory *m = &r->memory;
    fputs("<h3>Memory</h3>\n<table class=\"kv\">\n", f);
    kv_q(f, "weights", m->weights, "B");
    kv_q(f, "KV cache", m->kv_cache, "B");
    kv_q(f, "activations", m->activations, "B");
    kv_q(f, "total", m->total, "B");
    if (m->fits < 0) {
        kv_text(f, "device", "capacity unknown");
    } else {
        kv_q(f, "device", m->device, "B");
        kv_text(f, "fits", m->fits ? "yes" : "NO");
    }
    fputs("</table>\n", f);
}

static void
gen_table(FILE *f, const lr_gen *g)
{
    char buf[64];
    fputs("<h2>Generation</h2>\n<table class=\"kv\">\n", f);
    snprintf(buf, sizeof buf, "%.0f prompt tokens, %.0f generated", g->prompt, g->gen);
    kv_text(f, "lengths", buf);
    kv_q(f, "time to first token", g->ttft_s, "s");
    kv_q(f, "time per output token (mean)", g->tpot_mean_s, "s");
    kv_q(f, "time per output token (first step)", g->tpot_first_s, "s");
    kv_q(f, "time per output token (last step)", g->tpot_last_s, "s");
    kv_q(f, "end-to-end latency", g->latency_s, "s");
    kv_q(f, "output throughput", g->output_tokens_per_s, "tokens/s");
    kv_q(f, "total throughput", g->total_tokens_per_s, "tokens/s");
    kv_q(f, "expected time to first token", g->expected_ttft_s, "s");
    kv_q(f, "expected time per output token (mean)", g->expected_tpot_mean_s, "s");
    kv_q(f, "expected end-to-end latency", g->expected_latency_s, "s");
    kv_q(f, "expected output throughput", g->expected_output_tokens_per_s, "tokens/s");
    kv_q(f, "prefill FLOPs", g->flops[0], "FLOP");
    kv_q(f, "decode FLOPs (all steps)", g->flops[1], "FLOP");
    kv_q(f, "decode bytes (all steps)", g->bytes[1], "B");
    kv_q(f, "memory at the end", g->memory.total, "B");
    if (g->memory.fits >= 0)
        kv_text(f, "fits", g->memory.fits ? "yes" : "NO");
    fputs("</table>\n", f);
}

static void
op_row(FILE *f, const lr_op *o, double stage_time)
{
    fputs("<tr><td title=\"", f);
    lr_xml_escape(f, o->path);
    fputs("\">", f);
    lr_xml_escape(f, o->name);
    fputs("</td><td>", f);
    lr_xml_escape(f, o->kind);
    fprintf(f, "</td><td>%.0f</td>", o->count);
    td_q(f, o->v[LR_F_FLOPS], "FLOP");
    td_q(f, o->v[LR_F_LOAD_WEIGHT], "B");
    td_q(f, o->v[LR_F_LOAD_ACT] + o->v[LR_F_STORE_ACT], "B");
    td_q(f, o->v[LR_F_LOAD_KV] + o->v[LR_F_STORE_KV], "B");
    td_q(f, o->bytes, "B");
    fprintf(f, "<td>%.1f</td><td class=\"%s\">%s</td>", o->intensity, lr_bound_names[o->bound],
            lr_bound_names[o->bound]);
    td_q(f, o->time_s, "s");
    td_q(f, o->count * o->time_s, "s");
    td_q(f, o->expected_time_s, "s");
    fprintf(f, "<td>%.1f%%</td></tr>\n",
            stage_time > 0 ? 100 * o->count * o->time_s / stage_time : 0);
}

static void
op_table(FILE *f, const lr_stage_result *sr)
{
    const char *name = stage_label[sr->stage];
    fprintf(f,
            "<h3>%s</h3>\n<div class=\"wide\"><table class=\"ops\" id=\"ops-%s\">\n"
            "<tr><th>op</th><th>kind</th><th>count</th><th>FLOPs</th><th>weights</th>"
            "<th>act r+w</th><th>KV r+w</th><th>bytes</th><th>FLOP/B</th><th>bound</th>"
            "<th>time</th><th>count x time</th><th>expected</th><th>share</th></tr>\n",
            sr->stage == LR_PREFILL ? "Prefill (the whole prompt, per op instance)"
                                    : "Decode (one token per sequence, per op instance)",
            name);
    for (size_t i = 0; i < sr->nops; i++)
        if (sr->ops[i].present)
            op_row(f, &sr->ops[i], sr->total.time_s);
    const lr_total *t = &sr->total;
    fputs("<tr class=\"total\"><td>total</td><td></td><td></td>", f);
    td_q(f, t->v[LR_F_FLOPS], "FLOP");
    td_q(f, t->v[LR_F_LOAD_WEIGHT], "B");
    td_q(f, t->v[LR_F_LOAD_ACT] + t->v[LR_F_STORE_ACT], "B");
    td_q(f, t->v[LR_F_LOAD_KV] + t->v[LR_F_STORE_KV], "B");
    td_q(f, t->bytes, "B");
    fprintf(f, "<td>%.1f</td><td></td>", t->intensity);
    td_q(f, t->time_s, "s");
    td_q(f, t->time_s, "s");
    td_q(f, t->expected_time_s, "s");
    fputs("<td>100.0%</td></tr>\n</table></div>\n", f);
}

static int
charts(FILE *f, const lr_result *r, const lr_chart *extra, size_t nextra)
{
    int rc = 0;
    fputs("<h2>Charts</h2>\n", f);
    rc |= lr_svg_roofline(f, r, "Roofline", LR_SVG_INLINE);
    rc |= lr_svg_breakdown(f, r, "Time by op kind", LR_SVG_INLINE);
    rc |= lr_svg_ops(f, r, "Time per op", LR_SVG_INLINE);
    for (size_t i = 0; i < nextra; i++)
        rc |= lr_svg_lines(f, &extra[i], 1, NULL, LR_SVG_INLINE);
    return rc;
}

/* ---- the data, as JSON ---- */

/* Closes the memory stream m (open_memstream's *pbuf, *plen: set at the
 * close) and writes what it held as the page's <script
 * type="application/json">; frees the buffer. */
static int
embed_json(FILE *f, FILE *m, char **pbuf, size_t *plen)
{
    int rc = ferror(m) ? -1 : 0;
    if (fclose(m) != 0)
        rc = -1;
    char *buf = *pbuf;
    size_t len = *plen;
    if (len > 0 && buf[len - 1] == '\n') /* the writer ends its top level with one */
        len--;
    fputs("<script type=\"application/json\" id=\"llmroof-data\">\n", f);
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '<' || c == '>' || c == '&')
            fprintf(f, "\\u%04x", (unsigned)c);
        else
            fputc(c, f);
    }
    fputs("\n</script>\n", f);
    free(buf);
    return rc;
}

/* {"analysis": the JSON of lr_report_write, "generation": ...}, with '<',
 * '>' and '&' written as \u escapes: they can only occur inside JSON
 * strings, where the escape means the same, and then no "</script>" or
 * entity can appear in the page. */
static int
json_data(FILE *f, const lr_result *r, const lr_plan *plan, const char *model, const lr_gen *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    lr_jw w;
    lr_jw_init(&w, m, 1);
    lr_jw_obj(&w);
    lr_jw_key(&w, "analysis");
    lr_report_json(&w, r, plan, model);
    lr_jw_key(&w, "generation");
    if (g)
        lr_jw_generation(&w, g, plan, model, r->hw, &r->settings, r->profile);
    else
        lr_jw_null(&w);
    lr_jw_end_obj(&w);
    return embed_json(f, m, &buf, &len);
}

static void
headline(FILE *f, const lr_result *r, const char *model)
{
    fputs("<h1>", f);
    lr_xml_escape(f, model);
    fputs(" on ", f);
    lr_xml_escape(f, r->hw->name);
    fputs("</h1>\n<p class=\"sub\">", f);
    for (int st = 0; st < 2; st++) {
        if (!r->has[st])
            continue;
        char q[48];
        lr_fmt_quantity(q, sizeof q, r->stage[st].total.latency_s, "s");
        fprintf(f, "%s %s%s; ", stage_label[st], q,
                st == LR_DECODE ? " per token" : " for the prompt");
    }
    char tot[48], dev[48];
    lr_fmt_quantity(tot, sizeof tot, r->memory.total, "B");
    lr_fmt_quantity(dev, sizeof dev, r->memory.device, "B");
    if (r->memory.fits < 0)
        fprintf(f, "memory %s. ", tot);
    else
        fprintf(f, "memory %s of %s (%s). ", tot, dev, r->memory.fits ? "fits" : "does not fit");
    fputs("Written by llmroof " LR_VERSION ".</p>\n", f);
}

int
lr_html_report(FILE *f, const lr_result *r, const lr_plan *plan, const char *model, const lr_gen *g,
               const lr_chart *extra, size_t nextra)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          f);
    lr_xml_escape(f, model);
    fputs(" on ", f);
    lr_xml_escape(f, r->hw->id);
    fprintf(f, ": llmroof report</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    headline(f, r, model);
    settings_table(f, r, plan);
    totals_table(f, r);
    if (g)
        gen_table(f, g);
    int rc = charts(f, r, extra, nextra);
    fputs("<h2>Operations</h2>\n", f);
    for (int st = 0; st < 2; st++)
        if (r->has[st])
            op_table(f, &r->stage[st]);
    if (json_data(f, r, plan, model, g) < 0)
        rc = -1;
    fputs("</body>\n</html>\n", f);
    return rc < 0 || ferror(f) ? -1 : 0;
}

/* ---- a simulation's page (lr_html_simulation) ---- */

static void
stat_row(FILE *f, const char *name, const lr_sim_stat *st)
{
    fprintf(f, "<tr><td>%s</td>", name);
    td_q(f, st->mean, "s");
    td_q(f, st->p50, "s");
    td_q(f, st->p90, "s");
    td_q(f, st->p99, "s");
    fputs("</tr>\n", f);
}

/* The latency percentiles: one row per measure. */
static void
sim_latency_table(FILE *f, const lr_sim_result *r)
{
    fputs("<h2>Latency</h2>\n<table class=\"sim\" id=\"sim-latency\">\n<tr><th></th><th>mean</th>"
          "<th>p50</th><th>p90</th><th>p99</th></tr>\n",
          f);
    stat_row(f, "time to first token (TTFT)", &r->ttft_s);
    stat_row(f, "time per output token (TPOT)", &r->tpot_s);
    stat_row(f, "inter-token latency (ITL)", &r->itl_s);
    stat_row(f, "end-to-end latency (E2E)", &r->e2e_s);
    stat_row(f, "queueing delay", &r->queue_s);
    fputs("</table>\n", f);
}

/* Throughput, goodput, preemptions and how the requests were served. */
static void
sim_summary_table(FILE *f, const lr_sim_report *x)
{
    const lr_sim_result *r = x->result;
    const lr_sim_config *c = x->config;
    char q[64];
    fputs("<h2>Throughput</h2>\n<table class=\"kv\" id=\"sim-summary\">\n", f);
    kv_num(f, "requests", (double)r->nreq);
    kv_text(f, "requests from", x->source);
    if (isfinite(x->rate))
        kv_q(f, "arrival rate", x->rate, "req/s");
    kv_q(f, "throughput", r->requests_per_s, "req/s");
    kv_q(f, "output tokens", r->output_tokens_per_s, "tok/s");
    kv_q(f, "all tokens", r->total_tokens_per_s, "tok/s");
    kv_q(f, "goodput", r->goodput_requests_per_s, "req/s");
    snprintf(q, sizeof q, "%.1f%%", r->slo_met * 100);
    kv_text(f, "share meeting the SLOs", q);
    if (c->slo_ttft_s > 0)
        kv_q(f, "SLO: TTFT", c->slo_ttft_s, "s");
    if (c->slo_tpot_s > 0)
        kv_q(f, "SLO: TPOT", c->slo_tpot_s, "s");
    kv_num(f, "preemptions", r->preemptions);
    kv_num(f, "steps", r->steps);
    snprintf(q, sizeof q, "%.1f", r->mean_batch);
    kv_text(f, "mean batch (sequences)", q);
    kv_num(f, "instances", r->instances);
    kv_num(f, "devices", r->devices);
    kv_num(f, "max_num_seqs", c->max_num_seqs);
    kv_num(f, "KV blocks per instance", r->kv_blocks);
    kv_q(f, "duration", r->duration_s, "s");
    fputs("</table>\n", f);
}

int
lr_html_simulation(FILE *f, const lr_sim_report *x, const lr_chart *charts, size_t ncharts)
{
    const lr_sim_result *r = x->result;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          f);
    lr_xml_escape(f, x->model);
    fputs(" on ", f);
    lr_xml_escape(f, x->hw->id);
    fprintf(f, ": llmroof simulation</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    fputs("<h1>", f);
    lr_xml_escape(f, x->model);
    fputs(" on ", f);
    lr_xml_escape(f, x->hw->name);
    fprintf(f, ": serving simulation</h1>\n<p class=\"sub\">%zu requests (", r->nreq);
    lr_xml_escape(f, x->source);
    fputs("), engine ", f);
    lr_xml_escape(f, r->engine);
    fputs(", profile ", f);
    lr_xml_escape(f, lr_profile_name(x->prof));
    fputs(". Written by llmroof " LR_VERSION ".</p>\n", f);
    sim_latency_table(f, r);
    sim_summary_table(f, x);
    int rc = 0;
    fputs("<h2>Charts</h2>\n", f);
    for (size_t i = 0; i < ncharts; i++)
        rc |= lr_svg_lines(f, &charts[i], 1, NULL, LR_SVG_INLINE);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    lr_jw w;
    lr_jw_init(&w, m, 1);
    lr_jw_obj(&w);
    lr_jw_key(&w, "simulation");
    lr_jw_simulation(&w, x);
    lr_jw_end_obj(&w);
    if (embed_json(f, m, &buf, &len) < 0)
        rc = -1;
    fputs("</body>\n</html>\n", f);
    return rc < 0 || ferror(f) ? -1 : 0;
}
