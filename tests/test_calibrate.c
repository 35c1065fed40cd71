/*
 * test_calibrate.c: fitting the efficiency model (docs/calibrate.md).
 * Known parameters are recovered from synthetic measurements that the
 * model itself produced through the ordinary analysis path (an efficiency
 * file with those parameters laid over the default profile); bad CSV files
 * are refused with file, line and column; the written calibration file
 * loads and changes the expected times, and the ideal engine still gives
 * the roofline with it applied; the shipped fits apply (the kernel tables'
 * to GEMMs, the pytorch preset's own to FlashAttention).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "eval/eval.h"
#include "testutil.h"

/* The truth: class hopper (h100-sxm), engine pytorch (no CUDA graphs, so
 * the per-kernel overhead is kernel_overhead_s; a bare preset, below), decode attention with its
 * own bandwidth and overhead (attention@decode). Every value differs from
 * data/efficiency's initial one, so a fit that does nothing fails. */
static const char truth_json[] =
    "{\"classes\": {\"hopper\": {\"kinds\": {"
    "\"matmul\": {\"compute_eff\": 0.6, \"bandwidth_eff\": 0.7, \"gemv_bandwidth_eff\": 0.55,"
    " \"gemm_m_half\": 40, \"bandwidth_ramp_s\": 2e-6, \"kernel_overhead_s\": 5e-6},"
    "\"attention\": {\"compute_eff\": 0.5, \"bandwidth_eff\": 0.6, \"bandwidth_ramp_s\": 2e-6,"
    " \"kernel_overhead_s\": 6e-6},"
    "\"attention@decode\": {\"bandwidth_eff\": 0.45, \"kernel_overhead_s\": 9e-6}}}}}";

/* The expected time of the ops of `kind` of one module node, analysed as
 * `analyze` would (stage st). */
static double
model_time(lr_profile *p, const lr_hw *hw, const char *cls, const char *const *names,
           const char *const *vals, size_t n, double batch, double seq, int flash, int st,
           const char *kind)
{
    lr_error err;
    lr_arch *a = lr_op_arch(lr_profile_db(p), cls, names, vals, n, &err);
    assert_non_null(a);
    lr_plan *plan = lr_plan_new(a, lr_profile_db(p), &err);
    assert_non_null(plan);
    lr_result *r = lr_result_new(plan);
    lr_settings s;
    lr_settings_default(&s);
    snprintf(s.engine, sizeof s.engine, "pytorch");
    s.batch = batch;
    s.seq_len = seq;
    s.flash = flash;
    assert_int_equal(lr_analyze(plan, p, hw, &s, st == LR_PREFILL, st == LR_DECODE, r, &err), 0);
    double t = 0;
    for (size_t i = 0; i < r->stage[st].nops; i++) {
        const lr_op *o = &r->stage[st].ops[i];
        if (o->present && strcmp(o->kind, kind) == 0)
            t += o->count * o->expected_time_s;
    }
    lr_result_free(r);
    lr_plan_free(plan);
    lr_arch_free(a);
    return t;
}

/* The default profile with an engines/ directory of its own holding one
 * bare `pytorch` preset (eager, no parameters of its own), so the truth laid
 * over the class is what the engine runs: the shipped pytorch preset has
 * its own attention@prefill values (fitted on FlashAttention benchmarks,
 * docs/expected-time.md), which would win over any class's. The efficiency
 * data still comes from the data directory. Returns the directory (free
 * with bare_profile_remove). */
static const char *const bare_links[] = {"profile.json", "architectures", "modules", "repr"};

