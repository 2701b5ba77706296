"""The whole AMI answer in headless Chromium: two members share the answer (autosave, resumed by the other),
the director submits it and downloads the PDF receipt; the pages pass axe-core."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from establishments.roles import Role
from offers import ami
from offers.models import Response, Subscription
from tests.browser import axe_violations, log_in
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, MembershipFactory, RegionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ami_world(db):
    region = RegionFactory(code="76", name="Occitanie")
    now = timezone.now()
    campaign = ami.build_campaign(
        region, opens_at=now - datetime.timedelta(days=2), closes_at=now + datetime.timedelta(days=20)
    )
    ehpad = EstablishmentFactory(ehpad=True, department=DepartmentFactory(code="09", region=region),
                                 name="EHPAD Les Tilleuls")  # fmt: skip
    rssi = MembershipFactory(establishment=ehpad, role=Role.RSSI).user
    director = MembershipFactory(establishment=ehpad, role=Role.DIRECTOR).user
    return {"campaign": campaign, "ehpad": ehpad, "rssi": rssi, "director": director}


def _context(browser, user, base):
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    log_in(context, user, base)
    return context


def test_two_members_answer_the_ami_and_the_director_submits(browser, live_server, ami_world):
    base = live_server.url
    campaign = ami_world["campaign"]
    violations = []

    rssi_context = _context(browser, ami_world["rssi"], base)
    page = rssi_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/offres/")
    expect(page.get_by_role("heading", name="Catalogue des offres du CRRC")).to_be_visible()
    violations += axe_violations(page, "catalogue")
    page.get_by_role("link", name="Répondre à la campagne").click()
    page.get_by_role("button", name="Répondre — EHPAD Les Tilleuls").click()
    expect(page.get_by_role("heading", name=campaign.title)).to_be_visible()

    # Choosing "both" saves at once and reveals the volume questions of both lots.
    page.get_by_label("OUI sur les deux").check()
    volume = page.get_by_label("Audits : nombre estimé de prestations par an")
    expect(volume).to_be_visible()
    volume.fill("2,5")
    volume.blur()
    expect(page.locator("#q-audit_volume")).to_contain_text("nombre entier")
    page.get_by_label("Audits : nombre estimé de prestations par an").fill("2")
    page.get_by_label("Audits : dépense annuelle estimée (non engageante, € TTC)").click()
    expect(page.locator("#q-audit_volume")).to_contain_text("Enregistré.")
    page.get_by_label("Audits : dépense annuelle estimée (non engageante, € TTC)").fill("15000")
    page.get_by_label("Exercices de crise : nombre estimé d'exercices par an").click()
    expect(page.locator("#q-audit_spend")).to_contain_text("Enregistré.")
    page.get_by_label("Exercices de crise : nombre estimé d'exercices par an").fill("1")
    page.locator("#q-community_join").get_by_label("Oui").check()
    expect(page.get_by_label("Nom", exact=True).first).to_be_visible()  # the contacts appear once "Oui" is saved
    expect(page.locator("#q-exercise_volume")).to_contain_text("Dernière modification")
    expect(page.get_by_text("Seul un directeur de l'établissement peut transmettre")).to_be_visible()
    violations += axe_violations(page, "answer (RSSI)")
    rssi_context.close()

    response = Response.objects.get(campaign=campaign, establishment=ami_world["ehpad"])
    assert {a.question.code: a.value for a in response.answers.select_related("question")} == {
        "framework": "both", "audit_volume": 2, "audit_spend": "15000.00", "exercise_volume": 1,
        "community_join": True,
    }  # fmt: skip

    director_context = _context(browser, ami_world["director"], base)
    page = director_context.new_page()
    page.goto(f"{base}/offres/reponse/{response.pk}/")
    expect(page.get_by_label("Audits : nombre estimé de prestations par an")).to_have_value("2")  # resumed
    page.get_by_label("Nom", exact=True).first.fill("Garcia")
    page.get_by_label("Prénom", exact=True).first.fill("Léa")
    page.get_by_label("Fonction", exact=True).first.fill("Référente informatique")
    page.get_by_label("E-mail", exact=True).first.fill("lea.garcia@tilleuls.example")
    page.get_by_label("E-mail", exact=True).first.press("Tab")
    expect(page.locator("#q-community_contacts")).to_contain_text("Enregistré.")
    page.locator("#q-awareness_join").get_by_label("Non").check()
    expect(page.locator("#q-awareness_join")).to_contain_text("Enregistré.")
    page.get_by_role("button", name="Transmettre la réponse").click()
    expect(page.get_by_text("Réponse transmise au CRRC")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger : Accusé de réception du positionnement (PDF)")).to_be_visible()
    violations += axe_violations(page, "answer (director, submitted)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger : Accusé de réception du positionnement (PDF)").click()
    assert download.value.suggested_filename.startswith("accuse-reception-AMI-")
    page.goto(f"{base}/offres/mes-offres/")
    expect(page.get_by_role("cell", name="Communauté régionale des RSSI", exact=True)).to_be_visible()
    violations += axe_violations(page, "mes offres")
    director_context.close()

    kinds = set(Subscription.objects.filter(establishment=ami_world["ehpad"]).values_list("offer__kind", flat=True))
    assert kinds == {"audit_framework", "exercise_framework", "community"}
    community = Subscription.objects.get(establishment=ami_world["ehpad"], offer__kind="community")
    assert community.contacts[0]["email"] == "lea.garcia@tilleuls.example"
    assert not violations, "\n".join(violations)


def test_order_and_staff_pages_pass_axe(browser, live_server, ami_world):
    from offers import services
    from offers.services import LineInput
    from tests.establishments.factories import StaffAssignmentFactory

    from .conftest import FULL_ANSWER, with_mfa
    from .factories import AgreementFactory, AwardeeFactory, BeneficiaryFactory, LotFactory, PriceItemFactory

    base = live_server.url
    campaign, ehpad, director = ami_world["campaign"], ami_world["ehpad"], ami_world["director"]
    response = services.start_response(campaign, ehpad, director)
    services.save_answers(response, director, FULL_ANSWER)
    services.submit_response(response, director)
    agreement = AgreementFactory(region=ehpad.region, campaign=campaign)
    BeneficiaryFactory(agreement=agreement, establishment=ehpad)
    lot = LotFactory(agreement=agreement, number=1, max_amount=10000)
    awardee = AwardeeFactory(lot=lot)
    price = PriceItemFactory(awardee=awardee)
    order = services.create_order(ehpad, director, agreement=agreement, lot=lot, awardee=awardee,
                                  lines=[LineInput(price.pk, 9)], requested_start=timezone.localdate(),
                                  requested_end=timezone.localdate(), legal_commitment="EJ-1")  # fmt: skip
    services.advance_order(order, "issue", director)
    staff = with_mfa(StaffAssignmentFactory(region=ehpad.region).user)
    violations = []
    context = _context(browser, director, base)
    page = context.new_page()
    for url in (
        order.get_absolute_url(),
        f"/offres/bons-de-commande/nouveau/{agreement.pk}/",
        "/offres/bons-de-commande/",
    ):
        page.goto(base + url)
        violations += axe_violations(page, url)
    context.close()
    context = _context(browser, staff, base)
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (f"/offres/equipe/campagne/{campaign.pk}/reponses/", f"/offres/equipe/campagne/{campaign.pk}/besoins/",
                agreement.get_absolute_url(), "/offres/equipe/accords-cadres/"):  # fmt: skip
        page.goto(base + url)
        violations += axe_violations(page, url)
    page.goto(base + agreement.get_absolute_url())
    expect(page.get_by_text("alerte 80 %")).to_be_visible()
    context.close()
    assert not violations, "\n".join(violations)
