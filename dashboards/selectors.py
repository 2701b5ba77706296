"""Computes the registered indicators for a scope and draws their charts."""

from __future__ import annotations

from dataclasses import dataclass

from . import registry


@dataclass
class Panel:
    indicator: registry.Indicator
    figures: list[registry.Figure]
    chart: object | None

    @property
    def empty(self) -> bool:
        return not self.figures

    @property
    def drilldowns(self) -> list[tuple[int, registry.Figure]]:
        """(index, figure) of the figures that have a list of establishments behind them (never evaluated here)."""
        return [(i, f) for i, f in enumerate(self.figures) if f.has_drilldown]


def panels(scope: registry.Scope) -> list[Panel]:
    result = []
    with scope.sharing():
        for indicator in registry.indicators():
            figures = indicator.compute(scope)
            chart = indicator.chart(figures) if indicator.chart is not None and figures else None
            result.append(Panel(indicator, figures, chart))
    return result


def drilldown(scope: registry.Scope, key: str, index: int):
    """The establishments behind figure ``index`` of indicator ``key``, or ``None`` when there is no such list.

    The indicator's queryset is always intersected with the scope's establishments: an indicator that forgot a
    filter cannot show an establishment outside the user's regions and filters.
    """
    try:
        indicator = registry.get(key)
    except KeyError:
        return None, None, None
    figures = indicator.compute(scope)
    if not 0 <= index < len(figures) or not figures[index].has_drilldown:
        return indicator, None, None
    figure = figures[index]
    establishments = (
        scope.establishments.filter(pk__in=figure.drilldown.order_by().values("pk"))
        .select_related("department", "category")
        .order_by("name", "finess")
    )
    return indicator, figure, establishments