static char *
bare_profile_dir(void)
{
    char *dir = malloc(64);
    snprintf(dir, 64, "/tmp/llmroof-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char a[512], b[512];
    for (size_t i = 0; i < sizeof bare_links / sizeof *bare_links; i++) {
        snprintf(a, sizeof a, "%s/%s", TU_DEFAULT, bare_links[i]);
        snprintf(b, sizeof b, "%s/%s", dir, bare_links[i]);
        assert_int_equal(symlink(a, b), 0);
    }
    snprintf(b, sizeof b, "%s/engines", dir);
    assert_int_equal(mkdir(b, 0700), 0);
    snprintf(b, sizeof b, "%s/engines/pytorch.json", dir);
    FILE *f = fopen(b, "w");
    assert_non_null(f);
    fputs("{\"cuda_graphs\": {\"prefill\": false, \"decode\": false},"
          " \"step_overhead_s\": {\"prefill\": 0, \"decode\": 0}}\n",
          f);
    fclose(f);
    return dir;
}

static void
bare_profile_remove(char *dir)
{
    char b[512];
    for (size_t i = 0; i < sizeof bare_links / sizeof *bare_links; i++) {
        snprintf(b, sizeof b, "%s/%s", dir, bare_links[i]);
        unlink(b);
    }
    snprintf(b, sizeof b, "%s/engines/pytorch.json", dir);
    unlink(b);
    snprintf(b, sizeof b, "%s/engines", dir);
    rmdir(b);
    rmdir(dir);
    free(dir);
}

/* Synthetic GEMM and attention tables from the truth, as CSV files. */
static void
synthesise(const char *profile, char *gemm, char *ctx, char *gen, size_t cap)
{
    char *truth = tu_tmpfile(truth_json, ".json");
    lr_error err;
    lr_profile *p = tu_profile(profile, NULL);
    assert_int_equal(lr_profile_add_efficiency(p, truth, &err), 0);
    lr_hwdb *db = tu_hw();
    const lr_hw *hw = lr_hwdb_find(db, "h100-sxm");
    size_t len = (size_t)snprintf(gemm, cap, "kernel_source,gemm_dtype,m,n,k,latency_ms\n");
    static const double ms[] = {1, 4, 16, 64, 256, 1024, 4096};
    static const double nk[] = {1024, 4096, 16384};
    for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < 3; j++)
            for (size_t k = 0; k < 3; k++) {
                char in[32], out[32];
                snprintf(in, sizeof in, "%.0f", nk[k]);
                snprintf(out, sizeof out, "%.0f", nk[j]);
                const char *names[] = {"in_features", "out_features"}, *vals[] = {in, out};
                double t = model_time(p, hw, "torch.nn.Linear", names, vals, 2, ms[i], 1, 0,
                                      LR_PREFILL, "matmul");
                len += (size_t)snprintf(gemm + len, cap - len, "x,bfloat16,%.0f,%s,%s,%.17g\n",
                                        ms[i], out, in, t * 1e3);
            }
    size_t lc = (size_t)snprintf(ctx, cap,
                                 "batch_size,seq_len,num_heads,num_kv_heads,head_dim,"
                                 "window_size,latency_ms\n");
    size_t lg = (size_t)snprintf(gen, cap,
                                 "batch_size,kv_len,num_heads,num_kv_heads,head_dim,"
                                 "kv_cache_dtype,latency_ms\n");
    static const double heads[][3] = {{32, 8, 128}, {64, 64, 64}, {16, 2, 128}};
    static const double batch[] = {1, 8, 64}, seqs[] = {128, 1024, 8192};
    for (size_t h = 0; h < 3; h++)
        for (size_t b = 0; b < 3; b++)
            for (size_t q = 0; q < 3; q++) {
                char v[4][32];
                snprintf(v[0], 32, "%.0f", heads[h][0] * heads[h][2]);
                snprintf(v[1], 32, "%.0f", heads[h][0]);
                snprintf(v[2], 32, "%.0f", heads[h][1]);
                snprintf(v[3], 32, "%.0f", heads[h][2]);
                const char *names[] = {"hidden_size", "num_heads", "num_kv_heads", "head_dim"};
                const char *vals[] = {v[0], v[1], v[2], v[3]};
                double tc =
                    model_time(p, hw, "LlamaSdpaAttention", names, vals, 4,
                               batch[b] > 8 ? 2 : batch[b], seqs[q], 1, LR_PREFILL, "attention");
                double tg = model_time(p, hw, "LlamaSdpaAttention", names, vals, 4, batch[b],
                                       seqs[q], 1, LR_DECODE, "attention");
                lc += (size_t)snprintf(ctx + lc, cap - lc, "%.0f,%.0f,%s,%s,%s,0,%.17g\n",
                                       batch[b] > 8 ? 2 : batch[b], seqs[q], v[1], v[2], v[3],
                                       tc * 1e3);
                lg += (size_t)snprintf(gen + lg, cap - lg, "%.0f,%.0f,%s,%s,%s,bfloat16,%.17g\n",
                                       batch[b], seqs[q], v[1], v[2], v[3], tg * 1e3);
            }
    lr_hwdb_free(db);
    lr_profile_free(p);
    unlink(truth);
    free(truth);
}

