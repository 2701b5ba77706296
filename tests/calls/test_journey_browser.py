"""Applicant journeys through the two demo calls in headless Chromium (the review helper adds the reviewer side)."""

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from calls import services
from calls.models import Application, Call
from calls.workflow import State
from establishments.roles import Role
from tests.establishments.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    MembershipFactory,
    RegionFactory,
    UserFactory,
)

from .factories import PDF_BYTES, crrc_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def demo(db):
    idf = RegionFactory(code="11", name="Île-de-France")
    ara = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    paris = DepartmentFactory(code="75", region=idf)
    ain = DepartmentFactory(code="01", region=ara)
    # The demo's own applicants and sample applicants take these; the journeys use establishments of their own.
    EstablishmentFactory(department=paris, finess="750000481", name="CHNO des Quinze-Vingts")
    EstablishmentFactory(department=paris, finess="750000499", name="CH Sainte-Anne")
    EstablishmentFactory(ehpad=True, department=ain, finess="010784312", name="EHPAD Émile Pélicand")
    EstablishmentFactory(ehpad=True, department=ain, finess="010788024", name="EHPAD La Montagne")
    allier = DepartmentFactory(code="03", region=ara)
    EstablishmentFactory(ehpad=True, department=allier, finess="030780944", name="EHPAD de Cosne-d'Allier")
    hospital = EstablishmentFactory(department=paris, name="CH des Lilas")
    ehpad = EstablishmentFactory(ehpad=True, department=ain, name="EHPAD Les Mûriers")
    call_command("demo_calls")
    return {
        "idf": Call.objects.open_at().get(region=idf),
        "ara": Call.objects.open_at().get(region=ara),
        "hospital": hospital,
        "ehpad": ehpad,
    }


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.locator("#id_password").fill("motdepasse-solide-123")
    page.get_by_role("button", name="Connexion").click()


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def _docx(name: str) -> dict:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return {
        "name": name,
        "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "buffer": buffer.getvalue(),
    }


def _answer_choice(page: Page, code: str, label: str) -> None:
    field = page.locator(f"#field-{code}")
    field.get_by_label(label, exact=True).check()
    expect(page.locator(f"#field-{code}")).to_contain_text("Enregistré.")


def _answer_text(page: Page, code: str, value: str) -> None:
    page.locator(f"#id_q_{code}").fill(value)
    page.locator(f"#id_q_{code}").press("Tab")
    expect(page.locator(f"#field-{code}")).to_contain_text("Enregistré.")


def _upload(page: Page, call: Call, code: str, file: dict, expect_text: str = "Pièce déposée.") -> None:
    document = call.documents.get(code=code)
    row = page.locator(f"#document-{document.pk}")
    row.locator("input[type=file]").set_input_files(file)
    row.locator("button[type=submit]").click()
    expect(page.locator(f"#document-{document.pk}")).to_contain_text(expect_text)


