"""The on-demand campaign request's workflow, through the kit: requested → approved | refused; approved → scheduled.

Only CRRC staff of the establishment's region decide (``may_act``); a refusal needs its reason, shown to the
establishment; scheduling needs a date to come.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow
from establishments.selectors import crrc_staff_regions

from .choices import RequestState

CAN_BE_DECIDED = frozenset({RequestState.REQUESTED})
CAN_BE_SCHEDULED = frozenset({RequestState.APPROVED, RequestState.SCHEDULED})


def _is_region_staff(user, obj, transition) -> bool:
    return crrc_staff_regions(user).filter(pk=obj.establishment.region_id).exists()


REQUEST_WORKFLOW = Workflow(
    model="awareness.CampaignRequest",
    log_model="awareness.CampaignRequestLog",
    log_subject="request",
    states=RequestState,
    may_act=_is_region_staff,
    transitions=[
        Transition("approve", _("Accepter"), CAN_BE_DECIDED, RequestState.APPROVED, actor="staff",
                   refused=_("Cette demande a déjà été traitée.")),
        Transition("refuse", _("Refuser"), CAN_BE_DECIDED, RequestState.REFUSED, actor="staff", requires_reason=True,
                   reason_missing=_("Indiquez le motif du refus : il est communiqué à l'établissement."),
                   refused=_("Cette demande a déjà été traitée.")),
        Transition("schedule", _("Planifier"), CAN_BE_SCHEDULED, RequestState.SCHEDULED, actor="staff",
                   refused=_("Seule une demande acceptée peut être planifiée.")),
    ],
)  # fmt: skip


def decided(by, reason: str):
    def update(locked) -> None:
        locked.decided_by, locked.decided_at, locked.decision_reason = by, timezone.now(), (reason or "").strip()

    return update


def scheduled(scheduled_on):
    def update(locked) -> None:
        if scheduled_on is None or scheduled_on < timezone.localdate():
            raise ValidationError({"scheduled_on": _("Indiquez une date d'envoi à venir.")})
        locked.scheduled_on = scheduled_on

    return update
