#!/usr/bin/env bash
# cli_parallel.sh BINARY DATA_DIR FIXTURES_DIR: parallelism as deployments
# run it (docs/generation.md#parallelism): devices = tp x pp x dp, stated in
# every output; expert parallelism splits the tp x dp devices.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-par

V3=deepseek-ai/DeepSeek-V3

# --tp 8 --ep 8 is 8 devices, not 64 (vLLM and SGLang run the experts on
# the same 8 GPUs). Per-device weights, by hand in tests/families/deepseek.txt:
# 86,568,086,272 weights (the MTP layer's included) x 2 B. (--quant none: the bundled config's
# quantization_config would select fp8-block, docs/quantization.md.)
run "analyze tp8 ep8 json" analyze $V3 --tp 8 --ep 8 --hardware h200 --quant none --format json
expect_rc 0
expect_out '"devices": 8,'
expect_out '"tp": 8,'
expect_out '"ep": 8,'
expect_out '"dp": 1,'
expect_out '"weights": 173136172544,'
run "analyze tp8 ep8 table" analyze $V3 --tp 8 --ep 8 --hardware h200
expect_rc 0
expect_out "8 devices (tp 8 x pp 1 x dp 1; experts split over ep 8 of the tp x dp); figures per device"

# data-parallel attention: 8 ranks of 1 sequence, the attention whole on
# each, the experts split 8 ways: 102,454,668,032 weights (the MTP
# layer's included; tests/families/deepseek.txt) x 2 B
run "analyze dp8 ep8" analyze $V3 --dp 8 --ep 8 --batch 8 --quant none --format json
expect_rc 0
expect_out '"devices": 8,'
expect_out '"dp": 8,'
expect_out '"weights": 204909336064,'

# ep must divide tp x dp
run "ep alone" analyze $V3 --ep 8
expect_rc 3
expect_err "ep 8 must divide tp x dp = 1 x 1 = 1"
expect_no_stdout
run "ep not dividing" analyze $V3 --tp 4 --dp 2 --ep 3
expect_rc 3
expect_err "ep 3 must divide tp x dp = 4 x 2 = 8"

# the ranks of a mixture of experts meet at the experts over the link
run "dp without a link" analyze mistralai/Mixtral-8x7B-v0.1 --dp 2 --hardware a10
expect_rc 3
expect_err "hardware a10 lists no interconnect bandwidth: the data-parallel (--dp) ranks"
# a dense model's replicas need none
run "dense dp without a link" analyze --dp 2 --batch 2 --hardware a10
expect_rc 0

# serve-plan: the batch is the deployment's, the memory per device, planned
# as an engine does (docs/memory.md; cli_generate.sh derives the terms): 90%
# of 80 GiB (77,309,411,328 B) less the weights (13,476,831,232 B), the
# runtime (3,758,096,384 B) and the activation peak of one 8,192-token pass
# (1,140,850,688 B) leaves 58,933,633,024 B for the KV cache, in pages of 16
# tokens x 2 * 32 * 4096 * 2 B = 8,388,608 B: 7,025 pages. A sequence of
# 1024 + 8 tokens takes ceil(1032 / 16) = 65 pages: 7,025 / 65 = 108.07 ->
# 108 on one device (eager attention, as derived there: the default engine
# would run flash). With 2 data-parallel replicas each device holds the
# cache of its half of the batch, so the deployment takes twice as many: 216.
run "serve-plan one" serve-plan --attention eager --gen-len 8 --max-batch 1 --format json
expect_out '"max_batch": 108,'
run "serve-plan dp" serve-plan --attention eager --dp 2 --gen-len 8 --max-batch 1 --format json
expect_out '"max_batch": 216,'

# 2 x 2 x 2 = 8 devices in generate and serve-plan, JSON and text
run "generate devices" generate --tp 2 --pp 2 --dp 2 --batch 4 --gen-len 8 --format json
expect_rc 0
expect_out '"devices": 8,'
expect_out '"dp": 2,'
expect_out '"decode_tokens_per_s":'
run "generate devices table" generate --tp 2 --pp 2 --dp 2 --batch 4 --gen-len 8
expect_rc 0
expect_out "8 devices (tp 2 x pp 2 x dp 2); figures per device"
run "serve-plan devices" serve-plan --tp 2 --dp 2 --gen-len 8 --max-batch 4 --format json
expect_rc 0
expect_out '"devices": 4'
expect_out '"dp": 2,'
run "serve-plan devices table" serve-plan --dp 2 --gen-len 8 --max-batch 2
expect_rc 0
expect_out "2 devices (tp 1 x pp 1 x dp 2); figures per device"
run "one device" analyze
expect_rc 0
expect_out "1 device (tp 1 x pp 1 x dp 1); figures per device"

# a dense model's data-parallel replicas each hold the whole model and
# their share of the batch: Llama-2-7b --dp 4 --batch 8 = --batch 2 on one
# device, figure for figure (KV cache of 2 sequences: 2 * 2 * 32 * 2048 *
# 4096 * 2 B = 2,147,483,648)
run "dense dp" analyze --dp 4 --batch 8 --format csv
expect_rc 0
cp "$T/out" "$T/dp.csv"
run "dense batch 2" analyze --batch 2 --format csv
expect_rc 0
# the figures (the columns before `model`; the settings that follow differ
# by design: batch, dp and devices)
figures() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model") n = i - 1 } { s = $1; for (i = 2; i <= n; i++) s = s "," $i; print s }' "$1"; }
checks=$((checks + 1))
[ "$(figures "$T/out")" = "$(figures "$T/dp.csv")" ] && [ -n "$(figures "$T/out")" ] ||
  fail "dense dp: --dp 4 --batch 8 differs from --batch 2"
run "dense dp kv" analyze --dp 4 --batch 8 --format json
expect_out '"kv_cache": 2147483648,'

finish cli_parallel.sh