static void
near(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * want))
        fail_msg("%s: got %.6g, want %.6g within %.1f%%", what, got, want, 100 * rel);
}

/* The fit recovers the truth. The rows are the model's own times, so the
 * true parameters give zero error and are the minimum; the descent ends
 * with steps of e^1e-4 (0.01%). Efficiencies set the time of whole regimes
 * (compute-bound, memory-bound, GEMV) and come back within 0.5%; the small-M
 * half-point, the ramp and the overhead act on small ops only (the ramp
 * and the overhead both add a constant, told apart only through the p = 2
 * combination), so they get 5%; and the fit's error itself is below 0.1%. */
static void
test_recovers_known_parameters(void **state)
{
    (void)state;
    size_t cap = 1 << 16;
    char *g = malloc(cap), *c = malloc(cap), *d = malloc(cap);
    char *bare = bare_profile_dir();
    synthesise(bare, g, c, d, cap);
    char *fg = tu_tmpfile(g, ".csv"), *fc = tu_tmpfile(c, ".csv"), *fd = tu_tmpfile(d, ".csv");
    lr_error err;
    lr_profile *p = tu_profile(bare, NULL);
    lr_hwdb *db = tu_hw();
    const lr_hw *hw = lr_hwdb_find(db, "h100-sxm");
    lr_calib *cal = lr_calib_new();
    assert_int_equal(lr_calib_read(cal, fg, NULL, &err), 0);
    assert_int_equal(lr_calib_read(cal, fc, NULL, &err), 0);
    assert_int_equal(lr_calib_read(cal, fd, NULL, &err), 0);
    assert_int_equal(lr_calib_rows(cal), 63 + 27 + 27);
    lr_calib_opts o = {"pytorch", -1, 3, 0};
    assert_int_equal(lr_calib_fit(cal, p, hw, &o, &err), 0);
    assert_string_equal(lr_calib_class(cal), "hopper");
    near(lr_calib_value(cal, "matmul", "compute_eff"), 0.6, 0.005, "matmul compute_eff");
    near(lr_calib_value(cal, "matmul", "bandwidth_eff"), 0.7, 0.005, "matmul bandwidth_eff");
    near(lr_calib_value(cal, "matmul", "gemv_bandwidth_eff"), 0.55, 0.005, "gemv_bandwidth_eff");
    near(lr_calib_value(cal, "matmul", "gemm_m_half"), 40, 0.05, "gemm_m_half");
    near(lr_calib_value(cal, "matmul", "kernel_overhead_s"), 5e-6, 0.05, "matmul overhead");
    near(lr_calib_value(cal, "matmul", "bandwidth_ramp_s"), 2e-6, 0.05, "matmul ramp");
    /* context rows fit attention@prefill, generation rows attention@decode,
     * each recovering its own stage's truth */
    near(lr_calib_value(cal, "attention@prefill", "compute_eff"), 0.5, 0.005, "prefill compute");
    near(lr_calib_value(cal, "attention@prefill", "bandwidth_eff"), 0.6, 0.005, "prefill bw_eff");
    near(lr_calib_value(cal, "attention@prefill", "kernel_overhead_s"), 6e-6, 0.05,
         "prefill overhead");
    near(lr_calib_value(cal, "attention@decode", "bandwidth_eff"), 0.45, 0.005, "decode bw_eff");
    /* decode attention is memory-bound throughout: the ramp (2e-6, from the
     * truth's "attention") and the overhead (9e-6) add the same constant,
     * so only their sum is determined */
    near(lr_calib_value(cal, "attention@decode", "kernel_overhead_s") +
             lr_calib_value(cal, "attention@decode", "bandwidth_ramp_s"),
         11e-6, 0.05, "decode overhead + ramp");
    /* not fitted: the rows ran without CUDA graphs */
    assert_true(isnan(lr_calib_value(cal, "matmul", "kernel_overhead_graphs_s")));
    size_t all = lr_calib_stats_count(cal) - 1; /* "all" is the last category */
    const lr_calib_stats *before = lr_calib_stats_get(cal, 0, all);
    const lr_calib_stats *after = lr_calib_stats_get(cal, 1, all);
    const lr_calib_stats *held = lr_calib_stats_get(cal, 2, all);
    assert_string_equal(after->category, "all");
    assert_true(before->median_abs_err > 0.05); /* the initial values are off */
    assert_true(after->median_abs_err < 1e-3);
    assert_true(held->median_abs_err < 1e-2);
    lr_calib_free(cal);
    lr_hwdb_free(db);
    lr_profile_free(p);
    bare_profile_remove(bare);
    unlink(fg), unlink(fc), unlink(fd);
    free(fg), free(fc), free(fd), free(g), free(c), free(d);
}

