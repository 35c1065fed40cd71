#!/usr/bin/env bash
# cli_weights.sh BINARY DATA_DIR: a model directory with a config.json and
# safetensors: the tensors' parameter count is cross-checked against the
# config's tree; an extra tensor is named in the warning.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-w
# A 1-layer Llama: vocab 16, hidden 8, intermediate 16, 2 heads of 4.
cat >"$T/config.json" <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 16,
 "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
 "num_attention_heads": 2, "num_key_value_heads": 2, "tie_word_embeddings": false}
JSON
# write_st FILE NAME:SHAPE...: a safetensors file of F32 tensors (zeros)
write_st() {
    local file=$1
    shift
    local off=0 hdr="{" sep=""
    for t in "$@"; do
        local name=${t%%:*} shape=${t#*:} n=1
        for d in ${shape//,/ }; do n=$((n * d)); done
        hdr="$hdr$sep\"$name\":{\"dtype\":\"F32\",\"shape\":[$shape],\"data_offsets\":[$off,$((off + 4 * n))]}"
        off=$((off + 4 * n))
        sep=","
    done
    hdr="$hdr}"
    local len=${#hdr}
    # the 8-byte little-endian header length
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x\\x00\\x00\\x00\\x00' $((len & 255)) \
        $(((len >> 8) & 255)) $(((len >> 16) & 255)) $(((len >> 24) & 255)))" >"$file"
    printf '%s' "$hdr" >>"$file"
    head -c "$off" /dev/zero >>"$file"
}
# 128 + 8 + 4 * 64 + 8 + 3 * 128 + 8 + 128 = 920 parameters, as the tree:
# embed 16*8, per layer 2 norms of 8, q/k/v/o 8*8, gate/up 8*16, down 16*8,
# final norm 8, lm_head 16*8.
TENSORS="model.embed_tokens.weight:16,8 model.layers.0.input_layernorm.weight:8
 model.layers.0.self_attn.q_proj.weight:8,8 model.layers.0.self_attn.k_proj.weight:8,8
 model.layers.0.self_attn.v_proj.weight:8,8 model.layers.0.self_attn.o_proj.weight:8,8
 model.layers.0.post_attention_layernorm.weight:8 model.layers.0.mlp.gate_proj.weight:16,8
 model.layers.0.mlp.up_proj.weight:16,8 model.layers.0.mlp.down_proj.weight:8,16
 model.norm.weight:8 lm_head.weight:16,8"
write_st "$T/model.safetensors" $TENSORS
"$BIN" --data-dir "$DATA" analyze "$T" --format csv >"$T/out" 2>"$T/err"
checks=$((checks + 1))
[ $? -eq 0 ] || fail "analyze dir: $(cat "$T/err")"
checks=$((checks + 1))
grep -q "safetensors' 920 parameters match the config" "$T/err" || fail "match note: $(cat "$T/err")"

# an extra tensor: 924 against 920, named with the node it lacks
write_st "$T/model.safetensors" $TENSORS model.layers.0.self_attn.extra_scale.weight:4
"$BIN" --data-dir "$DATA" analyze "$T" --format csv >"$T/out" 2>"$T/err"
checks=$((checks + 1))
grep -q "safetensors hold 924 parameters in 13 tensors, the config's tree 920 (difference +4)" "$T/err" ||
    fail "mismatch warning: $(cat "$T/err")"
checks=$((checks + 1))
grep -q "tensor model.layers.0.self_attn.extra_scale.weight (4 elements) has no node model.layers.self_attn.extra_scale" "$T/err" ||
    fail "tensor named: $(cat "$T/err")"

if [ "$fails" -gt 0 ]; then
    echo "cli_weights: $fails of $checks checks failed"
    exit 1
fi
echo "cli_weights: all $checks checks passed"
