"""E-mails to the applicant: every active member of the establishment whose role may edit applications."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from crrc.links import portal_url
from establishments.roles import Capability, roles_with
from establishments.selectors import active_memberships

from .models import Application


def applicant_recipients(application: Application) -> list[str]:
    emails = {
        m.user.email
        for m in active_memberships(application.establishment).filter(role__in=roles_with(Capability.EDIT_APPLICATIONS))
        if m.user.is_active
    }
    if application.created_by and application.created_by.is_active:
        emails.add(application.created_by.email)
    return sorted(emails)


def send_application_email(application: Application, template: str) -> int:
    """Render ``templates/calls/emails/<template>.txt`` (first line = subject) and send it to the applicants."""
    recipients = applicant_recipients(application)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "application": application,
            "call": application.call,
            "establishment": application.establishment,
            "url": portal_url(reverse("calls:application", kwargs={"pk": application.pk}), application.call.region),
            "correction": application.corrections.first(),
        }
        subject, _sep, body = render_to_string(f"calls/emails/{template}.txt", context).strip().partition("\n")
    return send_mail(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}",
        body.strip() + "\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )


def send_draft_reminder(application: Application) -> int:
    return send_application_email(application, "draft_reminder")
