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


def _copy(path: Path, database_url: str, header: list[str]) -> tuple[float, int]:
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
    return copy_s, copied


def _empty_directory(database_url: str) -> None:
    """Back to the state before the first import (geography and nomenclature kept), for the next measured run."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("TRUNCATE establishments_establishment, establishments_organisation RESTART IDENTITY CASCADE")
        conn.execute("TRUNCATE establishments_historicalestablishment RESTART IDENTITY")


def import_vs_copy(path: Path, database_url: str, env: dict, log, runs: int = 3) -> dict:
    """``runs`` first loads of the file through ``import_finess``, alternated with as many COPYs; fastest kept.

    The machine is shared: alternating the two measures and keeping the fastest of each gives the figures least
    disturbed by other processes (as the PDF figures do). Each import starts from an empty directory.
    """
    env = {**env, "DATABASE_URL": database_url}
    _run(["migrate", "-v0"], env)
    _run(["load_geo", "-v0"], env)
    _run(["load_finess_categories", "-v0"], env)
    with path.open(encoding="utf-8") as f:
        header = next(csv.reader(f, delimiter=";"))
    imports, walls, copies = [], [], []
    summary, copied = "", 0
    for run in range(runs):
        if run:
            _empty_directory(database_url)
        started = time.perf_counter()
        result = _run(["import_finess", str(path)], env)
        wall = time.perf_counter() - started
        summary = next((ln for ln in result.stdout.splitlines() if ln.startswith("created")), "")
        inner = re.search(r"\((\d+(?:[.,]\d+)?) s\)", result.stdout)
        imports.append(float(inner.group(1).replace(",", ".")) if inner else wall)
        walls.append(wall)
        copy_s, copied = _copy(path, database_url, header)
        copies.append(copy_s)
        log(
            f"  run {run + 1}: import_finess {summary} in {imports[-1]} s (process wall {wall:.1f} s); "
            f"COPY {copy_s:.2f} s"
        )
    import_s, copy_s = min(imports), min(copies)
    return {
        "import_summary": summary,
        "import_s": round(import_s, 2),
        "import_runs_s": [round(x, 2) for x in imports],
        "import_process_wall_s": round(min(walls), 2),
        "copy_rows": copied,
        "copy_s": round(copy_s, 3),
        "copy_runs_s": [round(x, 3) for x in copies],
        "ratio": round(import_s / copy_s, 1),
        "method": f"{runs} alternating runs each (import from an empty directory, then COPY), fastest kept",
    }
