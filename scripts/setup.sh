#!/usr/bin/env bash
# Installs the Debian packages llmroof needs to build and test, and only
# those that are missing, so that a prepared machine runs this in a second.
set -euo pipefail

packages=(build-essential cmake pkg-config libjansson-dev libcmocka-dev libcurl4-openssl-dev clang-format libxml2-utils)
# `llmroof serve` (libmicrohttpd) and its tests: curl and wrk (tests/cli_serve.sh),
# chromium driven by playwright-core under node (tests/e2e)
packages+=(libmicrohttpd-dev curl wrk chromium)
# the Python package's tests (python/tests, tests/python.sh)
packages+=(python3-pytest)
# node and npm only when the commands are missing: a NodeSource nodejs
# bundles npm, and Debian's npm package conflicts with it
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

# `setup.sh fuzz` also installs clang and its libFuzzer runtime (make fuzz)
if [ "${1:-}" = fuzz ]; then
  packages+=(clang libclang-rt-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# playwright-core for the browser test, into tests/e2e/node_modules, at the
# version package-lock.json pins (it downloads no browser: the test uses
# Debian's chromium)
e2e="$(cd "$(dirname "$0")/../tests/e2e" && pwd)"
want=$(sed -n 's/.*"playwright-core": "\([^"]*\)".*/\1/p' "$e2e/package.json")
have=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$e2e/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [ "$have" = "$want" ]; then
  echo "setup: playwright-core $have present"
else
  echo "setup: installing playwright-core $want into tests/e2e/node_modules"
  (cd "$e2e" && npm ci --no-audit --no-fund)
fi
