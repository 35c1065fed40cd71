#!/usr/bin/env bash
# cli_commands.sh BINARY DATA_DIR FIXTURES_DIR
#
# Every command runs on the bundled data and prints what it should. Numbers
# are checked against values derived by hand (see the comments), never
# against values copied from the program's output.
#
# Prints one line per failed check and exits 1 if any failed.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BINARY DATA_DIR FIXTURES_DIR" >&2
    exit 1
fi
BIN=$1
DATA=$2
unset LLMROOF_DATA

. "$(dirname "$0")/lib.sh"
make_temp cli-commands

# digits_of_row FILE FIRST_FIELD FIELD_NO: the digits of field FIELD_NO of
# the line whose first field is FIRST_FIELD (thousands separators dropped).
digits_of_row() {
    awk -v k="$2" -v n="$3" '$1 == k { v = $n; gsub(/[^0-9]/, "", v); print v; exit }' "$1"
}

if [ ! -x "$BIN" ]; then
    echo "FAIL: binary '$BIN' is not executable"
    exit 1
fi

# Parameter counts, derived from the bundled configs (no tied embeddings,
# no biases; each Linear holds in*out weights, each RMSNorm `hidden`):
#
# Llama-2-7b: vocab 32000, hidden 4096, intermediate 11008, 32 layers,
# 32 heads of 128 (no GQA).
#   embed_tokens = lm_head = 32000 * 4096             =   131,072,000 each
#   per layer: q,k,v,o 4 * 4096 * 4096               =    67,108,864
#              gate,up,down 3 * 4096 * 11008         =   135,266,304
#              2 norms 2 * 4096                      =         8,192
#              = 202,383,360; x 32                   = 6,476,267,520
#   final norm                                       =         4,096
#   total 2 * 131,072,000 + 6,476,267,520 + 4,096    = 6,738,415,616
LLAMA2_7B_PARAMS=6738415616
# Meta-Llama-3-8B: vocab 128256, hidden 4096, intermediate 14336, 32 layers,
# 32 query heads and 8 KV heads of 128.
#   embed_tokens = lm_head = 128256 * 4096            =   525,336,576 each
#   per layer: q,o 2 * 4096 * 4096                   =    33,554,432
#              k,v 2 * 4096 * (8 * 128)              =     8,388,608
#              gate,up,down 3 * 4096 * 14336         =   176,160,768
#              2 norms                               =         8,192
#              = 218,112,000; x 32                   = 6,979,584,000
#   total 2 * 525,336,576 + 6,979,584,000 + 4,096    = 8,030,261,248
LLAMA3_8B_PARAMS=8030261248

# ---------------------------------------------------------------------------
# --help of every command, --version
# ---------------------------------------------------------------------------
run "llmroof --help" --help
expect_rc 0
expect_out "usage: llmroof"
for c in analyze diff arch models modules hardware bench; do
    expect_out "$c"
done
expect_out "exit codes"

for c in analyze diff arch models modules hardware bench; do
    for h in --help -h; do
        run "$c $h" "$c" "$h"
        expect_rc 0
        expect_out "usage: llmroof $c"
    done
done

run "--version" --version
expect_rc 0
expect_out_re '^llmroof [0-9]+\.[0-9]+\.[0-9]+$'

# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------
run "models" models
expect_rc 0
expect_out "meta-llama/Llama-2-7b-hf"
# the row of the model: its parameter column, separators dropped
checks=$((checks + 1))
row=$(grep -F "meta-llama/Llama-2-7b-hf " "$T/out" | head -1)
digits=$(printf '%s\n' "$row" | tr ' ' '\n' | tr -d ',_' | grep -xE '[0-9]+' | tr '\n' ' ')
case " $digits " in
*" $LLAMA2_7B_PARAMS "*) ;;
*) fail "$name: row of meta-llama/Llama-2-7b-hf lacks $LLAMA2_7B_PARAMS parameters: '$row'" ;;
esac
v=$(digits_of_row "$T/out" meta-llama/Meta-Llama-3-8B 3)
expect_eq "Meta-Llama-3-8B parameters" "$v" "$LLAMA3_8B_PARAMS"

run "models show" models show meta-llama/Llama-2-7b-hf
expect_rc 0
expect_out_re '"hidden_size": *4096'
expect_out_re '"num_hidden_layers": *32'

run "models show bare name" models show Llama-2-7b-hf
expect_rc 0
expect_out_re '"hidden_size": *4096'

