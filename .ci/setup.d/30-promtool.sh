#!/usr/bin/env bash
# test/api/metrics.promtool.test.ts lints GET /metrics with `promtool check metrics`.
# promtool comes from Debian's `prometheus` package (2.42). Installing that package would also
# install (and, on a machine with systemd, start) a Prometheus server listening on every
# interface at :9090, plus a dozen libjs-* dependencies (96 MB installed); so this script only
# downloads the .deb (19 MB) and extracts its one static binary to /usr/local/bin/promtool.
# Does nothing when promtool is already on the PATH.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 777 "$work" # apt-get download runs as the _apt user when it can
timeout 300 $SUDO apt-get update
(cd "$work" && timeout 300 $SUDO apt-get download prometheus)
dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -O ./usr/bin/promtool > "$work/promtool"
$SUDO install -m 0755 "$work/promtool" /usr/local/bin/promtool
promtool --version
