"""The self-assessment journey in headless Chromium: fill, see the recommended kit, plan the actions, get the PDF."""

import re

import pytest
from playwright.sync_api import Page, expect

from action_plans.models import ActionItem
from assessments import services
from assessments.models import Assessment
from establishments.roles import Role
from tests.browser import visit_and_check
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory

from .conftest import EXERCISE, answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.locator("#id_password").fill("motdepasse-solide-123")
    page.get_by_role("button", name="Connexion").click()


def test_fill_self_assessment_see_kit_plan_actions_and_download_synthesis(page: Page, live_server, grids):
    establishment = EstablishmentFactory(ehpad=True, name="EHPAD Les Tilleuls")
    rssi = UserFactory(email="rssi@ehpad-tilleuls.fr")
    MembershipFactory(user=rssi, establishment=establishment, role=Role.RSSI)
    base = live_server.url
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    _log_in(page, base, rssi.email)

    # 1. Start the crisis-exercise self-assessment from the menu.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Évaluations").click()
    page.get_by_label("Grille").select_option(value=str(grids[EXERCISE].pk))
    page.get_by_role("button", name="Commencer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Auto-évaluation avant un exercice de crise cyber (kits ANS)"
    )
    expect(page.get_by_role("note")).to_contain_text("Grille illustrative : les 23 questions officielles")

    # 2. Each answer is saved as it is given (htmx), the progress follows.
    page.get_by_label("Oui, il y a plus d'un an").check()
    expect(page.locator("#crrc-progress")).to_contain_text("1 question(s) répondue(s) sur 3")
    # A colleague answers the next question while the page is open: our stale choice is refused, not lost silently.
    colleague = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    answer(Assessment.objects.get(), "identite-cellule-crise", "identite-cellule-crise-oui", user=colleague)
    crisis_cell = page.get_by_role("group", name="Une cellule de crise est-elle prévue dans votre organisation ?")
    crisis_cell.get_by_label("Non", exact=True).check()
    expect(crisis_cell.get_by_role("alert")).to_contain_text(f"modifiée par {colleague.email}")
    expect(crisis_cell.get_by_label("Oui", exact=True)).to_be_checked()
    crisis_cell.get_by_label("Non", exact=True).check()
    expect(crisis_cell).to_contain_text(f"enregistrée par {rssi.email}")
    expect(page.locator("#crrc-progress")).to_contain_text("2 question(s) répondue(s) sur 3")
    privileged = page.get_by_role("group", name=re.compile("utilisateurs disposant de privilèges"))
    privileged.get_by_label("Ils ne sont pas identifiés.").check()
    expect(privileged).to_contain_text(f"enregistrée par {rssi.email}")

    # 3. Resumable: reloading shows the saved answers.
    page.reload()
    expect(page.get_by_label("Ils ne sont pas identifiés.")).to_be_checked()

    # 4. Submit: the recommended kit and the recommendation.
    page.get_by_role("button", name="Soumettre l'évaluation").click()
    expect(page.get_by_role("heading", name=re.compile("Niveau : Kit débutant"))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Score par thème"))).to_contain_text("0 / 10 pts")
    recommendation = page.get_by_role(
        "checkbox", name=re.compile("Identifier les utilisateurs disposant de privilèges")
    )
    expect(recommendation).to_be_checked()

    # 5. Turn the recommendation into an action item.
    page.get_by_role("button", name="Ajouter au plan d'action").click()
    expect(page.get_by_text("Identifier les utilisateurs disposant de privilèges").first).to_be_visible()
    item = ActionItem.objects.get(plan__establishment=establishment)
    assert item.source_kind == "assessment_answer" and item.priority == "P1"

    # 6. Download the managerial synthesis (Celery runs eagerly in tests; WeasyPrint builds the PDF).
    page.go_back()
    page.reload()
    expect(page.get_by_text("déjà dans le plan d'action")).to_be_visible()
    page.get_by_role("button", name="Synthèse pour la direction (PDF)").click()
    download_link = page.get_by_role("link", name=re.compile("Télécharger"))
    expect(download_link).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        download_link.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download_info.value.suggested_filename.endswith("synthese-direction.pdf")
    assert not [e for e in console_errors if "Content Security Policy" in e or "Refused" in e], console_errors


def test_assessment_pages_have_no_axe_violation(axe_context, live_server, grids):
    establishment = EstablishmentFactory()
    director = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    draft = services.start_assessment(establishment, grids["monaidecyber-diagnostic"], director)
    answer(draft, "securite-infrastructure-pare-feu-deploye", "securite-infrastructure-pare-feu-deploye-oui")
    done = services.start_assessment(establishment, grids[EXERCISE], director)
    answer(done, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")
    services.submit_assessment(done, director)
    page = axe_context.new_page()
    _log_in(page, live_server.url, director.email)
    paths = ("/evaluations/", f"/evaluations/{draft.pk}/", f"/evaluations/{done.pk}/resultats/")
    findings = [v for path in paths for v in visit_and_check(page, live_server.url + path)]
    assert not findings, "\n".join(findings)
