#!/usr/bin/env bash
# cli_errors.sh BINARY DATA_DIR FIXTURES_DIR
#
# Every class of bad input gets its own clear message on stderr and its
# documented exit code (llmroof --help):
#   0 ok, 1 usage error, 2 input error, 3 evaluation error, 4 output error.
# Messages must name the offending file and the place in it (line:column for
# malformed JSON, JSON path and formula column for formulas) and the names
# involved (op, class, variable, config field).
#
# Fixtures are under FIXTURES_DIR/cli/. Prints one line per failed check and
# exits 1 if any failed.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BINARY DATA_DIR FIXTURES_DIR" >&2
    exit 1
fi
BIN=$1
DATA=$2
FIX=$3/cli
unset LLMROOF_DATA

. "$(dirname "$0")/lib.sh"
make_temp cli-errors

if [ ! -x "$BIN" ]; then
    echo "FAIL: binary '$BIN' is not executable"
    exit 1
fi

# ---------------------------------------------------------------------------
# 1. Usage errors: exit 1, message names the option and the bad value.
# ---------------------------------------------------------------------------
usage_case() { # usage_case LABEL OPTION VALUE
    run "usage $1" analyze "$2" "$3"
    expect_rc 1
    expect_err "$2"
    expect_err "'$3'"
    expect_no_stdout
}
usage_case "batch zero" --batch 0
usage_case "batch negative" --batch -3
usage_case "batch fraction" --batch 1.5
usage_case "batch too large" --batch 1e10
usage_case "batch inf" --batch inf
usage_case "w-bit zero" --w-bit 0
usage_case "w-bit 64" --w-bit 64
usage_case "a-bit negative" --a-bit -8
usage_case "kv-bit 33" --kv-bit 33
usage_case "seq-len letters" --seq-len abc
usage_case "seq-len empty" --seq-len ""
usage_case "seq-len trailing junk" --seq-len 12x
# (0 is accepted: it is the default, "no groups", in the settings table)
usage_case "w-group-size fraction" --w-group-size 1.5
usage_case "kv-group-size negative" --kv-group-size -64
usage_case "images negative" --images -1
usage_case "images fraction" --images 1.5
usage_case "image-size half" --image-size 640x
usage_case "image-size zero" --image-size 0x480
usage_case "image-size three" --image-size 640x480x3

# a config whose class no template lists: the known classes and --family,
# never a guess from its model_type (llama here)
printf '{"architectures": ["FooForCausalLM"], "model_type": "llama", "vocab_size": 100,
 "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
 "num_attention_heads": 4}' >"$T/foo.json"
run "unknown class" arch "$T/foo.json"
expect_rc 2
expect_err "architectures: no family template for architecture 'FooForCausalLM' (model_type 'llama')"
expect_err "LlamaForCausalLM"
expect_err "--family NAME"
# forced: the llama template counts 95,040 parameters (tests/test_recognition.c)
run "family forced" arch "$T/foo.json" --family llama
expect_rc 0
expect_out "parameters: 95040"
run "family forced analyze" analyze "$T/foo.json" --family llama --format json
expect_rc 0
expect_out '"params": 95040'
run "family unknown" arch "$T/foo.json" --family nosuch
expect_rc 2
expect_err "no family template named 'nosuch'"

run "usage unknown attention" analyze --attention sparse
expect_rc 1
expect_err "--attention: expected eager or flash, got 'sparse'"

# the message is the settings table's, with the option as typed
run "usage seq-len message" analyze --seq-len x
expect_rc 1
expect_err "llmroof analyze: --seq-len: expected a whole number from 1 to 1000000000, got 'x'"
expect_no_stdout
run "usage --setting bad value" analyze --setting seq-len=1.5
expect_rc 1
expect_err "--setting seq-len: expected a whole number from 1 to 1000000000, got '1.5'"
run "usage --setting unknown name" analyze --setting no_such=1
expect_rc 1
expect_err "--setting no_such: unknown setting 'no_such'"
run "usage --setting without =" analyze --setting seq_len
expect_rc 1
expect_err "--setting: expected NAME=VALUE"
run "usage --setting bad flag" analyze --setting causal=maybe
expect_rc 1
expect_err "causal: expected true or false, got 'maybe'"

