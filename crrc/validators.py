"""Validators shared by every module.

``sane_date``: a date a person types (a deadline, a call's opening, an exercise date) must fall in a window that
makes sense for the portal: not before 2000, not more than ten years ahead. 1900-01-01 or 2206 is a typo, and a
typo in a deadline silently breaks reminders, dashboards and overdue counts. Apply it to every date field people
enter: model or form field ``validators=[sane_date]``; the admin adds it to every date field itself
(``crrc.admin.RegionScopedAdminMixin``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 10


def latest_sane_date(today: date | None = None) -> date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


@deconstructible
class SaneDate:
    def __call__(self, value) -> None:
        if value is None or value == "":
            return
        day = timezone.localtime(value).date() if isinstance(value, datetime) and timezone.is_aware(value) else value
        if isinstance(day, datetime):
            day = day.date()
        latest = latest_sane_date()
        if day < EARLIEST or day > latest:
            raise ValidationError(
                _("Date invraisemblable : saisissez une date entre le %(start)s et le %(end)s.")
                % {"start": EARLIEST.strftime("%d/%m/%Y"), "end": latest.strftime("%d/%m/%Y")},
                code="date_out_of_range",
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, SaneDate)


sane_date = SaneDate()
