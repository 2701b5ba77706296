"""Regional dashboard indicators of the offers: positioning answers, subscriptions per offer, purchase orders by
state and the consumption of the agreements' lots. Aggregated in the database (a fixed number of queries)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crrc import charts
from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, register
from establishments.roles import Sector

from .models import Lot, Offer, OfferStatus, OrderState, PurchaseOrder, Response, Subscription, SubscriptionState

LIVE = [s for s in OrderState.values if s not in (OrderState.DRAFT, OrderState.CANCELLED)]


def campaign_answers(scope: Scope) -> list[Figure]:
    responses = Response.objects.filter(establishment__in=scope.establishments, campaign__region__in=scope.regions)
    responses = scope.in_period(responses, "created_at")
    counts = responses.order_by().aggregate(
        submitted=Count("id", filter=Q(submitted_at__isnull=False)), started=Count("id", filter=Q(submitted_at=None))
    )
    if not counts["submitted"] and not counts["started"]:
        return []

    def submitted():
        return scope.establishments.filter(pk__in=responses.filter(submitted_at__isnull=False).values("establishment"))

    return [
        Figure(_("Réponses transmises"), counts["submitted"], drilldown=submitted),
        Figure(_("Réponses commencées, non transmises"), counts["started"]),
    ]


# --- participation in each offer -----------------------------------------------------------------------------
# An establishment takes part in an offer through its subscription (one per offer). Without a period: the
# subscriptions not withdrawn. With a period: those that ran at some moment of it (requested before its end, not
# withdrawn before its start). The share is over the establishments of the dashboard's scope (after the filters);
# each breakdown's share is over the scope's establishments of that sector, department or FINESS category.

BREAKDOWNS = {
    # key: (establishment field grouped on, the field that names the group)
    "sector": ("sector", "sector"),
    "department": ("department_id", "department__name"),
    "category": ("category_id", "category__label"),
}


@dataclass
class ParticipationFigure(Figure):
    """A participation figure: ``count`` establishments out of ``total`` in the scope (or in the group)."""

    count: int = 0
    total: int = 0


def _offers(scope: Scope):
    return Offer.objects.filter(region__in=scope.regions).exclude(status=OfferStatus.DRAFT)


def _participations(scope: Scope):
    """The subscriptions of the scope's establishments to the regions' offers that count for the period."""
    subscriptions = Subscription.objects.filter(establishment__in=scope.establishments, offer__in=_offers(scope))
    if scope.start is None:
        subscriptions = subscriptions.exclude(state=SubscriptionState.WITHDRAWN)
    else:
        # A subscription withdrawn on the period's first day still ran during it.
        start_day = timezone.localdate(scope.start)
        subscriptions = subscriptions.filter(~Q(state=SubscriptionState.WITHDRAWN) | Q(withdrawn_on__gte=start_day))
    if scope.end is not None:
        subscriptions = subscriptions.filter(
            requested_on__lte=timezone.localdate(scope.end - timedelta(microseconds=1))
        )
    return subscriptions


def _share(count: int, total: int) -> float | None:
    return round(count * 100 / total, 1) if total else None


def _participation_counts(scope: Scope) -> tuple[list, dict]:
    """(pk, title) of the regions' offers and the participating establishments of each: shared by the count and
    the share indicators (one read for both)."""
    offers = list(_offers(scope).order_by("order", "title").values_list("pk", "title"))
    if not offers:
        return offers, {}
    # Summed from the breakdowns' cells: an establishment lies in one cell of each offer (one scan for all five).
    counts: dict[int, int] = {}
    for cell in _participation_cells(scope):
        counts[cell["offer"]] = counts.get(cell["offer"], 0) + cell["n"]
    return offers, counts


def _participation(scope: Scope, *, as_share: bool) -> list[Figure]:
    """One figure per offer of the regions (published or closed): participating establishments, or their share."""
    offers, counts = scope.shared("offers.participation", lambda: _participation_counts(scope))
    if not offers:
        return []
    participations = _participations(scope)
    total = scope.total()
    figures = []
    for pk, title in offers:
        count = counts.get(pk, 0)
        figures.append(
            ParticipationFigure(
                title,
                _share(count, total) if as_share else count,
                unit="%" if as_share else "",
                drilldown=lambda pk=pk: scope.establishments.filter(
                    pk__in=participations.filter(offer_id=pk).values("establishment")
                ),
                missing=_("aucun établissement") if as_share else "",
                count=count,
                total=total,
            )
        )
    return figures


def subscriptions_by_offer(scope: Scope) -> list[Figure]:
    return _participation(scope, as_share=False)


def participation_share(scope: Scope) -> list[Figure]:
    return _participation(scope, as_share=True)


# The columns of an establishment that the breakdowns group on, with what names them (``BREAKDOWNS``).
_CELL = (
    "offer",
    "offer__title",
    "offer__order",
    *(f"establishment__{f}" for pair in BREAKDOWNS.values() for f in pair),
)


def _participation_cells(scope: Scope) -> list[dict]:
    """Participating establishments per offer × sector × department × category, in one scan of the subscriptions
    shared by the three breakdowns (one scan instead of three). An establishment has one sector, one department
    and one category, so it lies in exactly one cell of an offer: summing the cells of a sector (or department, or
    category) gives that group's distinct establishments, as a ``COUNT(DISTINCT …)`` per breakdown would."""

    def read():
        rows = _participations(scope).order_by().values(*dict.fromkeys(_CELL))
        return list(rows.annotate(n=Count("establishment", distinct=True)))

    return scope.shared("offers.participation_cells", read)


