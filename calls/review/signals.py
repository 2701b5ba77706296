"""Reviewers hear about submissions and correction answers, whichever code path performed them: the workflow
writes a ``TransitionLog`` row for each, and this receiver turns the relevant ones into ``ReviewEvent`` rows."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import TransitionLog
from . import tasks  # noqa: F401  (registers the review tasks in workers)
from .models import ReviewEvent

EVENT_OF_TRANSITION = {
    "submit": ReviewEvent.Kind.SUBMITTED,
    "answer_correction": ReviewEvent.Kind.CORRECTION_ANSWERED,
}


@receiver(post_save, sender=TransitionLog, dispatch_uid="calls_review_events")
def transition_to_event(sender, instance: TransitionLog, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created or instance.transition not in EVENT_OF_TRANSITION:
        return
    from .notifications import record_event

    record_event(instance.application, EVENT_OF_TRANSITION[instance.transition])
