"""E-mails to item owners: a reminder before the deadline and a weekly digest of their overdue items.

Links point at the region's own portal host (``Region.hostname``) when it has one, else at ``PORTAL_BASE_URL``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crrc.links import portal_url


def _send(template: str, context: dict, recipient: str) -> int:
    """Render ``action_plans/emails/<template>.txt`` (first line = subject) and ``.html``; send both."""
    with translation.override(settings.LANGUAGE_CODE):
        subject, _sep, text = render_to_string(f"action_plans/emails/{template}.txt", context).strip().partition("\n")
        html = render_to_string(f"action_plans/emails/{template}.html", context | {"subject": subject.strip()})
    message = EmailMultiAlternatives(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}",
        text.strip() + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [recipient],
    )
    message.attach_alternative(html, "text/html")
    return message.send()


def send_deadline_reminder(item) -> int:
    establishment = item.plan.establishment
    context = {
        "item": item,
        "owner": item.owner,
        "establishment": establishment,
        "crrc_name": establishment.region.portal_name,
        "days_left": (item.deadline - timezone.localdate()).days,
        "url": portal_url(reverse("action_plans:detail", args=[item.pk]), establishment.region),
    }
    return _send("deadline_reminder", context, item.owner.email)


def send_overdue_digest(owner, items: list) -> int:
    today = timezone.localdate()
    region = items[0].plan.establishment.region
    rows = [
        {
            "item": item,
            "days_overdue": (today - item.deadline).days,
            "url": portal_url(reverse("action_plans:detail", args=[item.pk]), item.plan.establishment.region),
        }
        for item in items
    ]
    context = {"owner": owner, "rows": rows, "count": len(rows), "crrc_name": region.portal_name}
    return _send("overdue_digest", context, owner.email)
