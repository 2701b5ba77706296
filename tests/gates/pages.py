"""The pages an establishment user sees, found from the URL patterns (no hand-kept list).

Used by the accessibility, security and load gates: every gated route without arguments, plus every route built
with A's own objects, that answers 200 with HTML to A's director; and allauth's public pages.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from .urlwalk import Unresolvable, build_url, gated_routes
from .world import World

# allauth pages an establishment user meets (anonymous): log-in, sign-up, password reset.
ACCOUNT_PAGES = ("account_login", "account_signup", "account_reset_password")
# After log-in, allauth pages a member uses to manage their account.
ACCOUNT_PAGES_SIGNED_IN = ("account_email", "account_change_password", "mfa_index")


def logged_in_client(user, raise_request_exception: bool = True) -> Client:
    client = Client(raise_request_exception=raise_request_exception)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def member_pages(world: World, user=None) -> list[str]:
    """URLs (HTML, status 200) of the pages A's director sees, own objects in the URL."""
    user = user or world.a.director
    # A page that crashes is not "seen"; the isolation matrix and the app's own tests report crashes.
    client = logged_in_client(user, raise_request_exception=False)
    urls = [reverse(name) for name in ACCOUNT_PAGES_SIGNED_IN]
    for route in gated_routes():
        try:
            url = build_url(route, world.a)
        except Unresolvable:
            continue  # the isolation matrix reports unresolvable kwargs
        if url not in urls:
            urls.append(url)
    pages = []
    for url in urls:
        response = client.get(url)
        # htmx fragments (no <html> document) are parts of pages, checked within the page that loads them.
        if (
            response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and b"<html" in response.content[:2000].lower()
        ):
            pages.append(url)
    return pages


# The footer's public pages (legal notice, accessibility statement, personal data, contact).
FOOTER_PAGES = ("legal_notice", "accessibility", "privacy", "contact")


def anonymous_pages() -> list[str]:
    return [reverse("home"), *(reverse(name) for name in ACCOUNT_PAGES), *(reverse(name) for name in FOOTER_PAGES)]