run "usage unknown a-dtype" analyze --a-dtype bf8
expect_rc 1
expect_err "--a-dtype: expected int or fp8, got 'bf8'"

run "usage two profiles in analyze" analyze --profile default --profile llm-viewer
expect_rc 1
expect_err "llmroof diff"

run "hardware not in the profile" --profile llm-viewer analyze --hardware mi300x
expect_rc 1
expect_err "unknown hardware 'mi300x' in profile llm-viewer"

run "usage unknown stage" analyze --stage warmup
expect_rc 1
expect_err "--stage"
expect_err "'warmup'"
expect_err "prefill, decode or both"

run "usage unknown format" analyze --format xml
expect_rc 1
expect_err "--format"
expect_err "'xml'"
expect_err "table, json, csv or md"

run "usage unknown option" analyze --bogus-option
expect_rc 1
expect_err "bogus-option"
expect_no_stdout

run "usage unknown hardware" analyze --hardware tpu-v99
expect_rc 1
expect_err "unknown hardware 'tpu-v99'"
expect_err "hardware list"
expect_no_stdout

run "usage hardware show unknown" hardware show tpu-v99
expect_rc 1
expect_err "unknown hardware 'tpu-v99'"

# op: unknown class (suggestions, exit 2 as for any unknown module class),
# a missing required parameter named (2), an unknown parameter (2), a
# --param without '=' and no CLASS (usage, 1)
run "op unknown class" op torch.nn.Linea --param in_features=1
expect_rc 2
expect_err "unknown module class 'torch.nn.Linea'"
expect_err "torch.nn.modules.linear.Linear"
run "op missing parameter" op torch.nn.Linear --param in_features=4096
expect_rc 2
expect_err "missing parameter 'out_features'"
run "op unknown parameter" op torch.nn.Linear --param in_features=1 --param out_features=1 --param width=2
expect_rc 2
expect_err "no parameter 'width'"
run "op bad param" op torch.nn.Linear --param in_features
expect_rc 1
expect_err "--param: expected NAME=VALUE, got 'in_features'"
run "op no class" op --batch 2
expect_rc 1
expect_err "CLASS is required"

run "usage unknown command" frobnicate
expect_rc 1
expect_err "unknown command 'frobnicate'"

run "usage no command"
expect_rc 1
expect_err "usage: llmroof"

run "usage unknown global option" --frobnicate modules list
expect_rc 1
expect_err "frobnicate"

run "usage two models" analyze meta-llama/Llama-2-7b-hf Llama-2-13b-hf
expect_rc 1
expect_err "at most one MODEL"

run "usage modules bad subcommand" modules frobnicate
expect_rc 1
expect_err "modules"

# ---------------------------------------------------------------------------
# 2. Input errors: exit 2, message names file and place.
# ---------------------------------------------------------------------------

# Malformed module file. Line 3 is
#   `    "bad": { "full_class_name": "x.Bad", }`
# 4 spaces + `"bad": ` (7) + `{ ` (2) + `"full_class_name": ` (19) + `"x.Bad", ` (9)
# = 41 characters, so the stray '}' after the trailing comma is column 42.
run "malformed module JSON" --module-db "$FIX/malformed.json" modules list
expect_rc 2
expect_err "malformed.json:3:42:"
expect_err "malformed JSON"
expect_no_stdout

# Malformed config.json. Line 4 is `  "hidden_size": 4096` after a line
# missing its comma; the unexpected token `"hidden_size"` takes columns
# 3..15 (2 spaces + 13 characters) and the parser reports its end, 15.
run "malformed config JSON" analyze "$FIX/malformed_config.json"
expect_rc 2
expect_err "malformed_config.json:4:15:"
expect_err "malformed JSON"
expect_no_stdout

# Syntax error in a formula: `{B} * * {hidden_size}`: `{B}` is columns 1-3,
# then space, '*' (5), space, '*' (7): the second '*' is column 7.
run "bad formula syntax" --module-db "$FIX/bad_formula.json" modules list
expect_rc 2
expect_err "bad_formula.json"
expect_err "modules.test_BadFormula.ops[0].flops"
expect_err "column 7"
expect_err "{B} * * {hidden_size}"
expect_no_stdout

