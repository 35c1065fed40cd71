/*
 * listings.c: the JSON of what is not an analysis: one op's formulas with
 * the values put in (lr_plan_explain_op), the hardware table, the module
 * database and the bundled models. The web API and the CLI's --format json
 * write these through the same functions, so both give the same bytes
 * (docs/json-output.md).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"

static void
str_or_null(lr_jw *w, const char *k, const char *s)
{
    lr_jw_key(w, k);
    if (s)
        lr_jw_str(w, s);
    else
        lr_jw_null(w);
}

/* ---- one op ---- */

static void
explain_params(lr_jw *w, const lr_explain *x)
{
    lr_jw_key(w, "parameters");
    lr_jw_arr(w);
    for (size_t i = 0; i < x->nparams; i++) {
        const lr_explain_param *p = &x->params[i];
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", p->name);
        lr_jw_key(w, "given");
        if (p->formula)
            lr_jw_str(w, p->formula);
        else if (p->given)
            lr_jw_num(w, p->value);
        else
            lr_jw_null(w);
        str_or_null(w, "default", p->def);
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
}

static void
explain_record(lr_jw *w, const lr_op *o)
{
    lr_jw_key(w, "result");
    lr_jw_obj(w);
    lr_jw_kbool(w, "present", o->present);
    lr_jw_knum(w, "count", o->count);
    for (int f = 0; f < LR_NFIELDS; f++)
        lr_jw_knum(w, lr_field_names[f], o->v[f]);
    lr_jw_knum(w, "bytes", o->bytes);
    lr_jw_knum(w, "intensity", o->intensity);
    lr_jw_knum(w, "time_s", o->time_s);
    lr_jw_knum(w, "expected_time_s", o->expected_time_s);
    lr_jw_kstr(w, "bound", lr_bound_names[o->bound]);
    lr_jw_end_obj(w);
}

static void
explain_stage(lr_jw *w, const char *key, const lr_explain_stage *st)
{
    lr_jw_key(w, key);
    lr_jw_obj(w);
    lr_jw_key(w, "formulas");
    lr_jw_obj(w);
    for (size_t i = 0; i < st->nfields; i++) {
        lr_jw_key(w, lr_field_names[st->fields[i].field]);
        lr_jw_obj(w);
        lr_jw_kstr(w, "text", st->fields[i].text);
        lr_jw_knum(w, "value", st->fields[i].value);
        lr_jw_end_obj(w);
    }
    lr_jw_end_obj(w);
    lr_jw_key(w, "values");
    lr_jw_obj(w);
    for (size_t i = 0; i < st->nnames; i++)
        lr_jw_knum(w, st->names[i].name, st->names[i].value);
    lr_jw_end_obj(w);
    explain_record(w, &st->op);
    lr_jw_end_obj(w);
}

void
lr_jw_explain(lr_jw *w, const lr_explain *x)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "path", x->path);
    lr_jw_kstr(w, "op", x->op);
    lr_jw_kstr(w, "kind", x->kind);
    lr_jw_kstr(w, "node", x->node);
    lr_jw_kstr(w, "class", x->cls);
    lr_jw_kstr(w, "module", x->module);
    explain_params(w, x);
    lr_jw_key(w, "formulas");
    lr_jw_obj(w);
    const lr_explain_stage *pre = &x->stage[LR_PREFILL];
    for (size_t i = 0; i < pre->nfields; i++)
        lr_jw_kstr(w, lr_field_names[pre->fields[i].field], pre->fields[i].formula);
    lr_jw_end_obj(w);
    explain_stage(w, "prefill", &x->stage[LR_PREFILL]);
    explain_stage(w, "decode", &x->stage[LR_DECODE]);
    lr_jw_end_obj(w);
}

/* ---- hardware ---- */

void
lr_jw_device(lr_jw *w, const lr_hw *h)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "id", h->id);
    lr_jw_kstr(w, "name", h->name);
    lr_jw_key(w, "aliases");
    lr_jw_arr(w);
    for (size_t k = 0; k < h->naliases; k++)
        lr_jw_str(w, h->aliases[k]);
    lr_jw_end_arr(w);
    lr_jw_knum(w, "memory_bytes", h->memory_bytes);
    lr_jw_knum(w, "bandwidth", h->bandwidth);
    lr_jw_key(w, "peak");
    lr_jw_obj(w);
    for (int d = 0; d < LR_NDTYPES; d++)
        lr_jw_knum(w, lr_dtype_names[d], h->peak[d] > 0 ? h->peak[d] : NAN);
    lr_jw_end_obj(w);
    lr_jw_knum(w, "onchip_bytes", h->onchip_bytes);
    lr_jw_knum(w, "l2_bytes", h->l2_bytes);
    lr_jw_knum(w, "compute_units", h->compute_units);
    lr_jw_knum(w, "link_bandwidth", h->link_bandwidth);
    lr_jw_knum(w, "link_latency", h->link_latency);
    lr_jw_knum(w, "compute_capability", h->compute_capability > 0 ? h->compute_capability : NAN);
    lr_jw_key(w, "collectives"); /* the measured interconnect class, or null */
    if (lr_hw_comm_class(h))
        lr_jw_str(w, lr_hw_comm_class(h));
    else
        lr_jw_null(w);
    lr_jw_kstr(w, "source", h->source);
    lr_jw_key(w, "unverified");
    lr_jw_arr(w);
    for (size_t k = 0; k < h->nunverified; k++)
        lr_jw_str(w, h->unverified[k]);
    lr_jw_end_arr(w);
    /* the runtime's own memory (docs/memory.md) */
    lr_jw_knum(w, "runtime_bytes", h->runtime_bytes);
    lr_jw_key(w, "comm_bytes");
    lr_jw_arr(w);
    for (int k = 0; k < 4; k++)
        lr_jw_num(w, h->comm_bytes[k]);
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

