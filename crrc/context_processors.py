"""Branding: the CRRC name, logo and colours of the region the request belongs to."""

from django.conf import settings
from django.http import HttpRequest

from establishments.models import Region
from establishments.selectors import member_establishments, staff_regions


def current_region(request: HttpRequest) -> Region | None:
    """Host name first (one deployment, several regions), then the user's establishment or staff region."""
    if hasattr(request, "_crrc_region"):
        return request._crrc_region
    host = request.get_host().split(":")[0].lower()
    region = Region.objects.filter(hostname__iexact=host).exclude(hostname="").first()
    user = getattr(request, "user", None)
    if region is None and user is not None and user.is_authenticated:
        establishment = member_establishments(user).select_related("region").first()
        region = establishment.region if establishment else staff_regions(user).first()
    if region is None:
        region = Region.objects.filter(code=settings.CRRC_DEFAULT_REGION).first()
    request._crrc_region = region
    return region


def branding(request: HttpRequest) -> dict:
    region = current_region(request)
    return {
        "crrc_region": region,
        "crrc_name": region.portal_name if region else "Portail CRRC",
        "crrc_primary_colour": region.primary_colour if region else "#1f4e79",
        "crrc_secondary_colour": region.secondary_colour if region else "#0f7b6c",
    }