# Unknown variable: `{B} * {hiden_size}`: '{' of the typo is column 7.
run "unknown variable" --module-db "$FIX/unknown_var.json" modules list
expect_rc 2
expect_err "unknown_var.json"
expect_err "modules.test_UnknownVar.ops[0].flops"
expect_err "column 7"
expect_err "hiden_size"
expect_err "unknown variable"

# A call of a class nobody defines: the closest names are suggested.
run "unknown called class" --module-db "$FIX/unknown_call.json" modules list
expect_rc 2
expect_err "unknown_call.json"
expect_err "modules.test_UnknownCall.ops[0].flops"
expect_err "column 1"
expect_err "unknown module class 'torch.nn.Linaer'"
expect_err "closest known: torch.nn.modules.linear.Linear"

# test.Ping calls test.Pong, which calls test.Ping.
run "cyclic call" --module-db "$FIX/cycle.json" modules list
expect_rc 2
expect_err "cycle.json"
expect_err_re "modules\.test_P(i|o)ng\.ops\[0\]\.flops"
expect_err "cyclic"
expect_err "test.Ping"
expect_err "test.Pong"

# Linear's parameters are tokens (default), in_features, out_features, bias
# (default): it takes 3 to 4 arguments; the fixture passes 2.
run "call argument count" --module-db "$FIX/argcount.json" modules list
expect_rc 2
expect_err "argcount.json"
expect_err "modules.test_ArgCount.ops[0].flops"
expect_err "column 1"
expect_err "2 arguments given"
expect_err "3 to 4"

run "unknown op kind" --module-db "$FIX/bad_kind.json" modules list
expect_rc 2
expect_err "bad_kind.json"
expect_err "modules.test_BadKind.ops[0]"
expect_err "unknown op kind 'matmull'"

run "unknown op key" --module-db "$FIX/bad_op_key.json" modules list
expect_rc 2
expect_err "bad_op_key.json"
expect_err "modules.test_BadKey.ops[0]"
expect_err "unknown key 'flop'"
expect_err "flops"

# Unknown class of an architecture node: closest names, and the file.
run "unknown module class" analyze "$FIX/unknown_class_arch.json"
expect_rc 2
expect_err "unknown module class 'LlamaSdpaAtention'"
expect_err "closest known: transformers.models.llama.modeling_llama.LlamaSdpaAttention"
expect_err "unknown_class_arch.json"
expect_no_stdout

run "modules show unknown class" modules show LlamaSdpaAtention
expect_rc 2
expect_err "unknown module class 'LlamaSdpaAtention'"
expect_err "transformers.models.llama.modeling_llama.LlamaSdpaAttention"

# A node without a required parameter of its class (Linear's out_features).
run "missing node parameter" analyze "$FIX/missing_param_arch.json"
expect_rc 2
expect_err "out_features"
expect_err "missing parameter"
expect_err "missing_param_arch.json"
expect_no_err_text ": : "

# config.json of model_type llama without hidden_size, as a directory and as
# the file itself.
run "missing config field (dir)" analyze "$FIX/no_hidden"
expect_rc 2
expect_err "no_hidden/config.json"
expect_err "missing config field 'hidden_size'"
expect_err "llama"
expect_no_stdout
run "missing config field (file)" analyze "$FIX/no_hidden/config.json"
expect_rc 2
expect_err "no_hidden/config.json"
expect_err "missing config field 'hidden_size'"

run "unknown model (analyze)" analyze no-such-org/No-Such-Model-7b
expect_rc 1
expect_err "unknown model 'no-such-org/No-Such-Model-7b'"
expect_no_stdout
run "unknown model (models show)" models show No-Such-Model-7b
expect_rc 1
expect_err "unknown model 'No-Such-Model-7b'"
run "unknown model (arch)" arch No-Such-Model-7b
expect_rc 1
expect_err "unknown model 'No-Such-Model-7b'"

# A profile directory (given to --profile) whose llama template has a bad
# formula: `{hidden_size} * * 2`: `{hidden_size}` is columns 1-13, space,
# '*' (15), space, '*' (17): the second '*' is column 17.
mkdir -p "$T/prof/architectures"
for f in modules profile.json; do
    ln -s "$(cd "$DATA" && pwd)/profiles/default/$f" "$T/prof/$f"
done
cp "$FIX/bad_template/llama.json" "$T/prof/architectures/llama.json"
run "bad template formula" --profile "$T/prof" analyze meta-llama/Llama-2-7b-hf
expect_rc 2
expect_err "architectures/llama.json"
expect_err "tree.parameters.in_features"
expect_err "column 17"

