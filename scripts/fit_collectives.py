#!/usr/bin/env python3
"""fit_collectives.py: derives data/hardware/collectives.json (the time of
all-reduce, all-gather, reduce-scatter and all-to-all by message size and
GPU count, per measured interconnect) from NVIDIA's measured tables in
../shared/kernels/ (aiconfigurator, Apache-2.0; see its README.md).

Python 3 standard library only. CI does not run it (CI has no python3): the
output is committed; rerun it after the raw tables change:

    python3 scripts/fit_collectives.py ../shared/kernels > data/hardware/collectives.json

What it writes, per GPU class and collective, is the measured curve itself
(message bytes -> seconds, one point per measured size), which llmroof
interpolates log-log between points; below the smallest size it takes the
smallest size's time (the latency floor), above the largest it scales the
largest size's time with the bytes (bandwidth-bound). Which table feeds
which collective:

- all_reduce: custom_allreduce.csv.gz, kernel_source vLLM_custom_graph
  (whatever vLLM's tensor_model_parallel_all_reduce dispatches: its custom
  kernel, symmetric memory or NCCL; CUDA-graph replays, as vLLM decodes),
  bfloat16; message = the tensor's bytes (2 x message_elems).
- all_gather, reduce_scatter, all_to_all: nccl.csv.gz, nccl_dtype half
  (nccl-tests, out-of-place); message = nccl-tests' size (message_bytes):
  the gathered output of an all-gather, the input of a reduce-scatter, the
  send buffer of an all-to-all.

Repeated keys keep their first row (aiconfigurator's loaders do the same).

Training error, written into the file and quoted in docs/hardware.md:
- "interpolation": each interior point predicted from its two neighbours
  by the same log-log interpolation (leave one out), |predicted / measured
  - 1| over all interior points: median, 90th percentile and max.
- "fallback": the model used for hardware without a measured curve,
  t = default latency + wire bytes / link bandwidth (the class's
  intra_node_bw_bytes_per_s from gpus.csv; wire bytes of a ring:
  2 (N - 1) / N x message for an all-reduce, (N - 1) / N x message for the
  others), against every measured point of every class.

The default latency of a collective at N GPUs is the median over the
measured classes of the time of its smallest message.
"""
import csv
import gzip
import json
import os
import statistics
import sys

CLASSES = [
    # (folder under ../shared/kernels, the link in words)
    ("a100_sxm", "NVLink 3 through NVSwitch (HGX A100, 8 GPUs)"),
    ("h100_sxm", "NVLink 4 through NVSwitch (HGX H100, 8 GPUs)"),
    ("b200_sxm", "NVLink 5 through NVSwitch (HGX B200, 8 GPUs)"),
    ("l40s", "PCIe Gen4 x16 (no NVLink)"),
    ("rtx_pro_6000_server", "PCIe Gen5 x16 (no NVLink)"),
]
NCCL = {"all_gather": "all_gather", "reduce_scatter": "reduce_scatter", "all_to_all": "alltoall"}
COLLECTIVES = ["all_reduce", "all_gather", "reduce_scatter", "all_to_all"]


def rows(path):
    with gzip.open(path, "rt", newline="") as f:
        yield from csv.DictReader(f)


def read_class(root, gpu):
    """{collective: {n: [(bytes, seconds)]}} and the source lines."""
    curves = {c: {} for c in COLLECTIVES}
    seen = set()
    for r in rows(os.path.join(root, gpu, "custom_allreduce.csv.gz")):
        if r["kernel_source"] != "vLLM_custom_graph" or r["allreduce_dtype"] != "bfloat16":
            continue
        n, elems = int(r["num_gpus"]), int(r["message_elems"])
        if ("ar", n, elems) in seen:
            continue
        seen.add(("ar", n, elems))
        curves["all_reduce"].setdefault(n, []).append((2 * elems, float(r["latency_ms"]) / 1e3))
    for r in rows(os.path.join(root, gpu, "nccl.csv.gz")):
        if r["nccl_dtype"] != "half":
            continue
        for ours, theirs in NCCL.items():
            if r["collective"] != theirs:
                continue
            n, b = int(r["num_gpus"]), int(r["message_bytes"])
            if (ours, n, b) in seen:
                continue
            seen.add((ours, n, b))
            curves[ours].setdefault(n, []).append((b, float(r["latency_ms"]) / 1e3))
    for c in curves.values():
        for n in c:
            c[n].sort()
    return curves


