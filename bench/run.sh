#!/usr/bin/env bash
# Benchmarks: full analyses per second of Llama-2-7b (both stages, every
# per-op record), on one core, in an optimised build. Target: at least
# 250,000 per second (the last line, "analyses/s: N"). Also a serving
# simulation of 10,000 requests of Llama-3.1-8B on one h100-sxm
# ("simulate_10k_ms: N", target under 1000) and a whole generation
# ("generate_us: N", target under 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j "$(nproc 2>/dev/null || echo 2)" --target llmroof >/dev/null
# taskset pins to one core where available, so the figure is per core
if command -v taskset >/dev/null; then pin="taskset -c 0"; else pin=""; fi
$pin ./build-bench/llmroof bench meta-llama/Llama-2-7b-hf --seconds "${SECONDS_PER_BENCH:-3}"
