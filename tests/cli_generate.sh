#!/usr/bin/env bash
# cli_generate.sh BINARY DATA_DIR FIXTURES_DIR: `llmroof generate` and the
# benchmark's output contract.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
T=$(mktemp -d "${TMPDIR:-/tmp}/llmroof-cli-gen.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
checks=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
run() {
    name=$1
    shift
    "$BIN" --data-dir "$DATA" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
expect_rc() {
    checks=$((checks + 1))
    [ "$rc" -eq "$1" ] || fail "$name: exit $rc, expected $1: $(head -c 300 "$T/err")"
}
expect_out() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$T/out" || fail "$name: stdout lacks '$1'"
}
expect_err() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$T/err" || fail "$name: stderr lacks '$1'"
}

run "generate json" generate --prompt-len 1024 --gen-len 1024 --format json
expect_rc 0
for k in ttft_s tpot_mean_s tpot_first_s tpot_last_s latency_s output_tokens_per_s \
    total_tokens_per_s '"prefill"' '"decode"' '"memory"' '"fits": true'; do
    expect_out "$k"
done
# The last step attends 1024 + 1023 + 1 = 2048 tokens: KV cache = 2 (K, V)
# * 32 layers * 2048 tokens * 4096 * 2 B = 1073741824.
expect_out '"kv_cache": 1073741824'
expect_out '"gen_len": 1024'

# latency = ttft + gen_len * tpot_mean (to the printed precision)
run "generate csv" generate --prompt-len 512 --gen-len 64 --format csv --batch 2
expect_rc 0
checks=$((checks + 1))
awk -F, 'NR == 2 { d = $4 + $3 * $5 - $8; if (d < 0) d = -d; exit !(d <= 1e-9 * $8) }' "$T/out" ||
    fail "generate csv: latency != ttft + gen_len * tpot_mean"
# output tokens/s = batch * gen_len / latency
checks=$((checks + 1))
awk -F, 'NR == 2 { d = $9 - $1 * $3 / $8; if (d < 0) d = -d; exit !(d <= 1e-9 * $9) }' "$T/out" ||
    fail "generate csv: output tokens/s != batch * gen_len / latency"

run "generate table" generate --gen-len 16
expect_rc 0
expect_out "time to first token"
expect_out "time per output token"

run "generate bad gen-len" generate --gen-len 0
expect_rc 1
expect_err "--gen-len"
run "generate bad prompt-len" generate --prompt-len abc
expect_rc 1
expect_err "--prompt-len"
run "generate missing value" generate --gen-len
expect_rc 1

run "bench contract" bench --seconds 1
expect_rc 0
checks=$((checks + 1))
tail -n 1 "$T/out" | grep -qE '^analyses/s: [0-9]+$' || fail "bench: last line is not analyses/s: N"
checks=$((checks + 1))
tail -n 2 "$T/out" | head -n 1 | grep -qE '^generate_us: [0-9.]+$' ||
    fail "bench: generate_us: N is not just before the last line"

if [ "$fails" -gt 0 ]; then
    echo "cli_generate: $fails of $checks checks failed"
    exit 1
fi
echo "cli_generate: all $checks checks passed"
