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


def _load_builtin_grids() -> None:
    """Get or load the three shipped grids: the loader is idempotent (same slug, version and content: unchanged)."""
    from assessments.loader import builtin_sources, load_grid_path
    from assessments.models import Grid

    if Grid.objects.filter(is_current=True, slug__in=BUILTIN_GRID_SLUGS).count() < len(BUILTIN_GRID_SLUGS):
        for source in builtin_sources():
            load_grid_path(source)


BUILTIN_GRID_SLUGS = ("monaidecyber-diagnostic", "anssi-guide-hygiene", "ans-autoevaluation-exercice-crise")


@pytest.fixture(scope="session")
def _builtin_grids(django_db_setup, django_db_blocker):
    """Load the shipped grids once per session, outside the tests' transactions (they are reference data)."""
    with django_db_blocker.unblock():
        _load_builtin_grids()


@pytest.fixture
def grids(_builtin_grids, db):
    """The shipped grids by slug, shared by every app's tests: never create a grid with one of their slugs by hand
    (``grid_one_current_version``); reloaded if a transactional test flushed them."""
    from assessments.models import Grid

    _load_builtin_grids()
    return {grid.slug: grid for grid in Grid.objects.filter(is_current=True, slug__in=BUILTIN_GRID_SLUGS)}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes uploads and PDFs into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _regions_read_afresh():
    """The branding's regions are kept per process (crrc.context_processors): each test starts from its own rows,
    not from a rolled-back test's."""
    from crrc.context_processors import forget_regions

    forget_regions()
    yield
    forget_regions()


@pytest.fixture
def axe_context(browser):
    """A browser context for axe-core checks: CSP bypassed only so that the axe script can be injected."""
    from tests.browser import AXE

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (axe-core is a devDependency)")
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    yield context
    context.close()
