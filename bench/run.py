"""``python -m bench``: seed national-scale data, then measure pages, PDFs and the FINESS import.

Bounded to about 15 minutes on a 2-core machine. Writes ``bench/results/latest.json`` and ``latest.md`` (not
versioned) and ``bench/LATEST.md`` (versioned: the figures with the machine they were taken on).

Environment: ``BENCH_DATABASE_URL`` (default postgres://app:app@127.0.0.1:5432/bench, dropped and recreated),
``BENCH_FINESS_DATABASE_URL`` (default …/bench_finess, idem), ``BENCH_BROKER_URL`` (default redis DB 13, flushed
of its queue). PostgreSQL, Redis and ``wrk`` (installed with apt-get when missing and root) are needed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"


def log(message: str) -> None:
    print(message, flush=True)


def _recreate(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> dict:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor(),
    )
    mem_kb = int(
        next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    )
    import django

    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql_client": pg,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "note": "shared machine: other processes may have been running during the measure",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=95_000)
    parser.add_argument("--users", type=int, default=40_000, help="4 per onboarded establishment")
    parser.add_argument("--scale", type=float, default=1.0, help="factor on the modules' row counts (smoke runs)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--http-seconds", type=int, default=6, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--sheets-batch", type=int, default=120, help="size sought for the department whose sheets form the batch"
    )
    parser.add_argument("--finess-rows", type=int, default=95_000)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["http", "digest", "pdf", "sheets", "finess", "awareness"]
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database a previous run seeded (bench/results/seeded.json), without dropping or seeding it",
    )
    from bench import awareness as awareness_bench

    awareness_bench.add_arguments(parser)
    args = parser.parse_args(argv)

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://app:app@127.0.0.1:5432/bench")
    finess_url = os.environ.get("BENCH_FINESS_DATABASE_URL", "postgres://app:app@127.0.0.1:5432/bench_finess")
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "CONN_MAX_AGE": "60",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "",
        }
    )
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
    sys.path.insert(0, str(ROOT))
    RESULTS.mkdir(exist_ok=True)
    workdir = RESULTS / "work"
    workdir.mkdir(exist_ok=True)
    env = dict(os.environ)
    results: dict = {"parameters": vars(args), "argv": list(argv if argv is not None else sys.argv[1:])}
    bench_started = time.perf_counter()

    if not args.reuse:
        log(f"Database {database_url} recreated")
        _recreate(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the in-process test client (page discovery, sessions)
    results["machine"] = machine()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    results["migrate_s"] = round(time.perf_counter() - started, 1)

    from bench import seed as seeding

    if args.reuse:
        seeded, module_rows, module_timings = _seeded_from_file(database_url)
        log(f"Reusing the data seeded on {seeded.seeded_at} ({seeded.establishments} establishments)")
        results["reused_seed_of"] = seeded.seeded_at
    else:
        log("Seeding…")
        seeded = seeding.seed(args.establishments, args.seed, workdir, log, users_total=args.users, scale=args.scale)
    results["seed"] = {
        "establishments": seeded.establishments,
        "users": seeded.users,
        "memberships": seeded.memberships,
        "modules": seeded.modules,
        "timings_s": seeded.timings,
    }

    from accounts.models import User
    from establishments.models import Establishment, Membership
    from establishments.roles import Role, StaffKind

    establishment = Establishment.objects.select_related("region").get(pk=seeded.first_establishment_id)
    director = Membership.objects.get(establishment=establishment, role=Role.DIRECTOR).user
    reviewer = User.objects.get(email=f"{StaffKind.ARS_REVIEWER}@bench.example.org")

    # Each module's own seed and key pages (bench/<app>.py, see bench/modules.py).
    from bench import modules

    context = modules.Context(
        establishments=seeded.establishment_ids,
        onboarded=seeded.establishment_ids[: seeded.memberships // seeding.USERS_PER_ESTABLISHMENT],
        establishment=establishment,
        director=director,
        reviewer=reviewer,
        crrc=User.objects.get(email=f"{StaffKind.CRRC_STAFF}@bench.example.org"),
        rng=random.Random(args.seed),
        log=log,
    )
    if not args.reuse:
        module_rows, module_timings = modules.seed_all(context)
        # A production database has its statistics (autovacuum analyses tables as they grow); bulk loads leave
        # them empty until then, and the planner then picks plans for empty tables.
        started = time.perf_counter()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        module_timings["analyze_s"] = round(time.perf_counter() - started, 2)
        _seeded_to_file(database_url, seeded, module_rows, module_timings)
    results["seed"]["modules"].update(module_rows)
    results["seed"]["timings_s"].update(module_timings)
    results["seed"]["timings_s"]["total_s"] = round(
        sum(v for k, v in results["seed"]["timings_s"].items() if k != "total_s"), 2
    )
    log(f"Seeding done in {results['seed']['timings_s']['total_s']} s")

    module_pages = modules.pages_all(context)
    awareness_seeded = None
    if "awareness" not in args.skip:  # seeded before the pages, so that its benchmark page is measured under wrk
        awareness_seeded = _awareness_seed(args, database_url, log)
        module_pages += awareness_bench.pages(awareness_seeded)
    if "http" not in args.skip:
        results["http"] = http_phase(args, env, establishment, director, reviewer, workdir, module_pages=module_pages)
    from bench import community as community_bench

    if "digest" not in args.skip:
        log("Community: weekly digest batch…")
        results["community_digest"] = community_bench.weekly_digest_batch(log)
    if "pdf" not in args.skip:
        from bench import pdf

        log("PDF: 10-page document, pipeline vs WeasyPrint alone…")
        padded = Establishment.objects.order_by("pk")[1]
        padded_director = Membership.objects.get(establishment=padded, role=Role.DIRECTOR).user
        results["pdf_10_pages"] = pdf.ten_page_report(padded, padded_director)
        log(f"  {results['pdf_10_pages']}")
        results["pdf_assessment_report"] = pdf.assessment_report()
        log(f"  {results['pdf_assessment_report']}")
    if "sheets" not in args.skip:
        from bench import pdf

        log("PDF: establishment sheets through 1 then 2 workers…")
        results["sheets"] = pdf.sheets_throughput(env, args.sheets_batch, workdir, log)
    if awareness_seeded is not None:
        log("Awareness: benchmark page, quarterly report, batch…")
        results["awareness"] = awareness_bench.run(args, log, seeded=awareness_seeded)
    if "finess" not in args.skip:
        from bench import finess

        log(f"FINESS: national-size file ({args.finess_rows} rows) import vs COPY…")
        path, info = seeding.national_finess_file(args.finess_rows, workdir)
        _recreate(finess_url)
        results["finess"] = {**info, **finess.import_vs_copy(path, finess_url, env, log)}
    results["total_s"] = round(time.perf_counter() - bench_started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    write_results(results)
    log(f"Done in {results['total_s']} s → bench/results/latest.json, bench/results/latest.md, bench/LATEST.md")


SEEDED = RESULTS / "seeded.json"


def _awareness_seed(args, database_url: str, log) -> dict:
    """The awareness learners and 2,000,000 result events: seeded once, kept in seeded.json for ``--reuse``."""
    from bench import awareness as awareness_bench

    payload = json.loads(SEEDED.read_text()) if SEEDED.exists() else {}
    if args.reuse and payload.get("database") == database_url and payload.get("awareness"):
        return payload["awareness"]
    log("Awareness: learners and result events…")
    seeded = awareness_bench.seed_for(args, log)
    if payload.get("database") == database_url:
        SEEDED.write_text(json.dumps({**payload, "awareness": seeded}))
    return seeded


def _seeded_to_file(database_url: str, seeded, module_rows: dict, module_timings: dict) -> None:
    """What ``--reuse`` needs to measure this database again without seeding it (ids, rows, seeding times)."""
    import dataclasses

    payload = {
        "database": database_url,
        "seeded_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seeded": dataclasses.asdict(seeded),
        "module_rows": module_rows,
        "module_timings": module_timings,
    }
    SEEDED.write_text(json.dumps(payload))


def _seeded_from_file(database_url: str):
    from bench.seed import Seeded

    if not SEEDED.exists():
        raise SystemExit("--reuse: no bench/results/seeded.json (run the benchmark once without it)")
    payload = json.loads(SEEDED.read_text())
    if payload["database"] != database_url:
        raise SystemExit(f"--reuse: bench/results/seeded.json describes {payload['database']}, not {database_url}")
    seeded = Seeded(**payload["seeded"])
    seeded.seeded_at = payload["seeded_at"]
    return seeded, payload["module_rows"], payload["module_timings"]


MINIMAL_URL = "/__bench__/minimal"
BARE_URL = "/__bench__/bare"
STOCK_URL = "/__bench__/stock"


def http_phase(args, env, establishment, director, reviewer, workdir, module_pages=()) -> dict:
    """The three figures of issue 15, interleaved on the same gunicorn settings (``gunicorn.conf.py``).

    Two servers run side by side, one measured at a time: the minimal Django project (``bench.minimal_settings``,
    the ceiling) and the portal. Before every page come a minimal run and a bare-view run; each figure's ratio is
    its throughput over the mean of the minimal runs just before and after it (the machine is shared: drift in its
    load cancels out).
    """
    from bench.http import STAFF_KEY_PAGES, Gunicorn, check_ok, ensure_wrk, key_pages, run_wrk, session_cookie
    from establishments.roles import StaffKind

    wrk = ensure_wrk()
    if wrk is None:
        return {"status": "wrk not available (apt-get install wrk)"}
    director_cookie, reviewer_cookie = session_cookie(director), session_cookie(reviewer)
    targets = [
        (f"establishment user: {name}", url, director_cookie) for name, url in key_pages(director, establishment, 4)
    ]
    from bench import community as community_bench

    targets += [(f"establishment user: {name}", url, director_cookie) for name, url in community_bench.pages(director)]
    targets += [
        (f"ARS reviewer: {name}", url, reviewer_cookie)
        for name, url in key_pages(reviewer, establishment, 3, STAFF_KEY_PAGES)
    ]
    crrc = reviewer.__class__.objects.get(email=f"{StaffKind.CRRC_STAFF}@bench.example.org")
    crrc_cookie = session_cookie(crrc)
    targets += [
        (f"CRRC staff: {name}", url, crrc_cookie) for name, url in key_pages(crrc, establishment, 2, STAFF_KEY_PAGES)
    ]
    from bench.offers import measured_pages

    targets += [(f"CRRC staff: {name}", url, crrc_cookie) for name, url in measured_pages()]
    from bench import exercises as exercise_bench

    targets += exercise_bench.pages(establishment, director_cookie, crrc_cookie)
    cookies = {}
    for label, url, user in module_pages:
        cookies.setdefault(user.pk, session_cookie(user))
        targets.append((label, url, cookies[user.pk]))
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # the settings both servers run with, for the report
    log(
        f"HTTP: gunicorn {conf['workers']} workers × {conf['threads']} threads ({conf['worker_class']}), "
        f"wrk {args.connections} connections, {args.http_seconds} s each"
    )
    minimal = Gunicorn({**env}, log=workdir / "gunicorn-minimal.log", settings_module="bench.minimal_settings")
    stock = Gunicorn({**env}, log=workdir / "gunicorn-stock.log", settings_module="bench.stock_settings")
    server = Gunicorn({**env}, log=workdir / "gunicorn.log")
    rows: list[dict] = []
    seconds, connections = args.http_seconds, args.connections

    def measure(base, url, cookie, label, warm=True) -> dict:
        if warm:
            run_wrk(wrk, base, url, cookie, 2, connections, 2)
        return {"page": label, "url": url, **run_wrk(wrk, base, url, cookie, seconds, connections, 2)}

    # The stock project knows only Django's own backend: the same director, signed in through it.
    stock_cookie = session_cookie(director, backend="django.contrib.auth.backends.ModelBackend")

    def stock_figure(label: str) -> None:
        """Django's own signed-in floor (``bench/stock_settings.py``), between two minimal runs."""
        nonlocal previous
        if check_ok(stock.base, STOCK_URL, stock_cookie) != 200:
            rows.append({"page": label, "url": STOCK_URL, "status": "signed out", "skipped": "not 200"})
            return
        row = measure(stock.base, STOCK_URL, stock_cookie, label)
        following = measure(minimal.base, MINIMAL_URL, "", "minimal Django view (again)", warm=False)
        row["ratio_to_minimal"] = round(row["rps"] / ((previous["rps"] + following["rps"]) / 2), 3)
        rows.extend([row, following])
        previous = following

    try:
        previous = measure(minimal.base, MINIMAL_URL, "", "minimal Django view (ceiling)")
        rows.append(previous)
        stock_figure("Django's stock signed-in view (sessions + authentication only)")
        for label, url, cookie in [
            ("project's bare view (whole stack, signed in)", BARE_URL, director_cookie),
            *targets,
        ]:
            status = check_ok(server.base, url, cookie)
            if status != 200:
                rows.append({"page": label, "url": url, "status": status, "skipped": "not 200 before the run"})
                continue
            row = measure(server.base, url, cookie, label)
            bare = None
            if url != BARE_URL:
                bare = measure(server.base, BARE_URL, director_cookie, "project's bare view (again)", warm=False)
            following = measure(minimal.base, MINIMAL_URL, "", "minimal Django view (again)", warm=False)
            ceiling = (previous["rps"] + following["rps"]) / 2
            row["ratio_to_minimal"] = round(row["rps"] / ceiling, 3)
            rows.append(row)
            if bare is not None:
                bare["ratio_to_minimal"] = round(bare["rps"] / ceiling, 3)
                rows.append(bare)
            rows.append(following)
            log(f"  {label} {url}: {row}")
            previous = following
        stock_figure("Django's stock signed-in view (again, at the end)")
    finally:
        stock.stop()
        server.stop()
        minimal.stop()
    for row in rows:
        if row.get("url") == MINIMAL_URL:
            row["ratio_to_minimal"] = 1.0
    return {
        "gunicorn_workers": conf["workers"],
        "threads": conf["threads"],
        "connections": args.connections,
        "pages": rows,
    }


