"""Absolute links for e-mails and PDFs, which are read outside the request that produced them."""

from django.conf import settings
from django.http.request import validate_host

from establishments.models import Region
from establishments.validators import hostname_error


def region_host(region: Region | None) -> str | None:
    """The region's own host name when it is a valid host name that this deployment serves (ALLOWED_HOSTS).

    The field is edited in the admin: a value that is not a host name, or a host the portal does not answer for,
    never ends up in a link sent by e-mail.
    """
    host = (region.hostname or "").strip().lower() if region is not None else ""
    if not host or hostname_error(host) is not None:
        return None
    return host if validate_host(host, settings.ALLOWED_HOSTS) else None


def portal_url(path: str, region: Region | None = None) -> str:
    """The region's portal host when it has a configured one (one deployment, several regions), else PORTAL_BASE_URL."""
    host = region_host(region)
    if host is not None:
        return f"https://{host}{path}"
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"
