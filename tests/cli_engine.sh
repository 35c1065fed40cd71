#!/usr/bin/env bash
# cli_engine.sh BINARY DATA_DIR FIXTURES_DIR: --engine and the expected
# times in the outputs (docs/expected-time.md): unknown engines are usage
# errors naming the known ones, ideal gives the roofline itself, the
# default engine is the profile's (vllm; llm-viewer: ideal), and the
# expected columns and fields are there in every format.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-engine

run "unknown engine" analyze --engine nosuch
expect_rc 1
expect_err "unknown engine 'nosuch'"
expect_err "known: ideal, llama.cpp, lmdeploy, pytorch, sglang, trtllm, vllm"
expect_no_stdout

run "engine not a name" analyze --engine ../vllm
expect_rc 1
expect_err "--engine: expected a name"

run "unknown engine, generate" generate --engine tgi
expect_rc 1
expect_err "unknown engine 'tgi'"

run "unknown engine, sweep" sweep --engine vllm,tgi
expect_rc 1
expect_err "unknown engine 'tgi'"

# ideal: the expected time of every op (and total) is its roofline time,
# to the last digit of the CSV
run "ideal csv" analyze --engine ideal --format csv
expect_rc 0
checks=$((checks + 1))
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "time_s") t = i; if ($i == "expected_time_s") e = i }; next }
         { n++; if ($t != $e) bad++ } END { exit !(t && e && n > 40 && !bad) }' "$T/out" ||
    fail "ideal csv: expected_time_s differs from time_s (or columns missing)"

# the default engine is vllm: above the roofline, named in the settings
run "default json" analyze --stage decode --format json
expect_rc 0
expect_out '"engine": "vllm"'
expect_out '"expected_time_s"'
expect_out '"expected_latency_s"'
expect_out '"expected_band"'
checks=$((checks + 1))
tr -d ' \n' <"$T/out" | grep -oE '"total":\{[^}]*\}' |
    sed -E 's/.*"time_s":([^,]*),"expected_time_s":([^,]*),.*/\1 \2/' |
    awk '{ exit !($2 > $1) }' || fail "default json: decode total expected_time_s not above time_s"

run "llm-viewer is ideal" --profile llm-viewer analyze --stage decode --format json
expect_rc 0
expect_out '"engine": "ideal"'

run "table columns" analyze --engine trtllm --stage prefill
expect_rc 0
expect_out_re '^op .* time +expected$'
expect_out "expected with trtllm:"

run "generate expected" generate --engine llama.cpp --gen-len 8 --format json
expect_rc 0
for k in expected_ttft_s expected_tpot_mean_s expected_latency_s expected_output_tokens_per_s \
    expected_total_tokens_per_s expected_band '"engine": "llama.cpp"'; do
    expect_out "$k"
done

run "generate ideal" generate --engine ideal --gen-len 8 --format csv
expect_rc 0
checks=$((checks + 1))
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         { exit !($h["ttft_s"] == $h["expected_ttft_s"] && $h["latency_s"] == $h["expected_latency_s"]) }' "$T/out" ||
    fail "generate ideal: expected differs from the roofline"

run "sweep engines" sweep --engine ideal,pytorch,vllm --format jsonl
expect_rc 0
expect_out '"engine":"ideal"'
expect_out '"engine":"pytorch"'
expect_out '"expected_latency_s"'
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "sweep engines: $(wc -l <"$T/out") rows, expected 3"

run "setting spelling" analyze --setting engine=sglang --stage decode --format json
expect_rc 0
expect_out '"engine": "sglang"'

finish cli_engine
