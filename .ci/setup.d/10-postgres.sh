#!/bin/sh
# PostgreSQL 15 on 127.0.0.1:5432, user postgres with trust auth (the cluster and postgres store
# tests). Idempotent: does nothing when the server already accepts connections. Bounded: gives up
# after about 60 s of waiting.
set -eu

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "10-postgres: installing postgresql" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -n | tail -1)
hba="/etc/postgresql/$version/main/pg_hba.conf"
# The tests connect as postgres from 127.0.0.1 without a password (a fresh Debian install asks for one).
if [ -w "$hba" ] && ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  echo "10-postgres: allowing trust auth from 127.0.0.1 in $hba" >&2
  { echo 'host all all 127.0.0.1/32 trust'; cat "$hba"; } > "$hba.new" && mv "$hba.new" "$hba"
  chown postgres:postgres "$hba" 2>/dev/null || true
  if ready; then timeout 30 pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true; fi
fi

if ready; then exit 0; fi

echo "10-postgres: starting PostgreSQL $version" >&2
timeout 60 pg_ctlcluster --skip-systemctl-redirect "$version" main start || true

i=0
until ready; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then
    echo "10-postgres: PostgreSQL did not accept connections on 127.0.0.1:5432 within 60 s" >&2
    exit 1
  fi
  sleep 1
done
