"""Accessibility gate: axe-core (npm devDependency) run by Playwright on every page an establishment user sees.

Pages come from the URL patterns (``pages.member_pages``: every route built with the user's own objects that
answers HTML), plus allauth's log-in, sign-up and password-reset pages. Run ``npm ci`` first: axe-core is read
from ``node_modules``. The browser context bypasses the CSP only so that the axe script can be injected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from .pages import anonymous_pages, member_pages
from .world import build_world

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{url}: {v['id']} ({v['impact']}) {v['help']} → " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]


@pytest.fixture
def axe_context(browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (axe-core is a devDependency)")
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    yield context
    context.close()


def test_public_account_pages_have_no_axe_violation(live_server, axe_context):
    page = axe_context.new_page()
    findings = [v for url in anonymous_pages() for v in _violations(page, live_server.url + url)]
    assert not findings, f"{len(findings)} axe violation(s):\n" + "\n".join(findings)


def test_pages_of_an_establishment_user_have_no_axe_violation(live_server, axe_context):
    world = build_world()
    urls = member_pages(world)
    assert urls, "no page found for an establishment user"
    client = Client()
    client.force_login(world.a.director, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    axe_context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = axe_context.new_page()
    findings = [v for url in urls for v in _violations(page, live_server.url + url)]
    assert not findings, f"{len(findings)} axe violation(s) on {len(urls)} pages:\n" + "\n".join(findings)
