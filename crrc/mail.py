"""One way to send a portal e-mail: a text template whose first line is the subject, and its HTML twin.

    send_templated("incidents/emails/step_due", context, ["rssi@ch.example"])

renders ``<name>.txt`` (first line = subject, the rest = body) and ``<name>.html`` (with ``subject`` in its context)
in the portal's language, whatever the request's, and sends one message to each recipient list given. Callers queue
it with ``transaction.on_commit`` (a rolled-back write sends nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def render_templated(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of template ``name`` rendered in the portal's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject, _sep, text = render_to_string(f"{name}.txt", context).strip().partition("\n")
        html = render_to_string(f"{name}.html", context | {"subject": subject.strip()})
    return subject.strip(), text.strip() + "\n", html


def send_templated(name: str, context: dict, recipients: Iterable[str]) -> int:
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return 0
    subject, text, html = render_templated(name, context)
    message = EmailMultiAlternatives(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", text, settings.DEFAULT_FROM_EMAIL, recipients
    )
    message.attach_alternative(html, "text/html")
    return message.send()
