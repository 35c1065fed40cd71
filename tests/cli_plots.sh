#!/usr/bin/env bash
# cli_plots.sh BINARY DATA_DIR FIXTURES_DIR: the charts (`analyze --svg`,
# `generate --svg`, `sweep --svg`, `plot KIND`) are well-formed SVG holding
# the ops, and `report --html` is one self-contained page: no URL of any
# kind, the op tables and the inline SVG, parsable as XML and as HTML.
# Every file is written atomically (no temporary file left behind).
# Needs xmllint (Debian libxml2-utils, installed by scripts/setup.sh).
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA
command -v xmllint >/dev/null || {
    echo "FAIL: xmllint missing (apt-get install libxml2-utils; scripts/setup.sh)"
    exit 1
}
. "$(dirname "$0")/lib.sh"
make_temp cli-plots
# svg_ok FILE: well-formed XML whose root is <svg>
svg_ok() {
    checks=$((checks + 1))
    xmllint --noout "$1" 2>"$T/xml" || fail "$name: $1 is not well-formed: $(head -c 300 "$T/xml")"
    checks=$((checks + 1))
    [ "$(xmllint --xpath 'name(/*)' "$1" 2>/dev/null)" = svg ] || fail "$name: $1: root is not <svg>"
}
has() { # has FILE TEXT
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$name: $(basename "$1") lacks '$2'"
}
count_is() { # count_is FILE TEXT N
    checks=$((checks + 1))
    n=$(grep -oF -- "$2" "$1" | wc -l)
    [ "$n" -eq "$3" ] || fail "$name: $(basename "$1") has $n x '$2', expected $3"
}
no_temp() {
    checks=$((checks + 1))
    ! ls "$T"/*.tmp.* >/dev/null 2>&1 || fail "$name: temporary file left: $(ls "$T"/*.tmp.*)"
}

# analyze --svg: the report as usual, plus roofline, breakdown and ops. The
# op counts below are eager attention's (the default engine, vllm, would run
# flash: one fused op instead of qk_matmul, softmax and sv_matmul).
run "analyze --svg" analyze --attention eager --svg "$T/a.svg"
expect_rc 0
checks=$((checks + 1))
grep -q "^Prefill" "$T/out" || fail "analyze --svg: the table is missing"
svg_ok "$T/a.svg"
# 21 ops a stage, all but embed_tokens with FLOPs: 40 markers
count_is "$T/a.svg" 'class="op ' 40
# the A100's distinct peaks: fp32, tf32, fp16/bf16, int8, int4
count_is "$T/a.svg" 'class="roof"' 5
has "$T/a.svg" '>prefill: qk_matmul, sv_matmul</text>'
has "$T/a.svg" '<title>decode lm_head (lm_head)'
has "$T/a.svg" '>lm_head</text>'
has "$T/a.svg" 'class="kind matmul"'
count_is "$T/a.svg" 'class="bar"' 42
no_temp

# plot KIND: one chart each; the same bytes twice
for kind in roofline breakdown ops; do
    run "plot $kind" plot "$kind" --attention eager --batch 4 --seq-len 1024 -o "$T/$kind.svg"
    expect_rc 0
    svg_ok "$T/$kind.svg"
done
count_is "$T/roofline.svg" 'class="op ' 40
count_is "$T/breakdown.svg" 'class="kind attention"' 2
has "$T/ops.svg" '>qk_matmul</text>'
has "$T/ops.svg" '>lm_head</text>'
run "plot roofline again" plot roofline --attention eager --batch 4 --seq-len 1024 -o "$T/again.svg"
checks=$((checks + 1))
cmp -s "$T/roofline.svg" "$T/again.svg" || fail "plot roofline: not byte-stable"
run "plot to stdout" plot ops --attention eager --stage decode
expect_rc 0
cp "$T/out" "$T/stdout.svg"
svg_ok "$T/stdout.svg"
count_is "$T/stdout.svg" 'class="bar"' 21
run "plot decode roofline" plot roofline --attention eager --stage decode -o "$T/dec.svg"
count_is "$T/dec.svg" 'class="op decode' 20
count_is "$T/dec.svg" 'class="op prefill' 0

# plot sweep: x = the first list; per hardware an expected line and the
# roofline's (the bound, dashed) in each of four panels (prefill and decode
# latency and throughput): 4 x 2 x 2 = 16 lines, plus memory: 2 devices;
# 18 lines of 3 points
run "plot sweep" plot sweep --batch 1,4,16 --hardware a100-80gb,h100-sxm -o "$T/sweep.svg"
expect_rc 0
svg_ok "$T/sweep.svg"
count_is "$T/sweep.svg" 'class="series"' 18
count_is "$T/sweep.svg" 'class="point"' 54
has "$T/sweep.svg" '>a100-80gb, expected</text>'
has "$T/sweep.svg" '>h100-sxm, roofline (bound)</text>'
has "$T/sweep.svg" '>Decode latency (one decode step): expected, the roofline dashed (the bound)</text>'
has "$T/sweep.svg" '>batch (sequences)</text>'
run "plot sweep, nothing varies" plot sweep --batch 8 -o "$T/none.svg"
expect_rc 1
expect_err "charts need a numeric setting with several values"
checks=$((checks + 1))
[ ! -e "$T/none.svg" ] || fail "plot sweep, nothing varies: wrote a file"
run "plot sweep, too many lines" plot sweep --batch 1,2 --seq-len 1:13 -o "$T/many.svg"
expect_rc 1
expect_err "at most 12 lines"

# sweep --svg: the CSV rows unchanged, the chart beside them
run "sweep --svg" sweep --seq-len 512,1024,2048 --attention eager,flash --svg "$T/s.svg" -o "$T/s.csv"
expect_rc 0
svg_ok "$T/s.svg"
checks=$((checks + 1))
[ "$(wc -l <"$T/s.csv")" -eq 7 ] || fail "sweep --svg: expected a header and 6 rows"
has "$T/s.svg" '>flash attention, expected</text>'
has "$T/s.svg" '>a100-80gb memory 80 GiB</text>'
has "$T/s.svg" '>seq-len (tokens)</text>'
no_temp

# plot serve: throughput against TPOT, batch sizes on the points
run "plot serve" plot serve --hardware a100-80gb,h100-sxm --max-tpot 30ms --gen-len 128 -o "$T/serve.svg"
expect_rc 0
svg_ok "$T/serve.svg"
# per device: the expected line and the roofline's (the bound, dashed)
count_is "$T/serve.svg" 'class="series"' 4
has "$T/serve.svg" 'NVIDIA H100 SXM5 80GB: roofline (bound)'
has "$T/serve.svg" '>target 30 ms</text>'
has "$T/serve.svg" 'NVIDIA H100 SXM5 80GB (up to batch'
has "$T/serve.svg" '>output tokens/s</text>'
run "plot serve, bad target" plot serve --max-tpot fast
expect_rc 1
run "plot, unknown chart" plot pie
expect_rc 1
expect_err "unknown chart 'pie'"
run "plot --help" plot --help
expect_rc 0

# generate --svg: the TPOT of every step, expected and the roofline's (the
# bound, dashed): 64 steps, 2 x 64 points, the expected mean as reference
run "generate --svg" generate --gen-len 64 --svg "$T/g.svg"
expect_rc 0
svg_ok "$T/g.svg"
has "$T/g.svg" '>time per output token</text>'
has "$T/g.svg" '>expected mean '
has "$T/g.svg" '>batch 1: expected (vllm)</text>'
has "$T/g.svg" '>batch 1: roofline (bound)</text>'
count_is "$T/g.svg" 'class="point"' 128

# report --html: one self-contained page
run "report" report --attention eager --prompt-len 512 --gen-len 64 --html "$T/r.html"
expect_rc 0
checks=$((checks + 1))
xmllint --noout "$T/r.html" 2>"$T/xml" || fail "report: not well-formed XML: $(head -c 300 "$T/xml")"
# the HTML parser knows no SVG tags ("Tag svg invalid"); anything else fails
checks=$((checks + 1))
xmllint --html --noout "$T/r.html" 2>"$T/xml"
grep "parser error" "$T/xml" | grep -v "Tag [a-z]* invalid" >"$T/bad"
[ ! -s "$T/bad" ] || fail "report: HTML parser errors: $(head -c 300 "$T/bad")"
for banned in 'http:' 'https:' '//' '@import' 'url(' 'src=' 'href='; do
    checks=$((checks + 1))
    ! grep -qF -- "$banned" "$T/r.html" || fail "report: contains '$banned'"
done
has "$T/r.html" '<table class="ops" id="ops-prefill">'
has "$T/r.html" '<table class="ops" id="ops-decode">'
has "$T/r.html" '<td title="model.layers.self_attn.qk_matmul">qk_matmul</td>'
has "$T/r.html" '<script type="application/json" id="llmroof-data">'
has "$T/r.html" 'time to first token'
count_is "$T/r.html" '<svg ' 4
count_is "$T/r.html" 'class="roof"' 5
no_temp
run "report to an unwritable place" report --html "$T/no/such/dir/r.html"
expect_rc 4

finish cli_plots