run "unknown profile" --profile no-such-profile modules list
expect_rc 2
expect_err "unknown profile 'no-such-profile'"

run_raw "missing data dir" --data-dir "$T/no-such-dir" modules list
expect_rc 2
expect_err "no-such-dir/profiles/default"

# ---------------------------------------------------------------------------
# 3. Evaluation errors: exit 3, the op is named.
# ---------------------------------------------------------------------------
# flops = {B} / ({S} - {S}) divides by zero for every B and S.
run "division by zero" --module-db "$FIX/divzero.json" analyze "$FIX/divzero_arch.json"
expect_rc 3
expect_err "division by zero"
expect_err "divide_op"
expect_err "test.DivZero"
expect_no_stdout
# --images on a model without a vision part: an error, not a silent 0
run "images on a text model" analyze --images 2
expect_rc 3
expect_err "has no vision part: --images applies to vision-language models"
expect_no_stdout
run "images on gemma-3-1b" analyze "$FIX/../families/gemma-3-1b.json" --images 1
expect_rc 3
expect_err "gemma3 model has no vision part"
run "images on qwen3-next" analyze Qwen/Qwen3-Next-80B-A3B-Thinking --images 1
expect_rc 3
expect_err "qwen3_next model has no vision part"
# LFM2-VL splits images over 524,288 px into tiles: not modelled, an error
run "lfm2-vl image to tile" analyze LiquidAI/LFM2.5-VL-1.6B --images 1 --image-size 1024x1024
expect_rc 3
expect_err "image tokens cannot be computed for 1 images of size '1024x1024'"

# ---------------------------------------------------------------------------
# 4. Output errors: exit 4.
# ---------------------------------------------------------------------------
run "unwritable output" analyze --format csv -o "$T/no-such-dir/out.csv"
expect_rc 4
expect_err "no-such-dir"

# ---------------------------------------------------------------------------
# 5. A prototype-format entry (flop_analysis / memory_analysis) loads and
#    evaluates, called from an architecture node.
# ---------------------------------------------------------------------------
run "prototype entry loads" --module-db "$FIX/proto.json" modules list
expect_rc 0
checks=$((checks + 1))
grep -q "test_ProtoProj" "$T/out" || fail "$name: modules list lacks test_ProtoProj"

run "prototype entry analyze" --module-db "$FIX/proto.json" analyze --format csv --batch 1 --seq-len 8 "$FIX/proto_arch.json"
expect_rc 0
# Linear flops = 2 * tokens * in * out, tokens = B*S.
# prefill: B=1, S=8, in=out=hidden_size=64: 2 * 8 * 64 * 64 = 65536.
# decode: one new token (S=1): 2 * 1 * 64 * 64 = 8192.
# memory_analysis.reads = B*S*hidden*a_bytes = 8 * 64 * 2 = 1024 (load_act),
# writes likewise 1024 (store_act).
v=$(csv_field "$T/out" prefill test_ProtoProj flops)
checks=$((checks + 1))
[ "$v" = 65536 ] || fail "$name: prefill flops '$v', expected 65536"
v=$(csv_field "$T/out" decode test_ProtoProj flops)
checks=$((checks + 1))
[ "$v" = 8192 ] || fail "$name: decode flops '$v', expected 8192"
v=$(csv_field "$T/out" prefill test_ProtoProj load_act)
checks=$((checks + 1))
[ "$v" = 1024 ] || fail "$name: prefill load_act '$v', expected 1024"
v=$(csv_field "$T/out" prefill test_ProtoProj store_act)
checks=$((checks + 1))
[ "$v" = 1024 ] || fail "$name: prefill store_act '$v', expected 1024"

# ---------------------------------------------------------------------------
# 6. Suggestions, one line per unknown option, exit codes by cause
#    (issue 15): 1 usage (unknown option, command, id or value; an option
#    that does not apply), 2 input file, 3 evaluation, 4 output.
# ---------------------------------------------------------------------------
# err_lines N: stderr has exactly N lines (an unknown option is one line,
# not the help)
err_lines() {
    checks=$((checks + 1))
    [ "$(wc -l <"$T/err" | tr -d ' ')" = "$1" ] ||
        fail "$name: stderr has $(wc -l <"$T/err") lines, expected $1: $(excerpt "$T/err")"
}

