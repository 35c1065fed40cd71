#!/usr/bin/env bash
# cli_families.sh BINARY DATA_DIR FIXTURES_DIR: the recent families through
# the command line: config variants the bundled files do not cover (Step's
# per-head output gate), --mtp, Python's Infinity in a config, and the
# errors of a layer pattern the template cannot build.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-fam

# Step-3.7 with use_head_wise_attn_gate and 96 sliding-layer heads: the
# first group (full attention, dense) has 64 heads: g_proj 2 * 4096 * 64 =
# 524,288 FLOPs per token; head_gate 64 * (4 + 128) = 8,448.
sed 's/}[[:space:]]*$/, "use_head_wise_attn_gate": true, "attention_other_setting": {"num_attention_heads": 96}}/' \
    "$DATA/models/stepfun-ai--Step-3.7-Flash.json" >"$T/step.json"
run "step gate" analyze "$T/step.json" --stage decode --format csv
expect_rc 0
expect_eq "g_proj flops" "$(csv_field "$T/out" decode g_proj flops)" 524288
expect_eq "head_gate flops" "$(csv_field "$T/out" decode head_gate flops)" 8448
# the sliding layers' q_proj has 96 heads: 2 * 4096 * 96 * 128 = 100,663,296
run "step arch" arch "$T/step.json"
expect_rc 0
expect_out "num_heads=(96 / {tp})"

# --mtp: DeepSeek-V3.2's MTP layer runs only when asked; eh_proj
# 2 * 14336 * 7168 = 205,520,896 FLOPs per token
run "no mtp" analyze deepseek-ai/DeepSeek-V3.2 --stage decode --format csv
expect_rc 0
expect_no_out_text "model.mtp.eh_proj"
run "mtp" analyze deepseek-ai/DeepSeek-V3.2 --stage decode --format csv --mtp
expect_rc 0
expect_eq "eh_proj flops" "$(csv_field "$T/out" decode eh_proj flops)" 205520896
run "mtp json" analyze deepseek-ai/DeepSeek-V3.2 --stage decode --format json --mtp
expect_out '"mtp": true'
run "mtp arch" arch deepseek-ai/DeepSeek-V3.2
expect_out "[runs when {mtp}]"

# Python writes float('inf') as Infinity: read as null
sed 's/"time_step_limit": \[0.0, Infinity\]/"time_step_limit": [-Infinity, NaN], "note": "Infinity"/' \
    "$DATA/models/nvidia--Nemotron-H-56B-Base-8K.json" >"$T/nh.json"
run "infinity" arch "$T/nh.json"
expect_rc 0
expect_out "parameters: 56324350464"

# an E (MoE) block without n_routed_experts cannot be built
sed 's/"hybrid_override_pattern": "M-/"hybrid_override_pattern": "E-/' \
    "$DATA/models/nvidia--Nemotron-H-56B-Base-8K.json" >"$T/nh_e.json"
run "E without experts" arch "$T/nh_e.json"
expect_rc 2
expect_err "llmroof_moe_needs_experts: value -1 is below the minimum 0"

# Mamba-2 (the Mamba-Codestral-7B shapes, no bundled config): hidden 4096,
# 64 layers, 128 heads of 64 (I = 8192), 8 groups, state 128, conv 4 with
# bias, vocab 32768, untied. Per layer in_proj 4096 * (2 * 8192 + 2 * 8 *
# 128 + 128) = 75,759,616, conv1d (8192 + 2048) * 5 = 51,200, dt_bias A_log
# D 384, gated norm 8,192, out_proj 8192 * 4096 = 33,554,432, norm 4,096
# -> 109,640,064 (64: 7,016,964,096); embedding and head 2 * 32768 * 4096 =
# 268,435,456; final norm 4,096. Total 7,285,403,648.
cat >"$T/m2.json" <<'JSON'
{"architectures": ["Mamba2ForCausalLM"], "model_type": "mamba2", "hidden_size": 4096,
 "num_hidden_layers": 64, "num_heads": 128, "head_dim": 64, "n_groups": 8, "state_size": 128,
 "expand": 2, "conv_kernel": 4, "chunk_size": 256, "vocab_size": 32768, "use_bias": false,
 "use_conv_bias": true, "tie_word_embeddings": false, "time_step_limit": [0.0, Infinity]}
JSON
run "mamba2 arch" arch "$T/m2.json"
expect_rc 0
expect_out "parameters: 7285403648"
# decode SSD: 128 * (5 * 64 * 128 + 3 * 64 + 2) = 5,267,712 FLOPs; the
# state 128 * 64 * 128 * 2 B = 2,097,152 read
run "mamba2 decode" analyze "$T/m2.json" --stage decode --format csv
expect_rc 0
expect_eq "ssd flops" "$(csv_field "$T/out" decode ssd flops)" 5267712
expect_eq "ssd load_kv" "$(csv_field "$T/out" decode ssd load_kv)" 2097152

# A state is per sequence, not per token: Falcon-Mamba at 1000 tokens (not
# a whole number of 16-token pages) holds 64 * (8192 * 16 * 2 + 3 * 8192 *
# 2) = 19,922,944 B per sequence, no pages; no KV capacity in tokens, and
# max_sequences = floor(room / state): room = 0.9 * 80 GiB - weights
# 14,545,330,176 - activations 73,792,000 (the liveness peak) - runtime
# 3,758,096,384 = 58,932,192,768 -> 2958
run "state memory" analyze tiiuae/falcon-mamba-7b --seq-len 1000 --format json
expect_rc 0
expect_out '"kv_cache": 19922944,'
expect_out '"kv_per_token": 0,'
expect_out '"kv_per_seq": 19922944,'
expect_out '"kv_capacity_tokens": null,'
expect_out '"max_sequences": 2958,'
# a hybrid: Qwen3-Next's 12 attention layers 12 * 2 * 512 * 2 = 24,576 B
# per token, its 36 Gated DeltaNet layers 36 * (1,048,576 + 49,152) =
# 39,518,208 B per sequence
run "hybrid memory" analyze Qwen/Qwen3-Next-80B-A3B-Thinking --seq-len 4096 --format json
expect_out '"kv_per_token": 24576,'
expect_out '"kv_per_seq": 39518208,'
expect_out '"kv_cache": 140181504,'

# A counted list's "from"/"to" are formulas over the fields before: an
# unknown name in one is an error naming the template, the place and the
# variable (exit 2), not a count over the whole list. Gemma-4's template in
# a copy of the default profile, its "to" misspelt.
mkdir -p "$T/prof"
cp -r "$DATA/profiles/default/." "$T/prof/"
sed 's/"to": "{llmroof_first_shared}"/"to": "{llmroof_first_sharde}"/' \
    "$DATA/profiles/default/architectures/gemma4.json" >"$T/prof/architectures/gemma4.json"
run "count to error" --profile "$T/prof" arch google/gemma-4-26B-A4B
expect_rc 2
expect_err "gemma4.json: layer_types.to: column 1: unknown variable {llmroof_first_sharde}"

finish cli_families.sh
