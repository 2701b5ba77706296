"""Reads scoped to the requesting user. Every list and detail of tenant data starts from here.

Within a request the user's scope is read once (``ScopeFacts``: one query for the memberships, the staff
assignments and the second factor) and every scoped query then filters on those ids, instead of carrying the
membership subqueries each time (issue 15: a page made 8 scoped queries, each planned in 1–2 ms on the national
data). The memo lives on the request's own user object and only for that request (see ``remember_per_request``).
"""

import itertools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils.functional import LazyObject, empty

from .models import Establishment, Membership, Region, StaffAssignment
from .roles import StaffKind, roles_with


def _is_anonymous(user) -> bool:
    return user is None or not user.is_authenticated or not user.is_active


def staff_regions(user, kinds: tuple[str, ...] = tuple(StaffKind.values)) -> QuerySet[Region]:
    """Regions the user serves as CRRC staff or ARS reviewer (all regions for a superuser)."""
    if _is_anonymous(user):
        return Region.objects.none()
    if user.is_superuser:
        return Region.objects.all()
    facts = scope_facts(user)
    if facts is not None:
        return Region.objects.filter(pk__in=facts.region_ids(kinds))
    return Region.objects.filter(
        Exists(StaffAssignment.objects.filter(region=OuterRef("pk"), user=user, is_active=True, kind__in=kinds))
    )


def crrc_staff_regions(user) -> QuerySet[Region]:
    return staff_regions(user, kinds=(StaffKind.CRRC_STAFF,))


def staff_region_ids(user, kinds: tuple[str, ...] = tuple(StaffKind.values)) -> list[int]:
    """The ids of ``staff_regions(user, kinds)``: from the request's scope facts when read (no query)."""
    if not _is_anonymous(user) and not user.is_superuser and (facts := scope_facts(user)) is not None:
        return facts.region_ids(kinds)
    return list(staff_regions(user, kinds).values_list("pk", flat=True))


def serves_region(user, region_id: int | None = None, kinds: tuple[str, ...] = tuple(StaffKind.values)) -> bool:
    """Whether the user is staff (of ``kinds``) of that region, or of any region when ``region_id`` is None.

    Answered from the request's scope facts when they are read (no query), else by one ``EXISTS``."""
    if not _is_anonymous(user) and not user.is_superuser and (facts := scope_facts(user)) is not None:
        ids = facts.region_ids(kinds)
        return bool(ids) if region_id is None else region_id in ids
    regions = staff_regions(user, kinds)
    return (regions if region_id is None else regions.filter(pk=region_id)).exists()


def _membership_ids(memberships: QuerySet[Membership], *more: QuerySet) -> QuerySet:
    """Ids of the establishments the memberships open: direct ones, and the organisation's in its granted regions.

    An organisation may span regions (issue 9): its membership opens only the establishments of the regions it was
    granted for, hence the (organisation, region) pair read from the membership's regions.

    One ``UNION`` of two index-driven subqueries, used as ``pk IN (…)``. The former ``pk IN (…) OR EXISTS (…)``
    could use no index: PostgreSQL scanned every establishment for each scoped query (20 ms on 26,000 rows, and
    a cost estimate high enough to trigger JIT compilation; issue 15, EXPLAIN ANALYZE in bench/README.md).
    """
    grants = Membership.regions.through.objects.filter(
        membership__in=memberships.filter(organisation__isnull=False).values("pk")
    )
    direct = memberships.filter(establishment__isnull=False).values("establishment_id")
    via_organisation = Establishment.objects.filter(
        Exists(grants.filter(membership__organisation_id=OuterRef("organisation_id"), region_id=OuterRef("region_id")))
    ).values("pk")
    return direct.union(via_organisation, *more)


