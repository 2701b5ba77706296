"""Reviewer journeys in Chromium for the two demo calls (IDF AAP crisis exercise, ARA AAC diagnostic or exercise)."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import expect

from calls import services
from calls.models import Application, ProjectKind, RequiredDocument
from calls.workflow import State

from .conftest import pdf_upload
from .factories import CallFactory, DocumentFactory, editor_of
from .review_factories import reviewer_of, under_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    """A French reviewer's browser: amounts are shown as « 4 000,00 € »."""
    return {**browser_context_args, "locale": "fr-FR"}


def _login(page, live_server, user) -> None:
    """Staff log in with MFA; the journey starts from an authenticated session (the login itself is allauth's)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_idf_aap_review_accept_within_budget_then_service_done_invoice_paid(page, live_server):
    call = CallFactory(
        title="Financement d'un exercice de crise cyber – Île-de-France",
        funding_amount=Decimal("4000"),
        budget_envelope=Decimal("8000"),
    )
    service_proof = DocumentFactory(
        call=call, label="Attestation de service fait", phase=RequiredDocument.Phase.SERVICE_DONE
    )
    invoice = DocumentFactory(call=call, label="Facture", phase=RequiredDocument.Phase.INVOICE)
    application = under_review(
        call, state=State.EN_CONSTRUCTION, instruction_started_at=None, declared_risk_level="high",
        establishment__name="CHNO des Quinze-Vingts",
    )  # fmt: skip
    under_review(call, declared_risk_level="low", establishment__name="CH Sainte-Anne")
    editor = editor_of(application.establishment)
    _login(page, live_server, reviewer_of(call.region))

    page.goto(f"{live_server.url}/instruction/")
    page.get_by_role("link", name=call.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(call.title)
    rows = page.locator("tr[data-application]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("CHNO des Quinze-Vingts")  # higher declared risk ranks first

    page.get_by_role("link", name=re.compile(application.reference)).click()
    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.locator("[data-state]")).to_have_text("En instruction")

    page.get_by_label("Votre note de la motivation").select_option("5")
    page.get_by_role("button", name="Enregistrer ma note").click()
    expect(page.locator("[data-priority]")).to_contain_text("72")  # .4 × 2/3 + .3 × .5 + .3 × 1
    page.get_by_label("Nouvelle note (visible de l'équipe seulement)").fill("Bon de commande conforme.")
    page.get_by_role("button", name="Ajouter la note").click()
    expect(page.get_by_text("Bon de commande conforme.")).to_be_visible()

    page.get_by_label("Votre message").fill("Merci, nous instruisons votre dossier.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.locator("#messagerie")).to_contain_text("Merci, nous instruisons votre dossier.")

    page.get_by_label("Accepter").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("[data-state]")).to_have_text("Accepté")
    expect(page.locator('[data-budget="committed"]')).to_have_text("4\xa0000,00 €")
    expect(page.locator('[data-budget="remaining"]')).to_have_text("4\xa0000,00 €")

    # The applicant declares the service done and submits the invoice (their side has its own journey).
    services.upload_attachment(application, service_proof, pdf_upload("attestation.pdf"), editor)
    services.declare_service_done(application, editor)
    services.upload_attachment(application, invoice, pdf_upload("facture.pdf"), editor)
    services.submit_invoice(application, editor)

    page.reload()
    expect(page.locator("[data-state]")).to_have_text("Facture déposée")
    page.get_by_role("button", name="Marquer comme payé").click()
    expect(page.locator("[data-state]")).to_have_text("Payé")
    expect(page.locator('[data-budget="paid"]')).to_have_text("4\xa0000,00 €")
    assert Application.objects.get(pk=application.pk).paid_amount == Decimal("4000")


def test_ara_aac_reviewer_attributes_the_project_kind_and_decides(page, live_server):
    call = CallFactory(
        title="Diagnostic ou exercice de crise – Auvergne-Rhône-Alpes", kind="AAC", budget_envelope=Decimal("40000")
    )
    diagnostic = ProjectKind.objects.create(call=call, code="diagnostic", label="Diagnostic de cybersécurité", order=1)
    ProjectKind.objects.create(call=call, code="exercice", label="Exercice de crise cyber", order=2)
    application = under_review(call, preferred_kind=diagnostic, declared_risk_level="medium",
                               establishment__name="EHPAD Émile Pélicand")  # fmt: skip
    refused = under_review(call, preferred_kind=diagnostic, establishment__name="EHPAD La Montagne")
    _login(page, live_server, reviewer_of(call.region))

    page.goto(f"{live_server.url}/instruction/appel/{call.pk}/")
    page.get_by_role("link", name=re.compile(application.reference)).click()
    expect(page.locator("[data-preferred-kind]")).to_have_text("Diagnostic de cybersécurité")
    expect(page.get_by_text("Souhait du demandeur")).to_be_visible()
    page.get_by_label("Type de projet attribué").select_option(label="Exercice de crise cyber")
    page.get_by_role("button", name="Attribuer ce type").click()
    expect(page.locator("[data-attributed-kind]")).to_have_text("Exercice de crise cyber")

    page.get_by_label("Accepter").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("[data-state]")).to_have_text("Accepté")
    assert Application.objects.get(pk=application.pk).attributed_kind.code == "exercice"

    # The other one is refused from the list, in bulk, with a reason.
    page.goto(f"{live_server.url}/instruction/appel/{call.pk}/")
    page.get_by_label(f"Sélectionner {refused.establishment.name}").check()
    page.get_by_label("Action groupée").select_option("refuse")
    page.get_by_label("Motif").fill("Diagnostic déjà financé en 2025.")
    page.get_by_role("button", name="Appliquer aux dossiers cochés").click()
    expect(page.locator(f'[data-result="{refused.pk}"]')).to_contain_text("Fait")
    assert Application.objects.get(pk=refused.pk).state == State.REFUSE