def _cells_by(scope: Scope, key: str, name: str) -> list[dict]:
    """The cells summed per offer and ``establishment__<key>`` (with the offer's title and order, the group's name)."""
    grouped: dict[tuple, dict] = {}
    for cell in _participation_cells(scope):
        group = (cell["offer"], cell[f"establishment__{key}"])
        row = grouped.get(group)
        if row is None:
            grouped[group] = {
                "offer": cell["offer"],
                "offer__title": cell["offer__title"],
                "offer__order": cell["offer__order"],
                f"establishment__{key}": cell[f"establishment__{key}"],
                f"establishment__{name}": cell[f"establishment__{name}"],
                "n": cell["n"],
            }
        else:
            row["n"] += cell["n"]
    return list(grouped.values())


def participation_by(dimension: str):
    """Participation in each offer per sector, department or FINESS category: the share of that group's
    establishments in the scope (groups with at least one participant). The subscriptions are read once for the
    three breakdowns (``_participation_cells``), the groups' sizes once per breakdown (``Scope.counts_by``)."""
    key, name = BREAKDOWNS[dimension]
    sectors = dict(Sector.choices)

    def label_of(group_key, group_name) -> str:
        if dimension == "sector":
            return str(sectors.get(group_key, group_key))
        return str(group_name) if group_name else str(_("Non renseigné"))

    def compute(scope: Scope) -> list[Figure]:
        participations = _participations(scope)
        rows = _cells_by(scope, key, name)
        totals = scope.counts_by(key)
        figures = []
        for row in sorted(rows, key=lambda r: (r["offer__order"], r["offer__title"], str(r[f"establishment__{name}"]))):
            group_key = row[f"establishment__{key}"]
            group = label_of(group_key, row[f"establishment__{name}"])
            total = totals.get(group_key, 0)
            in_group = {f"{key}__isnull": True} if group_key is None else {key: group_key}
            figures.append(
                ParticipationFigure(
                    f"{row['offer__title']} – {group}",
                    _share(row["n"], total),
                    unit="%",
                    group=group,
                    drilldown=lambda in_group=in_group, offer=row["offer"]: scope.establishments.filter(
                        **in_group, pk__in=participations.filter(offer_id=offer).values("establishment")
                    ),
                    count=row["n"],
                    total=total,
                )
            )
        return figures

    return compute


def participation_chart(title, *, label_header, as_share: bool = True):
    """Bars of the shares (0 to 100 %) or of the counts; the table adds the other figure."""

    def draw(figures: list[Figure]):
        counts = [f"{f.count} / {f.total}" for f in figures]
        shares = [
            charts.fmt(_share(f.count, f.total), unit="%", missing=str(_("aucun établissement"))) for f in figures
        ]
        return charts.bar(
            str(title),
            [f.label for f in figures],
            [f.value for f in figures],
            scale_max=100 if as_share else None,
            unit="%" if as_share else "",
            label_header=str(label_header),
            value_header=str(_("Part des établissements") if as_share else _("Établissements participants")),
            missing=str(_("aucun établissement")),
            extra_columns={
                str(_("Établissements participants / du périmètre")) if as_share else str(_("Part des établissements")):
                    counts if as_share else shares
            },
        )  # fmt: skip

    return draw


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
        ("offers.orders_by_state", gettext_lazy("Bons de commande par état"), orders_by_state, 62,
         gettext_lazy("Bons")),
    ):  # fmt: skip
        register(Indicator(key=key, title=title, module="offers", order=order, compute=compute,
                           chart=bar_of(title, value_header=header)))  # fmt: skip
    period = gettext_lazy(
        "Sans période : les inscriptions en cours ; avec une période : celles qui ont couru pendant la période "
        "(demandées avant sa fin, non retirées avant son début)."
    )
    participation = (
        ("offers.subscriptions", gettext_lazy("Participation à chaque offre du CRRC"), subscriptions_by_offer, False,
         gettext_lazy("Offre")),
        ("offers.participation_share", gettext_lazy("Part des établissements participant à chaque offre"),
         participation_share, True, gettext_lazy("Offre")),
        ("offers.participation_by_sector", gettext_lazy("Participation aux offres, par secteur"),
         participation_by("sector"), True, gettext_lazy("Offre – secteur")),
        ("offers.participation_by_department", gettext_lazy("Participation aux offres, par département"),
         participation_by("department"), True, gettext_lazy("Offre – département")),
        ("offers.participation_by_category", gettext_lazy("Participation aux offres, par catégorie FINESS"),
         participation_by("category"), True, gettext_lazy("Offre – catégorie")),
    )  # fmt: skip
    for order, (key, title, compute, as_share, header) in enumerate(participation, start=70):
        register(Indicator(key=key, title=title, module="offers", order=order,
                           compute=compute, chart=participation_chart(title, label_header=header, as_share=as_share),
                           description=period))  # fmt: skip
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
