"""Every write of the offers, each in one transaction: bad input raises ``ValidationError`` (French message, per
field where there is one) before anything is written; e-mails, PDFs and the ``subscription_changed`` signal are
queued on commit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from establishments.models import Establishment

from . import answers as answer_values
from . import selectors
from .models import (
    PLACE_HOLDING_STATES,
    Agreement,
    Amendment,
    Answer,
    Awardee,
    Beneficiary,
    Campaign,
    Lot,
    Offer,
    OrderLine,
    OrderState,
    PriceItem,
    PurchaseOrder,
    QuestionKind,
    Response,
    Subscription,
    SubscriptionState,
    money,
)
from .signals import subscription_changed

LIVE_ORDER_STATES = [s for s in OrderState.values if s not in (OrderState.DRAFT, OrderState.CANCELLED)]


class OrderRefused(ValidationError):
    """A purchase order that may not be placed or issued, with the French reason."""


# ---- the campaign answer ------------------------------------------------------------------------------------------


def _closed_message(campaign: Campaign) -> str:
    now = timezone.now()
    if now < campaign.opens_at:
        return _("La campagne ouvre le %(date)s : la réponse n'est pas encore possible.") % {
            "date": date_format(timezone.localtime(campaign.opens_at), "DATETIME_FORMAT")
        }
    return _("La campagne est close depuis le %(date)s : la réponse n'est plus modifiable.") % {
        "date": date_format(timezone.localtime(campaign.closes_at), "DATETIME_FORMAT")
    }


def start_response(campaign: Campaign, establishment: Establishment, user) -> Response:
    """The establishment's shared answer, created the first time one of its editors opens it."""
    if not selectors.answering_establishments(user, campaign).filter(pk=establishment.pk).exists():
        raise ValidationError(_("Votre rôle ne permet pas de répondre pour cet établissement (directeur ou RSSI)."))
    existing = Response.objects.filter(campaign=campaign, establishment=establishment).first()
    if existing:
        return existing
    if not campaign.is_open():
        raise ValidationError(_closed_message(campaign))
    try:
        with transaction.atomic():
            return Response.objects.create(campaign=campaign, establishment=establishment, created_by=user)
    except IntegrityError:  # another member opened it at the same moment
        return Response.objects.get(campaign=campaign, establishment=establishment)


@dataclass
class SaveResult:
    saved: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)


def _questions(campaign: Campaign) -> list:
    return list(campaign.questions.select_related("offer", "depends_on").order_by("order", "pk"))


def save_answers(response: Response, user, raw: dict[str, object], *, all_or_nothing: bool = True) -> SaveResult:
    """Save the answers given by question code. Any bad value: nothing is written and each error is returned.

    Answers to questions that the new values hide (the audit volume once "NON" is chosen) are cleared, so the
    needs per lot never count a hidden answer.
    """
    campaign = response.campaign
    if not campaign.is_open():
        raise ValidationError(_closed_message(campaign))
    if not selectors.may_edit_response(user, response):
        raise ValidationError(_("Votre rôle ne permet pas de modifier cette réponse (directeur ou RSSI)."))
    questions = _questions(campaign)
    by_code = {q.code: q for q in questions}
    result = SaveResult()
    parsed: dict[str, object] = {}
    for code, value in raw.items():
        question = by_code.get(code)
        if question is None:
            result.errors[code] = _("Question inconnue.")
            continue
        try:
            parsed[code] = answer_values.parse(question, value)
        except ValidationError as exc:
            result.errors[code] = " ".join(exc.messages)
    if result.errors and all_or_nothing:
        return result
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        current = {a.question_id: a for a in locked.answers.all()}
        for code, value in parsed.items():
            question = by_code[code]
            answer = current.get(question.pk)
            if answer is None:
                if value is None:
                    continue
                current[question.pk] = Answer.objects.create(
                    response=locked, question=question, value=value, updated_by=user
                )
            elif answer.value != value:
                answer.value = value
                answer.updated_by = user
                answer.save(update_fields=["value", "updated_by", "updated_at"])
            result.saved.add(code)
        values = {qid: a.value for qid, a in current.items()}
        for question in questions:
            if question.pk in current and not answer_values.is_shown(question, values):
                current.pop(question.pk).delete()
                values.pop(question.pk, None)
                result.cleared.add(question.code)
        locked.save(update_fields=["updated_at"])
    response.refresh_from_db()
    return result


