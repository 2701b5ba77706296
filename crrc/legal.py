"""The footer's public pages: legal notice, accessibility statement, personal data, CRRC contact.

Each region edits its texts in the admin (``Region`` fields); a blank field shows the portal's default text, written
from the region's GRADeS, ARS and contact so that a new region ships with complete pages. Public: the pages must be
readable before logging in (``login_not_required``).
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from establishments.models import AccessibilityStatus, Region

from .context_processors import current_region

PAGES = {
    "legal_notice": "crrc/legal/notice.html",
    "accessibility": "crrc/legal/accessibility.html",
    "privacy": "crrc/legal/privacy.html",
    "contact": "crrc/legal/contact.html",
}


def _page(name: str):
    @login_not_required
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        # No region configured at all (a bare install): the default texts, without region details.
        region = current_region(request) or Region()
        return render(
            request,
            PAGES[name],
            {"region": region, "AccessibilityStatus": AccessibilityStatus, "legal_page": name},
        )

    view.__name__ = name
    view.__doc__ = f"Footer page « {name} » of the current region (public)."
    return view


legal_notice = _page("legal_notice")
accessibility = _page("accessibility")
privacy = _page("privacy")
contact = _page("contact")
