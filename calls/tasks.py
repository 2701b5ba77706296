"""Celery tasks: e-mails queued by the workflow, and the beat jobs that close calls and remind drafts.

Beat schedule (settings ``CELERY_BEAT_SCHEDULE``): ``calls.tasks.close_due_calls`` and
``calls.tasks.remind_drafts_before_closing``, both every 15 minutes; each is idempotent.
"""

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import Application, Call
from .workflow import State

logger = logging.getLogger(__name__)

REMINDER_DELAY = datetime.timedelta(days=2)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_application_email(application_id: int, template: str) -> int:
    from .notifications import send_application_email as send

    application = (
        Application.objects.select_related("call", "establishment", "created_by").filter(pk=application_id).first()
    )
    if application is None:
        return 0
    return send(application, template)


@shared_task
def close_due_calls() -> int:
    """Calls whose closing has passed: en construction → en instruction; drafts stay drafts."""
    from .services import close_call

    now = timezone.now()
    moved = 0
    for call in Call.objects.filter(closes_at__lte=now, closing_processed_at__isnull=True):
        count = close_call(call, now)
        moved += count
        logger.info("Call %s closed: %d applications moved to review", call.pk, count)
    return moved


@shared_task
def remind_drafts_before_closing() -> int:
    """Two days before closing, each draft's applicants get one reminder (the call records that it was sent)."""
    from .notifications import send_draft_reminder

    now = timezone.now()
    sent = 0
    due = Call.objects.filter(
        is_published=True,
        closes_at__gt=now,
        closes_at__lte=now + REMINDER_DELAY,
        draft_reminder_sent_at__isnull=True,
    )
    for call in due:
        with transaction.atomic():
            # Claim the call first: two beat runs never both send.
            claimed = Call.objects.filter(pk=call.pk, draft_reminder_sent_at__isnull=True).update(
                draft_reminder_sent_at=now
            )
            if not claimed:
                continue
        drafts = Application.objects.filter(call=call, state=State.BROUILLON).select_related(
            "call", "establishment", "created_by"
        )
        for application in drafts:
            sent += bool(send_draft_reminder(application))
    return sent