def answer_values_by_question(response: Response) -> dict[int, object]:
    return {a.question_id: a.value for a in response.answers.all()}


def missing_answers(response: Response) -> list[str]:
    """Labels of the mandatory questions shown but not answered."""
    values = answer_values_by_question(response)
    return [
        q.label
        for q in _questions(response.campaign)
        if q.is_mandatory and answer_values.is_shown(q, values) and values.get(q.pk) in (None, "", [])
    ]


def submit_response(response: Response, user) -> Response:
    """Submitted by a director: the receipt PDF is queued and the subscriptions follow the answer."""
    campaign = response.campaign
    if not campaign.is_open():
        raise ValidationError(_closed_message(campaign))
    if not selectors.may_submit_response(user, response):
        raise ValidationError(_("Seul un directeur de l'établissement peut transmettre la réponse."))
    missing = missing_answers(response)
    if missing:
        raise ValidationError(
            _("Répondez d'abord aux questions obligatoires : %(labels)s.") % {"labels": " ; ".join(missing)}
        )
    with transaction.atomic():
        locked = Response.objects.select_for_update().select_related("campaign", "establishment").get(pk=response.pk)
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        locked.save(update_fields=["submitted_at", "submitted_by", "updated_at"])
        sync_subscriptions(locked, user)
        transaction.on_commit(lambda: _request_receipt(locked, user))
    response.refresh_from_db()
    return response


def _request_receipt(response: Response, user) -> None:
    from reports.services import request_report

    from .documents import RECEIPT

    request_report(response.establishment, RECEIPT, user, subject_id=response.pk)


def _offer_outcome(offer, questions, values) -> tuple[bool, list, dict, datetime.date | None]:
    """Whether the answer joins ``offer``, with the contacts, the details and the start date it gives for it."""
    joined, contacts, details, starts_on = False, [], {}, None
    shown = [q for q in questions if answer_values.is_shown(q, values) and values.get(q.pk) is not None]
    for q in shown:
        if offer.pk in answer_values.offers_joined(q, values[q.pk]):
            joined = True
            details[q.code] = values[q.pk]
    for q in shown:
        value = values[q.pk]
        concerns = q.offer_id == offer.pk or q.joins_other_offer_id == offer.pk
        if q.kind == QuestionKind.DATE and q.joins_from_date and (concerns or _depends_on_joiner(q, offer, values)):
            starts_on = datetime.date.fromisoformat(value)
            details[q.code] = value
        if q.offer_id != offer.pk:
            continue
        details[q.code] = value
        if q.kind == QuestionKind.CONTACTS:
            contacts.extend(value)
    return joined, contacts, details, starts_on


def _depends_on_joiner(question, offer, values) -> bool:
    parent = question.depends_on
    return parent is not None and offer.pk in answer_values.offers_joined(parent, values.get(parent.pk))


def _announce(subscription: Subscription) -> None:
    transaction.on_commit(lambda: subscription_changed.send(sender=Subscription, subscription=subscription))


def full_message(offer: Offer) -> str:
    """Why a request for ``offer`` is refused once its places are taken, and whom to ask."""
    return _(
        "L'offre « %(offer)s » est complète : ses %(capacity)s places sont déjà prises. Votre demande n'a pas été "
        "enregistrée. Pour savoir si une place se libère, contactez %(contact)s."
    ) % {"offer": offer.title, "capacity": offer.capacity, "contact": offer.contact_label()}


