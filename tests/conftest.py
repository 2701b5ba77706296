import os

import pytest

from tests.mfa_sessions import install as install_mfa_sessions

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


# force_login records allauth's MFA step, as a complete staff log-in does (tests/mfa_sessions.py).
install_mfa_sessions()


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
