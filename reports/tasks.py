"""Celery tasks building generated documents.

``build_report`` is safe to receive twice (redelivery after a worker died, a requeue, a double click):

* a report already ``done`` is skipped;
* on PostgreSQL, the build holds a session advisory lock on the report for its whole duration. A second worker
  that cannot take the lock knows the first one is alive and retries later; when the first worker dies (even
  SIGKILL), PostgreSQL drops its connection and the lock with it, so the redelivered message is built by whoever
  gets it next;
* the claim is one ``UPDATE … WHERE status IN (…)``, so two workers never both mark the report running.

The message is acknowledged only after the task returns (``acks_late``); a worker lost mid-build leaves the
message unacknowledged and the broker hands it to another worker (``task_reject_on_worker_lost`` for a killed
pool process, the Redis visibility timeout for a killed worker). ``requeue_pending_reports`` (beat) catches the
rest: requests made while the broker was down and reports whose worker vanished with their message.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

from celery import shared_task
from celery.signals import worker_ready
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import F, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from . import registry
from .models import Report
from .pdf import render_pdf
from .services import requeue_pending, running_stale_after

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 730_001  # first key of pg_try_advisory_lock(int, int): "reports.build"
BUSY_RETRY_SECONDS = 30
MAX_RETRIES = 3
# Errors a retry cannot fix: fail at once with the error text.
PERMANENT_ERRORS = (registry.UnknownReportKind, TemplateDoesNotExist, TemplateSyntaxError)


class ReportBusy(Exception):
    """Another live worker is building this report."""


@contextmanager
def build_lock(report_id: int):
    """Yield True when this worker may build ``report_id``; False when another live worker holds it."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = report_id % 2_147_483_647
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, key])


def _claim(report_id: int, locked: bool) -> bool:
    """pending → running in one UPDATE. Under the advisory lock a ``running`` row is an orphan and is taken over."""
    now = timezone.now()
    if locked and connection.vendor == "postgresql":
        claimable = Q(status__in=[Report.Status.PENDING, Report.Status.RUNNING])
    else:
        claimable = Q(status=Report.Status.PENDING) | Q(
            status=Report.Status.RUNNING, started_at__lt=now - running_stale_after()
        )
    updated = (
        Report.objects.filter(claimable, pk=report_id)
        .exclude(status=Report.Status.DONE)
        .update(status=Report.Status.RUNNING, started_at=now, attempts=F("attempts") + 1, error="")
    )
    return updated == 1


def _produce(report: Report) -> None:
    entry = registry.get(report.kind)
    document = entry.builder(report)
    started = time.perf_counter()
    pdf = render_pdf(
        document.template_name,
        document.context,
        region=report.owner_region,
        title=document.title or str(entry.label),
        cover=document.cover,
        toc_entries=document.toc_entries,
    )
    elapsed_ms = (time.perf_counter() - started) * 1000
    # Stored under MEDIA_ROOT, which is never served by URL: only reports:download streams it, after a scope check.
    report.file.save(f"{report.pk}-{document.filename}", ContentFile(pdf), save=False)
    Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING).update(
        status=Report.Status.DONE,
        file=report.file.name,
        filename=document.filename,
        finished_at=timezone.now(),
        error="",
    )
    logger.info("Report %s (%s) built: %d bytes, %.0f ms", report.pk, report.kind, len(pdf), elapsed_ms)


def _record_failure(report_id: int, exc: BaseException, final: bool) -> None:
    text = f"{exc.__class__.__name__}: {exc}"[:2000]
    if final:
        Report.objects.filter(pk=report_id).exclude(status=Report.Status.DONE).update(
            status=Report.Status.FAILED, error=text, finished_at=timezone.now()
        )
    else:
        # Back to pending so the UI says "waiting" and a retry (or a requeue) may claim it again.
        Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
            status=Report.Status.PENDING, error=text
        )


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=PERMANENT_ERRORS,
    max_retries=MAX_RETRIES,
    retry_backoff=10,  # 10 s, 20 s, 40 s … with full jitter, capped below
    retry_backoff_max=300,
    retry_jitter=True,
    soft_time_limit=240,
    time_limit=300,
)
def build_report(self, report_id: int) -> str:
    """Build one report. Returns what happened ("done", "skipped", "missing") for logs and tests."""
    report = Report.objects.select_related("establishment__region", "establishment__department", "region").filter(
        pk=report_id
    )
    report = report.first()
    if report is None:
        logger.warning("Report %s no longer exists", report_id)
        return "missing"
    if report.status in (Report.Status.DONE, Report.Status.FAILED):
        return "skipped"
    with build_lock(report_id) as locked:
        if not locked:
            # Another worker is alive and building it; come back later in case it dies without finishing.
            raise self.retry(exc=ReportBusy(report_id), countdown=BUSY_RETRY_SECONDS, max_retries=20)
        if not _claim(report_id, locked):
            return "skipped"
        report.refresh_from_db()
        try:
            _produce(report)
        except PERMANENT_ERRORS as exc:
            logger.exception("Report %s failed permanently", report_id)
            _record_failure(report_id, exc, final=True)
            return "failed"
        except Exception as exc:
            # Celery's autoretry re-sends the task with backoff; the last attempt's error marks the report failed.
            final = self.request.retries >= self.max_retries
            logger.warning("Report %s failed (attempt %s, final=%s): %r", report_id, report.attempts, final, exc)
            _record_failure(report_id, exc, final=final)
            raise
    return "done"


@shared_task(ignore_result=True)
def requeue_pending_reports() -> int:
    """Beat task (every minute): queue again requests kept while the broker was down, and orphaned builds."""
    return requeue_pending()


@worker_ready.connect
def _requeue_on_worker_start(sender=None, **kwargs) -> None:
    """A worker coming up (often: the broker is back) picks up kept requests without waiting for beat."""
    try:
        requeue_pending_reports.delay()
    except Exception:  # the worker must start even if this first publish fails; beat will do it
        logger.warning("Could not schedule requeue_pending_reports at worker start", exc_info=True)
