"""An establishment declares an incident in Chromium and follows the guide; the CRRC takes it; no axe violation."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from tests.browser import axe_violations, log_in
from tests.establishments.factories import EstablishmentFactory

from .factories import director_of, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_declare_follow_the_steps_and_the_crrc_takes_it(axe_context, live_server):
    establishment = EstablishmentFactory(ehpad=True, name="EHPAD Les Tilleuls")
    director = director_of(establishment)
    page = axe_context.new_page()
    log_in(axe_context, director, live_server.url)

    page.goto(f"{live_server.url}/etablissements/{establishment.pk}/")
    page.get_by_role("link", name="Déclarer un incident").click()
    assert axe_violations(page, "déclaration") == []
    page.get_by_label("Intitulé").fill("Rançongiciel sur l'accueil")
    page.get_by_label("Date et heure de détection").fill("2020-01-01T08:00")
    page.get_by_label("Ce qui s'est passé").fill("Écran de rançon sur deux postes.")
    page.get_by_text("Fonctionnement en mode dégradé").click()
    page.get_by_label("Des données personnelles (patients, résidents, personnel) sont concernées").check()
    page.get_by_role("button", name="Déclarer l'incident au CRRC").click()
    expect(page.locator(".alert-danger")).to_contain_text("plus d'un an")  # a typo in the year is caught

    page.get_by_label("Date et heure de détection").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Déclarer l'incident au CRRC").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rançongiciel sur l'accueil")
    expect(page.get_by_text("Notifier la CNIL")).to_be_visible()
    assert axe_violations(page, "incident") == []

    incident = Incident.objects.get()
    portal = incident.steps.get(kind="national_portal")
    page.locator(f"#step-{portal.pk}").get_by_role("button", name="Marquer comme faite").click()
    expect(page.locator(f"#step-{portal.pk}")).to_contain_text("Faite le")
    page.get_by_label("Votre besoin").fill("Un appui sur site pour la cellule de crise.")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("Force d'intervention rapide demandée")).to_be_visible()

    staff_context_page = axe_context.browser.new_context(locale="fr-FR").new_page()
    log_in(staff_context_page.context, staff_of(establishment.region), live_server.url)
    staff_context_page.goto(f"{live_server.url}/incidents/")
    staff_context_page.get_by_role("link", name=f"{incident.reference} – Rançongiciel sur l'accueil").click()
    staff_context_page.get_by_role("button", name="Prendre en charge").click()
    expect(staff_context_page.locator(".badge")).to_have_text("Pris en charge par le CRRC")
    staff_context_page.context.close()
