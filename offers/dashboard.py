"""Regional dashboard indicators of the offers: positioning answers, subscriptions per offer, purchase orders by
state and the consumption of the agreements' lots. Aggregated in the database (a fixed number of queries)."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, register

from .models import Lot, OrderState, PurchaseOrder, Response, Subscription, SubscriptionState

LIVE = [s for s in OrderState.values if s not in (OrderState.DRAFT, OrderState.CANCELLED)]


def campaign_answers(scope: Scope) -> list[Figure]:
    responses = Response.objects.filter(establishment__in=scope.establishments, campaign__region__in=scope.regions)
    responses = scope.in_period(responses, "created_at")
    counts = responses.order_by().aggregate(
        submitted=Count("id", filter=Q(submitted_at__isnull=False)), started=Count("id", filter=Q(submitted_at=None))
    )
    if not counts["submitted"] and not counts["started"]:
        return []
    submitted = responses.filter(submitted_at__isnull=False).values("establishment")
    return [
        Figure(_("Réponses transmises"), counts["submitted"], drilldown=scope.establishments.filter(pk__in=submitted)),
        Figure(_("Réponses commencées, non transmises"), counts["started"]),
    ]


def subscriptions_by_offer(scope: Scope) -> list[Figure]:
    rows = (
        Subscription.objects.filter(establishment__in=scope.establishments)
        .exclude(state=SubscriptionState.WITHDRAWN)
        .order_by()
        .values("offer__kind")
        .annotate(n=Count("id"))
    )
    from .models import OfferKind

    labels = dict(OfferKind.choices)
    return [Figure(str(labels.get(row["offer__kind"], row["offer__kind"])), row["n"]) for row in rows]


def orders_by_state(scope: Scope) -> list[Figure]:
    orders = scope.in_period(PurchaseOrder.objects.filter(establishment__in=scope.establishments), "created_at")
    counts = dict(orders.order_by().values_list("state").annotate(n=Count("id")))
    return [Figure(str(label), counts[state]) for state, label in OrderState.choices if counts.get(state)]


def lot_consumption(scope: Scope) -> list[Figure]:
    """Share of each lot's maximum already ordered, for the lots of the regions' agreements."""
    lots = (
        Lot.objects.filter(agreement__region__in=scope.regions, agreement__notified_on__isnull=False)
        .annotate(ordered=Sum("orders__total_excl_vat", filter=Q(orders__state__in=LIVE), default=Decimal(0)))
        .select_related("agreement")
        .order_by("agreement__reference", "number")[:30]
    )
    return [
        Figure(f"{lot.agreement.reference} – {_('lot')} {lot.number}",
               round(float(lot.ordered / lot.max_amount * 100), 1), unit="%")
        for lot in lots
    ]  # fmt: skip


def register_indicators() -> None:
    for key, title, compute, order, header in (
        ("offers.campaign_answers", gettext_lazy("Positionnement annuel : réponses"), campaign_answers, 60,
         gettext_lazy("Réponses")),
        ("offers.subscriptions", gettext_lazy("Inscriptions aux offres du CRRC"), subscriptions_by_offer, 61,
         gettext_lazy("Établissements")),
        ("offers.orders_by_state", gettext_lazy("Bons de commande par état"), orders_by_state, 62,
         gettext_lazy("Bons")),
    ):  # fmt: skip
        register(Indicator(key=key, title=title, module="offers", order=order, compute=compute,
                           chart=bar_of(title, value_header=header)))  # fmt: skip
    register(
        Indicator(
            key="offers.lot_consumption",
            title=gettext_lazy("Consommation des lots des accords-cadres"),
            module="offers",
            order=63,
            compute=lot_consumption,
            chart=bar_of(
                gettext_lazy("Part du maximum commandée"),
                unit="%",
                scale_max=100,
                value_header=gettext_lazy("Part du maximum"),
            ),  # fmt: skip
        )
    )
