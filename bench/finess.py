"""FINESS import of a national-size file against PostgreSQL COPY of the same file."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=900, check=True,
    )  # fmt: skip


def import_vs_copy(path: Path, database_url: str, env: dict, log) -> dict:
    env = {**env, "DATABASE_URL": database_url}
    _run(["migrate", "-v0"], env)
    _run(["load_geo", "-v0"], env)
    _run(["load_finess_categories", "-v0"], env)
    started = time.perf_counter()
    result = _run(["import_finess", str(path)], env)
    wall = time.perf_counter() - started
    summary = next((ln for ln in result.stdout.splitlines() if ln.startswith("created")), "")
    inner = re.search(r"\((\d+(?:[.,]\d+)?) s\)", result.stdout)
    import_s = float(inner.group(1).replace(",", ".")) if inner else wall
    log(f"  import_finess: {summary} in {import_s} s (process wall {wall:.1f} s)")

    with path.open(encoding="utf-8") as f:
        header = next(csv.reader(f, delimiter=";"))
    columns = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_finess_copy")
        conn.execute(f"CREATE TABLE bench_finess_copy ({columns})")
        started = time.perf_counter()
        statement = "COPY bench_finess_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
        with conn.cursor() as cur, path.open("rb") as f, cur.copy(statement) as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        copy_s = time.perf_counter() - started
        copied = conn.execute("SELECT count(*) FROM bench_finess_copy").fetchone()[0]
    log(f"  COPY: {copied} rows in {copy_s:.2f} s")
    return {
        "import_summary": summary,
        "import_s": round(import_s, 2),
        "import_process_wall_s": round(wall, 2),
        "copy_rows": copied,
        "copy_s": round(copy_s, 3),
        "ratio": round(import_s / copy_s, 1),
    }
