"""Reads scoped to the requesting user.

Region-owned rows (offers, campaigns, agreements) are visible to the members of an establishment of that region when
published, and in full to the region's CRRC staff and ARS reviewers; rows owned by an establishment go through
``TenantQuerySet``.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, DecimalField, Func, Max, Q, QuerySet, Sum
from django.urls import NoReverseMatch, reverse

from establishments.models import Establishment
from establishments.roles import Role, StaffKind
from establishments.selectors import (
    member_establishments,
    serves_region,
    staff_regions,
)

from .models import (
    Agreement,
    Beneficiary,
    Campaign,
    Offer,
    OfferKind,
    OfferStatus,
    OrderState,
    PurchaseOrder,
    Question,
    Response,
    Subscription,
    SubscriptionState,
)

# Roles that may edit the shared campaign answer; only a director submits it.
EDITOR_ROLES = [Role.DIRECTOR, Role.RSSI]
SUBMITTER_ROLES = [Role.DIRECTOR]

# The module each kind of offer leads to, by URL name: resolved only when that module is installed.
MODULE_URLS: dict[str, tuple[str, ...]] = {
    OfferKind.COMMUNITY: ("community:home",),
    OfferKind.AWARENESS: ("awareness:home",),
    OfferKind.EXERCISE_FRAMEWORK: ("exercises:list",),
    OfferKind.DIAGNOSTIC: ("assessments:list", "assessments:home", "assessments:index"),
}


def module_url(kind: str) -> str | None:
    for name in MODULE_URLS.get(kind, ()):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def member_regions(user) -> QuerySet:
    return member_establishments(user).values("region_id")


def visible_offers(user) -> QuerySet[Offer]:
    """Published offers of the user's establishments' regions, and every offer of the regions they staff."""
    return Offer.objects.filter(
        Q(status=OfferStatus.PUBLISHED, region__in=member_regions(user)) | Q(region__in=staff_regions(user))
    )


def catalogue(user, establishment: Establishment | None) -> list[Offer]:
    """The published offers for one establishment: its region, its sector, OSE-only offers only for OSEs."""
    offers = Offer.objects.published().with_places().select_related("region").prefetch_related("documents")
    if establishment is None:
        return list(offers.filter(region__in=member_regions(user)))
    offers = offers.filter(region=establishment.region_id)
    if establishment.sector in ("ES", "ESMS"):
        offers = offers.for_sector(establishment.sector)
    if not establishment.is_ose:
        offers = offers.filter(ose_only=False)
    return list(offers)


def subscriptions_for(user) -> QuerySet[Subscription]:
    return Subscription.objects.for_user(user).select_related("offer", "establishment")


def active_subscriptions(offer_kind: str, region=None) -> QuerySet[Subscription]:
    """What the community and awareness modules read: active subscriptions of an offer kind (with contacts)."""
    qs = Subscription.objects.filter(offer__kind=offer_kind, state=SubscriptionState.ACTIVE)
    if region is not None:
        qs = qs.filter(offer__region=region)
    return qs.select_related("establishment", "offer")


def visible_campaigns(user) -> QuerySet[Campaign]:
    return Campaign.objects.filter(Q(region__in=member_regions(user)) | Q(region__in=staff_regions(user)))


def staff_campaigns(user) -> QuerySet[Campaign]:
    return Campaign.objects.filter(region__in=staff_regions(user))


def answering_establishments(user, campaign: Campaign) -> QuerySet[Establishment]:
    """The user's establishments of the campaign's region whose role lets them edit the answer."""
    return member_establishments(user, roles=EDITOR_ROLES).filter(region=campaign.region_id)


def may_edit_response(user, response: Response) -> bool:
    return answering_establishments(user, response.campaign).filter(pk=response.establishment_id).exists()


def may_submit_response(user, response: Response) -> bool:
    return member_establishments(user, roles=SUBMITTER_ROLES).filter(pk=response.establishment_id).exists()


def campaign_answers(campaign: Campaign, filters: dict) -> QuerySet[Establishment]:
    """Every establishment of the campaign's region with its answer (or none), filtered as on the staff page."""
    establishments = Establishment.objects.filter(region=campaign.region_id)
    if filters.get("department"):
        establishments = establishments.filter(department__code=filters["department"])
    if filters.get("sector"):
        establishments = establishments.filter(sector=filters["sector"])
    if filters.get("category"):
        establishments = establishments.filter(category__code=filters["category"])
    answered = Response.objects.filter(campaign=campaign, submitted_at__isnull=False).values("establishment_id")
    started = Response.objects.filter(campaign=campaign).values("establishment_id")
    status = filters.get("status")
    if status == "answered":
        establishments = establishments.filter(pk__in=answered)
    elif status == "draft":
        establishments = establishments.filter(pk__in=started).exclude(pk__in=answered)
    elif status == "missing":
        establishments = establishments.exclude(pk__in=answered)
    if filters.get("q"):
        q = filters["q"]
        establishments = establishments.filter(Q(name__icontains=q) | Q(finess__startswith=q))
    return establishments.select_related("department", "category").order_by("department__code", "name")