def take_place(offer_id: int, *, exclude: Subscription | None = None) -> None:
    """Refuse (``ValidationError``) a new place on a full offer. Called inside the writer's transaction: the offer's
    row lock makes two requests for the last place queue behind each other, and the second one re-counts after the
    first has committed."""
    offer = Offer.objects.select_for_update().select_related("region").get(pk=offer_id)
    if offer.capacity is None:
        return
    holders = Subscription.objects.filter(offer=offer, state__in=PLACE_HOLDING_STATES)
    if exclude is not None:
        holders = holders.exclude(pk=exclude.pk)
    if holders.count() >= offer.capacity:
        raise ValidationError(full_message(offer), code="offer_full")


def sync_subscriptions(response: Response, user) -> list[Subscription]:
    """One subscription per offer of the campaign the answer asks to join; withdrawn when no longer asked.

    A new request (a first subscription, or one withdrawn and asked again) takes one of the offer's places: on a full
    offer the whole submission is refused with the reason, and nothing is written."""
    from .workflows import SUBSCRIPTION_WORKFLOW

    questions = _questions(response.campaign)
    values = answer_values_by_question(response)
    existing = {s.offer_id: s for s in Subscription.objects.filter(establishment=response.establishment_id)}
    touched = []
    for offer in response.campaign.offers.all():
        joined, contacts, details, starts_on = _offer_outcome(offer, questions, values)
        subscription = existing.get(offer.pk)
        if joined and subscription is None:
            take_place(offer.pk)
            subscription = Subscription.objects.create(
                establishment=response.establishment,
                offer=offer,
                contacts=contacts,
                details=details,
                response=response,
                starts_on=starts_on,
            )
            SUBSCRIPTION_WORKFLOW.log_creation(subscription, user, name="request")
            _announce(subscription)
        elif joined:
            changed = (subscription.contacts, subscription.details, subscription.starts_on) != (
                contacts,
                details,
                starts_on,
            )
            if changed:
                Subscription.objects.filter(pk=subscription.pk).update(
                    contacts=contacts, details=details, starts_on=starts_on, response=response
                )
                subscription.refresh_from_db()
            if subscription.state == SubscriptionState.WITHDRAWN:
                subscription = apply_subscription(
                    subscription, "request_again", user, reason=_("Nouvelle réponse à la campagne.")
                )
            elif changed:
                _announce(subscription)
        elif subscription is not None and subscription.state != SubscriptionState.WITHDRAWN:
            subscription = apply_subscription(
                subscription, "withdraw", user, reason=_("La réponse à la campagne ne demande plus cette offre.")
            )
        else:
            continue
        touched.append(subscription)
    return touched


def apply_subscription(subscription: Subscription, name: str, user, reason: str = "") -> Subscription:
    """One step of a subscription, dated: activated_on, withdrawn_on (cleared when requested again)."""
    from .workflows import SUBSCRIPTION_WORKFLOW

    def update(locked: Subscription) -> None:
        today = timezone.localdate()
        if name == "activate":
            locked.activated_on = today
        elif name == "withdraw":
            locked.withdrawn_on = today
        elif name == "request_again":
            take_place(locked.offer_id, exclude=locked)
            locked.requested_on, locked.activated_on, locked.withdrawn_on = today, None, None

    return SUBSCRIPTION_WORKFLOW.apply(subscription, name, user, reason=reason, update=update)


def send_reminders(campaign: Campaign, user) -> int:
    """Remind every establishment of the region that has not submitted; e-mails sent after commit, in a task."""
    if not selectors.is_crrc_staff(user, campaign.region_id):
        raise ValidationError(_("Seule l'équipe CRRC de la région peut relancer les établissements."))
    if not campaign.is_open():
        raise ValidationError(_closed_message(campaign))
    pending = list(selectors.campaign_answers(campaign, {"status": "missing"}).values_list("pk", flat=True))
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(last_reminder_at=timezone.now())
        if pending:
            from .tasks import send_campaign_reminders

            transaction.on_commit(lambda: send_campaign_reminders.delay(campaign.pk, pending))
    return len(pending)


