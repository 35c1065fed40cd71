#!/usr/bin/env bash
# cli_serve.sh BINARY DATA_DIR FIXTURES_DIR: `llmroof serve` over HTTP
# (curl, wrk): the API's replies equal the CLI's JSON for the same
# settings (analyze, generate, op = explain, simulate, hardware, models), named as options (seq-len) or as the settings table's JSON
# names (seq_len); bad requests get 4xx JSON errors (unknown option, bad
# number, unknown model, body too large, wrong Host, unknown path, wrong
# method); 8 concurrent clients with different settings each get their
# own reply; a load test has no failed request and the server answers
# afterwards;
# SIGTERM and SIGINT stop it with exit status 0 (under ASan: no leak).
set -u
BIN=$1
DATA=$2
FIX=$3
unset LLMROOF_DATA
. "$(dirname "$0")/lib.sh"
make_temp cli-serve
PID=""
at_exit() {
    if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null; fi
}
for tool in curl wrk; do
    command -v "$tool" >/dev/null || {
        echo "FAIL: $tool missing: run scripts/setup.sh"
        exit 1
    }
done

# Starts a server on a free port (global options in PRE); sets PID and URL.
PRE=()
start_server() {
    "$BIN" --data-dir "$DATA" "${PRE[@]}" serve --port 0 "$@" >"$T/server.out" 2>"$T/server.err" &
    PID=$!
    URL=""
    for _ in $(seq 300); do
        URL=$(sed -n 's|^llmroof serve: listening on \(http://[^ ]*\)/$|\1|p' "$T/server.out")
        [ -n "$URL" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: the server did not start: $(cat "$T/server.err")"
    exit 1
}

# Stops the server with signal $1; its exit status must be 0.
stop_server() {
    kill "-$1" "$PID"
    wait "$PID"
    rc=$?
    PID=""
    checks=$((checks + 1))
    [ "$rc" -eq 0 ] || fail "server exit status $rc after SIG$1: $(tail -c 2000 "$T/server.err")"
}

# get NAME PATH [curl options]: the reply in $T/body, the status in $code
get() {
    name=$1
    path=$2
    shift 2
    code=$(curl -s -o "$T/body" -w '%{http_code}' "$@" "$URL$path")
}
post() {
    name=$1
    path=$2
    body=$3
    shift 3
    code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "$body" "$@" "$URL$path")
}
cli() {
    "$BIN" --data-dir "$DATA" "$@" >"$T/cli" 2>"$T/cli.err" || fail "$name: llmroof $*: $(cat "$T/cli.err")"
}
expect_code() {
    checks=$((checks + 1))
    [ "$code" = "$1" ] || fail "$name: HTTP $code, expected $1: $(head -c 300 "$T/body")"
}
expect_body() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$T/body" || fail "$name: reply lacks '$1': $(head -c 300 "$T/body")"
}
# the reply is byte for byte the CLI's output
expect_same() {
    checks=$((checks + 1))
    cmp -s "$T/body" "$T/cli" || fail "$name: reply differs from the CLI: $(diff "$T/body" "$T/cli" | head -5)"
}
# the same but for the model's name (line 3), which names the input
expect_same_but_name() {
    checks=$((checks + 1))
    cmp -s <(sed 3d "$T/body") <(sed 3d "$T/cli") ||
        fail "$name: reply differs from the CLI: $(diff <(sed 3d "$T/body") <(sed 3d "$T/cli") | head -5)"
}
expect_error() { # CODE TEXT: an HTTP error with a JSON message
    expect_code "$1"
    expect_body '"error": "'
    [ -z "${2:-}" ] || expect_body "$2"
}
# A text as a JSON string.
json_string() {
    printf '"'
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' "$1" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g' | tr -d '\n'
    printf '"'
}

start_server

# ---- the API's replies are the CLI's ----

get "analyze example" "/api/analyze?model=meta-llama/Llama-2-7b-hf&batch=8&seq-len=1024&stage=both&hardware=h100-sxm&w-bit=4&attention=flash&profile=llm-viewer"
expect_code 200
cli --profile llm-viewer analyze meta-llama/Llama-2-7b-hf --batch 8 --seq-len 1024 --stage both \
    --hardware h100-sxm --w-bit 4 --attention flash --format json
