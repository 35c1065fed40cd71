#!/usr/bin/env bash
# cli_calibrate.sh BINARY DATA_DIR FIXTURES_DIR: `llmroof calibrate`
# (docs/calibrate.md): bad measurement files refused with file:line and
# the column, usage errors, the fit's report and the efficiency file it
# writes, applied by --calibration and, saved, by the user's efficiency
# directory.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-calibrate
export LLMROOF_EFFICIENCY_DIR=$T/user-eff

# GEMMs measured at exactly 50% of the H100 SXM's 989.5 TFLOP/s (compute-
# bound shapes): 2 m n k / 494.75e12 s; m = n = k = 8192: 2.2223 ms.
awk 'BEGIN { print "kernel_source,gemm_dtype,m,n,k,latency_ms";
             split("8192 16384 32768", ms, " ");
             for (i = 1; i <= 3; i++) for (j = 8192; j <= 16384; j *= 2)
                 printf "x,bfloat16,%d,%d,8192,%.12g\n", ms[i], j, 2 * ms[i] * j * 8192 / 494.75e12 * 1e3 }' \
    >"$T/gemm.csv"

run "no file" calibrate --hardware h100-sxm
expect_rc 1
expect_err "FILE is required"

run "no hardware" calibrate "$T/gemm.csv"
expect_rc 1
expect_err "--hardware ID is required"

run "unknown hardware" calibrate "$T/gemm.csv" --hardware h999
expect_rc 1
expect_err "h999"

run "unknown engine" calibrate "$T/gemm.csv" --hardware h100-sxm --engine tgi
expect_rc 1
expect_err "unknown engine 'tgi'"

run "bad graphs" calibrate "$T/gemm.csv" --hardware h100-sxm --cuda-graphs maybe
expect_rc 1
expect_err "--cuda-graphs: expected yes, no or engine, got 'maybe'"

run "-o and --save" calibrate "$T/gemm.csv" --hardware h100-sxm -o "$T/x.json" --save
expect_rc 1
expect_err "give one"

printf 'm,n,k,gemm_dtype,latency_ms\n1,2,3,bfloat16,0.1\n4,5,6,fp8_block,0.1\n' >"$T/dtype.csv"
run "unknown dtype" calibrate "$T/dtype.csv" --hardware h100-sxm
expect_rc 2
expect_err "$T/dtype.csv:3:7: gemm_dtype: unknown dtype 'fp8_block' (expected bfloat16, float16 or fp8)"

printf 'm,n,k,latency_ms\n1,2,3,-1\n' >"$T/neg.csv"
run "negative latency" calibrate "$T/neg.csv" --hardware h100-sxm
expect_rc 2
expect_err "$T/neg.csv:2:7: latency_ms: expected a positive time, got '-1'"

printf 'm,n,k,latency_ms\n1,2,3,0.1\n1,two,3,0.1\n' >"$T/nan.csv"
run "not a number" calibrate "$T/nan.csv" --hardware h100-sxm
expect_rc 2
expect_err "$T/nan.csv:3:3: n: expected a number, got 'two'"

printf 'batch_size,kv_len,num_heads,num_kv_heads,latency_ms\n1,2,3,3,0.1\n' >"$T/miss.csv"
run "missing column" calibrate "$T/miss.csv" --hardware h100-sxm
expect_rc 2
expect_err "$T/miss.csv:1:0: header: missing column 'head_dim'"

run "missing file" calibrate "$T/nosuch.csv" --hardware h100-sxm
expect_rc 2
expect_err "nosuch.csv"

# the fit: compute_eff comes to 0.5 (the rows' rate; the GEMMs are
# compute-bound, so the memory side moves them by < 0.3%), and the fit's
# error falls to about 0
run "fit" calibrate "$T/gemm.csv" --hardware h100-sxm --engine pytorch --folds 3 -o "$T/cal.json"
expect_rc 0
expect_out "calibrate h100-sxm (class hopper): 6 rows from 1 file(s)"
expect_out_re "matmul +compute_eff +[0-9.]+ -> 0.50"
expect_out_re "^ +after +6 +1.00"
expect_err "wrote $T/cal.json"
check grep -q '"status": "fitted"' "$T/cal.json"
check grep -q '"hopper"' "$T/cal.json"
check grep -q '"compute_eff": 0.5' "$T/cal.json"

# applied: the 8192^3 GEMM is expected at 2.22 ms instead of the shipped
# fit's 1.35 ms
op="op torch.nn.Linear --param in_features=8192 --param out_features=8192 --batch 8192 --seq-len 1 --stage prefill --hardware h100-sxm --engine pytorch --format csv"
run "before" $op
expect_rc 0
before=$(csv_field "$T/out" prefill linear expected_time_s)
run "with --calibration" --calibration "$T/cal.json" $op
expect_rc 0
after=$(csv_field "$T/out" prefill linear expected_time_s)
checks=$((checks + 1))
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a > 2.20e-3 && a < 2.25e-3 && b < 1.6e-3) }' ||
    fail "calibration applied: expected $after s (before $before s), want 2.22 ms"

run "ideal engine with a calibration" --calibration "$T/cal.json" analyze --engine ideal --format csv
expect_rc 0
checks=$((checks + 1))
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "time_s") t = i; if ($i == "expected_time_s") e = i }; next }
         { n++; if ($t != $e) bad++ } END { exit !(t && e && n > 40 && !bad) }' "$T/out" ||
    fail "ideal with --calibration: expected_time_s differs from time_s"

run "bad --calibration" --calibration "$T/gemm.csv" analyze
expect_rc 2
expect_err "$T/gemm.csv"