# ---------------------------------------------------------------------------
# hardware
# ---------------------------------------------------------------------------
run "hardware list" hardware list
expect_rc 0
expect_out_re '^a100-80gb '
expect_out_re '^h100-sxm '

run "hardware show alias" hardware show nvidia_A100_80G
expect_rc 0
expect_out "a100-80gb"
expect_out "A100 80GB"
expect_out "nvidia_A100_80G"

run "hardware show id" hardware show h100-sxm
expect_rc 0
expect_out "H100"
# every field, with the unverified ones marked: the RTX 4090's FP8 figure
# is flagged in its entry, its FP16-accumulate peak (330.3 TFLOP/s, Ada
# whitepaper appendix) is not
run "hardware show unverified" hardware show rtx-4090
expect_rc 0
expect_out_re '^  fp8 +330 TFLOP/s  [*]$'
expect_out_re '^  fp16_acc16 +330 TFLOP/s$'
expect_out_re '^  compute_capability +8.9$'
expect_out "* unverified (not confirmed by a second source):"
expect_out "  - peak_flops.fp8"
# the old Apple ids are aliases of the per-GPU-variant ids
run "hardware show apple alias" hardware show apple-m2-ultra
expect_rc 0
expect_out "id:          apple-m2-ultra-76gpu"

# ---------------------------------------------------------------------------
# op: one module entry on its own
# ---------------------------------------------------------------------------
# torch.nn.Linear 4096 -> 4096, 2048 tokens, A100 80GB (312 TFLOP/s FP16,
# 2,039 GB/s: NVIDIA A100 datasheet): 2 * 2048 * 4096 * 4096 =
# 68,719,476,736 FLOPs; 4096 * 4096 * 2 = 33,554,432 weight bytes + 2 *
# 2048 * 4096 * 2 of activations = 67,108,864 B; compute-bound:
# 68,719,476,736 / 312e12 = 220.255 us
run "op linear csv" op torch.nn.Linear --param tokens=2048 --param in_features=4096 \
    --param out_features=4096 --format csv
expect_rc 0
expect_eq "op flops" "$(csv_field "$T/out" prefill linear flops)" 68719476736
expect_eq "op bytes" "$(csv_field "$T/out" prefill linear bytes)" 67108864
expect_eq "op bound" "$(csv_field "$T/out" prefill linear bound)" compute
expect_eq "op time" "$(csv_field "$T/out" prefill linear time_s | cut -c1-10)" 0.00022025
run "op linear table" op Linear --param=in_features=4096 --param out_features=4096 --stage prefill
expect_rc 0
expect_out "Linear on NVIDIA A100 80GB SXM4"
expect_out "220.255 us"
# decode of Llama-2-7b's attention on its own: the eager ops of one layer
# (qk_matmul reads K: 32 * 2048 * 128 * 2 = 16,777,216 B; eager said, the
# default engine runs flash)
run "op attention json" op LlamaSdpaAttention --attention eager --param hidden_size=4096 --param num_heads=32 \
    --param num_kv_heads=32 --param head_dim=128 --stage decode --format json
expect_rc 0
expect_out '"path": "qk_matmul"'
expect_out '"load_kv": 16777216'
run "op help" op --help
expect_rc 0
expect_out "--param NAME=VALUE"

# ---------------------------------------------------------------------------
# modules
# ---------------------------------------------------------------------------
run "modules list" modules list
expect_rc 0
expect_out "torch.nn.modules.linear.Linear"
expect_out "transformers.models.llama.modeling_llama.LlamaSdpaAttention"

run "modules show" modules show LlamaSdpaAttention
expect_rc 0
expect_out "transformers.models.llama.modeling_llama.LlamaSdpaAttention"
expect_out_re '^op qk_matmul'
# the formula as written in data/modules/llama.json
expect_out "2 * {B} * {num_heads} * {S} * {ctx} * {head_dim}"

run "modules show by key" modules show torch_Linear
expect_rc 0
expect_out "torch.nn.modules.linear.Linear"

# ---------------------------------------------------------------------------
# arch
# ---------------------------------------------------------------------------
run "arch" arch meta-llama/Llama-2-7b-hf
expect_rc 0
expect_out_re 'layers x32'
expect_out "self_attn"
expect_out_re "parameters:? *$LLAMA2_7B_PARAMS"
expect_no_out_text "MISSING"

run "arch default model" arch
expect_rc 0
expect_out "meta-llama/Llama-2-7b-hf"

