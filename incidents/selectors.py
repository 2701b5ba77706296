"""Reads of the incident module, scoped to the user (``IncidentQuerySet.for_user``: director, RSSI, CRRC staff).

``statistics`` is what ARS reviewers and the dashboards see: counts, hours and delays computed in the database, no
incident row, no establishment name beyond what the dashboards' drill-down shows.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from establishments.models import Establishment
from establishments.roles import Capability
from establishments.selectors import establishments_where

from .models import Incident, IncidentStep, Intervention
from .steps import StepKind
from .workflow import OPEN_STATES, State


def incidents_for(user) -> QuerySet[Incident]:
    return Incident.objects.for_user(user).select_related("establishment__region", "establishment__department")


def incident_detail(user, pk: int) -> Incident:
    from crrc.tenancy import get_for_user_or_404

    return get_for_user_or_404(
        Incident.objects.select_related("establishment__region", "declared_by").prefetch_related(
            Prefetch("steps", queryset=IncidentStep.objects.select_related("done_by").order_by("deadline", "pk")),
            Prefetch("interventions", queryset=Intervention.objects.select_related("recorded_by").order_by("at", "pk")),
            "transitions__by",
        ),
        user,
        pk=pk,
    )


def handled_establishments(user) -> QuerySet[Establishment]:
    """Establishments where the user may declare an incident."""
    return establishments_where(user, Capability.HANDLE_INCIDENTS).select_related("region").order_by("name")


def with_next_step(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate each incident with its next undone step (kind, deadline) in one query."""
    pending = IncidentStep.objects.filter(incident=OuterRef("pk"), done_at__isnull=True).order_by("deadline", "pk")
    return queryset.annotate(
        next_step_kind=Subquery(pending.values("kind")[:1]),
        next_step_deadline=Subquery(pending.values("deadline")[:1]),
        hours_spent=Sum("interventions__hours"),
    )


def region_incidents(user, state: str = "") -> QuerySet[Incident]:
    queryset = incidents_for(user)
    if state == "open":
        queryset = queryset.filter(state__in=OPEN_STATES)
    elif state in State.values:
        queryset = queryset.filter(state=state)
    return with_next_step(queryset).order_by("state", "-detected_at", "-pk")


def _duration(end: str, start: str = "detected_at") -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def statistics(establishments: QuerySet[Establishment], start=None, end=None) -> dict:
    """Counts, hours and average delays of the incidents of ``establishments`` detected in [start, end[ (the
    dashboard's period: the same instants as its drill-downs, not whole days)."""
    incidents = Incident.objects.filter(establishment__in=establishments)
    if start:
        incidents = incidents.filter(detected_at__gte=start)
    if end:
        incidents = incidents.filter(detected_at__lt=end)
    portal_done = IncidentStep.objects.filter(
        incident=OuterRef("pk"), kind=StepKind.NATIONAL_PORTAL, done_at__isnull=False
    ).values("done_at")[:1]
    counts = incidents.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        closed=Count("pk", filter=Q(state=State.CLOSED)),
        rapid_response=Count("pk", filter=Q(rapid_response_requested_at__isnull=False)),
        support_delay=Avg(_duration("supported_at"), filter=Q(supported_at__isnull=False)),
    )
    declaration = incidents.annotate(portal_at=Subquery(portal_done)).filter(portal_at__isnull=False)
    counts["declaration_delay"] = declaration.aggregate(
        delay=Avg(ExpressionWrapper(F("portal_at") - F("detected_at"), output_field=DurationField()))
    )["delay"]
    counts["hours"] = Intervention.objects.filter(incident__in=incidents).aggregate(total=Sum("hours"))["total"] or 0
    return counts


def hours_display(delay: timedelta | None) -> str:
    """A delay as people say it: "3 h 20", "2 j 4 h"; an em dash when there is none."""
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} j {hours} h"
    return f"{hours} h {minutes:02d}"
