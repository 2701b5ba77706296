"""The "Documents" section of the establishment's home page: request the establishment-level documents and
download the latest ones. Registered into ``establishments.participation`` when the reports app is ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import registry
from .models import Report

RECENT_LIMIT = 5


def documents_context(request, establishment, show_requests: bool = False) -> dict:
    """Recent documents of the establishment; with ``show_requests`` the request blocks of its document kinds."""
    recent = list(
        Report.objects.for_user(request.user).filter(establishment=establishment).order_by("-created_at")[:RECENT_LIMIT]
    )
    latest = {}
    for report in recent:
        if report.subject_id is None:
            latest.setdefault(report.kind, report)
    return {
        "establishment": establishment,
        "requestable": [(entry, latest.get(entry.kind)) for entry in registry.establishment_kinds()]
        if show_requests
        else [],
        "recent": recent,
    }


def register_section() -> None:
    try:
        from establishments.participation import Section, register
    except ImportError:
        return
    register(
        Section(
            key="documents",
            title=_("Documents"),
            template="reports/participation.html#section",
            order=70,
            context=documents_context,
        )
    )
