/*
 * test_expected.c: the efficiency model (docs/expected-time.md). Its pieces
 * on small cases worked out by hand (a memory-bound op, a compute-bound
 * GEMM with its rows and waves, the GEMV path, the combination with p, the
 * per-kernel and per-step overheads), the ideal engine and the llm-viewer
 * profile equal to the roofline on every op, a kind's parameters in one
 * stage (attention@decode), the engine's time_scale per stage, the fallback to the defaults
 * for hardware no class names, the generation's expected figures against
 * step-by-step analyses, and bad efficiency/engine files rejected with the
 * file and JSON path.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "eval/eval.h"
#include "testutil.h"

static void
close_to(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-12 * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* ---- the per-op formula on hand-made constants ---- */

static lr_kconst
base_consts(void)
{
    lr_kconst k;
    memset(&k, 0, sizeof k);
    k.cpeak = 100e12 * 0.5; /* peak 100 TFLOP/s at 50% */
    k.bw = 2e12 * 0.8;      /* 2 TB/s at 80% */
    k.gemv_bw = 2e12 * 0.6;
    k.ramp = 1e-6;
    k.overhead = 3e-6;
    k.p = 2;
    k.inv_p = 0.5;
    return k;
}

static lr_op
op_of(double flops, double bytes)
{
    lr_op o;
    memset(&o, 0, sizeof o);
    o.present = 1;
    o.count = 1;
    o.v[LR_F_FLOPS] = flops;
    o.v[LR_F_LOAD_ACT] = bytes;
    o.bytes = bytes;
    return o;
}

static void
test_memory_bound(void **state)
{
    (void)state;
    lr_kconst k = base_consts();
    lr_op o = op_of(1e9, 1e9);
    /* t_c = 1e9 / 5e13 = 2e-5 s; t_m = 1e9 / 1.6e12 + 1e-6 = 6.25e-4 + 1e-6
     * = 6.26e-4 s; p = 2: sqrt(2e-5^2 + 6.26e-4^2) = 6.2631941...e-4; plus
     * the 3 us launch */
    close_to(lr_op_expected(&o, &k), sqrt(4e-10 + 3.918760e-7) + 3e-6, "memory-bound p=2");
    /* an op that moves nothing and computes nothing costs nothing */
    lr_op z = op_of(0, 0);
    assert_true(lr_op_expected(&z, &k) == 0);
}

static void
test_combination(void **state)
{
    (void)state;
    lr_kconst k = base_consts();
    k.ramp = 0;
    k.overhead = 0;
    /* t_c = 3e9 / 5e13 = 6e-5, t_m = 6.4e7 / 1.6e12 = 4e-5 */
    lr_op o = op_of(3e9, 6.4e7);
    k.p = 0; /* max */
    close_to(lr_op_expected(&o, &k), 6e-5, "p=0");
    k.p = 1;
    k.inv_p = 1;
    close_to(lr_op_expected(&o, &k), 1e-4, "p=1");
    k.p = 2;
    k.inv_p = 0.5;
    close_to(lr_op_expected(&o, &k), sqrt(36e-10 + 16e-10), "p=2");
    k.p = 3;
    k.inv_p = 1.0 / 3;
    /* (6^3 + 4^3)^(1/3) x 1e-5 = 280^(1/3) x 1e-5 = 6.5421...e-5 */
    close_to(lr_op_expected(&o, &k), cbrt(280.0) * 1e-5, "p=3");
}