void
lr_jw_hardware(lr_jw *w, const char *profile, const char *default_id, const lr_hwdb *db)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "profile", profile);
    lr_jw_kstr(w, "default", default_id);
    lr_jw_key(w, "hardware");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_hwdb_count(db); i++)
        lr_jw_device(w, lr_hwdb_at(db, i));
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

/* ---- engine presets ---- */

static void
num_or_null(lr_jw *w, const char *k, double v)
{
    if (isnan(v)) {
        lr_jw_key(w, k);
        lr_jw_null(w);
    } else {
        lr_jw_knum(w, k, v);
    }
}

static void
engine_entry(lr_jw *w, const lr_engine_data *e)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "name", e->name);
    lr_jw_kstr(w, "description", e->description);
    lr_jw_kstr(w, "attention", e->attention);
    lr_jw_kbool(w, "flash_attention", e->flash == 1);
    lr_jw_kbool(w, "fp16_accumulate", e->fp16_acc);
    lr_jw_key(w, "cuda_graphs");
    lr_jw_obj(w);
    lr_jw_kbool(w, "prefill", e->graphs[0]);
    lr_jw_kbool(w, "decode", e->graphs[1]);
    lr_jw_end_obj(w);
    num_or_null(w, "kv_block_size", e->mem[0]);
    num_or_null(w, "max_batched_tokens", e->mem[1]);
    num_or_null(w, "mem_util", e->mem[2]);
    num_or_null(w, "runtime_bytes", e->runtime_bytes);
    lr_jw_end_obj(w);
}

void
lr_jw_engines(lr_jw *w, const char *profile, const lr_profile *prof)
{
    const lr_timing *t = prof->timing;
    lr_jw_obj(w);
    lr_jw_kstr(w, "profile", profile);
    lr_jw_kstr(w, "default", prof->engine);
    lr_jw_key(w, "engines");
    lr_jw_arr(w);
    for (size_t i = 0; t && i < t->nengines; i++)
        engine_entry(w, &t->engines[i]);
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

/* ---- module database ---- */

static void
module_params(lr_jw *w, const lr_module *m)
{
    lr_jw_key(w, "parameters");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_module_param_count(m); i++) {
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", lr_module_param(m, i));
        str_or_null(w, "default", lr_module_param_default(m, i));
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
}

static void
module_ops(lr_jw *w, const lr_module *m)
{
    lr_jw_key(w, "ops");
    lr_jw_arr(w);
    for (size_t k = 0; k < lr_module_op_count(m); k++) {
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", lr_module_op_name(m, k));
        lr_jw_kstr(w, "kind", lr_module_op_kind(m, k));
        lr_jw_key(w, "formulas");
        lr_jw_obj(w);
        for (int f = 0; f < LR_NFIELDS; f++) {
            const char *t = lr_module_op_formula(m, k, (enum lr_field)f);
            if (t)
                lr_jw_kstr(w, lr_field_names[f], t);
        }
        lr_jw_end_obj(w);
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
}

void
lr_jw_module(lr_jw *w, const lr_module *m, int with_file)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "key", lr_module_key(m));
    lr_jw_kstr(w, "class", lr_module_class(m));
    lr_jw_key(w, "aliases");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_module_alias_count(m); i++)
        lr_jw_str(w, lr_module_alias(m, i));
    lr_jw_end_arr(w);
    lr_jw_kbool(w, "composite", lr_module_is_composite(m));
    module_params(w, m);
    str_or_null(w, "weights", lr_module_weights(m));
    if (lr_module_weight_role(m) != LR_WR_DEFAULT)
        lr_jw_kstr(w, "weight_role", lr_wrole_names[lr_module_weight_role(m)]);
    module_ops(w, m);
    if (with_file)
        lr_jw_kstr(w, "file", lr_module_file(m));
    lr_jw_end_obj(w);
}

void
lr_jw_modules(lr_jw *w, const char *profile, const lr_db *db)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "profile", profile);
    lr_jw_key(w, "modules");
    lr_jw_arr(w);
    for (size_t i = 0; i < lr_db_count(db); i++)
        lr_jw_module(w, lr_db_at(db, i), 1);
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}

/* ---- bundled models ---- */

void
lr_jw_models(lr_jw *w, const char *profile, const char *default_model, const lr_model_entry *models,
             size_t n)
{
    lr_jw_obj(w);
    lr_jw_kstr(w, "profile", profile);
    lr_jw_kstr(w, "default", default_model);
    lr_jw_key(w, "models");
    lr_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        const lr_model_entry *m = &models[i];
        lr_jw_obj(w);
        lr_jw_kstr(w, "name", m->id);
        lr_jw_kbool(w, "analysable", m->arch != NULL);
        if (m->arch) {
            lr_jw_kstr(w, "family", m->arch->family);
            lr_jw_knum(w, "params", lr_plan_params(m->plan));
            lr_jw_knum(w, "context", m->arch->max_context > 0 ? m->arch->max_context : NAN);
        } else {
            lr_jw_kstr(w, "error", m->error);
        }
        lr_jw_end_obj(w);
    }
    lr_jw_end_arr(w);
    lr_jw_end_obj(w);
}