/* A bad file: the error names the file, line, column (and its name). */
static void
expect_bad(const char *csv, int line, const char *col, const char *msg)
{
    char *f = tu_tmpfile(csv, ".csv");
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_calib *c = lr_calib_new();
    assert_int_equal(lr_calib_read(c, f, NULL, &err), -1);
    assert_string_equal(err.file, f);
    if (err.line != line || strcmp(err.path, col) != 0 || !strstr(err.msg, msg))
        fail_msg("%s: got line %d, path '%s', msg '%s'; want line %d, '%s', '%s'", csv, err.line,
                 err.path, err.msg, line, col, msg);
    assert_int_equal(lr_calib_rows(c), 0);
    lr_calib_free(c);
    unlink(f);
    free(f);
}

static void
test_bad_files(void **state)
{
    (void)state;
    expect_bad("m,n,k,gemm_dtype\n1,2,3,bfloat16\n", 1, "header", "missing column 'latency_ms'");
    expect_bad("m,k,latency_ms\n1,2,3\n", 1, "header", "missing column 'n'");
    expect_bad("batch_size,num_heads,num_kv_heads,head_dim,latency_ms\n1,1,1,1,1\n", 1, "header",
               "missing column 'seq_len'");
    expect_bad("a,b,c\n1,2,3\n", 1, "header", "unrecognised columns");
    expect_bad("m,n,k,latency_ms\n1,2,3,0.1\n4,x5,6,0.1\n", 3, "n", "expected a number, got 'x5'");
    expect_bad("m,n,k,latency_ms\n1,2,3,-0.5\n", 2, "latency_ms",
               "expected a positive time, got '-0.5'");
    expect_bad("m,n,k,latency_ms\n1.5,2,3,0.5\n", 2, "m", "expected a whole number >= 1");
    expect_bad("m,n,k,gemm_dtype,latency_ms\n1,2,3,int3,0.5\n", 2, "gemm_dtype",
               "unknown dtype 'int3' (expected bfloat16, float16 or fp8)");
    expect_bad("m,n,k,latency_ms\n1,2,3\n", 2, "", "expected 4 fields (as the header), got 3");
    expect_bad("batch_size,kv_len,num_heads,num_kv_heads,head_dim,latency_us\n1,8,6,4,64,3\n", 2,
               "num_heads", "expected a multiple of num_kv_heads");
    expect_bad("", 0, "", "empty file");
    /* end to end */
    expect_bad("model,batch,prompt_len,ttft_s\nm1,1,2,0.1\n", 1, "header",
               "missing column 'gen_len'");
    expect_bad("model,batch,prompt_len,gen_len,tp\nm1,1,2,3,1\n", 1, "header",
               "missing a measured column");
    expect_bad("model,batch,prompt_len,gen_len,tpot_s\nm1,1,2,3,0.1\nm1,1,2,3,0\n", 3, "tpot_s",
               "expected a positive time, got '0'");
    expect_bad("model,batch,prompt_len,gen_len,tp,ttft_s\nm1,1,2,3,1.5,0.1\n", 2, "tp",
               "expected a whole number >= 1, got '1.5'");
    expect_bad("model,batch,prompt_len,gen_len,attention,ttft_s\nm1,1,2,3,fast,0.1\n", 2,
               "attention", "expected flash or eager, got 'fast'");
    expect_bad("model,batch,prompt_len,gen_len,ttft_s,tpot_s\nm1,1,2,3,,\n", 2, "",
               "expected a measured value");
}

