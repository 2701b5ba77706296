#!/usr/bin/env bash
# National-scale benchmark (not part of the tests): real PostgreSQL, Redis, gunicorn and wrk on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install "${PDF_PACKAGES[@]}" wrk
start_postgres
start_redis
ensure_venv
say "Banc de mesure à l'échelle nationale (environ 20 minutes sur 2 cœurs) : résultats dans bench/LATEST.md"
exec "$VENV/bin/python" -m bench "$@"
