"""The assessment workflow, declared once on the kit (``crrc.workflow``): states, named source-state sets and
transitions.

``assessments.services`` applies them through ``ASSESSMENT_WORKFLOW``; every step writes an ``AssessmentTransition``
row (the first one, "start", when the assessment is created).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow


class State(models.TextChoices):
    DRAFT = "draft", _("En cours de saisie")
    SUBMITTED = "submitted", _("Soumise")


EDITABLE_STATES = frozenset({State.DRAFT})
CAN_BE_SUBMITTED_STATES = frozenset({State.DRAFT})
RESULT_STATES = frozenset({State.SUBMITTED})


ASSESSMENT_WORKFLOW = Workflow(
    model="assessments.Assessment",
    log_model="assessments.AssessmentTransition",
    log_subject="assessment",
    states=State,
    transitions=[
        Transition(
            "submit",
            _("Soumettre l'évaluation"),
            CAN_BE_SUBMITTED_STATES,
            State.SUBMITTED,
            refused=_("Cette évaluation a déjà été soumise."),
        ),
    ],
)
