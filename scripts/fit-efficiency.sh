#!/usr/bin/env bash
# fit-efficiency.sh [KERNELS_DIR]: reproduces data/efficiency/kernels-*.json,
# the efficiency parameters fitted on NVIDIA's measured kernel tables
# (../shared/kernels, aiconfigurator, Apache-2.0; its README.md describes
# them), one file per hardware class, with `llmroof calibrate`
# (docs/calibrate.md). Only the five GPUs with tables are fitted; every other
# class keeps data/efficiency/initial.json's values (the held-aside GPUs,
# h200/gb200/b300/gb300, are never read here).
#
# Which rows: gemm.csv.gz, bfloat16 only (fp8 rows include an activation
# quantisation kernel the model does not have; fp8_block rows were timed
# eagerly; nvfp4 has no dtype here); context_attention.csv.gz and
# generation_attention.csv.gz, every row without a sliding window (calibrate
# skips those); GEMM rows fit the kind matmul, context attention rows
# attention@prefill, generation attention rows attention@decode. Run
# scripts/fit-kernel-attention.py and scripts/fit-engines.py afterwards: the
# engines' fits sit on these values. At most 3000 rows per table (every
# n-th, deterministic), fitted with --engine pytorch and --cuda-graphs yes
# (the collectors time CUDA-graph replays: the overhead fitted is
# kernel_overhead_graphs_s), 5-fold held-out estimate.
#
# The pytorch preset's own prefill attention values (fitted afterwards by
# scripts/fit-kernel-attention.py on the FlashAttention benchmarks) must not
# be the start here: calibrate runs over a copy of data/ whose pytorch preset
# has no params, classes or scale (no engine overrides on top of the class),
# with an empty user efficiency directory.
#
# Needs: a built llmroof (LLMROOF=path, default build/llmroof), gzip, awk,
# python3.
# Takes a few minutes on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNELS=${1:-../shared/kernels}
LLMROOF=${LLMROOF:-build/llmroof}
OUT=data/efficiency
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# every fit starts from initial.json's values, not from an earlier fit
rm -f "$OUT"/kernels-*.json
cp -r data "$tmp/data"
mkdir "$tmp/user"
python3 -c 'import json, sys
p = sys.argv[1]
d = json.load(open(p))
for k in ("params", "classes", "scale", "_attention_fit"):
    d.pop(k, None)
json.dump(d, open(p, "w"))' "$tmp/data/engines/pytorch.json"
export LLMROOF_DATA=$tmp/data LLMROOF_EFFICIENCY_DIR=$tmp/user

# aiconfigurator GPU -> llmroof hardware id (its class: ampere, hopper,
# blackwell, ada, blackwell-gddr)
gpus="a100_sxm:a100-80gb h100_sxm:h100-sxm b200_sxm:b200 l40s:l40s rtx_pro_6000_server:rtx-pro-6000"

for pair in $gpus; do
    gpu=${pair%%:*}
    hw=${pair#*:}
    dir=$KERNELS/$gpu
    gzip -dc "$dir/gemm.csv.gz" | awk -F, 'NR == 1 || $2 == "bfloat16"' >"$tmp/$gpu-gemm.csv"
    gzip -dc "$dir/context_attention.csv.gz" >"$tmp/$gpu-context_attention.csv"
    gzip -dc "$dir/generation_attention.csv.gz" >"$tmp/$gpu-generation_attention.csv"
    "$LLMROOF" calibrate "$tmp/$gpu-gemm.csv" "$tmp/$gpu-context_attention.csv" \
        "$tmp/$gpu-generation_attention.csv" --hardware "$hw" --engine pytorch \
        --cuda-graphs yes --max-rows 3000 --folds 5 -o "$tmp/$gpu.json" >"$tmp/$gpu.txt"
    cls=$(sed -n 's/^calibrate [^ ]* (class \([^)]*\)).*/\1/p' "$tmp/$gpu.txt")
    # the table of residuals, with the GPU's table folder as the source
    sed "s#\"source\": \"llmroof calibrate#\"source\": \"scripts/fit-efficiency.sh: ../shared/kernels/$gpu (aiconfigurator, Apache-2.0; gemm bfloat16, context and generation attention) through llmroof calibrate#" \
        "$tmp/$gpu.json" >"$OUT/kernels-$cls.json"
    echo "== $gpu ($hw, class $cls) -> $OUT/kernels-$cls.json"
    cat "$tmp/$gpu.txt"
done