/* An end-to-end file: a row per measured value, the models named once
 * each, in order of appearance. */
static void
test_end_to_end_read(void **state)
{
    (void)state;
    char *f = tu_tmpfile("model,batch,prompt_len,gen_len,ttft_s,tpot_s,output_tokens_per_s\n"
                         "a/b,1,128,32,0.01,0.005,\n"
                         "c/d,2,128,32,,,100\n"
                         "a/b,4,256,32,0.02,0.006,300\n",
                         ".csv");
    lr_error err;
    memset(&err, 0, sizeof err);
    lr_calib *c = lr_calib_new();
    assert_int_equal(lr_calib_read(c, f, NULL, &err), 0);
    assert_int_equal(lr_calib_rows(c), 2 + 1 + 3);
    assert_int_equal(lr_calib_model_count(c), 2);
    assert_string_equal(lr_calib_model_name(c, 0), "a/b");
    assert_string_equal(lr_calib_model_name(c, 1), "c/d");
    assert_null(lr_calib_model_name(c, 2));
    assert_int_equal(lr_calib_has_kernels(c), 0);
    lr_calib_free(c);
    unlink(f);
    free(f);
}

/* The written file loads, changes the expected time of a GEMM to what its
 * fitted parameters say, and leaves the ideal engine at the roofline. */
static void
test_written_file_applies(void **state)
{
    (void)state;
    /* rows from compute-bound GEMMs at 2/3 of the measured peak rate:
     * 2 m n k / (989.5e12 x 2/3) with m = n = k = 8192 is 1.667 ms */
    char csv[512];
    double t = 2.0 * 8192 * 8192 * 8192 / (989.5e12 * 2 / 3);
    snprintf(csv, sizeof csv,
             "m,n,k,latency_ms\n8192,8192,8192,%.17g\n16384,8192,8192,%.17g\n"
             "8192,16384,8192,%.17g\n",
             t * 1e3, 2 * t * 1e3, 2 * t * 1e3);
    char *f = tu_tmpfile(csv, ".csv");
    lr_error err;
    lr_profile *p = tu_profile(TU_DEFAULT, NULL);
    lr_hwdb *db = tu_hw();
    const lr_hw *hw = lr_hwdb_find(db, "h100-sxm");
    lr_calib *c = lr_calib_new();
    assert_int_equal(lr_calib_read(c, f, NULL, &err), 0);
    lr_calib_opts o = {"pytorch", -1, 0, 0};
    assert_int_equal(lr_calib_fit(c, p, hw, &o, &err), 0);
    char *out = tu_tmpfile("", ".json");
    FILE *fp = fopen(out, "w");
    lr_jw w;
    lr_jw_init(&w, fp, 1);
    lr_jw_calibration(&w, c);
    fclose(fp);

    const char *names[] = {"in_features", "out_features"}, *vals[] = {"8192", "8192"};
    double before =
        model_time(p, hw, "torch.nn.Linear", names, vals, 2, 8192, 1, 0, LR_PREFILL, "matmul");
    lr_profile *q = tu_profile(TU_DEFAULT, NULL);
    assert_int_equal(lr_profile_add_efficiency(q, out, &err), 0);
    double after =
        model_time(q, hw, "torch.nn.Linear", names, vals, 2, 8192, 1, 0, LR_PREFILL, "matmul");
    /* before: the shipped parameters of hopper (test_shipped_fit_applies
     * checks them), other than the rows' 2/3 of peak; fitted: t */
    assert_true(fabs(before - t) > 0.05 * t);
    near(after, t, 0.01, "fitted GEMM time");

    /* the ideal engine: expected == roofline, calibration or not */
    lr_arch *a = tu_model("meta-llama/Llama-2-7b-hf");
    lr_plan *plan = lr_plan_new(a, lr_profile_db(q), &err);
    lr_result *r = lr_result_new(plan);
    lr_settings s;
    lr_settings_default(&s);
    snprintf(s.engine, sizeof s.engine, "ideal");
    assert_int_equal(lr_analyze(plan, q, hw, &s, 1, 1, r, &err), 0);
    for (int st = 0; st < 2; st++)
        for (size_t i = 0; i < r->stage[st].nops; i++)
            assert_true(r->stage[st].ops[i].expected_time_s == r->stage[st].ops[i].time_s);
    lr_result_free(r);
    lr_plan_free(plan);
    lr_arch_free(a);
    lr_profile_free(q);
    lr_calib_free(c);
    lr_hwdb_free(db);
    lr_profile_free(p);
    unlink(f), unlink(out);
    free(f), free(out);
}

