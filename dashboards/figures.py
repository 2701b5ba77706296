"""Ready-made ``chart`` callables for indicators: figures → a ``crrc.charts`` chart."""

from __future__ import annotations

from collections.abc import Callable

from crrc import charts

from .registry import Figure


def bar_of(title, *, unit: str = "", label_header="", value_header="", scale_max=None) -> Callable:
    def draw(figures: list[Figure]):
        return charts.bar(
            str(title),
            [f.label for f in figures],
            [f.value for f in figures],
            scale_max=scale_max,
            unit=unit or (figures[0].unit if figures else ""),
            label_header=str(label_header),
            value_header=str(value_header),
            # What a missing value means, as its figures say (e.g. "moins de 5 personnes").
            missing=next((str(f.missing) for f in figures if f.value is None and f.missing), ""),
        )

    return draw


def distribution_of(title, *, label_header="", value_header="") -> Callable:
    def draw(figures: list[Figure]):
        return charts.distribution(
            str(title),
            [f.label for f in figures],
            [f.value or 0 for f in figures],
            label_header=str(label_header),
            value_header=str(value_header),
        )

    return draw


def stacked_of(title, *, label_header="", colours=None) -> Callable:
    """Figures with a ``group`` (the series) per ``label`` (the bar), in first-seen order; ``colours`` per series
    in the same order (e.g. done green, overdue red)."""

    def draw(figures: list[Figure]):
        labels = list(dict.fromkeys(f.label for f in figures))
        groups = list(dict.fromkeys(f.group for f in figures))
        values = {(f.label, f.group): f.value or 0 for f in figures}
        series = {group: [values.get((label, group), 0) for label in labels] for group in groups}
        return charts.stacked_bar(str(title), labels, series, label_header=str(label_header), colours=colours)

    return draw
