"""The incidents section of "Mon établissement": open incidents and their next step, or how to declare one."""

from __future__ import annotations

from establishments.roles import Capability
from establishments.selectors import can

from . import contacts, selectors
from .steps import SPECS
from .workflow import OPEN_STATES


def section_context(request, establishment) -> dict:
    may_declare = can(request.user, establishment, Capability.HANDLE_INCIDENTS)
    # Confidential: members without the capability get an empty list from the scoped selector, not a count.
    open_incidents = list(
        selectors.with_next_step(
            selectors.incidents_for(request.user).filter(establishment=establishment, state__in=OPEN_STATES)
        )[:5]
    )
    return {
        "establishment": establishment,
        "may_declare": may_declare,
        "open_incidents": open_incidents,
        "specs": SPECS,
        "on_call": contacts.crrc_on_call(establishment.region),
    }
