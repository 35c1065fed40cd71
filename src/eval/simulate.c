/*
 * simulate.c: a discrete-event simulation of serving instances
 * (docs/simulate.md). Each instance schedules as vLLM's V1 engine does:
 * running requests first (in admission order; when KV blocks run out the
 * last admitted is preempted and will recompute), then waiting ones (FIFO)
 * while the token budget (max_batched_tokens), the sequence limit and the
 * free blocks allow, prompts chunked to the budget. A step lasts what the
 * stepper says its batch costs. Events (arrivals, step ends, KV transfers
 * of a disaggregated layout) are taken in time order; ties go to arrivals.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

enum { ROLE_BOTH, ROLE_PREFILL, ROLE_DECODE };

typedef struct sreq {
    double prompt, output, prefix; /* prefix: cached prompt tokens when admitted */
    double computed;               /* tokens in the KV cache */
    double target;                 /* tokens to compute before the next token */
    double gen;                    /* tokens emitted (fractional with speculation) */
    double blocks;                 /* KV blocks held */
    double last_emit, ready;       /* ready: its KV arrives (disaggregated decode) */
    int kv_arrived;                /* admitted with its prompt's KV (no prefix lookup) */
    int started;
} sreq;

/* A ring of request indices: waiting requests, preempted ones at the front. */
typedef struct ring {
    size_t *v, cap, head, n;
} ring;

typedef struct inst {
    int role;
    size_t *run, nrun; /* admission order */
    ring wait;
    size_t *inc, ninc, capinc; /* KV in flight, sorted by ready time, latest first */
    double free_blocks;
    int busy;
    double t_end, t_prev_end;
    size_t *sched, nsched; /* the step under way: request and its new tokens */
    double *sched_new;
    double outstanding; /* requests routed here and not yet gone */
} inst;

/* Weighted samples of the inter-token latency. */
typedef struct wsample {
    double v, w;
} wsample;

typedef struct sim {
    const lr_sim_config *c;
    const lr_settings *s;
    lr_stepper *st;
    sreq *r;
    lr_sim_result *out;
    size_t n;
    inst *in;
    size_t ninst, npre; /* the first npre instances are the prefill pool */
    size_t rr[2];       /* round-robin cursors of the two pools */
    double block, total_blocks, off, kv_bytes_per_token, link_bw;
    double spec_k, spec_e; /* tokens per verify pass and tokens kept per pass */
    double *q, *ctx;       /* chunk scratch */
    wsample *itl;
    size_t nitl, capitl;
    double *ser[3];
    size_t nser, capser;
    double batch_sum;
    size_t done;
} sim;

void
lr_sim_config_default(lr_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_num_seqs = 256;
    c->replicas = 1;
    c->route = LR_ROUTE_ROUND_ROBIN;
}

/* Doubles a full ring, its elements moved to the front in order. */
static void
ring_room(ring *g)
{
    if (g->n < g->cap)
        return;
    size_t cap = g->cap ? 2 * g->cap : 16;
    size_t *v = lr_xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < g->n; i++)
        v[i] = g->v[(g->head + i) % g->cap];
    free(g->v);
    g->v = v;
    g->cap = cap;
    g->head = 0;
}

static void
ring_push_back(ring *g, size_t x)
{
    ring_room(g);
    g->v[(g->head + g->n++) % g->cap] = x;
}

static void
ring_push_front(ring *g, size_t x)
{
    ring_room(g);
    g->head = (g->head + g->cap - 1) % g->cap;
    g->v[g->head] = x;
    g->n++;
}

static size_t
ring_front(const ring *g)
{
    return g->v[g->head];
}

static void
ring_pop(ring *g)
{
    g->head = (g->head + 1) % g->cap;
    g->n--;
}

static void
itl_add(sim *m, double v, double w)
{
    if (w <= 0)
        return;
    if (m->nitl == m->capitl) {
        m->capitl = m->capitl ? 2 * m->capitl : 1024;
        m->itl = lr_xrealloc(m->itl, m->capitl, sizeof *m->itl);
    }
    m->itl[m->nitl].v = v;
    m->itl[m->nitl++].w = w;
}

