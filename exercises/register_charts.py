"""Charts of the regional register (``crrc.charts``): exercises per month by stage, and per kit level.

Drawn from the register's filtered queryset with aggregates in the database (one query for the months, none for
the levels, which come from ``register_stats``), so the page costs the same whatever the number of exercises.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crrc import charts

from .models import Exercise
from .selectors import REGISTER_GROUPS, RegisterFilters

STAGE_LABELS = {
    "planned": lambda: _("Planifiés"),
    "played": lambda: _("Joués"),
    "reported": lambda: _("Rapport remis"),
    "cancelled": lambda: _("Annulés"),
}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_window(filters: RegisterFilters, today: date | None = None) -> list[date]:
    """The twelve months shown: the filtered year, or eight months back and three ahead (planned exercises)."""
    if filters.year:
        return [date(filters.year, month, 1) for month in range(1, 13)]
    first = _add_months((today or timezone.localdate()).replace(day=1), -8)
    return [_add_months(first, n) for n in range(12)]


def by_month(qs: QuerySet[Exercise], filters: RegisterFilters, today: date | None = None) -> charts.Chart:
    months = month_window(filters, today)
    start = timezone.make_aware(datetime(months[0].year, months[0].month, 1))
    after = _add_months(months[-1], 1)
    end = timezone.make_aware(datetime(after.year, after.month, 1))
    rows = (
        qs.filter(starts_at__gte=start, starts_at__lt=end)
        .order_by()
        .annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(**{name: Count("pk", filter=Q(state__in=states)) for name, states in REGISTER_GROUPS.items()})
    )
    counts = {timezone.localtime(row["month"]).date().replace(day=1): row for row in rows}
    series = {
        str(STAGE_LABELS[name]()): [(counts.get(month) or {}).get(name, 0) for month in months]
        for name in REGISTER_GROUPS
    }
    return charts.stacked_bar(
        _("Exercices par mois (date de l'exercice)"),
        [formats.date_format(month, "F Y") for month in months],
        series,
        label_header=_("Mois"),
    )


def by_level(stats: dict) -> charts.Chart:
    labels = [str(label) for label, _n in stats["by_level"]]
    return charts.bar(
        _("Exercices par niveau de kit"),
        labels,
        [n for _label, n in stats["by_level"]],
        label_header=_("Niveau de kit"),
        value_header=_("Exercices"),
        decimals=0,
    )


def register_charts(qs: QuerySet[Exercise], filters: RegisterFilters, stats: dict) -> list[charts.Chart]:
    return [by_month(qs, filters), by_level(stats)]
