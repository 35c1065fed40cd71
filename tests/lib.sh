# shellcheck shell=bash
# tests/lib.sh: the helpers every CLI shell test uses, written once.
# Sourced by tests/cli_*.sh as `. "$(dirname "$0")/lib.sh"`; the script
# sets BIN (the llmroof binary) and DATA (the data directory) before it
# calls run, and calls make_temp before anything writes under $T.
#
# Conventions: `run NAME ARGS...` leaves stdout in $T/out, stderr in
# $T/err and the exit status in $rc, and names the case $name; every
# expect_* counts one check in $checks and, when it fails, prints one
# "FAIL: NAME: ..." line and counts it in $fails; `finish SCRIPT` prints
# the summary and exits 1 if any check failed.

fails=0
checks=0
name=
rc=0

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# make_temp TAG: a fresh directory $T, removed on exit. A script that
# starts processes defines at_exit to stop them; it runs first, so they
# stop before their files go.
make_temp() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/llmroof-$1.XXXXXX") || exit 1
    trap lib_on_exit EXIT
}
lib_on_exit() {
    if declare -F at_exit >/dev/null; then at_exit; fi
    rm -rf "$T"
}

# run NAME ARGS...: the binary on the test's data dir.
run() {
    name=$1
    shift
    "$BIN" --data-dir "$DATA" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# run_raw NAME ARGS...: like run, without --data-dir (for runs that pass
# their own).
run_raw() {
    name=$1
    shift
    "$BIN" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# check COMMAND...: one check that COMMAND succeeds.
check() {
    checks=$((checks + 1))
    "$@" || fail "$name: $*"
}

# The first 300 bytes of a file on one line, for failure messages.
excerpt() {
    head -c 300 "$1" | tr '\n' ' '
}

# expect_rc CODE: the exit status; a signal (status >= 128) is named a crash.
expect_rc() {
    checks=$((checks + 1))
    if [ "$rc" -ne "$1" ]; then
        local what=""
        [ "$rc" -ge 128 ] && what=" (killed by signal $((rc - 128)): crash)"
        fail "$name: exit code $rc$what, expected $1; stderr: $(excerpt "$T/err")"
    fi
}
# expect_out TEXT: stdout contains TEXT (fixed string).
expect_out() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$T/out" || fail "$name: stdout lacks '$1'"
}
# expect_out_re REGEX: some line of stdout matches the extended regex.
expect_out_re() {
    checks=$((checks + 1))
    grep -qE -- "$1" "$T/out" || fail "$name: no stdout line matches /$1/"
}
# expect_no_out_text TEXT: stdout does not contain TEXT.
expect_no_out_text() {
    checks=$((checks + 1))
    ! grep -qF -- "$1" "$T/out" || fail "$name: stdout should not contain '$1'"
}
# expect_no_stdout: an error run printed nothing on stdout.
expect_no_stdout() {
    checks=$((checks + 1))
    [ ! -s "$T/out" ] || fail "$name: an error run printed on stdout: $(head -c 200 "$T/out" | tr '\n' ' ')"
}
# expect_err TEXT: stderr contains TEXT (fixed string).
expect_err() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$T/err" || fail "$name: stderr lacks '$1'; got: $(excerpt "$T/err")"
}
# expect_err_re REGEX: stderr matches the extended regex.
expect_err_re() {
    checks=$((checks + 1))
    grep -qE -- "$1" "$T/err" || fail "$name: stderr does not match /$1/; got: $(excerpt "$T/err")"
}
# expect_no_err_text TEXT: stderr does not contain TEXT.
expect_no_err_text() {
    checks=$((checks + 1))
    ! grep -qF -- "$1" "$T/err" || fail "$name: stderr should not contain '$1'"
}
# expect_eq WHAT GOT WANT
expect_eq() {
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$name: $1 is '$2', expected '$3'"
}

# csv_field FILE STAGE OP COLUMN: the COLUMN (found by header name) of the
# row of op OP in stage STAGE of an `analyze --format csv` output.
csv_field() {
    awk -F, -v st="$2" -v op="$3" -v col="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        c && $1 == st && $2 == op { print $c; exit }' "$1"
}

# finish SCRIPT: the summary line; exit 1 if any check failed.
finish() {
    if [ "$fails" -gt 0 ]; then
        echo "$1: $fails of $checks checks failed"
        exit 1
    fi
    echo "$1: all $checks checks passed"
    exit 0
}
