import os
import time

import pytest
from django.test.client import ClientMixin

# Playwright's sync API runs an event loop in the main thread; Django's ORM would otherwise refuse to run
# in the same thread during browser tests (test-only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium; Playwright never downloads a browser here."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


_django_login = ClientMixin._login


def _login_with_mfa_step(self, user, backend=None):
    """``force_login`` stands for a complete log-in, second factor included (allauth's record of an ``mfa`` step).

    The staff MFA rule reads the session's authentication records (``accounts.mfa``) and still sends a staff user
    with no authenticator to the set-up. Tests that need a session without the MFA step log in through the real
    forms, or use ``tests.conftest.force_login_password_only``.
    """
    _django_login(self, user, backend)
    if getattr(self, "_password_only", False):
        return
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = self.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


ClientMixin._login = _login_with_mfa_step


def force_login_password_only(client, user) -> None:
    """A session that passed the password step only (what Django's admin form used to open)."""
    client._password_only = True
    try:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    finally:
        client._password_only = False


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes uploads and PDFs into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def axe_context(browser):
    """A browser context for axe-core checks: CSP bypassed only so that the axe script can be injected."""
    from tests.browser import AXE

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (axe-core is a devDependency)")
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    yield context
    context.close()