static double
blocks_for(const sim *m, double tokens)
{
    return ceil(tokens / m->block - 1e-9);
}

/* Prefix-cache hit of a request being admitted: whole blocks, at least
 * one prompt token left to compute (it yields the next token's logits). */
static double
prefix_tokens(const sim *m, const sreq *q)
{
    double hit = q->prefix < q->prompt - 1 ? q->prefix : q->prompt - 1;
    return hit > 0 ? floor(hit / m->block) * m->block : 0;
}

static void
preempt(sim *m, inst *in, size_t k)
{
    sreq *q = &m->r[k];
    in->free_blocks += q->blocks;
    q->blocks = 0;
    q->computed = 0;
    q->kv_arrived = 0;
    /* recompute: the prompt and every token generated so far */
    q->target = q->prompt + floor(q->gen);
    m->out->req[k].preemptions++;
    m->out->preemptions++;
    ring_push_front(&in->wait, k);
}

static void
sched_add(inst *in, size_t k, double tokens)
{
    in->sched[in->nsched] = k;
    in->sched_new[in->nsched++] = tokens;
}

/* Tokens a running request computes this step (budget left: `budget`). */
static double
wants(const sim *m, const sreq *q, double budget)
{
    if (q->computed >= q->target)
        return m->spec_k;
    double left = q->target - q->computed;
    return left < budget ? left : budget;
}

/* vLLM V1's schedule(): running requests, then waiting ones. */
static void
schedule(sim *m, inst *in, double now)
{
    double budget = m->s->max_batched_tokens;
    int preempted = 0;
    in->nsched = 0;
    for (size_t i = 0; i < in->nrun && budget > 0; i++) {
        size_t k = in->run[i];
        sreq *q = &m->r[k];
        double t = wants(m, q, budget);
        if (t > budget)
            continue;
        double need = blocks_for(m, q->computed + t) - q->blocks;
        while (need > in->free_blocks) {
            size_t victim = in->run[--in->nrun];
            preempt(m, in, victim);
            preempted = 1;
            if (victim == k)
                break;
        }
        if (i >= in->nrun)
            break; /* k itself was preempted */
        in->free_blocks -= need > 0 ? need : 0;
        q->blocks += need > 0 ? need : 0;
        sched_add(in, k, t);
        budget -= t;
    }
    if (preempted)
        return;
    while (in->wait.n && budget > 0 && (double)in->nrun < m->c->max_num_seqs) {
        size_t k = ring_front(&in->wait);
        sreq *q = &m->r[k];
        double computed = q->kv_arrived ? q->computed : prefix_tokens(m, q);
        double t;
        if (computed >= q->target)
            t = m->spec_k;
        else
            t = q->target - computed < budget ? q->target - computed : budget;
        if (t > budget)
            break;
        double need = blocks_for(m, computed + t);
        if (need > in->free_blocks)
            break;
        ring_pop(&in->wait);
        q->computed = computed;
        if (!q->kv_arrived)
            m->out->req[k].prefix_hit = computed;
        q->blocks = need;
        in->free_blocks -= need;
        in->run[in->nrun++] = k;
        if (!q->started) {
            q->started = 1;
            m->out->req[k].scheduled_s = now;
        }
        sched_add(in, k, t);
        budget -= t;
    }
}

/* The step's time: decode sequences (their summed contexts) and chunks. */
static double
step_time(sim *m, inst *in, lr_error *err)
{
    double nd = 0, ctx_sum = 0;
    size_t nc = 0;
    for (size_t i = 0; i < in->nsched; i++) {
        const sreq *q = &m->r[in->sched[i]];
        double t = in->sched_new[i];
        if (q->computed >= q->target) {
            nd++;
            ctx_sum += q->computed + t - 1 + m->off;
        } else {
            m->q[nc] = t;
            m->ctx[nc++] = q->computed + t;
            m->out->prefill_tokens += t;
        }
    }
    return lr_stepper_time(m->st, nd, m->spec_k, ctx_sum, nc, m->q, m->ctx, err);
}

