"""The PDF service: Django template → WeasyPrint → PDF whose text a reader (pdftotext) sees."""

import subprocess
import time

import pytest
from django.core.files.base import ContentFile

from reports.pdf import LocalOnlyFetcher, html_to_pdf, render_pdf
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, RegionFactory

from .helpers import pdf_pages, pdf_text

pytestmark = pytest.mark.django_db

SVG_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#c00"/></svg>'
)


def test_rendered_document_carries_branding_and_page_numbers():
    region = RegionFactory(code="76", name="Occitanie", crrc_name="CRRC Occitanie", grades_name="e-santé Occitanie")
    pdf = render_pdf("reports/tests/sample.html", {"paragraphs": 1}, region=region, title="Accusé de réception")
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF-")
    assert "CRRC Occitanie" in text
    assert "opéré par e-santé Occitanie" in text
    assert "Accusé de réception" in text
    assert "page 1 / 1" in text


def test_page_numbers_count_every_page_and_cover_has_none():
    pdf = render_pdf("reports/tests/sample.html", {"paragraphs": 80}, title="Rapport long", cover=True)
    pages = pdf_pages(pdf)
    assert pages >= 3
    text = pdf_text(pdf)
    # The cover is page 1 but shows no number; the last page says "page N / N".
    assert "page 1 / " not in text
    assert f"page {pages} / {pages}" in text


def test_table_of_contents_gives_the_page_of_each_section():
    pdf = render_pdf(
        "reports/tests/sample.html",
        {"paragraphs": 60, "sections": True},
        title="Rapport",
        toc_entries=[("debut", "Première partie"), ("fin", "Dernière partie")],
    )
    text = pdf_text(pdf)
    toc_line = next(line for line in text.splitlines() if "Dernière partie" in line and "." in line)
    last_page = int(toc_line.rstrip().split()[-1])
    assert last_page > 2, toc_line
    assert "Sommaire" in text


def test_region_logo_is_embedded_from_storage():
    region = RegionFactory(code="93")
    region.logo.save("logo.svg", ContentFile(SVG_LOGO))
    with_logo = render_pdf("reports/tests/sample.html", {"paragraphs": 1}, region=region)
    region.logo = ""
    region.save()
    without_logo = render_pdf("reports/tests/sample.html", {"paragraphs": 1}, region=region)
    assert len(with_logo) > len(without_logo)


def test_fonts_are_dejavu_and_embedded():
    pdf = render_pdf("reports/tests/sample.html", {"paragraphs": 1})
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("DejaVu" in row[0] for row in rows), fonts
    assert all("yes" in row for row in rows), fonts  # embedded


def test_external_resources_are_never_fetched():
    fetcher = LocalOnlyFetcher()
    with pytest.raises(ValueError, match="externe"):
        fetcher.fetch("http://169.254.169.254/latest/meta-data")
    with pytest.raises(ValueError, match="externe"):
        fetcher.fetch("file:///etc/passwd")
    # A document with such references still renders; the references are simply dropped.
    pdf = html_to_pdf('<p>Texte</p><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">')
    assert "Texte" in pdf_text(pdf)


def test_static_path_traversal_is_refused():
    fetcher = LocalOnlyFetcher()
    with pytest.raises(FileNotFoundError):
        fetcher.fetch("https://crrc-print.invalid/static/../../../../etc/passwd")


def test_establishment_sheet_lists_profile_and_members():
    from reports.documents import build_establishment_sheet
    from reports.models import Report

    establishment = EstablishmentFactory(name="EHPAD Les Glycines", city="Albi", with_director=True)
    member = MembershipFactory(establishment=establishment, user__first_name="Aurore", user__last_name="Vidal")
    report = Report(establishment=establishment, kind="establishment_sheet", requested_by=member.user)
    document = build_establishment_sheet(report)
    started = time.perf_counter()
    pdf = render_pdf(document.template_name, document.context, region=establishment.region, title=document.title)
    elapsed = time.perf_counter() - started
    text = pdf_text(pdf)
    assert document.filename == f"fiche-etablissement-{establishment.finess}.pdf"
    assert "EHPAD Les Glycines" in text
    assert establishment.finess in text
    assert "Aurore Vidal" in text
    assert "Directeur / sponsor" in text
    assert "Membre" in text
    assert "Participations" in text
    print(f"establishment sheet rendered in {elapsed * 1000:.0f} ms")


@pytest.fixture
def participation_sections():
    from establishments import participation

    saved = dict(participation._registry)
    yield participation
    participation._registry.clear()
    participation._registry.update(saved)


def test_establishment_sheet_prints_each_module_participation_section(participation_sections):
    from establishments.participation import Section
    from reports.documents import build_establishment_sheet
    from reports.models import Report

    def calls_context(request, establishment):
        assert request.user.is_authenticated  # scoped to the requester, as on the home page
        return {"count": 2}

    def broken_context(request, establishment):
        raise RuntimeError("module en panne")

    participation_sections.register(
        Section("calls", "Appels à projets et candidatures", "reports/tests/section.html", 20, calls_context)
    )
    participation_sections.register(
        Section("exercises", "Exercices de crise", "reports/tests/section.html", 50, broken_context)
    )
    # A module not installed yet keeps its built-in empty state (every module of today ships its own section).
    participation_sections.unregister("awareness")
    participation_sections.register(
        Section("awareness", "Sensibilisation", "establishments/participation_empty.html#awareness", 60, builtin=True)
    )
    membership = MembershipFactory(establishment=EstablishmentFactory(name="CH de Lunel"))
    report = Report(establishment=membership.establishment, kind="establishment_sheet", requested_by=membership.user)
    document = build_establishment_sheet(report)
    text = pdf_text(render_pdf(document.template_name, document.context, title=document.title))
    assert "Candidatures : 2 dossier(s) pour CH de Lunel" in text
    assert "Déposer un dossier" not in text  # forms and buttons are web-only
    assert "Exercices de crise" in text and "n'a pas pu être imprimée" in text
    assert "Pas encore de participation : Sensibilisation" in text  # built-in empty states, listed
