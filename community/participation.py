"""The "Communauté RSSI" section of "Mon établissement": the spaces the user belongs to, pending invitations,
and the next thing to do (join the region's community, answer an invitation, read what is new)."""

from django.utils.translation import gettext_lazy as _

from . import selectors


def _context(request, establishment) -> dict:
    spaces = list(selectors.member_spaces(request.user).filter(region=establishment.region_id)[:5])
    pending = list(selectors.pending_for(request.user).filter(space__region=establishment.region_id)[:5])
    joinable = (
        [] if spaces else list(selectors.joinable_spaces(request.user).filter(region=establishment.region_id)[:3])
    )
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