# ---- framework agreements --------------------------------------------------------------------------------------------


def _frozen_message(agreement: Agreement) -> str:
    return _(
        "Les bénéficiaires sont figés depuis la notification du %(date)s : ajoutez ou retirez un bénéficiaire par "
        "un avenant."
    ) % {"date": agreement.notified_on.strftime("%d/%m/%Y")}


def add_beneficiary(agreement: Agreement, establishment: Establishment, user, *, firm_period_only=False) -> Beneficiary:
    if agreement.notified_on:
        raise ValidationError(_frozen_message(agreement))
    if establishment.region_id != agreement.region_id:
        raise ValidationError(_("Cet établissement n'est pas de la région de l'accord-cadre."))
    with transaction.atomic():
        beneficiary, _created = Beneficiary.objects.get_or_create(
            agreement=agreement, establishment=establishment, defaults={"firm_period_only": firm_period_only}
        )
    return beneficiary


def remove_beneficiary(beneficiary: Beneficiary, user) -> None:
    if beneficiary.agreement.notified_on:
        raise ValidationError(_frozen_message(beneficiary.agreement))
    with transaction.atomic():
        beneficiary.delete()


def beneficiaries_from_campaign(agreement: Agreement, user) -> int:
    """Before notification: every establishment whose answer subscribed to an agreement offer becomes beneficiary."""
    if agreement.notified_on:
        raise ValidationError(_frozen_message(agreement))
    if agreement.campaign_id is None:
        raise ValidationError({"campaign": _("Rattachez d'abord l'accord-cadre à une campagne de positionnement.")})
    from .models import OfferKind

    establishments = (
        Subscription.objects.filter(
            response__campaign=agreement.campaign_id,
            offer__kind__in=[OfferKind.AUDIT_FRAMEWORK, OfferKind.EXERCISE_FRAMEWORK],
            establishment__region=agreement.region_id,
        )
        .exclude(state=SubscriptionState.WITHDRAWN)
        .values_list("establishment_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        already = set(agreement.beneficiaries.values_list("establishment_id", flat=True))
        new = [Beneficiary(agreement=agreement, establishment_id=pk) for pk in set(establishments) - already]
        Beneficiary.objects.bulk_create(new, batch_size=1000)
    return len(new)


def notify_agreement(agreement: Agreement, notified_on: datetime.date, user) -> Agreement:
    """Notification starts the agreement and freezes its beneficiaries."""
    if agreement.notified_on:
        raise ValidationError({"notified_on": _("L'accord-cadre est déjà notifié.")})
    agreement.full_clean()
    lots = list(agreement.lots.prefetch_related("awardees"))
    if not lots:
        raise ValidationError(_("Un accord-cadre se notifie avec au moins un lot."))
    empty = [str(lot) for lot in lots if not lot.awardees.all()]
    if empty:
        raise ValidationError(_("Désignez les titulaires de : %(lots)s.") % {"lots": ", ".join(empty)})
    if not agreement.beneficiaries.exists():
        raise ValidationError(_("Un accord-cadre se notifie avec au moins un bénéficiaire."))
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        locked.notified_on = notified_on
        locked.save(update_fields=["notified_on"])
    agreement.refresh_from_db()
    return agreement


def amend(
    agreement: Agreement,
    user,
    *,
    signed_on: datetime.date,
    reason: str,
    changes: str,
    add: list[tuple[Establishment, bool]] = (),
    remove: list[Establishment] = (),
) -> Amendment:
    """Avenant: appended, never edited; it may add or remove beneficiaries of a notified agreement."""
    errors = {}
    if not agreement.notified_on:
        errors["signed_on"] = _("Un avenant se passe sur un accord-cadre notifié ; avant, modifiez l'accord.")
    elif signed_on < agreement.notified_on:
        errors["signed_on"] = _("L'avenant ne peut pas précéder la notification de l'accord-cadre.")
    if not (reason or "").strip():
        errors["reason"] = _("Indiquez le motif de l'avenant.")
    if not (changes or "").strip():
        errors["changes"] = _("Indiquez ce que l'avenant change.")
    current = {b.establishment_id: b for b in agreement.beneficiaries.filter(removed_by__isnull=True)}
    for establishment, _firm in add:
        if establishment.region_id != agreement.region_id:
            errors["add"] = _("%(name)s n'est pas de la région de l'accord-cadre.") % {"name": establishment.name}
        elif establishment.pk in current:
            errors["add"] = _("%(name)s est déjà bénéficiaire.") % {"name": establishment.name}
    for establishment in remove:
        if establishment.pk not in current:
            errors["remove"] = _("%(name)s n'est pas bénéficiaire.") % {"name": establishment.name}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=agreement.pk)
        number = (agreement.amendments.aggregate(m=Max("number"))["m"] or 0) + 1
        amendment = Amendment.objects.create(
            agreement=agreement, number=number, signed_on=signed_on, reason=reason, changes=changes, created_by=user
        )
        for establishment, firm_only in add:
            previous = agreement.beneficiaries.filter(establishment=establishment).first()
            if previous:  # removed earlier, back by this amendment: a new row keeps the earlier history readable
                previous.delete()
            Beneficiary.objects.create(
                agreement=agreement, establishment=establishment, firm_period_only=firm_only, added_by=amendment
            )
        for establishment in remove:
            beneficiary = current[establishment.pk]
            beneficiary.removed_by = amendment
            beneficiary.save(update_fields=["removed_by"])
    return amendment


# ---- purchase orders ------------------------------------------------------------------------------------------


@dataclass
class LineInput:
    price_item: int | str | None
    quantity: object


def check_order_context(agreement, establishment, lot, awardee, start, end, on: datetime.date | None = None) -> None:
    """The refusals that depend on who orders what from whom, raised with the French reason (field by field)."""
    on = on or timezone.localdate()
    errors: dict[str, str] = {}
    beneficiary = agreement.beneficiaries.filter(establishment=establishment, removed_by__isnull=True).first()
    if beneficiary is None:
        errors["establishment"] = _("%(name)s n'est pas bénéficiaire de l'accord-cadre %(ref)s.") % {
            "name": establishment.name,
            "ref": agreement.reference,
        }
    if not agreement.notified_on:
        errors["agreement"] = _("L'accord-cadre %(ref)s n'est pas encore notifié.") % {"ref": agreement.reference}
    elif on < agreement.notified_on:
        errors["agreement"] = _("L'accord-cadre %(ref)s ne commence que le %(date)s.") % {
            "ref": agreement.reference,
            "date": agreement.notified_on.strftime("%d/%m/%Y"),
        }
    elif on > agreement.current_end:
        errors["agreement"] = _("L'accord-cadre %(ref)s a pris fin le %(date)s.") % {
            "ref": agreement.reference,
            "date": agreement.current_end.strftime("%d/%m/%Y"),
        }
    elif beneficiary and beneficiary.firm_period_only and on > agreement.firm_end:
        errors["establishment"] = _("%(name)s ne s'est engagé que sur la période ferme, terminée le %(date)s.") % {
            "name": establishment.name,
            "date": agreement.firm_end.strftime("%d/%m/%Y"),
        }
    if lot is None or lot.agreement_id != agreement.pk:
        errors["lot"] = _("Ce lot n'existe pas dans l'accord-cadre %(ref)s.") % {"ref": agreement.reference}
    elif awardee is None or awardee.lot_id != lot.pk:
        errors["awardee"] = _("Ce prestataire n'est pas titulaire du lot %(number)s.") % {"number": lot.number}
    elif lot.requires_passi and not awardee.passi_valid_on(max(on, end or on)):
        if not awardee.passi_qualified:
            errors["awardee"] = _("Le lot exige la qualification PASSI, que %(name)s n'a pas.") % {
                "name": awardee.provider.name
            }
        else:
            errors["awardee"] = _(
                "La qualification PASSI de %(name)s expire le %(date)s, avant la fin de la prestation."
            ) % {"name": awardee.provider.name, "date": awardee.passi_expires_on.strftime("%d/%m/%Y")}
    if start and end and end < start:
        errors["requested_end"] = _("La fin souhaitée précède le début souhaité.")
    if errors:
        raise OrderRefused(errors)


def ordered_on_lot(lot: Lot, exclude: PurchaseOrder | None = None) -> Decimal:
    orders = PurchaseOrder.objects.filter(lot=lot, state__in=LIVE_ORDER_STATES)
    if exclude is not None and exclude.pk:
        orders = orders.exclude(pk=exclude.pk)
    return orders.aggregate(total=Sum("total_excl_vat"))["total"] or Decimal("0")


def maximum_exceeded_message(lot: Lot, amount: Decimal, exclude: PurchaseOrder | None = None) -> str | None:
    already = ordered_on_lot(lot, exclude)
    if already + amount > lot.max_amount:
        return _(
            "Ce bon porterait le lot %(number)s à %(total)s € HT, au-delà de son maximum de %(max)s € HT "
            "(reste disponible : %(left)s € HT)."
        ) % {
            "number": lot.number,
            "total": f"{already + amount:.2f}",
            "max": f"{lot.max_amount:.2f}",
            "left": f"{max(lot.max_amount - already, Decimal('0')):.2f}",
        }
    return None


def _parse_quantity(raw) -> int:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(_("Saisissez une quantité en nombre entier.")) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("La quantité doit être un nombre entier (pas de décimale)."))
    if number <= 0:
        raise ValidationError(_("La quantité doit être supérieure à zéro."))
    return int(number)