expect_same

post "analyze POST" /api/analyze '{"model": "meta-llama/Llama-2-7b-hf", "batch": 8, "seq-len": 1024,
  "stage": "both", "hardware": "h100-sxm", "w-bit": 4, "attention": "flash", "profile": "llm-viewer"}'
expect_code 200
expect_same

get "analyze defaults" /api/analyze
expect_code 200
cli analyze --format json
expect_same

get "analyze flags" "/api/analyze?model=Llama-3.2-1B&stage=decode&w-bit=4&w-group-size=128&w-asym&kv-bit=8&kv-group-size=64&no-causal=true&all-logits=1&seq-len=4096"
expect_code 200
cli analyze Llama-3.2-1B --stage decode --w-bit 4 --w-group-size 128 --w-asym --kv-bit 8 \
    --kv-group-size 64 --no-causal --all-logits --seq-len 4096 --format json
expect_same

post "analyze false flag" /api/analyze '{"model": "Llama-3.2-1B", "w-asym": false, "all-logits": "0", "a-bit": 8, "a-dtype": "fp8"}'
expect_code 200
cli analyze Llama-3.2-1B --a-bit 8 --a-dtype fp8 --format json
expect_same

# settings by their JSON names (the settings table's), as well as by their
# option spellings; causal=false is --no-causal
get "analyze JSON names" "/api/analyze?model=Llama-3.2-1B&seq_len=4096&w_bit=4&w_group_size=128&kv_bit=8&causal=false&stage=decode"
expect_code 200
cli analyze Llama-3.2-1B --seq-len 4096 --w-bit 4 --w-group-size 128 --kv-bit 8 --no-causal \
    --stage decode --format json
expect_same
post "generate JSON names" /api/generate '{"batch": 2, "prompt_len": 100, "gen_len": 20, "a_bit": 8}'
expect_code 200
cli generate --batch 2 --prompt-len 100 --gen-len 20 --a-bit 8 --format json
expect_same

get "generate" "/api/generate?model=meta-llama/Llama-2-7b-hf&batch=4&prompt-len=512&gen-len=128&hardware=h100-sxm&w-bit=4"
expect_code 200
cli generate meta-llama/Llama-2-7b-hf --batch 4 --prompt-len 512 --gen-len 128 --hardware h100-sxm --w-bit 4 --format json
expect_same

post "generate POST" /api/generate '{"batch": 2, "prompt-len": 100, "gen-len": 20, "attention": "flash"}'
expect_code 200
cli generate --batch 2 --prompt-len 100 --gen-len 20 --attention flash --format json
expect_same

# a pasted config.json (a JSON object, or its text)
cfg="$DATA/models/meta-llama--Llama-3.2-1B.json"
post "pasted config" /api/analyze "{\"batch\": 2, \"config\": $(cat "$cfg")}"
expect_code 200
cli analyze "$cfg" --batch 2 --format json
expect_same_but_name
printf '{"batch": 2, "config": %s}' "$(json_string "$cfg")" >"$T/req.json"
post "pasted config text" /api/analyze "@$T/req.json"
expect_code 200
expect_same_but_name

# a pasted print(model) text, completed by set
repr="$FIX/repr/meta-llama--Llama-2-7b-hf.txt"
printf '{"repr": %s, "set": ["num_attention_heads=32"], "batch": 4}' "$(json_string "$repr")" >"$T/req.json"
code=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$T/req.json" "$URL/api/analyze")
name="pasted repr"
expect_code 200
cli analyze "$repr" --set num_attention_heads=32 --batch 4 --format json
expect_same_but_name
checks=$((checks + 1))
grep -qi '^X-Llmroof-Notes: inferred' "$T/headers" || fail "pasted repr: no notes header"
printf '{"repr": %s}' "$(json_string "$repr")" >"$T/req.json"
post "repr without heads" /api/analyze "@$T/req.json"
expect_error 422 num_attention_heads

