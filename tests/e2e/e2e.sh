#!/usr/bin/env bash
# e2e.sh LLMROOF DATA_DIR OUT_DIR: the browser test of `llmroof serve`'s
# page (e2e.mjs): headless Debian chromium driven by playwright-core from
# tests/e2e/node_modules. scripts/setup.sh installs all three; without them
# the test fails and says so (a skipped test would hide a broken setup).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 3 ]; then
  echo "usage: e2e.sh LLMROOF DATA_DIR OUT_DIR" >&2
  exit 2
fi
missing=""
command -v node >/dev/null || missing="$missing node (nodejs)"
[ -x /usr/bin/chromium ] || missing="$missing /usr/bin/chromium"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  missing="$missing tests/e2e/node_modules/playwright-core"
if [ -n "$missing" ]; then
  echo "e2e: missing:$missing; run scripts/setup.sh" >&2
  exit 1
fi
mkdir -p "$3"
exec node "$here/e2e.mjs" "$1" "$2" "$3"