# ---------------------------------------------------------------------------
# analyze
# ---------------------------------------------------------------------------
# The default engine, vllm, runs FlashAttention (data/engines/vllm.json
# "flash_attention": true): the default analysis counts the fused kernel.
# The cases below that derive the eager count (qk_matmul, softmax,
# sv_matmul) say --attention eager.
run "analyze default" analyze
expect_rc 0
expect_out "meta-llama/Llama-2-7b-hf"
expect_out "flash_attention"
expect_out "flash attention, causal"
expect_out_re '[Pp]refill'
expect_out_re '[Dd]ecode'

run "analyze csv prefill" analyze --attention eager --format csv --stage prefill
expect_rc 0
cp "$T/out" "$T/prefill.csv"
checks=$((checks + 1))
head -1 "$T/prefill.csv" | grep -q 'flops' || fail "$name: CSV header lacks a flops column"
# Llama-2-7b prefill, B=1, S=ctx=2048, 32 heads of head_dim 128, hidden 4096.
# qk_matmul: 2 * B * heads * S * ctx * head_dim
#          = 2 * 1 * 32 * 2048 * 2048 * 128 = 8192 * 4194304 = 34359738368
v=$(csv_field "$T/prefill.csv" prefill qk_matmul flops)
expect_eq "qk_matmul flops" "$v" 34359738368
# sv_matmul has the same count as qk_matmul.
v=$(csv_field "$T/prefill.csv" prefill sv_matmul flops)
expect_eq "sv_matmul flops" "$v" 34359738368
# softmax: 5 FLOPs per score: 5 * 32 * 2048 * 2048 = 160 * 4194304 = 671088640
v=$(csv_field "$T/prefill.csv" prefill softmax flops)
expect_eq "softmax flops" "$v" 671088640
# attn_add: one add per element of [tokens, hidden] = 2048 * 4096 = 8388608
v=$(csv_field "$T/prefill.csv" prefill attn_add flops)
expect_eq "attn_add flops" "$v" 8388608
# q_proj: 2 * tokens * in * out = 2 * 2048 * 4096 * 4096 = 68719476736
v=$(csv_field "$T/prefill.csv" prefill q_proj flops)
expect_eq "q_proj flops" "$v" 68719476736
# q_proj weights, 16-bit: 4096 * 4096 * 2 bytes = 33554432
v=$(csv_field "$T/prefill.csv" prefill q_proj load_weight)
expect_eq "q_proj load_weight" "$v" 33554432
# every op of one layer counts 32 instances
v=$(csv_field "$T/prefill.csv" prefill qk_matmul count)
expect_eq "qk_matmul count" "$v" 32
checks=$((checks + 1))
! grep -q '^decode,' "$T/prefill.csv" || fail "$name: --stage prefill printed decode rows"

run "analyze csv decode" analyze --attention eager --format csv --stage decode
expect_rc 0
# decode: S=1 new token attending ctx=2048:
# qk_matmul 2 * 1 * 32 * 1 * 2048 * 128 = 16777216
v=$(csv_field "$T/out" decode qk_matmul flops)
expect_eq "decode qk_matmul flops" "$v" 16777216
checks=$((checks + 1))
! grep -q '^prefill,' "$T/out" || fail "$name: --stage decode printed prefill rows"

run "analyze json" analyze --attention eager --format json
expect_rc 0
expect_out_re "\"params\": *$LLAMA2_7B_PARAMS([^0-9]|\$)"
expect_out_re '"name": *"qk_matmul"'
expect_out '"prefill"'
expect_out '"decode"'

run "analyze md" analyze --attention eager --format md --stage prefill
expect_rc 0
expect_out_re '^\|.*qk_matmul.*\|'
expect_out_re '^\|[ :-]*-{3}[ :-]*\|'

# -o writes the file atomically and leaves no temporary file behind.
mkdir "$T/o"
run "analyze -o" analyze --attention eager --format csv --stage prefill -o "$T/o/report.csv"
expect_rc 0
checks=$((checks + 1))
[ ! -s "$T/out" ] || fail "$name: -o also printed on stdout"
checks=$((checks + 1))
if [ -f "$T/o/report.csv" ]; then
    v=$(csv_field "$T/o/report.csv" prefill qk_matmul flops)
    expect_eq "qk_matmul flops in -o file" "$v" 34359738368
else
    fail "$name: $T/o/report.csv was not written"
fi
checks=$((checks + 1))
left=$(ls -A "$T/o" | grep -vx 'report.csv')
[ -z "$left" ] || fail "$name: files left beside the output: $left"