def member_establishments(user, roles: list[str] | None = None) -> QuerySet[Establishment]:
    """Establishments where the user has an active membership, directly or through its organisation."""
    if _is_anonymous(user):
        return Establishment.objects.none()
    facts = scope_facts(user)
    if facts is not None:
        return Establishment.objects.filter(pk__in=facts.member_ids(roles))
    memberships = Membership.objects.filter(user=user, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Establishment.objects.filter(pk__in=_membership_ids(memberships))


def is_member_of(user, establishment: Establishment, roles: list[str] | None = None) -> bool:
    """Whether the user is an active member of the establishment (with one of ``roles``), from the request's scope
    when it is read (no query), else one ``EXISTS``."""
    if _is_anonymous(user):
        return False
    facts = scope_facts(user)
    if facts is not None:
        return establishment.pk in facts.member_ids(roles)
    return member_establishments(user, roles=roles).filter(pk=establishment.pk).exists()


def establishments_where(user, capability: str) -> QuerySet[Establishment]:
    """Establishments where the user's role grants ``capability`` (staff never act for an establishment)."""
    return member_establishments(user, roles=roles_with(capability))


def establishments_for(user) -> QuerySet[Establishment]:
    """Every establishment the user may see: their own, plus their regions' for staff and ARS reviewers."""
    if _is_anonymous(user):
        return Establishment.objects.none()
    if user.is_superuser:
        return Establishment.objects.all()
    facts = scope_facts(user)
    if facts is not None:
        regions = facts.region_ids()
        if not regions:
            return Establishment.objects.filter(pk__in=facts.member_ids())
        return Establishment.objects.filter(Q(pk__in=facts.member_ids()) | Q(region_id__in=regions))
    memberships = Membership.objects.filter(user=user, is_active=True)
    staff_regions_ids = StaffAssignment.objects.filter(user=user, is_active=True).values("region_id")
    regional = Establishment.objects.filter(region_id__in=staff_regions_ids).values("pk")
    return Establishment.objects.filter(pk__in=_membership_ids(memberships, regional))


def can(user, establishment: Establishment, capability: str) -> bool:
    facts = None if _is_anonymous(user) else scope_facts(user)
    if facts is not None:
        return establishment.pk in facts.member_ids(roles_with(capability))
    return establishments_where(user, capability).filter(pk=establishment.pk).exists()


def is_staff_user(user) -> bool:
    """CRRC staff and ARS reviewers: the people who must use MFA."""
    if _is_anonymous(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    # Asked by the MFA middleware and again by pages: one query per request. The user object is loaded afresh for
    # each request, so the memo on it never outlives the request.
    memo = user.__dict__.get("_crrc_is_staff_user")
    if memo is None and (facts := scope_facts(user)) is not None:
        memo = user.__dict__["_crrc_is_staff_user"] = bool(facts.staff)
    if memo is None:
        memo = user.__dict__["_crrc_is_staff_user"] = user.staff_assignments.filter(is_active=True).exists()
    return memo


# --- The per-request scope ------------------------------------------------------------------------------------

_MEMO = "_crrc_scope_memo"
# Bumped by every write that changes a scope (signals in apps.py): a memo read before it is not used again.
_generation = itertools.count()
_current = [next(_generation)]


def scope_changed(**kwargs) -> None:
    """Signal receiver: a membership, staff assignment, organisation grant or establishment was written."""
    _current[0] = next(_generation)


@dataclass(frozen=True)
class ScopeFacts:
    """What the user's scope is made of, read in one query: enough to answer every selector above."""

    memberships: tuple[tuple[int, str], ...]  # (establishment id, role): direct, and through organisations
    staff: tuple[tuple[int, str], ...]  # (region id, kind) of the active staff assignments
    second_factor: bool  # a TOTP or security key is set up (the staff MFA rule)
    organisation_member: bool = False  # an active organisation membership (even one granted no region yet)
    member_regions: frozenset[int] = frozenset()  # the regions of the establishments in ``memberships``

    @property
    def has_membership(self) -> bool:
        return bool(self.memberships) or self.organisation_member

    def member_ids(self, roles=None) -> list[int]:
        return sorted({pk for pk, role in self.memberships if roles is None or role in roles})

    def region_ids(self, kinds=None) -> list[int]:
        return sorted({pk for pk, kind in self.staff if kinds is None or kind in kinds})


def _scope_facts_query(user_id: int) -> QuerySet:
    """One ``UNION ALL``: direct memberships, organisation memberships × granted regions, the organisation
    memberships themselves, staff assignments, and the second factors. Each arm is an index lookup on the user.

    Rows are (id, role or kind, the establishment's region for memberships, arm); fields come before the constant
    columns in every arm, so the SQL's column order is that one in each."""
    from allauth.mfa.models import Authenticator

    from accounts.mfa import SECOND_FACTORS

    active = {"membership__user": user_id, "membership__is_active": True, "membership__organisation__isnull": False}
    none = Value(None, output_field=IntegerField())
    direct = Membership.objects.filter(user=user_id, is_active=True, establishment__isnull=False).values_list(
        "establishment_id", "role", "establishment__region_id", Value("m")
    )
    via_organisation = Membership.regions.through.objects.filter(
        **active, membership__organisation__establishments__region_id=F("region_id")
    ).values_list("membership__organisation__establishments__id", "membership__role", "region_id", Value("m"))
    organisations = Membership.objects.filter(user=user_id, is_active=True, organisation__isnull=False).values_list(
        "organisation_id", "role", none, Value("o")
    )
    staff = StaffAssignment.objects.filter(user=user_id, is_active=True).values_list(
        "region_id", "kind", none, Value("s")
    )
    factors = Authenticator.objects.filter(user=user_id, type__in=SECOND_FACTORS).values_list(
        "user_id", "type", none, Value("f")
    )
    arms = [arm.order_by() for arm in (direct, via_organisation, organisations, staff, factors)]  # no orderings
    return arms[0].union(*arms[1:], all=True).order_by()


_SENTINEL_USER = -7_070_707  # stands for the user id in the compiled query: no real id is negative
_compiled: list[tuple[str, tuple]] = []


def _compiled_scope_query() -> tuple[str, tuple]:
    if not _compiled:
        sql, params = _scope_facts_query(_SENTINEL_USER).query.sql_with_params()
        _compiled.append((sql, tuple(params)))
    return _compiled[0]


def user_with_scope_facts(user_model, user_id):
    """The signed-in user and their scope facts in **one** round trip (PostgreSQL): what every request starts with.

    The authentication backend (``accounts.backends.PortalBackend``) loads the session's user with it; the facts
    ride on that user object and become the request's memo when the middleware turns it on
    (``remember_per_request``), if no scope was written since (the generation). ``None`` when there is no such user.
    Elsewhere than on PostgreSQL (the demo's SQLite) it is the two usual queries.
    """
    from django.db.models.expressions import RawSQL

    if connection.vendor != "postgresql":
        user = user_model._default_manager.filter(pk=user_id).first()
        return user
    generation = _current[0]
    sql, params = _compiled_scope_query()
    facts_sql = (
        "SELECT COALESCE(json_agg(json_build_array(f.a, f.b, f.c, f.d)), '[]'::json) "  # noqa: S608 - by the ORM
        f"FROM ({sql}) AS f(a, b, c, d)"
    )
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - a damaged session's id is no user, as in ModelBackend.get_user
        return None
    user = (
        user_model._default_manager.filter(pk=pk)
        .annotate(_crrc_scope_rows=RawSQL(facts_sql, [pk if p == _SENTINEL_USER else p for p in params]))  # noqa: S611 - SQL compiled by the ORM, values as parameters
        .first()
    )
    if user is not None:
        rows = user.__dict__.pop("_crrc_scope_rows")
        user.__dict__[_PRELOADED] = (generation, _facts(tuple(tuple(row) for row in rows)))
    return user


_PRELOADED = "_crrc_scope_preloaded"


def read_scope_facts(user) -> ScopeFacts:
    """The scope query, compiled by the ORM once per process and run with the user's id.

    Building a five-arm ``UNION`` through the ORM costs more Python than the query costs PostgreSQL; it is the
    same SQL for every user, so it is compiled once (the ORM stays the one definition of it).
    """
    sql, params = _compiled_scope_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk if p == _SENTINEL_USER else p for p in params])
        rows = cursor.fetchall()
    return _facts(rows)