run "save" calibrate "$T/gemm.csv" --hardware h100-sxm --engine pytorch --folds 0 --save
expect_rc 0
check test -f "$T/user-eff/h100-sxm.json"
run "saved calibration applies" $op
expect_rc 0
saved=$(csv_field "$T/out" prefill linear expected_time_s)
expect_eq "saved expected time" "$saved" "$after"

# ---- end to end: the engine's step overheads (docs/calibrate.md) ----
# Synthetic rows from the model itself: generations of Llama-2-7B on the
# H100 SXM with vllm's step overheads set to known values (prefill 4 ms,
# decode 0.7 ms, instead of the preset's 0.3 ms each) by an engines
# section, which --calibration must apply (the ttft moves by exactly
# 4 - 0.3 = 3.7 ms). The fit must give back 4 ms and 0.7 ms: each forward
# pass adds its stage's overhead once, so the expected times are exactly
# linear in the two overheads and only rounding and the search's 1e-12 s
# bracket remain; the tolerance is 1e-9 s.
M=meta-llama/Llama-2-7b-hf
# gen_field COLUMN: the value of COLUMN in generate's one-row CSV
gen_field() {
    awk -F, -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                         c { print $c; exit }' "$T/out"
}
printf '{"engines": {"vllm": {"step_overhead_s": {"prefill": 0.004, "decode": 0.0007}}}}\n' >"$T/known.json"
g="generate $M --gen-len 32 --engine vllm --hardware h100-sxm --format csv"
run "preset overheads" $g --prompt-len 128 --batch 1
expect_rc 0
t0=$(gen_field expected_ttft_s)
run "known overheads applied" --calibration "$T/known.json" $g --prompt-len 128 --batch 1
expect_rc 0
t1=$(gen_field expected_ttft_s)
checks=$((checks + 1))
awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a - 0.0037; exit !(d < 1e-12 && d > -1e-12) }' ||
    fail "engines section: expected ttft $t1 = $t0 + 3.7 ms"
echo "model,batch,prompt_len,gen_len,ttft_s,tpot_s,output_tokens_per_s" >"$T/e2e.csv"
for b in 1 8; do
    for p in 128 2048; do
        run "row b=$b p=$p" --calibration "$T/known.json" $g --prompt-len $p --batch $b
        printf '%s,%s,%s,32,%s,%s,%s\n' $M $b $p "$(gen_field expected_ttft_s)" \
            "$(gen_field expected_tpot_mean_s)" \
            "$(gen_field expected_output_tokens_per_s)" >>"$T/e2e.csv"
    done
done
run "end-to-end fit" calibrate "$T/e2e.csv" --hardware h100-sxm --engine vllm -o "$T/e2e.json"
expect_rc 0
expect_out "calibrate h100-sxm (class hopper): 12 rows from 1 file(s)"
expect_out_re "engine vllm step_overhead_s.prefill +0.0003 -> 0.004$"
expect_out_re "engine vllm step_overhead_s.decode +0.0003 -> 0.0007$"
check python3 -c "
import json, sys
o = json.load(open('$T/e2e.json'))['engines']['vllm']['step_overhead_s']
sys.exit(not (abs(o['prefill'] - 0.004) < 1e-9 and abs(o['decode'] - 0.0007) < 1e-9 and 'classes' not in json.load(open('$T/e2e.json'))))"
run "fitted overheads applied" --calibration "$T/e2e.json" $g --prompt-len 128 --batch 1
expect_rc 0
t2=$(gen_field expected_ttft_s)
checks=$((checks + 1))
awk -v a="$t2" -v b="$t1" 'BEGIN { d = b - a; exit !(d < 1e-9 && d > -1e-9) }' ||
    fail "fitted calibration: expected ttft $t2, want $t1"

# columns: "meta-llama/Llama-2-7b-hf," is 25 characters, so batch starts at
# 26, prompt_len at 28, gen_len at 32, the fifth field at 35, the sixth at 37
printf 'model,batch,prompt_len,gen_len,ttft_s\n%s,1,128,32,0.01\n%s,0,128,32,0.01\n' $M $M >"$T/e2e-bad.csv"
run "end to end: bad batch" calibrate "$T/e2e-bad.csv" --hardware h100-sxm --engine vllm
expect_rc 2
expect_err "$T/e2e-bad.csv:3:26: batch: expected a whole number >= 1, got '0'"
printf 'model,batch,prompt_len,gen_len,tpot_s\n%s,1,128,32,-2\n' $M >"$T/e2e-neg.csv"
run "end to end: negative time" calibrate "$T/e2e-neg.csv" --hardware h100-sxm --engine vllm
expect_rc 2
expect_err "$T/e2e-neg.csv:2:35: tpot_s: expected a positive time, got '-2'"
printf 'model,batch,prompt_len,gen_len,tp,attention,ttft_s\n%s,1,128,32,1,fast,0.1\n' $M >"$T/e2e-att.csv"
run "end to end: bad attention" calibrate "$T/e2e-att.csv" --hardware h100-sxm --engine vllm
expect_rc 2
expect_err "$T/e2e-att.csv:2:37: attention: expected flash or eager, got 'fast'"
printf 'model,batch,prompt_len,gen_len\nx,1,1,1\n' >"$T/e2e-none.csv"
run "end to end: nothing measured" calibrate "$T/e2e-none.csv" --hardware h100-sxm
expect_rc 2
expect_err "$T/e2e-none.csv:1:0: header: missing a measured column: ttft_s, tpot_s or output_tokens_per_s"
printf '{"engines": {"tgi": {"step_overhead_s": {"prefill": 0, "decode": 0}}}}\n' >"$T/bad-eng.json"
run "engines: unknown engine" --calibration "$T/bad-eng.json" analyze
expect_rc 2
expect_err "unknown engine 'tgi'"

finish cli_calibrate
