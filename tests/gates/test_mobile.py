"""Phone gate (390 px wide, the width of a current phone): no page is wider than the screen, the menu collapses
behind a "Menu" button that opens it, and "Se déconnecter" stays on screen.

Pages: every page an establishment user sees (``pages.member_pages``, found from the URL patterns), the public
pages, and the reviewers' main pages for CRRC staff.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import log_in

from .pages import anonymous_pages, member_pages
from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > width + 1
                    && !(el.parentElement && el.parentElement.closest('.table-responsive, pre'))
                    && !el.closest('.visually-hidden, .visually-hidden-focusable, .collapse:not(.show)'); })
    .slice(-3).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.')
      + '[' + Math.round(el.getBoundingClientRect().right) + ']'
      + (el.parentElement ? '<' + el.parentElement.tagName.toLowerCase()
      + '.' + [...el.parentElement.classList].join('.') : ''));
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


def phone_problems(page, url: str) -> list[str]:
    page.goto(url)
    measure = page.evaluate(OVERFLOW)
    problems = []
    if measure["scroll"] > measure["width"]:
        problems.append(f"{url}: {measure['scroll']} px wide for {measure['width']} px ({', '.join(measure['wide'])})")
    logout = page.locator("form[action$='/logout/'] button")
    if logout.count():
        box = logout.bounding_box()
        if box is None or box["x"] + box["width"] > PHONE["width"]:
            problems.append(f"{url}: « Se déconnecter » off-screen ({box})")
    return problems


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    yield context
    context.close()


def test_public_pages_fit_a_phone(live_server, phone):
    page = phone.new_page()
    problems = [p for url in anonymous_pages() for p in phone_problems(page, live_server.url + url)]
    assert problems == [], "\n".join(problems)


def test_establishment_pages_fit_a_phone_and_the_menu_collapses(live_server, phone):
    world = build_world()
    urls = member_pages(world)
    log_in(phone, world.a.director, live_server.url)
    page = phone.new_page()
    problems = [p for url in urls for p in phone_problems(page, live_server.url + url)]
    assert problems == [], f"{len(problems)} page(s) of {len(urls)}:\n" + "\n".join(problems)
    # The menu: hidden behind its button, opened by it (Bootstrap's collapse script, served from static/).
    page.goto(live_server.url + reverse("establishments:mine"))
    menu_link = page.locator("#crrc-nav-items a", has_text="Plan d'action")
    toggler = page.get_by_role("button", name="Menu")
    assert toggler.is_visible() and not menu_link.is_visible()
    toggler.click()
    menu_link.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"


def test_reviewers_pages_fit_a_phone(live_server, phone):
    world = build_world()
    log_in(phone, world.users["crrc_staff_a"], live_server.url)
    page = phone.new_page()
    urls = [reverse("calls_review:index"), reverse("establishments:mine")]
    problems = [p for url in urls for p in phone_problems(page, live_server.url + url)]
    assert problems == [], "\n".join(problems)