/* One GEMM's expected time by hand from parameters: m = n = k = 8192,
 * 16-bit, on the H100 SXM (989.5 TFLOP/s, 3.35 TB/s), no CUDA graphs:
 * F = 2 x 8192^3, B = weights + input + output = 3 x 8192^2 x 2 bytes. */
static double
gemm_by_hand(double ce, double be, double m_half, double ramp, double overhead)
{
    double m = 8192, f = 2 * m * m * m, b = 3 * m * m * 2;
    double tc = f / (989.5e12 * ce * m / (m + m_half)), tm = b / (3.35e12 * be) + ramp;
    return sqrt(tc * tc + tm * tm) + overhead;
}

static double
num_at(json_t *root, const char *key)
{
    json_t *v = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(root, "classes"), "hopper"), "kinds"),
            "matmul"),
        key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

/* The shipped fit (data/efficiency/kernels-hopper.json) loads with the
 * default profile and sets an H100 GEMM's expected time to what its
 * parameters give by hand (kernel_overhead_s is not fitted: the initial
 * 3 us of eager launches), unlike the initial parameters. */
static void
test_shipped_fit_applies(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_load_file(LR_DATA_DIR "/efficiency/kernels-hopper.json", 0, &je);
    assert_non_null(root);
    double want = gemm_by_hand(num_at(root, "compute_eff"), num_at(root, "bandwidth_eff"),
                               num_at(root, "gemm_m_half"), num_at(root, "bandwidth_ramp_s"), 3e-6);
    double initial = gemm_by_hand(0.71, 0.8, 64, 1e-6, 3e-6);
    json_decref(root);
    lr_profile *p = tu_profile(TU_DEFAULT, NULL);
    lr_hwdb *db = tu_hw();
    const char *names[] = {"in_features", "out_features"}, *vals[] = {"8192", "8192"};
    double got = model_time(p, lr_hwdb_find(db, "h100-sxm"), "torch.nn.Linear", names, vals, 2,
                            8192, 1, 0, LR_PREFILL, "matmul");
    near(got, want, 1e-9, "H100 GEMM with the shipped fit");
    assert_true(fabs(got - initial) > 0.01 * initial);
    lr_hwdb_free(db);
    lr_profile_free(p);
}

/* A number at a path of keys in a JSON file of the data directory. */
static double
data_num(const char *file, const char *const *keys, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", LR_DATA_DIR, file);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    assert_non_null(root);
    json_t *v = root;
    for (size_t i = 0; i < n; i++)
        v = json_object_get(v, keys[i]);
    assert_true(json_is_number(v));
    double x = json_number_value(v);
    json_decref(root);
    return x;
}

