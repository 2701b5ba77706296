"""The establishment sheet ("fiche établissement"): profile, members with their roles, participations.

Participations come from the same providers as the establishment's home page (``establishments.participation``):
each app's section is printed with its own template, so a new module appears on the sheet without editing it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

from establishments.selectors import active_memberships

from .registry import Document, register

logger = logging.getLogger(__name__)

ESTABLISHMENT_SHEET = "establishment_sheet"
# Sections never printed on the sheet: the documents section lists the sheet itself.
SKIPPED_SECTIONS = {"documents"}


def _requester_request(report):
    """A stand-in request for the participation providers, which scope their reads to ``request.user``."""
    request = HttpRequest()
    request.method = "GET"
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host and not host.startswith(".")]
    request.META.update({"HTTP_HOST": hosts[0] if hosts else "localhost", "SERVER_PORT": "443"})
    request.htmx = HtmxDetails(request)  # providers may branch on request.htmx like the views do
    request.user = report.requested_by or AnonymousUser()
    return request


def _participations(report) -> list[dict]:
    try:
        from establishments import participation
    except ImportError:  # the onboarding app has no participation registry: profile and members only
        return []
    request = _requester_request(report)
    printed = []
    for section in participation.registered_sections():
        if section.key in SKIPPED_SECTIONS:
            continue
        if section.builtin:
            printed.append({"key": section.key, "title": section.title, "html": "", "empty": True})
            continue
        try:
            data = section.context(request, report.establishment) or {}
            html = render_to_string(
                section.template,
                {
                    "section": section,
                    "data": data,
                    "establishment": report.establishment,
                    "request": request,
                    "user": request.user,
                    "is_print": True,
                },
            )
            printed.append({"key": section.key, "title": section.title, "html": html, "empty": False})
        except Exception:  # one broken module must not cost every establishment its sheet
            logger.exception("Participation section %s could not be printed", section.key)
            printed.append({"key": section.key, "title": section.title, "html": "", "empty": False, "error": True})
    return printed


def build_establishment_sheet(report) -> Document:
    establishment = report.establishment
    members = list(active_memberships(establishment).order_by("role", "user__last_name", "user__email"))
    participations = _participations(report)
    return Document(
        template_name="reports/establishment_sheet.html",
        context={
            "establishment": establishment,
            "members": members,
            "participations": [item for item in participations if not item["empty"]],
            "without_participation": [item["title"] for item in participations if item["empty"]],
        },
        filename=f"fiche-etablissement-{establishment.finess}.pdf",
        title=str(_("Fiche établissement")),
    )


register(ESTABLISHMENT_SHEET, _("Fiche établissement"), build_establishment_sheet)
