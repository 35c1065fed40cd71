#!/usr/bin/env bash
# cli_simulate.sh BINARY DATA_DIR FIXTURES_DIR: `llmroof simulate`: its
# outputs (--html too), determinism, a trace against `generate`, and its errors.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-sim
M=meta-llama/Meta-Llama-3.1-8B

run "simulate json" simulate $M --hardware h100-sxm --num-requests 200 --rate 5 --seed 3 \
    --format json --slo-ttft 200ms --slo-tpot 50ms --svg "$T/sim.svg" --requests-csv "$T/req.csv"
expect_rc 0
for k in '"ttft_s": {' '"tpot_s": {' '"itl_s": {' '"e2e_s": {' '"queue_s": {' '"p99"' \
    '"requests_per_s"' '"output_tokens_per_s"' '"goodput_requests_per_s"' '"preemptions"' \
    '"settings": {' '"max_batched_tokens": 8192' '"kv_use": {' '"slo_ttft_s": 0.2' \
    '"requests_from": "sharegpt, Poisson arrivals"' '"engine": "vllm"'; do
    expect_out "$k"
done
# the distributions: percentiles 1 to 100, nearest rank; the 50th, 90th and
# 99th are the summary's p50, p90 and p99 (computed apart, in simulate.c)
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("ttft_s", "tpot_s", "e2e_s"):
    v = d["cdf"][k]
    assert len(v) == 100 and v == sorted(v), k
    assert (v[49], v[89], v[98]) == (d[k]["p50"], d[k]["p90"], d[k]["p99"]), k
' "$T/out"
cp "$T/out" "$T/a.json"
check grep -q '<svg' "$T/sim.svg"
check grep -q 'Latency CDF' "$T/sim.svg"
# a header and one row per request
expect_eq "request rows" "$(wc -l <"$T/req.csv")" 201
check grep -q '^request,arrival_s,prompt_len,output_len,prefix_hit' "$T/req.csv"

# --html: one self-contained page, well-formed (XML, and HTML but for the
# SVG tags the HTML parser does not know), with the percentiles the table
# prints (the same run: each row's four cells are the table's four values)
run "simulate html" simulate $M --hardware h100-sxm --num-requests 200 --rate 5 --seed 3 \
    --slo-ttft 200ms --slo-tpot 50ms --html "$T/sim.html"
expect_rc 0
check xmllint --noout "$T/sim.html"
xmllint --html --noout "$T/sim.html" 2>"$T/xml"
grep "parser error" "$T/xml" | grep -v "Tag [a-z]* invalid" >"$T/bad"
check test ! -s "$T/bad"
for banned in 'http:' 'https:' '//' '@import' 'url(' 'src=' 'href='; do
    check test "$(grep -cF -- "$banned" "$T/sim.html")" = 0
done
expect_eq "charts" "$(grep -c '<svg ' "$T/sim.html")" 4
check grep -qF '<table class="sim" id="sim-latency">' "$T/sim.html"
check grep -qF '<script type="application/json" id="llmroof-data">' "$T/sim.html"
check grep -qF '"goodput_requests_per_s":' "$T/sim.html"
run "simulate table" simulate $M --hardware h100-sxm --num-requests 200 --rate 5 --seed 3 \
    --slo-ttft 200ms --slo-tpot 50ms
for row in "time to first token:TTFT" "time per output token:TPOT" "inter-token latency:ITL" \
    "end-to-end latency:E2E"; do
    name=${row%%:*}
    # "  time to first token  6.05 ms  5.45 ms ..." -> "<td>6.05 ms</td><td>5.45 ms</td>..."
    cells=$(grep "^  $name " "$T/out" | sed "s/^  $name *//" |
        sed -E 's/ *([0-9.e+-]+ [a-zA-Z]*s)/<td>\1<\/td>/g')
    check grep -qF "<tr><td>$name (${row##*:})</td>$cells</tr>" "$T/sim.html"
done

run "same seed" simulate $M --hardware h100-sxm --num-requests 200 --rate 5 --seed 3 \
    --format json --slo-ttft 200ms --slo-tpot 50ms
check cmp -s "$T/out" "$T/a.json"
run "other seed" simulate $M --hardware h100-sxm --num-requests 200 --rate 5 --seed 4 \
    --format json --slo-ttft 200ms --slo-tpot 50ms
differs() { ! cmp -s "$1" "$2"; }
check differs "$T/out" "$T/a.json"

# A trace of two requests 100 s apart: each sees the unloaded latency, so
# request 2's TTFT (prompt 512) is generate's expected TTFT of 512 tokens
# and its TPOT (64 tokens: 63 decode steps) generate's with --gen-len 63.
printf 'arrival_s,prompt_len,output_len\n0,100,5\n100,512,64\n' >"$T/trace.csv"
run "trace" simulate $M --hardware h100-sxm --trace "$T/trace.csv" --format csv
expect_rc 0
cp "$T/out" "$T/trace.out"
run "generate 512" generate $M --hardware h100-sxm --prompt-len 512 --gen-len 63 --format csv
check awk -F, 'NR == FNR { if (FNR == 2) { t = $18; p = $19 } next }
    FNR == 3 { d1 = $9 - t; d2 = $10 - p; if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2
               exit !(d1 <= 1e-9 * t && d2 <= 1e-9 * p) }' "$T/out" "$T/trace.out"