# models: every word typed is a word of the bundled id
run "suggest Llama-2-7b" analyze Llama-2-7b
expect_rc 1
expect_err "unknown model 'Llama-2-7b' (did you mean meta-llama/Llama-2-7b-hf?)"
expect_no_stdout
run "suggest mixtral-8x7b (any case)" analyze mixtral-8x7b
expect_rc 1
expect_err "did you mean mistralai/Mixtral-8x7B-v0.1?"
run "suggest models show" models show llama-2-13b
expect_rc 1
expect_err "did you mean meta-llama/Llama-2-13b-hf?"
# the Hub's current id of a bundled model loads it (data/model-aliases.json);
# Llama-3.1-70B has 70553706496 parameters (data/models/SOURCES.md)
run "Hub alias" analyze meta-llama/Llama-3.1-70B --format json --hardware h200
expect_rc 0
expect_err "'meta-llama/Llama-3.1-70B' is the Hub's current id of the bundled meta-llama/Meta-Llama-3.1-70B"
expect_out '"name": "meta-llama/Meta-Llama-3.1-70B"'
expect_out '"params": 70553706496'

# hardware: case and punctuation aside when one device matches, else the
# closest ids
run "hardware h100sxm" analyze --hardware h100sxm --format json
expect_rc 0
expect_out '"name": "h100-sxm"'
run "hardware RTX4090" analyze --hardware RTX4090 --format json --stage decode
expect_rc 0
expect_out '"name": "rtx-4090"'
run "hardware mi300" analyze --hardware mi300
expect_rc 1
expect_err "unknown hardware 'mi300' in profile default; did you mean mi300x"
expect_no_stdout
run "hardware show mi300" hardware show mi300
expect_rc 1
expect_err "did you mean mi300x"

# options: one line with the nearest option and where the help is
run "unknown option, one line" analyze --bach 4
expect_rc 1
expect_err "llmroof analyze: unknown option '--bach' (did you mean --batch?); see \`llmroof analyze --help\`"
err_lines 1
expect_no_stdout
run "unknown option with =" analyze --seq-lne=4
expect_rc 1
expect_err "unknown option '--seq-lne' (did you mean --seq-len?)"
err_lines 1
run "option without its value" analyze --batch
expect_rc 1
expect_err "llmroof analyze: --batch needs a value; see \`llmroof analyze --help\`"
err_lines 1
run "sweep unknown option" sweep --bach 1,2
expect_rc 1
expect_err "llmroof sweep: unknown option '--bach' (did you mean --batch?)"
err_lines 1
run "global unknown option" --profle llm-viewer analyze
expect_rc 1
expect_err "llmroof: unknown option '--profle' (did you mean --profile?); see \`llmroof --help\`"
err_lines 1
run "unknown command suggested" analyse
expect_rc 1
expect_err "unknown command 'analyse'; did you mean analyze?"

# a path that names nothing, a directory without a config.json, a weights
# file: each its own message, exit 2 (input file)
run "missing path" analyze /nonexistent/config.json
expect_rc 2
expect_err "/nonexistent/config.json: no such file or directory"
expect_no_err_text "unknown model"
mkdir -p "$T/emptydir"
run "directory without config.json" analyze "$T/emptydir"
expect_rc 2
expect_err "emptydir: a directory without a config.json"
printf '\x10\x00\x00\x00\x00\x00\x00\x00{"__metadata__":{}}' >"$T/model.safetensors"
run "safetensors given directly" analyze "$T/model.safetensors"
expect_rc 2
expect_err "model.safetensors: a safetensors file holds weights, not the architecture: give the directory"
expect_no_err_text "malformed JSON"

# an option that does not apply to the model or device: usage (1)
run "--ep on a dense model" analyze --ep 2
expect_rc 1
expect_err "--ep 2: meta-llama/Llama-2-7b-hf (template llama) has no expert parallelism"
run "--tp without interconnect" analyze --tp 2 --hardware rtx-4090
expect_rc 1
expect_err "--tp 2: hardware rtx-4090 lists no interconnect bandwidth"
# ... which --hw-set supplies: 2 GPUs over a 64 GB/s link
run "--tp with --hw-set link" analyze --tp 2 --hardware rtx-4090 --hw-set link_bandwidth=64G --format json
expect_rc 0

