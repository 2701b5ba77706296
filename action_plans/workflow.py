"""The action item workflow, declared once: states, named source-state sets, transitions.

Services (``services.transition``) and the UI (buttons offered) both read ``TRANSITIONS``; the database mirrors the
invariants with ``CheckConstraint``s on ``ActionItem`` (abandoned ⇒ reason, done ⇔ completed_at, done ⇒ 100 %).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    TODO = "todo", _("À faire")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Terminée")
    ABANDONED = "abandoned", _("Abandonnée")


class Priority(models.TextChoices):
    P1 = "P1", _("P1 – prioritaire")
    P2 = "P2", _("P2 – importante")
    P3 = "P3", _("P3 – à planifier")


class SourceKind(models.TextChoices):
    ASSESSMENT_ANSWER = "assessment_answer", _("Réponse à une évaluation")
    EXERCISE_DEBRIEF = "exercise_debrief", _("Retour d'expérience d'exercice")
    AUDIT_FINDING = "audit_finding", _("Constat d'audit")
    INCIDENT = "incident", _("Retour d'expérience d'incident")
    MANUAL = "manual", _("Saisie manuelle")


# Named source-state sets: who may go where.
OPEN_STATES = frozenset({Status.TODO, Status.IN_PROGRESS})
CLOSED_STATES = frozenset({Status.DONE, Status.ABANDONED})
CAN_BE_STARTED = frozenset({Status.TODO})
CAN_BE_COMPLETED = OPEN_STATES
CAN_BE_ABANDONED = OPEN_STATES
CAN_BE_REOPENED = CLOSED_STATES


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    requires_reason: bool = False
    # Guard message when the item is not in one of ``sources``.
    refused: str = ""


START = Transition(
    "start",
    _("Démarrer"),
    CAN_BE_STARTED,
    Status.IN_PROGRESS,
    refused=_("Seule une action « à faire » peut être démarrée."),
)
COMPLETE = Transition(
    "complete",
    _("Marquer terminée"),
    CAN_BE_COMPLETED,
    Status.DONE,
    refused=_("Cette action est déjà clôturée (terminée ou abandonnée) : rouvrez-la d'abord."),
)
ABANDON = Transition(
    "abandon",
    _("Abandonner"),
    CAN_BE_ABANDONED,
    Status.ABANDONED,
    requires_reason=True,
    refused=_("Cette action est déjà clôturée (terminée ou abandonnée) : elle ne peut pas être abandonnée."),
)
REOPEN = Transition(
    "reopen",
    _("Rouvrir"),
    CAN_BE_REOPENED,
    Status.IN_PROGRESS,
    refused=_("Seule une action terminée ou abandonnée peut être rouverte."),
)

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (START, COMPLETE, ABANDON, REOPEN)}


def available_transitions(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]