# the settings checks of the CLI (lr_check_settings) apply to the API too:
# Llama-2-7b has 32 heads, 32 layers and a context of 4096 tokens
get "tp not dividing the heads" "/api/analyze?model=Llama-2-7b-hf&tp=3"
expect_error 422 "--tp 3 does not split the model's 32 attention heads evenly; valid --tp sizes: 1, 2, 4, 8, 16, 32"
get "sequence past the context" "/api/generate?model=Llama-2-7b-hf&prompt-len=4000&gen-len=200"
expect_error 422 "a sequence of 4200 tokens is longer than the model's context of 4096 tokens"
get "long context allowed" "/api/generate?model=Llama-2-7b-hf&prompt-len=4000&gen-len=200&allow-long-context"
expect_code 200

# one op's formulas with the values put in: they evaluate to the op's numbers
# (eager said: the default engine, vllm, counts flash attention)
get "op" "/api/op?batch=8&seq-len=1024&attention=eager&path=model.layers.self_attn.qk_matmul"
expect_code 200
expect_body '"text": "2 * 8 * 32 * 1024 * 1024 * 128"'
checks=$((checks + 1))
formula=$(grep -m1 '"value": ' "$T/body" | sed 's/.*: \([^,]*\),*$/\1/')
result=$(sed -n '/"result": {/,/}/p' "$T/body" | grep -m1 '"flops": ' | sed 's/.*: \([^,]*\),*$/\1/')
[ -n "$formula" ] && [ "$formula" = "$result" ] || fail "op: formula value $formula != op flops $result"
# /api/op is `llmroof explain --format json` with the same settings: a KV
# node (k_proj: its store_act is store_kv) with an 8-bit cache and tp 2, a
# MoE expert, and the llm-viewer profile's flat paths
get "op = explain" "/api/op?model=Llama-2-7b-hf&path=model.layers.self_attn.k_proj&kv-bit=8&tp=2"
expect_code 200
expect_body '"store_kv": {'
cli explain Llama-2-7b-hf --op model.layers.self_attn.k_proj --kv-bit 8 --tp 2 --format json
expect_same
post "op = explain, MoE" /api/op '{"model": "Mixtral-8x7B-v0.1", "path": "model.layers.block_sparse_moe.experts.w1", "batch": 4, "seq_len": 512}'
expect_code 200
cli explain Mixtral-8x7B-v0.1 --op model.layers.block_sparse_moe.experts.w1 --batch 4 --seq-len 512 --format json
expect_same
get "op = explain, llm-viewer" "/api/op?profile=llm-viewer&path=layers.k_proj&kv-bit=8&batch=4&stage=decode"
expect_code 200
cli --profile llm-viewer explain --op layers.k_proj --kv-bit 8 --batch 4 --stage decode --format json
expect_same
# simulate: the same settings and seed give the CLI's JSON byte for byte:
# a bundled workload's draw with SLOs in either spelling (0.2 = 200ms),
# a POST with fixed lengths on tp 2 with two replicas
get "simulate = simulate" "/api/simulate?model=Llama-3.2-1B&num-requests=200&rate=20&seed=3&slo-ttft=0.2&slo-tpot=50ms&kv-bit=8"
expect_code 200
expect_body '"requests": 200,'
expect_body '"slo_ttft_s": 0.2,'
cli simulate Llama-3.2-1B --num-requests 200 --rate 20 --seed 3 --slo-ttft 200ms --slo-tpot 50ms --kv-bit 8 --format json
expect_same
post "simulate POST" /api/simulate '{"model": "Llama-2-7b-hf", "hardware": "h100-sxm", "tp": 2, "prompt_len": 512, "output_len": 64, "num_requests": 100, "rate": 4, "replicas": 2, "max_num_seqs": 32, "workload": null}'
expect_code 200
expect_body '"requests_from": "fixed lengths, Poisson arrivals",'
cli simulate Llama-2-7b-hf --hardware h100-sxm --tp 2 --prompt-len 512 --output-len 64 --num-requests 100 --rate 4 --replicas 2 --max-num-seqs 32 --format json
expect_same
post "simulate workload" /api/simulate '{"model": "Llama-3.2-1B", "workload": "summarization", "num-requests": 50, "rate": 2, "seed": 7, "route": "least-loaded", "replicas": 2}'
expect_code 200
cli simulate Llama-3.2-1B --workload summarization --num-requests 50 --rate 2 --seed 7 --route least-loaded --replicas 2 --format json
expect_same
# the listings are the CLI's --format json, profile by profile
for prof in default llm-viewer; do
    get "hardware = hardware list ($prof)" "/api/hardware?profile=$prof"
    expect_code 200
    cli --profile "$prof" hardware list --format json
    expect_same
    get "models = models ($prof)" "/api/models?profile=$prof"
    expect_code 200
    cli --profile "$prof" models --format json
    expect_same
    get "engines = engines ($prof)" "/api/engines?profile=$prof"
    expect_code 200
    cli --profile "$prof" engines --format json
    expect_same
