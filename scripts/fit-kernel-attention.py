#!/usr/bin/env python3
"""fit-kernel-attention.py: fits the `pytorch` engine preset's own prefill
attention parameters (`compute_eff`, `bandwidth_eff` of the kind
`attention@prefill`, data/engines/pytorch.json) on the FlashAttention
benchmark records (category kernel_attention) of the TRAINING half of the
published measurements (../shared/measured/published-train.json): the
engine's own value on all of them (`params`), and one per hardware class
with at least MIN_ROWS compared rows (`classes`).

    python3 scripts/fit-kernel-attention.py [../shared/measured/published-train.json] [build/llmroof] [--dry-run]

Why. The classes' attention@prefill values are fitted on aiconfigurator's
context-attention tables (scripts/fit-efficiency.sh), which time vLLM's
whole attention call (paged KV-cache write, metadata, the kernel): a low
bandwidth and compute efficiency that the bare FlashAttention-2/3 forward
kernels, which eager PyTorch runs and the benchmarks time, do not have
(docs/expected-time.md). The serving engines (vllm, sglang, trtllm,
lmdeploy) keep the kernel tables' values; the pytorch preset gets its own.
Run it after scripts/fit-efficiency.sh; it reads and writes pytorch.json
only. Python 3 standard library only; CI does not run it (the fitted values
are committed).

How. Each record is predicted as scripts/report-measured.py predicts it
(its attention_cases: `llmroof op LlamaSdpaAttention --attention flash`
with the benchmark's batch, length, heads, head dim and causality, engine
pytorch); the one attention op of each case is kept. Over a copy of the data
directory whose pytorch preset has no attention@prefill values of its own
(an empty user efficiency directory), two probe runs set them to p = 1,
bandwidth_ramp_s = 0, kernel_overhead_s = 0, bandwidth_eff = 1 and
compute_eff 1, then 0.5, which gives the op's compute time at full
efficiency tc = t(0.5) - t(1) and its memory time tm = 2 t(1) - t(0.5)
(the per-op formula, docs/expected-time.md: t = count x (combine_p(tc /
compute_eff, tm / bandwidth_eff + ramp) + kernel overhead)). The values not
fitted (p, bandwidth_ramp_s, kernel_overhead_s: pytorch runs kernel by
kernel) are the class's, resolved from data/efficiency/ in the documented
order; a third run with no probe values (the model as it stands without
this fit) must agree with the formula at the resolved values to 1e-6, or
the script stops. compute_eff and bandwidth_eff, in [0.05, 1] (the roofline
stays the bound), minimise the mean squared log error of predicted against
measured by alternating golden-section searches in log space. After
writing, a last run of the real data checks that llmroof predicts what the
fit computed.

Nothing measured is written: only the two values per block and the fit's
summary (rows, median |error|, p10 / p90 of measured / predicted, before
and after) under `_attention_fit`.
"""
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
DRY = "--dry-run" in sys.argv
sys.argv = [sys.argv[0]] + args  # report-measured.py reads DATA and BIN from argv
spec = importlib.util.spec_from_file_location("report_measured",
                                              os.path.join(HERE, "report-measured.py"))
rm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rm)
# the hardware classes as the library finds them: fit-engines.py's reading
spec = importlib.util.spec_from_file_location("fit_engines", os.path.join(HERE, "fit-engines.py"))
fe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fe)

DATA_DIR = os.path.join(HERE, "..", "data")
PRESET = os.path.join(DATA_DIR, "engines", "pytorch.json")
KIND, OP_KIND, STAGE = "attention@prefill", "attention", "attention@prefill"
FITTED = ("compute_eff", "bandwidth_eff")
HELD = ("p", "bandwidth_ramp_s", "kernel_overhead_s")
E_MIN, E_MAX = 0.05, 1.0
MIN_ROWS = 5