static void
record_series(sim *m, const inst *in, double t)
{
    if (in != &m->in[0])
        return;
    if (m->nser == m->capser) {
        m->capser = m->capser ? 2 * m->capser : 1024;
        for (int i = 0; i < 3; i++)
            m->ser[i] = lr_xrealloc(m->ser[i], m->capser, sizeof(double));
    }
    m->ser[0][m->nser] = t;
    m->ser[1][m->nser] = 1 - in->free_blocks / m->total_blocks;
    m->ser[2][m->nser++] = (double)in->nsched;
}

static size_t
pick(sim *m, size_t first, size_t count, int pool)
{
    if (m->c->route == LR_ROUTE_LEAST_LOADED) {
        size_t best = first;
        for (size_t i = first + 1; i < first + count; i++)
            if (m->in[i].outstanding < m->in[best].outstanding)
                best = i;
        return best;
    }
    return first + m->rr[pool]++ % count;
}

static int try_start(sim *m, inst *in, double now, lr_error *err);

static void
finish(sim *m, inst *in, size_t k, double t)
{
    sreq *q = &m->r[k];
    lr_sim_req_result *o = &m->out->req[k];
    in->free_blocks += q->blocks;
    q->blocks = 0;
    o->finish_s = t;
    o->instance = (int)(in - m->in);
    in->outstanding--;
    m->done++;
}

/* A prefill instance hands a request to the decode pool: its KV crosses
 * the interconnect (bytes / link bandwidth). */
static void
hand_off(sim *m, inst *in, size_t k, double t)
{
    sreq *q = &m->r[k];
    in->free_blocks += q->blocks;
    q->blocks = 0;
    in->outstanding--;
    q->ready = t + q->computed * m->kv_bytes_per_token / m->link_bw;
    q->kv_arrived = 1;
    inst *d = &m->in[pick(m, m->npre, m->ninst - m->npre, 1)];
    d->outstanding++;
    if (d->ninc == d->capinc) {
        d->capinc = d->capinc ? 2 * d->capinc : 16;
        d->inc = lr_xrealloc(d->inc, d->capinc, sizeof *d->inc);
    }
    size_t j = d->ninc;
    while (j > 0 && m->r[d->inc[j - 1]].ready < q->ready) {
        d->inc[j] = d->inc[j - 1];
        j--;
    }
    d->inc[j] = k;
    d->ninc++;
}

/* Applies the step that ends at in->t_end: tokens computed and emitted,
 * requests finished or handed off, the inter-token gaps. */
static void
end_step(sim *m, inst *in)
{
    double t = in->t_end, same = 0;
    for (size_t i = 0; i < in->nsched; i++) {
        size_t k = in->sched[i];
        sreq *q = &m->r[k];
        double emit = 0;
        if (q->computed >= q->target) {
            emit = m->spec_e;
            q->computed += m->spec_e;
        } else {
            q->computed += in->sched_new[i];
            if (q->computed >= q->target)
                emit = 1;
        }
        if (emit <= 0)
            continue;
        if (q->gen + emit > q->output)
            emit = q->output - q->gen;
        lr_sim_req_result *o = &m->out->req[k];
        if (q->gen == 0) {
            o->first_token_s = t;
        } else if (q->last_emit == in->t_prev_end) {
            same += emit; /* every such request saw the same gap */
        } else {
            itl_add(m, (t - q->last_emit) / emit, emit);
        }
        q->gen += emit;
        q->last_emit = t;
        if (q->gen >= q->output - 1e-9)
            q->gen = q->output, finish(m, in, k, t);
        else if (in->role == ROLE_PREFILL)
            hand_off(m, in, k, t);
    }
    if (same > 0)
        itl_add(m, (t - in->t_prev_end) / (m->spec_e > 1 ? m->spec_e : 1), same);
    /* the running list without the requests that left */
    size_t w = 0;
    for (size_t i = 0; i < in->nrun; i++) {
        const sreq *q = &m->r[in->run[i]];
        int gone = q->gen >= q->output || (in->role == ROLE_PREFILL && q->gen > 0);
        if (!gone)
            in->run[w++] = in->run[i];
    }
    in->nrun = w;
    in->t_prev_end = t;
    in->busy = 0;
}

