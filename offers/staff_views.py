"""CRRC staff's daily pages: the answers of a campaign (filters, reminders, exports), the needs per lot, and the
framework agreements with their beneficiaries, lots, awardees, orders and consumption.

Every object is fetched through the staff member's regions (``selectors.staff_*``): another region's campaign or
agreement is a 404. ARS reviewers read the same pages; only CRRC staff send reminders or pass amendments.
"""

from __future__ import annotations

import csv
import hashlib

import tablib
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crrc.exports import safe_cell as _cell
from establishments.models import Department, EstablishmentCategory

from . import answers as answer_values
from . import selectors, services
from .forms import AmendmentForm, AnswersFilterForm
from .models import Answer, Response

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _staff_campaign(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.staff_campaigns(request.user).select_related("region"), pk=pk)


def _filter_form(request: HttpRequest, campaign) -> AnswersFilterForm:
    return AnswersFilterForm(
        request.GET or None,
        departments=Department.objects.filter(region=campaign.region_id).order_by("code"),
        categories=EstablishmentCategory.objects.filter(establishments__region=campaign.region_id)
        .distinct()
        .order_by("code"),
    )


def _answer_rows(campaign, filters: dict):
    responses = Response.objects.filter(campaign=campaign, establishment=OuterRef("pk"))
    return selectors.campaign_answers(campaign, filters).annotate(
        response_id=Subquery(responses.values("pk")[:1]),
        submitted_at=Subquery(responses.values("submitted_at")[:1]),
        response_updated_at=Subquery(responses.values("updated_at")[:1]),
    )


@require_GET
def campaign_answers(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _staff_campaign(request, pk)
    form = _filter_form(request, campaign)
    filters = form.filters()
    page = Paginator(_answer_rows(campaign, filters), 50).get_page(request.GET.get("page"))
    # Unfiltered, the pager has already counted the region's establishments; both response counts in one query.
    unfiltered = not any(filters.values())
    totals = {
        "establishments": page.paginator.count if unfiltered else selectors.campaign_answers(campaign, {}).count(),
        **Response.objects.filter(campaign=campaign).aggregate(
            answered=Count("pk", filter=Q(submitted_at__isnull=False)), started=Count("pk")
        ),
    }
    totals["missing"] = totals["establishments"] - totals["answered"]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "offers/staff/answers.html",
        {"campaign": campaign, "form": form, "page": page, "totals": totals, "query": query.urlencode(),
         "can_remind": selectors.is_crrc_staff(request.user, campaign.region_id) and campaign.is_open()},
    )  # fmt: skip


@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _staff_campaign(request, pk)
    try:
        count = services.send_reminders(campaign, request.user)
        messages.success(request, _("Relance envoyée à %(n)s établissement(s) sans réponse transmise.") % {"n": count})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("offers:staff_answers", pk=campaign.pk)


def _export_table(campaign, filters):
    questions = list(campaign.questions.select_related("offer").order_by("order", "pk"))
    headers = [_("FINESS"), _("Établissement"), _("Département"), _("Secteur"), _("Catégorie"), _("Transmise le")]
    headers += [f"{q.offer.title} – {q.label}" for q in questions]
    establishments = _answer_rows(campaign, filters)

    def rows():
        for chunk_start in range(0, establishments.count(), 1000):
            chunk = list(establishments[chunk_start : chunk_start + 1000])
            response_ids = [e.response_id for e in chunk if e.response_id]
            values: dict[int, dict[int, object]] = {}
            for response_id, question_id, value in Answer.objects.filter(response_id__in=response_ids).values_list(
                "response_id", "question_id", "value"
            ):
                values.setdefault(response_id, {})[question_id] = value
            for e in chunk:
                own = values.get(e.response_id, {})
                yield [
                    _cell(e.finess), _cell(e.name), _cell(e.department.code), _cell(e.sector),
                    _cell(e.category.code if e.category else ""),
                    _cell(timezone.localtime(e.submitted_at).strftime("%d/%m/%Y %H:%M") if e.submitted_at else ""),
                ] + [_cell(answer_values.display(q, own.get(q.pk))) for q in questions]  # fmt: skip

    return [str(h) for h in headers], rows()


class _Echo:
    def write(self, value):
        return value


