"""Whether *this session* went through a second factor, as allauth records it.

allauth keeps the steps of each log-in in the session (``account_authentication_methods``: ``password``,
``socialaccount``, ``mfa``…). Owning an authenticator proves nothing about the current session (a password-only
log-in through another door would still "have MFA"); the staff rule asks for an ``mfa`` step in this session.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

# Authenticators that prove possession of a second factor (recovery codes are a fallback, not a set-up).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def session_passed_mfa(request: HttpRequest, user) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def has_second_factor(user) -> bool:
    from establishments.selectors import scope_facts

    facts = scope_facts(user)  # the request's scope query also read the second factors
    if facts is not None:
        return facts.second_factor
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def record_mfa_on_activation(sender, request, user, authenticator, **kwargs) -> None:
    """Setting up TOTP or a security key checks a code from it: that session has passed a second factor."""
    if request is not None and authenticator.type in SECOND_FACTORS:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)
