"""PDF figures: the pipeline against WeasyPrint alone on a 10-page document, and throughput through workers."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max, Min


def _sheet_kind() -> str | None:
    try:
        from reports.documents import ESTABLISHMENT_SHEET
        from reports.registry import get

        get(ESTABLISHMENT_SHEET)
        return ESTABLISHMENT_SHEET
    except Exception:  # noqa: BLE001 - reports pipeline not there yet
        return None


def assessment_report() -> dict:
    """The MonAideCyber assessment's full report (demo answers from SCORING.md): pipeline vs WeasyPrint alone."""
    from django.core.management import call_command
    from weasyprint import HTML

    import reports.pdf as pdf
    from reports import tasks
    from reports.models import Report

    try:
        from assessments.documents import FULL_REPORT
        from assessments.models import Assessment
        from assessments.workflow import State

        call_command("demo_assessments", verbosity=0)
        assessment = (
            Assessment.objects.filter(state=State.SUBMITTED, grid__slug="monaidecyber-diagnostic")
            .select_related("establishment")
            .first()
        )
    except Exception as exc:  # noqa: BLE001 - the assessments module may be absent or changing
        return {"status": f"not measured: {exc.__class__.__name__}: {exc}"[:300]}
    if assessment is None:
        return {"status": "not measured: no submitted MonAideCyber assessment (demo_assessments)"}
    captured = {}
    original = pdf.html_to_pdf

    def capture(html: str) -> bytes:
        captured["html"] = html
        return original(html)

    pipeline, alone = [], []
    pdf.html_to_pdf = capture
    try:
        for _ in range(6):  # the first of each only warms up (templates compiled, fonts loaded): not kept
            report = Report.objects.create(
                establishment=assessment.establishment,
                kind=FULL_REPORT,
                subject_id=assessment.pk,
                status=Report.Status.RUNNING,
            )
            started = time.perf_counter()
            tasks._produce(report)
            pipeline.append(time.perf_counter() - started)
            started = time.perf_counter()
            HTML(string=captured["html"], base_url=pdf.PRINT_BASE_URL, url_fetcher=pdf.LocalOnlyFetcher()).write_pdf()
            alone.append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001
        return {"status": f"not measured: {exc.__class__.__name__}: {exc}"[:300]}
    finally:
        pdf.html_to_pdf = original
    pages = len(
        HTML(string=captured["html"], base_url=pdf.PRINT_BASE_URL, url_fetcher=pdf.LocalOnlyFetcher()).render().pages
    )
    pipeline, alone = pipeline[1:], alone[1:]
    p, w = min(pipeline), min(alone)
    return {
        "document": f"{FULL_REPORT} (MonAideCyber, SCORING.md worked example)",
        "pages": pages,
        "pipeline_s": round(p, 3),
        "weasyprint_alone_s": round(w, 3),
        "ratio": round(p / w, 2),
        "pipeline_median_s": round(statistics.median(pipeline), 3),
        "weasyprint_alone_median_s": round(statistics.median(alone), 3),
        "method": "a warm-up, then 5 alternating runs each, fastest kept (shared machine)",
    }


def _pad_members(establishment, count: int) -> None:
    from accounts.models import User
    from establishments.models import Membership

    start = User.objects.filter(email__startswith=f"pad-{establishment.pk}-").count()
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"pad-{establishment.pk}-{i:04d}@bench.example.org", last_name=f"Membre {i}", password=password)
            for i in range(start, start + count)
        ]
    )
    Membership.objects.bulk_create([Membership(user=u, establishment=establishment) for u in users])


def ten_page_report(establishment, director) -> dict:
    """The establishment sheet padded to 10 pages: full pipeline vs WeasyPrint on the same HTML."""
    from weasyprint import HTML

    import reports.pdf as pdf
    from reports import tasks
    from reports.models import Report

    kind = _sheet_kind()
    if kind is None:
        return {"status": "absent (reports pipeline has no establishment sheet yet)"}
    captured = {}
    original = pdf.html_to_pdf

    def capture(html: str) -> bytes:
        captured["html"] = html
        return original(html)

    def pages_of(html: str) -> int:
        return len(HTML(string=html, base_url=pdf.PRINT_BASE_URL, url_fetcher=pdf.LocalOnlyFetcher()).render().pages)

    def produce() -> float:
        report = Report.objects.create(
            establishment=establishment, kind=kind, requested_by=director, status=Report.Status.RUNNING
        )
        started = time.perf_counter()
        tasks._produce(report)
        return time.perf_counter() - started

    pdf.html_to_pdf = capture
    try:
        produce()
        pages = pages_of(captured["html"])
        for _ in range(15):
            if pages >= 10:
                break
            _pad_members(establishment, max(20, int(30 * (10 - pages))))
            produce()
            pages = pages_of(captured["html"])
        # Alternate the two measures and keep the fastest of each: on a shared machine the minimum is the figure
        # least disturbed by other processes.
        pipeline, alone = [], []
        for _ in range(4):
            pipeline.append(produce())
            html = captured["html"]
            started = time.perf_counter()
            HTML(string=html, base_url=pdf.PRINT_BASE_URL, url_fetcher=pdf.LocalOnlyFetcher()).write_pdf()
            alone.append(time.perf_counter() - started)
    finally:
        pdf.html_to_pdf = original
    p, w = min(pipeline), min(alone)
    return {
        "document": f"{kind} (members list padded)",
        "pages": pages,
        "pipeline_s": round(p, 3),
        "weasyprint_alone_s": round(w, 3),
        "ratio": round(p / w, 2),
        "pipeline_median_s": round(statistics.median(pipeline), 3),
        "weasyprint_alone_median_s": round(statistics.median(alone), 3),
        "method": "4 alternating runs each, fastest kept (shared machine)",
    }


