"""The incident workflow, declared once through the kit: declared → in support (taken by the CRRC) → closed.

The establishment declares; the region's CRRC staff take the incident (the "detection → CRRC support" delay is
counted from then) and close it with the lessons learned, which become action items of the establishment's plan.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow


class State(models.TextChoices):
    DECLARED = "declared", _("Déclaré au CRRC")
    IN_SUPPORT = "in_support", _("Pris en charge par le CRRC")
    CLOSED = "closed", _("Clôturé")


CAN_BE_TAKEN = frozenset({State.DECLARED})
CAN_BE_CLOSED = frozenset({State.IN_SUPPORT})
CAN_BE_REOPENED = frozenset({State.CLOSED})
OPEN_STATES = frozenset({State.DECLARED, State.IN_SUPPORT})


def _is_crrc_staff(user, incident, transition) -> bool:
    from establishments.selectors import crrc_staff_regions

    return bool(user and user.is_authenticated) and (
        user.is_superuser or crrc_staff_regions(user).filter(pk=incident.establishment.region_id).exists()
    )


def _lessons_written(incident, user):
    if not incident.lessons_learned.strip():
        return _("Rédigez le retour d'expérience avant de clôturer l'incident.")
    return None


INCIDENT_WORKFLOW = Workflow(
    model="incidents.Incident",
    log_model="incidents.IncidentLog",
    log_subject="incident",
    states=State,
    may_act=_is_crrc_staff,
    transitions=[
        Transition(
            "take",
            _("Prendre en charge"),
            CAN_BE_TAKEN,
            State.IN_SUPPORT,
            actor="staff",
            refused=_("Cet incident est déjà pris en charge."),
        ),
        Transition(
            "close",
            _("Clôturer l'incident"),
            CAN_BE_CLOSED,
            State.CLOSED,
            actor="staff",
            guards=(_lessons_written,),
            refused=_("Seul un incident pris en charge peut être clôturé."),
        ),
        Transition(
            "reopen",
            _("Rouvrir l'incident"),
            CAN_BE_REOPENED,
            State.IN_SUPPORT,
            actor="staff",
            requires_reason=True,
            reason_missing=_("Indiquez pourquoi l'incident est rouvert."),
            refused=_("Seul un incident clôturé peut être rouvert."),
        ),
    ],
)