static void
test_gemm_shape(void **state)
{
    (void)state;
    lr_kconst k = base_consts();
    k.matmul = 1;
    k.m_half = 64;
    k.tile_m = k.tile_n = 128;
    k.sms = 108;
    k.a_bytes = 2;
    k.overhead = 0;
    k.ramp = 0;
    k.p = 0;
    /* M = 2048 rows, N = K = 4096: FLOPs 2 M N K = 68719476736; weights N K
     * = 16777216; the output M N x 2 bytes = 16777216 bytes. Rows: 2048 /
     * (2048 + 64); tiles 16 x 32 = 512 over 108 SMs: 5 waves, 512 / 540. */
    lr_op o = op_of(2.0 * 2048 * 4096 * 4096, 0);
    o.weights = 4096.0 * 4096;
    o.v[LR_F_STORE_ACT] = 2048.0 * 4096 * 2;
    o.bytes = o.v[LR_F_STORE_ACT] + 4096.0 * 4096 * 2 + 2048.0 * 4096 * 2;
    double rate = 5e13 * (2048.0 / 2112) * (512.0 / 540);
    close_to(lr_op_expected(&o, &k), 68719476736.0 / rate, "compute-bound GEMM");
    /* without weights (attention's matmuls) the kind's rate stays */
    o.weights = 0;
    close_to(lr_op_expected(&o, &k), 68719476736.0 / 5e13, "no shape");
    /* one row (decode, GEMV path): 2 N K FLOPs, N K x 2 weight bytes: the
     * GEMV bandwidth 1.2 TB/s: 33554432 / 1.2e12 s (rows at full rate here:
     * with m_half 64 one row computes as slowly as 65, 4.4e-5 s, above it) */
    k.m_half = 0;
    k.gemv_max_m = 16;
    lr_op g = op_of(2.0 * 4096 * 4096, 4096.0 * 4096 * 2);
    g.weights = 4096.0 * 4096;
    close_to(lr_op_expected(&g, &k), 33554432.0 / 1.2e12, "GEMV path");
    k.gemv_max_m = 0;
    close_to(lr_op_expected(&g, &k), 33554432.0 / 1.6e12, "GEMM path");
}

static void
test_comm(void **state)
{
    (void)state;
    lr_kconst k = base_consts();
    k.overhead = 2e-6;
    k.net_bw = 300e9 * 0.5;
    k.net_lat = 2e-6;
    k.net_over = 5e-6;
    /* 1.5e8 bytes over 150 GB/s = 1 ms, 6 hops x 2 us, 5 us: 1.017 ms,
     * above the HBM side; plus the kernel's 2 us */
    lr_op o = op_of(0, 1e6);
    o.v[LR_F_NET_BYTES] = 1.5e8;
    o.v[LR_F_NET_HOPS] = 6;
    close_to(lr_op_expected(&o, &k), 1e-3 + 12e-6 + 5e-6 + 2e-6, "all-reduce");
}

/* ---- a profile with its own efficiency/ and engines/ ---- */

static char tmpdir[64];

static void
put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Parameters at the identity except those in `extra`, which follow. */
#define NEUTRAL                                                                                    \
    "\"p\": 0, \"compute_eff\": 1, \"bandwidth_eff\": 1, \"bandwidth_ramp_s\": 0, "                \
    "\"kernel_overhead_s\": 0, \"kernel_overhead_graphs_s\": 0, \"gemm_m_half\": 0, "              \
    "\"gemv_max_m\": 0, \"gemv_bandwidth_eff\": 1, \"gemm_tile_m\": 0, \"gemm_tile_n\": 0, "       \
    "\"net_eff\": 1, \"net_overhead_s\": 0, \"band_low\": 0.7, \"band_high\": 1.4"

static void
make_profile(const char *defaults_extra, const char *engine_json)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/llmroof-expected-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char a[256], b[256];
    const char *links[] = {"modules", "architectures", "profile.json"};
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/%s", TU_DEFAULT, links[i]);
        snprintf(b, sizeof b, "%s/%s", tmpdir, links[i]);
        assert_int_equal(symlink(a, b), 0);
    }
    snprintf(a, sizeof a, "%s/efficiency", tmpdir);
    snprintf(b, sizeof b, "%s/engines", tmpdir);
    assert_int_equal(mkdir(a, 0700), 0);
    assert_int_equal(mkdir(b, 0700), 0);
    put("efficiency/a.json", "{\"defaults\": {" NEUTRAL "}, \"classes\": {\"fast\": "
                             "{\"hardware\": [\"a100*\"], \"bandwidth_eff\": 0.5}}}");
    /* a second file, after the first in name order: its values win */
    char eff[2048];
    snprintf(eff, sizeof eff, "{\"status\": \"fitted\", \"defaults\": {%s}}", defaults_extra);
    put("efficiency/b.json", eff);
    put("engines/vllm.json", engine_json);
}

