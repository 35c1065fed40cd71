/*
 * plan_json.c: the JSON of a serving plan and of a sweep row, in the
 * library so that the CLI (serve-plan, sweep) and lr_json_call write the
 * same objects.
 */
#include <string.h>

#include "output/output.h"

/* What produced the plan: every setting but the batch (the rows vary it)
 * and seq_len (a generation has its own lengths), and the targets (null:
 * none given). */
static void
plan_settings(lr_jw *w, const lr_serve_plan *sp, const lr_settings *s)
{
    lr_jw_key(w, "settings");
    lr_jw_obj(w);
    lr_jw_settings(w, s, "batch,seq_len");
    lr_jw_knum(w, "prompt_len", sp->prompt);
    lr_jw_knum(w, "gen_len", sp->gen);
    const double targets[3] = {sp->max_tpot_s, sp->max_ttft_s, sp->batch_cap};
    static const char *const tnames[3] = {"max_tpot_s", "max_ttft_s", "max_batch"};
    for (int i = 0; i < 3; i++) {
        lr_jw_key(w, tnames[i]);
        if (targets[i] > 0)
            lr_jw_num(w, targets[i]);
        else
            lr_jw_null(w);
    }
    lr_jw_end_obj(w);
}

static void
band(lr_jw *w, const double b[2])
{
    lr_jw_key(w, "expected_band");
    lr_jw_arr(w);
    lr_jw_num(w, b[0]);
    lr_jw_num(w, b[1]);
    lr_jw_end_arr(w);
}

static void
plan_row(lr_jw *w, const lr_serve_row *r)
{
    lr_jw_obj(w);
    lr_jw_knum(w, "batch", r->batch);
    lr_jw_knum(w, "ttft_s", r->g.ttft_s);
    lr_jw_knum(w, "tpot_mean_s", r->g.tpot_mean_s);
    lr_jw_knum(w, "latency_s", r->g.latency_s);
    lr_jw_knum(w, "output_tokens_per_s", r->g.output_tokens_per_s);
    lr_jw_knum(w, "memory_total", r->g.memory.total);
    lr_jw_knum(w, "expected_ttft_s", r->g.expected_ttft_s);
    lr_jw_knum(w, "expected_tpot_mean_s", r->g.expected_tpot_mean_s);
    lr_jw_knum(w, "expected_latency_s", r->g.expected_latency_s);
    lr_jw_knum(w, "expected_output_tokens_per_s", r->g.expected_output_tokens_per_s);
    band(w, r->g.expected_band);
    lr_jw_kbool(w, "within_targets", r->ok);
    lr_jw_end_obj(w);
}

void
lr_jw_serve_plan(lr_jw *w, const lr_serve_plan *sp, const char *model, const lr_hw *hw,
                 const lr_settings *s, const lr_profile *prof)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "model", model);
    lr_jw_kstr(w, "hardware", hw->id);
    lr_jw_knum(w, "prompt_len", sp->prompt);
    lr_jw_knum(w, "gen_len", sp->gen);
    lr_jw_knum(w, "mem_util", s->mem_util);
    lr_jw_knum(w, "max_batch", sp->max_batch);
    lr_jw_memory(w, &sp->mem);
    lr_jw_kstr(w, "engine", sp->n ? sp->rows[0].g.engine : "");
    lr_jw_kstr(w, "profile", lr_profile_name(prof));
    plan_settings(w, sp, s);
    lr_jw_key(w, "best_batch");
    if (sp->best < 0)
        lr_jw_null(w);
    else
        lr_jw_num(w, sp->rows[sp->best].batch);
    lr_jw_key(w, "rows");
    lr_jw_arr(w);
    for (size_t i = 0; i < sp->n; i++)
        plan_row(w, &sp->rows[i]);
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

/* A setting as the JSON output's "settings" writes it (lr_jw_settings
 * without the derived devices): flags as booleans, choices and text by
 * name, numbers as numbers. */
static void
row_setting(lr_jw *w, const lr_settings *s, size_t i)
{
    const lr_setting_info *in = lr_setting_at(i);
    char t[64];
    switch (in->type) {
    case LR_SET_FLAG: lr_jw_kbool(w, in->name, lr_settings_value(s, i) != 0); break;
    case LR_SET_CHOICE:
    case LR_SET_TEXT:
        lr_settings_format(s, i, t, sizeof t);
        lr_jw_kstr(w, in->name, t);
        break;
    default: lr_jw_knum(w, in->name, lr_settings_value(s, i)); break;
    }
}

static void
sweep_stage(lr_jw *w, const char *key, const lr_stage_result *st)
{
    lr_jw_key(w, key);
    lr_jw_obj(w);
    lr_jw_knum(w, "flops", st->total.v[LR_F_FLOPS]);
    lr_jw_knum(w, "bytes", st->total.bytes);
    lr_jw_knum(w, "latency_s", st->total.latency_s);
    lr_jw_knum(w, "expected_latency_s", st->total.expected_latency_s);
    band(w, st->total.expected_band);
    lr_jw_end_obj(w);
}

static void
sweep_generation(lr_jw *w, const lr_gen *g)
{
    lr_jw_key(w, "generation");
    lr_jw_obj(w);
    lr_jw_knum(w, "prompt_len", g->prompt);
    lr_jw_knum(w, "gen_len", g->gen);
    lr_jw_knum(w, "ttft_s", g->ttft_s);
    lr_jw_knum(w, "tpot_mean_s", g->tpot_mean_s);
    lr_jw_knum(w, "latency_s", g->latency_s);
    lr_jw_knum(w, "output_tokens_per_s", g->output_tokens_per_s);
    lr_jw_knum(w, "expected_ttft_s", g->expected_ttft_s);
    lr_jw_knum(w, "expected_tpot_mean_s", g->expected_tpot_mean_s);
    lr_jw_knum(w, "expected_latency_s", g->expected_latency_s);
    lr_jw_knum(w, "expected_output_tokens_per_s", g->expected_output_tokens_per_s);
    lr_jw_end_obj(w);
}

void
lr_jw_sweep_row(lr_jw *w, const char *model, const lr_plan *plan, const lr_result *r,
                const lr_gen *g)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "model", model);
    lr_jw_kstr(w, "profile", lr_profile_name(r->profile));
    lr_jw_kstr(w, "hardware", r->hw->id);
    for (size_t i = 0; i < lr_setting_count(); i++)
        row_setting(w, &r->settings, i); /* the engine resolved */
    sweep_stage(w, "prefill", &r->stage[LR_PREFILL]);
    sweep_stage(w, "decode", &r->stage[LR_DECODE]);
    lr_jw_knum(w, "memory_total", r->memory.total);
    lr_jw_key(w, "fits");
    if (r->memory.fits < 0)
        lr_jw_null(w);
    else
        lr_jw_bool(w, r->memory.fits);
    lr_jw_knum(w, "params", lr_plan_params(plan));
    lr_jw_knum(w, "active_params", lr_plan_active_params(plan));
    if (g)
        sweep_generation(w, g);
    lr_jw_end_obj(w);
}
