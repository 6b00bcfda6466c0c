#!/usr/bin/env bash
# Installs headless Chromium for the board's browser test (test/board/browser.test.ts), which drives
# Debian's `chromium` package at /usr/bin/chromium through playwright-core (no browser download).
# Idempotent: does nothing when /usr/bin/chromium exists. Debian/Ubuntu (apt) only; sudo when not root.
# To be called from scripts/install-test-deps.sh (or .ci/run).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "install-browser: chromium already installed ($(/usr/bin/chromium --version 2>/dev/null | tail -n 1))"
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y chromium
/usr/bin/chromium --version
