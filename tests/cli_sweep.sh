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

echo "cli_sweep: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
