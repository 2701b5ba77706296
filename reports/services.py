"""Requesting a generated document: the one write path into ``Report``.

A request is stored first, then queued once the transaction commits. If the broker cannot be reached, the row
stays ``pending`` with ``enqueued_at`` empty and the user is told; ``reports.tasks.requeue_pending_reports``
(Celery beat, every minute) queues it again as soon as the broker answers. The request is never lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as KombuOperationalError

from establishments.models import Establishment, Region
from establishments.selectors import establishments_for, staff_regions

from . import registry
from .models import Report

logger = logging.getLogger(__name__)

BROKER_DOWN_MESSAGE = _(
    "Le service de génération des documents est momentanément indisponible. Votre demande est enregistrée : "
    "le document sera produit automatiquement dès le rétablissement du service. Vous pouvez revenir sur cette "
    "page plus tard pour le télécharger."
)
# What a failed publish raises: kombu wraps the transport's errors; a refused or timed-out socket may surface raw.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError, TimeoutError)

IN_FLIGHT = (Report.Status.PENDING, Report.Status.RUNNING)


class ReportNotAllowed(PermissionError):
    """The user may not request this document for this establishment."""


def _visibility_timeout() -> int:
    return int(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("visibility_timeout", 3600))


def running_stale_after() -> timedelta:
    """A report ``running`` for longer than this lost its worker (the broker would have redelivered it by now)."""
    return timedelta(seconds=getattr(settings, "REPORTS_RUNNING_STALE_AFTER", _visibility_timeout()))


def pending_stale_after() -> timedelta:
    """A queued report still ``pending`` after this long is queued again (the message may have been lost)."""
    return timedelta(seconds=getattr(settings, "REPORTS_REQUEUE_PENDING_AFTER", 1800))


PUBLISH_TIMEOUT = 2  # seconds: a user waits at most this long when the broker is down


def publish_connection():
    """A broker connection that gives up fast (two attempts, 2 s in all) instead of kombu's retry loop.

    Celery's pooled connection retries for ``broker_connection_timeout`` on every attempt (12 s measured against a
    closed port); a user clicking "generate" must not wait that long to learn the request was kept.
    """
    from crrc.celery import app

    options = {
        **(app.conf.broker_transport_options or {}),
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
        "connect_retries_timeout": PUBLISH_TIMEOUT,
        "socket_connect_timeout": PUBLISH_TIMEOUT,
    }
    return app.connection_for_write(connect_timeout=PUBLISH_TIMEOUT, transport_options=options)


def enqueue(report: Report, connection=None) -> bool:
    """Send the build task; record when it was queued. False (and nothing raised) when the broker is down."""
    from crrc.celery import app

    from .tasks import build_report

    try:
        if app.conf.task_always_eager:
            build_report.apply_async(args=[report.pk])
        elif connection is not None:
            build_report.apply_async(args=[report.pk], connection=connection, retry=False)
        else:
            with publish_connection() as own:
                build_report.apply_async(args=[report.pk], connection=own, retry=False)
    except BROKER_ERRORS as exc:
        logger.warning("Report %s kept pending: broker unreachable (%s)", report.pk, exc)
        report.enqueue_failed = True
        return False
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(enqueued_at=now)
    report.enqueued_at = now
    report.enqueue_failed = False
    return True


def request_report(establishment: Establishment, kind: str, user, subject_id: int | None = None) -> Report:
    """Store a document request (or hand back one in flight / freshly built) and queue it after commit.

    Raises ``registry.UnknownReportKind`` for an unregistered kind and ``ReportNotAllowed`` when the user may not
    see the establishment or the kind refuses them. After the call, ``report.enqueue_failed`` is True when the
    broker could not be reached (the request is kept), and ``report.reused`` says an existing report was returned.
    """
    entry = registry.get(kind)
    if entry.regional:
        raise ReportNotAllowed(kind)
    if not establishments_for(user).filter(pk=establishment.pk).exists():
        raise ReportNotAllowed(kind)
    if not entry.allows(user, establishment, subject_id):
        raise ReportNotAllowed(kind)

    with transaction.atomic():
        # Serialise requests for one establishment so that a double click does not build the document twice.
        Establishment.objects.select_for_update().filter(pk=establishment.pk).first()
        same = Report.objects.filter(establishment=establishment, kind=kind, subject_id=subject_id)
        reusable = Q(status__in=IN_FLIGHT)
        if entry.reuse_done_for > timedelta(0):
            reusable |= Q(status=Report.Status.DONE, finished_at__gte=timezone.now() - entry.reuse_done_for)
        report = same.filter(reusable).order_by("-created_at").first()
        report_reused = report is not None
        if report is None:
            report = Report.objects.create(
                establishment=establishment, kind=kind, subject_id=subject_id, requested_by=user
            )
        report.reused = report_reused
        report.enqueue_failed = False
        if _needs_enqueue(report):
            transaction.on_commit(lambda: enqueue(report))
    return report


def request_region_report(region: Region, kind: str, user, parameters: dict) -> Report:
    """Store a regional document request (the dashboard with its filters, a yearly summary) and queue it.

    Only for a regional kind and a region the user serves (CRRC staff, ARS reviewer, superuser); the same request
    (kind, region, parameters) still in flight is handed back instead of a second one.
    """
    entry = registry.get(kind)
    if not entry.regional or not staff_regions(user).filter(pk=region.pk).exists():
        raise ReportNotAllowed(kind)
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=region.pk).first()
        report = (
            Report.objects.filter(
                region=region, kind=kind, parameters=parameters, requested_by=user, status__in=IN_FLIGHT
            )
            .order_by("-created_at")
            .first()
        )
        report_reused = report is not None
        if report is None:
            report = Report.objects.create(region=region, kind=kind, parameters=parameters, requested_by=user)
        report.reused = report_reused
        report.enqueue_failed = False
        if _needs_enqueue(report):
            transaction.on_commit(lambda: enqueue(report))
    return report


def _needs_enqueue(report: Report) -> bool:
    if report.status != Report.Status.PENDING:
        return False
    return report.enqueued_at is None or report.enqueued_at < timezone.now() - pending_stale_after()


def retry_report(report: Report) -> Report:
    """Give a failed report another go (admin action): back to pending, queued after commit."""
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, status=Report.Status.FAILED).update(
            status=Report.Status.PENDING, enqueued_at=None, error="", finished_at=None
        )
        if updated:
            report.refresh_from_db()
            transaction.on_commit(lambda: enqueue(report))
    return report


def reports_to_requeue():
    """Pending reports never queued (broker was down) or queued long ago, and running ones whose worker died."""
    now = timezone.now()
    return Report.objects.filter(
        Q(status=Report.Status.PENDING, enqueued_at__isnull=True)
        | Q(status=Report.Status.PENDING, enqueued_at__lt=now - pending_stale_after())
        | Q(status=Report.Status.RUNNING, started_at__lt=now - running_stale_after())
    ).order_by("created_at")


def requeue_pending(limit: int = 500) -> int:
    """Queue again what ``reports_to_requeue`` finds; stops at the first broker failure. Returns how many."""
    from crrc.celery import app

    reports = list(reports_to_requeue()[:limit])
    if not reports:
        return 0
    queued = 0
    if app.conf.task_always_eager:
        for report in reports:
            queued += enqueue(report)
    else:
        with publish_connection() as connection:
            for report in reports:
                if not enqueue(report, connection=connection):
                    break
                queued += 1
    if queued:
        logger.info("Requeued %d report(s)", queued)
    return queued