run "analyze --output" analyze --format json --output "$T/o/report.json"
expect_rc 0
checks=$((checks + 1))
grep -qE "\"params\": *$LLAMA2_7B_PARAMS" "$T/o/report.json" 2>/dev/null ||
    fail "$name: report.json lacks the parameter count"

run "analyze Llama-3-8B" analyze --format json meta-llama/Meta-Llama-3-8B
expect_rc 0
expect_out_re "\"params\": *$LLAMA3_8B_PARAMS([^0-9]|\$)"

run "analyze bare name" analyze --format json Llama-2-7b-hf
expect_rc 0
expect_out_re "\"params\": *$LLAMA2_7B_PARAMS([^0-9]|\$)"
expect_out "meta-llama/Llama-2-7b-hf"

run "analyze config.json path" analyze --format json "$DATA/models/meta-llama--Llama-2-7b-hf.json"
expect_rc 0
expect_out_re "\"params\": *$LLAMA2_7B_PARAMS([^0-9]|\$)"

run "analyze hardware alias" analyze --format json --hardware nvidia_A100_80G
expect_rc 0
expect_out "a100-80gb"

# A near miss of a bundled name is not silently another model.
run "near-miss model name" analyze meta-llama/Llama-2-7b-zz
expect_rc 1
expect_err_text="unknown model 'meta-llama/Llama-2-7b-zz'"
checks=$((checks + 1))
grep -qF -- "$expect_err_text" "$T/err" || fail "$name: stderr lacks '$expect_err_text'"

# Options after MODEL, as `usage: llmroof analyze [MODEL] [options]` shows.
run "analyze options after model" analyze --attention eager meta-llama/Llama-2-7b-hf --format csv --stage prefill
expect_rc 0
v=$(csv_field "$T/out" prefill qk_matmul flops)
expect_eq "qk_matmul flops (options after model)" "$v" 34359738368

# Batch scales the attention FLOPs linearly: batch 4 at seq-len 512:
# 2 * B * heads * S * ctx * head_dim = 2 * 4 * 32 * 512 * 512 * 128
# (2*4*32*128 = 32768; 512*512 = 262144; 32768 * 262144 = 8589934592)
run "analyze batch and seq-len" analyze --attention eager --format csv --stage prefill --batch 4 --seq-len 512
expect_rc 0
v=$(csv_field "$T/out" prefill qk_matmul flops)
expect_eq "qk_matmul flops at B=4 S=512" "$v" 8589934592


# --setting NAME=VALUE reaches the same table as the options: the qk_matmul
# FLOPs at B=4, S=512 as above (8589934592), by JSON name and by spelling.
run "analyze --setting" analyze --attention eager --format csv --stage prefill --setting batch=4 --setting seq-len=512
expect_rc 0
v=$(csv_field "$T/out" prefill qk_matmul flops)
expect_eq "qk_matmul flops at --setting batch=4 seq-len=512" "$v" 8589934592
# --a-bit 8 moves the KV cache to 8 bits unless --kv-bit was given, in
# either order: the JSON settings say so.
run "a-bit sets kv-bit" analyze --format json --a-bit 8
expect_out_re '"kv_bit": *8([^0-9]|$)'
run "kv-bit before a-bit" analyze --format json --kv-bit 4 --a-bit 8
expect_out_re '"kv_bit": *4([^0-9]|$)'
run "kv-bit after a-bit" analyze --format json --a-bit 8 --setting kv_bit=4
expect_out_re '"kv_bit": *4([^0-9]|$)'
run "--no-causal" analyze --format json --no-causal
expect_out_re '"causal": *false'
run "--setting causal=false" analyze --format json --setting causal=false
expect_out_re '"causal": *false'
run "--setting a_dtype" analyze --format json --setting a-dtype=fp8 --setting w_asym=true
expect_out_re '"a_dtype": *"fp8"'
expect_out_re '"w_asym": *true'
# help lines come from the settings table (unit, default)
run "help from the table" analyze --help
expect_out "--seq-len N"
expect_out "(default 2048; in tokens)"
expect_out "--no-causal"
expect_out "--a-dtype int|fp8"

