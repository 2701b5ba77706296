"""The exercise as one calendar event (``crrc.ics``): stable UID, SEQUENCE bumped on every change of date."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from crrc import ics

from .models import Exercise


def calendar_for(exercise: Exercise, method: str = "REQUEST") -> str:
    sites = [s.site.name for s in exercise.sites.select_related("site").order_by("site__name")]
    description = "\n".join(
        part
        for part in (
            _("Exercice de crise cyber – %(establishment)s") % {"establishment": exercise.establishment.name},
            _("Exercice multi-site, avec : %(sites)s") % {"sites": ", ".join(sites)} if sites else "",
            _("Scénario : %(scenario)s") % {"scenario": exercise.scenario.title} if exercise.scenario else "",
            _("Format : %(format)s ; simulation d'environ %(minutes)s minutes.")
            % {"format": exercise.get_format_display(), "minutes": exercise.simulation_minutes},
        )
        if part
    )
    return ics.build_event(
        uid=exercise.calendar_uid,
        sequence=exercise.calendar_sequence,
        start=exercise.starts_at,
        end=exercise.ends_at,
        summary=_("Exercice de crise : %(title)s") % {"title": exercise.title},
        description=description,
        location=exercise.location or (_("À distance") if exercise.format == "remote" else exercise.establishment.name),
        organizer_email=settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(">").strip(),
        attendees=[(p.name, p.email) for p in exercise.participants.order_by("pk")],
        method=method,
    )