static int
try_start(sim *m, inst *in, double now, lr_error *err)
{
    while (in->ninc && m->r[in->inc[in->ninc - 1]].ready <= now)
        ring_push_back(&in->wait, in->inc[--in->ninc]);
    schedule(m, in, now);
    if (!in->nsched)
        return 0;
    double dt = step_time(m, in, err);
    if (dt < 0)
        return -1;
    in->busy = 1;
    in->t_end = now + dt;
    m->out->steps++;
    m->batch_sum += (double)in->nsched;
    record_series(m, in, now);
    return 0;
}

/* When the instance next has something to do: its step's end, or its
 * earliest KV arrival when idle. */
static double
next_time(const sim *m, const inst *in)
{
    if (in->busy)
        return in->t_end;
    if (in->ninc)
        return m->r[in->inc[in->ninc - 1]].ready;
    return INFINITY;
}

/* Arrival order: (time, index) pairs sorted, ties by index. */
static int
cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] != y[0])
        return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static int
run_events(sim *m, lr_error *err)
{
    double *order = lr_xcalloc(2 * m->n + 1, sizeof *order);
    for (size_t i = 0; i < m->n; i++) {
        order[2 * i] = m->out->req[i].arrival_s;
        order[2 * i + 1] = (double)i;
    }
    qsort(order, m->n, 2 * sizeof *order, cmp_pair);
    size_t next = 0;
    int rc = 0;
    while (m->done < m->n) {
        double ta = next < m->n ? order[2 * next] : INFINITY;
        size_t bi = 0;
        double tb = INFINITY;
        for (size_t i = 0; i < m->ninst; i++) {
            double t = next_time(m, &m->in[i]);
            if (t < tb)
                tb = t, bi = i;
        }
        if (isinf(ta) && isinf(tb)) {
            lr_err_set(err, "", "", "simulation stalled with %zu of %zu requests done", m->done,
                       m->n);
            rc = -1;
            break;
        }
        if (ta <= tb) {
            /* every request arriving at this instant is queued before an
             * idle instance schedules (a burst is one step's candidates) */
            size_t pool = m->npre ? m->npre : m->ninst;
            while (next < m->n && order[2 * next] == ta) {
                size_t k = (size_t)order[2 * next++ + 1];
                inst *in = &m->in[pick(m, 0, pool, 0)];
                in->outstanding++;
                ring_push_back(&in->wait, k);
            }
            for (size_t i = 0; i < pool && rc == 0; i++)
                if (!m->in[i].busy && m->in[i].wait.n && try_start(m, &m->in[i], ta, err) < 0)
                    rc = -1;
            if (rc < 0)
                break;
            continue;
        }
        inst *in = &m->in[bi];
        if (in->busy)
            end_step(m, in);
        /* requests a prefill step handed off reach their (possibly idle)
         * decode instance at their ready time, an event of its own */
        if (try_start(m, in, tb, err) < 0) {
            rc = -1;
            break;
        }
    }
    free(order);
    return rc;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and nearest-rank percentiles of the finite values of v[i * stride]. */
static lr_sim_stat
stat_of(const lr_sim_req_result *req, size_t n, size_t field)
{
    lr_sim_stat st = {NAN, NAN, NAN, NAN};
    double *v = lr_xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double x = *(const double *)((const char *)&req[i] + field);
        if (isfinite(x))
            v[k++] = x, sum += x;
    }
    if (k) {
        qsort(v, k, sizeof *v, cmp_double);
        st.mean = sum / (double)k;
        const double p[3] = {0.5, 0.9, 0.99};
        double *dst[3] = {&st.p50, &st.p90, &st.p99};
        for (int j = 0; j < 3; j++) {
            size_t r = (size_t)ceil(p[j] * (double)k);
            *dst[j] = v[(r ? r : 1) - 1];
        }
    }
    free(v);
    return st;
}