def staff_agreements(user) -> QuerySet[Agreement]:
    return Agreement.objects.filter(region__in=staff_regions(user))


def visible_agreements(user) -> QuerySet[Agreement]:
    """Agreements the user's establishments benefit from, plus those of the regions they staff."""
    own = Beneficiary.objects.filter(establishment__in=member_establishments(user), removed_by__isnull=True)
    return Agreement.objects.filter(Q(pk__in=own.values("agreement_id")) | Q(region__in=staff_regions(user)))


def orders_for(user) -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.for_user(user).select_related("agreement", "lot", "awardee__provider", "establishment")


def ordering_establishments(user) -> QuerySet[Establishment]:
    """Establishments whose director may place orders (the director signs the order)."""
    return member_establishments(user, roles=SUBMITTER_ROLES)


def is_crrc_staff(user, region_id: int) -> bool:
    """Whether the user is CRRC staff of the region (from the request's scope facts when read: no query)."""
    return serves_region(user, region_id, (StaffKind.CRRC_STAFF,))


def lot_consumption(agreement: Agreement) -> list[dict]:
    """Per lot: ordered, delivered, invoiced, paid, remaining and share of the maximum, in one query."""
    live = ~Q(orders__state__in=[OrderState.DRAFT, OrderState.CANCELLED])
    delivered = Q(orders__state__in=[OrderState.DELIVERED, OrderState.INVOICED, OrderState.PAID])
    invoiced = Q(orders__state__in=[OrderState.INVOICED, OrderState.PAID])
    lots = agreement.lots.annotate(
        ordered=Sum("orders__total_excl_vat", filter=live, default=0),
        delivered=Sum("orders__total_excl_vat", filter=delivered, default=0),
        invoiced=Sum("orders__total_excl_vat", filter=invoiced, default=0),
        paid=Sum("orders__total_excl_vat", filter=Q(orders__state=OrderState.PAID), default=0),
        order_count=Count("orders", filter=live),
    ).order_by("number")
    rows = []
    for lot in lots:
        share = (lot.ordered / lot.max_amount * 100) if lot.max_amount else 0
        rows.append(
            {
                "lot": lot,
                "ordered": lot.ordered,
                "delivered": lot.delivered,
                "invoiced": lot.invoiced,
                "paid": lot.paid,
                "remaining": lot.max_amount - lot.ordered,
                "share": round(float(share), 1),
                "count": lot.order_count,
                "level": "danger" if share >= 100 else "warning" if share >= 80 else "ok",
            }
        )
    return rows


def awardee_consumption(agreement: Agreement) -> QuerySet:
    live = ~Q(state__in=[OrderState.DRAFT, OrderState.CANCELLED])
    return (
        PurchaseOrder.objects.filter(agreement=agreement)
        .filter(live)
        .values("lot__number", "awardee__provider__name", "awardee__rank")
        .annotate(
            ordered=Sum("total_excl_vat"),
            delivered=Sum(
                "total_excl_vat", filter=Q(state__in=[OrderState.DELIVERED, OrderState.INVOICED, OrderState.PAID])
            ),
            paid=Sum("total_excl_vat", filter=Q(state=OrderState.PAID)),
            count=Count("pk"),
        )
        .order_by("lot__number", "awardee__rank")
    )


def staff_regions_exist(user) -> bool:
    return staff_regions(user).exists()


