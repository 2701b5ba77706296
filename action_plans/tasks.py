"""Celery beat jobs: deadline reminders (daily) and the weekly digest of overdue items.

Both are idempotent, so a beat that fires twice or a retried worker never sends twice:
a reminder is claimed by setting ``ActionItem.reminder_sent_for`` to the deadline it reminds of (a new deadline
means a new reminder), a digest by creating the ``OverdueDigestLog`` row of that owner and week. The claim and the
sending share one transaction: if the mail server refuses, the claim is rolled back and the next run retries.

Schedule (``CELERY_BEAT_SCHEDULE``): ``action_plans.tasks.send_deadline_reminders`` every day at 07:00,
``action_plans.tasks.send_overdue_digests`` on Mondays at 07:30. ``ACTION_PLAN_REMINDER_DAYS`` (default 7) sets
how many days before the deadline owners are reminded.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from establishments.selectors import active_memberships

from . import notifications
from .models import ActionItem, OverdueDigestLog

logger = logging.getLogger(__name__)


def reminder_days() -> int:
    return int(getattr(settings, "ACTION_PLAN_REMINDER_DAYS", 7))


def _owner_is_member(item: ActionItem, cache: dict) -> bool:
    """Only people still active in the establishment get its reminders."""
    key = (item.owner_id, item.plan.establishment_id)
    if key not in cache:
        cache[key] = (
            item.owner.is_active and active_memberships(item.plan.establishment).filter(user=item.owner).exists()
        )
    return cache[key]


@shared_task
def send_deadline_reminders() -> int:
    today = timezone.localdate()
    due = (
        ActionItem.objects.open()
        .filter(owner__isnull=False, deadline__gte=today, deadline__lte=today + timedelta(days=reminder_days()))
        .exclude(reminder_sent_for=F("deadline"))
        .select_related("owner", "plan__establishment__region")
        .order_by("deadline", "pk")
    )
    sent, cache = 0, {}
    for item in due:
        if not _owner_is_member(item, cache):
            continue
        try:
            with transaction.atomic():
                claimed = (
                    ActionItem.objects.filter(pk=item.pk)
                    .exclude(reminder_sent_for=item.deadline)
                    .update(reminder_sent_for=item.deadline)
                )
                if claimed:
                    notifications.send_deadline_reminder(item)
                    sent += 1
        except OSError:
            logger.exception("Rappel d'échéance non envoyé pour l'action %s", item.pk)
    return sent


@shared_task
def send_overdue_digests() -> int:
    today = timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    overdue = (
        ActionItem.objects.overdue(today)
        .filter(owner__isnull=False, owner__is_active=True)
        .select_related("owner", "plan__establishment__region")
        .order_by("owner_id", "deadline", "pk")
    )
    by_owner: dict[int, list[ActionItem]] = defaultdict(list)
    cache: dict = {}
    for item in overdue:
        if _owner_is_member(item, cache):
            by_owner[item.owner_id].append(item)
    sent = 0
    for items in by_owner.values():
        owner = items[0].owner
        try:
            with transaction.atomic():
                _log, created = OverdueDigestLog.objects.get_or_create(
                    user=owner, week_start=week_start, defaults={"item_count": len(items)}
                )
                if created:
                    notifications.send_overdue_digest(owner, items)
                    sent += 1
        except OSError:
            logger.exception("Récapitulatif des actions en retard non envoyé à %s", owner.pk)
    return sent
