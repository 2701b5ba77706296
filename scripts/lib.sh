#!/usr/bin/env bash
# Shared steps of scripts/demo.sh and scripts/test.sh: system packages, Python >= 3.12, venv, services.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "Ces paquets Debian sont nécessaires : lancez en root ou installez sudo." >&2; return 1
  fi
}

# apt_install PKG... : installs only what is missing (one apt-get update at most).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    say "Paquets Debian : ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# WeasyPrint's libraries, fonts, and the PDF-to-text tool the tests use.
PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu poppler-utils)

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

# Finds a Python >= 3.12 (3.12 preferred): $PYTHON, python3.12/3.13 on PATH, python3, then pyenv's builds.
find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.12 python3.13 python3)
  if command -v pyenv >/dev/null 2>&1; then
    for v in 3.12 3.13; do
      local prefix
      prefix="$(PYENV_VERSION=$v pyenv prefix 2>/dev/null || true)"
      [ -n "$prefix" ] && candidates+=("$prefix/bin/python3")
    done
  fi
  for dir in "$HOME"/.pyenv/versions/3.1[2-9]*; do [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3"); done
  for c in "${candidates[@]}"; do
    local path
    path="$(command -v "$c" 2>/dev/null || true)"
    if [ -n "$path" ] && python_ok "$path"; then echo "$path"; return 0; fi
  done
  cat >&2 <<'MSG'
Python 3.12 ou plus récent est nécessaire (Django 6) et n'a pas été trouvé.
  - Debian 13 et Ubuntu 24.04 : apt-get install python3 python3-venv
  - Debian 12 : installez Python 3.12 avec pyenv (https://github.com/pyenv/pyenv), puis relancez ;
  - ou indiquez l'interpréteur : PYTHON=/chemin/vers/python3.12 make demo
MSG
  return 1
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
    local py
    py="$(find_python)"
    say "Environnement Python ($("$py" --version)) dans .venv"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || { apt_install python3-venv && "$py" -m venv "$VENV"; }
  fi
  # uv itself is locked (dev group): bootstrap the locked version once, then the sync keeps it.
  [ -x "$VENV/bin/uv" ] || "$VENV/bin/python" -m pip install -q --disable-pip-version-check "uv==$(locked_version uv)"
  say "Dépendances Python (uv.lock)"
  # Exactly the locked set (packages not in uv.lock are removed); --frozen refuses a lock out of date with
  # pyproject.toml instead of re-resolving, so that two installs a month apart are the same.
  UV_PROJECT_ENVIRONMENT="$VENV" UV_PYTHON_DOWNLOADS=never \
    "$VENV/bin/uv" sync -q --frozen --group dev --python "$VENV/bin/python"
}

# locked_version NAME : the version of NAME pinned in uv.lock.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' "$ROOT/uv.lock"
}

start_postgres() {
  apt_install postgresql
  local ver
  ver="$(ls /etc/postgresql | sort -V | tail -1)"
  as_root pg_ctlcluster "$ver" main status >/dev/null 2>&1 || as_root pg_ctlcluster "$ver" main start
  (cd / && as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q) <<'SQL'
DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
    CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB;
  END IF;
END$$;
SELECT 'CREATE DATABASE app OWNER app' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'app')\gexec
SQL
}

start_redis() {
  apt_install redis-server
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \
      --pidfile /tmp/crrc-redis.pid --logfile /tmp/crrc-redis.log
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}
