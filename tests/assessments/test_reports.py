"""The two PDFs of an assessment: the full report in SCORING.md's order, and a synthesis of at most two pages."""

import pytest
from django.template.loader import render_to_string
from django.utils.html import escape
from weasyprint import HTML

from assessments import documents, services
from assessments.management.commands.demo_assessments import MAC_ANSWERS, fill
from reports.models import Report
from reports.pdf import PRINT_BASE_URL, LocalOnlyFetcher, print_context

from .conftest import EXERCISE, MAC, answer

pytestmark = pytest.mark.django_db


def render(document, region) -> str:
    return render_to_string(
        document.template_name,
        {
            **print_context(region),
            "document_title": document.title,
            "show_cover": document.cover,
            "toc_entries": document.toc_entries,
            **document.context,
        },
    )


def pages(html: str) -> int:
    return len(HTML(string=html, base_url=PRINT_BASE_URL, url_fetcher=LocalOnlyFetcher(timeout=5)).render().pages)


@pytest.fixture
def diagnostic(grids, establishment, rssi):
    assessment = services.start_assessment(establishment, grids[MAC], rssi)
    fill(assessment, MAC_ANSWERS, rssi)
    return services.submit_assessment(assessment, rssi)


def test_full_report_follows_the_monaidecyber_layout(diagnostic, establishment):
    document = documents.build_full_report(Report(establishment=establishment, subject_id=diagnostic.pk))
    html = render(document, establishment.region)

    priority = html.index("Recommandations prioritaires")
    titles = [m["recommendation"].title for m in document.context["data"]["priority_measures"]]
    positions = [html.index(escape(title), priority) for title in titles]
    assert positions == sorted(positions) and len(titles) == 6
    assert html.index("<path d=") < html.index('id="prioritaires"') < html.index('id="autres"')
    assert "7. Mettre en œuvre des mesures de sécurité supplémentaires sur les systèmes" in html
    assert "Pourquoi ?" in html and "Comment appliquer cette recommandation ?" in html
    assert "Apache License 2.0" in html and "Copyright 2023 ANSSI" in html
    assert "Firewall" not in html and "Oui, nous avons listé" in html  # every answer, as given
    assert [anchor for anchor, _ in document.toc_entries][:3] == ["restitution", "prioritaires", "autres"]
    assert pages(html) > 10


def test_synthesis_fits_on_two_pages(diagnostic, grids, establishment, rssi):
    exercise = services.start_assessment(establishment, grids[EXERCISE], rssi)
    answer(exercise, "utilisateurs-privilegies", "utilisateurs-privilegies-non-identifies")
    services.submit_assessment(exercise, rssi)

    for assessment in (diagnostic, exercise):
        document = documents.build_synthesis(Report(establishment=establishment, subject_id=assessment.pk))
        html = render(document, establishment.region)
        assert pages(html) <= 2
        assert escape(assessment.grid.licence) in html
    assert "Grille illustrative" in html and "Kit débutant" in html


def test_report_access_needs_a_submitted_assessment_of_that_establishment(diagnostic, grids, establishment, rssi):
    draft = services.start_assessment(establishment, grids[EXERCISE], rssi)

    assert documents.check_access(rssi, establishment, diagnostic.pk)
    assert not documents.check_access(rssi, establishment, draft.pk)
