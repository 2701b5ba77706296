"""Indicators of the regional dashboard, declared by the apps that own the data.

Each app registers its indicators from ``AppConfig.ready()``::

    register(Indicator(key="exercises.by_level", title=_("Exercices par niveau de kit"), module="exercises", order=40,
                       compute=lambda scope: [Figure(label, value, unit="", drilldown=<Establishment qs or None>)],
                       chart=lambda figures: charts.bar(...) or None))

``compute(scope)`` aggregates in the database (``values().annotate()``, ``aggregate()``): the number of queries
of an indicator never grows with the data. ``chart(figures)`` draws them with ``crrc.charts`` (the chart carries
the figures as a table); when it returns ``None`` the page shows the figures as a plain table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

Number = int | float | Decimal


@dataclass
class Figure:
    """One figure: ``label`` (a category), its ``value`` and unit; ``group`` names the series in a stacked chart;
    ``drilldown`` is the lazy queryset of the establishments behind the figure (not evaluated here)."""

    label: str
    value: Number | None
    unit: str = ""
    drilldown: QuerySet | None = None
    group: str = ""

    @property
    def display(self) -> str:
        """The value as a person reads it (French number format, unit)."""
        from crrc.charts import fmt

        return fmt(self.value, unit=self.unit, missing="—")


@dataclass
class Scope:
    """What the dashboard looks at: the user's regions narrowed by the GET filters (see ``dashboards.scope``)."""

    user: object
    regions: QuerySet
    establishments: QuerySet
    start: datetime | None = None
    end: datetime | None = None

    def in_period(self, queryset: QuerySet, field: str) -> QuerySet:
        """``queryset`` limited to rows whose ``field`` falls in the chosen period (all rows when none is chosen)."""
        if self.start is not None:
            queryset = queryset.filter(**{f"{field}__gte": self.start})
        if self.end is not None:
            queryset = queryset.filter(**{f"{field}__lt": self.end})
        return queryset


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    module: str
    compute: Callable[[Scope], list[Figure]]
    chart: Callable[[list[Figure]], object] | None = None
    order: int = 50
    description: str = ""


_registry: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add an indicator; registering another one under the same key is a programming error."""
    existing = _registry.get(indicator.key)
    if existing is not None and existing.module != indicator.module:
        raise ValueError(f"Dashboard indicator {indicator.key!r} is already registered by {existing.module}.")
    _registry[indicator.key] = indicator
    return indicator


def unregister(key: str) -> None:
    """For tests that register throwaway indicators."""
    _registry.pop(key, None)


def indicators() -> list[Indicator]:
    return sorted(_registry.values(), key=lambda i: (i.order, i.key))


def get(key: str) -> Indicator:
    return _registry[key]
