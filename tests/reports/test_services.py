"""request_report: stored, queued after commit, reused when in flight, kept when the broker is down."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports import registry
from reports.models import Report
from reports.registry import Document
from reports.services import ReportNotAllowed, request_report, requeue_pending
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory

from .celery_helpers import celery_broker
from .factories import ReportFactory

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def member():
    return MembershipFactory(establishment=EstablishmentFactory(name="Centre hospitalier de Lodève"))


def test_request_is_built_after_commit_in_eager_mode(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request_report(member.establishment, "establishment_sheet", member.user)
        assert Report.objects.get(pk=report.pk).status == Report.Status.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.enqueued_at is not None
    assert report.requested_by == member.user
    assert report.filename == f"fiche-etablissement-{member.establishment.finess}.pdf"


def test_a_request_in_flight_is_handed_back_instead_of_a_duplicate(member, django_capture_on_commit_callbacks):
    with celery_broker(CLOSED_PORT_BROKER), django_capture_on_commit_callbacks(execute=True):
        first = request_report(member.establishment, "establishment_sheet", member.user)
        second = request_report(member.establishment, "establishment_sheet", member.user)
    assert second.pk == first.pk
    assert second.reused and not first.reused
    assert Report.objects.count() == 1


def test_a_done_sheet_is_rebuilt_because_it_shows_live_data(member, django_capture_on_commit_callbacks):
    done = ReportFactory(establishment=member.establishment)
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(member.establishment, "establishment_sheet", member.user)
    assert report.pk != done.pk


def test_a_fresh_done_document_is_reused_when_its_kind_allows(member, django_capture_on_commit_callbacks):
    def build(report):
        return Document("reports/tests/sample.html", {"paragraphs": 1}, "recu.pdf")

    registry.register("tests_receipt", "Reçu", build, reuse_done_for=timedelta(days=1), needs_subject=True)
    try:
        fresh = ReportFactory(establishment=member.establishment, kind="tests_receipt", subject_id=7)
        ReportFactory(
            establishment=member.establishment,
            kind="tests_receipt",
            subject_id=8,
            finished_at=timezone.now() - timedelta(days=2),
        )
        with django_capture_on_commit_callbacks(execute=True):
            same = request_report(member.establishment, "tests_receipt", member.user, subject_id=7)
            rebuilt = request_report(member.establishment, "tests_receipt", member.user, subject_id=8)
        assert same.pk == fresh.pk and same.reused
        assert not rebuilt.reused
        with pytest.raises(ReportNotAllowed):
            request_report(member.establishment, "tests_receipt", member.user)  # needs a subject
    finally:
        registry.unregister("tests_receipt")


def test_user_who_cannot_see_the_establishment_is_refused(member):
    outsider = UserFactory()
    with pytest.raises(ReportNotAllowed):
        request_report(member.establishment, "establishment_sheet", outsider)
    assert not Report.objects.exists()


def test_unknown_kind_is_refused(member):
    with pytest.raises(registry.UnknownReportKind):
        request_report(member.establishment, "no_such_document", member.user)


def test_kind_access_check_is_applied(member):
    registry.register(
        "tests_directors_only",
        "Réservé",
        lambda report: None,
        check_access=lambda user, establishment, subject_id: False,
    )
    try:
        with pytest.raises(ReportNotAllowed):
            request_report(member.establishment, "tests_directors_only", member.user)
    finally:
        registry.unregister("tests_directors_only")


def test_broker_down_keeps_the_request_then_requeue_builds_it(member, django_capture_on_commit_callbacks):
    with celery_broker(CLOSED_PORT_BROKER), django_capture_on_commit_callbacks(execute=True):
        report = request_report(member.establishment, "establishment_sheet", member.user)
    assert report.enqueue_failed
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING
    assert report.enqueued_at is None

    # Still down: the requeue stops at the first failure and keeps everything.
    with celery_broker(CLOSED_PORT_BROKER):
        assert requeue_pending() == 0
    assert Report.objects.get(pk=report.pk).enqueued_at is None

    # The broker is back (eager here; a real Redis and worker in test_worker.py): the beat task builds it.
    from reports.tasks import requeue_pending_reports

    requeue_pending_reports.apply()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.enqueued_at is not None


def test_requeue_ignores_fresh_queued_and_finished_reports():
    ReportFactory()  # done
    ReportFactory(pending=True, enqueued_at=timezone.now())  # queued a moment ago: waiting for a worker
    stale = ReportFactory(pending=True, enqueued_at=timezone.now() - timedelta(hours=2))
    orphan = ReportFactory(pending=True, status=Report.Status.RUNNING, started_at=timezone.now() - timedelta(hours=1))
    from reports.services import reports_to_requeue

    assert set(reports_to_requeue()) == {stale, orphan}