def resolve(cls):
    """The held parameters of prefill attention on class cls from
    data/efficiency/ (docs/expected-time.md, levels 1 and 2: each file's
    defaults in file-name order, then the class in each file; within a
    block its parameters, then the kind's, then the kind's in the stage)."""
    files = [json.load(open(os.path.join(DATA_DIR, "efficiency", f)))
             for f in sorted(os.listdir(os.path.join(DATA_DIR, "efficiency")))
             if f.endswith(".json")]
    blocks = [f.get("defaults", {}) for f in files]
    blocks += [f.get("classes", {}).get(cls, {}) for f in files if cls]
    v = {}
    for b in blocks:
        for blk in (b, b.get("kinds", {}).get(OP_KIND, {}), b.get("kinds", {}).get(STAGE, {})):
            v.update({k: blk[k] for k in HELD + FITTED if k in blk})
    return v


def combine(hi, lo, p):
    """The per-op combination of compute and memory time (expected.c)."""
    hi, lo = max(hi, lo), min(hi, lo)
    if p == 0 or hi == 0:
        return hi
    return hi * (1 + (lo / hi) ** p) ** (1 / p)


def predict(row, ce, be):
    _, count, tc, tm, held, _ = row
    return count * (combine(tc / ce, tm / be + held["bandwidth_ramp_s"], held["p"]) +
                    held["kernel_overhead_s"])


def loss(rows, ce, be):
    return sum(math.log(predict(r, ce, be) / r[0]) ** 2 for r in rows) / len(rows)


def fit(rows):
    """compute_eff, bandwidth_eff minimising the mean squared log error."""
    x = [0.5, 0.5]
    lo, hi = math.log(E_MIN), math.log(E_MAX)
    for _ in range(60):
        x[0] = math.exp(fe.golden(lambda v: loss(rows, math.exp(v), x[1]), lo, hi, 1e-9))
        x[1] = math.exp(fe.golden(lambda v: loss(rows, x[0], math.exp(v)), lo, hi, 1e-9))
    return x


def quant(xs, q):
    return rm.quant(xs, q)


def summary(rows, pred):
    ratio = sorted(r[0] / p for r, p in zip(rows, pred))
    err = sorted(abs(1 / q - 1) for q in ratio)
    return {"rows": len(rows), "median_abs_err": round(quant(err, 0.5), 4),
            "p10": round(quant(ratio, 0.1), 3), "p90": round(quant(ratio, 0.9), 3)}


def strip(data):
    """The preset without its own attention@prefill values."""
    for blk in [data.get("params", {})] + list(data.get("classes", {}).values()):
        blk.get("kinds", {}).pop(KIND, None)
        if "kinds" in blk and not blk["kinds"]:
            blk.pop("kinds")
    for c in [c for c, blk in data.get("classes", {}).items() if not blk]:
        data["classes"].pop(c)
    for k in ("params", "classes"):
        if k in data and not data[k]:
            data.pop(k)
    data.pop("_attention_fit", None)
    return data


def attention_op(args):
    """(count, expected time) of the case's one attention op."""
    j = rm.run_json(args)
    ops = [o for o in j["prefill"]["ops"] if o["kind"] == OP_KIND] if j else []
    if len(ops) != 1:
        sys.exit("fit-kernel-attention.py: expected one attention op from llmroof %s" %
                 " ".join(args))
    return ops[0]["count"], ops[0]["expected_time_s"]


def cases(recs):
    """[(measured, args, hardware id)] of the kernel_attention records."""
    rm.HW = rm.hw_ids()
    out = []
    for r in recs:
        if r["category"] != "kernel_attention":
            continue
        hw = rm.hardware_of(r.get("hardware"))
        if hw is None or hw not in rm.HW:
            continue
        out += [(m, a, hw) for m, a in rm.attention_cases(r, hw)]
    return out


