"""The assessment workflow, declared once: states, named source-state sets and transitions.

``assessments.services`` has one function per transition; each checks ``TRANSITIONS`` here and writes an
``AssessmentTransition`` row.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("En cours de saisie")
    SUBMITTED = "submitted", _("Soumise")


EDITABLE_STATES = frozenset({State.DRAFT})
CAN_BE_SUBMITTED_STATES = frozenset({State.DRAFT})
RESULT_STATES = frozenset({State.SUBMITTED})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("start", _("Commencer l'évaluation"), frozenset({""}), State.DRAFT),
        Transition("submit", _("Soumettre l'évaluation"), CAN_BE_SUBMITTED_STATES, State.SUBMITTED),
    )
}


class TransitionNotAllowed(ValidationError):
    """The assessment is not in a state this transition starts from."""
