#!/usr/bin/env bash
# cli_generate.sh BINARY DATA_DIR FIXTURES_DIR: `llmroof generate` and the
# benchmark's output contract.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-gen

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
# the serving simulation's figure (bench/run.sh, README "Speed")
expect_out_re '^simulate_10k_ms: [0-9.]+$'


# ---- sweep ----
# 2 batches x 3 lengths (128, 256, 512) = 6 rows + the header
run "sweep lists and ranges" sweep --batch 1,2 --seq-len 128:512:x2
expect_rc 0
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" -eq 7 ] || fail "sweep: expected 7 lines, got $(wc -l <"$T/out")"
cp "$T/out" "$T/sweep2"
# the same rows in the same order on one thread
run "sweep one thread" sweep --batch 1,2 --seq-len 128:512:x2 --threads 1
checks=$((checks + 1))
cmp -s "$T/out" "$T/sweep2" || fail "sweep: output depends on the thread count"
# a row equals the analysis of the same settings: prefill total FLOPs of
# batch 2, seq 256 (the sweep's prefill_flops column, found by name: the
# columns carry the model, profile, hardware and every setting of the
# table: batch is column 4, seq_len 5; the total row of analyze's CSV)
want=$("$BIN" --data-dir "$DATA" analyze --batch 2 --seq-len 256 --format csv --stage prefill |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "flops") c = i } $2 == "total" { print $c }')
got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "prefill_flops") c = i }
    $4 == 2 && $5 == 256 { print $c }' "$T/sweep2")
checks=$((checks + 1))
[ -n "$want" ] && [ "$got" = "$want" ] || fail "sweep row: prefill flops '$got', analyze says '$want'"
# +K ranges: kv groups 0, 50, 100 -> 3 rows
run "sweep additive range" sweep --kv-group-size 0:100:+50
expect_rc 0
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" -eq 4 ] || fail "sweep +K range: expected 4 lines"
# --ops: one row per present op and stage: 21 in each stage for Llama (eager;
# the default engine's flash would fuse qk_matmul, softmax and sv_matmul)
run "sweep ops" sweep --ops --attention eager
expect_rc 0
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" -eq 43 ] || fail "sweep --ops: expected 1 + 2 * 21 lines, got $(wc -l <"$T/out")"
run "sweep jsonl" sweep --batch 1:3 --format jsonl --hardware a100-80gb,h100-sxm --profile default,llm-viewer
expect_rc 0
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" -eq 12 ] || fail "sweep jsonl: expected 3 x 2 x 2 = 12 lines"
expect_out '"profile":"llm-viewer"'
run "sweep empty range" sweep --batch 5:1
expect_rc 1
expect_err "empty"
run "sweep bad step" sweep --seq-len 1:8:x1
expect_rc 1
expect_err "range step"


# ---- serve-plan ----
# Llama-2-7b, A100 80GB (85,899,345,920 B) at 90%: 77,309,411,328 B. At the
# end of prompt 1024 + 256 generated tokens the cache holds 1280 tokens (80
# pages of 16) per sequence: 1280 * 2 * 32 * 4096 * 2 B = 671,088,640 B.
# The engine reserves one pass of 8192 tokens (8 prompts of 1024): eager
# softmax reads and writes 8 * 32 * 1024 * 1024 * 2 B each = 1,073,741,824 B,
# plus the residual stream 8192 * 4096 * 2 = 67,108,864 B: 1,140,850,688 B.
# Runtime 3,758,096,384 B (aiconfigurator other_mem). Weights
# 13,476,831,232 B. So b <= (77,309,411,328 - 13,476,831,232 -
# 1,140,850,688 - 3,758,096,384) / 671,088,640 = 58,933,633,024 /
# 671,088,640 = 87.8: 87. The KV capacity: 58,933,633,024 B in pages of
# 16 * 524,288 B = 8,388,608 B: 7,025 pages = 112,400 tokens; 7,025 / 80
# pages per sequence = 87.8: 87 sequences.
run "serve-plan max batch" serve-plan --attention eager --format json
expect_rc 0
expect_out '"max_batch": 87'
expect_out '"kv_capacity_tokens": 112400'
expect_out '"max_sequences": 87'
# a target nobody meets
run "serve-plan impossible target" serve-plan --max-tpot 1us
expect_rc 0
expect_out "no batch meets the targets"
run "serve-plan bad mem-util" serve-plan --mem-util 1.5
expect_rc 1
expect_err "--mem-util"
run "serve-plan bad time" serve-plan --max-ttft soon
expect_rc 1
expect_err "--max-ttft"

# ---- outputs carry what produced them (issue 15) ----
# col NAME [ROW]: the value of column NAME (by header name) in row ROW (2)
col() {
    awk -F, -v c="$1" -v r="${2:-2}" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i }
        NR == r && k { print $k }' "$T/out"
}
run "generate csv settings" generate --gen-len 8 --format csv --tp 2 --a-dtype fp8 --hardware h100-sxm
expect_rc 0
expect_eq "model column" "$(col model)" "meta-llama/Llama-2-7b-hf"
expect_eq "hardware column" "$(col hardware)" "h100-sxm"
expect_eq "profile column" "$(col profile)" "default"
expect_eq "tp column" "$(col tp)" 2
expect_eq "a_dtype column" "$(col a_dtype)" fp8
expect_eq "w_group_size column" "$(col w_group_size)" 0
# every setting of the table but seq_len (a generation has its own lengths)
for k in batch w_bit a_bit kv_bit all_logits attention causal w_asym kv_group_size pp ep microbatches; do
    expect_eq "generate csv has $k" "$(head -n 1 "$T/out" | tr ',' '\n' | grep -cx "$k")" 1
done
run "serve-plan json settings" serve-plan --format json --max-tpot 30ms --tp 2 --max-batch 4
expect_rc 0
expect_out '"profile": "default"'
expect_out '"settings": {'
expect_out '"tp": 2'
expect_out '"max_tpot_s": 0.03'
expect_out '"max_ttft_s": null'
expect_out '"max_batch": 4'
# the rows vary the batch: it is no setting of the plan (the settings
# object, from its line to the closing brace, has no "batch" key)
checks=$((checks + 1))
sed -n '/"settings": {/,/}/p' "$T/out" | grep -q '"batch"' &&
    fail "$name: settings should not hold batch"
run "serve-plan csv settings" serve-plan --format csv --max-ttft 2s --kv-bit 8 --max-batch 3
expect_rc 0
expect_eq "rows" "$(wc -l <"$T/out" | tr -d ' ')" 4
expect_eq "model column" "$(col model 4)" "meta-llama/Llama-2-7b-hf"
expect_eq "max_ttft_s column" "$(col max_ttft_s 3)" 2
expect_eq "max_tpot_s column (none)" "$(col max_tpot_s)" ""
expect_eq "kv_bit column" "$(col kv_bit)" 8
expect_eq "mem_util column" "$(col mem_util)" 0.9

finish cli_generate