done
# the default engine: vllm (default profile), ideal (llm-viewer); each
# preset's defaults listed (llama.cpp.json: pages of 256 tokens, FP16
# accumulation)
get "engines" /api/engines
expect_code 200
expect_body '"default": "vllm"'
expect_body '"fp16_accumulate": true'
expect_body '"kv_block_size": 256'
get "engines llm-viewer" "/api/engines?profile=llm-viewer"
expect_body '"default": "ideal"'
# a request's engine sets the defaults it leaves out, as on the command
# line; a default seq_len is cut to the model's context (GPT-2: 1024)
get "analyze engine" "/api/analyze?model=meta-llama/Llama-2-7b-hf&engine=llama.cpp&stage=decode"
expect_code 200
cli analyze meta-llama/Llama-2-7b-hf --engine llama.cpp --stage decode --format json
expect_same
expect_body '"kv_block_size": 256'
get "analyze gpt2 default length" "/api/analyze?model=openai-community/gpt2"
expect_code 200
expect_body '"seq_len": 1024'
# /api/op too: the default engine's flash attention op, as the CLI explains it
get "op = explain, engine's attention" "/api/op?model=Llama-2-7b-hf&path=model.layers.self_attn.flash_attention"
expect_code 200
cli explain Llama-2-7b-hf --op model.layers.self_attn.flash_attention --format json
expect_same
get "formulas" "/api/formulas?class=LlamaRMSNorm"
expect_code 200
expect_body '"weights": "{hidden_size}"'
get "models" /api/models
expect_code 200
expect_body '"name": "meta-llama/Llama-2-7b-hf"'
expect_body '"analysable": true'
get "hardware" "/api/hardware?profile=llm-viewer"
expect_code 200
expect_body '"id": "nvidia_H100"'
get "profiles" /api/profiles
expect_code 200
expect_body '"llm-viewer"'

# the page, from the binary
get "page" / -D "$T/headers"
expect_code 200
expect_body "<title>llmroof</title>"
checks=$((checks + 1))
grep -qi "^Content-Security-Policy: default-src 'none'" "$T/headers" || fail "page: no CSP header"
get "script" /app.js
expect_code 200
expect_body '"use strict";'

# ---- errors ----

