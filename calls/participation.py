"""The "Appels à projets et candidatures" section of "Mon établissement": each application, where it stands and
what is expected next, plus the open calls the establishment could answer."""

from django.utils.translation import gettext_lazy as _

from .models import Application, Call
from .workflow import State


def _context(request, establishment) -> dict:
    applications = list(
        Application.objects.for_user(request.user)
        .filter(establishment=establishment)
        .exclude(state=State.ABANDONNE)
        .select_related("call")
        .order_by("-updated_at")[:5]
    )
    taken = {a.call_id for a in applications}
    open_calls = [c for c in Call.objects.open_at().filter(region=establishment.region_id)[:5] if c.pk not in taken]
    return {"applications": applications, "open_calls": open_calls}


def register_section() -> None:
    try:
        from establishments.participation import Section, register
    except ImportError:
        return
    register(
        Section(
            key="calls",
            title=_("Appels à projets et candidatures"),
            order=20,
            template="calls/participation.html#section",
            context=_context,
        )
    )
