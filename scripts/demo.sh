#!/usr/bin/env bash
# Installs everything and runs the demo: embedded SQLite, Celery tasks run in-process, real FINESS data.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install "${PDF_PACKAGES[@]}"
ensure_venv

# The demo never uses an external database or broker, whatever the shell exports.
unset DATABASE_URL CELERY_BROKER_URL REDIS_URL CELERY_RESULT_BACKEND
export DJANGO_SETTINGS_MODULE=crrc.settings.base DEBUG=true

say "Base de démonstration (SQLite) et données réelles FINESS"
"$VENV/bin/python" manage.py migrate --no-input -v0
"$VENV/bin/python" manage.py demo
say "Portail de démonstration : http://127.0.0.1:8000 (Ctrl+C pour arrêter)"
exec "$VENV/bin/python" manage.py runserver 127.0.0.1:8000
