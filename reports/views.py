"""Request a document, follow its progress (htmx polling), download it. Every read is scoped to the user."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from crrc.ids import parse_id
from crrc.tenancy import get_for_user_or_404
from establishments.selectors import establishments_for

from . import registry
from .models import Report
from .participation import documents_context
from .services import BROKER_DOWN_MESSAGE, ReportNotAllowed, request_report

logger = logging.getLogger(__name__)


def _visible_report(request: HttpRequest, report_pk: int) -> Report:
    """The report if the user sees its establishment and its kind lets them; 404 otherwise, whoever's it is."""
    report = get_for_user_or_404(Report.objects.select_related("establishment", "region"), request.user, pk=report_pk)
    try:
        entry = registry.get(report.kind)
    except registry.UnknownReportKind:
        return report
    if report.establishment_id is None:
        return report  # regional: ``for_user`` kept it only for its requester, in one of their regions
    if entry.check_access is not None and not entry.check_access(request.user, report.establishment, report.subject_id):
        raise Http404
    return report


def _status_context(report: Report, **extra) -> dict:
    return {"report": report, **extra}


@require_POST
def request_document(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = get_object_or_404(establishments_for(request.user), pk=establishment_pk)
    kind = request.POST.get("kind", "")
    subject = request.POST.get("subject_id") or None
    subject_id = parse_id(subject) if subject is not None else None
    if subject is not None and subject_id is None:
        return HttpResponseBadRequest(_("Identifiant de l'objet concerné invalide."))
    try:
        report = request_report(establishment, kind, request.user, subject_id=subject_id)
    except registry.UnknownReportKind:
        return HttpResponseBadRequest(_("Type de document inconnu."))
    except ReportNotAllowed as exc:
        raise Http404 from exc
    report.refresh_from_db()  # eager mode (demo) has built it already
    if request.htmx:
        return render(request, "reports/status.html#status", _status_context(report))
    if report.enqueue_failed:
        messages.warning(request, BROKER_DOWN_MESSAGE)
    return redirect("reports:status", report_pk=report.pk)


@require_GET
@never_cache
def report_status(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = _visible_report(request, report_pk)
    if request.htmx:
        if request.GET.get("shown") == report.shown_state:
            # Nothing new: no swap, so screen readers are not told the same thing every two seconds.
            return HttpResponse(status=204)
        return render(request, "reports/status.html#status", _status_context(report))
    return render(request, "reports/status.html", _status_context(report))


@require_GET
@never_cache
def download(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = _visible_report(request, report_pk)
    if report.status != Report.Status.DONE or not report.file:
        messages.info(request, _("Ce document n'est pas encore prêt."))
        return redirect("reports:status", report_pk=report.pk)
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:
        logger.error("Report %s: file %s missing from storage", report.pk, report.file.name)
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=report.filename or "document.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def establishment_documents(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = get_object_or_404(establishments_for(request.user).select_related("region"), pk=establishment_pk)
    return render(
        request,
        "reports/establishment_documents.html",
        {"establishment": establishment, "data": documents_context(request, establishment, show_requests=True)},
    )
