"""build_report: idempotent, one builder at a time, retried with backoff, failures recorded."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from reports import registry
from reports.models import Report
from reports.registry import Document
from reports.tasks import LOCK_NAMESPACE, MAX_RETRIES, build_report

from .factories import ReportFactory
from .helpers import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    """Register a throwaway kind for one test."""
    registered = []

    def _register(name, builder):
        registry.register(name, name, builder)
        registered.append(name)

    yield _register
    for name in registered:
        registry.unregister(name)


def test_builds_and_stores_the_pdf():
    report = ReportFactory(pending=True, establishment__name="Hôpital Saint-Éloi")
    assert build_report.apply(args=[report.pk]).get() == "done"
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.attempts == 1
    assert report.started_at <= report.finished_at
    assert report.file.name.startswith("reports/") and report.file.name.endswith(report.filename)
    assert "Hôpital Saint-Éloi" in pdf_text(report.file.read())


def test_a_done_report_is_not_rebuilt():
    report = ReportFactory()
    before = (report.file.name, report.finished_at, report.attempts)
    assert build_report.apply(args=[report.pk]).get() == "skipped"
    report.refresh_from_db()
    assert (report.file.name, report.finished_at, report.attempts) == before


def test_a_deleted_report_is_ignored():
    assert build_report.apply(args=[987654321]).get() == "missing"


def test_a_report_another_live_worker_is_building_is_left_alone():
    """The advisory lock is held by another session (a live worker): this delivery backs off and retries."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    report = ReportFactory(pending=True, status=Report.Status.RUNNING, started_at=timezone.now())
    params = connection.get_connection_params()
    other = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=params.get("user"),
        password=params.get("password"),
        host=params.get("host"),
        port=params.get("port"),
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, report.pk])
        result = build_report.apply(args=[report.pk])
        assert result.state in {"RETRY", "FAILURE"}
        report.refresh_from_db()
        assert report.status == Report.Status.RUNNING and report.attempts == 0  # untouched
    finally:
        other.close()
    # The other worker died (its session, and lock, are gone): the next delivery takes the orphan over.
    assert build_report.apply(args=[report.pk]).get() == "done"
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.attempts == 1


def test_claim_is_a_single_transition():
    from reports.tasks import _claim

    report = ReportFactory(pending=True)
    assert _claim(report.pk, locked=False) is True
    assert _claim(report.pk, locked=False) is False  # running and fresh: a second worker does not claim it
    Report.objects.filter(pk=report.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert _claim(report.pk, locked=False) is True  # running for hours: its worker is gone


def test_transient_failures_are_retried_then_recorded(kind):
    calls = []

    def flaky(report):
        calls.append(report.pk)
        raise RuntimeError("serveur de polices indisponible")

    kind("tests_flaky", flaky)
    report = ReportFactory(pending=True, kind="tests_flaky")
    build_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert len(calls) == MAX_RETRIES + 1
    assert report.attempts == MAX_RETRIES + 1
    assert report.status == Report.Status.FAILED
    assert "RuntimeError: serveur de polices indisponible" in report.error
    assert report.finished_at is not None


def test_a_failure_then_success_ends_done(kind):
    calls = []

    def once_broken(report):
        calls.append(report.pk)
        if len(calls) == 1:
            raise ConnectionError("base momentanément injoignable")
        return Document("reports/tests/sample.html", {"paragraphs": 1}, "ok.pdf")

    kind("tests_once_broken", once_broken)
    report = ReportFactory(pending=True, kind="tests_once_broken")
    build_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.attempts == 2
    assert report.error == ""


def test_permanent_errors_fail_at_once(kind):
    kind("tests_no_template", lambda report: Document("reports/does-not-exist.html", {}, "x.pdf"))
    report = ReportFactory(pending=True, kind="tests_no_template")
    build_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.attempts == 1
    assert "TemplateDoesNotExist" in report.error


def test_unknown_kind_fails_with_its_name():
    report = ReportFactory(pending=True, kind="removed_module_document")
    build_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "removed_module_document" in report.error


def test_task_options_survive_a_lost_worker():
    assert build_report.acks_late is True
    assert build_report.reject_on_worker_lost is True
    assert build_report.max_retries == MAX_RETRIES
    from django.conf import settings

    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > build_report.time_limit
