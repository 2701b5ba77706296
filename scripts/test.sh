#!/usr/bin/env bash
# Installs everything and runs the whole test suite against real PostgreSQL, Redis and Chromium.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install "${PDF_PACKAGES[@]}" chromium docker-compose
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
start_postgres
start_redis
ensure_venv
if [ -f package.json ]; then
  say "Outils JavaScript de test (axe-core)"
  if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi
fi

export DATABASE_URL="${DATABASE_URL:-postgres://app:app@127.0.0.1:5432/app}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export CELERY_RESULT_BACKEND="${CELERY_RESULT_BACKEND:-redis://127.0.0.1:6379/1}"
export DJANGO_SETTINGS_MODULE=crrc.settings.test

say "Qualité : uv.lock à jour, ruff, migrations, system checks"
"$VENV/bin/uv" lock --check -q
"$VENV/bin/ruff" format --check .
"$VENV/bin/ruff" check .
"$VENV/bin/python" manage.py check
"$VENV/bin/python" manage.py makemigrations --check --dry-run

say "Tests (pytest)"
exec "$VENV/bin/pytest" "$@"
