"""Isolation and anonymity on the rendered pages: another establishment's learners, results and reports are 404;
no learner's name or e-mail reaches a CRRC or ARS page; every page shows "moins de 5 personnes" instead of a figure
about fewer than 5 people."""

import html
import re

import pytest
from django.urls import reverse

from awareness import documents, services
from reports.models import Report
from reports.services import request_report
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .factories import YEAR, EnrolmentFactory, LearnerFactory
from .helpers import RESULTS_HEADER, results_row, table

pytestmark = pytest.mark.django_db
MASKED = "moins de 5 personnes"


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def figures_of(text: str) -> str:
    """``text`` without the charts' stated scale ("de 0 à 100 %"), which is not a figure about anyone."""
    return re.sub(r"\b0 à 100 %", "", text.replace("\xa0", " "))


def send(establishment, campaign, n, status="Clicked Link"):
    rows = [RESULTS_HEADER]
    for i in range(n):
        email = f"zq{i}.{establishment.pk}@ch.example.org"
        LearnerFactory(establishment=establishment, email=email, last_name=f"Zqnom{i}", first_name="Zqprenom")
        rows.append(results_row(email, status, f"{YEAR}-01-20T09:00:00Z"))
    services.import_phishing_results(establishment, campaign, table(rows))


@pytest.fixture
def neighbour(establishment, campaign):
    """An establishment of the same region, enrolled, with its own director, learners, results and report."""
    other = EstablishmentFactory(department=establishment.department)
    EnrolmentFactory(establishment=other, programme=campaign.programme)
    send(other, campaign, 6)
    director = MembershipFactory(establishment=other, role="director").user
    report = request_report(other, documents.QUARTERLY_REPORT, director, subject_id=campaign.pk)
    return other, report


def test_another_establishment_s_pages_and_report_are_404(client, establishment, enrolment, sponsor, neighbour):
    other, report = neighbour
    login(client, sponsor)
    for name in ("establishment", "learners", "import_learners", "export_gophish", "import_results",
                 "import_modules", "retraining", "information", "new_request"):  # fmt: skip
        assert client.get(reverse(f"awareness:{name}", args=[other.pk])).status_code == 404, name
    assert client.post(reverse("awareness:join", args=[other.pk])).status_code == 404
    assert client.get(reverse("reports:status", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 404
    own = reverse("reports:establishment_documents", args=[establishment.pk])
    assert report.filename not in page(client, own) if report.filename else True
    assert client.get(reverse("reports:establishment_documents", args=[other.pk])).status_code == 404


def _pages(establishment, campaign) -> list[str]:
    return [
        reverse("awareness:index"),
        reverse("awareness:establishment", args=[establishment.pk]),
        reverse("awareness:programme", args=[campaign.programme_id]),
        reverse("awareness:benchmark") + f"?campagne={campaign.pk}",
        reverse("dashboards:region"),
    ]


@pytest.mark.parametrize("who", ["crrc_staff", "ars_reviewer"])
def test_no_learner_reaches_crrc_or_ars_pages(client, request, establishment, enrolment, campaign, neighbour, who):
    send(establishment, campaign, 7)
    login(client, request.getfixturevalue(who))
    for url in _pages(establishment, campaign):
        body = client.get(url).content.decode()
        assert "Zqnom" not in body and "Zqprenom" not in body and "@ch.example.org" not in body, url


def test_a_group_of_fewer_than_5_has_no_figure_on_any_page(client, establishment, enrolment, campaign, crrc_staff):
    """4 people trapped out of 4: nowhere may "100 %" (or "4") be read about them, every page says it is masked."""
    send(establishment, campaign, 4)
    login(client, crrc_staff)
    establishment_page = page(client, reverse("awareness:establishment", args=[establishment.pk]))
    assert MASKED in establishment_page and "100 %" not in figures_of(establishment_page)
    programme_page = page(client, reverse("awareness:programme", args=[campaign.programme_id]))
    row = re.search(rf"{re.escape(establishment.name)}</a>.*?</tr>", programme_page, re.S).group(0)
    assert MASKED in row and "100" not in row and ">4<" not in row
    benchmark_page = page(client, reverse("awareness:benchmark") + f"?campagne={campaign.pk}")
    assert MASKED in benchmark_page and "100 %" not in figures_of(benchmark_page)
    dashboard = page(client, reverse("dashboards:region"))
    start = dashboard.index("Sensibilisation : personnes piégées par trimestre")
    panel = dashboard[start : dashboard.index("</section>", start)]
    assert MASKED in panel and "100 %" not in figures_of(panel)


def test_the_quarterly_report_of_a_small_establishment_has_no_figure(
    establishment, enrolment, campaign, sponsor, django_capture_on_commit_callbacks
):
    from tests.reports.helpers import pdf_text

    send(establishment, campaign, 4)
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(establishment, documents.QUARTERLY_REPORT, sponsor, subject_id=campaign.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = pdf_text(report.file.read())
    assert MASKED in text and "100 %" not in figures_of(text) and "Zqnom" not in text