# An SLO no request meets: goodput 0
run "slo" simulate $M --hardware h100-sxm --burst 20 --prompt-len 256 --output-len 16 \
    --slo-ttft 1us --format json
expect_rc 0
expect_out '"goodput_requests_per_s": 0,'
expect_out '"slo_met": 0,'

run "table" simulate $M --hardware h100-sxm --burst 50 --workload code-completion \
    --replicas 2 --route least-loaded
expect_rc 0
expect_out "time to first token"
expect_out "2 instance(s), 2 device(s)"

run "disagg" simulate $M --hardware h100-sxm --burst 20 --disagg 1:2 --format json
expect_rc 0
expect_out '"instances": 3'
expect_out '"disagg_decode": 2'

run "spec" simulate $M --hardware h100-sxm --burst 8 --spec-tokens 3 --spec-accept 0.7
expect_rc 0

# errors: each names the option and what was expected
run "bad disagg" simulate $M --disagg 2
expect_rc 1
expect_err "--disagg: expected P:D"
run "bad route" simulate $M --route random
expect_rc 1
expect_err "--route: expected round-robin or least-loaded"
run "no unit" simulate $M --slo-ttft 5
expect_rc 1
expect_err "expected a positive time with a unit"
run "unknown workload" simulate $M --workload chatty
expect_rc 1
expect_err "known: "
expect_err "sharegpt"
run "trace and rate" simulate $M --trace "$T/trace.csv" --rate 3
expect_rc 1
expect_err "--trace brings arrivals"
run "spec accept alone" simulate $M --spec-accept 0.5
expect_rc 1
expect_err "--spec-accept needs --spec-tokens"
run "seq-len" simulate $M --seq-len 100
expect_rc 1
expect_err "seq-len"
printf 'arrival_s,prompt_len\n0,100\n' >"$T/bad.csv"
run "trace without output_len" simulate $M --trace "$T/bad.csv"
expect_rc 2
expect_err "no output_len column"
printf 'arrival_s,prompt_len,output_len\n0,100,-3\n' >"$T/bad.csv"
run "trace negative" simulate $M --trace "$T/bad.csv"
expect_rc 2
expect_err ":2:"
printf 'arrival_s,prompt_len,output_len\n0,100,5\n1,100\n' >"$T/bad.csv"
run "trace short row" simulate $M --trace "$T/bad.csv"
expect_rc 2
expect_err ":3:0: expected at least 3 fields"
run "too few blocks" simulate $M --kv-blocks 3 --burst 2 --prompt-len 100 --output-len 10
expect_rc 3
expect_err "needs 7 KV blocks"
expect_no_stdout

# ---- capacity planning: serve-plan --rate ----
run "serve-plan rate" serve-plan $M --rate 20 --slo-ttft 200ms --slo-tpot 30ms --devices h100-sxm \
    --tp 1,2 --num-requests 200 --format json --svg "$T/pareto.svg"
expect_rc 0
for k in '"configurations": [' '"pareto": [' '"devices": ' '"tp": 1' '"pp": 1' '"ep": 1' \
    '"layout": "aggregated"' '"layout": "disaggregated"' '"meets_slo": true' \
    '"tokens_per_s_per_gpu"' '"tokens_per_s_per_user"' '"percentile": 90'; do
    expect_out "$k"
done
check grep -q '<svg' "$T/pareto.svg"
run "serve-plan rate table" serve-plan $M --rate 20 --slo-tpot 30ms --devices h100-sxm --tp 1 \
    --no-disagg --num-requests 100
expect_rc 0
expect_out "h100-sxm"
expect_out "pareto"
# a MoE model: tp 2 is tried with ep 1 and ep = tp = 2, pp 1 and 2; with
# --no-expert-parallel, ep 1 only; a dense model never gets ep > 1
run "serve-plan moe" serve-plan Mixtral-8x7B-v0.1 --rate 5 --slo-ttft 500ms --devices h100-sxm \
    --tp 2 --max-num-seqs 256 --no-disagg --num-requests 100 --format json
expect_rc 0
expect_out '"ep": 2,'
expect_out '"pp": 2,'
run "serve-plan moe, no ep" serve-plan Mixtral-8x7B-v0.1 --rate 5 --slo-ttft 500ms \
    --devices h100-sxm --tp 2 --pp 1 --no-expert-parallel --no-disagg --num-requests 100 --format json
expect_rc 0
check test "$(grep -c '"ep": 2,' "$T/out")" = 0
run "serve-plan dense: no ep" serve-plan $M --rate 5 --slo-ttft 500ms --devices h100-sxm --tp 2 \
    --pp 1 --no-disagg --num-requests 100 --format json
expect_rc 0
check test "$(grep -c '"ep": 2,' "$T/out")" = 0
expect_out '"tp": 2,'
run "serve-plan bad pp" serve-plan $M --rate 5 --slo-ttft 1s --pp 0
expect_rc 1
expect_err "--pp"
run "serve-plan rate without target" serve-plan $M --rate 20
expect_rc 1
expect_err "--rate needs a target"
run "serve-plan bad percentile" serve-plan $M --rate 20 --slo-ttft 1s --percentile 75
expect_rc 1
expect_err "expected 50, 90 or 99"
run "serve-plan unknown device" serve-plan $M --rate 20 --slo-ttft 1s --devices h1000
expect_rc 1

finish cli_simulate
