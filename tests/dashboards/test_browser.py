"""An ARS reviewer in Chromium: filters the dashboard, drills down to the establishments behind a figure, exports
it as XLSX and PDF, opens the yearly summary; no axe violation on the dashboard, the drill-down and the summary."""

import pytest
from playwright.sync_api import expect

from establishments.roles import StaffKind
from tests.action_plans.factories import region_staff
from tests.browser import axe_violations, log_in
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, RegionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_filters_drills_down_and_exports(axe_context, live_server):
    region = RegionFactory(name="Région Parcours")
    lake = DepartmentFactory(region=region, name="Lac")
    DepartmentFactory(region=region, name="Forêt")
    EstablishmentFactory(department=lake, name="CH du Lac")
    EstablishmentFactory(department=lake, name="EHPAD Les Roseaux", ehpad=True)
    EstablishmentFactory(department__region=region, name="CH de la Forêt")
    reviewer = region_staff(region, kind=StaffKind.ARS_REVIEWER)
    page = axe_context.new_page()
    log_in(axe_context, reviewer, live_server.url)

    page.goto(f"{live_server.url}/tableau-de-bord/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord régional")
    assert axe_violations(page, "tableau de bord") == []
    page.get_by_label("Département", exact=True).select_option(label=f"{lake.code} – Lac")
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/?departement={lake.code}&secteur=&categorie=&periode=")

    panel = page.locator("section", has=page.get_by_role("heading", name="Établissements par département"))
    panel.get_by_text("Voir les établissements concernés").click()
    panel.get_by_role("link", name=f"{lake.code} – Lac (2)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lac")
    expect(page.get_by_role("rowheader", name="CH du Lac")).to_be_visible()
    expect(page.get_by_role("rowheader", name="EHPAD Les Roseaux")).to_be_visible()
    expect(page.get_by_text("CH de la Forêt")).to_have_count(0)
    assert axe_violations(page, "établissements concernés") == []

    page.get_by_role("link", name="Retour au tableau de bord").click()
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Exporter en XLSX").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")

    page.get_by_role("button", name="Rapport PDF").click()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Télécharger : Tableau de bord régional (PDF)").click()
    assert pdf.value.suggested_filename.endswith(".pdf")

    page.goto(f"{live_server.url}/tableau-de-bord/bilan-annuel/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan annuel d'activité")
    assert axe_violations(page, "bilan annuel") == []
