"""Branding: the CRRC name, logo and colours of the region the request belongs to.

Every page needs its region (the header, the colours, the footer's contacts and legal texts). The eighteen-odd
regions are read once per process and kept for ``REGIONS_TTL`` seconds (issue 15: the host name lookup and the
user's first establishment were two queries on every page). Saving or deleting a region forgets them at once in
the process that wrote it; the other server processes see a branding change within ``REGIONS_TTL`` seconds. The
user's region comes from the request's scope facts (read with the user, ``establishments.selectors``) when all
their establishments are in one region, as they almost always are; otherwise it is asked as before.
"""

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest

from establishments.models import Region
from establishments.selectors import member_establishments, scope_facts, staff_regions

REGIONS_TTL = 60.0


@dataclass
class _Regions:
    read_at: float = float("-inf")
    by_pk: dict[int, Region] = field(default_factory=dict)
    by_host: dict[str, Region] = field(default_factory=dict)
    by_code: dict[str, Region] = field(default_factory=dict)


_table = _Regions()
_lock = threading.Lock()


def forget_regions(**kwargs) -> None:
    """Signal receiver (a region saved or deleted), and the tests' reset: the next request reads them again."""
    global _table
    _table = _Regions()


def _regions(refresh: bool = False) -> _Regions:
    global _table
    table = _table
    if refresh or time.monotonic() - table.read_at > REGIONS_TTL:
        with _lock:
            regions = list(Region.objects.all())
            table = _Regions(
                read_at=time.monotonic(),
                by_pk={r.pk: r for r in regions},
                by_host={r.hostname.lower(): r for r in regions if r.hostname},
                by_code={r.code: r for r in regions},
            )
            _table = table
    return table


def _region(pk: int) -> Region | None:
    """A region by id; a region the table does not know yet (just created elsewhere) reads the table again."""
    region = _regions().by_pk.get(pk)
    return region if region is not None else _regions(refresh=True).by_pk.get(pk)


def _user_region(user) -> Region | None:
    facts = scope_facts(user)
    if facts is not None and not user.is_superuser:
        if facts.memberships and len(facts.member_regions) == 1:
            return _region(next(iter(facts.member_regions)))
        staff = set(facts.region_ids())
        if not facts.memberships and len(staff) == 1:
            return _region(next(iter(staff)))
        if not facts.memberships and not staff:
            return None
    establishment = member_establishments(user).select_related("region").first()
    return establishment.region if establishment else staff_regions(user).first()


def current_region(request: HttpRequest) -> Region | None:
    """Host name first (one deployment, several regions), then the user's establishment or staff region."""
    if hasattr(request, "_crrc_region"):
        return request._crrc_region
    host = request.get_host().split(":")[0].lower()
    region = _regions().by_host.get(host)
    user = getattr(request, "user", None)
    if region is None and user is not None and user.is_authenticated:
        region = _user_region(user)
    if region is None:
        region = _regions().by_code.get(settings.CRRC_DEFAULT_REGION)
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