def probe_rows(cs, tmp):
    """[(measured, count, tc, tm, held, class)] from the probe runs."""
    dst = os.path.join(tmp, "data")
    shutil.copytree(DATA_DIR, dst)
    os.mkdir(os.path.join(tmp, "user"))
    os.environ["LLMROOF_DATA"] = dst
    os.environ["LLMROOF_EFFICIENCY_DIR"] = os.path.join(tmp, "user")
    path = os.path.join(dst, "engines", "pytorch.json")
    base = strip(json.load(open(PRESET)))

    def run(block):
        data = json.loads(json.dumps(base))
        if block:
            data.setdefault("params", {}).setdefault("kinds", {})[KIND] = block
        with open(path, "w") as f:
            json.dump(data, f)
        return [attention_op(a) for _, a, _ in cs]

    probe = {"p": 1, "bandwidth_ramp_s": 0, "kernel_overhead_s": 0, "bandwidth_eff": 1}
    t1 = run(dict(probe, compute_eff=1))
    t2 = run(dict(probe, compute_eff=0.5))
    t0 = run(None)
    rules = fe.class_of, fe.class_rules()
    rows = []
    for (m, a, hw), (n, e1), (_, e2), (_, e0) in zip(cs, t1, t2, t0):
        cls = rules[0](hw, rules[1])
        held = resolve(cls)
        row = (m, n, e2 - e1, 2 * e1 - e2, held, cls or "?")
        now = predict(row, held["compute_eff"], held["bandwidth_eff"])
        if abs(now / (n * e0) - 1) > 1e-6:
            sys.exit("fit-kernel-attention.py: the formula gives %.6g s, llmroof %.6g s for %s"
                     % (now, n * e0, " ".join(a)))
        rows.append(row)
    return rows


def rnd(v):
    return float("%.4g" % v)


def main():
    recs = json.load(open(rm.DATA))
    cs = cases(recs)
    with tempfile.TemporaryDirectory() as tmp:
        rows = probe_rows(cs, tmp)
    before = summary(rows, [predict(r, r[4]["compute_eff"], r[4]["bandwidth_eff"]) for r in rows])
    blocks = {"*": [rnd(v) for v in fit(rows)]}
    per = {}
    for c in sorted({r[5] for r in rows} - {"?"}):
        mine = [r for r in rows if r[5] == c]
        per[c] = len(mine)
        if len(mine) >= MIN_ROWS:
            blocks[c] = [rnd(v) for v in fit(mine)]
    after = summary(rows, [predict(r, *blocks.get(r[5], blocks["*"])) for r in rows])
    for k, v in blocks.items():
        print("%-8s compute_eff %.4g  bandwidth_eff %.4g" % (k, v[0], v[1]))
    print("kernel_attention: %d rows, median |err| %.1f%% -> %.1f%%, p10/p90 %.2f/%.2f -> %.2f/%.2f"
          % (len(rows), 100 * before["median_abs_err"], 100 * after["median_abs_err"],
             before["p10"], before["p90"], after["p10"], after["p90"]))
    if DRY:
        return
    data = strip(json.load(open(PRESET)))
    params = data.setdefault("params", {})
    params.setdefault("kinds", {})[KIND] = dict(zip(FITTED, blocks["*"]))
    for c in sorted(blocks):
        if c != "*":
            blk = data.setdefault("classes", {}).setdefault(c, {})
            blk.setdefault("kinds", {})[KIND] = dict(zip(FITTED, blocks[c]))
    data["_attention_fit"] = {
        "source": "scripts/fit-kernel-attention.py on ../shared/measured/published-train.json "
                  "(the TRAINING half), its kernel_attention records only (FlashAttention-2/3 "
                  "forward benchmarks); params: all rows; classes with at least %d rows: their "
                  "own; p, bandwidth_ramp_s and kernel_overhead_s: the class's" % MIN_ROWS,
        "rows_per_class": per, "before": before, "after": after}
    tmp = PRESET + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, PRESET)
    # the committed preset must predict what the fit computed
    os.environ.pop("LLMROOF_DATA", None)
    with tempfile.TemporaryDirectory() as user:
        os.environ["LLMROOF_EFFICIENCY_DIR"] = user
        for (m, a, hw), r in zip(cs, rows):
            n, e = attention_op(a)
            want = predict(r, *blocks.get(r[5], blocks["*"]))
            if abs(n * e / want - 1) > 1e-6:
                sys.exit("fit-kernel-attention.py: llmroof predicts %.6g s, the fit %.6g s for %s"
                         % (n * e, want, " ".join(a)))


if __name__ == "__main__":
    main()
