#!/usr/bin/env python3
"""report-measured.py: the TRAINING error of llmroof's expected times (and of
its roofline, for comparison) on the published measurements of
../shared/measured/published-train.json (its README.md describes every
field). Each record is predicted by running the built llmroof with the
engine of its `engine` field (kernel and layer timings: pytorch; llama.cpp;
TensorRT-LLM: trtllm; LMDeploy: lmdeploy; vLLM: vllm; SGLang: sglang) on
the hardware it names; records whose hardware, model or metric llmroof
cannot map are skipped and counted by reason. Nothing measured is written
anywhere: the output is a report (Markdown tables) for docs/expected-time.md.

    python3 scripts/report-measured.py [../shared/measured/published-train.json] [build/llmroof]
        [--category CAT]   (only that category's records, e.g. kernel_attention)

Python 3 standard library only; CI does not run it (the tables it prints
are committed in docs/expected-time.md).

What is compared, per metric (measured / predicted, each a time):
- decode+prefill (llama-bench): prefill_tok_s_ppN -> N / the expected
  prefill of N tokens at batch 1; decode_tok_s_tgN -> 1 / the expected mean
  TPOT of N tokens generated from a 1-token prompt.
- end_to_end and prefill with a batch size and both lengths (static
  batches): output_throughput_tok_s (per GPU when only that is given),
  ttft (ms or s) -> generate's expected figures at that batch, lengths
  and tp. Saturation runs without a batch size, and online serving at a
  request rate, are skipped (no static batch to predict).
- kernel_gemm: latency_ms, else achieved_tflops -> 2 M N K / TFLOP/s, against
  `llmroof op torch.nn.Linear` (M tokens).
- kernel_gemm_and_elementwise (Vidur's per-op medians of one layer, FP16,
  eager): the four GEMMs (QKV, O, gate+up, down) against `llmroof op
  torch.nn.Linear` at M = num_tokens (metric vidur_gemm), the two RMS norms
  against `llmroof op LlamaRMSNorm` (vidur_norm); the embedding, RoPE and
  activation medians are not compared (no entry with the fused kernels'
  shapes). Vidur's `a100` profile -> a100-80gb, `h100` -> h100-sxm.
- kernel_attention (FlashAttention benchmarks): tflops_seqlen_S -> the
  benchmark's FLOPs 4 B S^2 H d (/2 causal) / TFLOP/s, against the attention
  ops of LlamaSdpaAttention with --attention flash, B = tokens / S.
Attention is counted as the engine runs it: --attention flash for TensorRT-LLM,
LMDeploy, vLLM and SGLang (fused kernels), eager for llama.cpp (llama-bench
runs without flash attention by default).
Weights: GGUF Q4_0 4.5 bits, Q4_K_M 4.85, Q8_0 8.5, F16 16 (bits per weight
with their scales); FP8 records: 8-bit weights and FP8 activations.
"""
import json
import math
import re
import subprocess
import sys
from collections import defaultdict

# --category CAT: predict only that category's records (the report's subset)
ONLY = None
if "--category" in sys.argv[:-1]:
    i = sys.argv.index("--category")
    ONLY = sys.argv[i + 1]
    sys.argv = sys.argv[:i] + sys.argv[i + 2:]
DATA = sys.argv[1] if len(sys.argv) > 1 else "../shared/measured/published-train.json"
BIN = sys.argv[2] if len(sys.argv) > 2 else "build/llmroof"
# global options put before every command (scripts/fit-engines.py: --calibration FILE)
PRE = []


