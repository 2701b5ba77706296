"""allauth pages in the portal's layout (Bootstrap, French, CSP-safe) and MFA enforced for staff."""

import html
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from establishments.roles import Role, StaffKind

from .factories import EstablishmentFactory, MembershipFactory, StaffAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-123"
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _assert_csp_safe(page: str) -> None:
    """Every <script> is a file, a JSON data block, or carries the nonce; no style attribute, no <style>."""
    for attrs in SCRIPT.findall(page):
        assert "src=" in attrs or 'type="application/json"' in attrs or "nonce=" in attrs, attrs
    assert " style=" not in page
    assert "<style" not in page


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_login", "Connexion"),
        ("account_signup", "Création de compte"),
        ("account_reset_password", "Réinitialisation du mot de passe"),
    ],
)
def test_public_account_pages_use_the_portal_layout(client, url_name, heading):
    response = client.get(reverse(url_name))
    page = _text(response)
    assert response.status_code == 200
    assert "Aller au contenu" in page  # skip link from base.html
    assert 'class="container py-4 crrc-entrance"' in page
    assert heading in page
    assert 'class="form-control' in page
    assert "Content-Security-Policy" in response.headers
    _assert_csp_safe(page)


def test_login_page_loads_the_passkey_script_as_files(client):
    page = _text(client.get(reverse("account_login")))
    assert "/static/mfa/js/webauthn.js" in page
    assert "/static/account/js/onload.js" in page
    assert 'data-allauth-onload="allauth.webauthn.forms.loginForm"' in page


def test_login_errors_show_summary_and_field_error(client):
    page = _text(client.post(reverse("account_login"), {"login": "nobody@example.org", "password": "faux"}))
    assert 'id="form-errors"' in page
    assert "alert-danger" in page


def test_signup_errors_are_next_to_the_field(client):
    page = _text(client.post(reverse("account_signup"), {"email": "pas-un-email", "password1": "x", "password2": "x"}))
    assert 'aria-describedby="id_email_error"' in page
    assert 'id="id_email_error"' in page
    assert "is-invalid" in page


def test_no_oidc_button_when_not_configured(client):
    page = _text(client.get(reverse("account_login")))
    assert "ProConnect" not in page
    assert "Pro Santé Connect" not in page


def test_oidc_button_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "proconnect",
                    "name": "ProConnect",
                    "client_id": "client",
                    "secret": "secret",
                    "settings": {"server_url": "https://proconnect.example.org"},
                }
            ]
        }
    }
    page = _text(client.get(reverse("account_login")))
    assert "Se connecter avec ProConnect" in page
    assert "Pro Santé Connect" not in page


# --- MFA ---------------------------------------------------------------------------------------------------------


def _reauthenticate(client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def _activate_totp(client) -> None:
    """Through allauth's own pages: verified e-mail + re-authentication, then the code from the session secret."""
    _reauthenticate(client)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    page = _text(response)
    _assert_csp_safe(page)
    assert "data:image/svg+xml;base64" in page
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302, _text(response)
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).exists()


def _staff_client(client, kind=StaffKind.CRRC_STAFF):
    assignment = StaffAssignmentFactory(kind=kind)
    client.force_login(assignment.user, backend="django.contrib.auth.backends.ModelBackend")
    return assignment


@pytest.mark.parametrize("kind", [StaffKind.CRRC_STAFF, StaffKind.ARS_REVIEWER])
def test_staff_without_mfa_is_sent_to_mfa_setup_on_every_page(client, kind):
    assignment = _staff_client(client, kind)
    establishment = EstablishmentFactory(department__region=assignment.region)
    for url in (
        reverse("establishments:mine"),
        reverse("establishments:claim"),
        reverse("establishments:home", args=[establishment.pk]),
        reverse("establishments:members", args=[establishment.pk]),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


def test_staff_with_totp_gets_through(client):
    assignment = _staff_client(client)
    establishment = EstablishmentFactory(department__region=assignment.region)
    _activate_totp(client)
    assert client.get(reverse("establishments:mine")).status_code == 200
    # Staff see their region's establishment read-only: no management link.
    page = _text(client.get(reverse("establishments:home", args=[establishment.pk])))
    assert establishment.name in page
    assert "Inviter un collègue" not in page


def test_members_are_not_forced_into_mfa(client):
    membership = MembershipFactory(role=Role.DIRECTOR)
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("establishments:mine")).status_code == 200


def test_mfa_pages_render_in_the_account_layout(client):
    user = UserFactory()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = _text(client.get(reverse("mfa_index")))
    assert "crrc-manage" in page and "Double authentification" in page
    _activate_totp(client)
    for name in ("mfa_index", "mfa_view_recovery_codes", "mfa_add_webauthn", "mfa_list_webauthn", "account_email"):
        _reauthenticate(client)
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        page = _text(response)
        _assert_csp_safe(page)
        assert "Aller au contenu" in page
    webauthn = _text(client.get(reverse("mfa_add_webauthn")))
    assert "/static/mfa/js/webauthn.js" in webauthn
    assert 'data-allauth-onload="allauth.webauthn.forms.addForm"' in webauthn


def test_mfa_setup_page_assets_are_not_redirected(client):
    """The set-up page's own stylesheet must not bounce to the set-up page (that would replace the TOTP secret)."""
    assignment = _staff_client(client)
    response = client.get(reverse("branding_css", args=[assignment.region.code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    _reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    client.get(reverse("branding_css", args=[assignment.region.code]))
    client.get("/favicon.ico")
    assert client.session["mfa.totp.secret"] == secret


def test_signup_confirmation_mail_is_signed_by_the_portal(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {"email": "nouvelle@example.org", "password1": PASSWORD + "x", "password2": PASSWORD + "x"},
    )
    body = mailoutbox[-1].body
    assert body.startswith("Bonjour,")
    assert "L'équipe du Portail CRRC" in body or "L'équipe du CRRC" in body
    assert "/accounts/confirm-email/" in body
    assert "<<UNDEFINED" not in body


def test_staff_set_up_mfa_right_after_logging_in_without_a_second_password_then_continue(client):
    """Log in with the password, be sent to the set-up, scan, save the codes, « Continuer » → the page asked for."""
    assignment = StaffAssignmentFactory()
    user = assignment.user
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("calls_review:index"))
    assert response.url == reverse("mfa_activate_totp")
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200, response.get("Location")  # not the reauthentication page
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.url == reverse("mfa_view_recovery_codes")
    page = _text(client.get(response.url))
    assert f'href="{reverse("mfa_continue")}"' in page and "Continuer" in page
    response = client.get(reverse("mfa_continue"))
    assert response.url == reverse("calls_review:index")


def test_continue_never_leaves_the_site(client):
    user = UserFactory()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["crrc_mfa_setup_next"] = "https://evil.example/"
    session.save()
    assert client.get(reverse("mfa_continue")).url == reverse("home")
