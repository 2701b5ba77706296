"""Establishment side of the offers: catalogue, "Mes offres", the campaign answer and the purchase orders.

Views stay thin: reads through ``offers.selectors`` and ``get_for_user_or_404`` (another tenant's object is a 404),
writes through ``offers.services`` whose French messages are shown next to the field or at the top of the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crrc.ids import parse_id
from crrc.tenancy import get_for_user_or_404
from establishments.selectors import member_establishments

from . import answers as answer_values
from . import documents, selectors, services
from .forms import NotesForm, OrderForm, OrderStepForm
from .models import (
    PLACE_HOLDING_STATES,
    Campaign,
    Offer,
    OfferDocument,
    OrderState,
    PurchaseOrder,
    QuestionKind,
    Response,
    Subscription,
    SubscriptionState,
)

# ---- catalogue --------------------------------------------------------------------------------------------------


def _chosen_establishment(request: HttpRequest):
    establishments = list(member_establishments(request.user).select_related("region").order_by("name")[:200])
    chosen = None
    wanted = request.GET.get("etablissement")
    if wanted and wanted.isdigit():
        chosen = next((e for e in establishments if e.pk == int(wanted)), None)
    return establishments, chosen or (establishments[0] if establishments else None)


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    establishments, establishment = _chosen_establishment(request)
    if establishment is None and selectors.staff_regions_exist(request.user):
        offers = list(
            selectors.visible_offers(request.user).with_places().select_related("region").prefetch_related("documents")
        )
    else:
        offers = selectors.catalogue(request.user, establishment)
    taken = {}
    if establishment is not None:
        taken = {s.offer_id: s for s in Subscription.objects.for_user(request.user).filter(establishment=establishment)}
    rows = [{"offer": o, "subscription": taken.get(o.pk), "module_url": selectors.module_url(o.kind)} for o in offers]
    campaigns = (
        list(Campaign.objects.filter(region=establishment.region_id).order_by("-opens_at")[:3]) if establishment else []
    )
    return render(
        request,
        "offers/catalogue.html",
        {"rows": rows, "establishments": establishments, "establishment": establishment, "campaigns": campaigns},
    )


@require_GET
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(selectors.visible_offers(request.user).with_places().select_related("region"), pk=pk)
    subscriptions = list(
        Subscription.objects.for_user(request.user).filter(offer=offer).select_related("establishment")[:20]
    )
    return render(
        request,
        "offers/detail.html",
        {
            "offer": offer,
            "subscriptions": subscriptions,
            "module_url": selectors.module_url(offer.kind),
            "documents": list(offer.documents.all()),
        },  # fmt: skip
    )


@require_GET
def offer_document(request: HttpRequest, pk: int) -> FileResponse:
    """Streamed to the people who may see the offer; never by a public media URL."""
    document = get_object_or_404(OfferDocument.objects.filter(offer__in=selectors.visible_offers(request.user)), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def subscriptions(request: HttpRequest) -> HttpResponse:
    qs = selectors.subscriptions_for(request.user).filter(establishment__in=member_establishments(request.user))
    page = Paginator(qs.order_by("establishment__name", "offer__title"), 50).get_page(request.GET.get("page"))
    withdrawable = set(selectors.ordering_establishments(request.user).values_list("pk", flat=True))
    rows = [
        {"subscription": s, "module_url": selectors.module_url(s.offer.kind),
         "can_withdraw": s.establishment_id in withdrawable and s.state != SubscriptionState.WITHDRAWN}
        for s in page
    ]  # fmt: skip
    return render(request, "offers/subscriptions.html", {"rows": rows, "page": page})


@require_POST
def withdraw_subscription(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_for_user_or_404(Subscription.objects.select_related("offer"), request.user, pk=pk)
    try:
        services.apply_subscription(subscription, "withdraw", request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Inscription retirée."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("offers:subscriptions")


# ---- campaign and answer -----------------------------------------------------------------------------------------


@require_GET
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.visible_campaigns(request.user).select_related("region"), pk=pk)
    establishments = list(selectors.answering_establishments(request.user, campaign).order_by("name")[:200])
    responses = {
        r.establishment_id: r
        for r in Response.objects.filter(campaign=campaign, establishment__in=[e.pk for e in establishments])
    }
    rows = [{"establishment": e, "response": responses.get(e.pk)} for e in establishments]
    offers = list(campaign.offers.with_places())
    return render(
        request,
        "offers/campaign.html",
        {"campaign": campaign, "rows": rows, "offers": offers,
         "is_staff": selectors.is_crrc_staff(request.user, campaign.region_id)},
    )  # fmt: skip


@require_POST
def start_response(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.visible_campaigns(request.user), pk=pk)
    establishment = get_object_or_404(
        selectors.answering_establishments(request.user, campaign), pk=parse_id(request.POST.get("establishment")) or 0
    )
    try:
        response = services.start_response(campaign, establishment, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(campaign)
    return redirect(response)


def _response(request: HttpRequest, pk: int) -> Response:
    return get_for_user_or_404(
        Response.objects.select_related("campaign__region", "establishment", "submitted_by"), request.user, pk=pk
    )


def _groups(response: Response, values: dict, errors: dict | None = None, raw: dict | None = None,
            saved: set | None = None) -> list[dict]:  # fmt: skip
    """Questions grouped by offer, each with its current value, its input values and its error."""
    errors, raw, saved = errors or {}, raw or {}, saved or set()
    answers = {a.question_id: a for a in response.answers.select_related("updated_by")}
    groups: dict[int, dict] = {}
    questions = list(response.campaign.questions.select_related("offer__region").order_by("order", "pk"))
    parents = {q.depends_on_id for q in questions if q.depends_on_id}
    for question in questions:
        groups.setdefault(question.offer_id, {"offer": question.offer, "items": []})
        if not answer_values.is_shown(question, values):
            continue
        value = values.get(question.pk)
        item = {
            "question": question,
            "value": value,
            "display": answer_values.display(question, value),
            "answer": answers.get(question.pk),
            "error": errors.get(question.code),
            "saved": question.code in saved,
            "has_dependents": question.pk in parents,
            "input": raw.get(question.code, _input_value(question, value)),
        }
        if question.kind == QuestionKind.CONTACTS:
            typed = raw.get(question.code)
            contacts = list(value or [])
            blank = dict.fromkeys(answer_values.CONTACT_FIELDS, "")
            item["contacts"] = [
                {"index": i, **blank, **(contacts[i] if i < len(contacts) else {})}
                for i in range(question.max_contacts)
            ]
            if isinstance(typed, dict):  # refused: show what was typed, nothing is lost
                for row in item["contacts"]:
                    for name in answer_values.CONTACT_FIELDS:
                        row[name] = typed.get(f"{question.code}__{row['index']}__{name}", "")
        groups[question.offer_id]["items"].append(item)
    _mark_places(response, groups)
    return list(groups.values())


def _mark_places(response: Response, groups: dict[int, dict]) -> None:
    """Places left on the offers that have a capacity, and whether this establishment already holds one: a full offer
    it does not hold says so before the director submits (two queries, only when an offer has a capacity)."""
    limited = [pk for pk, group in groups.items() if group["offer"].capacity is not None]
    if not limited:
        return
    taken = dict(Offer.objects.filter(pk__in=limited).with_places().values_list("pk", "places_taken"))
    held = set(
        Subscription.objects.filter(
            establishment=response.establishment_id, offer__in=limited, state__in=PLACE_HOLDING_STATES
        ).values_list("offer_id", flat=True)
    )
    for pk in limited:
        offer = groups[pk]["offer"]
        offer.places_taken = taken.get(pk, 0)
        groups[pk]["full_for_us"] = offer.is_full and pk not in held


def _input_value(question, value) -> str:
    if value is None:
        return ""
    if question.kind == QuestionKind.YES_NO:
        return "yes" if value else "no"
    return str(value) if question.kind != QuestionKind.CONTACTS else ""


def _response_context(request: HttpRequest, response: Response, **kwargs) -> dict:
    values = services.answer_values_by_question(response) | kwargs.get("overlay", {})
    editable = response.campaign.is_open() and selectors.may_edit_response(request.user, response)
    return {
        "response": response,
        "campaign": response.campaign,
        "groups": _groups(response, values, kwargs.get("errors"), kwargs.get("raw"), kwargs.get("saved")),
        "editable": editable,
        "can_submit": editable and selectors.may_submit_response(request.user, response),
        "missing": services.missing_answers(response) if editable else [],
        "receipt": documents.latest_receipt(response),
        "receipt_kind": documents.RECEIPT,
        "closed": not response.campaign.is_open(),
    }


@require_GET
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = _response(request, pk)
    return render(request, "offers/response.html", _response_context(request, response))


def _raw_value(request: HttpRequest, question):
    if question.kind == QuestionKind.CONTACTS:
        return {k: v for k, v in request.POST.items() if k.startswith(f"{question.code}__")}
    return request.POST.get(question.code, "")


@require_POST
def save_response(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx autosave of one question (``field``), or the whole form at once (without JavaScript)."""
    response = _response(request, pk)
    questions = {q.code: q for q in response.campaign.questions.all()}
    code = request.POST.get("field")
    if code:
        question = questions.get(code)
        if question is None:
            raise Http404
        raw = {code: _raw_value(request, question)}
    else:
        raw = {c: _raw_value(request, q) for c, q in questions.items() if c in request.POST or
               any(k.startswith(f"{c}__") for k in request.POST)}  # fmt: skip
    try:
        result = services.save_answers(response, request.user, raw)
    except ValidationError as error:
        if request.htmx:
            context = _response_context(request, response, errors={code or "": " ".join(error.messages)})
            context["page_error"] = " ".join(error.messages)
            return render(request, "offers/response.html#form", context)
        messages.error(request, " ".join(error.messages))
        return redirect(response)
    shown_raw = {c: v for c, v in raw.items() if c in result.errors}
    # Nothing was written when a value is refused: show every value as typed, so that nothing typed is lost.
    overlay = {}
    for code, value in raw.items():
        if result.errors and code not in result.errors and code in questions:
            overlay[questions[code].pk] = answer_values.parse(questions[code], value)
    context = _response_context(
        request, response, errors=result.errors, raw=shown_raw, saved=result.saved, overlay=overlay
    )
    if request.htmx:
        return render(request, "offers/response.html#form", context)
    if result.errors:
        messages.warning(request, _("Rien n'a été enregistré : corrigez les réponses signalées."))
        return render(request, "offers/response.html", context, status=400)
    messages.success(request, _("Réponse enregistrée."))
    return redirect(response)


