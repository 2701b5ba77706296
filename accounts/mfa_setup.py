"""MFA set-up without detours: no second password prompt right after logging in, and a way on after the codes.

* allauth asks for the password again ("reauthentication") before any MFA change, even seconds after the log-in
  that just checked it. ``AccountAdapter`` treats a log-in within ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` as recent
  enough, which is what allauth's reauthentication itself grants after a re-entered password.
* When staff are sent to the set-up (``crrc.middleware.StaffMfaRequiredMiddleware``), the page they asked for is
  kept in the session; the recovery-codes page ends with « Continuer », which leads there (``continue_after_setup``).
"""

import time

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

SESSION_KEY = "crrc_mfa_setup_next"


def logged_in_recently(request: HttpRequest | None) -> bool:
    """The session's last authentication (password, MFA code, passkey, OIDC) is within the reauthentication window."""
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if not records:
        return False
    return time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT


def remember_destination(request: HttpRequest) -> None:
    """Keep the page a user was going to when sent to the MFA set-up (GET pages only)."""
    if request.method == "GET" and not request.headers.get("HX-Request"):
        request.session[SESSION_KEY] = request.get_full_path()


def destination(request: HttpRequest) -> str:
    target = request.session.get(SESSION_KEY, "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") and not target.startswith("/accounts/") else reverse("home")


@require_GET
def continue_after_setup(request: HttpRequest) -> HttpResponse:
    """« Continuer » on the recovery-codes page: back to where the user was going (else the home page)."""
    target = destination(request)
    request.session.pop(SESSION_KEY, None)
    return redirect(target)