def test_idf_crisis_exercise_from_application_to_invoice(page: Page, live_server, demo):
    call, hospital = demo["idf"], demo["hospital"]
    director = UserFactory(email="direction@ch-lilas.fr")
    MembershipFactory(user=director, establishment=hospital, role=Role.DIRECTOR)
    base = live_server.url
    console_errors: list[str] = []
    # Console errors (CSP violations, htmx errors) and failed page requests; the browser's own /favicon.ico
    # probe is not a page request and only shows as a console "Failed to load resource".
    page.on(
        "console",
        lambda msg: (
            console_errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("response", lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    _log_in(page, base, director.email)

    page.get_by_role("link", name="Appels à projets").first.click()
    page.get_by_role("link", name=call.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(call.title)
    expect(page.locator("#eligibility").locator("xpath=..")).to_contain_text("Établissement de santé")
    page.get_by_role("button", name="Commencer une candidature pour CH des Lilas").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier")
    expect(page.locator("#where").locator("xpath=..")).to_contain_text("Brouillon")

    today = timezone.localdate()
    _answer_choice(page, "grille_remplie", "Oui")
    _answer_choice(page, "risk_level", "Intermédiaire")
    _answer_choice(page, "bon_commande_passe", "Oui")
    _answer_text(page, "montant_commande", "6480")
    _answer_text(page, "date_exercice", (today + datetime.timedelta(days=45)).isoformat())
    _answer_text(page, "date_opssies", (today - datetime.timedelta(days=20)).isoformat())
    _upload(page, call, "grille", _pdf("grille-auto-evaluation.pdf"))
    _upload(page, call, "bon_commande", _pdf("bon-de-commande.pdf"))

    page.reload()  # the draft is resumable: everything is still there
    expect(page.locator("#id_q_montant_commande")).to_have_value("6480")
    expect(page.get_by_role("link", name="bon-de-commande.pdf")).to_be_visible()
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.locator(".messages")).to_contain_text("Dossier déposé")
    expect(page.locator("#where").locator("xpath=..")).to_contain_text("En construction")
    expect(page.locator("#pdfs").locator("xpath=..")).to_contain_text("Accusé de réception")

    application = Application.objects.get(call=call, establishment=hospital)
    staff = crrc_staff(call.region)
    services.start_instruction(application, staff)
    services.accept(application, staff)
    page.reload()
    expect(page.locator("#where").locator("xpath=..")).to_contain_text("Accepté")
    expect(page.locator("#where").locator("xpath=..")).to_contain_text("déposez le justificatif de service fait")

    page.get_by_role("button", name="Déclarer le service fait").click()
    expect(page.locator(".messages")).to_contain_text("Pièce obligatoire manquante")
    _upload(page, call, "compte_rendu", _pdf("compte-rendu-exercice.pdf"))
    page.get_by_role("button", name="Déclarer le service fait").click()
    expect(page.locator("#where").locator("xpath=..")).to_contain_text("Service fait")
    _upload(page, call, "facture", _pdf("facture.pdf"))
    page.get_by_role("button", name="Transmettre la facture").click()
    expect(page.locator("#where").locator("xpath=..")).to_contain_text("Facture déposée")
    application.refresh_from_db()
    assert application.state == State.FACTURE_DEPOSEE
    assert application.granted_amount == 4000
    assert console_errors == []  # no CSP violation, no htmx error, no failed request


def test_ara_diagnostic_or_exercise_with_a_refused_upload(page: Page, live_server, demo):
    call, ehpad = demo["ara"], demo["ehpad"]
    director = UserFactory(email="direction@ehpad-muriers.fr")
    MembershipFactory(user=director, establishment=ehpad, role=Role.DIRECTOR)
    base = live_server.url
    _log_in(page, base, director.email)

    page.goto(f"{base}{call.get_absolute_url()}")
    expect(page.get_by_text("Première relève")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger le modèle").first).to_be_visible()
    page.get_by_role("button", name="Commencer une candidature pour EHPAD Les Mûriers").click()

    page.locator("#field-preferred_kind").get_by_label("Exercice de crise cyber").check()
    expect(page.locator("#field-preferred_kind")).to_contain_text("Enregistré.")
    _answer_choice(page, "referent_cyber", "Oui")
    _answer_choice(page, "diagnostic_anterieur", "Non")
    _answer_choice(page, "risk_level", "Faible")
    _answer_text(page, "attentes", "Disponibles le mardi.")

    # A renamed executable is refused by its content; the rest of the draft stays.
    _upload(
        page,
        call,
        "note_motivation",
        {"name": "note.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 64},
        expect_text="n'est pas reconnu",
    )
    _upload(page, call, "note_motivation", _docx("note-de-motivation.docx"))
    _upload(page, call, "lettre_engagement", _pdf("lettre-engagement-signee.pdf"))
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.locator(".messages")).to_contain_text("Dossier déposé")

    application = Application.objects.get(call=call, establishment=ehpad)
    assert application.state == State.EN_CONSTRUCTION
    assert application.preferred_kind.code == "exercice"
    assert application.cutoff is not None and application.cutoff.label == "Première relève"
    assert application.answers.get(question__code="attentes").value == "Disponibles le mardi."