class JsonNumber(Func):
    """A JSON scalar answer (``2`` or ``"1500.00"``) read as a number by the database itself."""

    template = "CAST((%(expressions)s) #>> '{}' AS numeric)"
    output_field = DecimalField(max_digits=16, decimal_places=2)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(json_extract(%(expressions)s, '$') AS REAL)", **extra)


def campaign_needs(campaign: Campaign) -> list[dict]:
    """Needs per lot key, sector and department from the submitted answers: one grouped query."""
    from .models import Answer

    rows = (
        Answer.objects.filter(
            response__campaign=campaign,
            response__submitted_at__isnull=False,
            question__need_measure__in=["volume", "spend"],
            value__isnull=False,
        )
        .values(
            "question__need_key",
            "question__need_measure",
            "response__establishment__sector",
            "response__establishment__department__code",
            "response__establishment__department__name",
        )
        .annotate(total=Sum(JsonNumber("value")), establishments=Count("response__establishment", distinct=True))
        .order_by("question__need_key", "response__establishment__department__code", "response__establishment__sector")
    )
    return list(rows)


def needs_by_key(rows: list[dict]) -> list[dict]:
    """Fold ``campaign_needs`` rows into one entry per lot key with its totals and its breakdown."""
    keys: dict[str, dict] = {}
    for row in rows:
        key = keys.setdefault(
            row["question__need_key"], {"key": row["question__need_key"], "volume": 0, "spend": 0, "lines": {}}
        )
        measure = row["question__need_measure"]
        key[measure] += row["total"] or 0
        line = key["lines"].setdefault(
            (row["response__establishment__department__code"], row["response__establishment__sector"]),
            {
                "department": f"{row['response__establishment__department__code']} – "
                f"{row['response__establishment__department__name']}",
                "sector": row["response__establishment__sector"],
                "volume": 0,
                "spend": 0,
                "establishments": 0,
            },
        )
        line[measure] += row["total"] or 0
        line["establishments"] = max(line["establishments"], row["establishments"])
    for key in keys.values():
        key["lines"] = list(key["lines"].values())
    return list(keys.values())


# How long cached needs may live at most: the only input their key does not carry is an establishment's sector or
# department (changed by a FINESS import, not by the campaign), so a change there shows within this delay.
NEEDS_CACHE_SECONDS = 15 * 60


class NeedsSummary(NamedTuple):
    keys: list[dict]  # ``needs_by_key`` of the campaign
    answered: int  # submitted responses
    cache_key: str  # changes with any input of ``keys``: the page's rendered tables are cached under it too


def campaign_needs_summary(campaign: Campaign) -> NeedsSummary:
    """The needs per lot key of the campaign, read from the cache when current.

    Why a cache: the needs aggregate every submitted volume and spend (190,000 answers at national scale, 0.6-1.5 s
    of PostgreSQL however the query is written), while the inputs change rarely once answers are in. Why it is never
    stale: the key carries everything the figures depend on, read in two small queries on every request:
    the number of submitted responses and their latest ``updated_at`` (``services.save_answers`` and
    ``services.submit_response`` touch ``Response.updated_at`` on every write of an answer or a submission;
    deleting a response changes the count) and the campaign's questions with their ``need_key``/``need_measure``
    (edited in the admin). Any such write gives a new key, so the next page shows it at once; old keys expire.
    Region-level figures: the caller has already scoped the campaign to the staff member's regions, so the key names
    the campaign only, no user.
    """
    fingerprint = Response.objects.filter(campaign=campaign, submitted_at__isnull=False).aggregate(
        answered=Count("pk"), latest=Max("updated_at")
    )
    questions = list(
        Question.objects.filter(campaign=campaign).order_by("pk").values_list("pk", "need_key", "need_measure")
    )
    signature = hashlib.sha256(repr((fingerprint["latest"], questions)).encode()).hexdigest()[:24]
    key = f"offers:needs:campaign:{campaign.pk}:{fingerprint['answered']}:{signature}"
    keys = cache.get(key)
    if keys is None:
        keys = needs_by_key(campaign_needs(campaign)) if fingerprint["answered"] else []
        cache.set(key, keys, NEEDS_CACHE_SECONDS)
    return NeedsSummary(keys, fingerprint["answered"], key)