# options a command does not take, named with what to use instead
run "generate --seq-len" generate --seq-len 512
expect_rc 1
expect_err "llmroof: generate does not take --seq-len (use --prompt-len and --gen-len); see \`llmroof generate --help\`"
err_lines 1
run "generate --stage" generate --stage decode
expect_rc 1
expect_err "generate does not take --stage"
run "serve-plan --batch" serve-plan --batch 8
expect_rc 1
expect_err "serve-plan does not take --batch (serve-plan tries every batch up to the largest that fits; --max-batch caps it)"
run "report --format" report --format json
expect_rc 1
expect_err "report does not take --format"
run "generate help leaves them out" generate --help
expect_rc 0
expect_no_out_text "--seq-len N"
expect_no_out_text "--stage S"
expect_out "--prompt-len P"
run "analyze help keeps them" analyze --help
expect_out "--seq-len N"
expect_out "--stage S"

# -o FILE: the extension picks the format; a conflict is an error
run "-o and --format disagree" analyze -o "$T/x.csv" --format json
expect_rc 1
expect_err "-o $T/x.csv: the extension says csv, --format says otherwise"
run "-o x.svg" analyze -o "$T/x.svg"
expect_rc 1
expect_err "charts are written by --svg FILE"
run "sweep -o x.json" sweep -o "$T/x.json"
expect_rc 1
expect_err "a sweep is csv or jsonl"

# standard input: a GGUF needs its path
printf 'GGUF\003\000\000\000' | "$BIN" --data-dir "$DATA" analyze - >"$T/out" 2>"$T/err"
rc=$?
name="GGUF on standard input"
expect_rc 2
expect_err "a GGUF file is read by seeking through it: give its path"
printf 'not a model' | "$BIN" --data-dir "$DATA" analyze - >"$T/out" 2>"$T/err"
rc=$?
name="junk on standard input"
expect_rc 2
expect_err "neither JSON"
expect_err "nor a print(model) text"

# ---------------------------------------------------------------------------
# 7. Hardware files and overrides: --hardware FILE.json (the bundled schema,
#    checked strictly, errors at line:column), --hw-set KEY=VALUE
# ---------------------------------------------------------------------------
# hw_file NAME BODY: a file {"hardware": [BODY]}, line 1 the opening
hw_file() {
    printf '{"hardware": [\n%s\n]}\n' "$2" >"$T/$1"
}
hw_file my.json '  {"id": "my-gpu", "name": "My GPU", "peak_flops": {"fp16": 1e15, "bf16": 1e15},
   "memory_bandwidth": 4e12, "memory_bytes": 1e11, "source": "made up for a test"}'
run "--hardware FILE" analyze --hardware "$T/my.json" --format json
expect_rc 0
expect_out '"name": "my-gpu"'
expect_out '"memory_bandwidth": 4000000000000'
run "hardware show FILE" hardware show "$T/my.json"
expect_rc 0
expect_out "My GPU"
# line 3 is `   "memory_bandwith": 4e12}`: 3 spaces, the key's quote at column 4
hw_file typo.json '  {"id": "t", "peak_flops": {"fp16": 1e15},
   "memory_bandwith": 4e12}'
run "hardware file unknown key" analyze --hardware "$T/typo.json"
expect_rc 2
expect_err "typo.json:3:4: hardware[0]: unknown key 'memory_bandwith' (did you mean memory_bandwidth?)"
# line 2 is `  {"id": "n", "peak_flops": {"fp16": -1},`: 2 spaces,
# `{"id": "n", ` (12), `"peak_flops": ` (14) and `{` come first: 29
# characters, so the "fp16" key's quote is at column 30
hw_file neg.json '  {"id": "n", "peak_flops": {"fp16": -1},
   "memory_bandwidth": 1e12}'
