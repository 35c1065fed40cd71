#!/usr/bin/env python3
"""fit-engines.py: fits each engine preset's per-step overheads
(`step_overhead_s`) and its kernels' speed against the kernel-table model
(`time_scale`, the engine's own and per hardware class), each per stage
(prefill, decode), in data/engines/NAME.json,
on the TRAINING half of the published measurements
(../shared/measured/published-train.json), each engine only from its own
records, and writes them into the preset with the fit's residuals as a note
(`_fit`). An engine without records that move with a stage keeps its
documented initial values for that stage (overhead as written, scale 1).

    python3 scripts/fit-engines.py [../shared/measured/published-train.json] [build/llmroof] [--dry-run]

Run it after scripts/fit-efficiency.sh (the overheads are fitted on top of
the kernel efficiencies in data/efficiency/); rebuild nothing in between:
the engine presets are read from the data directory at run time. Python 3
standard library only; CI does not run it (the fitted values are committed).

How. The records are predicted exactly as scripts/report-measured.py
predicts them (same mapping of hardware, model, engine, precision and
metric; its header says how). Every compared quantity is a time (TTFT, the
mean TPOT, 1 / throughput = latency / generated tokens, a prompt's prefill)
and each forward pass adds its stage's step overhead once
(src/eval/expected.c), and the engine's time_scale multiplies every op
of its stage (src/eval/expected.c: the rates divided, the fixed times
multiplied), so every prediction is an exact linear form in the four values
of the record's engine:

    t = scale_prefill x P + scale_decode x Dc + e1 x step_prefill + e2 x step_decode

(P, Dc: the ops' expected time in prefill and in decode, without step
overheads; e1, e2: the forward passes of each stage, per unit of t). They
come from four runs of the whole set with every engine's (overheads; scales)
at (0, 0; 1, 1), (D, 0; 1, 1), (0, D; 1, 1) and (0, 0; 2, 1), D = 1 ms,
laid over the presets by a calibration file (`llmroof --calibration FILE`,
its "engines" section), over a copy of the data directory whose engine
presets have no time_scale (and an empty user efficiency directory), so the
values in the presets do not matter. Only records predicted with
`llmroof generate` take part (end_to_end, prefill, decode+prefill): kernel
records (engine pytorch) measure single kernels, which the kernel tables'
fit (and, for the FlashAttention benchmarks, the pytorch preset's own prefill
attention values, scripts/fit-kernel-attention.py) describes.

For each engine, the values minimising the mean squared log error (log of
predicted / measured) over its rows are found by alternating golden-section
searches (overheads in [0, 0.5] s, scales in [0.25, 4], in log), as
`llmroof calibrate` does for end-to-end rows (docs/calibrate.md):
1. the two overheads, shared by all hardware, with one scale per stage for
   each hardware class that has at least MIN_ROWS rows moving with that
   stage (the class of a hardware id as llmroof finds it: the classes of
   data/efficiency/, exact ids first, then patterns), and one scale per
   stage for the rest of the engine's rows;
2. the engine's own scale per stage (for classes without enough rows,
   including every class it has no records on): the scales fitted on all
   its rows, the overheads held.
A stage's values are fitted only when some row of the engine moves with
them (P or e1 > 0 for prefill, Dc or e2 > 0 for decode).

The engine's band (`params.band_low`, `band_high`: its expected times'
`expected_band`) is set to the 10th and 90th percentile of measured /
predicted over its rows after the fit, clamped to [0.01, 1] and [1, 100]
as `llmroof calibrate` clamps its band.

Nothing measured is written: only the four values, the band and the
residuals' summary (median |error|, p10/p90 of measured / predicted)
before and after.
"""
import fnmatch
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("report_measured",
                                              os.path.join(HERE, "report-measured.py"))
rm = importlib.util.module_from_spec(spec)
args = [a for a in sys.argv[1:] if not a.startswith("--")]
DRY = "--dry-run" in sys.argv
sys.argv = [sys.argv[0]] + args  # report-measured.py reads DATA and BIN from argv
spec.loader.exec_module(rm)

ENGINES_DIR = os.path.join(HERE, "..", "data", "engines")
DATA_DIR = os.path.join(HERE, "..", "data")
D = 1e-3
OV_MAX = 0.5
S_MIN, S_MAX = 0.25, 4.0
MIN_ROWS = 5
STAGES = ["prefill", "decode"]
GENERATED = ("category:end_to_end", "category:prefill", "category:decode+prefill")


def engine_names():
    return sorted(f[:-5] for f in os.listdir(ENGINES_DIR) if f.endswith(".json"))


def class_rules():
    """[(class, [patterns])] of data/efficiency/ in file and key order."""
    rules = []
    d = os.path.join(DATA_DIR, "efficiency")
    for f in sorted(os.listdir(d)):
        if f.endswith(".json"):
            for name, c in json.load(open(os.path.join(d, f))).get("classes", {}).items():
                if c.get("hardware"):
                    rules.append((name, c["hardware"]))
    return rules


