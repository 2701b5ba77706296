"""Celery tasks of the exercises app: the ICS invitations (one e-mail per participant, same event for all)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from crrc.links import portal_url

from . import invitations
from .models import Exercise


@shared_task(bind=True, max_retries=3, default_retry_delay=60, acks_late=True)
def send_invitations(self, exercise_id: int, sequence: int, method: str = "REQUEST") -> int:
    """Send the invitation (or its update, or its cancellation) to every participant.

    A task queued for an older SEQUENCE than the exercise now has does nothing: a newer one follows it.
    """
    exercise = Exercise.objects.select_related("establishment__region", "scenario").filter(pk=exercise_id).first()
    if exercise is None or exercise.calendar_sequence != sequence or exercise.starts_at is None:
        return 0
    participants = list(exercise.participants.order_by("pk"))
    if not participants:
        return 0
    calendar = invitations.calendar_for(exercise, method=method)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        url = portal_url(
            reverse("exercises:detail", kwargs={"exercise_pk": exercise.pk}), exercise.establishment.region
        )
        for participant in participants:
            context = {
                "exercise": exercise,
                "participant": participant,
                "url": url,
                "method": method,
                "sequence": sequence,
            }
            subject, _sep, body = render_to_string("exercises/emails/invitation.txt", context).strip().partition("\n")
            message = EmailMessage(
                f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}",
                body.strip() + "\n",
                settings.DEFAULT_FROM_EMAIL,
                [participant.email],
            )
            message.attach("invitation.ics", calendar, f"text/calendar; method={method}; charset=utf-8")
            sent += message.send()
    return sent
