"""The kinds of generated document, registered by the apps that own them.

An app declares each PDF it produces once, usually in its ``documents.py`` (autodiscovered when the reports app is
ready, in the web process and in every Celery worker)::

    from reports.registry import Document, register

    def build_receipt(report):
        application = Application.objects.get(pk=report.subject_id, call__establishment=report.establishment)
        return Document(
            template_name="calls/receipt_print.html",  # extends "reports/base_print.html"
            context={"application": application},
            filename=f"accuse-reception-{application.reference}.pdf",
            title="Accusé de réception",
        )

    register("call_receipt", _("Accusé de réception"), build_receipt, reuse_done_for=timedelta(days=365))

The builder runs in the worker, so it receives the ``Report`` (establishment, subject_id, requested_by) and reads
everything it needs from the database. ``check_access`` (optional) refines who may request and download a
document beyond "can see the establishment", e.g. a capability or the subject belonging to the establishment.

A regional document (``regional=True``: the ARS dashboard, the yearly summary of a CRRC) has no establishment: it
is requested with ``services.request_region_report(region, kind, user, parameters)``, stored with its region and
parameters, visible to its requester only (``ReportQuerySet.for_user``), and never offered to an establishment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from establishments.models import Establishment

    from .models import Report


class UnknownReportKind(LookupError):
    """No builder is registered under this kind."""


@dataclass(frozen=True)
class Document:
    """What a builder returns: the template to render, its context and the download file name."""

    template_name: str
    context: dict[str, Any]
    filename: str
    title: str = ""
    cover: bool = False  # render the ``cover`` block of base_print.html as a page of its own
    toc: bool = False  # render a table of contents from ``toc_entries`` (list of (anchor id, label))
    toc_entries: list[tuple[str, str]] = field(default_factory=list)


Builder = Callable[["Report"], Document]
AccessCheck = Callable[[Any, "Establishment", int | None], bool]


@dataclass(frozen=True)
class ReportKind:
    kind: str
    label: str
    builder: Builder
    check_access: AccessCheck | None = None
    # A done report younger than this is handed back instead of building a new one (immutable documents such
    # as receipts can set days; documents showing live data such as the establishment sheet keep 0).
    reuse_done_for: timedelta = timedelta(0)
    # Establishment-level documents (no subject) are offered on the establishment's documents page.
    needs_subject: bool = False
    # Regional documents (no establishment: the dashboard, the yearly summary) are requested with
    # ``services.request_region_report`` and never offered on an establishment's documents page.
    regional: bool = False

    def allows(self, user, establishment: Establishment, subject_id: int | None) -> bool:
        if self.needs_subject and subject_id is None:
            return False
        return self.check_access is None or bool(self.check_access(user, establishment, subject_id))


_REGISTRY: dict[str, ReportKind] = {}


def register(
    kind: str,
    label: str,
    builder: Builder,
    *,
    check_access: AccessCheck | None = None,
    reuse_done_for: timedelta = timedelta(0),
    needs_subject: bool = False,
    regional: bool = False,
) -> ReportKind:
    """Declare a document kind. Registering the same kind twice with another builder is a programming error."""
    if len(kind) > 60:
        raise ValueError(f"Report kind {kind!r} is longer than Report.kind (60).")
    existing = _REGISTRY.get(kind)
    if existing is not None and existing.builder is not builder:
        raise ValueError(f"Report kind {kind!r} is already registered by {existing.builder.__module__}.")
    entry = ReportKind(kind, label, builder, check_access, reuse_done_for, needs_subject, regional)
    _REGISTRY[kind] = entry
    return entry


def unregister(kind: str) -> None:
    """For tests that register throwaway kinds."""
    _REGISTRY.pop(kind, None)


def get(kind: str) -> ReportKind:
    try:
        return _REGISTRY[kind]
    except KeyError as exc:
        raise UnknownReportKind(kind) from exc


def kinds() -> list[ReportKind]:
    return sorted(_REGISTRY.values(), key=lambda entry: str(entry.label))


def establishment_kinds() -> list[ReportKind]:
    """Kinds about the establishment itself (no subject), offered on its documents page."""
    return [entry for entry in kinds() if not entry.needs_subject and not entry.regional]
