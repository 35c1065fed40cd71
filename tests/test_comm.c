/*
 * test_comm.c: communication time from measurements (lr_hw_comm_time over
 * data/hardware/collectives.json, made by scripts/fit_collectives.py from
 * ../shared/kernels). Each expected time is a raw row of the measured
 * tables (cited: file, line, row) or follows from such rows by hand.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry/registry.h"
#include "testutil.h"

static void
close_to(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-12 * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static const lr_hw *
hw_of(const lr_hwdb *db, const char *id)
{
    const lr_hw *h = lr_hwdb_find(db, id);
    assert_non_null(h);
    assert_non_null(h->comm);
    return h;
}

/* H100 SXM, the all-reduce of vLLM (custom_allreduce.csv.gz of h100_sxm).
 * The message is the tensor's bytes, 2 x message_elems. */
static void
test_measured_points(void **state)
{
    (void)state;
    lr_hwdb *db = tu_hw();
    const lr_hw *h = hw_of(db, "h100-sxm");
    assert_string_equal(lr_hw_comm_class(h), "h100_sxm");
    /* line 104: vLLM_custom_graph,bfloat16,8,4096,0.005108159780502319 ms:
     * 8 GPUs, 8,192 B (Llama-2-7b's decode all-reduce at batch 1, tp 8) */
    close_to(lr_hw_comm_time(h, LR_COLL_ALL_REDUCE, 8, 8192, 1, 0, 0), 0.005108159780502319e-3,
             "all_reduce 8 GPUs 8 KiB");
    /* between line 106 (8192 elems = 16,384 B: 0.005310080051422119 ms) and
     * line 108 (32,768 B: 0.00558080017566681 ms), log-log at 24,576 B:
     * f = log(1.5) / log(2) = 0.5849625, t = 5.31008e-6 x (5.5808e-6 /
     * 5.31008e-6)^f = 5.466804836734245e-06 s */
    close_to(lr_hw_comm_time(h, LR_COLL_ALL_REDUCE, 8, 24576, 1, 0, 0), 5.466804836734245e-06,
             "all_reduce between points");
    /* below the smallest measured size (line 94: 128 elems = 256 B,
     * 0.004713279902935028 ms) the floor */
    close_to(lr_hw_comm_time(h, LR_COLL_ALL_REDUCE, 8, 16, 1, 0, 0), 0.004713279902935028e-3,
             "all_reduce floor");
    /* above the largest (line 138: 536870912 elems = 1 GiB, 4.009240417480468
     * ms) scaled with the bytes: 2 GiB takes twice */
    close_to(lr_hw_comm_time(h, LR_COLL_ALL_REDUCE, 8, 2147483648.0, 1, 0, 0),
             2 * 4.009240417480468e-3, "all_reduce above");
    /* a pipeline send of 8,192 B is a 2-GPU all-gather of 16,384 B (nccl.csv.gz
     * line 7: all_gather,half,2,8192,16384,0.006240000000000001 ms) */
    close_to(lr_hw_comm_time(h, LR_COLL_SEND, 2, 8192, 1, 8192, 1), 0.006240000000000001e-3,
             "send");
    /* the all-to-all of a MoE block: dispatch and combine, 2 calls of an
     * 8-GPU all-to-all of 65,536 B (nccl.csv.gz line 387:
     * alltoall,half,8,32768,65536,0.00871 ms) */
    close_to(lr_hw_comm_time(h, LR_COLL_ALL_TO_ALL, 8, 65536, 2, 0, 0), 2 * 0.00871e-3,
             "all_to_all x2");
    lr_hwdb_free(db);
}

/* Hardware without a measured class (GB200: NVLink 5 at 900e9 B/s per
 * direction, no curve) takes the default latency of the collective at its
 * device count (the median of the five classes' smallest-message times:
 * all_reduce at 8 GPUs 7.423999905586243e-06 s, b200_sxm's
 * custom_allreduce.csv.gz row vLLM_custom_graph,bfloat16,8,128) plus the
 * ring's wire bytes over the link: 2 x 7/8 x 8,192 / 900e9. A device count
 * without a curve (16) takes the 8-GPU default. */
static void
test_fallback(void **state)
{
    (void)state;
    lr_hwdb *db = tu_hw();
    const lr_hw *h = hw_of(db, "gb200");
    assert_null(lr_hw_comm_class(h));
    double wire = 2.0 * 7 / 8 * 8192;
    close_to(lr_hw_comm_time(h, LR_COLL_ALL_REDUCE, 8, 8192, 1, wire, 14),
             7.423999905586243e-06 + wire / 900e9, "gb200 all_reduce");
    close_to(
        lr_hw_comm_time(lr_hwdb_find(db, "h100-sxm"), LR_COLL_ALL_REDUCE, 16, 8192, 1, wire, 30),
        7.423999905586243e-06 + wire / 450e9, "h100 at 16 GPUs");
    /* a hardware table that states a per-hop latency keeps it where no curve
     * applies: 14 hops x 3e-6 */
    lr_hw own = *h;
    own.link_latency = 3e-6;
    close_to(lr_hw_comm_time(&own, LR_COLL_ALL_REDUCE, 8, 8192, 1, wire, 14),
             wire / 900e9 + 14 * 3e-6, "per-hop latency");
    /* an op that names no collective: bytes over the link plus its hops */
    close_to(lr_hw_comm_time(&own, -1, 0, 0, 1, wire, 2), wire / 900e9 + 2 * 3e-6, "no collective");
    lr_hwdb_free(db);
}

/* A hardware entry naming a class no collectives table has is refused. */
static void
test_unknown_class(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmroof-comm.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/hw.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"hardware\": [{\"id\": \"x\", \"peak_flops\": {\"fp16\": 1e12}, "
          "\"memory_bandwidth\": 1e12, \"collectives\": \"nvlink9\"}],\n"
          " \"collectives\": {}, \"default_latency_s\": {}}\n",
          f);
    fclose(f);
    lr_error err;
    assert_null(lr_hwdb_load(dir, &err));
    assert_string_equal(err.path, "default_latency_s");
    f = fopen(path, "w");
    fputs("{\"hardware\": [{\"id\": \"x\", \"peak_flops\": {\"fp16\": 1e12}, "
          "\"memory_bandwidth\": 1e12, \"collectives\": \"nvlink9\"}]}\n",
          f);
    fclose(f);
    assert_null(lr_hwdb_load(dir, &err));
    assert_non_null(strstr(err.msg, "collectives 'nvlink9' is not a class"));
    /* a curve whose sizes do not increase */
    f = fopen(path, "w");
    fputs("{\"collectives\": {\"c\": {\"all_reduce\": {\"2\": [[512, 1e-5], [256, 2e-5]]}}}}\n", f);
    fclose(f);
    assert_null(lr_hwdb_load(dir, &err));
    assert_string_equal(err.path, "collectives.c.all_reduce.2");
    assert_non_null(strstr(err.msg, "bytes increasing"));
    remove(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measured_points),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_unknown_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
