"""The quarterly report and the regional benchmark: anonymous, threshold of 5 on every figure, batch with failures."""

import pytest
from django.urls import reverse

from awareness import anonymity, batches, documents, services, stats
from awareness.models import Learner
from reports import registry
from reports.models import Report
from reports.services import request_report
from tests.establishments.factories import EstablishmentFactory
from tests.reports.helpers import pdf_text

from .factories import YEAR, EnrolmentFactory, LearnerFactory, ModuleResultFactory
from .helpers import RESULTS_HEADER, results_row, table

pytestmark = pytest.mark.django_db
SENT = f"{YEAR}-01-20T09:00:00Z"


def results(establishment, campaign, plan, start=0):
    """``plan``: list of (service, status, reported) — one learner each, with a recognisable name."""
    rows = [RESULTS_HEADER]
    for i, (service, status, reported) in enumerate(plan, start=start):
        email = f"agent{i}.{establishment.pk}@ch.example.org"
        LearnerFactory(establishment=establishment, email=email, last_name=f"Zyxnom{i}", first_name=f"Zyxprenom{i}",
                       service=service)  # fmt: skip
        rows.append(results_row(email, status, SENT, "true" if reported else "false", position=service))
    services.import_phishing_results(establishment, campaign, table(rows))


def test_the_anonymity_helper():
    assert str(anonymity.rate(1, 4)) == "moins de 5 personnes"
    assert anonymity.rate(1, 4).value is None  # the value is gone, not just hidden
    assert str(anonymity.rate(1, 5)) == "20 %"
    assert str(anonymity.count(3)) == "moins de 5 personnes"
    assert anonymity.distribution([10.0, 20.0], learners=4).median.value is None
    dist = anonymity.distribution([10.0, 20.0, 30.0, 40.0, 50.0], learners=50)
    assert (dist.q1.value, dist.median.value, dist.q3.value) == (20.0, 30.0, 40.0)


def test_service_of_fewer_than_5_has_no_figure(establishment, enrolment, campaign):
    results(
        establishment, campaign, [("Urgences", "Clicked Link", False)] * 6 + [("Pharmacie", "Clicked Link", True)] * 4
    )
    rows = {row.label: row for row in stats.service_breakdown(establishment, campaign)}
    assert str(rows["Urgences"].trapped) == "100 %"
    assert (
        rows["Pharmacie"].population.masked and rows["Pharmacie"].trapped.masked and rows["Pharmacie"].reported.masked
    )


def test_establishment_of_fewer_than_5_has_no_figure_anywhere(establishment, enrolment, campaign):
    results(establishment, campaign, [("Soins", "Clicked Link", False)] * 4)
    figures = stats.campaign_figures(establishment, campaign)
    assert all(f.masked for f in figures.rates.values()) and figures.sent.masked
    context = documents.report_context(establishment, campaign)
    assert all(c.rates["trapped"].masked for c in context["trend"])
    assert context["modules"]["overall"].masked and context["retraining"]["assigned"].masked


def test_benchmark_counts_only_establishments_with_5_learners(establishment, enrolment, campaign):
    results(establishment, campaign, [("Soins", "Clicked Link", False)] * 2 + [("Soins", "Email Opened", False)] * 8)
    small = EstablishmentFactory(department=establishment.department)
    EnrolmentFactory(establishment=small, programme=campaign.programme)
    results(small, campaign, [("Soins", "Clicked Link", False)] * 3)
    big = EstablishmentFactory(department=establishment.department)
    EnrolmentFactory(establishment=big, programme=campaign.programme)
    results(big, campaign, [("Soins", "Clicked Link", False)] * 6 + [("Soins", "Email Sent", False)] * 4)
    bench = stats.benchmark(campaign)
    assert bench["overall"].establishments == 2
    assert bench["overall"].learners.value == 20
    assert bench["overall"].trapped.median.value == pytest.approx(40.0)  # median of 20 % and 60 %


