"""Reads scoped to the user: the establishment's exercises, the regional register, the console's live data."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast
from django.utils import timezone

from establishments.roles import StaffKind
from establishments.selectors import (
    crrc_staff_regions,
    establishments_for,
    serves_region,
    staff_region_ids,
)

from .choices import FINISHED_STATES, KitLevel, ObservationKind, State, StimulusStatus
from .models import Exercise, Stimulus

REGISTER_GROUPS = {
    "planned": [State.DRAFT, State.PLANNED, State.READY],
    "played": [State.RUNNING, State.PAUSED, State.PLAYED, State.DEBRIEFED],
    "reported": [State.CLOSED],
    "cancelled": [State.CANCELLED],
}


def exercises_for(user) -> QuerySet[Exercise]:
    return Exercise.objects.for_user(user)


def _sites_prefetch() -> Prefetch:
    from .models import ExerciseSite

    return Prefetch("sites", queryset=ExerciseSite.objects.select_related("site").order_by("site__name"))


def list_for(user) -> QuerySet[Exercise]:
    return (
        exercises_for(user)
        .select_related("establishment", "establishment__department", "scenario")
        .prefetch_related(_sites_prefetch())
        .annotate(
            stimulus_count=Count("stimuli", distinct=True), participant_count=Count("participants", distinct=True)
        )
        .order_by(F("starts_at").desc(nulls_last=True), "-pk")
    )


def detail_queryset() -> QuerySet[Exercise]:
    return Exercise.objects.select_related(
        "establishment",
        "establishment__region",
        "establishment__organisation",
        "scenario",
        "application",
        "purchase_order__agreement",
        "retex_template",
    )


def is_staff_reader(user) -> bool:
    return serves_region(user)


def is_crrc_staff_somewhere(user) -> bool:
    return serves_region(user, kinds=(StaffKind.CRRC_STAFF,))


def can_create_somewhere(user) -> bool:
    from establishments.roles import Capability
    from establishments.selectors import establishments_where

    return is_crrc_staff_somewhere(user) or establishments_where(user, Capability.MANAGE_ACTION_PLAN).exists()


def creatable_establishments(user):
    from establishments.roles import Capability
    from establishments.selectors import establishments_where

    regions = crrc_staff_regions(user)
    mine = establishments_where(user, Capability.MANAGE_ACTION_PLAN)
    return establishments_for(user).filter(Q(region__in=regions) | Q(pk__in=mine.values("pk"))).order_by("name")


# ---- sites of a multi-site exercise ------------------------------------------------------------------------


def _site_scope(user) -> Q:
    """Establishments the user may enlist as a site: their CRRC regions', or those where they plan exercises."""
    from establishments.roles import Capability
    from establishments.selectors import establishments_where

    return Q(region__in=crrc_staff_regions(user)) | Q(
        pk__in=establishments_where(user, Capability.MANAGE_ACTION_PLAN).values("pk")
    )


def selectable_sites(user, establishment):
    """The other establishments of ``establishment``'s organisation the user may add to its exercise."""
    from establishments.models import Establishment

    if establishment is None or not establishment.organisation_id:
        return Establishment.objects.none()
    return (
        Establishment.objects.filter(organisation_id=establishment.organisation_id)
        .exclude(pk=establishment.pk)
        .filter(_site_scope(user))
        .order_by("name")
    )


def site_names(exercise: Exercise) -> list[str]:
    return [s.site.name for s in exercise.sites.select_related("site").order_by("site__name")]


# ---- "Mon établissement" -----------------------------------------------------------------------------------


