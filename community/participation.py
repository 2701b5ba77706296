"""The "Communauté RSSI" section of "Mon établissement": the spaces the user belongs to, pending invitations,
and the next thing to do (join the region's community, answer an invitation, read what is new)."""

from django.utils.translation import gettext_lazy as _

from . import selectors


def _context(request, establishment) -> dict:
    """One query for the user's memberships in the region, a second only when there is none (spaces to join)."""
    from .models import Member

    rows = list(
        Member.objects.filter(
            user=request.user,
            space__region=establishment.region_id,
            space__is_archived=False,
            state__in=[Member.State.ACTIVE, Member.State.INVITED, Member.State.REQUESTED],
        ).select_related("space")[:10]
    )
    spaces = [m.space for m in rows if m.state == Member.State.ACTIVE]
    pending = [m for m in rows if m.state != Member.State.ACTIVE]
    joinable = [] if rows else list(selectors.joinable_spaces(request.user).filter(region=establishment.region_id)[:3])
    return {"spaces": spaces, "pending": pending, "joinable": joinable}


def register_section() -> None:
    from establishments.participation import Section, register

    register(
        Section(
            key="community",
            title=_("Communauté RSSI"),
            order=80,
            template="community/participation.html#section",
            context=_context,
        )
    )