static int
cmp_w(const void *a, const void *b)
{
    return cmp_double(&((const wsample *)a)->v, &((const wsample *)b)->v);
}

/* Weighted percentiles: the value below which a share p of the weight lies. */
static lr_sim_stat
stat_weighted(wsample *s, size_t n)
{
    lr_sim_stat st = {NAN, NAN, NAN, NAN};
    double wsum = 0, sum = 0;
    for (size_t i = 0; i < n; i++)
        wsum += s[i].w, sum += s[i].v * s[i].w;
    if (wsum <= 0)
        return st;
    qsort(s, n, sizeof *s, cmp_w);
    st.mean = sum / wsum;
    const double p[3] = {0.5, 0.9, 0.99};
    double *dst[3] = {&st.p50, &st.p90, &st.p99};
    for (int j = 0; j < 3; j++) {
        double acc = 0;
        size_t i = 0;
        for (; i + 1 < n; i++) {
            acc += s[i].w;
            if (acc >= p[j] * wsum - 1e-9)
                break;
        }
        *dst[j] = s[i].v;
    }
    return st;
}

static void
summarise(sim *m)
{
    lr_sim_result *o = m->out;
    double first = INFINITY, last = 0, tokens = 0, all = 0, good = 0;
    for (size_t i = 0; i < m->n; i++) {
        lr_sim_req_result *q = &o->req[i];
        q->ttft_s = q->first_token_s - q->arrival_s;
        q->e2e_s = q->finish_s - q->arrival_s;
        q->queue_s = q->scheduled_s - q->arrival_s;
        q->tpot_s = q->output > 1 ? (q->finish_s - q->first_token_s) / (q->output - 1) : NAN;
        first = q->arrival_s < first ? q->arrival_s : first;
        last = q->finish_s > last ? q->finish_s : last;
        tokens += q->output;
        all += q->prompt + q->output;
        int ok = (m->c->slo_ttft_s <= 0 || q->ttft_s <= m->c->slo_ttft_s) &&
                 (m->c->slo_tpot_s <= 0 || !(q->tpot_s > m->c->slo_tpot_s));
        good += ok;
    }
    o->ttft_s = stat_of(o->req, m->n, offsetof(lr_sim_req_result, ttft_s));
    o->tpot_s = stat_of(o->req, m->n, offsetof(lr_sim_req_result, tpot_s));
    o->e2e_s = stat_of(o->req, m->n, offsetof(lr_sim_req_result, e2e_s));
    o->queue_s = stat_of(o->req, m->n, offsetof(lr_sim_req_result, queue_s));
    o->itl_s = stat_weighted(m->itl, m->nitl);
    o->duration_s = last - first;
    double d = o->duration_s > 0 ? o->duration_s : NAN;
    o->requests_per_s = (double)m->n / d;
    o->output_tokens_per_s = tokens / d;
    o->total_tokens_per_s = all / d;
    o->goodput_requests_per_s = good / d;
    o->slo_met = good / (double)m->n;
    o->mean_batch = o->steps > 0 ? m->batch_sum / o->steps : 0;
    /* the series of instance 0, thinned to LR_SIM_SERIES points */
    size_t every = m->nser / LR_SIM_SERIES + 1;
    o->nseries = 0;
    o->series_t = lr_xcalloc(m->nser / every + 2, sizeof(double));
    o->series_kv = lr_xcalloc(m->nser / every + 2, sizeof(double));
    o->series_batch = lr_xcalloc(m->nser / every + 2, sizeof(double));
    for (size_t i = 0; i < m->nser; i += every) {
        o->series_t[o->nseries] = m->ser[0][i];
        o->series_kv[o->nseries] = m->ser[1][i];
        o->series_batch[o->nseries++] = m->ser[2][i];
    }
}