def _start_worker(env: dict, name: str, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "crrc",
        "worker",
        "--pool=solo",
        "-n",
        f"{name}@bench",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=WARNING",
    ]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _department_batch(directors: dict[int, int], target: int):
    """The batch a CRRC runs: the sheets of one department's onboarded establishments (those with a director).

    The department is the one whose number of onboarded establishments is closest to ``target`` (ties: its code),
    so that the batch is a real one, measured whole, and its size is stated with its name.
    """
    from django.db.models import Count

    from establishments.models import Department, Establishment

    counts = (
        Establishment.objects.filter(pk__in=list(directors))
        .values("department_id")
        .annotate(n=Count("pk"))
        .order_by("department_id")
    )
    best = min(counts, key=lambda row: (abs(row["n"] - target), row["department_id"]))
    department = Department.objects.select_related("region").get(pk=best["department_id"])
    establishments = list(
        Establishment.objects.filter(pk__in=list(directors), department=department).order_by("finess")
    )
    return department, establishments


def _run_batch(env, kind, establishments, directors, workers_count: int, workdir: Path) -> dict:
    """Queue the whole batch, then start the workers; the rate comes from the reports' own timestamps."""
    from accounts.models import User
    from reports.models import Report
    from reports.services import request_report

    users = User.objects.in_bulk({directors[est.pk] for est in establishments})
    ids = []
    started = time.perf_counter()
    for est in establishments:
        with transaction.atomic():
            ids.append(request_report(est, kind, users[directors[est.pk]]).pk)
    requested_s = time.perf_counter() - started
    workers = [_start_worker(env, f"w{n}", workdir / f"worker{n}.log") for n in range(1, workers_count + 1)]
    try:
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            done = Report.objects.filter(pk__in=ids, status__in=[Report.Status.DONE, Report.Status.FAILED])
            if done.count() == len(ids):
                break
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    rows = Report.objects.filter(pk__in=ids)
    span = rows.aggregate(first=Min("started_at"), last=Max("finished_at"))
    elapsed = (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else 0
    finished = rows.filter(status=Report.Status.DONE).count()
    return {
        "sheets": len(ids),
        "done": finished,
        "failed": rows.filter(status=Report.Status.FAILED).count(),
        "request_all_s": round(requested_s, 1),
        "seconds": round(elapsed, 1),
        "reports_per_s": round(finished / elapsed, 2) if elapsed else None,
    }


def sheets_throughput(env: dict, target: int, workdir: Path, log) -> dict:
    """One department's whole batch of establishment sheets through 1, then 2 workers (solo pool, one process each).

    Both runs build the same batch (the reports of the first run are deleted before the second): the batch is
    measured whole each time, nothing is extrapolated.
    """
    from crrc.celery import app
    from establishments.models import Membership
    from establishments.roles import Role
    from reports.models import Report

    kind = _sheet_kind()
    if kind is None:
        return {"status": "absent (reports pipeline has no establishment sheet yet)"}
    app.control.purge()
    directors = dict(
        Membership.objects.filter(role=Role.DIRECTOR, establishment__isnull=False)
        .order_by("establishment_id", "pk")
        .values_list("establishment_id", "user_id")
    )
    department, establishments = _department_batch(directors, target)
    log(f"  batch: {len(establishments)} sheets, the onboarded establishments of {department.code} {department.name}")
    results = {}
    for count in (1, 2):
        Report.objects.filter(kind=kind, establishment__in=establishments).delete()
        results[f"{count}_worker{'s' if count > 1 else ''}"] = row = _run_batch(
            env, kind, establishments, directors, count, workdir
        )
        log(f"  {count} worker(s): {row}")
    one = results.get("1_worker", {}).get("reports_per_s") or 0
    two = results.get("2_workers", {}).get("reports_per_s") or 0
    results["scaling_1_to_2"] = round(two / one, 2) if one else None
    results["batch"] = {
        "department": f"{department.code} {department.name}",
        "region": department.region.name,
        "sheets": len(establishments),
    }
    results["batch_note"] = (
        f"the batch: the establishment sheets of every onboarded establishment (with a director) of the department "
        f"{department.code} {department.name} ({department.region.name}), {len(establishments)} sheets, built whole "
        f"with 1 worker, then the same batch again with 2 workers"
    )
    results["cpu_cores"] = os.cpu_count()
    return results