def participation_summary(user, establishment) -> dict:
    from .models import ExerciseSite

    as_site = ExerciseSite.objects.filter(exercise=OuterRef("pk"), site=establishment)
    rows = list(
        exercises_for(user)
        .filter(Q(establishment=establishment) | Exists(as_site))
        .select_related("scenario", "establishment")
        .order_by(F("starts_at").desc(nulls_last=True), "-pk")[:12]
    )
    now = timezone.now()
    upcoming = [
        e for e in rows if e.state in REGISTER_GROUPS["planned"] and (e.starts_at is None or e.starts_at >= now)
    ]
    live = [e for e in rows if e.state in (State.RUNNING, State.PAUSED)]
    past = [e for e in rows if e.state in FINISHED_STATES][:5]
    next_one = live[0] if live else (min(upcoming, key=lambda e: e.starts_at or now) if upcoming else None)
    to_debrief = next((e for e in rows if e.state in (State.PLAYED, State.DEBRIEFED)), None)
    return {
        "next": next_one,
        "past": past,
        "to_debrief": to_debrief,
        "establishment": establishment,
        "has_any": bool(rows),
    }


# ---- the register ------------------------------------------------------------------------------------------


@dataclass
class RegisterFilters:
    state_group: str = ""
    kit_level: str = ""
    sector: str = ""
    department: int | None = None
    year: int | None = None


def register_queryset(user, filters: RegisterFilters) -> QuerySet[Exercise]:
    """The region's exercises (staff and ARS reviewers only see their regions; the region filter is the scope)."""
    qs = Exercise.objects.filter(establishment__region_id__in=staff_region_ids(user))
    if filters.state_group in REGISTER_GROUPS:
        qs = qs.filter(state__in=REGISTER_GROUPS[filters.state_group])
    if filters.kit_level in KitLevel.values:
        qs = qs.filter(kit_level=filters.kit_level)
    if filters.sector:
        qs = qs.filter(establishment__sector=filters.sector)
    if filters.department:
        qs = qs.filter(establishment__department_id=filters.department)
    if filters.year:
        qs = qs.filter(starts_at__year=filters.year)
    return qs


def register_stats(qs: QuerySet[Exercise]) -> dict:
    """Counts and delays computed in the database, a fixed number of queries whatever the volume."""
    from action_plans.models import ActionItem
    from action_plans.workflow import SourceKind, Status

    groups = qs.aggregate(
        **{name: Count("pk", filter=Q(state__in=states)) for name, states in REGISTER_GROUPS.items()},
        total=Count("pk"),
        delay=Avg(
            ExpressionWrapper(F("reported_at") - F("ended_at"), output_field=DurationField()),
            filter=Q(reported_at__isnull=False, ended_at__isnull=False),
        ),
    )
    # The three breakdowns from one grouped query (kit level × sector × department: a few hundred rows at most),
    # folded here rather than three GROUP BY over the same exercises.
    by_level: dict[str, int] = {}
    sectors: dict[str, int] = {}
    departments: dict[tuple[str, str], int] = {}
    for level, sector, code, name, n in (
        qs.order_by()
        .values_list(
            "kit_level", "establishment__sector", "establishment__department__code", "establishment__department__name"
        )
        .annotate(n=Count("pk"))
    ):
        by_level[level] = by_level.get(level, 0) + n
        sectors[sector] = sectors.get(sector, 0) + n
        departments[code, name] = departments.get((code, name), 0) + n
    by_sector = [
        {"establishment__sector": sector, "n": n} for sector, n in sorted(sectors.items(), key=lambda item: -item[1])
    ]
    by_department = [
        {"establishment__department__code": code, "establishment__department__name": name, "n": n}
        for (code, name), n in sorted(departments.items(), key=lambda item: (item[0][0] is None, item[0][0] or ""))
    ]
    items = ActionItem.objects.filter(
        source_kind=SourceKind.EXERCISE_DEBRIEF,
        source_content_type=ContentType.objects.get_for_model(Exercise),
        source_object_id__in=qs.annotate(key=Cast("pk", CharField())).values("key"),
    ).aggregate(total=Count("pk"), done=Count("pk", filter=Q(status=Status.DONE)))
    delay = groups.pop("delay")
    return {
        **groups,
        "by_level": [(KitLevel(code).label, by_level.get(code, 0)) for code in KitLevel.values],
        "by_sector": by_sector,
        "by_department": by_department,
        "delay_days": round(delay.total_seconds() / 86400, 1) if delay else None,
        "actions_total": items["total"],
        "actions_done": items["done"],
        "actions_share": round(100 * items["done"] / items["total"]) if items["total"] else None,
    }


