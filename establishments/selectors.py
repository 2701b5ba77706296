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


def member_establishments(user, roles: list[str] | None = None) -> QuerySet[Establishment]:
    """Establishments where the user has an active membership, directly or through its organisation."""
    if _is_anonymous(user):
        return Establishment.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    direct = memberships.filter(establishment=OuterRef("pk"))
    through_organisation = memberships.filter(organisation=OuterRef("organisation"), organisation__isnull=False)
    return Establishment.objects.filter(Exists(direct) | Exists(through_organisation))


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
    staff = StaffAssignment.objects.filter(user=user, is_active=True, region=OuterRef("region"))
    return Establishment.objects.filter(
        Exists(memberships.filter(establishment=OuterRef("pk")))
        | Exists(memberships.filter(organisation=OuterRef("organisation"), organisation__isnull=False))
        | Exists(staff)
    )


def can(user, establishment: Establishment, capability: str) -> bool:
    return establishments_where(user, capability).filter(pk=establishment.pk).exists()


def is_staff_user(user) -> bool:
    """CRRC staff and ARS reviewers: the people who must use MFA."""
    if _is_anonymous(user):
        return False
    return user.is_staff or user.is_superuser or user.staff_assignments.filter(is_active=True).exists()


def active_memberships(establishment: Establishment) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(is_active=True)
        .filter(
            Q(establishment=establishment) | Q(organisation__isnull=False, organisation=establishment.organisation_id)
        )
        .select_related("user", "organisation")
    )
