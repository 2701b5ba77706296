"""The contacts shown on every incident page: CERT Santé (national) and the region's CRRC on-call line.

CERT Santé's details come from the settings (``INCIDENTS_CERT_SANTE``) so that a deployment can keep them current
without a code change; the CRRC's come from its region (``RegionOnCall``, edited in the admin), falling back on the
region's contact e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from establishments.models import Region

DEFAULT_CERT_SANTE = {
    "name": "CERT Santé (Agence du numérique en santé)",
    "url": "https://www.cyberveille-sante.gouv.fr",
    "phone": "",
    "email": "",
}


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""
    url: str = ""
    instructions: str = ""


def cert_sante() -> Contact:
    data = DEFAULT_CERT_SANTE | getattr(settings, "INCIDENTS_CERT_SANTE", {})
    return Contact(name=data["name"], phone=data["phone"], email=data["email"], url=data["url"])


def crrc_on_call(region: Region) -> Contact:
    from .models import RegionOnCall

    on_call = RegionOnCall.objects.filter(region=region).first()
    if on_call is None:
        return Contact(name=region.portal_name, email=region.contact_email)
    return Contact(
        name=region.portal_name,
        phone=on_call.phone,
        email=on_call.email or region.contact_email,
        instructions=on_call.instructions,
    )