def test_benchmark_group_of_fewer_than_5_is_masked(establishment, enrolment, campaign):
    results(establishment, campaign, [("Soins", "Clicked Link", False)] * 4)
    bench = stats.benchmark(campaign)
    assert bench["overall"].establishments == 0 and bench["overall"].trapped.masked
    assert all(row.trapped.median.masked for row in bench["departments"])


def test_report_pdf_is_anonymous_and_has_the_benchmark(
    establishment, enrolment, campaign, sponsor, django_capture_on_commit_callbacks
):
    plan = [("Urgences", "Clicked Link", True)] * 6 + [("Pharmacie", "Email Opened", False)] * 3
    results(establishment, campaign, plan + [("Bloc", "Email Sent", False)] * 5)
    ModuleResultFactory(
        establishment=establishment, learner=Learner.objects.first(), module=campaign.programme.modules.get(code="M01")
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(establishment, documents.QUARTERLY_REPORT, sponsor, subject_id=campaign.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = pdf_text(report.file.read())
    assert "Zyxnom" not in text and "Zyxprenom" not in text and "@" not in text.replace("@demo", "")
    assert "moins de 5 personnes" in text  # the Pharmacie group
    assert "Médiane" in text and "Urgences" in text
    assert establishment.name in text


def test_report_of_a_campaign_the_establishment_is_not_enrolled_in_is_refused(establishment, campaign, sponsor):
    from reports.services import ReportNotAllowed

    with pytest.raises(ReportNotAllowed):
        request_report(establishment, documents.QUARTERLY_REPORT, sponsor, subject_id=campaign.pk)


def test_batch_with_one_failing_report(
    establishment, enrolment, campaign, crrc_staff, client, monkeypatch, django_capture_on_commit_callbacks
):
    others = [EstablishmentFactory(department=establishment.department) for _ in range(2)]
    for other in others:
        EnrolmentFactory(establishment=other, programme=campaign.programme)
    failing = others[0]
    real = documents.build_quarterly_report

    def flaky(report):
        if report.establishment_id == failing.pk:
            raise RuntimeError("WeasyPrint a planté")
        return real(report)

    entry = registry.get(documents.QUARTERLY_REPORT)
    monkeypatch.setitem(registry._REGISTRY, documents.QUARTERLY_REPORT, entry.__class__(
        entry.kind, entry.label, flaky, entry.check_access, entry.reuse_done_for, entry.needs_subject))  # fmt: skip
    client.force_login(crrc_staff, backend="django.contrib.auth.backends.ModelBackend")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("awareness:batch", args=[campaign.pk]))
    assert response.status_code == 302
    batch = campaign.batches.get()
    progress = batches.progress(batch)
    assert (progress.total, progress.done, progress.failed, progress.pending) == (3, 2, 1, 0)
    failed = progress.failures[0]
    assert failed.establishment_id == failing.pk and failed.attempts > 1  # retried before giving up
    page = client.get(reverse("awareness:batch_detail", args=[batch.pk])).content.decode()
    assert "Rapports en échec" in page and failing.name in page
    monkeypatch.setitem(registry._REGISTRY, documents.QUARTERLY_REPORT, entry)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("awareness:batch_retry", args=[batch.pk]))
    assert batches.progress(batch).done == 3


def test_dashboard_indicators_respect_the_threshold(establishment, enrolment, campaign):
    from awareness.dashboard import enrolled_by_sector, trapped_by_quarter
    from dashboards.registry import Scope
    from establishments.models import Establishment, Region

    results(establishment, campaign, [("Soins", "Clicked Link", False)] * 4)
    scope = Scope(user=None, regions=Region.objects.all(), establishments=Establishment.objects.all())
    assert [(f.label, f.value) for f in trapped_by_quarter(scope)] == [(f"{YEAR}-T1", None)]
    results(establishment, campaign, [("Soins", "Email Sent", False)] * 4, start=4)
    assert [(f.label, f.value) for f in trapped_by_quarter(scope)] == [(f"{YEAR}-T1", 50)]
    assert [f.value for f in enrolled_by_sector(scope)] == [1]