@require_POST
def submit_response(request: HttpRequest, pk: int) -> HttpResponse:
    response = _response(request, pk)
    try:
        services.submit_response(response, request.user)
        messages.success(
            request,
            _("Réponse transmise au CRRC. L'accusé de réception (PDF) est en cours de préparation ci-dessous."),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(response)


# ---- purchase orders ------------------------------------------------------------------------------------------------


@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    qs = selectors.orders_for(request.user).filter(establishment__in=member_establishments(request.user))
    state = request.GET.get("etat", "")
    if state in OrderState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    agreements = list(
        selectors.visible_agreements(request.user)
        .filter(
            beneficiaries__establishment__in=selectors.ordering_establishments(request.user),
            beneficiaries__removed_by__isnull=True,
            notified_on__isnull=False,
        )  # fmt: skip
        .distinct()
    )
    return render(
        request,
        "offers/orders.html",
        {"page": page, "agreements": agreements, "states": OrderState.choices, "state": state},
    )


def _order_form(request, agreement, data=None) -> OrderForm:
    establishments = selectors.ordering_establishments(request.user).filter(
        pk__in=agreement.beneficiaries.filter(removed_by__isnull=True).values("establishment_id")
    )
    if selectors.is_crrc_staff(request.user, agreement.region_id):
        from establishments.models import Establishment

        establishments = Establishment.objects.filter(
            pk__in=agreement.beneficiaries.filter(removed_by__isnull=True).values("establishment_id")
        )
    return OrderForm(data, agreement=agreement, establishments=establishments.order_by("name"))


def new_order(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = get_object_or_404(selectors.visible_agreements(request.user), pk=agreement_pk)
    if not _order_form(request, agreement).fields["establishment"].queryset.exists():
        raise Http404  # neither a director of a beneficiary nor the region's CRRC staff
    if request.method == "POST":
        form = _order_form(request, agreement, request.POST)
        form.is_valid()
        data = form.cleaned_data
        if not form.errors.get("establishment") and data.get("establishment"):
            try:
                order = services.create_order(
                    data["establishment"],
                    request.user,
                    agreement=agreement,
                    lot=data.get("lot"),
                    awardee=data.get("awardee"),
                    lines=form.lines(),
                    requested_start=data.get("requested_start"),
                    requested_end=data.get("requested_end"),
                    deliverables=data.get("deliverables", ""),
                    choice_reason=data.get("choice_reason", ""),
                    legal_commitment=data.get("legal_commitment", ""),
                )
            except ValidationError as error:
                _attach_errors(form, error)
            else:
                messages.success(
                    request, _("Bon de commande %(ref)s enregistré en brouillon.") % {"ref": order.reference}
                )
                return redirect(order)
        status = 400
    else:
        form, status = _order_form(request, agreement), 200
    return render(request, "offers/order_form.html", {"form": form, "agreement": agreement}, status=status)


def _attach_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages_ in error.message_dict.items():
        if key.startswith("line_"):
            form.add_error(f"item_{key.split('_')[1]}", messages_)
        elif key in form.fields:
            form.add_error(key, messages_)
        else:
            form.add_error(None, messages_)


def _order(request: HttpRequest, pk: int) -> PurchaseOrder:
    return get_for_user_or_404(
        PurchaseOrder.objects.select_related("agreement__region", "lot", "awardee__provider", "establishment"),
        request.user,
        pk=pk,
    )


def _order_context(request, order, step_form=None) -> dict:
    from .workflows import ORDER_WORKFLOW

    return {
        "order": order,
        "lines": list(order.lines.all()),
        "log": list(order.transitions.select_related("by")),
        "available": ORDER_WORKFLOW.available(order, request.user),
        "step_form": step_form or OrderStepForm(initial={"legal_commitment": order.legal_commitment}),
        "notes_form": NotesForm(initial={"delay_note": order.delay_note, "quality_note": order.quality_note}),
        "penalty": order.penalty(),
        "days_late": order.days_late(),
        "State": OrderState,
    }


@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return render(request, "offers/order.html", _order_context(request, order))


@require_POST
def order_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from .workflows import ORDER_WORKFLOW

    order = _order(request, pk)
    if action not in ORDER_WORKFLOW.transitions:
        raise Http404
    form = OrderStepForm(request.POST)
    if not form.is_valid():
        return render(request, "offers/order.html", _order_context(request, order, form), status=400)
    version = request.POST.get("version")
    try:
        services.advance_order(
            order,
            action,
            request.user,
            data={k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
            reason=form.cleaned_data.get("reason", ""),
            expected_version=int(version) if version and version.isdigit() else None,
        )
        messages.success(request, _("Bon de commande mis à jour."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(order)


@require_POST
def order_notes(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = NotesForm(request.POST)
    form.is_valid()
    try:
        services.save_order_notes(
            order, request.user, **{k: form.cleaned_data.get(k, "") for k in ("delay_note", "quality_note")}
        )
        messages.success(request, _("Remarques enregistrées."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(order)
