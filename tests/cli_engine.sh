#!/usr/bin/env bash
# cli_engine.sh BINARY DATA_DIR FIXTURES_DIR: --engine and the expected
# times in the outputs (docs/expected-time.md): unknown engines are usage
# errors naming the known ones, ideal gives the roofline itself, the
# default engine is the profile's (vllm; llm-viewer: ideal), and the
# expected columns and fields are there in every format.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-engine

run "unknown engine" analyze --engine nosuch
expect_rc 1
expect_err "unknown engine 'nosuch'"
expect_err "known: ideal, llama.cpp, lmdeploy, pytorch, sglang, trtllm, vllm"
expect_no_stdout

run "engine not a name" analyze --engine ../vllm
expect_rc 1
expect_err "--engine: expected a name"

run "unknown engine, generate" generate --engine tgi
expect_rc 1
expect_err "unknown engine 'tgi'"

run "unknown engine, sweep" sweep --engine vllm,tgi
expect_rc 1
expect_err "unknown engine 'tgi'"

# ideal: the expected time of every op (and total) is its roofline time,
# to the last digit of the CSV
run "ideal csv" analyze --engine ideal --format csv
expect_rc 0
checks=$((checks + 1))
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "time_s") t = i; if ($i == "expected_time_s") e = i }; next }
         { n++; if ($t != $e) bad++ } END { exit !(t && e && n > 40 && !bad) }' "$T/out" ||
    fail "ideal csv: expected_time_s differs from time_s (or columns missing)"

# the default engine is vllm: above the roofline, named in the settings
run "default json" analyze --stage decode --format json
expect_rc 0
expect_out '"engine": "vllm"'
expect_out '"expected_time_s"'
expect_out '"expected_latency_s"'
expect_out '"expected_band"'
checks=$((checks + 1))
tr -d ' \n' <"$T/out" | grep -oE '"total":\{[^}]*\}' |
    sed -E 's/.*"time_s":([^,]*),"expected_time_s":([^,]*),.*/\1 \2/' |
    awk '{ exit !($2 > $1) }' || fail "default json: decode total expected_time_s not above time_s"

run "llm-viewer is ideal" --profile llm-viewer analyze --stage decode --format json
expect_rc 0
expect_out '"engine": "ideal"'

run "table columns" analyze --engine trtllm --stage prefill
expect_rc 0
expect_out_re '^op .* time +expected$'
expect_out "expected with trtllm:"
# the summary: the roofline (the bound) and the expected time side by side,
# with the ratio and the band (the fit's, data/efficiency/) in seconds
expect_out_re '^prefill roofline: [0-9.]+ (ms|s), the bound \(compute-bound ops '
expect_out_re '^prefill expected with trtllm: [0-9.]+ (ms|s) \(x[0-9.]+ the roofline; band x[0-9.]+ to x[0-9.]+: [0-9.]+ (ms|s) to [0-9.]+ (ms|s)\)$'
# ideal: the expected time is the roofline's, x1.00, a band of one point
run "table summary ideal" analyze --engine ideal --stage decode
expect_rc 0
checks=$((checks + 1))
roof=$(sed -n 's/^decode roofline: \([^,]*\), the bound.*/\1/p' "$T/out")
want="decode expected with ideal: $roof (x1.00 the roofline; band x1 to x1: $roof to $roof)"
[ -n "$roof" ] && grep -qxF "$want" "$T/out" || fail "table summary ideal: no line '$want'"

run "generate expected" generate --engine llama.cpp --gen-len 8 --format json
expect_rc 0
for k in expected_ttft_s expected_tpot_mean_s expected_latency_s expected_output_tokens_per_s \
    expected_total_tokens_per_s expected_band '"engine": "llama.cpp"'; do
    expect_out "$k"
done

run "generate ideal" generate --engine ideal --gen-len 8 --format csv
expect_rc 0
checks=$((checks + 1))
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         { exit !($h["ttft_s"] == $h["expected_ttft_s"] && $h["latency_s"] == $h["expected_latency_s"]) }' "$T/out" ||
    fail "generate ideal: expected differs from the roofline"

run "sweep engines" sweep --engine ideal,pytorch,vllm --format jsonl
expect_rc 0
expect_out '"engine":"ideal"'
expect_out '"engine":"pytorch"'
expect_out '"expected_latency_s"'
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "sweep engines: $(wc -l <"$T/out") rows, expected 3"

run "setting spelling" analyze --setting engine=sglang --stage decode --format json
expect_rc 0
expect_out '"engine": "sglang"'

# ---- what an engine preset sets (docs/memory.md, "Engine presets") ----
# data/engines/vllm.json "memory": blocks of 16, passes of 8192 tokens,
# gpu_memory_utilization 0.9; "flash_attention": true
run "vllm defaults" analyze --stage decode --format json
expect_rc 0
expect_out '"kv_block_size": 16,'
expect_out '"max_batched_tokens": 8192,'
expect_out '"mem_util": 0.9,'
expect_out '"attention": "flash",'
# llama.cpp.json: a KV cache padded to 256 tokens, n_ubatch 512, no memory
# fraction reserved, no flash_attention key (eager)
run "llama.cpp defaults" analyze --engine llama.cpp --stage decode --format json
expect_rc 0
expect_out '"kv_block_size": 256,'
expect_out '"max_batched_tokens": 512,'
expect_out '"mem_util": 1,'
expect_out '"attention": "eager",'
# lmdeploy.json: blocks of 64, cache_max_entry_count 0.8
run "lmdeploy defaults" analyze --engine lmdeploy --stage decode --format json
expect_rc 0
expect_out '"kv_block_size": 64,'
expect_out '"mem_util": 0.8,'
# explicit settings win over the preset, each row on its own
run "given settings win" analyze --engine llama.cpp --kv-block-size 16 --mem-util 0.5 \
    --attention flash --stage decode --format json
