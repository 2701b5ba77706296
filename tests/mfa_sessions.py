"""Test and bench sessions that passed allauth's MFA step, as a real staff log-in does.

The staff MFA rule (``crrc.middleware``) reads allauth's authentication records in the session. ``force_login``
skips allauth, so ``install()`` (called by ``tests/conftest.py``) makes it record a complete log-in, second factor
included; ``mark_mfa_step`` does the same for a client the bench logs in outside pytest.
"""

from __future__ import annotations

import time

from django.test.client import ClientMixin

_django_login = ClientMixin._login


def mark_mfa_step(client, user) -> None:
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def _login_with_mfa_step(self, user, backend=None):
    """``force_login`` stands for a complete log-in, second factor included (allauth's record of an ``mfa`` step).

    A staff user with no authenticator is still sent to the set-up. Tests that need a session without the MFA step
    log in through the real forms, or use ``force_login_password_only``.
    """
    _django_login(self, user, backend)
    if not getattr(self, "_password_only", False):
        mark_mfa_step(self, user)


def install() -> None:
    ClientMixin._login = _login_with_mfa_step


def force_login_password_only(client, user) -> None:
    """A session that passed the password step only (what Django's admin form used to open)."""
    client._password_only = True
    try:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    finally:
        client._password_only = False
