#!/usr/bin/env bash
# cli_quant.sh BINARY DATA_DIR FIXTURES: --quant presets, the checkpoint's
# quantization_config / hf_quant_config.json, embeddings kept 16-bit, and
# bad presets and configs rejected (docs/quantization.md).
set -u
BIN=$1
DATA=$2
FIX=$3/quant
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-quant

# Llama-3-8B AWQ: 5,727,854,592 B of weights (derived in tests/test_quant.c:
# embeddings and lm_head 16-bit, the rest 4-bit + fp16 scale + 4-bit zero
# per 128); the JSON says which preset and its settings.
run awq analyze meta-llama/Meta-Llama-3-8B --quant awq --format json
expect_rc 0
expect_out '"quant": "awq"'
expect_out '"w_bit": 4'
expect_out '"w_group_size": 128'
expect_out '"w_zero_bits": 4'
expect_out '"quantize_embeddings": false'
expect_out '"weights": 5727854592'

# the table names the preset and what it does with embeddings and lm_head
run awq-table analyze meta-llama/Meta-Llama-3-8B --quant awq --stage decode
expect_rc 0
expect_out "  quantization awq, embeddings and lm_head 16-bit"
expect_out_re "^lm_head +1 .* 1002.00 MiB"
run q4km-table analyze meta-llama/Meta-Llama-3-8B --quant q4_k_m --stage decode
expect_out "  quantization q4_k_m, embeddings quantized, lm_head at 6.5625 bits"

# --w-bit 4 alone keeps lm_head 16-bit: 128256 x 4096 x 2 B read per decode
# step; --quantize-embeddings brings it to 4 bits (a quarter).
run wbit4 analyze meta-llama/Meta-Llama-3-8B --w-bit 4 --stage decode --format csv
expect_rc 0
expect_eq "lm_head load_weight" "$(csv_field "$T/out" decode lm_head load_weight)" 1050673152
run wbit4-emb analyze meta-llama/Meta-Llama-3-8B --w-bit 4 --quantize-embeddings --stage decode --format csv
expect_rc 0
expect_eq "lm_head load_weight" "$(csv_field "$T/out" decode lm_head load_weight)" 262668288

# explain shows the width lm_head's formulas read: 2 B, not --w-bit's 0.5
run explain explain --op lm_head --w-bit 4 --stage decode
expect_rc 0
expect_out "= 4096 * 32000 * (2 + 0) + 0 * 32000 * 2"
expect_out "w_bytes=2"

# an option given after the preset overrides it
run override analyze meta-llama/Meta-Llama-3-8B --quant awq --w-group-size 64 --format json
expect_rc 0
expect_out '"w_group_size": 64'

run unknown analyze --quant int3
expect_rc 1
expect_no_stdout
expect_err "--quant: expected none, awq, gptq, w4a16, fp8, fp8-block, int8, mxfp4, nvfp4, q4_0, q4_k_m, q5_k_m, q6_k or q8_0, got 'int3'"

# Qwen3-32B-FP8's quantization_config selects fp8-block; --quant none wins
run config analyze "$FIX/Qwen--Qwen3-32B-FP8.json" --format json
expect_rc 0
expect_err "llmroof: note: quantization 'fp8-block' from $FIX/Qwen--Qwen3-32B-FP8.json"
expect_out '"quant": "fp8-block"'
expect_out '"a_dtype": "fp8"'
run config-none analyze "$FIX/Qwen--Qwen3-32B-FP8.json" --quant none --format json
expect_rc 0
expect_out '"quant": "none"'
expect_out '"w_bit": 16'
expect_no_err_text "quantization 'fp8-block'"

# the ModelOpt hf_quant_config.json beside a config: FP8, FP8 KV cache,
# lm_head excluded; 72,656,371,712 B (tests/test_quant.c)
run modelopt analyze "$FIX/nvidia--Llama-3.1-70B-Instruct-FP8.json" --format json
expect_rc 0
expect_err "from $FIX/nvidia--Llama-3.1-70B-Instruct-FP8.hf_quant_config.json (1 modules kept 16-bit"
expect_out '"kv_bit": 8'
expect_out '"weights": 72656371712'

# a bad quantization_config: file, JSON path, what was expected; exit 2
cat >"$T/config.json" <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 16,
 "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
 "num_attention_heads": 2, "quantization_config": {"quant_method": "gptq", "bits": 4,
 "group_size": 0}}
JSON
run bad-config analyze "$T/config.json"
expect_rc 2
expect_no_stdout
expect_err "llmroof: error: $T/config.json: quantization_config.group_size: expected a group size (-1 for per channel), got 0"
cat >"$T/config.json" <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 16,
 "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
 "num_attention_heads": 2}
JSON
printf '{"quantization": {"quant_algo": "INT2"}}' >"$T/hf_quant_config.json"
run bad-modelopt analyze "$T/config.json"
expect_rc 2
expect_err "llmroof: error: $T/hf_quant_config.json: quantization.quant_algo: expected FP8, FP8_PER_CHANNEL_PER_TOKEN, NVFP4, MXFP4, W4A16_AWQ or W8A8_SQ_PER_CHANNEL"

# a broken preset file (through --data-dir, which the presets follow): the
# file, the preset and the field
cp -r "$DATA" "$T/data"
sed -i 's/"weights": {"bits": 4, "group_size": 128, "scale_bits": 16, "zero_point": true, "zero_bits": 4},/"weights": {"bits": "four"},/' "$T/data/quant/presets.json"
run_raw bad-presets --data-dir "$T/data" analyze --quant gptq
expect_rc 1
expect_err "quant: the presets did not load: $T/data/quant/presets.json: presets[0] (awq): expected weights.bits (a number from 1 to 32)"

finish cli_quant
