#!/usr/bin/env bash
# cli_sweep.sh BINARY DATA_DIR JSON_LINES
#
# `llmroof sweep`: every row of the settings table is sweepable (lists and
# ranges through the table's parser and messages), the CSV and JSON lines
# carry every setting, and JSON lines are valid whatever the profile's name
# (JSON_LINES, built from tests/json_lines.c, parses each line).
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BINARY DATA_DIR JSON_LINES" >&2
    exit 1
fi
BIN=$1
DATA=$2
JL=$3
unset LLMROOF_DATA

T=$(mktemp -d "${TMPDIR:-/tmp}/llmroof-cli-sweep.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fails=0
checks=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
name=
rc=0
run() {
    name=$1
    shift
    "$BIN" --data-dir "$DATA" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
expect_rc() {
    checks=$((checks + 1))
    [ "$rc" -eq "$1" ] || fail "$name: exit code $rc, expected $1; stderr: $(head -c 300 "$T/err" | tr '\n' ' ')"
}
expect_err() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$T/err" || fail "$name: stderr lacks '$1'; got: $(head -c 300 "$T/err" | tr '\n' ' ')"
}
expect_eq() {
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$name: $1 is '$2', expected '$3'"
}
# col NAME: the values of CSV column NAME (by header), one a line.
col() {
    awk -F, -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        c { print $c }' "$T/out"
}
lines() { wc -l <"$T/out" | tr -d ' '; }

# ---- columns: model, profile, hardware, then every setting in table order ----
run "header" sweep
expect_rc 0
expect_eq "header" "$(head -n 1 "$T/out" | cut -d, -f1-19)" \
    "model,profile,hardware,batch,seq_len,w_bit,a_bit,kv_bit,all_logits,attention,causal,w_group_size,w_asym,kv_group_size,a_dtype,tp,pp,ep,microbatches"

# ---- flags and choices as lists ----
run "causal list" sweep --causal true,false
expect_rc 0
expect_eq "causal column" "$(col causal | tr '\n' ' ')" "true false "
run "--no-causal" sweep --no-causal
expect_rc 0
expect_eq "--no-causal column" "$(col causal | tr '\n' ' ')" "false "
run "w-asym and a-dtype" sweep --w-asym true,false --a-dtype int,fp8
expect_rc 0
expect_eq "rows" "$(lines)" 5
expect_eq "w_asym column" "$(col w_asym | tr '\n' ' ')" "true true false false "
expect_eq "a_dtype column" "$(col a_dtype | tr '\n' ' ')" "int fp8 int fp8 "
# all-logits: the prefill lm_head computes logits for all 2048 tokens, not
# one: Llama-2-7b, h = 4096, V = 32000, 2 FLOPs per multiply-add:
# 2 * 4096 * 32000 * (2048 - 1) = 262144000 * 2047 = 536608768000 more.
run "all-logits list" sweep --all-logits false,true
expect_rc 0
a=$(col prefill_flops | sed -n 1p)
b=$(col prefill_flops | sed -n 2p)
expect_eq "all-logits prefill FLOPs difference" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", b - a }')" 536608768000

# ---- a_bit moves kv_bit unless kv_bit is swept ----
run "a-bit alone" sweep --a-bit 8,16
expect_eq "kv_bit follows a_bit" "$(col kv_bit | tr '\n' ' ')" "8 16 "
run "a-bit and kv-bit" sweep --a-bit 8 --kv-bit 4,16
expect_eq "kv_bit as given" "$(col kv_bit | tr '\n' ' ')" "4 16 "

# ---- number rows: fractional values, --setting by name ----
run "w-bit fractions" sweep --w-bit 4.5,16
expect_rc 0
expect_eq "w_bit column" "$(col w_bit | tr '\n' ' ')" "4.5 16 "
run "--setting list" sweep --setting seq_len=128:512:x2 --setting attention=eager,flash
expect_rc 0
expect_eq "rows" "$(lines)" 7

# ---- errors: the table's messages under the option's name ----
run "bad seq-len" sweep --seq-len 128,x
expect_rc 1
expect_err "llmroof sweep: --seq-len: expected a whole number from 1 to 1000000000, got 'x'"
run "bad attention" sweep --attention eager,sparse
expect_rc 1
expect_err "--attention: expected eager or flash, got 'sparse'"
run "bad flag" sweep --causal maybe
expect_rc 1
expect_err "--causal: expected true or false, got 'maybe'"
run "range on a choice" sweep --a-dtype int:fp8
expect_rc 1
expect_err "--a-dtype: expected int or fp8, got 'int:fp8'"
run "bad --setting" sweep --setting seq_len=0
expect_rc 1
expect_err "--setting seq_len: expected a whole number from 1 to 1000000000, got '0'"
run "unknown --setting" sweep --setting bogus=1
expect_rc 1
expect_err "--setting: expected NAME=LIST with NAME a setting, got 'bogus=1'"

# ---- a profile whose name needs escaping: valid JSON lines, quoted CSV ----
P="$T/my \"q\" prof"
cp -r "$DATA/profiles/default" "$P"
sed -i 's/"name": "default"/"name": "my \\"q\\" prof"/' "$P/profile.json"
run "quoted profile jsonl" sweep --profile "$P" --batch 1,2 --format jsonl
expect_rc 0
"$JL" profile <"$T/out" >"$T/names" 2>"$T/jlerr"
checks=$((checks + 1))
[ $? -eq 0 ] || fail "$name: invalid JSON lines: $(head -c 300 "$T/jlerr")"
expect_eq "profile names read back" "$(tr '\n' '|' <"$T/names")" 'my "q" prof|my "q" prof|'
run "quoted profile csv" sweep --profile "$P"
expect_rc 0
expect_eq "CSV profile field" "$(sed -n 2p "$T/out" | cut -d, -f2- | cut -c1-18)" '"my ""q"" prof",a1'

# ---- several models (the model varies slowest), --models-from ----
# parameter counts published for the bundled configs (data/models/SOURCES.md):
# Llama-2-7b 6,738,415,616; Mistral-7B-v0.1 7,241,732,096
run "two models" sweep meta-llama/Llama-2-7b-hf mistralai/Mistral-7B-v0.1 --batch 1,2
expect_rc 0
expect_eq "model column" "$(col model | tr '\n' ' ')" \
    "meta-llama/Llama-2-7b-hf meta-llama/Llama-2-7b-hf mistralai/Mistral-7B-v0.1 mistralai/Mistral-7B-v0.1 "
expect_eq "batch column" "$(col batch | tr '\n' ' ')" "1 2 1 2 "
expect_eq "params column" "$(col params | tr '\n' ' ')" "6738415616 6738415616 7241732096 7241732096 "
expect_eq "no generation columns" "$(head -1 "$T/out" | grep -c ttft_s)" 0
printf '# two models\nLlama-2-7b-hf   # the default one\n\n  mistralai/Mistral-7B-v0.1\r\n' >"$T/models.txt"
run "--models-from" sweep --models-from "$T/models.txt"
expect_rc 0
expect_eq "models from the file" "$(col model | tr '\n' ' ')" \
    "meta-llama/Llama-2-7b-hf mistralai/Mistral-7B-v0.1 "
run "--models-from missing" sweep --models-from "$T/nothing.txt"
expect_rc 2
expect_err "--models-from $T/nothing.txt: cannot open it"
printf '# nothing\n\n' >"$T/empty.txt"
run "--models-from without models" sweep --models-from "$T/empty.txt"
expect_rc 1
expect_err "no model in it"

# ---- a generation per row (--prompt-len, --gen-len) ----
run "generation columns" sweep --seq-len 512 --prompt-len 512 --gen-len 8 --batch 1,4
expect_rc 0
# the time to first token is the prefill of the prompt: at seq_len = prompt
# it equals the row's prefill latency, roofline and expected
expect_eq "ttft = prefill latency" "$(col ttft_s | tr '\n' ' ')" "$(col prefill_latency_s | tr '\n' ' ')"
expect_eq "expected ttft" "$(col expected_ttft_s | tr '\n' ' ')" \
    "$(col prefill_expected_latency_s | tr '\n' ' ')"
# output tokens/s = batch x generated tokens / latency (docs/generation.md)
expect_eq "tokens/s" "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { r = $h["batch"] * 8 / $h["gen_latency_s"] / $h["output_tokens_per_s"]; print (r > 1 - 1e-12 && r < 1 + 1e-12) }' "$T/out" | tr '\n' ' ')" "1 1 "
expect_eq "lengths" "$(col prompt_len | tr '\n' ' ')/$(col gen_len | tr '\n' ' ')" "512 512 /8 8 "
run "generation jsonl" sweep --batch 1,2 --gen-len 16 --format jsonl
expect_rc 0
expect_eq "generation objects" "$(grep -c '"generation":{"prompt_len":1024,"gen_len":16,"ttft_s":' "$T/out")" 2

# ---- --set and --hw-set, as analyze takes them ----
# 16 of Llama-2-7b's 32 layers: embeddings and head 2 x 32000 x 4096, each
# layer 4 x 4096^2 + 3 x 4096 x 11008 + 2 x 4096 = 202,383,360, final norm 4096
run "--set" sweep --set num_hidden_layers=16 --batch 1
expect_rc 0
expect_eq "params with 16 layers" "$(col params)" "$((262144000 + 16 * 202383360 + 4096))"
# a decode step at batch 1 is memory bound in every op on an A100: twice the
# bandwidth, half the time
run "--hw-set" sweep --hardware a100-80gb,h100-sxm --hw-set memory_bandwidth=4.078T --batch 1
expect_rc 0
cp "$T/out" "$T/fast.csv"
run "without --hw-set" sweep --hardware a100-80gb --batch 1
expect_eq "decode latency halved" "$(col decode_latency_s | awk -v f="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "decode_latency_s") c = i; next } NR == 2 { print $c }' "$T/fast.csv")" '{ r = $1 / f; print (r > 2 - 1e-9 && r < 2 + 1e-9) }')" 1
run "--hw-set bad" sweep --hw-set memory_bandwidth=0
expect_rc 1
expect_err "memory_bandwidth"
run "--set bad" sweep --set nonsense
expect_rc 1
expect_err "--set: expected NAME=VALUE, got 'nonsense'"

