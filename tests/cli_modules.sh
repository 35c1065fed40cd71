#!/usr/bin/env bash
# cli_modules.sh BINARY DATA_DIR: `modules add` and `modules check`: the
# user database layered over the bundled one, validation, --force, every
# bundled database valid, crash safety under SIGKILL and concurrent writers.
set -u
BIN=$1
DATA=$2
unset LLMROOF_DATA LLMROOF_MODULE_DB
. "$(dirname "$0")/lib.sh"
make_temp cli-mod
# entry NAME CLASS FLOPS_PER_ELEMENT: an activation entry file
entry() {
    cat >"$T/$1.json" <<JSON
{"modules": {"$1": {"full_class_name": "$2",
  "parameters": [{"name": "tokens", "default": "{B} * {S}"}, "features"],
  "ops": [{"name": "act", "kind": "activation", "flops": "$3 * {tokens} * {features}",
           "load_act": "{tokens} * {features} * {a_bytes}",
           "store_act": "{tokens} * {features} * {out_bytes}"}]}}}
JSON
}

# every bundled database is valid
for p in "$DATA"/profiles/*/; do
    prof=$(basename "$p")
    run "check $prof" --profile "$prof" modules check
    expect_rc 0
    expect_out "entries ok"
done

DB=$T/user/modules.json
entry my_Swish my.models.Swish 4
run "add" --module-db "$DB" modules add "$T/my_Swish.json"
expect_rc 0
run "list shows the user file" --module-db "$DB" modules list
expect_out "my.models.Swish"
expect_out "$DB"
run "add twice" --module-db "$DB" modules add "$T/my_Swish.json"
expect_rc 2
expect_err "already has an entry 'my_Swish'"
expect_err "--force"

# A bundled class needs --force; then the user's definition wins: SiLU at 5
# FLOPs per element: act_fn of Llama-2-7b prefill = 5 * 2048 * 11008 =
# 112,721,920 (the bundled entry's 4 gives 90,177,536).
entry my_SiLU torch.nn.modules.activation.SiLU 5
run "taken class" --module-db "$DB" modules add "$T/my_SiLU.json"
expect_rc 2
expect_err "class name 'torch.nn.modules.activation.SiLU' is already taken"
run "forced" --module-db "$DB" modules add "$T/my_SiLU.json" --force
expect_rc 0
run "override used" --module-db "$DB" analyze --format csv --stage prefill
expect_rc 0
checks=$((checks + 1))
v=$(awk -F, '$2 == "act_fn" { print $7 }' "$T/out")
[ "$v" = "112721920" ] || fail "override: act_fn flops '$v', expected 112721920"

# validation: a formula that divides by zero, an unknown variable, a cycle
cat >"$T/bad.json" <<'JSON'
{"modules": {"bad_Div": {"full_class_name": "my.Bad", "parameters": ["n"],
  "ops": [{"name": "x", "flops": "{n} / ({n} - 64)"}]}}}
JSON
run "sample evaluation" --module-db "$DB" modules add "$T/bad.json"
expect_rc 2
expect_err "division by zero"
expect_err "my.Bad"
cat >"$T/bad2.json" <<'JSON'
{"modules": {"bad_Var": {"full_class_name": "my.Bad2", "parameters": ["n"],
  "ops": [{"name": "x", "flops": "{n} * {m}"}]}}}
JSON
run "unknown variable" --module-db "$DB" modules add "$T/bad2.json"
expect_rc 2
expect_err "unknown variable {m}"
checks=$((checks + 1))
grep -q "bad_Var\|my.Bad2" "$DB" && fail "a rejected entry was written"

# concurrent writers: 8 adds at once, all land
for i in 1 2 3 4 5 6 7 8; do
    entry "c$i" "my.Conc$i" 1
    "$BIN" --data-dir "$DATA" --module-db "$DB" modules add "$T/c$i.json" >/dev/null 2>&1 &
done
wait
for i in 1 2 3 4 5 6 7 8; do
    checks=$((checks + 1))
    grep -q "my.Conc$i" "$DB" || fail "concurrent writers: my.Conc$i lost"
done

# SIGKILL at random moments: the database always loads and holds every
# entry whose add finished before
KDB=$T/kill/modules.json
mkdir -p "$T/kill"
done_list=""
for i in $(seq 1 25); do
    entry "k$i" "my.Kill$i" 1
    "$BIN" --data-dir "$DATA" --module-db "$KDB" modules add "$T/k$i.json" >/dev/null 2>&1 &
    pid=$!
    sleep "0.00$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    st=$?
    [ "$st" -eq 0 ] && done_list="$done_list $i"
    if [ -f "$KDB" ]; then
        checks=$((checks + 1))
        "$BIN" --data-dir "$DATA" --module-db "$KDB" modules check >/dev/null 2>"$T/kerr" ||
            fail "after kill $i the database does not load: $(head -c 300 "$T/kerr")"
    fi
    for j in $done_list; do
        checks=$((checks + 1))
        grep -q "\"my.Kill$j\"" "$KDB" || fail "after kill $i, entry k$j (added before) is lost"
    done
done

finish cli_modules
