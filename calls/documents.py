"""PDFs of the workflow, built by the reports pipeline: the receipt on submission, the decision letter on decision.

Autodiscovered by the reports app. Each PDF is a ``Report`` of the application's establishment with
``subject_id`` = application id, so the pipeline's own access checks (establishment visible to the user) apply, and
``check_access`` adds that the application really belongs to that establishment.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from reports.registry import Document, register

RECEIPT = "calls.receipt"
DECISION = "calls.decision"


def _application(report):
    from .models import Application

    return (
        Application.objects.select_related(
            "call", "call__region", "establishment", "attributed_kind", "preferred_kind", "cutoff"
        )
        .prefetch_related("answers__question", "attachments__document")
        .get(pk=report.subject_id, establishment=report.establishment)
    )


def _context(application) -> dict:
    return {
        "application": application,
        "call": application.call,
        "establishment": application.establishment,
        "answers": sorted(application.answers.all(), key=lambda a: (a.question.order, a.question.pk)),
        "attachments": [a for a in application.attachments.all() if a.is_current],
    }


def build_receipt(report) -> Document:
    application = _application(report)
    return Document(
        template_name="calls/pdf/receipt.html",
        context=_context(application),
        filename=f"accuse-de-reception-{application.reference}.pdf",
        title=str(_("Accusé de réception de candidature")),
    )


def build_decision(report) -> Document:
    application = _application(report)
    return Document(
        template_name="calls/pdf/decision.html",
        context=_context(application),
        filename=f"lettre-de-decision-{application.reference}.pdf",
        title=str(_("Lettre de décision")),
    )


def _belongs(user, establishment, subject_id) -> bool:
    from .models import Application

    return Application.objects.filter(pk=subject_id, establishment=establishment).exists()


register(
    RECEIPT, _("Accusé de réception de candidature"), build_receipt, check_access=_belongs,
    reuse_done_for=timedelta(days=3650), needs_subject=True,
)  # fmt: skip
register(DECISION, _("Lettre de décision"), build_decision, check_access=_belongs, needs_subject=True)


def request(kind: str, application, user) -> None:
    """Queued by the workflow on commit. The closing task (no user) asks on behalf of nobody: the pipeline needs a
    requester who can see the establishment, so such documents are requested by the applicant's creator."""
    from reports.services import request_report

    requester = user or application.created_by
    if requester is None:
        return
    request_report(application.establishment, kind, requester, subject_id=application.pk)


def latest(application, kind: str):
    from reports.models import Report

    return (
        Report.objects.filter(establishment_id=application.establishment_id, kind=kind, subject_id=application.pk)
        .order_by("-created_at")
        .first()
    )


def latest_of(application, *kinds: str) -> dict:
    """The latest report of each kind for the application, in one query (the page shows receipt and decision)."""
    from reports.models import Report

    found = dict.fromkeys(kinds)
    reports = Report.objects.filter(
        establishment_id=application.establishment_id, kind__in=kinds, subject_id=application.pk
    ).order_by("kind", "-created_at")
    for report in reports.distinct("kind"):
        found[report.kind] = report
    return found
