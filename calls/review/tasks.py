"""Celery tasks of the review side: instant e-mails after commit, daily and weekly digests (beat).

Beat schedule (``CELERY_BEAT_SCHEDULE``)::

    "calls-review-daily-digest": {"task": "calls.review_tasks.send_daily_digests",
                                  "schedule": crontab(hour=7, minute=15)},
    "calls-review-weekly-digest": {"task": "calls.review_tasks.send_weekly_digests",
                                   "schedule": crontab(hour=7, minute=45, day_of_week="mon")},
    "calls-review-refresh-priorities": {"task": "calls.review_tasks.refresh_open_priorities",
                                        "schedule": crontab(hour=6, minute=0)},

Task names are explicit and kept from the time this module was ``calls/review_tasks.py``: messages already queued in
the broker and the beat schedule above still resolve after the move into ``calls/review/``.

This module is imported by ``calls.review.signals`` (itself loaded with the models), so workers register the tasks
even though autodiscovery only looks at ``calls.tasks``.
"""

from celery import shared_task

from ..models import Application
from ..workflow import State
from .models import Message, NotificationPreference, ReviewEvent


@shared_task(
    name="calls.review_tasks.send_instant_notifications", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_instant_notifications(event_id: int) -> int:
    from .notifications import send_instant

    event = ReviewEvent.objects.select_related("call__region", "application__establishment").filter(pk=event_id).first()
    return send_instant(event) if event else 0


@shared_task(
    name="calls.review_tasks.send_applicant_message_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_applicant_message_email(message_id: int) -> int:
    from .notifications import send_applicant_message_email as send

    message = (
        Message.objects.select_related("application__call", "application__establishment", "application__created_by")
        .filter(pk=message_id)
        .first()
    )
    return send(message) if message else 0


@shared_task(name="calls.review_tasks.send_daily_digests")
def send_daily_digests() -> int:
    from .notifications import send_digests

    return send_digests(NotificationPreference.Frequency.DAILY)


@shared_task(name="calls.review_tasks.send_weekly_digests")
def send_weekly_digests() -> int:
    from .notifications import send_digests

    return send_digests(NotificationPreference.Frequency.WEEKLY)


@shared_task(name="calls.review_tasks.refresh_open_priorities")
def refresh_open_priorities() -> int:
    """A newly submitted self-assessment changes the assessed risk: recompute priorities of undecided applications."""
    from .priority import refresh_priorities

    return refresh_priorities(
        Application.objects.filter(state__in=[State.EN_CONSTRUCTION, State.EN_INSTRUCTION, State.CORRECTION]).only(
            "pk", "establishment_id", "declared_risk_level"
        )
    )
