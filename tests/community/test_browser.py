"""The member's journey in headless Chromium: join (the CRRC approves in its own browser), upload a document, start
a discussion, register to an event, change one's notification level; then axe-core on every community page, at
desktop and phone width."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community import services
from community.models import Member, Registration
from community.selectors import viewer_for
from establishments.roles import StaffKind
from tests.browser import axe_violations, log_in
from tests.establishments.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    MembershipFactory,
    RegionFactory,
    StaffAssignmentFactory,
)

from .factories import PDF, EventFactory, PollFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    region = RegionFactory(code="76", name="Occitanie")
    department = DepartmentFactory(code="31", region=region, name="Haute-Garonne")
    space = services.create_space(region, "Communauté RSSI Occitanie")
    establishment = EstablishmentFactory(department=department, name="CH de Muret")
    user = MembershipFactory(establishment=establishment, user__first_name="Léa", user__last_name="Durand").user
    staff = StaffAssignmentFactory(region=region, kind=StaffKind.CRRC_STAFF).user
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})  # MFA set up
    event = EventFactory(space=space, title="Webinaire sauvegardes", capacity=1)
    return {"space": space, "user": user, "staff": staff, "event": event, "establishment": establishment}


def test_member_journey(page, live_server, world, tmp_path):
    space, user = world["space"], world["user"]
    base = live_server.url
    log_in(page.context, user, base)

    page.goto(f"{base}/communaute/")
    page.get_by_role("link", name="Demander à rejoindre").click()
    page.get_by_label("Message pour l'équipe du CRRC (facultatif)").fill("RSSI du CH de Muret")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_text("Votre demande est envoyée")).to_be_visible()
    member = Member.objects.get(user=user, space=space)
    # The CRRC team approves the request from its members page, in its own browser.
    staff_page = page.context.browser.new_context(locale="fr-FR").new_page()
    log_in(staff_page.context, world["staff"], base)
    staff_page.goto(f"{base}/communaute/espace/{space.pk}/membres/")
    staff_page.get_by_role("button", name="Approuver").click()
    expect(staff_page.get_by_text("Demande approuvée.")).to_be_visible()
    staff_page.context.close()
    member.refresh_from_db()
    assert member.is_active

    page.goto(f"{base}/communaute/")
    page.get_by_role("link", name=space.name).click()
    page.get_by_role("link", name="Déposer un document").first.click()
    page.get_by_label("Dossier").select_option(label="Guides bonnes pratiques")
    page.get_by_label("Titre").fill("Guide de sauvegarde 3-2-1")
    file = tmp_path / "sauvegarde.pdf"
    file.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(file))
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_role("heading", name="Guide de sauvegarde 3-2-1")).to_be_visible()

    page.get_by_role("link", name="En discuter").click()
    page.get_by_label("Sujet").fill("Retour d'expérience sauvegardes")
    page.get_by_label("Message").fill("Qui a testé une restauration complète ?")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_text("Document concerné")).to_be_visible()

    page.get_by_role("link", name="Agenda").click()
    page.get_by_role("link", name="Webinaire sauvegardes").click()
    page.get_by_role("button", name="M'inscrire").click()
    expect(page.get_by_text("Le lien de connexion est ci-dessus")).to_be_visible()
    assert Registration.objects.get(user=user).state == "confirmed"

    page.get_by_role("link", name="Mon profil et mes notifications").click()
    page.get_by_label("Élevé : un e-mail pour chaque nouveauté").check()
    page.get_by_role("button", name="Enregistrer mon niveau").click()
    expect(page.get_by_text("Votre niveau de notification est enregistré.")).to_be_visible()
    member.refresh_from_db()
    assert member.level == "high"


@pytest.mark.parametrize("width", [1280, 390])
def test_community_pages_have_no_axe_violation(live_server, axe_context, world, width):
    space, user = world["space"], world["user"]
    member = Member.objects.create(space=space, user=user, establishment=world["establishment"], state="active",
                                   joined_at=timezone.now())  # fmt: skip
    v = viewer_for(user, space)
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = services.upload_document(v, space.folders.get(name="A classer"), SimpleUploadedFile("a.pdf", PDF), "Doc")
    thread = services.start_thread(v, "Sujet", "Texte", document)
    poll = PollFactory(space=space)
    assert member.is_active
    log_in(axe_context, user, live_server.url)
    page = axe_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    urls = [
        "/communaute/",
        space.get_absolute_url(),
        f"/communaute/espace/{space.pk}/documents/",
        f"/communaute/espace/{space.pk}/documents/deposer/",
        document.folder.get_absolute_url(),
        document.get_absolute_url(),
        f"/communaute/espace/{space.pk}/discussions/",
        thread.get_absolute_url(),
        f"/communaute/espace/{space.pk}/agenda/",
        world["event"].get_absolute_url(),
        f"/communaute/espace/{space.pk}/sondages/",
        f"/communaute/espace/{space.pk}/sondages/nouveau/",
        poll.get_absolute_url(),
        f"/communaute/espace/{space.pk}/annuaire/",
        f"/communaute/espace/{space.pk}/mon-profil/",
        "/communaute/niveau/lien-falsifie/",
    ]
    findings = []
    for url in urls:
        page.goto(live_server.url + url)
        findings += axe_violations(page, url)
    assert not findings, "\n".join(findings)