static void
rm_profile(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

typedef struct fixture {
    lr_profile *prof;
    lr_arch *arch;
    lr_hwdb *hwdb;
    lr_plan *plan;
    lr_result *r;
} fixture;

static void
open_fixture(fixture *fx, const char *profile_dir)
{
    fx->prof = tu_profile(profile_dir, NULL);
    assert_non_null(fx->prof);
    fx->arch = tu_model_in(profile_dir, "meta-llama/Llama-2-7b-hf");
    fx->hwdb = tu_hw();
    lr_error err;
    fx->plan = lr_plan_new(fx->arch, lr_profile_db(fx->prof), &err);
    assert_non_null(fx->plan);
    fx->r = lr_result_new(fx->plan);
}

static void
close_fixture(fixture *fx)
{
    lr_result_free(fx->r);
    lr_plan_free(fx->plan);
    lr_hwdb_free(fx->hwdb);
    lr_arch_free(fx->arch);
    lr_profile_free(fx->prof);
}

/* With every efficiency 1 and p = 0, each op with work costs its roofline
 * plus the per-kernel overhead (no CUDA graphs in prefill, graphs in
 * decode); the stage adds the step overhead once per pass, plus its part
 * per sequence. */
static void
test_overheads(void **state)
{
    (void)state;
    make_profile("\"kernel_overhead_s\": 4e-6, \"kernel_overhead_graphs_s\": 1e-6",
                 "{\"cuda_graphs\": {\"prefill\": false, \"decode\": true}, "
                 "\"step_overhead_s\": {\"prefill\": 2e-4, \"decode\": 5e-4}, "
                 "\"step_overhead_per_seq_s\": {\"prefill\": 0, \"decode\": 1e-5}}");
    fixture fx;
    open_fixture(&fx, tmpdir);
    /* a hardware no class names: the defaults alone (bandwidth_eff 1) */
    lr_hw hw = *lr_hwdb_find(fx.hwdb, "h100-sxm");
    hw.id = "npu-x";
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 4;
    lr_error err;
    assert_int_equal(lr_analyze(fx.plan, fx.prof, &hw, &s, 1, 1, fx.r, &err), 0);
    assert_string_equal(fx.r->settings.engine, "vllm");
    const double over[2] = {4e-6, 1e-6}, step[2] = {2e-4, 5e-4 + 4 * 1e-5};
    for (int st = 0; st < 2; st++) {
        const lr_stage_result *sr = &fx.r->stage[st];
        double kernels = 0;
        for (size_t i = 0; i < sr->nops; i++) {
            const lr_op *o = &sr->ops[i];
            if (!o->present)
                continue;
            assert_true(o->expected_time_s == o->time_s + over[st]);
            kernels += o->count;
        }
        close_to(sr->total.expected_time_s, sr->total.time_s + kernels * over[st] + step[st],
                 st ? "decode total" : "prefill total");
        close_to(sr->total.expected_latency_s, sr->total.expected_time_s, "latency, no pp");
        assert_true(sr->total.expected_band[0] == 0.7 && sr->total.expected_band[1] == 1.4);
    }
    /* a100-80gb is in class "fast": half the bandwidth for memory-bound ops
     * (the decode's are, at batch 4) */
    const lr_hw *a100 = lr_hwdb_find(fx.hwdb, "a100-80gb");
    assert_int_equal(lr_analyze(fx.plan, fx.prof, a100, &s, 0, 1, fx.r, &err), 0);
    const lr_op *q = tu_op(&fx.r->stage[LR_DECODE], "model.layers.self_attn.q_proj");
    assert_int_equal(q->bound, LR_MEMORY);
    close_to(q->expected_time_s, 2 * q->time_s + 1e-6, "class fast: bandwidth x 0.5");
    /* a class the entry names but the data lacks: the defaults */
    hw = *a100;
    hw.cls = "nosuchclass";
    assert_int_equal(lr_analyze(fx.plan, fx.prof, &hw, &s, 0, 1, fx.r, &err), 0);
    q = tu_op(&fx.r->stage[LR_DECODE], "model.layers.self_attn.q_proj");
    assert_true(q->expected_time_s == q->time_s + 1e-6);
    close_fixture(&fx);
    rm_profile();
}

/* The engine's time_scale multiplies every op's expected time in its stage,
 * the kernel overhead included, but not the step overhead. By hand, with
 * p = 0 and every efficiency 1 (NEUTRAL): an op takes s x (roofline +
 * kernel overhead); prefill s = 2 with 4 us per kernel (no CUDA graphs),
 * decode s = 0.5 with 1 us (graphs); the stage adds its step overhead
 * once. A calibration's "engines" section sets it as well (prefill 3); an
 * engine's class overrides it on hardware of that class (5, 0.25). */
static void
check_scaled(const lr_result *r, const double s[2], const double over[2], const double step[2])
{
    for (int st = 0; st < 2; st++) {
        const lr_stage_result *sr = &r->stage[st];
        double sum = 0;
        for (size_t i = 0; i < sr->nops; i++) {
            const lr_op *o = &sr->ops[i];
            if (!o->present)
                continue;
            close_to(o->expected_time_s, s[st] * (o->time_s + over[st]), o->path);
            sum += o->count * o->expected_time_s;
        }
        close_to(sr->total.expected_time_s, sum + step[st], st ? "decode total" : "prefill total");
    }
}

static void
test_time_scale(void **state)
{
    (void)state;
    make_profile("\"kernel_overhead_s\": 4e-6, \"kernel_overhead_graphs_s\": 1e-6",
                 "{\"cuda_graphs\": {\"prefill\": false, \"decode\": true}, "
                 "\"step_overhead_s\": {\"prefill\": 2e-4, \"decode\": 5e-4}, "
                 "\"time_scale\": {\"prefill\": 2, \"decode\": 0.5}, "
                 "\"classes\": {\"solo\": {\"time_scale\": {\"prefill\": 5, \"decode\": 0.25}}}}");
    fixture fx;
    open_fixture(&fx, tmpdir);
    const lr_hw *hw = lr_hwdb_find(fx.hwdb, "h100-sxm");
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 4;
    lr_error err;
    assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 1, 1, fx.r, &err), 0);
    const double over[2] = {4e-6, 1e-6}, step[2] = {2e-4, 5e-4};
    const double s1[2] = {2, 0.5}, s2[2] = {3, 0.5};
    check_scaled(fx.r, s1, over, step);
    char path[300];
    snprintf(path, sizeof path, "%s/cal.json", tmpdir);
    put("cal.json", "{\"engines\": {\"vllm\": {\"time_scale\": {\"prefill\": 3, "
                    "\"decode\": 0.5}}}}");
    assert_int_equal(lr_profile_add_efficiency(fx.prof, path, &err), 0);
    /* a result caches the resolved parameters: calibrate before analysing */
    lr_result_free(fx.r);
    fx.r = lr_result_new(fx.plan);
    assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 1, 1, fx.r, &err), 0);
    check_scaled(fx.r, s2, over, step);
    /* hardware of class "solo" (no efficiency class: the defaults): the
     * engine's class value wins over its own */
    lr_hw solo = *hw;
    solo.cls = "solo";
    const double s3[2] = {5, 0.25};
    assert_int_equal(lr_analyze(fx.plan, fx.prof, &solo, &s, 1, 1, fx.r, &err), 0);
    check_scaled(fx.r, s3, over, step);
    close_fixture(&fx);
    rm_profile();
}

