#!/usr/bin/env bash
# The Python package (python/llmroof) against the built shared library and
# the built CLI, with pytest (python/tests). The first python3 that has
# pytest runs it (Debian's python3-pytest, scripts/setup.sh). A run that
# collects no test (pytest's exit 5) fails like any other.
#   usage: python.sh SRC_DIR LIBLLMROOF.SO LLMROOF CC SANITIZE
set -u
src=$1 lib=$2 cli=$3 cc=$4 sanitize=$5
py=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import pytest' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "python: no python3 with pytest (scripts/setup.sh installs python3-pytest)"
  exit 1
fi
export LLMROOF_LIBRARY=$lib LLMROOF_CLI=$cli
if [ "$sanitize" = 1 ]; then
  # an ASan/UBSan library inside an interpreter built without them: the
  # runtimes come first; the interpreter's own allocations are not ours to
  # check for leaks (test_call.c checks lr_json_call's under ASan)
  export LD_PRELOAD="$("$cc" -print-file-name=libasan.so) $("$cc" -print-file-name=libubsan.so)"
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
fi
cd "$src" || exit 1
"$py" -m pytest -q -p no:cacheprovider python/tests
rc=$?
if [ $rc -eq 5 ]; then
  echo "python: pytest collected no tests"
  exit 1
fi
exit $rc