static int
check_config(const lr_sim_config *c, const lr_sim_request *reqs, size_t n, lr_error *err)
{
    if (!(c->max_num_seqs >= 1) || !(c->kv_blocks >= 0) || !(c->prefix_hit >= 0) ||
        !(c->prefix_hit <= 1) || !(c->spec_tokens >= 0) || !(c->spec_accept >= 0) ||
        !(c->spec_accept <= 1) || c->replicas < 1 || c->disagg_prefill < 0 ||
        c->disagg_decode < 0 || (c->disagg_prefill > 0) != (c->disagg_decode > 0)) {
        lr_err_set(err, "", "simulation",
                   "bad simulation settings: max_num_seqs >= 1, kv_blocks >= 0, prefix_hit and "
                   "spec_accept in [0, 1], spec_tokens >= 0, replicas >= 1, disagg P:D both > 0");
        return -1;
    }
    if (n == 0) {
        lr_err_set(err, "", "requests", "no requests to simulate");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const lr_sim_request *q = &reqs[i];
        if (!(q->prompt >= 1) || !(q->output >= 1) || !(q->arrival_s >= 0) ||
            !isfinite(q->arrival_s) || q->prompt != floor(q->prompt) ||
            q->output != floor(q->output) || q->prompt > 1e9 || q->output > 1e9) {
            lr_err_set(err, "", "requests",
                       "request %zu: arrival %g s, prompt %g, output %g: expected an arrival >= 0 "
                       "and whole lengths >= 1",
                       i + 1, q->arrival_s, q->prompt, q->output);
            return -1;
        }
    }
    return 0;
}

/* KV capacity and bytes per token from the engine's memory plan. */
static int
kv_plan(sim *m, const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, lr_error *err)
{
    lr_result *r = lr_result_new(plan);
    lr_memory mem;
    lr_settings s1 = *m->s;
    s1.batch = 1;
    int rc = lr_generation_memory(plan, prof, hw, &s1, 1, 1, r, &mem, err);
    lr_result_free(r);
    if (rc < 0)
        return -1;
    m->kv_bytes_per_token = mem.kv_per_token;
    m->total_blocks =
        m->c->kv_blocks > 0 ? m->c->kv_blocks : floor(mem.kv_capacity_tokens / m->block);
    if (!(m->total_blocks >= 1)) {
        lr_err_set(err, "", hw->id,
                   "no KV cache fits on %s beside the weights and activations (capacity %g "
                   "tokens): more --tp, a larger device or a lower --mem-util's complement",
                   hw->id, mem.kv_capacity_tokens);
        return -1;
    }
    return 0;
}