def class_of(hw, rules):
    """lr_timing_class: the first class listing the id exactly, else the
    first whose pattern matches (no bundled hardware entry names its own)."""
    for name, pats in rules:
        if hw in pats:
            return name
    for name, pats in rules:
        if any(fnmatch.fnmatchcase(hw, p) for p in pats):
            return name
    return None


def probe_data_dir(tmp):
    """A copy of data/ whose engine presets have no time_scale."""
    dst = os.path.join(tmp, "data")
    shutil.copytree(DATA_DIR, dst)
    for name in engine_names():
        path = os.path.join(dst, "engines", name + ".json")
        data = json.load(open(path))
        data.pop("time_scale", None)
        for c in data.get("classes", {}).values():
            c.pop("time_scale", None)
        with open(path, "w") as f:
            json.dump(data, f)
    os.mkdir(os.path.join(tmp, "user"))
    return dst


def run_with(recs, tmp, ov, sc):
    """The Tally's items with every engine's overheads at ov, scales at sc."""
    cal = {"status": "fitted", "source": "scripts/fit-engines.py probe",
           "engines": {e: {"step_overhead_s": {"prefill": ov[0], "decode": ov[1]},
                           "time_scale": {"prefill": sc[0], "decode": sc[1]}}
                       for e in engine_names()}}
    path = os.path.join(tmp, "probe.json")
    with open(path, "w") as f:
        json.dump(cal, f)
    rm.PRE = ["--calibration", path]
    try:
        return rm.collect(recs).items
    finally:
        rm.PRE = []


def engine_of(keys):
    for k in keys:
        if k.startswith("engine:"):
            return k[len("engine:"):]
    return None


# A row: (measured, P, Dc, e1, e2, group); x: {"ov": [p, d], group: [sp, sd]}
def predict(row, x):
    _, p, dc, e1, e2, grp = row
    s = x[grp]
    return s[0] * p + s[1] * dc + e1 * x["ov"][0] + e2 * x["ov"][1]


def loss(rows, x):
    return sum(math.log(predict(r, x) / r[0]) ** 2 for r in rows) / len(rows)


def golden(f, a, b, tol):
    g = (math.sqrt(5) - 1) / 2
    while b - a > tol:
        x1, x2 = b - g * (b - a), a + g * (b - a)
        if f(x1) <= f(x2):
            b = x2
        else:
            a = x1
    return (a + b) / 2


def fit(rows, x, free):
    """Alternating golden-section searches over free = [(group, stage)]:
    group "ov" in seconds, the others (scales) in log space."""
    for _ in range(80):
        for grp, st in free:
            def f(v, grp=grp, st=st):
                old = x[grp][st]
                x[grp][st] = v if grp == "ov" else math.exp(v)
                r = loss(rows, x)
                x[grp][st] = old
                return r
            if grp == "ov":
                x[grp][st] = golden(f, 0.0, OV_MAX, 1e-10)
            else:
                x[grp][st] = math.exp(golden(f, math.log(S_MIN), math.log(S_MAX), 1e-9))
    return x


def summary(rows, x):
    ratio = sorted(r[0] / predict(r, x) for r in rows)
    err = sorted(abs(1 / q - 1) for q in ratio)
    return {"rows": len(rows), "median_abs_err": round(rm.quant(err, 0.5), 4),
            "p10": round(rm.quant(ratio, 0.1), 3), "p90": round(rm.quant(ratio, 0.9), 3)}


def probe_rows(recs, tmp):
    """{engine: [(measured, P, Dc, e1, e2, class)]} from the four probe runs."""
    runs = [run_with(recs, tmp, (0, 0), (1, 1)), run_with(recs, tmp, (D, 0), (1, 1)),
            run_with(recs, tmp, (0, D), (1, 1)), run_with(recs, tmp, (0, 0), (2, 1))]
    if len({len(r) for r in runs}) != 1:
        sys.exit("fit-engines.py: the probe runs compared different rows")
    rules = class_rules()
    rows = {}
    for items in zip(*runs):
        keys, m = items[0][0], items[0][1]
        if any(it[0] != keys or it[1] != m for it in items):
            sys.exit("fit-engines.py: the probe runs compared different rows")
        if not any(k in GENERATED for k in keys):
            continue
        t0, t1, t2, t3 = (it[2] for it in items)
        p = max(0.0, t3 - t0)
        rows.setdefault(engine_of(keys), []).append(
            (m, p, max(0.0, t0 - p), (t1 - t0) / D, (t2 - t0) / D,
             class_of(items[0][4], rules) or "?"))
    return rows


def moves(r, st):
    return r[1 + st] > 0 or r[3 + st] > 1e-12