def _price_lines(lot: Lot, awardee: Awardee, lines: list[LineInput]) -> tuple[list[OrderLine], dict]:
    errors: dict[str, str] = {}
    built = []
    ids = [line.price_item for line in lines if line.price_item not in (None, "")]
    items = {str(p.pk): p for p in PriceItem.objects.filter(pk__in=[i for i in ids if str(i).isdigit()])
             .select_related("awardee")}  # fmt: skip
    for index, line in enumerate(lines):
        if line.price_item in (None, "") and str(line.quantity or "").strip() == "":
            continue
        key = f"line_{index}"
        item = items.get(str(line.price_item))
        if item is None:
            errors[key] = _("Choisissez un article du bordereau de prix.")
            continue
        if item.awardee.lot_id != lot.pk:
            errors[key] = _("L'article %(code)s appartient au bordereau d'un autre lot.") % {"code": item.code}
            continue
        if item.awardee_id != awardee.pk:
            errors[key] = _("L'article %(code)s est au bordereau d'un autre titulaire.") % {"code": item.code}
            continue
        try:
            quantity = _parse_quantity(line.quantity)
        except ValidationError as exc:
            errors[key] = " ".join(exc.messages)
            continue
        amount = money(item.unit_price * quantity)
        built.append(
            OrderLine(
                price_item=item,
                code=item.code,
                label=item.label,
                unit=item.unit,
                quantity=quantity,
                unit_price=item.unit_price,
                vat_rate=item.vat_rate,
                amount_excl_vat=amount,
                amount_incl_vat=money(amount * (1 + item.vat_rate / 100)),
            )
        )
    if not built and not errors:
        errors["lines"] = _("Ajoutez au moins une ligne du bordereau de prix.")
    return built, errors


