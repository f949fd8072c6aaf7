#!/usr/bin/env bash
# The dashboard's browser tests (test/dashboard) drive Debian's Chromium through playwright-core.
# Installs the `chromium` package when /usr/bin/chromium is missing; does nothing otherwise.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
timeout 300 $SUDO apt-get update
timeout 900 $SUDO apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
