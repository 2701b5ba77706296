"""Reads of action plans, always scoped to the requesting user through ``TenantQuerySet``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from establishments.models import Establishment
from establishments.selectors import active_memberships

from .models import ActionItem, ActionPlan
from .workflow import CLOSED_STATES, Status

SORTS = {
    "priority": ("priority", "deadline", "pk"),
    "deadline": ("deadline", "priority", "pk"),
    "status": ("status", "priority", "deadline", "pk"),
    "title": ("title", "pk"),
    "updated": ("-updated_at", "pk"),
}


def plan_items(user, establishment: Establishment) -> QuerySet[ActionItem]:
    """The items of ``establishment``'s plan the user may see (empty for another tenant)."""
    return (
        ActionItem.objects.for_user(user)
        .filter(plan__establishment=establishment)
        .select_related("owner")
        .annotate(comment_count=Count("comments"))
    )


def filter_items(items: QuerySet[ActionItem], filters: dict) -> QuerySet[ActionItem]:
    status = filters.get("status")
    if status == "open":
        items = items.exclude(status__in=CLOSED_STATES)
    elif status:
        items = items.filter(status=status)
    if filters.get("priority"):
        items = items.filter(priority=filters["priority"])
    owner = filters.get("owner")
    if owner == "none":
        items = items.filter(owner__isnull=True)
    elif owner:
        items = items.filter(owner_id=owner)
    if filters.get("overdue"):
        items = items.overdue()
    return items.order_by(*SORTS.get(filters.get("sort") or "priority", SORTS["priority"]))


def plan_summary(user, establishment: Establishment) -> dict:
    """Counts by status, overdue count and mean progress of the items still relevant (one query)."""
    today = timezone.localdate()
    open_q = ~Q(status__in=CLOSED_STATES)
    data = (
        ActionItem.objects.for_user(user)
        .filter(plan__establishment=establishment)
        .aggregate(
            total=Count("pk"),
            todo=Count("pk", filter=Q(status=Status.TODO)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            done=Count("pk", filter=Q(status=Status.DONE)),
            abandoned=Count("pk", filter=Q(status=Status.ABANDONED)),
            overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
            p1_open=Count("pk", filter=open_q & Q(priority="P1")),
        )
    )
    relevant = data["total"] - data["abandoned"]
    data["done_rate"] = round(100 * data["done"] / relevant) if relevant else 0
    return data


def owner_choices(establishment: Establishment) -> QuerySet:
    """People who may own an item: the establishment's active members (direct or through its organisation)."""
    user_ids = active_memberships(establishment).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("last_name", "first_name", "email")


def visible_plans(user) -> QuerySet[ActionPlan]:
    """Plans of every establishment the user sees, with their counts, for the plans index and staff."""
    today = timezone.localdate()
    open_q = ~Q(items__status__in=CLOSED_STATES)
    return (
        ActionPlan.objects.for_user(user)
        .select_related("establishment", "establishment__department")
        .annotate(
            item_count=Count("items"),
            open_count=Count("items", filter=open_q),
            overdue_count=Count("items", filter=open_q & Q(items__deadline__lt=today)),
            done_count=Count("items", filter=Q(items__status=Status.DONE)),
        )
        .order_by("establishment__name")
    )