def _md(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark — latest figures",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, Django "
        f"{m['django']}, {m['postgresql_client']}; {m['date']}. {m['note']} (load average at start "
        f"{m.get('load_average_at_start')}, at end {m.get('load_average_at_end')}).",
        "",
        f"Run: `{' '.join(['python -m bench', *results.get('argv', [])])}` (whole run {results['total_s']} s"
        + (f"; measuring the data seeded on {results['reused_seed_of']}" if results.get("reused_seed_of") else "")
        + ").",
        "",
        "## Data (PostgreSQL, seed " + str(results["parameters"]["seed"]) + ")",
        "",
        "| what | count / result | build time (s) |",
        "|---|---|---|",
    ]
    s = results["seed"]
    t = s["timings_s"]
    lines.append(
        f"| establishments (national-size FINESS file, via import_finess) | {s['establishments']} "
        f"| {t.get('establishments_s')} |"
    )
    lines.append(
        f"| users + memberships (bulk) | {s['users']} users, {s['memberships']} memberships | {t.get('people_s')} |"
    )
    for name, value in s["modules"].items():
        # A module's rows are named "<app>: <what>"; its seeding time is kept under the app's label.
        lines.append(f"| {name} | {value} | {t.get(f'{name}_s', t.get(f'{name.split(":")[0]}_s', '–'))} |")
    if "analyze_s" in t:
        lines.append(f"| `ANALYZE` (the planner's statistics, as autovacuum would) | | {t['analyze_s']} |")
    lines.append(f"| **total seeding** | | **{t.get('total_s')}** |")
    http = results.get("http")
    if http and "pages" in http:
        lines += [
            "",
            f"## Pages under wrk ({http['connections']} connections, gunicorn {http['gunicorn_workers']} workers × "
            f"{http['threads']} threads from `gunicorn.conf.py`, 127.0.0.1)",
            "",
            "Three figures, interleaved: the minimal Django view (`bench/minimal_settings.py`: three middlewares, no "
            "database, no session — the ceiling), with Django's stock signed-in view beside it at the start and the "
            "end (`bench/stock_settings.py`: the same sessions and user, five stock middlewares — the floor of any "
            "signed-in page on this stack), the project's bare view (whole middleware stack, signed in, no "
            "query in the view) and each key page signed in as the user who uses it. Each ratio is the throughput "
            "over the mean of the minimal-view runs just before and after it. Targets: bare view ≥ 0.5, each page "
            "≥ 0.1 and p95 ≤ 150 ms.",
            "",
            "| page | URL | req/s | median (ms) | p95 (ms) | p99 (ms) | errors | ratio to minimal |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in http["pages"]:
            if "rps" in r:
                lines.append(
                    f"| {r['page']} | `{r['url']}` | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
                    f"| {r['errors']} | {r.get('ratio_to_minimal', '–')} |"
                )
            else:
                lines.append(f"| {r['page']} | `{r['url']}` | – | – | – | – | status {r['status']} | skipped |")
        notes = results.get("notes")
        if notes:
            lines += ["", "### What the profile shows", "", *[f"- {n}" for n in notes]]
    elif http:
        lines += ["", f"Pages: {http}"]
    if results.get("community_digest"):
        lines += ["", f"Community weekly digest batch: {results['community_digest']}"]
    p = results.get("pdf_10_pages")
    if p:
        lines += ["", "## PDF", ""]
        if "ratio" in p:
            lines += [
                "| document | pages | pipeline (s) | WeasyPrint alone (s) | ratio |",
                "|---|---|---|---|---|",
                f"| {p['document']} | {p['pages']} | {p['pipeline_s']} | {p['weasyprint_alone_s']} | {p['ratio']} |",
            ]
        else:
            lines.append(f"10-page document: {p}")
        a = results.get("pdf_assessment_report") or {}
        if "ratio" in a:
            lines.append(
                f"| {a['document']} | {a['pages']} | {a['pipeline_s']} | {a['weasyprint_alone_s']} | {a['ratio']} |"
            )
        elif a:
            lines += ["", f"Assessment report: {a.get('status')}"]
    sh = results.get("sheets")
    if sh:
        lines += ["", "| establishment sheets (whole batch) | sheets | seconds | reports/s |", "|---|---|---|---|"]
        for key in ("1_worker", "2_workers"):
            if key in sh:
                row = sh[key]
                lines.append(
                    f"| {key.replace('_', ' ')} | {row['done']}/{row['sheets']} | {row['seconds']} "
                    f"| {row['reports_per_s']} |"
                )
        if "batch_note" in sh:
            lines += ["", f"Scaling 1 → 2 workers: ×{sh.get('scaling_1_to_2')}; {sh['batch_note']}."]
        elif "status" in sh:
            lines.append(f"Sheets: {sh['status']}")
    lines += _awareness_md(results.get("awareness"))
    f = results.get("finess")
    if f:
        lines += [
            "",
            "## FINESS national-size import",
            "",
            "| file | import_finess (s) | PostgreSQL COPY (s) | ratio |",
            "|---|---|---|---|",
            f"| {f['rows']} rows ({f['unique_reference_rows']} unique from the reference extracts, the rest "
            f"replicated with new valid FINESS numbers) | {f['import_s']} | {f['copy_s']} | {f['ratio']} |",
            "",
            f"Import result: {f['import_summary']}",
        ]
        if f.get("method"):
            lines += ["", f"Method: {f['method']} (import runs {f.get('import_runs_s')} s, COPY runs "
                      f"{f.get('copy_runs_s')} s). Target: ratio ≤ 5."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _awareness_md(a: dict | None) -> list[str]:
    if not a:
        return []
    seed = a.get("seed", {})
    t = seed.get("timings_s", {})
    lines = [
        "",
        "## Awareness (2,000,000 phishing result events)",
        "",
        f"Seed: {seed.get('establishments')} enrolled establishments, {seed.get('learners')} learners, "
        f"{seed.get('results')} results, {seed.get('events')} events (COPY, foreign keys checked and indexes built "
        f"once): learners {t.get('learners_s')} s, results and events {t.get('results_and_events_s')} s "
        f"(of which COPY of the events {t.get('events_copy_s')} s).",
        "",
        "| measure (in process) | median (ms) | queries |",
        "|---|---|---|",
    ]
    for key, label in (("crrc_staff", "CRRC staff"), ("ars_reviewer", "ARS reviewer")):
        row = a.get(f"benchmark_page_{key}")
        if row:
            lines.append(
                f"| regional benchmark page (`awareness:benchmark`), {label} | {row['median_ms']} | {row['queries']} |"
            )
    if "one_report_ms" in a:
        lines.append(
            f"| one quarterly report through the pipeline (`reports.tasks._produce`) | {a['one_report_ms']} | – |"
        )
    b = a.get("batch")
    if b and b.get("whole_batch_measured"):
        lines += [
            "",
            f"Batch of a campaign's quarterly reports (one region's enrolled establishments): {b['reports']} reports "
            f"requested in {b['request_all_s']} s (progress poll {b['progress_poll_ms']} ms), the whole batch built "
            f"one after the other in {b['built_s']} s ({b['per_report_ms']} ms each).",
        ]
    elif b:
        lines += [
            "",
            f"Batch of a campaign's quarterly reports: {b['reports']} reports requested in {b['request_all_s']} s "
            f"(progress poll {b['progress_poll_ms']} ms); {b['built_subset']} built one after the other at "
            f"{b['per_report_ms']} ms each (the whole batch on one worker would take ~"
            f"{b['whole_batch_one_worker_s_extrapolated']} s, extrapolated from that subset — the measured scaling "
            "with workers is the establishment sheets' batch above).",
        ]
    return lines


def write_results(results: dict) -> None:
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    markdown = _md(results)
    (RESULTS / "latest.md").write_text(markdown)
    (HERE / "LATEST.md").write_text(markdown)


if __name__ == "__main__":
    main()
