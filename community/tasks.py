"""Celery tasks of the community. Beat (``CELERY_BEAT_SCHEDULE``): weekly digests on Mondays, monthly digests on
the 1st, event reminders every hour (the day before each event, once)."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from .models import NotificationLevel

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def notify_activity(activity_id: int) -> int:
    from .models import Activity
    from .notifications import notify_activity as notify

    activity = Activity.objects.select_related("space", "space__region", "actor").filter(pk=activity_id).first()
    return notify(activity) if activity else 0


@shared_task(**RETRY)
def notify_mentions(post_id: int) -> int:
    from .models import Post
    from .notifications import notify_mentions as notify

    post = (
        Post.objects.select_related("thread", "thread__space", "thread__space__region", "author")
        .filter(pk=post_id)
        .first()
    )
    return notify(post) if post else 0


@shared_task(**RETRY)
def notify_staff_of_request(member_id: int) -> int:
    from .models import Member
    from .notifications import notify_staff_of_request as notify

    member = (
        Member.objects.select_related("space", "space__region", "user", "establishment").filter(pk=member_id).first()
    )
    return notify(member) if member else 0


@shared_task(**RETRY)
def send_member_email(member_id: int, kind: str) -> int:
    from .models import Member
    from .notifications import send_member_email as send

    member = Member.objects.select_related("space", "space__region", "user").filter(pk=member_id).first()
    return send(member, kind) if member else 0


@shared_task(**RETRY)
def send_registration_email(registration_id: int, kind: str) -> int:
    from .models import Registration
    from .notifications import send_registration_email as send

    registration = (
        Registration.objects.select_related("event", "event__space", "event__space__region", "user")
        .filter(pk=registration_id)
        .first()
    )
    return send(registration, kind) if registration else 0


@shared_task
def send_weekly_digests() -> int:
    from .digests import send_digests

    return send_digests(NotificationLevel.MEDIUM)


@shared_task
def send_monthly_digests() -> int:
    from .digests import send_digests

    return send_digests(NotificationLevel.LOW)


@shared_task
def send_event_reminders() -> int:
    """The day before an event, each registered person gets one reminder (the event records that it was sent)."""
    from .models import Event, Registration
    from .notifications import send_registration_email as send

    now = timezone.now()
    sent = 0
    due = Event.objects.filter(
        starts_at__gt=now, starts_at__lte=now + datetime.timedelta(days=1), reminder_sent_at=None
    )
    for event in due:
        claimed = Event.objects.filter(pk=event.pk, reminder_sent_at=None).update(reminder_sent_at=now)
        if not claimed:
            continue
        registrations = Registration.objects.filter(event=event, state=Registration.State.CONFIRMED).select_related(
            "event", "event__space", "event__space__region", "user"
        )
        for registration in registrations:
            sent += send(registration, "reminder")
    return sent