# ---------------------------------------------------------------------------
# Profiles, flash attention, diff.
# ---------------------------------------------------------------------------
# llm-viewer profile, decode at seq-len 2048: qk_matmul OPs = 2*S*d*nh*B =
# 2*2048*128*32*1 = 16777216; lm_head OPs = B*h*V = 4096*32000 = 131072000.
run "llm-viewer profile" --profile llm-viewer analyze --format csv --stage decode
expect_rc 0
v=$(csv_field "$T/out" decode qk_matmul flops)
expect_eq "llm-viewer decode qk_matmul OPs" "$v" 16777216
v=$(csv_field "$T/out" decode lm_head flops)
expect_eq "llm-viewer lm_head OPs" "$v" 131072000
run "llm-viewer profile as an analyze option" analyze --profile llm-viewer --format json
expect_rc 0
expect_out '"profile": "llm-viewer"'

# Flash attention replaces the three eager ops by one.
run "analyze flash" analyze --attention flash --format csv --stage prefill
expect_rc 0
expect_out "flash_attention"
expect_no_out_text "softmax"
run "flash hint under eager tables" analyze --attention eager --stage prefill
expect_rc 0
expect_out "with --attention flash this prefill takes"

# diff: both profiles count q_proj the same, 2*2048*4096*4096 per layer x 32
# = 68719476736 * 32 = 2199023255552; lm_head 2*4096*32000 = 262144000 (A,
# default) vs 4096*32000 = 131072000 (B, llm-viewer); out_proj is matched to
# o_proj; gate_up_mul exists only in A.
run "diff default llm-viewer" diff --stage prefill --format csv
expect_rc 0
expect_eq "diff q_proj flops_a" "$(csv_field "$T/out" prefill q_proj flops_a)" 2199023255552
expect_eq "diff q_proj flops_b" "$(csv_field "$T/out" prefill q_proj flops_b)" 2199023255552
expect_eq "diff o_proj flops_b" "$(csv_field "$T/out" prefill o_proj flops_b)" 2199023255552
expect_eq "diff lm_head flops_a" "$(csv_field "$T/out" prefill lm_head flops_a)" 262144000
expect_eq "diff lm_head flops_b" "$(csv_field "$T/out" prefill lm_head flops_b)" 131072000
expect_eq "diff gate_up_mul flops_b" "$(csv_field "$T/out" prefill gate_up_mul flops_b)" 0
run "diff table" diff --profile default --profile llm-viewer
expect_rc 0
expect_out "profile A = default, profile B = llm-viewer"
expect_out "only A"

# ---------------------------------------------------------------------------
# print(model) texts as MODEL (docs/repr.md)
# ---------------------------------------------------------------------------
REPR="$3/repr"

