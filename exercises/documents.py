"""PDF documents of an exercise, built by the reports pipeline (Celery + WeasyPrint).

- ``exercise_report``: context and objectives, participants by role, the chronogram as played (planned vs actual),
  observations, expected reactions and their scores, RETEX summary, action items — each section switched on or
  off on the debrief page (``Exercise.report_sections``). Closing the exercise needs one built.
- ``exercise_report_shared``: the version to hand to players without an account: no e-mail addresses, no
  authors' names, no RETEX free texts.
- ``exercise_evidence_has314``: the establishment's evidence for HAS criterion 3.14 over a period (exercises
  held, participation by function, RETEX, follow-up of actions).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.registry import Document, register

from . import selectors
from .choices import FINISHED_STATES, Cell, Function, ObservationKind, ReactionScore, State
from .forms import REPORT_SECTIONS
from .models import EvidenceRequest, Exercise, ExerciseSite, Participant

REPORT_KIND = "exercise_report"
SHARED_KIND = "exercise_report_shared"
EVIDENCE_KIND = "exercise_evidence_has314"
REPORTABLE = [State.PLAYED, State.DEBRIEFED, State.CLOSED]


def check_access(user, establishment, subject_id) -> bool:
    return (
        Exercise.objects.for_user(user)
        .filter(pk=subject_id, establishment=establishment, state__in=REPORTABLE)
        .exists()
    )


def _exercise(report) -> Exercise:
    return selectors.detail_queryset().get(
        pk=report.subject_id, establishment=report.establishment, state__in=REPORTABLE
    )


def _action_items(exercise: Exercise):
    from action_plans.models import ActionItem

    return list(
        ActionItem.objects.filter(
            plan__establishment=exercise.establishment, source_key__startswith=f"exercise:{exercise.pk}:observation:"
        )
        .select_related("owner")
        .order_by("priority", "deadline", "pk")
    )


def report_context(exercise: Exercise, shared: bool) -> dict:
    chosen = exercise.report_sections or [key for key, _label in REPORT_SECTIONS]
    participants = list(exercise.participants.select_related("site").order_by("cell", "function", "name"))
    sites = [s.site for s in exercise.sites.select_related("site").order_by("site__name")]
    by_cell = [(label, [p for p in participants if p.cell == value]) for value, label in Cell.choices]
    stimuli = list(exercise.stimuli.order_by("offset_seconds", "pk"))
    observations = list(exercise.observations.select_related("objective", "author").order_by("at", "pk"))
    scores = {value: sum(1 for s in stimuli if s.score == value) for value in ReactionScore.values}
    return {
        "exercise": exercise,
        "shared": shared,
        "sections": set(chosen),
        "section_labels": dict(REPORT_SECTIONS),
        "objectives": list(exercise.objectives.all()),
        "by_cell": by_cell,
        "sites": sites,
        "stimuli": stimuli,
        "strengths": [o for o in observations if o.kind == ObservationKind.STRENGTH],
        "improvements": [o for o in observations if o.kind == ObservationKind.IMPROVEMENT],
        "scores": [(label, scores[value]) for value, label in ReactionScore.choices],
        "retex": selectors.retex_summary(exercise),
        "items": _action_items(exercise),
    }


def _build(report, shared: bool) -> Document:
    exercise = _exercise(report)
    context = report_context(exercise, shared)
    suffix = "-partage" if shared else ""
    title = _("Rapport d'exercice de crise – %(title)s") % {"title": exercise.title}
    if shared:
        title = _("Rapport d'exercice (version partagée) – %(title)s") % {"title": exercise.title}
    return Document(
        template_name="exercises/print/report.html",
        context=context,
        filename=f"{exercise.reference}-rapport{suffix}.pdf",
        title=title,
        cover=True,
    )


def build_report(report) -> Document:
    return _build(report, shared=False)


def build_shared(report) -> Document:
    return _build(report, shared=True)


def evidence_access(user, establishment, subject_id) -> bool:
    return EvidenceRequest.objects.for_user(user).filter(pk=subject_id, establishment=establishment).exists()


def evidence_context(evidence: EvidenceRequest) -> dict:
    from action_plans.models import ActionItem
    from action_plans.workflow import SourceKind, Status

    establishment = evidence.establishment
    # A site that took part in its organisation's multi-site exercise held it too (its staff in the crisis cell).
    exercises = list(
        Exercise.objects.filter(
            Q(establishment=establishment)
            | Q(pk__in=ExerciseSite.objects.filter(site=establishment).values("exercise")),
            starts_at__date__gte=evidence.start,
            starts_at__date__lte=evidence.end,
        )
        .exclude(state=State.CANCELLED)
        .select_related("scenario", "establishment")
        .annotate(
            participant_count=Count("participants", distinct=True),
            retex_count=Count("retex_responses", distinct=True),
        )
        .order_by("starts_at")
    )
    held = [e for e in exercises if e.state in FINISHED_STATES]
    functions = {
        row["function"]: row["n"]
        for row in Participant.objects.filter(exercise__in=held)
        .filter(Q(site=establishment) | Q(site__isnull=True, exercise__establishment=establishment))
        .values("function")
        .annotate(n=Count("pk"))
    }
    items = ActionItem.objects.filter(
        plan__establishment=establishment,
        source_kind=SourceKind.EXERCISE_DEBRIEF,
        source_object_id__in=[str(e.pk) for e in held],
    ).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=Status.DONE)),
        in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
    )
    return {
        "evidence": evidence,
        "establishment": establishment,
        "exercises": exercises,
        "held": held,
        "functions": [(label, functions.get(value, 0)) for value, label in Function.choices],
        "items": items,
        "retex": {e.pk: selectors.retex_summary(e) for e in held},
    }


def build_evidence(report) -> Document:
    evidence = EvidenceRequest.objects.select_related("establishment").get(
        pk=report.subject_id, establishment=report.establishment
    )
    return Document(
        template_name="exercises/print/evidence.html",
        context=evidence_context(evidence),
        filename=f"preuves-has-3-14-{evidence.establishment.finess}-{evidence.start:%Y%m%d}-{evidence.end:%Y%m%d}.pdf",
        title=_("Critère HAS 3.14 – exercices de crise et continuité"),
        cover=True,
    )


register(
    REPORT_KIND,
    gettext_lazy("Rapport d'exercice de crise"),
    build_report,
    check_access=check_access,
    needs_subject=True,
)
register(
    SHARED_KIND,
    gettext_lazy("Rapport d'exercice de crise (version partagée)"),
    build_shared,
    check_access=check_access,
    needs_subject=True,
)
register(
    EVIDENCE_KIND,
    gettext_lazy("Preuves HAS 3.14 : exercices de crise"),
    build_evidence,
    check_access=evidence_access,
    needs_subject=True,
)
