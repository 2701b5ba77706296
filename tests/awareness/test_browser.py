"""The sponsor's journey in Chromium (join, import staff, import results, re-training list, report), and axe-core
on every awareness page for the establishment, CRRC staff and ARS."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from awareness import services
from awareness.models import Learner, Retraining
from tests.browser import log_in, visit_and_check

from .factories import YEAR, CampaignRequestFactory
from .helpers import RESULTS_HEADER, csv_bytes, results_row, table

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_list(n=8) -> bytes:
    services_ = ["Urgences", "Urgences", "Urgences", "Urgences", "Urgences", "Cuisine", "Cuisine", "Pharmacie"]
    rows = [["Adresse e-mail", "Nom", "Prénom", "Service"]]
    rows += [[f"agent{i}@ch.example.org", f"Martinez{i}", "Léa", services_[i % 8]] for i in range(n)]
    return csv_bytes(rows, sep=";", encoding="cp1252")


def gophish_results(n=8) -> bytes:
    statuses = ["Clicked Link", "Submitted Data", "Email Opened", "Email Sent"]
    rows = [RESULTS_HEADER] + [
        results_row(f"agent{i}@ch.example.org", statuses[i % 4], f"{YEAR}-01-20T08:00:04.512308417Z",
                    "true" if i % 3 == 0 else "false")
        for i in range(n)
    ]  # fmt: skip
    return csv_bytes(rows)


def test_sponsor_journey(page, live_server, establishment, programme, campaign, sponsor, tmp_path):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    learners_file, results_file = tmp_path / "personnels.csv", tmp_path / "resultats.csv"
    learners_file.write_bytes(staff_list())
    results_file.write_bytes(gophish_results())
    log_in(page.context, sponsor, live_server.url)

    page.goto(live_server.url + reverse("establishments:home", args=[establishment.pk]))
    page.get_by_role("link", name="Découvrir et rejoindre le programme").click()
    page.get_by_role("button", name="Inscrire l'établissement au programme").click()
    expect(page.get_by_role("status")).to_contain_text("est inscrit au programme")

    page.get_by_role("link", name="Importer les personnels").first.click()
    page.get_by_label("Fichier CSV ou Excel (XLSX)").set_input_files(str(learners_file))
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("#import-report")).to_contain_text("Créés : 8")
    assert Learner.objects.filter(establishment=establishment).count() == 8

    page.get_by_role("link", name="Retour à la sensibilisation").click()
    page.get_by_role("link", name="Importer les résultats").first.click()
    page.get_by_label("Campagne").select_option(str(campaign.pk))
    page.get_by_label("Fichier CSV ou Excel (XLSX)").set_input_files(str(results_file))
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("#import-report")).to_contain_text("4 piégé(s)")

    page.get_by_role("link", name="Retour à la sensibilisation").click()
    page.get_by_role("link", name="Voir la liste de remédiation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Liste de remédiation")
    expect(page.locator("table")).to_contain_text("agent0@ch.example.org")
    assert Retraining.objects.filter(establishment=establishment).count() == 4

    page.goto(live_server.url + reverse("awareness:establishment", args=[establishment.pk]))
    page.get_by_role("button", name="Télécharger le rapport").click()
    download_link = page.get_by_role("link", name="Télécharger : Rapport trimestriel de sensibilisation (PDF)")
    expect(download_link).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    assert info.value.suggested_filename.endswith(".pdf")
    # The browser asks for /favicon.ico, which the portal does not serve: that 404 is not the page's error.
    assert not [e for e in errors if "Failed to load resource" not in e], errors


def _fill(establishment, campaign, enrolment):
    services.import_learners(establishment, table([["email", "nom", "service"]] + [
        [f"a{i}@x.org", f"Nom{i}", "Soins" if i < 6 else "Cuisine"] for i in range(8)]))  # fmt: skip
    rows = [RESULTS_HEADER] + [results_row(f"a{i}@x.org", "Clicked Link" if i % 2 else "Email Opened",
                                           f"{YEAR}-01-20T08:00:00Z") for i in range(8)]  # fmt: skip
    services.import_phishing_results(establishment, campaign, table(rows))
    CampaignRequestFactory(establishment=establishment)


def test_awareness_pages_have_no_axe_violation(
    live_server, axe_context, establishment, programme, campaign, enrolment, sponsor, crrc_staff, ars_reviewer
):
    _fill(establishment, campaign, enrolment)
    page = axe_context.new_page()
    log_in(axe_context, sponsor, live_server.url)
    own = [
        reverse("awareness:establishment", args=[establishment.pk]),
        reverse("awareness:learners", args=[establishment.pk]),
        reverse("awareness:import_learners", args=[establishment.pk]),
        reverse("awareness:import_results", args=[establishment.pk]),
        reverse("awareness:import_modules", args=[establishment.pk]),
        reverse("awareness:retraining", args=[establishment.pk]),
        reverse("awareness:information", args=[establishment.pk]),
        reverse("awareness:new_request", args=[establishment.pk]),
        reverse("awareness:programme", args=[programme.pk]),
    ]
    findings = [v for url in own for v in visit_and_check(page, live_server.url + url)]
    axe_context.clear_cookies()
    log_in(axe_context, crrc_staff, live_server.url)
    staff = [
        reverse("awareness:index"),
        reverse("awareness:programme", args=[programme.pk]),
        reverse("awareness:benchmark"),
        reverse("awareness:staff_requests"),
        reverse("awareness:batch", args=[campaign.pk]),
    ]
    findings += [v for url in staff for v in visit_and_check(page, live_server.url + url)]
    page.goto(live_server.url + reverse("awareness:benchmark"))
    assert "Nom1" not in page.content()
    axe_context.clear_cookies()
    log_in(axe_context, ars_reviewer, live_server.url)
    findings += visit_and_check(page, live_server.url + reverse("awareness:benchmark"))
    assert not findings, "\n".join(findings)
