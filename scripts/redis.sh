#!/usr/bin/env bash
# Start a Redis on 127.0.0.1:6379 if none answers: the Celery test's broker (tests/test_celery.py).
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  exit 0
fi
if command -v redis-server >/dev/null; then
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0; sleep 1; done
fi
echo "redis: nothing answers on 127.0.0.1:6379 (the Celery test needs a broker: apt-get install redis-server)" >&2
