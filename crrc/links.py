"""Absolute links for e-mails and PDFs, which are read outside the request that produced them."""

from django.conf import settings

from establishments.models import Region


def portal_url(path: str, region: Region | None = None) -> str:
    """The region's own portal host when it has one (one deployment, several regions), else PORTAL_BASE_URL."""
    if region is not None and region.hostname:
        return f"https://{region.hostname}{path}"
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"