def create_order(
    establishment: Establishment,
    user,
    *,
    agreement: Agreement,
    lot: Lot | None,
    awardee: Awardee | None,
    lines: list[LineInput],
    requested_start: datetime.date | None,
    requested_end: datetime.date | None,
    deliverables: str = "",
    choice_reason: str = "",
    legal_commitment: str = "",
) -> PurchaseOrder:
    """A draft order, its number the next of the agreement; every refusal of the issue raised before any write."""
    if not selectors.ordering_establishments(user).filter(pk=establishment.pk).exists() and not (
        selectors.is_crrc_staff(user, agreement.region_id)
    ):
        raise OrderRefused(_("Seul le directeur de l'établissement ou l'équipe CRRC peut passer un bon de commande."))
    errors: dict[str, str] = {}
    if not requested_start:
        errors["requested_start"] = _("Indiquez le début souhaité.")
    if not requested_end:
        errors["requested_end"] = _("Indiquez la fin souhaitée.")
    try:
        check_order_context(agreement, establishment, lot, awardee, requested_start, requested_end)
    except OrderRefused as refused:
        errors.update({k: " ".join(v) for k, v in refused.message_dict.items()})
    if "lot" not in errors and "awardee" not in errors:
        built, line_errors = _price_lines(lot, awardee, lines)
        errors.update(line_errors)
        several = lot.awardees.count() > 1
        if several and not choice_reason.strip():
            errors["choice_reason"] = _(
                "Le lot a plusieurs titulaires : indiquez pourquoi celui-ci est choisi (règle : %(rule)s)."
            ) % {"rule": agreement.get_allocation_rule_display()}
        if not line_errors:
            total = sum((line.amount_excl_vat for line in built), Decimal("0"))
            message = maximum_exceeded_message(lot, total)
            if message:
                errors["lines"] = message
    if errors:
        raise OrderRefused(errors)
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=agreement.pk)  # numbers in sequence, one writer at a time
        number = (PurchaseOrder.objects.filter(agreement=agreement).aggregate(m=Max("number"))["m"] or 0) + 1
        order = PurchaseOrder.objects.create(
            establishment=establishment,
            agreement=agreement,
            lot=lot,
            awardee=awardee,
            number=number,
            allocation_rule=agreement.allocation_rule if several else "",
            choice_reason=choice_reason.strip(),
            requested_start=requested_start,
            requested_end=requested_end,
            deliverables=deliverables,
            legal_commitment=legal_commitment.strip(),
            total_excl_vat=sum((line.amount_excl_vat for line in built), Decimal("0")),
            total_incl_vat=sum((line.amount_incl_vat for line in built), Decimal("0")),
            created_by=user,
        )
        for line in built:
            line.order = order
        OrderLine.objects.bulk_create(built)
        from .workflows import ORDER_WORKFLOW

        ORDER_WORKFLOW.log_creation(order, user, name="create")
    return order