/* Attention ops of one stage against the roofline: memory-bound ones at
 * `slow` x their roofline time plus `over`, others untouched when `kind`
 * is not attention. Returns how many memory-bound attention ops there were. */
static int
check_stage_kinds(const lr_stage_result *sr, double slow, double over)
{
    int n = 0;
    for (size_t i = 0; i < sr->nops; i++) {
        const lr_op *o = &sr->ops[i];
        if (!o->present || strcmp(o->kind, "attention") != 0 || o->bound != LR_MEMORY)
            continue;
        close_to(o->expected_time_s, slow * o->time_s + over, o->path);
        n++;
    }
    return n;
}

/* A kind's parameters in one stage ("attention@decode") apply in that
 * stage only, after the kind's own within a level; a later level's kind
 * still wins over an earlier level's stage-kind. By hand, with p = 0 and
 * every efficiency 1 (NEUTRAL): a memory-bound op at bandwidth_eff 0.5
 * takes B / (W x 0.5) = 2 x its roofline B / W; decode runs as a CUDA
 * graph (kernel_overhead_graphs_s), prefill does not (kernel_overhead_s). */
static void
test_stage_kinds(void **state)
{
    (void)state;
    const char *kinds = "\"kinds\": {\"attention\": {\"kernel_overhead_s\": 3e-6}, "
                        "\"attention@decode\": {\"kernel_overhead_graphs_s\": 7e-6, "
                        "\"bandwidth_eff\": 0.5}}";
    const char *graphs = "\"cuda_graphs\": {\"prefill\": false, \"decode\": true}";
    char eng[512];
    snprintf(eng, sizeof eng, "{%s}", graphs);
    make_profile(kinds, eng);
    fixture fx;
    open_fixture(&fx, tmpdir);
    const lr_hw *hw = lr_hwdb_find(fx.hwdb, "h100-sxm");
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 4;
    s.seq_len = 2048;
    lr_error err;
    assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 1, 1, fx.r, &err), 0);
    assert_true(check_stage_kinds(&fx.r->stage[LR_PREFILL], 1, 3e-6) > 0);
    assert_true(check_stage_kinds(&fx.r->stage[LR_DECODE], 2, 7e-6) > 0);
    /* matmuls keep the defaults in both stages */
    for (int st = 0; st < 2; st++) {
        const lr_op *q = tu_op(&fx.r->stage[st], "model.layers.self_attn.q_proj");
        assert_true(q->expected_time_s == q->time_s);
    }
    close_fixture(&fx);
    rm_profile();
    /* the engine's "attention" (level 3) over the data's attention@decode
     * (level 2): bandwidth_eff 0.25 in both stages, 4 x the roofline; the
     * stage's overhead, which the engine does not set, stays */
    snprintf(eng, sizeof eng,
             "{%s, \"params\": {\"kinds\": {\"attention\": {\"bandwidth_eff\": 0.25}}}}", graphs);
    make_profile(kinds, eng);
    open_fixture(&fx, tmpdir);
    hw = lr_hwdb_find(fx.hwdb, "h100-sxm");
    assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 1, 1, fx.r, &err), 0);
    assert_true(check_stage_kinds(&fx.r->stage[LR_PREFILL], 4, 3e-6) > 0);
    assert_true(check_stage_kinds(&fx.r->stage[LR_DECODE], 4, 7e-6) > 0);
    close_fixture(&fx);
    rm_profile();
}