def _facts(rows) -> ScopeFacts:
    return ScopeFacts(
        memberships=tuple((pk, role) for pk, role, _, arm in rows if arm == "m"),
        staff=tuple((pk, kind) for pk, kind, _, arm in rows if arm == "s"),
        second_factor=any(arm == "f" for *_, arm in rows),
        organisation_member=any(arm == "o" for *_, arm in rows),
        member_regions=frozenset(region for _, _, region, arm in rows if arm == "m"),
    )


def _own(user):
    """The user object itself behind ``request.user``'s lazy wrapper (whose ``__dict__`` is the wrapper's)."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def remember_per_request(user) -> None:
    """Turn the memo on for the request's own user object (the middleware, once per request).

    That object is loaded from the session for each request and dropped with it: nothing is kept across
    requests (a revoked membership or staff assignment takes effect on the next request). Users built elsewhere
    (tasks, commands, tests' own objects) never memoise.
    """
    user = _own(user)
    if user is not None and user.is_authenticated and _MEMO not in user.__dict__:
        memo = user.__dict__[_MEMO] = {"depth": len(connection.atomic_blocks)}
        preloaded = user.__dict__.pop(_PRELOADED, None)  # read with the user (user_with_scope_facts)
        if preloaded is not None:
            memo["generation"], memo["facts"] = preloaded


def scope_facts(user) -> ScopeFacts | None:
    """The request's scope facts, read once; ``None`` when the memo is off (then each selector queries).

    Not used inside a transaction the request opened (a service writing memberships, then reading): what it
    wrote might be rolled back, and the memo would outlive it.
    """
    memo = _own(user).__dict__.get(_MEMO)
    if memo is None or len(connection.atomic_blocks) != memo["depth"]:
        return None
    if memo.get("generation") != _current[0] or "facts" not in memo:
        memo["generation"] = _current[0]
        memo["facts"] = read_scope_facts(user)
    return memo["facts"]


def active_memberships(establishment: Establishment) -> QuerySet[Membership]:
    return Membership.objects.filter(is_active=True).covering(establishment).select_related("user", "organisation")


def awareness_relays(establishment: Establishment) -> list:
    """The establishment's awareness relays (users, one query): whoever shows the awareness next step reads them here,
    so that an establishment that has named one is never asked to name one."""
    from .roles import Role

    memberships = active_memberships(establishment).filter(role=Role.AWARENESS_RELAY)
    return [m.user for m in memberships.order_by("user__last_name", "user__first_name", "user__email")]


# --- Onboarding pages ----------------------------------------------------------------------------------------


def my_establishments_list(user) -> QuerySet[Establishment]:
    """The user's establishments for "Mes établissements", grouped by organisation, with the user's own role."""
    from django.db.models import OuterRef, Subquery

    own_role = Membership.objects.filter(user=user, is_active=True, establishment=OuterRef("pk")).values("role")[:1]
    organisation_role = Membership.objects.filter(
        user=user,
        is_active=True,
        organisation=OuterRef("organisation"),
        organisation__isnull=False,
        regions=OuterRef("region"),
    ).values("role")[:1]
    return (
        member_establishments(user)
        .select_related("region", "department", "category", "organisation")
        .annotate(my_role=Subquery(own_role), my_organisation_role=Subquery(organisation_role))
        .order_by("organisation__name", "name")
    )


def establishment_memberships(establishment: Establishment) -> QuerySet[Membership]:
    """Every membership, active and past, giving access to the establishment (direct or through its organisation)."""
    return (
        Membership.objects.covering(establishment)
        .select_related("user", "organisation", "deactivated_by")
        .order_by("-is_active", "role", "user__last_name", "user__email")
    )


def pending_access_requests(establishment: Establishment) -> QuerySet:
    from .models import AccessRequest

    return (
        AccessRequest.objects.filter(establishment=establishment, status=AccessRequest.Status.PENDING)
        .select_related("user")
        .order_by("created_at")
    )


def user_access_requests(user) -> QuerySet:
    """The user's own claims awaiting a decision or decided recently, for "Mes établissements"."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import AccessRequest

    if _is_anonymous(user):
        return AccessRequest.objects.none()
    recent = timezone.now() - timedelta(days=30)
    return (
        AccessRequest.objects.filter(user=user)
        .filter(Q(status=AccessRequest.Status.PENDING) | Q(decided_at__gte=recent))
        .select_related("establishment")
        .order_by("-created_at")
    )


def pending_invitations(establishment: Establishment) -> QuerySet:
    from django.utils import timezone

    from .models import Invitation

    return (
        Invitation.objects.filter(
            establishment=establishment,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitations_for_user(user) -> QuerySet:
    """Usable invitations sent to one of the user's verified addresses."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from .models import Invitation

    if _is_anonymous(user):
        return Invitation.objects.none()
    emails = [e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)]
    return (
        Invitation.objects.filter(
            email__in=emails, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("establishment", "invited_by")
        .order_by("-created_at")
    )