@require_GET
def export_answers(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    campaign = _staff_campaign(request, pk)
    headers, rows = _export_table(campaign, _filter_form(request, campaign).filters())
    filename = f"reponses-campagne-{campaign.pk}.{fmt}"
    if fmt == "csv":
        writer = csv.writer(_Echo(), delimiter=";")
        stream = (writer.writerow(row) for row in _with_headers(headers, rows))
        response = StreamingHttpResponse(("\ufeff", *stream), content_type=FORMATS["csv"])
    else:
        dataset = tablib.Dataset(headers=headers, title="Réponses")
        for row in rows:
            dataset.append(row)
        response = HttpResponse(dataset.export("xlsx"), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_headers(headers, rows):
    yield headers
    yield from rows


@require_GET
def needs(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _staff_campaign(request, pk)
    summary = selectors.campaign_needs_summary(campaign)
    lots = {}
    signature = []
    for agreement in campaign.agreements.filter(region=campaign.region_id).prefetch_related("lots"):
        for lot in agreement.lots.all():
            if lot.need_key:
                lots.setdefault(lot.need_key, []).append(lot)
                signature.append((lot.pk, lot.need_key, lot.number, lot.title))
    for key in summary.keys:
        key["lots"] = lots.get(key["key"], [])
    # The tables (hundreds of formatted lines at national scale, most of the page's CPU) are cached as rendered
    # under the needs' own key (see ``selectors.campaign_needs_summary``) plus the lots shown in the headings and
    # the language (in the template): whatever changes the figures or the lots changes the fragment's key.
    lots_key = hashlib.sha256(repr(signature).encode()).hexdigest()[:16]
    return render(
        request,
        "offers/staff/needs.html",
        {"campaign": campaign, "keys": summary.keys, "answered": summary.answered,
         "fragment_key": f"{summary.cache_key}:{lots_key}", "fragment_seconds": selectors.NEEDS_CACHE_SECONDS},
    )  # fmt: skip


@require_GET
def export_needs(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _staff_campaign(request, pk)
    dataset = tablib.Dataset(
        headers=[_("Besoin (clé de lot)"), _("Département"), _("Secteur"), _("Établissements"),
                 _("Volume annuel estimé"), _("Dépense annuelle estimée (€)")],
        title="Besoins",
    )  # fmt: skip
    for key in selectors.needs_by_key(selectors.campaign_needs(campaign)):
        for line in key["lines"]:
            dataset.append([_cell(key["key"]), _cell(line["department"]), _cell(line["sector"]),
                            line["establishments"], _cell(line["volume"]), _cell(line["spend"])])  # fmt: skip
    response = HttpResponse(dataset.export("xlsx"), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="besoins-campagne-{campaign.pk}.xlsx"'
    return response


# ---- agreements ------------------------------------------------------------------------------------------------------


@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    items = list(selectors.staff_agreements(request.user).select_related("region").prefetch_related("lots"))
    campaigns = list(selectors.staff_campaigns(request.user).select_related("region")[:10])
    return render(request, "offers/staff/agreements.html", {"agreements": items, "campaigns": campaigns})


def _staff_agreement(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.staff_agreements(request.user).select_related("region", "campaign"), pk=pk)


@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _staff_agreement(request, pk)
    beneficiaries = agreement.beneficiaries.select_related("establishment__department", "added_by", "removed_by")
    orders = agreement.orders.select_related("establishment", "lot", "awardee__provider").order_by("-number")
    state = request.GET.get("etat", "")
    if state:
        orders = orders.filter(state=state)
    return render(
        request,
        "offers/staff/agreement.html",
        {
            "agreement": agreement,
            "beneficiaries": Paginator(beneficiaries, 100).get_page(request.GET.get("b")),
            "beneficiary_count": beneficiaries.filter(removed_by__isnull=True).count(),
            "lots": list(agreement.lots.prefetch_related("awardees__provider", "awardees__prices")),
            "consumption": selectors.lot_consumption(agreement),
            "by_awardee": list(selectors.awardee_consumption(agreement)),
            "orders": Paginator(orders, 50).get_page(request.GET.get("page")),
            "amendments": list(agreement.amendments.select_related("created_by")),
            "amend_form": AmendmentForm(agreement=agreement),
            "can_amend": selectors.is_crrc_staff(request.user, agreement.region_id) and bool(agreement.notified_on),
            "today": timezone.localdate(),
        },
    )


@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _staff_agreement(request, pk)
    if not selectors.is_crrc_staff(request.user, agreement.region_id):
        raise Http404
    form = AmendmentForm(request.POST, agreement=agreement)
    if form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.amend(
                agreement,
                request.user,
                signed_on=data["signed_on"],
                reason=data["reason"],
                changes=data["changes"],
                add=[(e, data["add_firm_only"]) for e in data["add"]],
                remove=data["remove"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(amendment)s enregistré.") % {"amendment": amendment})
            return redirect(agreement)
    messages.error(request, _("L'avenant n'a pas été enregistré : corrigez les champs signalés."))
    return render(request, "offers/staff/amend.html", {"agreement": agreement, "form": form}, status=400)


@require_GET
def export_consumption(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _staff_agreement(request, pk)
    book = tablib.Databook()
    lots = tablib.Dataset(
        headers=[_("Lot"), _("Maximum (€ HT)"), _("Commandé"), _("Service fait"), _("Facturé"), _("Payé"),
                 _("Reste"), _("Part du maximum (%)"), _("Bons")],
        title="Lots",
    )  # fmt: skip
    for row in selectors.lot_consumption(agreement):
        lots.append([_cell(str(row["lot"])), _cell(row["lot"].max_amount), _cell(row["ordered"]),
                     _cell(row["delivered"]), _cell(row["invoiced"]), _cell(row["paid"]), _cell(row["remaining"]),
                     row["share"], row["count"]])  # fmt: skip
    awardees = tablib.Dataset(
        headers=[_("Lot"), _("Titulaire"), _("Rang"), _("Commandé"), _("Service fait"), _("Payé"), _("Bons")],
        title="Titulaires",
    )
    for row in selectors.awardee_consumption(agreement):
        awardees.append([row["lot__number"], _cell(row["awardee__provider__name"]), row["awardee__rank"],
                         _cell(row["ordered"]), _cell(row["delivered"] or 0), _cell(row["paid"] or 0),
                         row["count"]])  # fmt: skip
    book.add_sheet(lots)
    book.add_sheet(awardees)
    response = HttpResponse(book.export("xlsx"), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="consommation-{agreement.reference}.xlsx"'
    return response