ORDER_STEP_FIELDS = {
    "issue": ("legal_commitment",),
    "schedule": ("scheduled_on",),
    "deliver": ("delivered_on", "delivered_by", "delay_note", "quality_note"),
    "invoice": ("invoice_number", "invoiced_on"),
    "pay": ("paid_on",),
}


def advance_order(order: PurchaseOrder, name: str, user, *, data: dict | None = None, reason: str = "",
                  expected_version: int | None = None) -> PurchaseOrder:  # fmt: skip
    """Take one step of the order's workflow with the data that step records (dates, numbers, notes)."""
    from .workflows import ORDER_WORKFLOW

    data = data or {}
    allowed = ORDER_STEP_FIELDS.get(name, ())
    values = {key: data[key] for key in allowed if key in data}
    if name == "issue":
        values.setdefault("legal_commitment", order.legal_commitment)

    def update(locked: PurchaseOrder) -> None:
        for key, value in values.items():
            setattr(locked, key, value.strip() if isinstance(value, str) else value)
        today = timezone.localdate()
        errors = {}
        if name == "issue":
            if not locked.legal_commitment:
                errors["legal_commitment"] = _(
                    "Indiquez le numéro d'engagement juridique que la facture devra rappeler."
                )
            locked.issued_on = today
        elif name == "schedule" and not locked.scheduled_on:
            errors["scheduled_on"] = _("Indiquez la date planifiée de la prestation.")
        elif name == "deliver":
            if not locked.delivered_on:
                errors["delivered_on"] = _("Indiquez la date du service fait.")
            elif locked.delivered_on > today:
                errors["delivered_on"] = _("Le service fait ne peut pas être daté dans le futur.")
            elif locked.issued_on and locked.delivered_on < locked.issued_on:
                errors["delivered_on"] = _("Le service fait ne peut pas précéder l'émission du bon.")
            if not locked.delivered_by:
                locked.delivered_by = user.get_full_name() or user.email
        elif name == "invoice":
            if not locked.invoice_number or not locked.invoiced_on:
                errors["invoice_number"] = _("Indiquez le numéro et la date de la facture.")
            elif locked.delivered_on and locked.invoiced_on < locked.delivered_on:
                errors["invoiced_on"] = _("La facture ne peut pas précéder le service fait.")
        elif name == "pay":
            if not locked.paid_on:
                errors["paid_on"] = _("Indiquez la date du paiement.")
            elif locked.invoiced_on and locked.paid_on < locked.invoiced_on:
                errors["paid_on"] = _("Le paiement ne peut pas précéder la facture.")
        if errors:
            raise ValidationError(errors)

    on_commit = [lambda saved: check_lot_alerts(saved.lot_id)] if name == "issue" else []
    return ORDER_WORKFLOW.apply(
        order, name, user, reason=reason, expected_version=expected_version, update=update, on_commit=on_commit
    )