def with_labels(rows: list, **fields: str) -> list:
    """``<attribute>`` on each row for ``<attribute>=<field>``: what ``get_<field>_display`` gives, from one table.

    ``get_FOO_display`` hashes every lazily translated label of the field's choices on each call (a translation
    lookup per choice and row: 1,500 on the register's 100 rows); the table is built once per call here.
    """
    if not rows:
        return rows
    meta = type(rows[0])._meta
    tables = {name: {k: str(v) for k, v in meta.get_field(field).flatchoices} for name, field in fields.items()}
    for row in rows:
        for name, field in fields.items():
            value = getattr(row, field)
            setattr(row, name, tables[name].get(value, value))
    return rows


def register_rows(qs: QuerySet[Exercise]) -> QuerySet[Exercise]:
    """One row per exercise; a multi-site exercise lists its sites (one prefetch, never one row per site)."""
    return (
        qs.select_related("establishment", "establishment__department", "scenario", "application")
        .prefetch_related(_sites_prefetch())
        .order_by("-starts_at", "-pk")
    )


# ---- console -----------------------------------------------------------------------------------------------


def console_data(exercise: Exercise) -> dict:
    stimuli = with_labels(
        list(exercise.stimuli.select_related("played_by").order_by("offset_seconds", "pk")),
        channel_label="channel",
        recipient_cell_label="recipient_cell",
        status_label="status",
    )
    pending = [s for s in stimuli if s.status == StimulusStatus.PENDING]
    done = [s for s in stimuli if s.status != StimulusStatus.PENDING]
    journal = list(exercise.journal.select_related("author").order_by("-at", "-pk")[:60])
    observations = with_labels(
        list(exercise.observations.select_related("author", "objective").order_by("-at", "-pk")[:60]),
        kind_label="kind",
    )
    elapsed = exercise.elapsed_seconds()
    return {
        "pending": pending,
        "done": done,
        "journal": journal,
        "observations": observations,
        "elapsed": elapsed,
        "next_due": next((s for s in pending), None),
        "late": [s for s in pending if s.offset_seconds <= elapsed],
    }


def improvement_points(exercise: Exercise):
    return (
        exercise.observations.filter(kind=ObservationKind.IMPROVEMENT).select_related("objective").order_by("at", "pk")
    )


def planned_keys(exercise: Exercise) -> set[str]:
    from action_plans.models import ActionItem

    prefix = f"exercise:{exercise.pk}:observation:"
    return set(
        ActionItem.objects.filter(
            plan__establishment=exercise.establishment, source_key__startswith=prefix
        ).values_list("source_key", flat=True)
    )


def retex_summary(exercise: Exercise) -> dict:
    from .models import RetexAnswer

    answers = RetexAnswer.objects.filter(response__exercise=exercise)
    by_question = list(
        answers.values("question__category", "question__text", "question__order")
        .annotate(avg=Avg("score"), n=Count("pk"))
        .order_by("question__order")
    )
    texts = list(
        answers.exclude(worked="", did_not_work="")
        .values("question__text", "worked", "did_not_work")
        .order_by("question__order", "pk")
    )
    return {
        "responses": exercise.retex_responses.count(),
        "invited": exercise.participants.count(),
        "by_question": by_question,
        "texts": texts,
    }


def stimuli_scores(exercise: Exercise) -> dict:
    rows = {r["score"]: r["n"] for r in exercise.stimuli.values("score").annotate(n=Count("pk"))}
    return rows


def stimulus_for(exercise: Exercise, pk: int) -> Stimulus:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(exercise.stimuli.select_related("exercise"), pk=pk)