/* The bundled data: with engine ideal every op's expected time is its
 * roofline time, bit for bit, in prefill and decode; and so for the
 * llm-viewer profile's default engine. */
static void
check_ideal(const char *profile_dir, const char *engine, const char *hwid, int flash)
{
    fixture fx;
    open_fixture(&fx, profile_dir);
    lr_hwdb *hwdb =
        strstr(profile_dir, "llm-viewer") ? lr_hwdb_load(TU_LLMV "/hardware", NULL) : tu_hw();
    const lr_hw *hw = lr_hwdb_find(hwdb, hwid);
    assert_non_null(hw);
    lr_settings s;
    lr_settings_default(&s);
    s.flash = flash;
    lr_error err;
    if (engine)
        assert_int_equal(lr_settings_set(&s, "engine", engine, &err), 0);
    for (double seq = 128; seq <= 4096; seq *= 32) {
        s.seq_len = seq;
        assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 1, 1, fx.r, &err), 0);
        assert_string_equal(fx.r->settings.engine, "ideal");
        for (int st = 0; st < 2; st++) {
            const lr_stage_result *sr = &fx.r->stage[st];
            size_t n = 0;
            for (size_t i = 0; i < sr->nops; i++) {
                if (sr->ops[i].expected_time_s != sr->ops[i].time_s)
                    fail_msg("%s: %s differs", sr->ops[i].path, st ? "decode" : "prefill");
                n += sr->ops[i].present;
            }
            assert_true(n > 10);
            assert_true(sr->total.expected_time_s == sr->total.time_s);
            assert_true(sr->total.expected_latency_s == sr->total.latency_s);
            assert_true(sr->total.expected_band[0] == 1 && sr->total.expected_band[1] == 1);
        }
    }
    lr_hwdb_free(hwdb);
    close_fixture(&fx);
}