# ---- options of analyze a sweep does not take ----
run "--stage" sweep --stage decode
expect_rc 1
expect_err "sweep does not take --stage (every row has the prefill and a decode step)"
run "--family" sweep --family llama
expect_rc 1
expect_err "sweep does not take --family"

# ---- charts of any two columns ----
run "--x --y chart" sweep Llama-2-7b-hf mistralai/Mistral-7B-v0.1 --batch 1:32:x2 --gen-len 64 \
    --svg "$T/xy.svg" --x output_tokens_per_s --y tpot_mean_s -o "$T/rows.csv"
expect_rc 0
checks=$((checks + 1))
xmllint --noout "$T/xy.svg" 2>"$T/xmlerr" || fail "$name: invalid SVG: $(head -c 200 "$T/xmlerr")"
# one chart, one line per model (the other varying digit), its title naming both columns
expect_eq "chart title" "$(grep -c 'tpot_mean_s against output_tokens_per_s, along batch' "$T/xy.svg")" 1
expect_eq "legend" "$(grep -o '>meta-llama/Llama-2-7b-hf<\|>mistralai/Mistral-7B-v0.1<' "$T/xy.svg" | sort -u | wc -l | tr -d ' ')" 2
run "--x alone" sweep --batch 1,2 --svg "$T/a.svg" --x batch
expect_rc 1
expect_err "--x and --y go together"
run "--x --y without --svg" sweep --batch 1,2 --x batch --y decode_latency_s
expect_rc 1
expect_err "give --svg"
run "unknown column" sweep --batch 1,2 --svg "$T/a.svg" --x batch --y decode_latncy_s
expect_rc 1
expect_err "'decode_latncy_s' is not a numeric column; did you mean decode_latency_s?"
run "generation column without lengths" sweep --batch 1,2 --svg "$T/a.svg" --x batch --y ttft_s
expect_rc 1
expect_err "--y ttft_s: a generation's column needs --prompt-len or --gen-len"

echo "cli_sweep: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
