#!/usr/bin/env bash
# libllmroof.so exports exactly the API of llmroof.h: the library is built
# with -fvisibility=hidden and every public declaration carries LR_API.
# Fails when
#   - a function or extern object is declared in the header without LR_API
#     (it would be missing from the shared library),
#   - a symbol the shared library exports is not declared with LR_API there
#     (an internal function leaking out),
#   - a declaration with LR_API is not exported.
#   usage: exports.sh LIBLLMROOF.SO LLMROOF.H CC LIBLLMROOF.A
set -u
so=$1 header=$2 cc=$3 archive=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

# The header's own declarations, macros expanded (LR_API becomes the
# visibility attribute, turned back into a marker here), comments and the
# C++ guard gone. Its #includes are left out: only its own text matters.
grep -v '^#include' "$header" | "$cc" -E -P -x c - >"$tmp/h.i" || { echo "exports: cannot preprocess $header"; exit 1; }
# One statement per file-scope `;` or closing `}` (struct and enum bodies
# dropped); a statement with `(`, or starting with extern, declares
# something the library defines. Prints "marked NAME" or "unmarked NAME".
tr '\n' ' ' <"$tmp/h.i" | sed 's/__attribute__((visibility("default")))/LR_API/g' | awk '
  function emit(s,   m, name) {
    gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
    if (s == "" || s ~ /^typedef/) return
    if (s !~ /\(/ && s !~ /^(LR_API )?extern / ) return
    m = (s ~ /(^| )LR_API( |$)/) ? "marked" : "unmarked"
    name = s
    if (name ~ /\(/) sub(/\(.*/, "", name); else sub(/\[.*/, "", name)
    gsub(/\*/, " ", name); sub(/ +$/, "", name); sub(/.* /, "", name)
    print m, name
  }
  {
    depth = 0; cur = ""
    for (i = 1; i <= length($0); i++) {
      c = substr($0, i, 1)
      if (c == "{") { depth++; continue }
      if (c == "}") { depth--; if (depth == 0) { emit(cur); cur = "" } continue }
      if (depth > 0) continue
      if (c == ";") { emit(cur); cur = ""; continue }
      cur = cur c
    }
  }' >"$tmp/decl"
awk '$1 == "marked" {print $2}' "$tmp/decl" | sort -u >"$tmp/marked"
awk '$1 == "unmarked" {print "exports: " $2 " is declared in llmroof.h without LR_API"}' "$tmp/decl" >"$tmp/unmarked"
if [ -s "$tmp/unmarked" ]; then cat "$tmp/unmarked"; bad=1; fi

nm -D --defined-only "$so" | awk '{print $NF}' | grep -v '^_' | sort -u >"$tmp/exported"
n_marked=$(wc -l <"$tmp/marked") n_exported=$(wc -l <"$tmp/exported")
# the header declares over a hundred functions: fewer means the parse broke
[ "$n_marked" -gt 100 ] || { echo "exports: only $n_marked declarations found in $header"; exit 1; }
[ "$n_exported" -gt 100 ] || { echo "exports: only $n_exported symbols exported by $so"; exit 1; }
comm -13 "$tmp/marked" "$tmp/exported" | sed 's/^/exports: exported but not in llmroof.h: /' >"$tmp/extra"
comm -23 "$tmp/marked" "$tmp/exported" | sed 's/^/exports: declared with LR_API but not exported: /' >"$tmp/missing"
for f in extra missing; do if [ -s "$tmp/$f" ]; then cat "$tmp/$f"; bad=1; fi; done

# Internal functions exist (in the static library, which the CLI and the
# tests link) but stay hidden in the shared one.
for s in lr_xmalloc lr_err_set lr_prog_run lr_read_file; do
  nm --defined-only "$archive" 2>/dev/null | grep -q " T $s\$" || { echo "exports: $s not in $archive"; bad=1; }
  grep -qx "$s" "$tmp/exported" && { echo "exports: internal $s is exported"; bad=1; }
done
[ $bad = 0 ] && echo "exports: ok ($n_exported symbols, all declared with LR_API)"
exit $bad
