#!/usr/bin/env bash
# cli_analyzer.sh BINARY DATA_DIR REPLAY_SERVER: `llmroof modules analyze`
# against a loopback server replaying recorded chat-completions replies: a
# valid entry, malformed JSON then a valid one, an invalid formula then a
# corrected one, a timeout, an HTTP 500, and no endpoint at all.
set -u
BIN=$1
DATA=$2
REPLAY=$3
unset LLMROOF_DATA LLMROOF_MODULE_DB OPENAI_API_KEY OPENAI_BASE_URL LLMROOF_LLM_URL
. "$(dirname "$0")/lib.sh"
make_temp cli-llm
at_exit() { kill $(jobs -p) 2>/dev/null; }
# reply FILE STATUS DELAY_MS CONTENT: a chat-completions reply whose
# message content is CONTENT (a JSON string, already escaped)
reply() {
    printf '%s %s\n{"choices": [{"message": {"role": "assistant", "content": %s}}]}' "$2" "$3" "$4" >"$1"
}
# serve REPLY...: starts the replay server; sets LLMROOF_LLM_URL
serve() {
    rm -f "$T/port" "$T/log"
    "$REPLAY" "$T/port" "$T/log" "$@" &
    for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    export LLMROOF_LLM_URL="http://127.0.0.1:$(cat "$T/port")/v1"
}
# run_analyzer NAME ARGS...: `modules analyze ARGS` into $T/user.json
run_analyzer() {
    name=$1
    shift
    run "$name" --module-db "$T/user.json" modules analyze "$@"
}
cat >"$T/swiglu.py" <<'PY'
class MyGatedMLP(nn.Module):
    def forward(self, x):
        return self.down(self.act(self.gate(x)) * self.up(x))
PY
GOOD='"{\"modules\": {\"my_GatedMLP\": {\"full_class_name\": \"my.models.MyGatedMLP\", \"aliases\": [\"MyGatedMLP\"], \"is_composite\": true, \"parameters\": [{\"name\": \"tokens\", \"default\": \"{B} * {S}\"}, \"intermediate_size\"], \"ops\": [{\"name\": \"gate_up_mul\", \"kind\": \"elementwise\", \"flops\": \"{tokens} * {intermediate_size}\", \"load_act\": \"2 * {tokens} * {intermediate_size} * {a_bytes}\", \"store_act\": \"{tokens} * {intermediate_size} * {a_bytes}\"}]}}}"'
BADFORMULA='"```json\n{\"modules\": {\"my_GatedMLP\": {\"full_class_name\": \"my.models.MyGatedMLP\", \"parameters\": [\"intermediate_size\"], \"ops\": [{\"name\": \"mul\", \"flops\": \"{tokens} * * {intermediate_size}\"}]}}}\n```"'
reply "$T/good" 200 0 "$GOOD"
reply "$T/badformula" 200 0 "$BADFORMULA"
reply "$T/notjson" 200 0 '"Sure! Here is the entry: {modules: oops}"'
reply "$T/slow" 200 3000 "$GOOD"
printf '500 0\n{"error": "overloaded"}' >"$T/fail500"

# 1. a valid entry, for a composite with its sub-layers listed
serve "$T/good"
run_analyzer "valid entry" MyGatedMLP --source "$T/swiglu.py" --sub-layers torch.nn.Linear,torch.nn.SiLU
wait
check [ "$rc" -eq 0 ]
check grep -q '"my.models.MyGatedMLP"' "$T/user.json"
check grep -q 'COMPOSITE module' "$T/log"
check grep -q 'torch.nn.Linear, torch.nn.SiLU' "$T/log"
check grep -q 'Count ONLY the operations that happen between the sub-layer' "$T/log"
check grep -q 'self.down(self.act(self.gate(x)) \* self.up(x))' "$T/log"
# the stored entry is used: it is in the list, from the user database
"$BIN" --data-dir "$DATA" --module-db "$T/user.json" modules list >"$T/out"
check grep -q "my.models.MyGatedMLP .*user.json" "$T/out"
rm -f "$T/user.json"

