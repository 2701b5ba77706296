"""Reads scoped to the user. Programmes and campaigns are region rows (staff: their regions; members: their
establishment's region); learners, results and re-training are tenant rows, and names are for NAME_ROLES only."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from establishments.models import Establishment, Region
from establishments.roles import StaffKind
from establishments.selectors import (
    crrc_staff_regions,
    establishments_for,
    is_member_of,
    member_establishments,
    serves_region,
    staff_regions,
)

from .choices import NAME_ROLES, RequestState
from .models import Campaign, CampaignRequest, Enrolment, Learner, PhishingTemplate, Programme, Retraining


def visible_regions(user) -> QuerySet[Region]:
    """Regions whose programmes the user may read: staff and ARS regions, and their establishments' regions."""
    member_regions = member_establishments(user).values("region_id")
    return Region.objects.filter(Q(pk__in=staff_regions(user).values("pk")) | Q(pk__in=member_regions))


def programmes_for(user) -> QuerySet[Programme]:
    return Programme.objects.filter(region__in=visible_regions(user)).select_related("region")


def programmes_of(establishment: Establishment) -> QuerySet[Programme]:
    """The programmes an establishment may join or follow: its own region's, whatever the year."""
    return Programme.objects.filter(region_id=establishment.region_id)


def staff_programmes(user) -> QuerySet[Programme]:
    """Programmes CRRC staff and ARS reviewers follow (their regions)."""
    return Programme.objects.filter(region__in=staff_regions(user)).select_related("region")


def managed_programmes(user) -> QuerySet[Programme]:
    """Programmes CRRC staff run (their regions): batches, requests, result imports."""
    return Programme.objects.filter(region__in=crrc_staff_regions(user)).select_related("region")


def campaigns_for(user) -> QuerySet[Campaign]:
    return Campaign.objects.filter(programme__in=programmes_for(user)).select_related("programme", "template")


def is_staff_of(user, region_id: int, kinds=(StaffKind.CRRC_STAFF,)) -> bool:
    return serves_region(user, region_id, kinds)


def can_manage_learners(user, establishment: Establishment) -> bool:
    """The establishment's sponsor and relays: they import learners and see names and the re-training list."""
    return is_member_of(user, establishment, roles=list(NAME_ROLES))


def can_import_results(user, establishment: Establishment) -> bool:
    """Results come from the platform the CRRC runs: its staff import them, and so may the sponsor and relays."""
    return can_manage_learners(user, establishment) or is_staff_of(user, establishment.region_id)


def enrolment_of(establishment: Establishment, programme: Programme | None) -> Enrolment | None:
    if programme is None:
        return None
    # One row at most (unique): no ordering (the model's joins the establishments), and the programme already read.
    enrolment = Enrolment.objects.filter(establishment=establishment, programme=programme).order_by().first()
    if enrolment is not None:
        enrolment.programme = programme
    return enrolment


def learners_of(user, establishment: Establishment) -> QuerySet[Learner]:
    """Learners with their names: the sponsor and relays only; anybody else gets none."""
    if not can_manage_learners(user, establishment):
        return Learner.objects.none()
    return Learner.objects.for_user(user).filter(establishment=establishment)


def learner_counts(establishment: Establishment) -> dict:
    return Learner.objects.filter(establishment=establishment).aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
    )


def retraining_list(user, establishment: Establishment) -> QuerySet[Retraining]:
    if not can_manage_learners(user, establishment):
        return Retraining.objects.none()
    return (
        Retraining.objects.for_user(user)
        .filter(establishment=establishment)
        .select_related("learner", "campaign__programme", "module")
        .order_by("completed_at", "learner__last_name", "learner__first_name", "learner__email")
    )


def templates_for(establishment: Establishment) -> QuerySet[PhishingTemplate]:
    return PhishingTemplate.objects.filter(region_id=establishment.region_id, is_active=True).order_by("name")


def requests_of(user, establishment: Establishment) -> QuerySet[CampaignRequest]:
    return (
        CampaignRequest.objects.for_user(user)
        .filter(establishment=establishment)
        .select_related("template")
        .order_by("-requested_at")
    )


def staff_requests(user) -> QuerySet[CampaignRequest]:
    return (
        CampaignRequest.objects.filter(establishment__region__in=crrc_staff_regions(user))
        .select_related("template", "establishment")
        .order_by("state", "wanted_on")
    )


def pending_requests_count(user) -> int:
    return staff_requests(user).filter(state=RequestState.REQUESTED).count()


def enrolments_for(user) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(establishment__in=establishments_for(user)).select_related(
        "programme", "establishment"
    )