def save_order_notes(order: PurchaseOrder, user, *, delay_note: str, quality_note: str) -> PurchaseOrder:
    if not selectors.is_crrc_staff(user, order.agreement.region_id) and not (
        selectors.ordering_establishments(user).filter(pk=order.establishment_id).exists()
    ):
        raise ValidationError(_("Votre rôle ne permet pas d'annoter ce bon de commande."))
    with transaction.atomic():
        locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        locked.delay_note = delay_note.strip()
        locked.quality_note = quality_note.strip()
        locked.save(update_fields=["delay_note", "quality_note", "updated_at"])
    return locked


def check_lot_alerts(lot_id: int) -> list[int]:
    """Stamp and e-mail the 80 % and 100 % alerts of a lot, each once. Returns the thresholds just reached."""
    reached = []
    with transaction.atomic():
        lot = Lot.objects.select_for_update().select_related("agreement").get(pk=lot_id)
        share = ordered_on_lot(lot) / lot.max_amount * 100
        now = timezone.now()
        if share >= 80 and lot.alert_80_sent_at is None:
            lot.alert_80_sent_at = now
            reached.append(80)
        if share >= 100 and lot.alert_100_sent_at is None:
            lot.alert_100_sent_at = now
            reached.append(100)
        if reached:
            lot.save(update_fields=["alert_80_sent_at", "alert_100_sent_at"])
            from .tasks import send_lot_alert

            for threshold in reached:
                transaction.on_commit(lambda t=threshold: send_lot_alert.delay(lot.pk, t))
    return reached


def check_agreement_end_alerts(today: datetime.date | None = None) -> list[int]:
    """Agreements ending within their alert window: CRRC staff are told once."""
    today = today or timezone.localdate()
    due = []
    for agreement in Agreement.objects.filter(notified_on__isnull=False, end_alert_sent_on__isnull=True):
        end = agreement.current_end
        if today <= end <= today + datetime.timedelta(days=agreement.end_alert_days):
            due.append(agreement.pk)
    if due:
        with transaction.atomic():
            Agreement.objects.filter(pk__in=due).update(end_alert_sent_on=today)
            from .tasks import send_agreement_end_alert

            for pk in due:
                transaction.on_commit(lambda pk=pk: send_agreement_end_alert.delay(pk))
    return due