static int
setup(sim *m, const lr_hw *hw, const lr_sim_request *reqs, lr_error *err)
{
    const lr_sim_config *c = m->c;
    m->npre = c->disagg_prefill > 0 ? (size_t)c->disagg_prefill : 0;
    m->ninst = m->npre ? m->npre + (size_t)c->disagg_decode : (size_t)c->replicas;
    m->link_bw = hw->link_bandwidth;
    if (m->npre && m->link_bw <= 0) {
        lr_err_set(err, "", hw->id,
                   "hardware %s lists no interconnect bandwidth: no KV transfer between "
                   "disaggregated pools",
                   hw->id);
        return -1;
    }
    double k = c->spec_tokens, p = c->spec_accept;
    m->spec_k = k + 1;
    /* expected tokens per verify pass: 1 + p + ... + p^K */
    m->spec_e = p >= 1 ? k + 1 : (1 - pow(p, k + 1)) / (1 - p);
    m->r = lr_xcalloc(m->n, sizeof *m->r);
    m->out->req = lr_xcalloc(m->n, sizeof *m->out->req);
    m->out->nreq = m->n;
    for (size_t i = 0; i < m->n; i++) {
        sreq *q = &m->r[i];
        q->prompt = reqs[i].prompt;
        q->output = reqs[i].output;
        q->prefix = reqs[i].prefix >= 0 ? reqs[i].prefix : floor(c->prefix_hit * q->prompt);
        q->target = q->prompt;
        lr_sim_req_result *o = &m->out->req[i];
        o->arrival_s = reqs[i].arrival_s;
        o->prompt = q->prompt;
        o->output = q->output;
        double most = blocks_for(m, q->prompt + q->output - 1 + m->spec_k);
        if (most > m->total_blocks) {
            lr_err_set(err, "", "requests",
                       "request %zu (prompt %g, output %g) needs %g KV blocks of %g tokens; an "
                       "instance has %g",
                       i + 1, q->prompt, q->output, most, m->block, m->total_blocks);
            return -1;
        }
    }
    m->in = lr_xcalloc(m->ninst, sizeof *m->in);
    m->q = lr_xcalloc(m->n + 1, sizeof *m->q); /* a step has at most n chunks */
    m->ctx = lr_xcalloc(m->n + 1, sizeof *m->ctx);
    for (size_t i = 0; i < m->ninst; i++) {
        inst *in = &m->in[i];
        in->role = !m->npre ? ROLE_BOTH : i < m->npre ? ROLE_PREFILL : ROLE_DECODE;
        /* a step runs at most max_num_seqs sequences, and so many run */
        size_t most = (double)m->n < c->max_num_seqs ? m->n : (size_t)c->max_num_seqs;
        in->run = lr_xcalloc(most + 1, sizeof *in->run);
        in->sched = lr_xcalloc(most + 1, sizeof *in->sched);
        in->sched_new = lr_xcalloc(most + 1, sizeof *in->sched_new);
        in->free_blocks = m->total_blocks;
        in->t_prev_end = -1;
    }
    return 0;
}

static void
sim_free(sim *m)
{
    for (size_t i = 0; m->in && i < m->ninst; i++) {
        free(m->in[i].run);
        free(m->in[i].inc);
        free(m->in[i].sched);
        free(m->in[i].sched_new);
        free(m->in[i].wait.v);
    }
    free(m->in);
    free(m->r);
    free(m->q);
    free(m->ctx);
    free(m->itl);
    for (int i = 0; i < 3; i++)
        free(m->ser[i]);
    lr_stepper_free(m->st);
}

int
lr_simulate(const lr_plan *plan, const lr_profile *prof, const lr_hw *hw, const lr_settings *s,
            const lr_sim_config *c, const lr_sim_request *reqs, size_t n, lr_sim_result *out,
            lr_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_config(c, reqs, n, err) < 0)
        return -1;
    sim m;
    memset(&m, 0, sizeof m);
    m.c = c;
    m.s = s;
    m.n = n;
    m.out = out;
    m.block = s->kv_block;
    m.off = prof->decode_ctx_offset;
    int rc = -1;
    m.st = lr_stepper_new(plan, prof, hw, s, err);
    if (!m.st || kv_plan(&m, plan, prof, hw, err) < 0 || setup(&m, hw, reqs, err) < 0)
        goto done;
    memcpy(out->engine, lr_stepper_engine(m.st), sizeof out->engine);
    out->kv_blocks = m.total_blocks;
    out->kv_tokens = m.total_blocks * m.block;
    out->instances = (double)m.ninst;
    out->devices = (double)m.ninst * s->tp * s->pp;
    if (run_events(&m, err) < 0)
        goto done;
    summarise(&m);
    rc = 0;
done:
    sim_free(&m);
    return rc;
}

void
lr_sim_result_free(lr_sim_result *r)
{
    if (!r)
        return;
    free(r->req);
    free(r->series_t);
    free(r->series_kv);
    free(r->series_batch);
    memset(r, 0, sizeof *r);
}
