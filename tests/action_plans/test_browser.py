"""The establishment's journey in Chromium: add an item, start it from the list (htmx), abandon it with a reason."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from action_plans import services
from action_plans.models import ActionItem
from action_plans.workflow import Status
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory

from .factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_manager_runs_the_plan(page, live_server):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    establishment = EstablishmentFactory(ehpad=True, name="EHPAD Les Tilleuls")
    rssi = member(establishment, Role.RSSI, first_name="Karim", last_name="Benali")
    late = services.create_item(
        establishment, rssi, title="Sauvegardes hors ligne", owner=rssi, deadline=timezone.localdate() + timedelta(1)
    )
    ActionItem.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=6))
    _login(page, live_server, rssi)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Plan d'action").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan d'action")
    expect(page.locator(f"#item-{late.pk}")).to_contain_text("En retard de 6 jours")

    page.get_by_role("link", name="Ajouter une action").click()
    page.get_by_label("Intitulé").fill("Former les soignants au hameçonnage")
    page.get_by_label("Responsable").select_option(label="Karim Benali")
    page.get_by_label("Priorité").select_option("P1")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Former les soignants au hameçonnage")
    item = ActionItem.objects.get(title="Former les soignants au hameçonnage")

    page.get_by_role("link", name="Plan d'action").last.click()
    row = page.locator(f"#item-{item.pk}")
    row.get_by_role("button", name="Démarrer").click()
    expect(page.locator(f"#item-{item.pk}")).to_contain_text("En cours")
    assert page.url.endswith(f"/plans-d-action/etablissement/{establishment.pk}/")  # swapped in place

    page.get_by_label("Statut").select_option("in_progress")
    expect(page.locator("#plan-items")).not_to_contain_text("Sauvegardes hors ligne")
    assert "status=in_progress" in page.url

    page.get_by_role("link", name="Former les soignants au hameçonnage", exact=True).click()
    page.get_by_label("Motif de l'abandon").fill("Formation assurée par le GHT")
    page.get_by_role("button", name="Abandonner").click()
    expect(page.locator("#status-panel")).to_contain_text("Abandonnée")
    expect(page.locator("#status-panel")).to_contain_text("Formation assurée par le GHT")

    page.get_by_label("Votre commentaire").fill("Convention signée avec le GHT")
    page.get_by_role("button", name="Publier le commentaire").click()
    expect(page.locator("#comments-block")).to_contain_text("Convention signée avec le GHT")

    item.refresh_from_db()
    assert item.status == Status.ABANDONED
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