/* The FlashAttention op of LlamaSdpaAttention (16 heads of 128, 4 x 4096
 * tokens, causal, the FA benchmarks' shape) in prefill on an H100 SXM with
 * `engine`, and its expected time by hand from its own FLOPs and bytes (the
 * counting is tested elsewhere; this checks which parameters apply): peak
 * 989.5 TFLOP/s (FP16 dense), 3.35 TB/s, p = 2 (initial.json), no CUDA
 * graphs in prefill for either engine, so the eager 3 us launch. */
static void
flash_by_hand(lr_profile *p, const lr_hw *hw, const char *engine, double ce, double be, double ramp,
              double *got, double *want)
{
    lr_error err;
    const char *names[] = {"hidden_size", "num_heads", "num_kv_heads", "head_dim"};
    const char *vals[] = {"2048", "16", "16", "128"};
    lr_arch *a = lr_op_arch(lr_profile_db(p), "LlamaSdpaAttention", names, vals, 4, &err);
    assert_non_null(a);
    lr_plan *plan = lr_plan_new(a, lr_profile_db(p), &err);
    assert_non_null(plan);
    lr_result *r = lr_result_new(plan);
    lr_settings s;
    lr_settings_default(&s);
    snprintf(s.engine, sizeof s.engine, "%s", engine);
    s.batch = 4;
    s.seq_len = 4096;
    s.flash = 1;
    assert_int_equal(lr_analyze(plan, p, hw, &s, 1, 0, r, &err), 0);
    const lr_op *o = tu_op(&r->stage[LR_PREFILL], "flash_attention");
    assert_non_null(o);
    double tc = o->v[LR_F_FLOPS] / (989.5e12 * ce), tm = o->bytes / (3.35e12 * be) + ramp;
    *want = sqrt(tc * tc + tm * tm) + 3e-6;
    *got = o->expected_time_s;
    lr_result_free(r);
    lr_plan_free(plan);
    lr_arch_free(a);
}

/* The pytorch preset's own prefill attention values (data/engines/
 * pytorch.json, classes.hopper, fitted on the FlashAttention benchmarks by
 * scripts/fit-kernel-attention.py) apply to an H100's FlashAttention op
 * with --engine pytorch, the class's ramp held; vllm keeps the kernel
 * tables' values (kernels-hopper.json), whose bandwidth efficiency is a
 * third of pytorch's: the two times differ. */
static void
test_pytorch_prefill_attention_applies(void **state)
{
    (void)state;
    const char *k_py[] = {"classes", "hopper", "kinds", "attention@prefill", "compute_eff"};
    const char *k_cls[] = {"classes", "hopper", "kinds", "attention@prefill", "compute_eff"};
    double ce_py = data_num("engines/pytorch.json", k_py, 5);
    k_py[4] = "bandwidth_eff";
    double be_py = data_num("engines/pytorch.json", k_py, 5);
    double ce = data_num("efficiency/kernels-hopper.json", k_cls, 5);
    k_cls[4] = "bandwidth_eff";
    double be = data_num("efficiency/kernels-hopper.json", k_cls, 5);
    k_cls[4] = "bandwidth_ramp_s";
    double ramp = data_num("efficiency/kernels-hopper.json", k_cls, 5);
    lr_profile *p = tu_profile(TU_DEFAULT, NULL);
    lr_hwdb *db = tu_hw();
    const lr_hw *hw = lr_hwdb_find(db, "h100-sxm");
    double got_py, want_py, got_vllm, want_vllm;
    flash_by_hand(p, hw, "pytorch", ce_py, be_py, ramp, &got_py, &want_py);
    flash_by_hand(p, hw, "vllm", ce, be, ramp, &got_vllm, &want_vllm);
    near(got_py, want_py, 1e-9, "pytorch FlashAttention on H100");
    near(got_vllm, want_vllm, 1e-9, "vllm FlashAttention on H100");
    assert_true(fabs(got_py - got_vllm) > 0.05 * got_vllm);
    lr_hwdb_free(db);
    lr_profile_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovers_known_parameters),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_end_to_end_read),
        cmocka_unit_test(test_written_file_applies),
        cmocka_unit_test(test_shipped_fit_applies),
        cmocka_unit_test(test_pytorch_prefill_attention_applies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