run "hardware file negative peak" analyze --hardware "$T/neg.json"
expect_rc 2
expect_err "neg.json:2:30: hardware[0].peak_flops: fp16: expected a non-negative number"
# `  {"id": "z", "peak_flops": {}, "memory_bandwidth": 0}`: 2 + 12 + 14 +
# `{}, ` (4) = 32 characters before the key: column 33
hw_file zero.json '  {"id": "z", "peak_flops": {}, "memory_bandwidth": 0}'
run "hardware file zero bandwidth" analyze --hardware "$T/zero.json"
expect_rc 2
expect_err "zero.json:2:33: hardware[0]: memory_bandwidth must be positive"
printf '{"hardware": [\n  {"id": "x",}\n]}\n' >"$T/bad.json"
run "hardware file malformed" analyze --hardware "$T/bad.json"
expect_rc 2
expect_err "bad.json:2:"
expect_err "malformed JSON"
hw_file two.json '{"id": "a", "peak_flops": {}, "memory_bandwidth": 1},
 {"id": "b", "peak_flops": {}, "memory_bandwidth": 1}'
run "hardware file of two devices" analyze --hardware "$T/two.json"
expect_rc 2
expect_err "--hardware FILE takes a file of one device, this one has 2"
run "hardware file missing" analyze --hardware "$T/none.json"
expect_rc 2
expect_err "none.json: no such hardware file"

# the user's hardware directory, beside the user module database
mkdir -p "$T/home/.local/share/llmroof/hardware"
cp "$T/my.json" "$T/home/.local/share/llmroof/hardware/"
HOME="$T/home" "$BIN" --data-dir "$DATA" analyze --hardware my-gpu --format json >"$T/out" 2>"$T/err"
rc=$?
name="user hardware directory"
expect_rc 0
expect_out '"full_name": "My GPU"'
HOME="$T/home" "$BIN" --data-dir "$DATA" hardware list >"$T/out" 2>"$T/err"
rc=$?
name="user hardware listed"
expect_rc 0
expect_out "my-gpu"

# --hw-set: the value in the field's unit, with a prefix and the unit
run "--hw-set" analyze --hw-set memory_bandwidth=1T --hw-set fp16=2P --hw-set memory=40GiB --format json
expect_rc 0
expect_out '"memory_bandwidth": 1000000000000'
expect_out '"peak_flops": 2000000000000000'
# 40 GiB = 40 * 2^30 = 42949672960 bytes
expect_out '"memory_bytes": 42949672960'
run "--hw-set unknown key" analyze --hw-set bandwith=1T
expect_rc 1
expect_err "unknown hardware key 'bandwith' (did you mean memory_bandwidth?); valid keys: memory_bandwidth, memory_bytes"
expect_err "peak_flops.int4"
run "--hw-set zero bandwidth" analyze --hw-set memory_bandwidth=0
expect_rc 1
expect_err "memory_bandwidth: expected a positive number in B/s"
run "--hw-set nonsense" analyze --hw-set memory_bytes=lots
expect_rc 1
expect_err "memory_bytes: expected a non-negative number in B"
expect_err "got 'lots'"
run "--hw-set wrong unit" analyze --hw-set memory_bytes=40GB/s
expect_rc 1
expect_err "got '40GB/s'"
run "--hw-set fractional units" analyze --hw-set compute_units=1.5
expect_rc 1
expect_err "compute_units: expected a whole non-negative number"
run "--hw-set without =" analyze --hw-set memory_bandwidth
expect_rc 1
expect_err "--hw-set: expected KEY=VALUE"

# ---------------------------------------------------------------------------
# 8. GGUF realism: a header-only file (no tensor data) is read, with a
#    warning; its 3 tensors cover little of the architecture: a warning with
#    the missing share. The fixture (make_header_only_gguf.py) has
#    Llama-2-7b's hyperparameters and token_embd, output (4096 x 32000 each)
#    and blk.0.attn_q (4096 x 4096): 2 * 131072000 + 16777216 = 278921216
#    elements of the architecture's 6738415616 (data/models/SOURCES.md):
#    1 - 278921216 / 6738415616 = 95.86% have no tensor.
# ---------------------------------------------------------------------------
run "header-only GGUF" analyze "$FIX/llama7b_3tensors.gguf" --format csv
expect_rc 0
expect_err "llmroof: warning: $FIX/llama7b_3tensors.gguf: the data of 3 of its 3 tensors lies past the end of the file"
expect_err "the weight file's tensors hold 278921216 parameters, the architecture 6738415616: 95.9% have no tensor"

if [ "$fails" -gt 0 ]; then
    echo "cli_errors: $fails of $checks checks failed"
    exit 1
fi
echo "cli_errors: all $checks checks passed"
exit 0
