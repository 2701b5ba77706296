"""The whole exercise in Chromium: plan → play (console, htmx) → debrief → action items → report; axe on each page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from action_plans.models import ActionItem
from action_plans.workflow import SourceKind
from exercises.choices import State
from exercises.models import Exercise
from tests.action_plans.factories import region_staff
from tests.browser import axe_violations, log_in
from tests.establishments.factories import EstablishmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_play_debrief_report(live_server, axe_context):
    page = axe_context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    call_command("load_exercise_scenarios", verbosity=0)
    establishment = EstablishmentFactory(ehpad=True, name="EHPAD Les Tilleuls")
    staff = region_staff(establishment.region)
    log_in(page.context, staff, live_server.url)
    violations = []

    # Plan
    page.goto(f"{live_server.url}/exercices/nouveau/?establishment={establishment.pk}")
    violations += axe_violations(page, "création")
    page.get_by_label("Titre").fill("Exercice rançongiciel des Tilleuls")
    page.get_by_label("Scénario").select_option(label="Rançongiciel sur le système d'information")
    page.get_by_label("Début").fill("2031-03-12T09:30")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exercice rançongiciel des Tilleuls")
    expect(page.locator(".crrc-transitions")).to_contain_text("La présence du directeur")
    page.locator("#id_cell").select_option("crisis")
    page.locator("#id_function").select_option("director")
    page.locator("#id_name").fill("Mme Roux")
    page.locator("#id_email").fill("direction@tilleuls.example")
    page.get_by_role("button", name="Ajouter le participant").click()
    expect(page.locator("#participants ~ div, section")).not_to_have_count(0)
    violations += axe_violations(page, "exercice")
    page.get_by_role("button", name="Marquer prêt").click()
    expect(page.get_by_text("Prêt", exact=True).first).to_be_visible()
    exercise = Exercise.objects.get(title="Exercice rançongiciel des Tilleuls")
    assert exercise.state == State.READY

    # Play
    page.get_by_role("link", name="Console d'animation").click()
    page.get_by_role("button", name="Démarrer l'exercice").click()
    expect(page.locator("#console-live")).to_contain_text("En cours")
    page.locator("#console-live").get_by_role("button", name="Marquer comme joué").first.click()
    expect(page.locator("#console-live")).to_contain_text("Stimulus joué")
    page.get_by_label("Entrée").fill("Décision d'isoler le réseau")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.locator("#console-live")).to_contain_text("Décision d'isoler le réseau", timeout=15000)
    page.get_by_label("Point d'amélioration").check()
    page.locator("#observation-text").fill("Annuaire de crise introuvable")
    page.get_by_role("button", name="Enregistrer l'observation").click()
    expect(page.locator("#console-live")).to_contain_text("Annuaire de crise introuvable", timeout=15000)
    violations += axe_violations(page, "console")
    page.locator("#console-live").get_by_role("button", name="Terminer la simulation").click()
    exercise.refresh_from_db()
    assert exercise.state == State.PLAYED

    # Debrief → action plan → report
    page.goto(f"{live_server.url}/exercices/{exercise.pk}/debriefing/")
    violations += axe_violations(page, "débriefing")
    page.get_by_role("button", name="Ajouter au plan d'action").click()
    expect(page.get_by_text("au plan", exact=True)).to_be_visible()
    item = ActionItem.objects.get()
    assert item.source_kind == SourceKind.EXERCISE_DEBRIEF and item.title == "Annuaire de crise introuvable"
    page.get_by_role("button", name="Générer le rapport complet").click()
    expect(page.locator(".report-request-status").first).to_contain_text("Télécharger", timeout=60000)
    page.get_by_role("button", name="Marquer débriefé").click()
    page.goto(f"{live_server.url}/exercices/{exercise.pk}/debriefing/")
    page.get_by_role("button", name="Clôturer").click()
    exercise.refresh_from_db()
    assert exercise.state == State.CLOSED and exercise.reported_at

    page.goto(f"{live_server.url}/exercices/registre/")
    violations += axe_violations(page, "registre")
    expect(page.get_by_role("link", name="Exercice rançongiciel des Tilleuls")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/exercices/{exercise.pk}/console/")
    violations += axe_violations(page, "console 390 px")
    # The console itself fits a 390 px phone (the shared header is the base layout's business).
    wide = page.evaluate(
        "[...document.querySelectorAll('#contenu *')].filter(e => e.getBoundingClientRect().right > 392)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert not wide, wide
    assert not violations, "\n".join(violations)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_multi_site_exercise_planned_in_the_browser(live_server, axe_context):
    """CRRC staff choose the sites from the establishment's organisation; the page, the register (with its charts)
    and the site's "Mon établissement" show them; axe on each page, and the register fits 390 px."""
    from establishments.roles import Role
    from tests.action_plans.factories import member
    from tests.establishments.factories import OrganisationFactory

    call_command("load_exercise_scenarios", verbosity=0)
    organisation = OrganisationFactory(name="Association Les Tilleuls")
    owner = EstablishmentFactory(ehpad=True, organisation=organisation, name="EHPAD Les Tilleuls – Foix")
    site = EstablishmentFactory(
        ehpad=True, organisation=organisation, department=owner.department, name="EHPAD Les Tilleuls – Pamiers"
    )
    staff = region_staff(owner.region)
    page = axe_context.new_page()
    log_in(page.context, staff, live_server.url)
    violations = []
    page.goto(f"{live_server.url}/exercices/nouveau/?establishment={owner.pk}")
    violations += axe_violations(page, "création multi-site")
    page.get_by_label("Titre").fill("Exercice inter-sites des Tilleuls")
    page.get_by_label("Scénario").select_option(label="Rançongiciel sur le système d'information")
    page.get_by_label("Début").fill("2031-03-12T09:30")
    page.get_by_label(site.name).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exercice inter-sites des Tilleuls")
    expect(page.locator("section[aria-labelledby=cadre]")).to_contain_text(site.name)
    page.locator("#id_site").select_option(label=str(site))
    page.locator("#id_cell").select_option("crisis")
    page.locator("#id_function").select_option("it")
    page.locator("#id_name").fill("M. Pamiers")
    page.locator("#id_email").fill("info@pamiers.example")
    page.get_by_role("button", name="Ajouter le participant").click()
    expect(page.locator("section[aria-labelledby=participants]")).to_contain_text("M. Pamiers")
    violations += axe_violations(page, "exercice multi-site")
    exercise = Exercise.objects.get(title="Exercice inter-sites des Tilleuls")
    assert exercise.participants.get().site == site

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/exercices/registre/")
    expect(page.locator("figure.crrc-chart").first).to_be_visible()
    violations += axe_violations(page, "registre 390 px")
    wide = page.evaluate(
        "[...document.querySelectorAll('#contenu figure, #contenu svg')].filter(e => e.getBoundingClientRect().right"
        " > 392).map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert not wide, wide

    site_director = member(site, Role.DIRECTOR)
    log_in(page.context, site_director, live_server.url)
    page.goto(f"{live_server.url}/etablissements/{site.pk}/")
    expect(page.get_by_text("votre site y participe")).to_be_visible()
    violations += axe_violations(page, "Mon établissement du site")
    assert not violations, "\n".join(violations)