static void
test_ideal(void **state)
{
    (void)state;
    check_ideal(TU_DEFAULT, "ideal", "a100-80gb", 0);
    check_ideal(TU_DEFAULT, "ideal", "h100-sxm", 1);
    check_ideal(TU_LLMV, NULL, "nvidia_A100_80G", 0);
}

/* The default engine (vllm) on the bundled data: above the roofline on
 * every op with work (efficiencies below 1, overheads added). */
static void
test_default_engine(void **state)
{
    (void)state;
    fixture fx;
    open_fixture(&fx, TU_DEFAULT);
    lr_settings s;
    lr_settings_default(&s);
    lr_error err;
    assert_int_equal(
        lr_analyze(fx.plan, fx.prof, lr_hwdb_find(fx.hwdb, "a100-80gb"), &s, 1, 1, fx.r, &err), 0);
    assert_string_equal(fx.r->settings.engine, "vllm");
    for (int st = 0; st < 2; st++)
        for (size_t i = 0; i < fx.r->stage[st].nops; i++) {
            const lr_op *o = &fx.r->stage[st].ops[i];
            if (o->present && o->time_s > 0 && !(o->expected_time_s > o->time_s))
                fail_msg("%s: expected %g <= roofline %g", o->path, o->expected_time_s, o->time_s);
        }
    /* unknown engines are refused, naming the known ones */
    assert_int_equal(lr_settings_set(&s, "engine", "nosuch", &err), 0);
    assert_int_equal(
        lr_analyze(fx.plan, fx.prof, lr_hwdb_find(fx.hwdb, "a100-80gb"), &s, 1, 1, fx.r, &err), -1);
    assert_non_null(strstr(err.msg, "unknown engine 'nosuch'"));
    assert_non_null(strstr(err.msg, "ideal, llama.cpp, lmdeploy, pytorch, sglang, trtllm, vllm"));
    assert_int_equal(lr_settings_set(&s, "engine", "../vllm", &err), -1);
    close_fixture(&fx);
}

/* The generation's expected figures equal step-by-step full analyses. */
static void
test_generation(void **state)
{
    (void)state;
    fixture fx;
    open_fixture(&fx, TU_DEFAULT);
    const lr_hw *hw = lr_hwdb_find(fx.hwdb, "h100-sxm");
    lr_settings s;
    lr_settings_default(&s);
    s.batch = 3;
    lr_error err;
    assert_int_equal(lr_settings_set(&s, "engine", "sglang", &err), 0);
    const double P = 200, G = 40;
    lr_gen g;
    assert_int_equal(lr_generate(fx.plan, fx.prof, hw, &s, P, G, fx.r, &g, &err), 0);
    assert_string_equal(g.engine, "sglang");
    s.seq_len = P;
    assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 1, 0, fx.r, &err), 0);
    double ttft = fx.r->stage[LR_PREFILL].total.expected_latency_s, sum = 0, first = 0, last = 0;
    for (double k = 0; k < G; k++) {
        s.seq_len = P + k + 1;
        assert_int_equal(lr_analyze(fx.plan, fx.prof, hw, &s, 0, 1, fx.r, &err), 0);
        double t = fx.r->stage[LR_DECODE].total.expected_latency_s;
        first = k == 0 ? t : first;
        last = t;
        sum += t;
    }
    close_to(g.expected_ttft_s, ttft, "expected ttft");
    close_to(g.expected_tpot_first_s, first, "first");
    close_to(g.expected_tpot_last_s, last, "last");
    close_to(g.expected_tpot_mean_s, sum / G, "tpot");
    close_to(g.expected_latency_s, ttft + sum, "latency");
    close_to(g.expected_output_tokens_per_s, 3 * G / (ttft + sum), "output tokens/s");
    close_to(g.expected_total_tokens_per_s, 3 * (P + G) / (ttft + sum), "total tokens/s");
    assert_true(g.expected_latency_s > g.latency_s);
    close_fixture(&fx);
}

/* ---- bad data ---- */

static void
expect_bad(const char *defaults_extra, const char *engine_json, const char *file, const char *path,
           const char *msg)
{
    make_profile(defaults_extra, engine_json);
    lr_error err;
    memset(&err, 0, sizeof err);
    assert_null(lr_profile_load(tmpdir, NULL, &err));
    if (!strstr(err.file, file) || strcmp(err.path, path) != 0 || !strstr(err.msg, msg))
        fail_msg("got %s: %s: %s", err.file, err.path, err.msg);
    rm_profile();
}

