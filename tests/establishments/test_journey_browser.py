"""The onboarding journey in headless Chromium: sign up, verify the e-mail, claim, invite, accept, download."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from establishments.models import Invitation, Membership
from establishments.roles import Role

from .factories import EstablishmentFactory, VerifiedDomainFactory

PASSWORD = "Phare-Corail-2026!"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
INVITATION_LINK = re.compile(r"https?://\S+/etablissements/invitations/\S+/")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    """A French-speaking browser: the portal answers in the browser's language."""
    return {**browser_context_args, "locale": "fr-FR"}


def _last_link(pattern: re.Pattern, to: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            found = pattern.search(message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no link for {to} in {[(m.to, m.subject) for m in mail.outbox]}")


def _sign_up_and_verify(page: Page, base: str, email: str, from_login_page: bool = False) -> None:
    if from_login_page:
        # The log-in page's sign-up link keeps ``next``: allauth brings the user back there once verified.
        page.locator("main a[href^='/accounts/signup/']").first.click()
    else:
        page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Courriel").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérifiez votre adresse")
    page.goto(_last_link(CONFIRM_LINK, email))
    page.get_by_role("button", name="Confirmer").click()


def test_sign_up_claim_invite_accept_and_download(page: Page, live_server, browser):
    establishment = EstablishmentFactory(ehpad=True, name="EHPAD Les Glycines")
    # The CRRC verified the EHPAD's mail domain: its director's first claim needs no approval.
    VerifiedDomainFactory(establishment=establishment, domain="ehpad-glycines.fr")
    base = live_server.url
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    # 1. Sign up and verify the e-mail: allauth logs the user in and the portal shows "Mes établissements".
    _sign_up_and_verify(page, base, "directrice@ehpad-glycines.fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes établissements")

    # 2. Claim with a mistyped number first: the message says it is the check key.
    page.get_by_role("link", name="Rattacher mon établissement").first.click()
    wrong = establishment.finess[:8] + str((int(establishment.finess[8]) + 1) % 10)
    page.get_by_label("Numéro FINESS géographique de votre établissement").fill(wrong)
    page.get_by_role("button", name="Rattacher").click()
    expect(page.locator("#id_finess_error")).to_contain_text("clé de contrôle")
    expect(page.locator("#form-errors")).to_be_visible()
    page.get_by_label("Numéro FINESS géographique de votre établissement").fill(establishment.finess)
    page.get_by_role("button", name="Rattacher").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EHPAD Les Glycines")
    expect(page.get_by_text("Vous êtes maintenant directeur")).to_be_visible()

    # 3. Invite a colleague as RSSI.
    page.get_by_role("link", name="Inviter un collègue").click()
    page.get_by_label("Adresse e-mail professionnelle de votre collègue").fill("rssi@ehpad-glycines.fr")
    page.get_by_label("Rôle").select_option(Role.RSSI)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à rssi@ehpad-glycines.fr")).to_be_visible()
    invitation_link = _last_link(INVITATION_LINK, "rssi@ehpad-glycines.fr")

    # 4. The colleague, in a second browser, signs up with the invited address and accepts.
    colleague_context = browser.new_context(locale="fr-FR")
    colleague = colleague_context.new_page()
    colleague.goto(invitation_link)
    expect(colleague).to_have_url(re.compile(r"/accounts/login/"))
    _sign_up_and_verify(colleague, base, "rssi@ehpad-glycines.fr", from_login_page=True)
    # Verified and logged in, the colleague is back on the invitation.
    expect(colleague).to_have_url(re.compile(re.escape(urlsplit(invitation_link).path) + "$"))
    expect(colleague.get_by_text("EHPAD Les Glycines")).to_be_visible()
    colleague.get_by_role("button", name="Accepter l'invitation").click()
    expect(colleague.get_by_role("heading", level=1)).to_have_text("EHPAD Les Glycines")
    colleague_context.close()
    assert Membership.objects.get(user__email="rssi@ehpad-glycines.fr").role == Role.RSSI
    assert Invitation.objects.get().accepted_at is not None

    # 5. The director sees the colleague and changes the role inline (htmx), then downloads the sheet.
    page.goto(f"{base}/etablissements/{establishment.pk}/membres/")
    row = page.locator("tr", has_text="rssi@ehpad-glycines.fr")
    row.get_by_label(re.compile("Rôle de")).select_option(Role.AWARENESS_RELAY)
    row.get_by_role("button", name="Changer").click()
    expect(page.locator("tr", has_text="rssi@ehpad-glycines.fr").get_by_role("status")).to_contain_text(
        "Relais sensibilisation"
    )
    assert page.url.endswith("/membres/")  # swapped in place, no navigation

    page.goto(f"{base}/etablissements/{establishment.pk}/")
    sheet = page.locator("section", has=page.get_by_role("heading", name="Fiche établissement (PDF)"))
    sheet.get_by_role("button", name="Générer la fiche établissement").click()
    download_link = sheet.get_by_role("link", name=re.compile("Télécharger"))
    expect(download_link).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        download_link.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def _csp_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def test_passkey_scripts_run_under_the_csp(page: Page, live_server):
    """allauth's WebAuthn scripts are static files started by JSON data blocks: the CSP lets them run."""
    errors = _csp_errors(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_function("() => typeof window.allauth?.webauthn?.forms?.loginForm === 'function'")
    expect(page.get_by_role("button", name="Se connecter avec une clé d'accès")).to_be_visible()
    assert errors == []


def test_staff_member_sets_up_totp_in_the_browser(page: Page, live_server):
    """A CRRC staff member logging in is sent to the authenticator set-up, with its QR code, then gets through."""
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from .factories import StaffAssignmentFactory

    assignment = StaffAssignmentFactory(user__email="agent@crrc.example.org")
    errors = _csp_errors(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill("agent@crrc.example.org")
    page.locator("#id_password").fill("motdepasse-solide-123")
    page.get_by_role("button", name="Connexion").click()
    # The portal sends staff to the set-up, straight to the QR code: the log-in a moment ago is recent enough, the
    # password is not asked a second time (accounts.mfa_setup).
    expect(page.get_by_text("La double authentification est obligatoire")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.locator("img.crrc-qr")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    import time

    page.get_by_label("Code de l'authentificateur").fill(
        format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    )
    page.get_by_role("button", name="Activer").click()
    # After the recovery codes, « Continuer » leads on to the portal (the page asked for at log-in).
    page.get_by_role("link", name="Continuer").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    page.goto(f"{live_server.url}/etablissements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes établissements")
    assert assignment.user.authenticator_set.exists()
    assert errors == []