# 2. malformed JSON, then a valid entry: the error goes back, then it lands
serve "$T/notjson" "$T/good"
run_analyzer "malformed then valid" MyGatedMLP --source "$T/swiglu.py"
wait
check [ "$rc" -eq 0 ]
check grep -q 'That reply cannot be used: the reply is not valid JSON' "$T/log"
check grep -q '"my.models.MyGatedMLP"' "$T/user.json"
rm -f "$T/user.json"

# 3. an invalid formula (in a ```json fence), then the corrected entry
serve "$T/badformula" "$T/good"
run_analyzer "invalid formula then corrected" MyGatedMLP --source "$T/swiglu.py"
wait
check [ "$rc" -eq 0 ]
check grep -q 'the entry failed validation' "$T/log"
check grep -q 'bad formula' "$T/log"
check grep -q '"my.models.MyGatedMLP"' "$T/user.json"
rm -f "$T/user.json"

# 4. invalid every time: gives up after LLMROOF_LLM_TRIES replies
serve "$T/badformula" "$T/badformula"
LLMROOF_LLM_TRIES=2 run_analyzer "gives up" MyGatedMLP --source "$T/swiglu.py"
wait
check [ "$rc" -eq 2 ]
check grep -q 'after 2 tries' "$T/err"
check [ ! -s "$T/user.json" ]

# 5. a timeout
serve "$T/slow"
LLMROOF_LLM_TIMEOUT=1 run_analyzer "timeout" MyGatedMLP --source "$T/swiglu.py"
check [ "$rc" -eq 2 ]
check grep -qi 'timeout\|timed out' "$T/err"
wait

# 6. HTTP 500
serve "$T/fail500"
run_analyzer "http 500" MyGatedMLP --source "$T/swiglu.py"
wait
check [ "$rc" -eq 2 ]
check grep -q 'HTTP 500' "$T/err"


# 8. arch --ensure-modules --analyze: the missing class is found in the
# sources, analyzed with its sub-layers, stored, and the tree is complete
rm -f "$T/user.json"
mkdir -p "$T/src/pkg"
cp "$T/swiglu.py" "$T/src/pkg/model.py"
cat >"$T/arch.json" <<'JSON'
{"name": "tiny", "class": "MyGatedMLP", "parameters": {"intermediate_size": 64},
 "sub_layers": [
  {"name": "gate", "class": "torch.nn.Linear", "parameters": {"in_features": 16, "out_features": 64}},
  {"name": "up", "class": "torch.nn.Linear", "parameters": {"in_features": 16, "out_features": 64}},
  {"name": "down", "class": "torch.nn.Linear", "parameters": {"in_features": 64, "out_features": 16}}]}
JSON
name="ensure lists"
"$BIN" --data-dir "$DATA" --module-db "$T/user.json" arch "$T/arch.json" --ensure-modules >"$T/out" 2>"$T/err"
check [ $? -eq 2 ]
check grep -q "^  MyGatedMLP" "$T/out"
serve "$T/good"
name="ensure analyze"
export LLMROOF_LLM_URL
"$BIN" --data-dir "$DATA" --module-db "$T/user.json" arch "$T/arch.json" --ensure-modules \
    --analyze --source-dir "$T/src" >"$T/out" 2>"$T/err"
st=$?
wait
check [ "$st" -eq 0 ]
check grep -q "analyzing MyGatedMLP (3 sub-layers)" "$T/out"
check grep -q "torch.nn.Linear, torch.nn.Linear, torch.nn.Linear" "$T/log"
check grep -q "parameters: " "$T/out"
unset LLMROOF_LLM_URL

# 7. no endpoint configured
unset LLMROOF_LLM_URL
run_analyzer "not configured" MyGatedMLP --source "$T/swiglu.py"
check [ "$rc" -eq 1 ]
check grep -q 'LLMROOF_LLM_URL' "$T/err"

finish cli_analyzer
