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


def panels(scope: registry.Scope) -> list[Panel]:
    result = []
    for indicator in registry.indicators():
        figures = indicator.compute(scope)
        chart = indicator.chart(figures) if indicator.chart is not None and figures else None
        result.append(Panel(indicator, figures, chart))
    return result
