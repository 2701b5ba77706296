"""MFA is mandatory for staff, and checked per session.

A staff user without a second factor is sent to the set-up; one who has a second factor but whose session did not
pass it (a password-only log-in, a session opened before the rule) is sent to allauth's MFA step
(``mfa_reauthenticate``), then back to the page asked for.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.mfa import has_second_factor, session_passed_mfa
from accounts.mfa_setup import remember_destination
from establishments.selectors import is_staff_user, remember_per_request

# Paths a staff user without MFA may still reach: MFA set-up itself, logout, e-mail and password management,
# and the assets the set-up page itself loads. A redirected asset request (the region's stylesheet, the
# browser's favicon) would GET the TOTP set-up page again and replace the secret the user is scanning.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/branding/", "/favicon.ico")


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        remember_per_request(user)  # this request's user reads its scope once (establishments.selectors)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(ALLOWED_PREFIXES)
            or not is_staff_user(user)
        ):
            return self.get_response(request)
        if not has_second_factor(user):
            messages.warning(
                request,
                _(
                    "La double authentification est obligatoire pour l'équipe du CRRC et les référents ARS : "
                    "configurez-la pour continuer."
                ),
            )
            remember_destination(request)  # « Continuer » after the recovery codes leads back there
            return redirect(reverse("mfa_activate_totp"))
        if not session_passed_mfa(request, user):
            messages.warning(
                request, _("Confirmez votre connexion avec votre second facteur (code de l'application ou clé).")
            )
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class FrenchFirstLocaleMiddleware(LocaleMiddleware):
    """French unless the visitor chose another language with the switcher (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the portal is French first, so a
    browser set to English still gets French until its user asks for English.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        # Back to French for whatever this thread runs next (e-mails, commands): a visitor's choice stays theirs.
        translation.activate(settings.LANGUAGE_CODE)
        return response
