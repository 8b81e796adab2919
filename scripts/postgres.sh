#!/usr/bin/env bash
# Start the machine's PostgreSQL if nothing answers on 127.0.0.1:5432.
set -euo pipefail
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done
fi
echo "postgres: nothing answers on 127.0.0.1:5432 (set WAREHOUSE_URL, or the demo starts an embedded one)" >&2