# Llama-2-7b at seq-len 2048, 32 heads of 4096 / 32 = 128: qk_matmul
# 2 * 32 * 2048 * 2048 * 128 = 34359738368 per layer; q_proj
# 2 * 2048 * 4096 * 4096 = 68719476736.
run "repr analyze" analyze --attention eager "$REPR/meta-llama--Llama-2-7b-hf.txt" --set num_attention_heads=32 --format csv
expect_rc 0
expect_eq "repr qk_matmul flops" "$(csv_field "$T/out" prefill qk_matmul flops)" 34359738368
expect_eq "repr q_proj flops" "$(csv_field "$T/out" prefill q_proj flops)" 68719476736
expect_err "inferred num_key_value_heads = 32"
expect_err "model.layers.self_attn.rotary_emb (LlamaRotaryEmbedding): not checked"
run "repr with --config" analyze --attention eager "$REPR/meta-llama--Llama-2-7b-hf.txt" --config "$DATA/models/meta-llama--Llama-2-7b-hf.json" --format csv
expect_rc 0
expect_eq "repr --config qk_matmul flops" "$(csv_field "$T/out" prefill qk_matmul flops)" 34359738368
# Llama-3.1-8B: k_proj prints 1024 outputs = 8 KV heads of 128. A decode
# step at seq-len 2048 reads K of 8 heads: 8 * 2048 * 128 * 2 B = 4194304.
run "repr GQA" analyze --attention eager "$REPR/meta-llama--Meta-Llama-3.1-8B-Instruct.txt" --set num_attention_heads=32 --stage decode --format csv
expect_rc 0
expect_eq "repr GQA qk_matmul load_kv" "$(csv_field "$T/out" decode qk_matmul load_kv)" 4194304
expect_err "inferred num_key_value_heads = 8"
run "repr without heads" analyze "$REPR/meta-llama--Llama-2-7b-hf.txt"
expect_rc 2
expect_err "does not show num_attention_heads: give it with --set num_attention_heads=N, or with --config"
run "repr config conflict" analyze "$REPR/meta-llama--Llama-2-7b-hf.txt" --config "$DATA/models/meta-llama--Llama-2-13b-hf.json"
expect_rc 2
expect_err "hidden_size: the print(model) text says 4096"
expect_err "says 5120"
printf 'LlamaForCausalLM(\n  (model): LlamaModel(\n    (layers): ModuleList(\n      (0-31): 30 x LlamaDecoderLayer()\n' >"$T/bad_repr.txt"
run "repr malformed" analyze "$T/bad_repr.txt"
expect_rc 2
expect_err "bad_repr.txt:4:7: bad range (0-31)"
sed 's/LlamaSdpaAttention/LlamaAttn/' "$REPR/meta-llama--Llama-2-7b-hf.txt" >"$T/unk_repr.txt"
run "repr unknown class" analyze "$T/unk_repr.txt" --set num_attention_heads=32
expect_rc 2
expect_err "model.layers.self_attn: unknown module class 'LlamaAttn' (closest known"
run "repr --set syntax" analyze "$REPR/meta-llama--Llama-2-7b-hf.txt" --set heads
expect_rc 1
expect_err "--set: expected NAME=VALUE"
# A vision-language text: the tower's numbers go to vision_config (its head
# count by --set); with an image the tower's ops run (Qwen2.5-VL's merger).
run "repr VLM" analyze "$REPR/Qwen--Qwen2.5-VL-7B-Instruct.txt" --set num_attention_heads=28 --set vision_config.num_heads=16 --images 1 --format csv
expect_rc 0
expect_out "model.visual.merger.mlp.2"
# The printed tower (1024 wide) against a config.json that says 1280
sed 's/"hidden_size": 1024/"hidden_size": 1280/' "$DATA/models/llava-hf--llava-1.5-7b-hf.json" >"$T/llava_wide.json"
run "repr VLM --config conflict" analyze "$REPR/llava-hf--llava-1.5-7b-hf.txt" --config "$T/llava_wide.json"
expect_rc 2
expect_err "vision_config.hidden_size: the print(model) text says 1024 ({model.vision_tower.vision_model.embeddings.patch_embedding.arg1}) but --config $T/llava_wide.json says 1280"
# --set overrides a config.json's fields before the template runs: 16 of
# Llama-2-7b's 32 layers. Per layer 4 * 4096^2 (q k v o) + 3 * 4096 * 11008
# (gate up down) + 2 * 4096 (norms) = 202383360 parameters; the model has
# 6738415616 (data/models/SOURCES.md), so 16 layers fewer leave
# 6738415616 - 16 * 202383360 = 3500281856.
run "--set on a JSON model" analyze --set num_hidden_layers=16 --format json
expect_rc 0
expect_out '"params": 3500281856'
run "--config on a JSON model" analyze --config "$DATA/models/meta-llama--Llama-2-7b-hf.json"
expect_rc 2
expect_err "--config completes a print(model) text"
# OPT-125m from its text alone (no bundled config): fc1 768 -> 3072 with a
# bias at 2048 tokens: 2 * 2048 * 768 * 3072 + 2048 * 3072 = 9669967872.
run "repr OPT" analyze "$REPR/facebook--opt-125m.txt" --set num_attention_heads=12 --stage prefill --format csv
expect_rc 0
expect_eq "repr OPT fc1 flops" "$(csv_field "$T/out" prefill fc1 flops)" 9669967872
run "repr diff" diff "$REPR/meta-llama--Llama-2-7b-hf.txt" --set num_attention_heads=32 --stage prefill --format csv
expect_rc 0
expect_eq "repr diff q_proj flops_a" "$(csv_field "$T/out" prefill q_proj flops_a)" 2199023255552
# Jamba-1.5-Mini's 32 layers print one by one; their kinds (docs/repr.md,
# "Layer kinds") put attention at layers 4, 12, 20, 28 (the config's period
# 8, offset 4): 4 attention layers, and a contradicting offset is an error
run "repr layer kinds" analyze --attention eager "$REPR/ai21labs--AI21-Jamba-1.5-Mini.txt" --set num_attention_heads=32 --stage prefill --format csv
expect_rc 0
expect_eq "repr Jamba qk_matmul count" "$(csv_field "$T/out" prefill qk_matmul count)" 4
run "repr layer pattern conflict" analyze "$REPR/ai21labs--AI21-Jamba-1.5-Mini.txt" --set num_attention_heads=32 --set attn_layer_offset=3
expect_rc 2
expect_err "attn_layer_offset: the layers of model.layers give attn_layer_offset = 4 but --set attn_layer_offset says 3"

