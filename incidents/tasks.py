"""Celery jobs of the incident module.

``send_step_reminders`` (beat, every 15 minutes) reminds the director and RSSI of each step that falls due within
the hour or is overdue, once per step: the reminder is claimed by setting ``reminder_sent_at`` in the same
transaction as the sending, so a beat that fires twice sends once and a refused mail is retried next run.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import notifications
from .models import IncidentStep
from .workflow import OPEN_STATES

REMIND_BEFORE = timedelta(hours=1)


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_incident_email(incident_pk: int, template: str) -> int:
    return notifications.send(incident_pk, template)


@shared_task
def send_step_reminders() -> int:
    now = timezone.now()
    due = (
        IncidentStep.objects.filter(
            done_at__isnull=True,
            reminder_sent_at__isnull=True,
            deadline__lte=now + REMIND_BEFORE,
            incident__state__in=OPEN_STATES,
        )
        .select_related("incident__establishment__region")
        .order_by("deadline", "pk")
    )
    sent = 0
    for step in due:
        with transaction.atomic():
            claimed = IncidentStep.objects.filter(pk=step.pk, reminder_sent_at__isnull=True, done_at__isnull=True)
            if not claimed.update(reminder_sent_at=now):
                continue
            notifications.send_step_due(step)
            sent += 1
    return sent
