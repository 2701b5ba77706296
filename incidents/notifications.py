"""E-mails of the incident module: the region's CRRC alerted on a declaration and a rapid-response request, the
establishment's director and RSSI reminded when a step falls due. Sent by Celery tasks queued on commit."""

from __future__ import annotations

from django.urls import reverse

from crrc.links import portal_url
from crrc.mail import send_templated
from establishments.models import StaffAssignment
from establishments.roles import Role, StaffKind
from establishments.selectors import active_memberships

from .models import Incident, IncidentStep


def crrc_recipients(incident: Incident) -> list[str]:
    region = incident.establishment.region
    staff = StaffAssignment.objects.filter(
        region=region, kind=StaffKind.CRRC_STAFF, is_active=True, user__is_active=True
    ).values_list("user__email", flat=True)
    return [*staff, region.contact_email]


def establishment_recipients(incident: Incident) -> list[str]:
    return [
        m.user.email
        for m in active_memberships(incident.establishment).filter(role__in=[Role.DIRECTOR, Role.RSSI])
        if m.user.is_active
    ]


def _context(incident: Incident) -> dict:
    region = incident.establishment.region
    return {
        "incident": incident,
        "establishment": incident.establishment,
        "crrc_name": region.portal_name,
        "url": portal_url(reverse("incidents:detail", args=[incident.pk]), region),
    }


def _incident(pk: int) -> Incident:
    return Incident.objects.select_related("establishment__region").get(pk=pk)


def incident_declared(pk: int) -> None:
    from .tasks import send_incident_email

    send_incident_email.delay(pk, "declared")


def rapid_response_requested(pk: int) -> None:
    from .tasks import send_incident_email

    send_incident_email.delay(pk, "rapid_response")


def send(pk: int, template: str) -> int:
    incident = _incident(pk)
    return send_templated(f"incidents/emails/{template}", _context(incident), crrc_recipients(incident))


def send_step_due(step: IncidentStep) -> int:
    from .steps import SPECS

    incident = step.incident
    context = _context(incident) | {"step": step, "spec": SPECS[step.kind]}
    return send_templated("incidents/emails/step_due", context, establishment_recipients(incident))