# ---- --format json of the listings, and explain (docs/json-output.md) ----
# A100 80GB SXM: 2,039 GB/s and 312 dense FP16 TFLOP/s (NVIDIA A100 datasheet,
# the source data/hardware cites), 80 GiB = 80 * 2^30 = 85899345920 bytes.
run "hardware show json" hardware show a100-80gb --format json
expect_rc 0
expect_out '"bandwidth": 2039000000000,'
expect_out '"memory_bytes": 85899345920,'
expect_out '"fp16": 312000000000000,'
expect_out '"source": "NVIDIA A100 Tensor Core GPU datasheet'
run "hardware list json" hardware list --format json
expect_rc 0
expect_out '"default": "a100-80gb",'
expect_out '"id": "a100-80gb",'
run "hardware bad format" hardware list --format xml
expect_rc 1
expect_err "--format: expected table or json"
# Llama-2-7b: embeddings and lm_head 2 * 32000 * 4096 = 262144000; per layer
# 4 * 4096^2 + 3 * 4096 * 11008 + 2 * 4096 = 202383360, x 32 = 6476267520;
# final norm 4096: 6738415616 parameters; context 4096 (its config).
run "models json" models --format json
expect_rc 0
expect_out '"name": "meta-llama/Llama-2-7b-hf",'
expect_out '"params": 6738415616,'
expect_out '"context": 4096'
# torch.nn.Linear's entry (data/profiles/default/modules/torch.json)
run "modules show json" modules show torch.nn.Linear --format json
expect_rc 0
expect_out '"key": "torch_Linear",'
expect_out '"flops": "2 * {tokens} * {in_features} * {out_features} + {bias} * {tokens} * {out_features} + ({w_bit} < {a_bit} ? 2 * {in_features} * {out_features} : 0)"'
expect_out '"default": "{B} * {S}"'
expect_out_re '"file": ".*/modules/torch.json"'
run "modules list json" modules list --format json
expect_rc 0
expect_out '"profile": "default",'
expect_out '"key": "torch_Linear",'
# qk_matmul at batch 8, 1024 tokens: 2 * {B} * {num_heads} * {S} * {ctx} * {head_dim}
# (llama.json) = 2 * 8 * 32 * 1024 * 1024 * 128 = 2^36 = 68719476736
run "explain json" explain --op model.layers.self_attn.qk_matmul --batch 8 --seq-len 1024 --format json
expect_rc 0
expect_out '"text": "2 * 8 * 32 * 1024 * 1024 * 128",'
expect_out '"value": 68719476736'
expect_out '"node": "model.layers.self_attn",'
run "explain table" explain meta-llama/Llama-2-7b-hf --op model.layers.self_attn.qk_matmul --batch 8 --seq-len 1024
expect_rc 0
expect_out "= 2 * 8 * 32 * 1024 * 1024 * 128"
expect_out "= 68719476736"
run "explain unknown op" explain --op model.nothing
expect_rc 2
expect_err "no op with path 'model.nothing'"
run "explain without op" explain
expect_rc 1
expect_err "--op PATH is required"
run "explain csv" explain --op lm_head --format csv
expect_rc 1

# ---- the model from standard input (issue 15): a config.json, a
# print(model) text and an architecture JSON, told apart by content ----
# run_stdin NAME FILE ARGS...: like run, FILE on standard input
run_stdin() {
    name=$1
    local in=$2
    shift 2
    "$BIN" --data-dir "$DATA" "$@" <"$in" >"$T/out" 2>"$T/err"
    rc=$?
}
# Llama-2-7b has 6738415616 parameters (data/models/SOURCES.md), from its
# config.json and from its printed module tree alike
run_stdin "stdin config.json" "$DATA/models/meta-llama--Llama-2-7b-hf.json" analyze - --format json
expect_rc 0
expect_out '"params": 6738415616'
run_stdin "stdin print(model)" "$REPR/meta-llama--Llama-2-7b-hf.txt" analyze - --set num_attention_heads=32 --format json
expect_rc 0
expect_out '"params": 6738415616'
# the prototype-format arch of cli_errors.sh: Linear 64 -> 64 at B=1, S=8:
# 2 * 8 * 64 * 64 = 65536 prefill FLOPs
run_stdin "stdin architecture JSON" "$3/cli/proto_arch.json" --module-db "$3/cli/proto.json" analyze - --format csv --seq-len 8 --stage prefill
expect_rc 0
expect_eq "prefill flops" "$(csv_field "$T/out" prefill test_ProtoProj flops)" 65536
# diff loads the model once per profile: standard input is read once
run_stdin "stdin twice (diff)" "$DATA/models/meta-llama--Llama-2-7b-hf.json" diff - --stage prefill --format csv
expect_rc 0
expect_out "q_proj"

