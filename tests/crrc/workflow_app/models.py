"""A tiny model used only by the workflow kit's own tests (installed by the test settings only)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, TransitionLog, Workflow


class Ticket(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Ouvert")
        CLOSED = "closed", _("Fermé")
        CANCELLED = "cancelled", _("Annulé")

    title = models.CharField(max_length=50)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    version = models.PositiveIntegerField(default=1)
    closed_note = models.CharField(max_length=50, blank=True)
    ready = models.BooleanField(default=True)

    class Meta:
        app_label = "workflow_app"

    def __str__(self) -> str:
        return self.title


class TicketLog(TransitionLog):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transitions")

    class Meta(TransitionLog.Meta):
        app_label = "workflow_app"


def must_be_ready(ticket, user):
    return None if ticket.ready else _("Le ticket n'est pas prêt.")


def only_staff_cancels(user, ticket, transition) -> bool:
    return transition.actor != "staff" or bool(getattr(user, "is_staff", False))


TICKET_WORKFLOW = Workflow(
    model=Ticket,
    log_model=TicketLog,
    log_subject="ticket",
    states=Ticket.State,
    version_field="version",
    may_act=only_staff_cancels,
    transitions=[
        Transition(
            "close",
            _("Fermer"),
            frozenset({Ticket.State.OPEN}),
            Ticket.State.CLOSED,
            guards=(must_be_ready,),
            refused=_("Ce ticket est déjà fermé ou annulé."),
        ),
        Transition(
            "cancel",
            _("Annuler"),
            frozenset({Ticket.State.OPEN}),
            Ticket.State.CANCELLED,
            actor="staff",
            requires_reason=True,
            reason_missing=_("Indiquez pourquoi le ticket est annulé."),
        ),
        Transition("reopen", _("Rouvrir"), frozenset({Ticket.State.CLOSED, Ticket.State.CANCELLED}), Ticket.State.OPEN),
    ],
)
