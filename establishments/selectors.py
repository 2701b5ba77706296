"""Reads scoped to the requesting user. Every list and detail of tenant data starts from here."""

from django.db.models import Exists, OuterRef, Q, QuerySet

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
    return Region.objects.filter(
        Exists(StaffAssignment.objects.filter(region=OuterRef("pk"), user=user, is_active=True, kind__in=kinds))
    )


def crrc_staff_regions(user) -> QuerySet[Region]:
    return staff_regions(user, kinds=(StaffKind.CRRC_STAFF,))


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
    memberships = Membership.objects.filter(user=user, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Establishment.objects.filter(pk__in=_membership_ids(memberships))


def establishments_where(user, capability: str) -> QuerySet[Establishment]:
    """Establishments where the user's role grants ``capability`` (staff never act for an establishment)."""
    return member_establishments(user, roles=roles_with(capability))


def establishments_for(user) -> QuerySet[Establishment]:
    """Every establishment the user may see: their own, plus their regions' for staff and ARS reviewers."""
    if _is_anonymous(user):
        return Establishment.objects.none()
    if user.is_superuser:
        return Establishment.objects.all()
    memberships = Membership.objects.filter(user=user, is_active=True)
    staff_regions_ids = StaffAssignment.objects.filter(user=user, is_active=True).values("region_id")
    regional = Establishment.objects.filter(region_id__in=staff_regions_ids).values("pk")
    return Establishment.objects.filter(pk__in=_membership_ids(memberships, regional))


def can(user, establishment: Establishment, capability: str) -> bool:
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
    if memo is None:
        memo = user.__dict__["_crrc_is_staff_user"] = user.staff_assignments.filter(is_active=True).exists()
    return memo


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
