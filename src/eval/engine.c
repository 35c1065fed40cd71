/*
 * engine.c: what an engine preset sets besides its efficiency (docs/memory.md,
 * "Engine presets"): the memory plan's settings (kv_block_size,
 * max_batched_tokens, mem_util), its runtime memory, the attention kernel
 * and FP16 accumulation, each read from data/engines/NAME.json. A setting
 * the user gave wins; the rest follow the engine every time this runs, so
 * a sweep over engines gets each engine's values. Also the default
 * sequence length cut to the model's context.
 */
#include <math.h>
#include <string.h>

#include "eval/eval.h"

/* The preset's value, or the row's default when the preset says null. */
static double
or_default(double preset, double dflt)
{
    return isnan(preset) ? dflt : preset;
}

int
lr_settings_apply_engine(lr_settings *s, const lr_profile *prof, lr_error *err)
{
    if (!prof->timing)
        return 0; /* no engine data: lr_expect_prepare says so when it matters */
    const char *name = s->engine[0] ? s->engine : prof->engine;
    const lr_engine_data *e = lr_timing_engine(prof->timing, name);
    if (!e)
        return lr_profile_engine_check(prof, name, err);
    lr_settings d;
    lr_settings_default(&d);
    if (!lr_settings_given(s, "kv_block_size"))
        s->kv_block = or_default(e->mem[0], d.kv_block);
    if (!lr_settings_given(s, "max_batched_tokens"))
        s->max_batched_tokens = or_default(e->mem[1], d.max_batched_tokens);
    if (!lr_settings_given(s, "mem_util"))
        s->mem_util = or_default(e->mem[2], d.mem_util);
    if (!lr_settings_given(s, "attention"))
        s->flash = e->flash < 0 ? d.flash : e->flash;
    s->fp16_acc = e->fp16_acc;
    s->runtime_bytes = isnan(e->runtime_bytes) ? -1 : e->runtime_bytes;
    return 0;
}

int
lr_settings_fit_context(lr_settings *s, const lr_arch *arch)
{
    if (lr_settings_given(s, "seq_len") || s->allow_long_context || arch->max_context <= 0 ||
        s->seq_len <= arch->max_context)
        return 0;
    s->seq_len = arch->max_context;
    return 1;
}
