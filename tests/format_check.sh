#!/usr/bin/env bash
# Fails when a C file differs from what clang-format (.clang-format) makes of it.
set -u
cd "$(dirname "$0")/.."
bad=0
for f in src/*/*.c src/*/*.h serve/*.c serve/*.h cli/*.c cli/*.h include/*.h tests/*.c tests/*.h fuzz/*.c fuzz/*.h; do
  [ -e "$f" ] || continue
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=1
  fi
done
exit $bad