static void
test_bad_data(void **state)
{
    (void)state;
    const char *ok = "{}";
    expect_bad("\"compute_eff\": 1.5e9", ok, "efficiency/b.json", "defaults.compute_eff",
               "expected a number > 0 and <= 2");
    expect_bad("\"kinds\": {\"matmul\": {\"bandwidth_eff\": -1}}", ok, "efficiency/b.json",
               "defaults.kinds.matmul.bandwidth_eff", "expected a number");
    expect_bad("\"compute_efficiency\": 0.5", ok, "efficiency/b.json",
               "defaults.compute_efficiency", "unknown parameter");
    expect_bad("\"kinds\": {\"attention@verify\": {\"p\": 1}}", ok, "efficiency/b.json",
               "defaults.kinds.attention@verify", "KIND@prefill / KIND@decode");
    expect_bad("\"kinds\": {\"@decode\": {\"p\": 1}}", ok, "efficiency/b.json",
               "defaults.kinds.@decode", "KIND@prefill");
    expect_bad("\"gemm_tile_m\": 12.5", ok, "efficiency/b.json", "defaults.gemm_tile_m",
               "whole number");
    expect_bad("", "{\"cuda_graphs\": {\"prefill\": 1, \"decode\": true}}", "engines/vllm.json",
               "cuda_graphs", "true|false");
    expect_bad("", "{\"params\": {\"p\": \"max\"}}", "engines/vllm.json", "params.p",
               "expected a number >= 0");
    expect_bad("", "{\"scale\": {\"compute_eff\": 0}}", "engines/vllm.json", "scale.compute_eff",
               "positive multiplier");
    expect_bad("", "{\"time_scale\": {\"prefill\": 0, \"decode\": 1}}", "engines/vllm.json",
               "time_scale", "multiplier > 0");
    expect_bad("\"kinds\": {}}, \"classes\": {\"c\": {\"time_scale\": {\"prefill\": 1, "
               "\"decode\": 1}}",
               ok, "efficiency/b.json", "classes.c", "engine preset's classes");
    expect_bad("", "{\"name\": \"sglang\"}", "engines/vllm.json", "name", "expected \"vllm\"");
    expect_bad("", "{\"graphs\": true}", "engines/vllm.json", "graphs", "unknown key");
    expect_bad("", "{\"memory\": 3}", "engines/vllm.json", "memory", "expected an object");
    expect_bad("", "{\"classes\": {\"x\": {\"hardware\": [\"h100\"]}}}", "engines/vllm.json",
               "classes.x", "parameters only");
    expect_bad("", "{\"step_overhead_s\": {\"prefill\": 1e-4}}", "engines/vllm.json",
               "step_overhead_s", "\"decode\"");
    /* malformed JSON: the line */
    make_profile("", "{\"cuda_graphs\": ");
    lr_error err;
    assert_null(lr_profile_load(tmpdir, NULL, &err));
    assert_non_null(strstr(err.file, "engines/vllm.json"));
    assert_true(err.line == 1);
    rm_profile();
}

/* Every parameter needs a default: a file leaving one out is refused. */
static void
test_missing_default(void **state)
{
    (void)state;
    make_profile("", "{}");
    put("efficiency/a.json", "{\"defaults\": {\"p\": 2}}");
    lr_error err;
    assert_null(lr_profile_load(tmpdir, NULL, &err));
    assert_string_equal(err.path, "defaults");
    assert_non_null(strstr(err.msg, "'compute_eff' has no default"));
    rm_profile();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_bound),   cmocka_unit_test(test_combination),
        cmocka_unit_test(test_gemm_shape),     cmocka_unit_test(test_comm),
        cmocka_unit_test(test_overheads),      cmocka_unit_test(test_stage_kinds),
        cmocka_unit_test(test_time_scale),     cmocka_unit_test(test_ideal),
        cmocka_unit_test(test_default_engine), cmocka_unit_test(test_generation),
        cmocka_unit_test(test_bad_data),       cmocka_unit_test(test_missing_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