def run_json(args):
    p = subprocess.run([BIN] + PRE + args + ["--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def hw_ids():
    out = subprocess.run([BIN, "hardware", "list"], capture_output=True, text=True).stdout
    return {l.split()[0] for l in out.splitlines()[1:] if l.strip()}


def model_ids():
    out = subprocess.run([BIN, "models"], capture_output=True, text=True).stdout
    return {l.split()[0] for l in out.splitlines()[1:] if l.strip()}


HW = None
MODELS = None

# (regex on the record's hardware text, llmroof id), first match wins
HW_RULES = [
    (r"GH200.*(144|141)", "gh200-144gb"), (r"GH200", "gh200"), (r"GB200", "gb200"),
    (r"GB300", "gb300"), (r"\bB300", "b300"), (r"\bB200", "b200"), (r"H200", "h200"),
    (r"H100 PCIe", "h100-pcie"), (r"H100 NVL", "h100-nvl"), (r"H100", "h100-sxm"),
    (r"A100 PCIe", "a100-pcie-80gb"), (r"A100.*40GB", "a100-40gb"), (r"A100", "a100-80gb"),
    (r"L40S", "l40s"), (r"\bL40\b", "l40"), (r"RTX A6000", "a6000"), (r"\bA40\b", "a40"),
    (r"RTX 3060", "rtx-3060"), (r"RTX 3070", "rtx-3070"), (r"RTX 3080 Ti", "rtx-3080-ti"),
    (r"RTX 3080", "rtx-3080"), (r"RTX 3090", "rtx-3090"), (r"RTX 4070 Ti", "rtx-4070-ti"),
    (r"RTX 4080", "rtx-4080"), (r"RTX 4090", "rtx-4090"), (r"RTX 5090", "rtx-5090"),
    (r"RTX 4000 Ada", "rtx-4000-ada"), (r"RTX 5000 Ada", "rtx-5000-ada"),
    (r"RTX 6000 Ada", "rtx-6000-ada"), (r"RTX PRO 6000", "rtx-pro-6000"),
]


def hardware_of(text):
    if not text:
        return None
    m = re.search(r"Apple (M\d)(?: (Pro|Max|Ultra))? \((\d+)-core GPU", text)
    if m:
        hid = "apple-" + m.group(1).lower() + ("-" + m.group(2).lower() if m.group(2) else "")
        return hid + "-" + m.group(3) + "gpu"
    for rx, hid in HW_RULES:
        if re.search(rx, text):
            return hid
    return None


def engine_of(text, category):
    if category in ("kernel_gemm", "kernel_attention", "layer", "kernel_gemm_and_elementwise"):
        return "pytorch"
    t = text or ""
    for key, name in (("llama.cpp", "llama.cpp"), ("TensorRT-LLM", "trtllm"),
                      ("LMDeploy", "lmdeploy"), ("SGLang", "sglang"), ("vLLM", "vllm")):
        if key in t:
            return name
    return "pytorch"


def model_of(text):
    if not text:
        return None
    for tok in re.split(r"[\s(),']+", text):
        if "/" in tok:
            name = tok
            if name in MODELS:
                return name
            # a variant of a bundled model: nvidia/Llama-3.1-8B-Instruct-FP8 -> Meta-Llama-3.1-8B
            base = name.split("/")[1]
            base = re.sub(r"-(Instruct|chat|hf|FP8|Chat)(-.*)?$", "", base)
            for m in MODELS:
                short = m.split("/")[1]
                if short in (base, base + "-hf", "Meta-" + base):
                    return m
    return None


def bits_of(precision):
    p = precision or ""
    for key, bits in (("Q4_0", ["--w-bit", "4.5"]), ("Q4_K_M", ["--w-bit", "4.85"]),
                      ("Q8_0", ["--w-bit", "8.5"]), ("F16", []), ("FP8", ["--w-bit", "8", "--a-bit", "8", "--a-dtype", "fp8"])):
        if key in p:
            return bits
    return []


class Tally:
    def __init__(self):
        self.rows = defaultdict(list)  # key -> [(measured, expected, roofline)]
        self.items = []  # [(keys, measured, expected, roofline, hardware id)] in order
        self.hw = None  # the hardware of the record being predicted
        self.skipped = defaultdict(int)

    def add(self, keys, measured, expected, roofline):
        if not (measured > 0 and expected > 0 and roofline > 0):
            return
        self.items.append((keys, measured, expected, roofline, self.hw))
        for k in keys:
            self.rows[k].append((measured, expected, roofline))


def quant(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    pos = q * (len(xs) - 1)
    i = int(pos)
    f = pos - i
    return xs[i] * (1 - f) + xs[i + 1] * f if i + 1 < len(xs) else xs[i]


def gen(model, hw, eng, bits, batch, prompt, out, tp):
    # the serving engines run fused (flash) attention kernels; llama.cpp's
    # llama-bench runs without flash attention by default (-fa 0)
    att = ["--attention", "eager" if eng in ("llama.cpp", "pytorch") else "flash"]
    args = ["generate", model, "--hardware", hw, "--engine", eng, "--batch", str(batch),
            "--prompt-len", str(prompt), "--gen-len", str(max(out, 1)), "--tp", str(tp),
            "--allow-long-context"] + att + bits
    return run_json(args)


def g(d, *keys):
    for k in keys:
        if d is None or k not in d:
            return None
        d = d[k]
    return d


def do_llamacpp(r, t, hw, model, eng, bits, keys):
    n = 0
    for k, v in r["metrics"].items():
        m = re.fullmatch(r"(prefill|decode)_tok_s_(pp|tg)(\d+)", k)
        if not m or not v:
            continue
        N = int(m.group(3))
        if m.group(1) == "prefill":
            j = gen(model, hw, eng, bits, 1, N, 1, 1)
            exp, roof = g(j, "expected_ttft_s"), g(j, "ttft_s")
            if exp and roof:
                t.add(keys + ["metric:prefill"], N / v, exp, roof)
                n += 1
        else:
            j = gen(model, hw, eng, bits, 1, 1, N, 1)
            exp, roof = g(j, "expected_tpot_mean_s"), g(j, "tpot_mean_s")
            if exp and roof:
                t.add(keys + ["metric:decode"], 1 / v, exp, roof)
                n += 1
    return n


def do_static(r, t, hw, model, eng, bits, keys):
    b, P, G = r.get("batch_size"), r.get("input_len"), r.get("output_len")
    tp = r.get("tp") or r.get("num_gpus") or 1
    met = r["metrics"]
    if not b or not P:
        return 0
    G = G or 1
    j = gen(model, hw, eng, bits, b, P, G, tp)
    if j is None:
        return 0
    n = 0
    ttft = met.get("ttft_ms", met.get("ttft_avg_s") and met["ttft_avg_s"] * 1e3)
    if ttft:
        t.add(keys + ["metric:ttft"], ttft / 1e3, g(j, "expected_ttft_s"), g(j, "ttft_s"))
        n += 1
    thr = met.get("output_throughput_tok_s")
    per_gpu = met.get("output_throughput_tok_s_per_gpu")
    if thr is None and per_gpu:
        thr = per_gpu * tp
    if thr and G > 1:
        # time per generated token of the batch: 1 / throughput
        t.add(keys + ["metric:throughput"], 1 / thr, 1 / g(j, "expected_output_tokens_per_s"),
              1 / g(j, "output_tokens_per_s"))
        n += 1
    return n


def do_gemm(r, t, hw, keys):
    c, met = r.get("config") or {}, r["metrics"]
    M, N, K = c.get("M"), c.get("N"), c.get("K")
    if not (M and N and K):
        return 0
    if met.get("latency_ms"):
        meas = met["latency_ms"] / 1e3
    elif met.get("achieved_tflops"):
        meas = 2 * M * N * K / (met["achieved_tflops"] * 1e12)
    else:
        return 0
    bits = ["--w-bit", "8", "--a-bit", "8", "--a-dtype", "fp8"] if "FP8" in (r.get("precision") or "") else []
    j = run_json(["op", "torch.nn.Linear", "--param", "in_features=%d" % K, "--param",
                  "out_features=%d" % N, "--batch", str(M), "--seq-len", "1", "--stage", "prefill",
                  "--hardware", hw, "--engine", "pytorch"] + bits)
    if j is None:
        return 0
    o = j["prefill"]["ops"][0]
    t.add(keys, meas, o["expected_time_s"], o["time_s"])
    return 1


def attention_cases(r, hw):
    """[(measured seconds, llmroof op arguments)] of a FlashAttention
    benchmark record, one per sequence length (scripts/fit-kernel-attention.py
    predicts the same cases)."""
    c, met = r.get("config") or {}, r["metrics"]
    d, H, tokens = c.get("head_dim"), c.get("n_heads"), c.get("batch_x_seqlen_tokens")
    causal = bool(c.get("causal"))
    if not (d and H and tokens):
        return []
    out = []
    for k, v in met.items():
        m = re.fullmatch(r"tflops_seqlen_(\d+)", k)
        if not m or not v:
            continue
        S = int(m.group(1))
        B = max(1, tokens // S)
        flops = 4 * B * S * S * H * d / (2 if causal else 1)
        out.append((flops / (v * 1e12),
                    ["op", "LlamaSdpaAttention", "--param", "hidden_size=%d" % (H * d),
                     "--param", "num_heads=%d" % H, "--param", "num_kv_heads=%d" % H,
                     "--param", "head_dim=%d" % d, "--attention", "flash", "--batch", str(B),
                     "--seq-len", str(S), "--stage", "prefill", "--hardware", hw,
                     "--engine", "pytorch"] + ([] if causal else ["--no-causal"])))
    return out


def do_attention(r, t, hw, keys):
    n = 0
    for meas, args in attention_cases(r, hw):
        j = run_json(args)
        if j is None:
            continue
        ops = [o for o in j["prefill"]["ops"] if o["kind"] == "attention"]
        t.add(keys, meas, sum(o["expected_time_s"] * o["count"] for o in ops),
              sum(o["time_s"] * o["count"] for o in ops))
        n += 1
    return n


def collect(recs):
    """Predicts every record; the Tally of compared metrics and skips."""
    global HW, MODELS
    if HW is None:
        HW, MODELS = hw_ids(), model_ids()
    t = Tally()
    for r in recs:
        cat = r["category"]
        if ONLY and cat != ONLY:
            continue
        hw = hardware_of(r.get("hardware"))
        if hw is None or hw not in HW:
            t.skipped[(cat, "hardware llmroof lacks")] += 1
            continue
        eng = engine_of(r.get("engine"), cat)
        keys = ["category:" + cat, "engine:" + eng, "all"]
        t.hw = hw
        n = 0
        if cat == "kernel_gemm":
            n = do_gemm(r, t, hw, keys)
        elif cat == "kernel_gemm_and_elementwise":
            # Vidur's h100 profile: SXM (its GEMM rates exceed the NVL's
            # dense peak; ../shared/measured/README.md), though the text
            # names both
            if "Vidur 'h100'" in (r.get("hardware") or ""):
                hw = "h100-sxm"
            t.hw = hw
            n = do_vidur(r, t, hw, keys)
        elif cat == "kernel_attention":
            n = do_attention(r, t, hw, keys)
        elif cat in ("decode+prefill", "end_to_end", "prefill"):
            model = model_of(r.get("model"))
            if model is None:
                t.skipped[(cat, "model not bundled")] += 1
                continue
            bits = bits_of(r.get("precision"))
            if cat == "decode+prefill":
                n = do_llamacpp(r, t, hw, model, eng, bits, keys)
            else:
                n = do_static(r, t, hw, model, eng, bits, keys)
        else:
            t.skipped[(cat, "category not predicted yet")] += 1
            continue
        if n == 0:
            t.skipped[(cat, "no static batch or metric to predict (or llmroof refused it)")] += 1
    return t


def op_time(args):
    """The summed (expected, roofline) times of one `llmroof op` (prefill)."""
    j = run_json(["op"] + args + ["--seq-len", "1", "--stage", "prefill", "--engine", "pytorch"])
    if j is None:
        return None
    ops = j["prefill"]["ops"]
    return (sum(o["expected_time_s"] * o["count"] for o in ops),
            sum(o["time_s"] * o["count"] for o in ops))


def do_vidur(r, t, hw, keys):
    """Vidur's per-op medians of one decoder layer at num_tokens: the four
    GEMMs as torch.nn.Linear (M = tokens, K, N from config), the two RMS
    norms as LlamaRMSNorm(hidden)."""
    c, met = r.get("config") or {}, r["metrics"]
    M, H = c.get("num_tokens"), c.get("hidden")
    shapes = c.get("gemm_shapes_MxKxN") or {}
    if not (M and H):
        return 0
    n = 0
    for name, shape in shapes.items():
        key = name.split(" ")[0] + "_median_ms"
        if not met.get(key) or len(shape) != 3:
            continue
        m, k, nn = shape
        pr = op_time(["torch.nn.Linear", "--param", "in_features=%d" % k, "--param",
                      "out_features=%d" % nn, "--batch", str(m), "--hardware", hw])
        if pr:
            t.add(keys + ["metric:vidur_gemm"], met[key] / 1e3, pr[0], pr[1])
            n += 1
    for key in ("input_layernorm_median_ms", "post_attention_layernorm_median_ms"):
        if not met.get(key):
            continue
        pr = op_time(["LlamaRMSNorm", "--param", "hidden_size=%d" % H, "--batch", str(M),
                      "--hardware", hw])
        if pr:
            t.add(keys + ["metric:vidur_norm"], met[key] / 1e3, pr[0], pr[1])
            n += 1
    return n


def main():
    recs = json.load(open(DATA))
    t = collect(recs)
    print("TRAINING error on %s (%d records)\n" % (DATA, len(recs)))
    print("| group | n | expected: median abs err | p10 / p90 of measured/expected "
          "| roofline: median abs err | p10 / p90 of measured/roofline |")
    print("|---|---|---|---|---|---|")
    for k in sorted(t.rows, key=lambda k: (k != "all", k)):
        rows = t.rows[k]
        re_ = [m / e for m, e, _ in rows]
        rr = [m / f for m, _, f in rows]
        ee = [abs(e - m) / m for m, e, _ in rows]
        er = [abs(f - m) / m for m, _, f in rows]
        print("| %s | %d | %.0f%% | %.2f / %.2f | %.0f%% | %.2f / %.2f |" % (
            k, len(rows), 100 * quant(ee, 0.5), quant(re_, 0.1), quant(re_, 0.9),
            100 * quant(er, 0.5), quant(rr, 0.1), quant(rr, 0.9)))
    print("\nSkipped records:\n")
    for (cat, why), n in sorted(t.skipped.items()):
        print("- %s: %d (%s)" % (cat, n, why))


if __name__ == "__main__":
    main()