get "simulate: too many requests" "/api/simulate?num-requests=20001"
expect_error 400 "num-requests: expected a whole number from 1 to 20000"
get "simulate: batch" "/api/simulate?batch=8"
expect_error 400 "batch: the requests bring their own lengths"
get "simulate: unknown workload" "/api/simulate?workload=nope"
expect_error 400 "unknown workload 'nope'"
get "simulate: a path is no workload" "/api/simulate?workload=../models/x"
expect_error 400 "workload: expected a bundled workload's name"
get "simulate: bad route" "/api/simulate?route=random"
expect_error 400 "route: expected round-robin or least-loaded"
get "simulate: prompt without output" "/api/simulate?prompt-len=100"
expect_error 400 "prompt-len and output-len go together"
get "simulate: bad SLO" "/api/simulate?slo-ttft=-1"
expect_error 400 "slo-ttft: expected a positive time"
get "simulate: option of another endpoint" "/api/simulate?stage=decode"
expect_error 400 "unknown parameter 'stage'"
get "bad number" "/api/analyze?batch=x"
expect_error 400 "batch: expected a whole number"
get "unknown option" "/api/analyze?bogus=1"
expect_error 400 "unknown parameter 'bogus'"
get "option of another endpoint" "/api/analyze?gen-len=5"
expect_error 400 "unknown parameter 'gen-len'"
get "unknown model" "/api/analyze?model=no-such-model"
expect_error 400 "unknown model 'no-such-model'"
get "a file is no model" "/api/analyze?model=$DATA/models/meta-llama--Llama-2-7b-hf.json"
expect_error 400 "unknown model"
get "unknown hardware" "/api/analyze?hardware=abacus"
expect_error 400 "unknown hardware 'abacus'"
get "unknown profile" "/api/analyze?profile=../../etc"
expect_error 400 "unknown profile"
get "bad stage" "/api/generate?stage=later"
expect_error 400 "stage: expected prefill, decode or both"
# the library's message, which names a setting by its JSON name
get "bad flag" "/api/analyze?w-asym=maybe"
expect_error 400 "w_asym: expected true or false, got 'maybe'"
get "bad choice" "/api/analyze?a_dtype=fp4"
expect_error 400 "a_dtype: expected int or fp8, got 'fp4'"
get "bad no-causal" "/api/analyze?no-causal=perhaps"
expect_error 400 "no-causal: expected true or false"
get "bad length" "/api/generate?prompt-len=0"
expect_error 400 "prompt-len"
post "not analysable" /api/analyze '{"config": {"architectures": ["NoSuchForCausalLM"], "model_type": "nosuch"}}'
expect_error 422 "no family template"
get "unknown op" "/api/op?path=model.nothing"
expect_error 400 "no op with path"
get "unknown class" "/api/formulas?class=NoSuchModule"
expect_error 400 "unknown module class"
post "malformed body" /api/analyze '{"batch": '
expect_error 400 "malformed JSON"
post "body not an object" /api/analyze '[1, 2]'
expect_error 400 "expected a JSON object"
post "bad body value" /api/analyze '{"batch": [8]}'
expect_error 400 "batch: expected a string"
post "bad pasted config" /api/analyze '{"config": "{\"model_type\": \"unknown\"}"}'
expect_error 422
name="not JSON"
code=$(curl -s -o "$T/body" -w '%{http_code}' --data 'batch=8' "$URL/api/analyze")
expect_error 415 "application/json"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big"
post "body too large" /api/analyze "@$T/big"
expect_error 413 "limit"
post "body too large, chunked" /api/analyze "@$T/big" -H 'Transfer-Encoding: chunked'
expect_error 413 "limit"
get "wrong Host" /api/models -H 'Host: attacker.example:80'
expect_error 421 "DNS-rebinding"
get "Host localhost" /api/profiles -H "Host: localhost:${URL##*:}"
expect_code 200
get "unknown path" /api/nothing
expect_error 404 "no such path"
get "unknown file" /etc/passwd
expect_error 404
get "PUT" /api/analyze -X PUT
expect_error 405 "not allowed"
get "POST to a page" / -X POST -H 'Content-Type: application/json' --data '{}'
expect_error 405
get "DELETE" /api/models -X DELETE -D "$T/headers"
expect_error 405
checks=$((checks + 1))
grep -qi '^Allow: GET' "$T/headers" || fail "405 without an Allow header"

# ---- load: concurrent requests, all answered, all right ----

cli analyze --batch 8 --format json
cp "$T/cli" "$T/cli8"
pids=()
for i in $(seq 1 16); do
    curl -s -o "$T/par$i" "$URL/api/analyze?batch=8" &
    pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 1 16); do
    checks=$((checks + 1))
    cmp -s "$T/par$i" "$T/cli8" || fail "parallel request $i: wrong reply"
done
# 8 clients at once, each with its own batch: every reply is the CLI's for
# that batch (no request sees another's settings)
for b in 1 2 3 4 5 6 7 8; do
    "$BIN" --data-dir "$DATA" analyze --batch "$b" --seq-len 512 --format json >"$T/cli-b$b"
done
seq 1 64 | xargs -P 8 -I{} sh -c 'b=$(( ({} - 1) % 8 + 1 )); curl -s -o "$1/c8-{}" "$2/api/analyze?batch=$b&seq_len=512"' _ "$T" "$URL"
for i in $(seq 1 64); do
    b=$(((i - 1) % 8 + 1))
    checks=$((checks + 1))
    cmp -s "$T/c8-$i" "$T/cli-b$b" || fail "8 clients: request $i (batch $b): wrong reply"