def fit_engine(r, init):
    """The fitted values: {"ov": [..], "*": engine scales, CLASS: scales}."""
    stages = [st for st in (0, 1) if any(moves(q, st) for q in r)]
    x = {"ov": list(init["ov"]), "*": [1.0, 1.0]}
    classes = sorted({q[5] for q in r})
    own = {}  # class -> stages it has enough rows for
    for c in classes:  # "?": hardware of no class, never a class of its own
        own[c] = [st for st in stages if c != "?" and
                  sum(moves(q, st) for q in r if q[5] == c) >= MIN_ROWS]
    # 1. overheads, per-class scales and a scale for the rest, jointly: a
    # row whose class lacks its own scale in a stage it moves with is
    # fitted with the rest ("*")
    rows1 = []
    for q in r:
        mine = all(st in own[q[5]] for st in stages if moves(q, st))
        rows1.append(q if mine else q[:5] + ("*",))
    for c in classes:
        x[c] = [1.0, 1.0]
    free = [("ov", st) for st in stages]
    for c in classes:
        free += [(c, st) for st in own[c]]
    free += [("*", st) for st in stages if any(q[5] == "*" and moves(q, st) for q in rows1)]
    fit(rows1, x, free)
    # 2. the engine's own scales on all rows, the overheads held
    y = {"ov": x["ov"], "*": [1.0, 1.0]}
    fit([q[:5] + ("*",) for q in r], y, [("*", st) for st in stages])
    x["*"] = y["*"]
    out = {"ov": x["ov"], "*": x["*"], "stages": stages, "classes": {}}
    for c in classes:
        if own[c]:
            out["classes"][c] = [x[c][st] if st in own[c] else x["*"][st] for st in (0, 1)]
    return out, rows1, x


def rnd(v):
    return float("%.4g" % v)


def main():
    recs = json.load(open(rm.DATA))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LLMROOF_DATA"] = probe_data_dir(tmp)
        os.environ["LLMROOF_EFFICIENCY_DIR"] = os.path.join(tmp, "user")
        rows = probe_rows(recs, tmp)
    for name in engine_names():
        path = os.path.join(ENGINES_DIR, name + ".json")
        with open(path) as f:
            data = json.load(f)
        r = rows.get(name, [])
        # the initial values (a rerun starts from them, not from its last fit)
        init = data.get("_fit", {}).get("initial") or {
            "step_overhead_s": data.get("step_overhead_s", {"prefill": 0, "decode": 0})}
        ov0 = [init["step_overhead_s"]["prefill"], init["step_overhead_s"]["decode"]]
        if not any(moves(q, st) for q in r for st in (0, 1)):
            print("%-10s no records that move with a stage: kept the initial values" % name)
            continue
        res, rows1, x = fit_engine(r, {"ov": ov0})
        ov = [rnd(v) if st in res["stages"] else ov0[st] for st, v in enumerate(res["ov"])]
        sc = [rnd(v) if st in res["stages"] else 1 for st, v in enumerate(res["*"])]
        cls = {c: [rnd(v) for v in s] for c, s in res["classes"].items()}
        fitted = {"ov": ov, "*": sc}
        for c in {q[5] for q in r}:
            fitted[c] = cls.get(c, sc)
        start = {"ov": ov0}
        for c in list(fitted) + ["*"]:
            start.setdefault(c, [1.0, 1.0])
        before, after = summary(r, start), summary(r, fitted)
        print("%-10s %3d rows  step_overhead_s %s -> %s  time_scale %s, classes %s  "
              "median |err| %.1f%% -> %.1f%%" % (name, len(r), ov0, ov, sc, cls,
                                                  100 * before["median_abs_err"],
                                                  100 * after["median_abs_err"]))
        if DRY:
            continue
        data["step_overhead_s"] = {s: ov[i] for i, s in enumerate(STAGES)}
        # the band of the engine's expected times: its rows' p10 / p90 of
        # measured / expected after the fit (as calibrate's, clamped)
        params = data.setdefault("params", {})
        params["band_low"] = min(1.0, max(0.01, after["p10"]))
        params["band_high"] = max(1.0, min(100.0, after["p90"]))
        data["time_scale"] = {s: sc[i] for i, s in enumerate(STAGES)}
        classes = data.setdefault("classes", {})
        for c, blk in list(classes.items()):
            blk.pop("time_scale", None)
        for c, v in sorted(cls.items()):
            classes.setdefault(c, {})["time_scale"] = {s: v[i] for i, s in enumerate(STAGES)}
        if not classes:
            data.pop("classes")
        data.pop("_step_overhead_fit", None)
        data["_fit"] = {
            "source": "scripts/fit-engines.py on ../shared/measured/published-train.json "
                      "(the TRAINING half), this engine's records only; stages fitted: %s; "
                      "a stage not fitted keeps the initial values; classes with fewer than %d "
                      "rows in a stage take the engine's time_scale" %
                      (", ".join(STAGES[i] for i in res["stages"]), MIN_ROWS),
            "initial": {"step_overhead_s": init["step_overhead_s"]},
            "rows_per_class": {c: sum(1 for q in r if q[5] == c) for c in sorted({q[5] for q in r})},
            "before": before, "after": after}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)


if __name__ == "__main__":
    main()
