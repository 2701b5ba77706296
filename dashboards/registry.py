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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

Number = int | float | Decimal


class _LazyDrilldown:
    """The ``drilldown`` of a figure: a queryset, or a callable that builds it, called on first access only.

    Building a queryset whose filter holds subqueries costs the ORM a clone and a relabel of each one: on the
    national data the dashboard builds hundreds of them (one per offer and department, say) for a page that shows
    none, since a drill-down is opened on its own page. ``lambda: queryset`` defers that work until it is read;
    ``Figure.has_drilldown`` answers "is there a list behind this figure?" without building it.
    """

    def __set_name__(self, owner, name):
        self.attribute = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            return None  # the dataclass default
        value = obj.__dict__.get(self.attribute)
        if value is not None and not isinstance(value, QuerySet) and callable(value):
            value = obj.__dict__[self.attribute] = value()
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.attribute] = value


@dataclass
class Figure:
    """One figure: ``label`` (a category), its ``value`` and unit; ``group`` names the series in a stacked chart;
    ``drilldown`` is the lazy queryset of the establishments behind the figure (not evaluated here), or a callable
    returning it (not even built until read)."""

    label: str
    value: Number | None
    unit: str = ""
    drilldown: QuerySet | Callable[[], QuerySet] | None = _LazyDrilldown()
    group: str = ""
    # What a ``None`` value means to the reader (e.g. "moins de 5 personnes"); an em dash when not said.
    missing: str = ""

    @property
    def has_drilldown(self) -> bool:
        """Whether a list of establishments stands behind the figure, without building its queryset."""
        return self.__dict__.get("_drilldown") is not None

    @property
    def display(self) -> str:
        """The value as a person reads it (French number format, unit)."""
        from crrc.charts import fmt

        return fmt(self.value, unit=self.unit, missing=str(self.missing) or "—")


@dataclass
class Scope:
    """What the dashboard looks at: the user's regions narrowed by the GET filters (see ``dashboards.scope``)."""

    user: object
    regions: QuerySet
    establishments: QuerySet
    start: datetime | None = None
    end: datetime | None = None
    # True when a department, sector or category filter narrows ``establishments`` below the regions': rows that
    # belong to no establishment (a CRRC staff member's post, say) count only when it is False.
    narrowed: bool = False
    # The ids of ``regions``, when the scope read them (``dashboards.scope``): the key of the panels' cache.
    region_ids: list[int] | None = None
    region_names: list[str] | None = None  # their names in order of name (the page's heading)
    # Results shared by the indicators of one computation of the panels (see ``shared`` and ``sharing``); ``None``
    # outside it, so that a scope kept across writes (a test, a worker) never reads a stale figure.
    memo: dict | None = field(default=None, repr=False, compare=False)

    def shared(self, key, compute: Callable[[], object]):
        """``compute()`` once per computation of the panels: indicators that read the same scan (the incidents'
        statistics for their counts and their delays, the participation cells for the five offers' indicators)
        make one query. Outside ``sharing()`` it is simply ``compute()``."""
        if self.memo is None:
            return compute()
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @contextmanager
    def sharing(self):
        """Share the scans between the indicators computed inside the block (the page's panels, one export)."""
        outer = self.memo
        self.memo = {} if outer is None else outer
        try:
            yield self
        finally:
            self.memo = outer

    def counts_by(self, field_name: str) -> dict:
        """{value of ``field_name``: establishments of the scope}, one ``GROUP BY`` per field and request, shared by
        the indicators that count establishments per sector, department or category (and divide by them)."""

        def count():
            from django.db.models import Count

            rows = self.establishments.order_by().values_list(field_name).annotate(n=Count("pk"))
            return dict(rows)

        return self.shared(("counts_by", field_name), count)

    def total(self) -> int:
        """The number of establishments in the scope (the sum of the per-sector counts: no extra query)."""
        return sum(self.counts_by("sector").values())

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


# --- Yearly activity summary of a CRRC -------------------------------------------------------------------------
# The figures seed documents publish by hand each year ("233 exercises, 41,500 learners enrolled, 221 hours of
# field support, 7 activations of the rapid-response force"), computed from the data. Each app registers its
# lines from ``AppConfig.ready()`` (through its ``dashboard.register_indicators``): exercises (exercises played to
# the end), awareness (learners enrolled), assessments (diagnostics), calls (funding paid) and incidents (hours of
# field support, rapid-response activations). A new module adds its line the same way, without touching this app.


@dataclass(frozen=True)
class SummaryLine:
    """One line of the yearly summary: ``compute(regions, year)`` returns one number in one query."""

    key: str
    label: str
    module: str
    compute: Callable[[QuerySet, int], Number | None]
    unit: str = ""
    order: int = 50


_summary: dict[str, SummaryLine] = {}


def register_summary_line(line: SummaryLine) -> SummaryLine:
    existing = _summary.get(line.key)
    if existing is not None and existing.module != line.module:
        raise ValueError(f"Summary line {line.key!r} is already registered by {existing.module}.")
    _summary[line.key] = line
    return line


def unregister_summary_line(key: str) -> None:
    _summary.pop(key, None)


def summary_lines() -> list[SummaryLine]:
    return sorted(_summary.values(), key=lambda line: (line.order, line.key))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """1 January of ``year`` (included) to 1 January of the next (excluded), in the portal's time zone."""
    from datetime import date, time

    from django.utils import timezone

    return (
        timezone.make_aware(datetime.combine(date(year, 1, 1), time.min)),
        timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min)),
    )