# ---- -o FILE: the format from the extension; --format wins when given ----
run "-o x.json" analyze -o "$T/x.json"
expect_rc 0
expect_eq "x.json starts" "$(head -c 1 "$T/x.json")" "{"
check grep -q '"settings"' "$T/x.json"
run "-o x.csv" analyze -o "$T/x.csv" --stage prefill
expect_rc 0
expect_eq "x.csv prefill q_proj flops is a number" \
    "$(csv_field "$T/x.csv" prefill q_proj flops | tr -d '0-9')" ""
# every row carries the model, device, profile and settings
expect_eq "x.csv model column" "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model") c = i }
    NR == 2 { print $c }' "$T/x.csv")" "meta-llama/Llama-2-7b-hf"
expect_eq "x.csv seq_len column" "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seq_len") c = i }
    NR == 3 { print $c }' "$T/x.csv")" 2048
run "-o x.md" analyze -o "$T/x.md"
expect_rc 0
check grep -q '^|' "$T/x.md"
run "-o x.txt keeps the table" analyze -o "$T/x.txt" --format csv
expect_rc 0
check grep -q '^stage,' "$T/x.txt"
run "sweep -o x.jsonl" sweep --batch 1,2 -o "$T/x.jsonl"
expect_rc 0
expect_eq "x.jsonl lines" "$(grep -c '^{"model":"meta-llama/Llama-2-7b-hf",' "$T/x.jsonl")" 2

# ---- completion scripts (cli/cmd_completion.c) ----
run "completion bash" completion bash
expect_rc 0
expect_out "complete -o filenames -F _llmroof llmroof"
# every row of the settings table is an option of analyze; a choice row
# completes to its choices (--a-dtype int|fp8, from the table)
expect_out '--a-dtype) COMPREPLY=($(compgen -W "int fp8" -- "$cur")); return ;;'
expect_out_re '^    analyze\) opts=".*--no-causal.*--kv-group-size'
run "completion zsh" completion zsh -o "$T/_llmroof"
expect_rc 0
check grep -qx '#compdef llmroof' "$T/_llmroof"
check grep -qF "'serve-plan:the largest batch that fits" "$T/_llmroof"
run "completion fish" completion fish
expect_rc 1
expect_err "expected bash or zsh, got 'fish'"
run "completion nothing" completion
expect_rc 1
expect_err "expected bash or zsh, got 'nothing'"
# ---------------------------------------------------------------------------
# Vision-language models (docs/families/vision.md): --images, --image-size
# ---------------------------------------------------------------------------
# LLaVA-1.5: (336 / 14)^2 = 576 tokens per image
run "llava --images 2" analyze llava-hf/llava-1.5-7b-hf --images 2 --stage prefill
expect_rc 0
expect_out "2 images of the model's default size per sequence: 1152 image tokens join the prompt"
expect_out "model.multi_modal_projector.linear_1"
# Qwen2.5-VL at 640 x 480: round(480 / 28) = 17 x round(640 / 28) = 23 = 391
run "qwen2.5-vl --image-size" analyze Qwen/Qwen2.5-VL-7B-Instruct --images 1 --image-size 640x480
expect_rc 0
expect_out "1 image of 640x480 per sequence: 391 image tokens join the prompt"
# no images: the text part alone runs, the vision tower is only counted
run "qwen2.5-vl no images" analyze Qwen/Qwen2.5-VL-7B-Instruct --stage prefill
expect_rc 0
expect_out "parameters 8,292,166,656"
expect_no_out_text "model.visual"
expect_no_out_text "image tokens"
run "qwen2.5-vl json settings" analyze Qwen/Qwen2.5-VL-7B-Instruct --images 3 --image-size 448 --format json
expect_rc 0
expect_out '"images": 3'
expect_out '"image_size": "448"'
# 3 images of 448 x 448: 3 x 16 x 16 = 768 tokens
expect_out '"image_tokens": 768'
run "arch shows when" arch meta-llama/Llama-3.2-90B-Vision-Instruct
expect_rc 0
expect_out "[runs when ({images} > 0)]"
expect_no_err_text "not counted"

if [ "$fails" -gt 0 ]; then
    echo "cli_commands: $fails of $checks checks failed"
    exit 1
fi
echo "cli_commands: all $checks checks passed"
exit 0
