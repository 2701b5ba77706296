"""CRRC staff's home: what waits for them in their regions, across the apps, in a fixed number of queries.

Each block is a count plus the oldest or most urgent rows (at most ``LIMIT``), read through the apps' own
querysets and scoped to the regions where the user is CRRC staff (all regions for a superuser).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from establishments.selectors import crrc_staff_regions

LIMIT = 10


@dataclass
class Block:
    rows: list
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


@dataclass
class WorkQueue:
    regions: list
    access_requests: Block
    applications: list[dict]
    applications_total: int
    overdue_items: Block
    failed_reports: Block
    admin_links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.access_requests.total
            or self.applications_total
            or self.overdue_items.total
            or self.failed_reports.total
        )


def _block(qs: QuerySet) -> Block:
    rows = list(qs[:LIMIT])
    total = len(rows) if len(rows) < LIMIT else qs.order_by().count()
    return Block(rows, total)


def pending_access_requests(user, regions) -> QuerySet:
    from establishments.models import AccessRequest

    return (
        AccessRequest.objects.for_user(user)
        .filter(status=AccessRequest.Status.PENDING, establishment__region__in=regions)
        .select_related("user", "establishment")
        .order_by("created_at", "pk")
    )


def applications_to_review(user, regions) -> list[dict]:
    """Applications waiting for the CRRC (submitted or in review), grouped by call and cut-off date."""
    from calls.models import Application, State

    waiting = [State.EN_CONSTRUCTION, State.EN_INSTRUCTION]
    return list(
        Application.objects.for_user(user)
        .filter(call__region__in=regions, state__in=waiting)
        .values("call_id", "call__title", "cutoff__date", "cutoff__label")
        .annotate(
            submitted=Count("id", filter=Q(state=State.EN_CONSTRUCTION)),
            in_review=Count("id", filter=Q(state=State.EN_INSTRUCTION)),
            total=Count("id"),
        )
        .order_by("cutoff__date", "call__title", "call_id")
    )


def overdue_action_items(user, regions) -> QuerySet:
    from action_plans.models import ActionItem

    return (
        ActionItem.objects.for_user(user)
        .overdue(timezone.localdate())
        .filter(plan__establishment__region__in=regions)
        .select_related("plan__establishment", "owner")
        .order_by("deadline", "pk")
    )


def failed_reports(user, regions) -> QuerySet:
    from reports.models import Report

    return (
        Report.objects.for_user(user)
        .filter(status=Report.Status.FAILED, establishment__region__in=regions)
        .select_related("establishment")
        .order_by("-finished_at", "-pk")
    )


def admin_links(user) -> list[tuple[str, str]]:
    """Admin pages the user may open, as (label, URL name) — only those their permissions allow."""
    from django.utils.translation import gettext as _

    candidates = [
        (
            _("Demandes de rattachement"),
            "admin:establishments_accessrequest_changelist",
            "establishments.view_accessrequest",
        ),
        (_("Établissements"), "admin:establishments_establishment_changelist", "establishments.view_establishment"),
        (_("Appels à projets"), "admin:calls_call_changelist", "calls.view_call"),
        (_("Actions des plans"), "admin:action_plans_actionitem_changelist", "action_plans.view_actionitem"),
        (_("Documents générés"), "admin:reports_report_changelist", "reports.view_report"),
    ]
    if not (user.is_active and user.is_staff):
        return []
    links = [(_("Administration"), "admin:index")]
    links += [(label, url) for label, url, perm in candidates if user.has_perm(perm)]
    return links


def _with_kind_labels(block: Block) -> Block:
    from reports import registry

    for report in block.rows:
        try:
            report.kind_label = registry.get(report.kind).label
        except registry.UnknownReportKind:
            report.kind_label = report.kind
    return block


def work_queue(user) -> WorkQueue:
    regions = crrc_staff_regions(user)
    applications = applications_to_review(user, regions)
    return WorkQueue(
        regions=list(regions.order_by("name")),
        access_requests=_block(pending_access_requests(user, regions)),
        applications=applications,
        applications_total=sum(row["total"] for row in applications),
        overdue_items=_block(overdue_action_items(user, regions)),
        failed_reports=_with_kind_labels(_block(failed_reports(user, regions))),
        admin_links=admin_links(user),
    )
