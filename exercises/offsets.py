"""Chronogram offsets written as the ANS kits write them, stored as seconds from the start of the simulation.

Accepted tokens, alone or combined with spaces (``J+0 H+0:15``): ``J+n`` / ``D+n`` days, ``H+h`` or ``H+h:mm``
hours (and minutes), ``M+n`` minutes, ``T+n`` minutes or ``T+h:mm`` (the "T0 + …" of animation sheets), and a
bare ``h:mm``. A minus sign is refused: a stimulus cannot be played before the exercise starts.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_TOKEN = re.compile(r"^(?P<unit>[JDHMT])\s*(?P<sign>[+-])\s*(?P<value>\d{1,4})(?::(?P<minutes>\d{2}))?$", re.I)
_CLOCK = re.compile(r"^(?P<hours>\d{1,3}):(?P<minutes>\d{2})$")
MAX_SECONDS = 7 * 24 * 3600


def parse_offset(text) -> int:
    """Seconds from the start, or ``ValidationError`` with a French message saying what is wrong."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        raise ValidationError(
            _("Décalage « %(value)s » illisible : écrivez-le comme dans les kits, par exemple H+0:15, M+30 ou J+1.")
            % {"value": text},
            code="offset",
        )
    raw = str(text or "").strip()
    if not raw:
        raise ValidationError(_("Le décalage est obligatoire (par exemple H+0:15)."), code="offset_required")
    total = 0
    for token in raw.replace(",", " ").split():
        clock = _CLOCK.match(token)
        if clock:
            minutes = int(clock["minutes"])
            if minutes > 59:
                raise _unreadable(raw)
            total += int(clock["hours"]) * 3600 + minutes * 60
            continue
        match = _TOKEN.match(token)
        if not match:
            raise _unreadable(raw)
        if match["sign"] == "-":
            raise ValidationError(
                _("Décalage « %(value)s » négatif : un stimulus ne peut pas précéder le début de l'exercice.")
                % {"value": raw},
                code="offset_negative",
            )
        unit, value, minutes = match["unit"].upper(), int(match["value"]), match["minutes"]
        if minutes is not None and (unit not in "HT" or int(minutes) > 59):
            raise _unreadable(raw)
        if unit in "JD":
            total += value * 86400
        elif unit == "H":
            total += value * 3600 + int(minutes or 0) * 60
        elif unit == "M":
            total += value * 60
        else:  # T: minutes, or hours:minutes
            total += value * 3600 + int(minutes) * 60 if minutes is not None else value * 60
    if total > MAX_SECONDS:
        raise ValidationError(
            _("Décalage « %(value)s » trop grand : un exercice dure au plus sept jours.") % {"value": raw},
            code="offset_too_large",
        )
    return total


def _unreadable(raw: str) -> ValidationError:
    return ValidationError(
        _("Décalage « %(value)s » illisible : écrivez-le comme dans les kits, par exemple H+0:15, M+30 ou J+1.")
        % {"value": raw},
        code="offset",
    )


def format_offset(seconds: int) -> str:
    """The kits' notation: ``J+0 H+0:15`` (day, then hours:minutes)."""
    seconds = max(int(seconds or 0), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"J+{days} H+{hours}:{rest // 60:02d}"
