"""Request → progress (htmx polling) → download, through the views; other tenants get 404."""

import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from establishments.roles import Role, StaffKind
from reports.models import Report
from tests.establishments.factories import (
    EstablishmentFactory,
    MembershipFactory,
    RegionFactory,
    StaffAssignmentFactory,
)

from .celery_helpers import celery_broker
from .factories import ReportFactory
from .helpers import pdf_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def establishment():
    return EstablishmentFactory(name="Clinique du Parc des Tilleuls")


@pytest.fixture
def member(establishment):
    return MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def other_member():
    """A member of another establishment (B), in another region."""
    return MembershipFactory(establishment=EstablishmentFactory(department__code="31")).user


def _request(client, establishment, **extra):
    return client.post(
        reverse("reports:request", kwargs={"establishment_pk": establishment.pk}),
        {"kind": "establishment_sheet"},
        **extra,
    )


def test_request_poll_download_end_to_end(member_client, establishment, django_capture_on_commit_callbacks):
    page = member_client.get(reverse("reports:establishment_documents", kwargs={"establishment_pk": establishment.pk}))
    assert page.status_code == 200
    assert "Fiche établissement" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = _request(member_client, establishment)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:status", kwargs={"report_pk": report.pk})

    status = member_client.get(response["Location"])
    assert "Votre document est prêt." in status.text
    assert 'hx-trigger="every 2s"' not in status.text

    download = member_client.get(reverse("reports:download", kwargs={"report_pk": report.pk}))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (f'attachment; filename="fiche-etablissement-{establishment.finess}.pdf"')
    assert "private" in download["Cache-Control"]
    text = pdf_text(b"".join(download.streaming_content))
    assert "Clinique du Parc des Tilleuls" in text


@pytest.mark.django_db(transaction=True)
def test_htmx_request_returns_the_status_fragment(member_client, establishment):
    # Real commits: the task is queued (and, eager, built) when request_report's transaction commits.
    response = _request(member_client, establishment, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Votre document est prêt." in response.text
    assert reverse("reports:download", kwargs={"report_pk": Report.objects.get().pk}) in response.text


def test_status_fragment_polls_every_two_seconds_until_done(member_client, establishment):
    report = ReportFactory(establishment=establishment, pending=True, enqueued_at=None)
    url = reverse("reports:status", kwargs={"report_pk": report.pk})

    fragment = member_client.get(url, **HTMX)
    assert 'hx-trigger="every 2s"' in fragment.text
    assert f'hx-get="{url}?shown=pending-kept"' in fragment.text
    assert "momentanément indisponible" in fragment.text

    # Unchanged since the last poll: 204, no swap, nothing re-announced to screen readers.
    assert member_client.get(url, {"shown": "pending-kept"}, **HTMX).status_code == 204

    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)
    running = member_client.get(url, {"shown": "pending-kept"}, **HTMX)
    assert "Génération du document en cours" in running.text
    assert "?shown=running" in running.text

    report.delete()
    done = ReportFactory(establishment=establishment)
    url = reverse("reports:status", kwargs={"report_pk": done.pk})
    final = member_client.get(url, {"shown": "running"}, **HTMX)
    assert "hx-trigger" not in final.text  # polling stops
    assert "Télécharger" in final.text


def test_status_page_wraps_the_fragment_in_a_live_region(member_client, establishment):
    report = ReportFactory(establishment=establishment, pending=True)
    page = member_client.get(reverse("reports:status", kwargs={"report_pk": report.pk}))
    assert page.status_code == 200
    live = page.text.index('aria-live="polite"')
    assert live < page.text.index(f'id="report-{report.pk}"')


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_user_is_told_and_the_request_kept(member_client, establishment):
    started = time.monotonic()
    with celery_broker("redis://127.0.0.1:1/0"):
        response = _request(member_client, establishment)
    assert time.monotonic() - started < 6  # the user is not kept waiting by kombu's retry loop
    report = Report.objects.get()
    assert report.status == Report.Status.PENDING and report.enqueued_at is None
    page = member_client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert any("momentanément indisponible" in m and "Votre demande est enregistrée" in m for m in messages)
    assert "Service de génération momentanément indisponible." in page.text

    with celery_broker("redis://127.0.0.1:1/0"):
        fragment = _request(member_client, establishment, **HTMX)
    assert Report.objects.count() == 1  # the same request, not a second one
    assert "momentanément indisponible" in fragment.text


def test_download_of_an_unfinished_report_goes_back_to_its_progress(member_client, establishment):
    report = ReportFactory(establishment=establishment, pending=True)
    response = member_client.get(reverse("reports:download", kwargs={"report_pk": report.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:status", kwargs={"report_pk": report.pk})


def test_request_refuses_get_and_unknown_kinds(member_client, establishment):
    url = reverse("reports:request", kwargs={"establishment_pk": establishment.pk})
    assert member_client.get(url).status_code == 405
    assert member_client.post(url, {"kind": "nope"}).status_code == 400
    assert member_client.post(url, {"kind": "establishment_sheet", "subject_id": "x"}).status_code == 400
    assert not Report.objects.exists()


@pytest.mark.parametrize("view", ["reports:status", "reports:download"])
def test_member_of_another_establishment_gets_404(client, other_member, establishment, view):
    report = ReportFactory(establishment=establishment)
    client.force_login(other_member)
    assert client.get(reverse(view, kwargs={"report_pk": report.pk})).status_code == 404
    assert client.get(reverse(view, kwargs={"report_pk": report.pk}), **HTMX).status_code == 404


def test_member_of_another_establishment_cannot_request_or_list(client, other_member, establishment):
    client.force_login(other_member)
    kwargs = {"establishment_pk": establishment.pk}
    assert client.post(reverse("reports:request", kwargs=kwargs), {"kind": "establishment_sheet"}).status_code == 404
    assert client.get(reverse("reports:establishment_documents", kwargs=kwargs)).status_code == 404
    assert not Report.objects.exists()


def test_crrc_staff_of_the_region_may_download_and_others_may_not(client, establishment):
    report = ReportFactory(establishment=establishment)
    url = reverse("reports:download", kwargs={"report_pk": report.pk})
    own_staff = StaffAssignmentFactory(region=establishment.region, kind=StaffKind.ARS_REVIEWER).user
    other_staff = StaffAssignmentFactory(region=RegionFactory(code="84")).user
    for user, expected in ((own_staff, 200), (other_staff, 404)):
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "tests"})  # staff MFA
        client.force_login(user)
        assert client.get(url).status_code == expected, user


def test_anonymous_is_sent_to_log_in(client, establishment):
    report = ReportFactory(establishment=establishment)
    response = client.get(reverse("reports:download", kwargs={"report_pk": report.pk}))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_generated_files_are_never_served_by_url(member_client, establishment, settings):
    from crrc.settings import base

    report = ReportFactory(establishment=establishment)
    assert base.MEDIA_URL is None  # no media URL outside tests: files are only streamed by the download view
    assert (Path(settings.MEDIA_ROOT) / report.file.name).is_file()
    for guess in (f"/media/{report.file.name}", f"{settings.MEDIA_URL}{report.file.name}", f"/{report.file.name}"):
        assert member_client.get(guess).status_code == 404, guess


def test_documents_page_lists_recent_documents(member_client, establishment, django_assert_max_num_queries):
    for _ in range(3):
        ReportFactory(establishment=establishment)
    ReportFactory()  # another establishment's
    url = reverse("reports:establishment_documents", kwargs={"establishment_pk": establishment.pk})
    with django_assert_max_num_queries(15):
        page = member_client.get(url)
    assert page.text.count(">Télécharger<") == 3
