"""The two workflows of the offers, declared once through the kit: subscriptions and purchase orders.

Subscriptions: requested → active → withdrawn (and a withdrawn one may be requested again by a new answer).
Purchase orders: draft → issued → acknowledged → scheduled → delivered → invoiced → paid, or cancelled before the
service is done. Guards re-check, under the row lock, what the order must still satisfy when it is issued (the lot's
maximum, the PASSI qualification, the agreement still running).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow

from .models import OrderState, SubscriptionState

# ---- subscriptions ------------------------------------------------------------------------------------------------


def _subscription_may_act(user, subscription, transition) -> bool:
    from . import selectors

    if transition.actor == "system":
        return True
    if selectors.is_crrc_staff(user, subscription.offer.region_id):
        return True
    if transition.actor == "establishment":
        return selectors.ordering_establishments(user).filter(pk=subscription.establishment_id).exists()
    return False


def _a_place_is_free(subscription, user) -> str | None:
    """Asking again for a withdrawn subscription takes a place: refused on a full offer. (A first look for the
    buttons; ``services.take_place`` re-counts under the offer's row lock when the step is taken.)"""
    from .models import PLACE_HOLDING_STATES
    from .services import full_message

    offer = subscription.offer
    if offer.capacity is None:
        return None
    taken = offer.subscriptions.filter(state__in=PLACE_HOLDING_STATES).exclude(pk=subscription.pk).count()
    return full_message(offer) if taken >= offer.capacity else None


SUBSCRIPTION_WORKFLOW = Workflow(
    model="offers.Subscription",
    state_field="state",
    log_model="offers.SubscriptionLog",
    log_subject="subscription",
    states=SubscriptionState,
    version_field="version",
    may_act=_subscription_may_act,
    transitions=[
        Transition(
            "activate",
            _("Activer l'inscription"),
            sources=frozenset({SubscriptionState.REQUESTED}),
            target=SubscriptionState.ACTIVE,
            actor="staff",
            refused=_("Seule une inscription demandée peut être activée."),
        ),
        Transition(
            "withdraw",
            _("Retirer l'inscription"),
            sources=frozenset({SubscriptionState.REQUESTED, SubscriptionState.ACTIVE}),
            target=SubscriptionState.WITHDRAWN,
            actor="establishment",
            refused=_("Cette inscription est déjà retirée."),
        ),
        Transition(
            "request_again",
            _("Demander à nouveau"),
            sources=frozenset({SubscriptionState.WITHDRAWN}),
            target=SubscriptionState.REQUESTED,
            actor="establishment",
            guards=(_a_place_is_free,),
            refused=_("Seule une inscription retirée peut être demandée à nouveau."),
        ),
    ],
)


# ---- purchase orders -------------------------------------------------------------------------------------------------


def _order_may_act(user, order, transition) -> bool:
    from . import selectors

    if selectors.is_crrc_staff(user, order.agreement.region_id):
        return True
    if transition.actor == "establishment":
        return selectors.ordering_establishments(user).filter(pk=order.establishment_id).exists()
    return False


def _still_orderable(order, user):
    """Issued only while the agreement runs, the beneficiary is current and the PASSI qualification is valid."""
    from . import services

    try:
        services.check_order_context(
            order.agreement, order.establishment, order.lot, order.awardee, order.requested_start, order.requested_end
        )
    except services.OrderRefused as refused:
        return " ".join(refused.messages)
    return None


def _within_maximum(order, user):
    from . import services

    return services.maximum_exceeded_message(order.lot, order.total_excl_vat, exclude=order)


def _has_lines(order, user):
    if not order.lines.exists():
        return str(_("Ajoutez au moins une ligne du bordereau de prix avant d'émettre le bon."))
    return None


CANCELLABLE = frozenset({OrderState.DRAFT, OrderState.ISSUED, OrderState.ACKNOWLEDGED, OrderState.SCHEDULED})

ORDER_WORKFLOW = Workflow(
    model="offers.PurchaseOrder",
    state_field="state",
    log_model="offers.PurchaseOrderLog",
    log_subject="order",
    states=OrderState,
    version_field="version",
    may_act=_order_may_act,
    transitions=[
        Transition(
            "issue",
            _("Émettre le bon de commande"),
            sources=frozenset({OrderState.DRAFT}),
            target=OrderState.ISSUED,
            actor="establishment",
            guards=(_has_lines, _still_orderable, _within_maximum),
            refused=_("Seul un bon en brouillon peut être émis."),
            extra={"alerts": True},
        ),
        Transition(
            "acknowledge",
            _("Enregistrer l'accusé de réception du titulaire"),
            sources=frozenset({OrderState.ISSUED}),
            target=OrderState.ACKNOWLEDGED,
            actor="staff",
            refused=_("Seul un bon émis peut être accusé de réception."),
        ),
        Transition(
            "schedule",
            _("Planifier la prestation"),
            sources=frozenset({OrderState.ACKNOWLEDGED}),
            target=OrderState.SCHEDULED,
            actor="establishment",
            refused=_("La prestation se planifie après l'accusé de réception du titulaire."),
        ),
        Transition(
            "deliver",
            _("Constater le service fait"),
            sources=frozenset({OrderState.SCHEDULED}),
            target=OrderState.DELIVERED,
            actor="establishment",
            refused=_("Le service fait se constate sur une prestation planifiée."),
        ),
        Transition(
            "invoice",
            _("Enregistrer la facture"),
            sources=frozenset({OrderState.DELIVERED}),
            target=OrderState.INVOICED,
            actor="staff",
            refused=_("La facture s'enregistre après le service fait."),
        ),
        Transition(
            "pay",
            _("Enregistrer le paiement"),
            sources=frozenset({OrderState.INVOICED}),
            target=OrderState.PAID,
            actor="staff",
            refused=_("Le paiement s'enregistre sur un bon facturé."),
        ),
        Transition(
            "cancel",
            _("Annuler le bon de commande"),
            sources=CANCELLABLE,
            target=OrderState.CANCELLED,
            actor="establishment",
            requires_reason=True,
            refused=_("Un bon dont le service est fait ne s'annule plus."),
        ),
    ],
)


@SUBSCRIPTION_WORKFLOW.on("*")
def _announce_state_change(subscription, transition, user) -> None:
    """Every state change tells the modules that enrol on subscriptions (run after commit by the kit)."""
    from .models import Subscription
    from .signals import subscription_changed

    subscription_changed.send(sender=Subscription, subscription=subscription)
