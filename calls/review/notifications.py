"""E-mails of the review side, so that nobody drowns: each reviewer chooses per call between every event, a daily
or weekly digest, or nothing (``NotificationPreference``; default: daily digest).

* Events (new submission, correction answered, applicant message) are recorded as ``ReviewEvent`` rows.
  Reviewers who chose "instant" get one e-mail per event after commit; once an application has assigned or
  following reviewers, its correction answers and messages go only to them.
* Digests (Celery beat, ``calls.review.tasks``) send one e-mail per reviewer listing every event of their calls since
  their last digest; running a digest twice sends nothing new.
* A reviewer's message is e-mailed to the applicant's members after commit.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crrc.links import portal_url
from establishments.models import StaffAssignment

from ..models import Application, Call
from ..notifications import applicant_recipients
from .models import Follow, Message, NotificationPreference, ReviewerAssignment, ReviewEvent

Frequency = NotificationPreference.Frequency
PERIODS = {Frequency.DAILY: datetime.timedelta(days=1), Frequency.WEEKLY: datetime.timedelta(days=7)}


def region_staff(call_or_region_id):
    """Active CRRC staff and ARS reviewers of a region (the people who may read its applications)."""
    from accounts.models import User

    region_id = call_or_region_id.region_id if isinstance(call_or_region_id, Call) else call_or_region_id
    return User.objects.filter(
        is_active=True,
        pk__in=StaffAssignment.objects.filter(region_id=region_id, is_active=True).values("user_id"),
    )


def frequencies(call: Call, users) -> dict[int, str]:
    chosen = dict(NotificationPreference.objects.filter(call=call, user__in=users).values_list("user_id", "frequency"))
    return {user.pk: chosen.get(user.pk, NotificationPreference.DEFAULT) for user in users}


def _render(template: str, context: dict) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject, _sep, body = render_to_string(template, context).strip().partition("\n")
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}", body.strip() + "\n"


def record_event(application: Application, kind: str) -> ReviewEvent:
    from . import tasks as review_tasks

    event = ReviewEvent.objects.create(call_id=application.call_id, application=application, kind=kind)
    transaction.on_commit(lambda: review_tasks.send_instant_notifications.delay(event.pk))
    return event


def instant_recipients(event: ReviewEvent) -> list:
    staff = list(region_staff(event.call))
    wanted = frequencies(event.call, staff)
    users = [u for u in staff if wanted[u.pk] == Frequency.INSTANT]
    if event.kind != ReviewEvent.Kind.SUBMITTED:
        concerned = set(
            ReviewerAssignment.objects.filter(application=event.application_id).values_list("reviewer_id", flat=True)
        ) | set(Follow.objects.filter(application=event.application_id).values_list("user_id", flat=True))
        if concerned:
            users = [u for u in users if u.pk in concerned]
    return users


def send_instant(event: ReviewEvent) -> int:
    users = instant_recipients(event)
    if not users:
        return 0
    subject, body = _render(
        "calls/review/emails/instant.txt",
        {
            "event": event,
            "application": event.application,
            "call": event.call,
            "url": portal_url(
                reverse("calls_review:application", kwargs={"pk": event.application_id}), event.call.region
            ),
        },
    )
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [u.email]) for u in users])


def send_digests(frequency: str, now=None) -> int:
    """One e-mail per reviewer whose setting is ``frequency``, with every event since their last digest."""
    now = now or timezone.now()
    period = PERIODS[frequency]
    calls = Call.objects.filter(review_events__created_at__gt=now - period).distinct().select_related("region")
    per_user: dict = {}
    for call in calls:
        staff = list(region_staff(call))
        wanted = frequencies(call, staff)
        last = dict(
            NotificationPreference.objects.filter(call=call, user__in=staff).values_list("user_id", "last_digest_at")
        )
        for user in staff:
            if wanted[user.pk] != frequency:
                continue
            since = max(filter(None, [last.get(user.pk), now - period]))
            events = list(
                ReviewEvent.objects.filter(call=call, created_at__gt=since, created_at__lte=now)
                .select_related("application__establishment")
                .order_by("created_at")
            )
            entry = per_user.setdefault(user.pk, {"user": user, "calls": []})
            if events:
                entry["calls"].append(
                    {
                        "call": call,
                        "events": events,
                        "url": portal_url(reverse("calls_review:list", args=[call.pk]), call.region),
                    }
                )
            NotificationPreference.objects.update_or_create(
                user=user, call=call, defaults={"frequency": frequency, "last_digest_at": now}
            )
    messages = []
    for entry in per_user.values():
        if not entry["calls"]:
            continue
        subject, body = _render(
            "calls/review/emails/digest.txt", {"frequency": frequency, "calls": entry["calls"], "user": entry["user"]}
        )
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [entry["user"].email]))
    return send_mass_mail(messages) if messages else 0


def queue_applicant_message_email(message_id: int) -> None:
    from . import tasks as review_tasks

    review_tasks.send_applicant_message_email.delay(message_id)


def send_applicant_message_email(message: Message) -> int:
    application = message.application
    recipients = applicant_recipients(application)
    if not recipients:
        return 0
    subject, body = _render(
        "calls/review/emails/message_to_applicant.txt",
        {
            "message": message,
            "application": application,
            "call": application.call,
            "establishment": application.establishment,
            "url": portal_url(reverse("calls:application", kwargs={"pk": application.pk}), application.call.region),
        },
    )
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