expect_rc 0
expect_out '"kv_block_size": 16,'
expect_out '"max_batched_tokens": 512,'
expect_out '"mem_util": 0.5,'
expect_out '"attention": "flash",'
run "given attention wins" analyze --engine sglang --attention eager --stage decode --format json
expect_rc 0
expect_out '"attention": "eager",'
# a sweep over engines gets each engine's values at each point
run "sweep engine defaults" sweep --engine vllm,llama.cpp --format jsonl
expect_rc 0
expect_out '"kv_block_size":16,"max_batched_tokens":8192,"mem_util":0.9'
expect_out '"kv_block_size":256,"max_batched_tokens":512,"mem_util":1'
# ideal's runtime_bytes 0: no runtime memory (vllm: the hardware's, 3.5 GiB
# on an A100 = 3,758,096,384 B)
run "ideal runtime" analyze --engine ideal --stage decode --format json
expect_rc 0
expect_out '"runtime": 0,'
run "vllm runtime" analyze --stage decode --format json
expect_out '"runtime": 3758096384,'

# llama.cpp accumulates 16-bit GEMMs in FP16 ("fp16_accumulate": true): on
# an RTX 4090 the compute-type rule picks fp16_acc16, 330.3 TFLOP/s (the
# hardware table's figure from NVIDIA's Ada whitepaper, appendix table;
# FP32 accumulate: 165.2). A 4096 x 4096 x 4096 GEMM: 2 x 4096^3 =
# 137,438,953,472 FLOPs over 96 MiB (1365.3 FLOP/B, above the ridge of
# 330.3e12 / 1.008e12 = 327.7): 137,438,953,472 / 330.3e12 = 416.103 us;
# at the FP32-accumulate peak 831.955 us.
run "llama.cpp fp16 accumulate" analyze --engine llama.cpp --hardware rtx-4090 --stage prefill
expect_rc 0
expect_out "compute fp16_acc16 (330.30 TFLOP/s)"
run "vllm fp32 accumulate" analyze --hardware rtx-4090 --stage prefill
expect_rc 0
expect_out "compute fp16 (165.20 TFLOP/s)"
run "op llama.cpp gemm" op torch.nn.Linear --param tokens=4096 --param in_features=4096 \
    --param out_features=4096 --engine llama.cpp --hardware rtx-4090 --stage prefill
expect_rc 0
expect_out_re '^linear +1 .* compute +416\.103 us +[0-9.]+ (us|ms)$'
run "op vllm gemm" op torch.nn.Linear --param tokens=4096 --param in_features=4096 \
    --param out_features=4096 --hardware rtx-4090 --stage prefill
expect_rc 0
expect_out_re '^linear +1 .* compute +831\.955 us +[0-9.]+ (us|ms)$'
# op shows the expected time next to the roofline, in every format
expect_out_re '^op .* time +expected$'
run "op expected json" op torch.nn.Linear --param tokens=4096 --param in_features=4096 \
    --param out_features=4096 --engine ideal --stage prefill --format json
expect_rc 0
expect_out '"expected_time_s": '

# llmroof engines: each preset's defaults (the data files' values)
run "engines table" engines
expect_rc 0
expect_out_re '^vllm +\* flash +fp32 +decode +16 +8192 +0\.9 +-$'
expect_out_re '^llama\.cpp +eager +fp16 +decode +256 +512 +1 +-$'
expect_out_re '^ideal +eager +fp32 +none +1 +8192 +1 +0 B$'
run "engines json" engines --format json
expect_rc 0
expect_out '"default": "vllm"'
run "engines argument" engines vllm
expect_rc 1
expect_err "expected no argument"

# ---- default lengths within the model's context ----
# GPT-2's context is 1024 tokens (n_positions): the default seq_len 2048 is
# cut to it with a note; one given is refused
run "default seq-len cut" analyze openai-community/gpt2 --format json
expect_rc 0
expect_out '"seq_len": 1024,'
expect_err "llmroof: note: seq_len 2048 (the default) exceeds the context of openai-community/gpt2: 1024 tokens"
run "given seq-len refused" analyze openai-community/gpt2 --seq-len 2048
expect_rc 1
expect_err "a sequence of 2048 tokens is longer than the model's context of 1024 tokens"
run "given seq-len allowed" analyze openai-community/gpt2 --seq-len 2048 --allow-long-context --format json
expect_rc 0
expect_out '"seq_len": 2048,'
# generate: prompt 1024 + 256 generated > 1024: the generated 256 kept,
# the prompt 1024 - 256 = 768
run "default lengths cut" generate openai-community/gpt2 --format json
expect_rc 0
expect_out '"prompt_len": 768,'
expect_out '"gen_len": 256,'
expect_err "prompt 1024 + 256 generated tokens exceed the context of openai-community/gpt2 (1024 tokens): prompt 768, generate 256"
# a given prompt keeps its length; the default generation takes the rest:
# 1024 - 1000 = 24
run "given prompt kept" generate openai-community/gpt2 --prompt-len 1000 --format json
expect_rc 0
expect_out '"prompt_len": 1000,'
expect_out '"gen_len": 24,'
run "given lengths refused" generate openai-community/gpt2 --prompt-len 1000 --gen-len 100
expect_rc 1
expect_err "a sequence of 1100 tokens is longer than the model's context of 1024 tokens"
run "serve-plan lengths cut" serve-plan openai-community/gpt2 --max-batch 2 --format json
expect_rc 0
expect_err "prompt 768, generate 256"
run "sweep seq-len cut" sweep openai-community/gpt2 --batch 1,2 --format jsonl
expect_rc 0
expect_out '"seq_len":1024,'

finish cli_engine