done
wrk -t2 -c8 -d2s "$URL/api/analyze?batch=8&seq-len=1024" >"$T/wrk" 2>&1
name="wrk 8 clients"
checks=$((checks + 1))
grep -q "requests in" "$T/wrk" && ! grep -q "Non-2xx\|Socket errors" "$T/wrk" ||
    fail "wrk 8 clients: $(cat "$T/wrk")"
wrk -t2 -c32 -d3s "$URL/api/analyze?batch=8&seq-len=1024" >"$T/wrk" 2>&1
name="wrk GET"
checks=$((checks + 1))
grep -q "requests in" "$T/wrk" || fail "wrk GET: no run: $(cat "$T/wrk")"
checks=$((checks + 1))
! grep -q "Non-2xx\|Socket errors" "$T/wrk" || fail "wrk GET: $(cat "$T/wrk")"
cat >"$T/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"batch": 4, "prompt-len": 512, "gen-len": 64, "attention": "flash"}'
EOF
wrk -t2 -c16 -d2s -s "$T/post.lua" "$URL/api/generate" >"$T/wrk" 2>&1
checks=$((checks + 1))
grep -q "requests in" "$T/wrk" && ! grep -q "Non-2xx\|Socket errors" "$T/wrk" ||
    fail "wrk POST: $(cat "$T/wrk")"
get "after the load" "/api/analyze?batch=8"
expect_code 200
cp "$T/cli8" "$T/cli"
expect_same

stop_server TERM
checks=$((checks + 1))
grep -q "stopped by SIGTERM" "$T/server.err" || fail "no stop message: $(cat "$T/server.err")"

# SIGINT too, with a request in between
start_server
get "second server" /api/profiles
expect_code 200
stop_server INT

# --calibration applies to what the server answers as to the commands:
# GEMMs measured at exactly 50% of the H100 SXM's peak give a compute
# efficiency of 0.5 (tests/cli_calibrate.sh), which moves the expected times
export LLMROOF_EFFICIENCY_DIR=$T/no-saved-calibrations
awk 'BEGIN { print "kernel_source,gemm_dtype,m,n,k,latency_ms";
             for (m = 8192; m <= 32768; m *= 2) for (n = 8192; n <= 16384; n *= 2)
                 printf "x,bfloat16,%d,%d,8192,%.12g\n", m, n, 2 * m * n * 8192 / 494.75e12 * 1e3 }' \
    >"$T/gemm.csv"
"$BIN" --data-dir "$DATA" calibrate "$T/gemm.csv" --hardware h100-sxm --engine pytorch --folds 0 \
    -o "$T/cal.json" >/dev/null 2>&1 || fail "calibrate: no efficiency file"
PRE=(--calibration "$T/cal.json")
start_server
q="/api/analyze?model=meta-llama/Llama-2-7b-hf&batch=64&seq-len=2048&hardware=h100-sxm&engine=pytorch"
name="calibrated analyze"
get "$name" "$q"
expect_code 200
cli --calibration "$T/cal.json" analyze meta-llama/Llama-2-7b-hf --batch 64 --seq-len 2048 \
    --hardware h100-sxm --engine pytorch --format json
expect_same
cp "$T/body" "$T/calibrated"
cli analyze meta-llama/Llama-2-7b-hf --batch 64 --seq-len 2048 --hardware h100-sxm --engine pytorch \
    --format json
checks=$((checks + 1))
cmp -s "$T/calibrated" "$T/cli" && fail "$name: the calibration changed nothing"
stop_server TERM
PRE=()
"$BIN" --data-dir "$DATA" --calibration "$T/gemm.csv" serve --port 0 >"$T/out" 2>"$T/err"
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 2 ] && grep -q "gemm.csv" "$T/err" || fail "serve with a bad --calibration: exit $rc: $(cat "$T/err")"

# bad command lines
for args in "--port 70000" "--port x" "--host" "--bogus" "extra"; do
    name="serve $args"
    "$BIN" --data-dir "$DATA" serve $args >"$T/out" 2>"$T/err"
    rc=$?
    checks=$((checks + 1))
    [ "$rc" -eq 1 ] || fail "$name: exit $rc, expected 1"
done

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
