"""Accessibility gate: axe-core (npm devDependency) run by Playwright on every page an establishment user sees.

Pages come from the URL patterns (``pages.member_pages``: every route built with the user's own objects that
answers HTML), plus allauth's log-in, sign-up and password-reset pages. Run ``npm ci`` first: axe-core is read
from ``node_modules``. The browser context bypasses the CSP only so that the axe script can be injected.
"""

from __future__ import annotations

import pytest

from tests.browser import log_in, visit_and_check

from .pages import anonymous_pages, member_pages
from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_account_pages_have_no_axe_violation(live_server, axe_context):
    page = axe_context.new_page()
    findings = [v for url in anonymous_pages() for v in visit_and_check(page, live_server.url + url)]
    assert not findings, f"{len(findings)} axe violation(s):\n" + "\n".join(findings)


def test_pages_of_an_establishment_user_have_no_axe_violation(live_server, axe_context):
    world = build_world()
    urls = member_pages(world)
    assert urls, "no page found for an establishment user"
    log_in(axe_context, world.a.director, live_server.url)
    page = axe_context.new_page()
    findings = [v for url in urls for v in visit_and_check(page, live_server.url + url)]
    assert not findings, f"{len(findings)} axe violation(s) on {len(urls)} pages:\n" + "\n".join(findings)


@pytest.mark.parametrize("role", ["crrc_staff_a", "ars_reviewer_a"])
def test_homes_and_dashboard_of_staff_and_reviewers_have_no_axe_violation(live_server, axe_context, role):
    """CRRC staff's work queue, the regional dashboard (charts and their tables) and the region's assessments."""
    from django.urls import reverse

    world = build_world()
    urls = [reverse("home"), reverse("dashboards:region"), reverse("dashboards:region") + "?departement=00"]
    urls.append(reverse("assessments:region"))
    log_in(axe_context, world.users[role], live_server.url)
    page = axe_context.new_page()
    findings = [v for url in urls for v in visit_and_check(page, live_server.url + url)]
    assert not findings, f"{len(findings)} axe violation(s) for {role}:\n" + "\n".join(findings)
