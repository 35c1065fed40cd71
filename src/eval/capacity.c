/*
 * capacity.c: capacity planning over simulations (docs/simulate.md): for
 * every device, tensor-parallel and pipeline degree, expert split (ep 1 or
 * ep = tp, for a MoE model) and sequence limit, the fewest
 * instances that meet the latency targets at a percentile, aggregated and
 * disaggregated; then the Pareto front of tokens/s per device against
 * tokens/s per user. More instances never make latency worse under the
 * same arrivals (the router spreads them thinner), so the fewest is found
 * by doubling, then bisection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

static double
at_percentile(const lr_sim_stat *st, double p)
{
    return p <= 50 ? st->p50 : p <= 90 ? st->p90 : st->p99;
}

typedef struct search {
    const lr_plan *plan;
    const lr_profile *prof;
    const lr_cap_space *sp;
    const lr_sim_request *reqs;
    size_t n;
    lr_settings s;
    lr_sim_config c;
} search;

/* One simulation into `cf`; 1 when it ran, 0 when the deployment does not
 * run at all (the model does not fit, no interconnect), -1 on an error. */
static int
trial(search *x, const lr_hw *hw, int replicas, int prefill, int decode, lr_cap_config *cf)
{
    lr_sim_config c = x->c;
    c.replicas = replicas > 0 ? replicas : 1;
    c.disagg_prefill = prefill;
    c.disagg_decode = decode;
    lr_sim_result r;
    lr_error err;
    memset(&err, 0, sizeof err);
    int rc = lr_simulate(x->plan, x->prof, hw, &x->s, &c, x->reqs, x->n, &r, &err);
    if (rc == 0) {
        double p = x->sp->percentile;
        memset(cf, 0, sizeof *cf);
        cf->hw = hw;
        cf->tp = x->s.tp;
        cf->pp = x->s.pp;
        cf->ep = x->s.ep;
        cf->max_num_seqs = c.max_num_seqs;
        cf->replicas = prefill ? 0 : replicas;
        cf->prefill = prefill;
        cf->decode = decode;
        cf->devices = r.devices;
        cf->ttft_s = r.ttft_s;
        cf->tpot_s = r.tpot_s;
        cf->tokens_per_s_per_gpu = r.output_tokens_per_s / r.devices;
        cf->tokens_per_s_per_user = r.tpot_s.mean > 0 ? 1 / r.tpot_s.mean : NAN;
        cf->meets_slo = (c.slo_ttft_s <= 0 || at_percentile(&r.ttft_s, p) <= c.slo_ttft_s) &&
                        (c.slo_tpot_s <= 0 || !(at_percentile(&r.tpot_s, p) > c.slo_tpot_s));
    }
    lr_sim_result_free(&r);
    return rc == 0 ? 1 : 0;
}

/* The fewest instances (replicas, or decode instances beside `prefill`)
 * meeting the SLOs, else the largest tried; 0 when it does not run. */
static int
fewest(search *x, const lr_hw *hw, int prefill, lr_cap_config *best)
{
    int lo = 0, hi = 1, max = x->sp->max_instances;
    lr_cap_config cf;
    for (;;) {
        int ok = trial(x, hw, prefill ? 0 : hi, prefill, prefill ? hi : 0, &cf);
        if (ok <= 0)
            return ok;
        *best = cf;
        if (cf.meets_slo)
            break;
        lo = hi;
        if (hi >= max)
            return 1; /* none meets them: the largest, marked */
        hi = hi * 2 < max ? hi * 2 : max;
    }
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (trial(x, hw, prefill ? 0 : mid, prefill, prefill ? mid : 0, &cf) <= 0)
            return 0;
        if (cf.meets_slo) {
            hi = mid;
            *best = cf;
        } else {
            lo = mid;
        }
    }
    return 1;
}

static int
cmp_cost(const void *a, const void *b)
{
    const lr_cap_config *x = a, *y = b;
    if (x->meets_slo != y->meets_slo)
        return y->meets_slo - x->meets_slo;
    if (x->devices != y->devices)
        return (x->devices > y->devices) - (x->devices < y->devices);
    return (x->tokens_per_s_per_user < y->tokens_per_s_per_user) -
           (x->tokens_per_s_per_user > y->tokens_per_s_per_user);
}

/* A configuration meeting the SLOs is on the front when no other meeting
 * them is at least as good in both measures and better in one. */
static void
mark_pareto(lr_cap_config *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        c[i].pareto = c[i].meets_slo;
        for (size_t j = 0; j < n && c[i].pareto; j++) {
            if (j == i || !c[j].meets_slo)
                continue;
            double g0 = c[i].tokens_per_s_per_gpu, u0 = c[i].tokens_per_s_per_user;
            double g1 = c[j].tokens_per_s_per_gpu, u1 = c[j].tokens_per_s_per_user;
            if (g1 >= g0 && u1 >= u0 && (g1 > g0 || u1 > u0))
                c[i].pareto = 0;
        }
    }
}

/* The aggregated layout and, when asked, the disaggregated ones (1, 2, 4
 * prefill instances) of one point of the space into res[]; how many run. */
static size_t
layouts(search *x, const lr_hw *hw, lr_cap_config *res)
{
    static const int prefills[3] = {1, 2, 4};
    size_t k = 0;
    if (fewest(x, hw, 0, &res[k]) > 0)
        k++;
    for (int p = 0; x->sp->disagg && p < 3; p++) {
        if (prefills[p] >= x->sp->max_instances)
            break;
        if (fewest(x, hw, prefills[p], &res[k]) > 0)
            k++;
    }
    return k;
}

int
lr_capacity_search(const lr_plan *plan, const lr_profile *prof, const lr_cap_space *space,
                   const lr_settings *s, const lr_sim_config *c, const lr_sim_request *reqs,
                   size_t n, lr_cap_config **out, lr_error *err)
{
    *out = NULL;
    if (!space->nhw || !space->ntp || !space->nseqs || space->max_instances < 1) {
        lr_err_set(err, "", "space",
                   "an empty search space: give devices, tp degrees, "
                   "sequence limits and at least one instance");
        return -1;
    }
    search x = {plan, prof, space, reqs, n, *s, *c};
    static const double one = 1;
    const double *pps = space->npp ? space->pp : &one;
    size_t npp = space->npp ? space->npp : 1;
    size_t cap = space->nhw * space->ntp * npp * 2 * space->nseqs * (space->disagg ? 4 : 1), k = 0;
    lr_cap_config *res = lr_xcalloc(cap + 1, sizeof *res);
    for (size_t h = 0; h < space->nhw; h++)
        for (size_t t = 0; t < space->ntp; t++)
            for (size_t pi = 0; pi < npp; pi++)
                for (int e = 0; e < 2; e++) {
                    /* ep = tp: the experts split over the instance's tp devices */
                    if (e == 1 && !(space->expert_parallel && space->tp[t] > 1 &&
                                    (plan->parallel & LR_PAR_EP)))
                        continue;
                    if (pps[pi] > 1 && !(plan->parallel & LR_PAR_PP))
                        continue;
                    x.s.tp = space->tp[t];
                    x.s.pp = pps[pi];
                    x.s.ep = e ? space->tp[t] : 1;
                    for (size_t q = 0; q < space->nseqs; q++) {
                        x.c.max_num_seqs = space->seqs[q];
                        k += layouts(&x, space->hw[h], &res[k]);
                    }
                }
    qsort(res, k, sizeof *res, cmp_cost);
    mark_pareto(res, k);
    *out = res;
    (void)err;
    return (int)k;
}
