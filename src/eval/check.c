/*
 * check.c: the settings checks an engine makes before it starts, against
 * the model and the device: tensor parallelism that splits the heads
 * evenly, whole head dimensions, no more pipeline stages than layers, no
 * more micro-batches than sequences, sequences within the model's context,
 * FP8 only where the device has it (a warning), and a model that fits at
 * batch 1 (else the smallest --tp that would). The CLI, the server and
 * sweep call them, so all three refuse the same settings.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eval/eval.h"

/* vLLM's rule: tp divides the attention heads, and the KV heads split
 * evenly or are replicated (tp a multiple of them). */
static int
tp_valid(const lr_arch *a, double tp)
{
    if (fmod(a->heads, tp) != 0)
        return 0;
    return a->kv_heads <= 0 || fmod(a->kv_heads, tp) == 0 || fmod(tp, a->kv_heads) == 0;
}

/* "1, 2, 4, 8" into buf: every valid tp up to the head count. */
static void
tp_list(const lr_arch *a, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (double t = 1; t <= a->heads && n < cap; t++)
        if (tp_valid(a, t))
            n += (size_t)snprintf(buf + n, cap - n, "%s%.0f", n ? ", " : "", t);
}

static int
check_shape(const lr_arch *a, const lr_settings *s, lr_error *err)
{
    if (a->head_dim > 0 && a->head_dim != floor(a->head_dim)) {
        lr_err_set(err, a->file ? a->file : "", "head_dim",
                   "%.6g (hidden_size / num_attention_heads, %.0f heads) is not a whole number "
                   "of dimensions per attention head; set head_dim in the config",
                   a->head_dim, a->heads);
        return -1;
    }
    if (a->heads > 0 && s->tp > 1 && !tp_valid(a, s->tp)) {
        char list[512];
        tp_list(a, list, sizeof list);
        char kv[64] = "";
        if (a->kv_heads > 0 && a->kv_heads != a->heads)
            snprintf(kv, sizeof kv, " and %.0f key/value heads", a->kv_heads);
        lr_err_set(err, "", "",
                   "--tp %.0f does not split the model's %.0f attention heads%s evenly; valid "
                   "--tp sizes: %s",
                   s->tp, a->heads, kv, list);
        return -1;
    }
    if (a->layers > 0 && s->pp > a->layers) {
        lr_err_set(err, "", "", "--pp %.0f: more pipeline stages than the model's %.0f layers",
                   s->pp, a->layers);
        return -1;
    }
    return 0;
}

int
lr_check_settings(const lr_arch *arch, const lr_hw *hw, const lr_settings *s, double seq_tokens,
                  char *warn, size_t warncap, lr_error *err)
{
    if (warn && warncap)
        warn[0] = 0;
    if (lr_settings_check(s, err) < 0 || check_shape(arch, s, err) < 0)
        return -1;
    if (s->microbatches > s->batch) {
        lr_err_set(err, "", "",
                   "--microbatches %.0f: more micro-batches than the %.0f sequences of the batch",
                   s->microbatches, s->batch);
        return -1;
    }
    if (arch->max_context > 0 && seq_tokens > arch->max_context && !s->allow_long_context) {
        lr_err_set(err, "", "",
                   "a sequence of %.0f tokens is longer than the model's context of %.0f tokens "
                   "(max_position_embeddings); --allow-long-context accepts it",
                   seq_tokens, arch->max_context);
        return -1;
    }
    if (s->a_fp8 && hw && hw->peak[LR_FP8] <= 0 && warn && warncap) {
        enum lr_dtype used;
        lr_peak_for(hw, LR_FP8, &used);
        snprintf(warn, warncap,
                 "%s has no FP8 tensor cores: --a-dtype fp8 computes at the %s peak instead",
                 hw->id, lr_dtype_names[used]);
    }
    return 0;
}

/* The footprint of one sequence with tensor-parallel degree tp. */
static int
batch1(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
       double tp, double prompt, double gen, lr_result *r, lr_memory *m, lr_error *err)
{
    lr_settings one = *s;
    one.batch = 1;
    one.microbatches = 1;
    one.tp = tp;
    return lr_generation_memory(plan, prof, hw, &one, prompt, gen, r, m, err);
}

int
lr_check_fit(const lr_arch *arch, const lr_plan *plan, const lr_profile *prof, const lr_hw *hw,
             const lr_settings *s, double prompt, double gen, lr_result *r, lr_error *err)
{
    lr_memory m;
    if (batch1(plan, prof, hw, s, s->tp, prompt, gen, r, &m, err) < 0)
        return -1;
    if (m.fits != 0)
        return 0;
    /* the smallest larger tp the model splits into whose share fits */
    char hint[160] = "; no --tp up to 64 makes it fit";
    lr_error e2;
    lr_err_clear(&e2);
    for (double t = s->tp + 1; t <= 64 && arch->heads > 0; t++) {
        lr_memory mt;
        if (!tp_valid(arch, t))
            continue;
        if (batch1(plan, prof, hw, s, t, prompt, gen, r, &mt, &e2) < 0) {
            snprintf(hint, sizeof hint, "; a larger --tp cannot be analysed: %s", e2.msg);
            break;
        }
        if (mt.fits == 1) {
            snprintf(hint, sizeof hint, "; the smallest --tp that fits is %.0f", t);
            break;
        }
    }
    const double g = 1073741824.0;
    lr_err_set(err, "", "",
               "%s does not fit on %s even at batch 1: it needs %.2f GiB per device (weights "
               "%.2f, KV cache %.2f, activations %.2f, runtime %.2f GiB) of %.2f GiB "
               "(--mem-util %g of %.2f GiB), short by %.2f GiB%s",
               arch->name, hw->id, m.total / g, m.weights / g, m.kv_cache / g, m.activations / g,
               m.runtime / g, m.budget / g, s->mem_util, m.device / g, (m.total - m.budget) / g,
               hint);
    return -1;
}

int
lr_check_parallel(const lr_arch *arch, const lr_hw *hw, const lr_settings *s, lr_error *err)
{
    static const struct {
        int bit;
        const char *opt, *what;
    } par[3] = {{LR_PAR_TP, "--tp", "tensor"},
                {LR_PAR_PP, "--pp", "pipeline"},
                {LR_PAR_EP, "--ep", "expert"}};
    const double deg[3] = {s->tp, s->pp, s->ep};
    for (int i = 0; i < 3; i++) {
        if (deg[i] > 1 && !(arch->parallel & par[i].bit)) {
            lr_err_set(err, "", "", "%s %.0f: %s (template %s) has no %s parallelism%s", par[i].opt,
                       deg[i], arch->name, arch->family[0] ? arch->family : "none", par[i].what,
                       i == 2 ? " (it has no experts, or its template does not split them)" : "");
            return -1;
        }
        if (deg[i] > 1 && hw->link_bandwidth <= 0) {
            lr_err_set(err, "", "",
                       "%s %.0f: hardware %s lists no interconnect bandwidth (--hw-set "
                       "interconnect_bandwidth=... gives one)",
                       par[i].opt, deg[i], hw->id);
            return -1;
        }
    }
    return 0;
}
