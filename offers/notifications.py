"""E-mails of the offers: campaign reminders to establishments, consumption and end-of-agreement alerts to staff."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from crrc.links import portal_url
from establishments.models import Establishment, Membership, StaffAssignment
from establishments.roles import StaffKind

from .selectors import EDITOR_ROLES


def _render(template: str, context: dict) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject, _sep, body = render_to_string(f"offers/emails/{template}.txt", context).strip().partition("\n")
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}", body.strip() + "\n"


def crrc_staff_emails(region_id: int) -> list[str]:
    return sorted(
        User.objects.filter(
            is_active=True,
            pk__in=StaffAssignment.objects.filter(
                region_id=region_id, is_active=True, kind=StaffKind.CRRC_STAFF
            ).values("user_id"),
        ).values_list("email", flat=True)
    )


def campaign_reminders(campaign, establishment_ids: list[int]) -> int:
    """One message per establishment, to its directors and RSSI (direct or through the organisation)."""
    establishments = Establishment.objects.filter(pk__in=establishment_ids).only("pk", "name", "organisation_id")
    memberships = Membership.objects.filter(is_active=True, role__in=EDITOR_ROLES, user__is_active=True).select_related(
        "user"
    )
    by_establishment: dict[int, set[str]] = {}
    by_organisation: dict[int, set[str]] = {}
    for m in memberships.filter(establishment__in=establishment_ids):
        by_establishment.setdefault(m.establishment_id, set()).add(m.user.email)
    organisations = [e.organisation_id for e in establishments if e.organisation_id]
    for m in memberships.filter(organisation__in=organisations):
        by_organisation.setdefault(m.organisation_id, set()).add(m.user.email)
    url = portal_url(reverse("offers:campaign", kwargs={"pk": campaign.pk}), campaign.region)
    messages = []
    for establishment in establishments:
        recipients = by_establishment.get(establishment.pk, set()) | by_organisation.get(
            establishment.organisation_id, set()
        )
        if not recipients:
            continue
        subject, body = _render("campaign_reminder", {"campaign": campaign, "establishment": establishment, "url": url})
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients)))
    return send_mass_mail(messages) if messages else 0


def lot_alert(lot, threshold: int, share: float) -> int:
    recipients = crrc_staff_emails(lot.agreement.region_id)
    if not recipients:
        return 0
    url = portal_url(reverse("offers:agreement", kwargs={"pk": lot.agreement_id}), lot.agreement.region)
    subject, body = _render("lot_alert", {"lot": lot, "threshold": threshold, "share": share, "url": url})
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def agreement_end_alert(agreement) -> int:
    recipients = crrc_staff_emails(agreement.region_id)
    if not recipients:
        return 0
    url = portal_url(reverse("offers:agreement", kwargs={"pk": agreement.pk}), agreement.region)
    subject, body = _render("agreement_end", {"agreement": agreement, "url": url})
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
