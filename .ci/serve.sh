#!/usr/bin/env bash
# `make serve`: the Procfile (gunicorn web + flask worker) under honcho, on a throwaway
# PostgreSQL (.ci/with-postgres.sh) and a throwaway redis-server for the rate limits, both on
# 127.0.0.1 only. Migrates and loads the demo data first. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath "${VENV:-.venv}")
export PATH="$venv/bin:$PATH"
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
export RATELIMIT_STORAGE_URI="redis://127.0.0.1:$redis_port/0"
export PORT=${PORT:-5000} WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:$PORT}
echo "redis-server on 127.0.0.1:$redis_port; the portal on http://127.0.0.1:$PORT"
bash .ci/with-postgres.sh bash -c '
  set -e
  flask --app wsgi db upgrade
  flask --app wsgi demo load
  exec honcho start --port "$PORT"
'
