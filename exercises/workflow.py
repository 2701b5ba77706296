"""The exercise workflow, declared once through the kit ``crrc.workflow``.

draft → planned → ready → running ⇄ paused → played → debriefed → closed, and cancelled from any state before
the exercise is played. Guards: planned needs a date to come; ready needs a date, a director in the crisis cell and
at least one stimulus; closed needs the report. Side effects (invitations, journal lines) are queued on commit.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow

from .choices import Cell, Function, State
from .permissions import can_animate, can_plan

CAN_BE_PLANNED = frozenset({State.DRAFT})
CAN_BE_READY = frozenset({State.DRAFT, State.PLANNED})
CAN_BE_STARTED = frozenset({State.READY})
CAN_BE_PAUSED = frozenset({State.RUNNING})
CAN_BE_RESUMED = frozenset({State.PAUSED})
CAN_BE_FINISHED = frozenset({State.RUNNING, State.PAUSED})
CAN_BE_DEBRIEFED = frozenset({State.PLAYED})
CAN_BE_CLOSED = frozenset({State.DEBRIEFED})
CAN_BE_CANCELLED = frozenset({State.DRAFT, State.PLANNED, State.READY, State.PAUSED})


def needs_date(exercise, user):
    if exercise.starts_at is None:
        return _("Indiquez la date et l'heure de l'exercice.")
    return None


def needs_future_date(exercise, user):
    if exercise.starts_at is None:
        return _("Indiquez la date et l'heure de l'exercice.")
    if exercise.starts_at < timezone.now():
        return _("La date de l'exercice est passée : choisissez une date à venir.")
    return None


def needs_director(exercise, user):
    if not exercise.participants.filter(cell=Cell.CRISIS, function=Function.DIRECTOR).exists():
        return _(
            "La présence du directeur ou de la directrice est requise : ajoutez-le à la cellule de crise "
            "avec la fonction « Directeur / directrice »."
        )
    return None


def needs_stimulus(exercise, user):
    if not exercise.stimuli.exists():
        return _("Le chronogramme est vide : ajoutez au moins un stimulus (ou importez-le).")
    return None


def built_report(exercise):
    """The latest exercise report PDF built by the pipeline, or None."""
    from reports.models import Report

    return (
        Report.objects.filter(
            establishment_id=exercise.establishment_id,
            kind="exercise_report",
            subject_id=exercise.pk,
            status=Report.Status.DONE,
        )
        .order_by("-finished_at")
        .first()
    )


def needs_report(exercise, user):
    if exercise.reported_at is None and built_report(exercise) is None:
        return _("Éditez d'abord le rapport d'exercice (PDF) : il est requis pour clôturer.")
    return None


def _may_act(user, exercise, transition) -> bool:
    if transition.actor == "animation":
        return can_animate(user, exercise)
    return can_plan(user, exercise)


EXERCISE_WORKFLOW = Workflow(
    model="exercises.Exercise",
    state_field="state",
    log_model="exercises.ExerciseLog",
    log_subject="exercise",
    states=State,
    version_field="version",
    may_act=_may_act,
    transitions=[
        Transition(
            "plan",
            _("Planifier"),
            CAN_BE_PLANNED,
            State.PLANNED,
            actor="planning",
            guards=(needs_future_date,),
            refused=_("Seul un exercice en brouillon peut être planifié."),
        ),
        Transition(
            "mark_ready",
            _("Marquer prêt"),
            CAN_BE_READY,
            State.READY,
            actor="planning",
            guards=(needs_date, needs_director, needs_stimulus),
            refused=_("Seul un exercice en brouillon ou planifié peut être marqué prêt."),
        ),
        Transition(
            "start",
            _("Démarrer l'exercice"),
            CAN_BE_STARTED,
            State.RUNNING,
            actor="animation",
            refused=_("Seul un exercice prêt peut démarrer."),
        ),
        Transition(
            "pause",
            _("Mettre en pause"),
            CAN_BE_PAUSED,
            State.PAUSED,
            actor="animation",
            refused=_("Seul un exercice en cours peut être mis en pause."),
        ),
        Transition(
            "resume",
            _("Reprendre"),
            CAN_BE_RESUMED,
            State.RUNNING,
            actor="animation",
            refused=_("Seul un exercice en pause peut reprendre."),
        ),
        Transition(
            "finish",
            _("Terminer la simulation"),
            CAN_BE_FINISHED,
            State.PLAYED,
            actor="animation",
            refused=_("Seul un exercice en cours ou en pause peut être terminé."),
        ),
        Transition(
            "debrief",
            _("Marquer débriefé"),
            CAN_BE_DEBRIEFED,
            State.DEBRIEFED,
            actor="planning",
            refused=_("Seul un exercice joué peut être marqué débriefé."),
        ),
        Transition(
            "close",
            _("Clôturer"),
            CAN_BE_CLOSED,
            State.CLOSED,
            actor="planning",
            guards=(needs_report,),
            refused=_("Seul un exercice débriefé peut être clôturé."),
        ),
        Transition(
            "cancel",
            _("Annuler l'exercice"),
            CAN_BE_CANCELLED,
            State.CANCELLED,
            actor="planning",
            requires_reason=True,
            reason_missing=_("Indiquez le motif de l'annulation."),
            refused=_("Un exercice en cours, joué ou clôturé ne peut pas être annulé."),
        ),
    ],
)