def interp(points, m):
    """The C lookup (src/registry/hardware.c lr_hw_collective_time), again."""
    import math

    if m <= points[0][0]:
        return points[0][1]
    if m >= points[-1][0]:
        return points[-1][1] * m / points[-1][0]
    for (b0, t0), (b1, t1) in zip(points, points[1:]):
        if b0 <= m <= b1:
            f = (math.log(m) - math.log(b0)) / (math.log(b1) - math.log(b0))
            return math.exp(math.log(t0) + f * (math.log(t1) - math.log(t0)))
    raise ValueError(m)


def wire(coll, n, m):
    return (2.0 if coll == "all_reduce" else 1.0) * (n - 1) / n * m


def summary(errs):
    errs = sorted(errs)
    return {
        "points": len(errs),
        "median": round(statistics.median(errs), 4),
        "p90": round(errs[int(0.9 * (len(errs) - 1))], 4),
        "max": round(errs[-1], 4),
    }


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/kernels"
    link = {}
    with open(os.path.join(root, "gpus.csv"), newline="") as f:
        for r in csv.DictReader(f):
            link[r["gpu"]] = float(r["intra_node_bw_bytes_per_s"])
    data = {gpu: read_class(root, gpu) for gpu, _ in CLASSES}
    # default latency: median over classes of the smallest message's time
    default = {}
    for c in COLLECTIVES:
        default[c] = {}
        for n in (2, 4, 8):
            floors = [data[g][c][n][0][1] for g, _ in CLASSES if n in data[g][c]]
            default[c][str(n)] = statistics.median(floors)
    loo, fb = [], []
    for gpu, _ in CLASSES:
        for c in COLLECTIVES:
            for n, pts in data[gpu][c].items():
                for i in range(1, len(pts) - 1):
                    pred = interp(pts[:i] + pts[i + 1 :], pts[i][0])
                    loo.append(abs(pred / pts[i][1] - 1))
                for b, t in pts:
                    pred = default[c][str(n)] + wire(c, n, b) / link[gpu]
                    fb.append(abs(pred / t - 1))
    out = {
        "_comment": (
            "Generated by scripts/fit_collectives.py from ../shared/kernels (do not edit by "
            "hand; rerun: python3 scripts/fit_collectives.py ../shared/kernels > "
            "data/hardware/collectives.json). Measured times of one collective call, seconds, "
            "by message bytes, per GPU count, per interconnect class; hardware entries name "
            "their class in \"collectives\". docs/hardware.md says how llmroof uses them."
        ),
        "source": (
            "NVIDIA aiconfigurator (github.com/ai-dynamo/aiconfigurator, commit "
            "095f58a51c4ca8e61b66ec108d86f223f8d559ce, Apache-2.0), systems/data/<gpu>/comm: "
            "all_reduce from custom_allreduce (vLLM_custom_graph, bfloat16; message = tensor "
            "bytes), the others from nccl (nccl-tests, half; message = nccl-tests size)"
        ),
        "default_latency_s": {
            "_comment": (
                "for hardware without a measured class: the median over the classes below of "
                "the time of the smallest measured message, per collective and GPU count"
            ),
            **default,
        },
        "training_error": {
            "_comment": (
                "|predicted / measured - 1|. interpolation: each interior point from its "
                "neighbours (leave one out), all classes; fallback: default latency + ring "
                "wire bytes / the class's link bandwidth (gpus.csv intra_node_bw), every point"
            ),
            "interpolation": summary(loo),
            "fallback": summary(fb),
        },
        "collectives": {},
    }
    # one curve per line: [[bytes, seconds], ...]
    text = json.dumps(out, indent=1)[:-1].rstrip().rstrip("{}").rstrip()
    sys.stdout.write(text + " {\n")
    for k, (gpu, words) in enumerate(CLASSES):
        sys.stdout.write('  "%s": {\n   "link": %s,\n   "link_bandwidth": %s' % (gpu, json.dumps(words), json.dumps(link[gpu])))
        for c in COLLECTIVES:
            sys.stdout.write(',\n   "%s": {' % c)
            curves = sorted(data[gpu][c].items())
            for j, (n, pts) in enumerate(curves):
                line = json.dumps([[b, t] for b, t in pts], separators=(",", ":"))
                sys.stdout.write('%s\n    "%d": %s' % ("," if j else "", n, line))
            sys.stdout.write("\n   }")
        sys.stdout.write("\n  }%s\n" % ("," if k < len(CLASSES) - 1 else ""))
    sys.stdout.write(" }\n}\n")


if __name__ == "__main__":
    main()
