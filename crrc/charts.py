"""Server-side SVG charts shared by every module (assessments, dashboards, awareness, exercises…).

One place draws every chart so that the page and the PDF show the same picture, each chart has a single scale
stated on its axis, and each carries its figures as an accessible table (``headers`` + ``rows``) rendered next to
it by ``{% chart c %}`` (``crrc/templatetags/charts.py``). The SVG uses presentation attributes only (no ``style``
attribute, no script) so that the CSP allows it and WeasyPrint prints it; its coordinates are written with a dot
whatever the language, while every number a person reads is formatted for the active language (French by default).

A value of ``None`` means "no figure": nothing is drawn for it and the table says ``missing`` (for instance
"non évalué").
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = int | float | Decimal

# Colours with a contrast ratio of at least 4.5:1 on white (WCAG 1.4.11 asks 3:1 for graphics), distinct in hue.
PALETTE = ("#1f4e79", "#b34700", "#2e6b30", "#6a1b9a", "#a4262c", "#00636b", "#5d4037", "#3a4a8c")
TEXT = "#1b1b1b"
MUTED = "#595959"
GRID = "#b0b0b0"
TRACK = "#eceff1"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

WIDTH = 400  # viewBox width: drawn at 100 % of its container, text stays legible down to 390 px wide screens.


@dataclass
class Chart:
    """A drawn chart: its SVG, and the same figures as a table (first cell of each row is the row header)."""

    kind: str
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]]
    scale: str = ""
    empty: bool = False
    ident: str = field(default_factory=lambda: "chart-" + secrets.token_hex(4))


# --- formatting ----------------------------------------------------------------------------------------------------


def fmt(value: Number | None, decimals: int | None = None, unit: str = "", missing: str = "") -> str:
    """A number as a person reads it in the active language (1 234,5 in French), with its unit."""
    if value is None:
        return missing
    value = Decimal(str(value))
    if decimals is None:
        decimals = 0 if value == value.to_integral() else (1 if (value * 10) == (value * 10).to_integral() else 2)
    text = number_format(value, decimals, use_l10n=True, force_grouping=True)
    if not unit:
        return text
    return f"{text}\u00a0{unit}" if unit != "%" else f"{text}\u00a0%"


def nice_max(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above ``value``: the scale's end
    when the caller gives none."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def ticks(scale_max: float) -> list[float]:
    """Evenly spaced round ticks from 0 to ``scale_max`` included (three to six steps when one fits)."""
    scale_max = float(scale_max)
    if scale_max <= 0:
        return [0.0]
    best = None
    power = 10 ** math.floor(math.log10(scale_max))
    for base in (power / 10, power, power * 10):
        for mult in (1, 2, 2.5, 5):
            step = base * mult
            count = scale_max / step
            if abs(count - round(count)) < 1e-6 and 3 <= round(count) <= 6:
                score = abs(round(count) - 5) + (2 if scale_max == int(scale_max) and step != int(step) else 0)
                if best is None or score < best[0]:
                    best = (score, step, round(count))
    if best is None:
        return [0.0, scale_max]
    return [round(best[1] * i, 6) for i in range(best[2] + 1)]


def scale_text(scale_max: Number, unit: str = "") -> str:
    return _("Échelle : de 0 à %(max)s") % {"max": fmt(scale_max, unit=unit)}


def _num(value: float) -> str:
    """An SVG coordinate (never localised)."""
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _text(x, y, content, *, size=12, anchor="start", fill=TEXT, weight=None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" font-family="{FONT}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}>{escape(content)}</text>'
    )


def _rect(x, y, w, h, fill) -> str:
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(h)}" fill="{fill}"/>'


def _line(x1, y1, x2, y2, stroke=GRID, width=1, dash=False) -> str:
    dashed = ' stroke-dasharray="3 3"' if dash else ""
    return (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}" '
        f'stroke-width="{width}"{dashed}/>'
    )


def _svg(ident: str, title: str, height: float, body: list[str]) -> SafeString:
    described = _("Les valeurs figurent dans le tableau qui suit le graphique.")
    return mark_safe(  # noqa: S308 - every text node is escaped by _text/escape above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMidYMin meet" role="img" aria-labelledby="{ident}-title">'
        f'<title id="{ident}-title">{escape(title)}. {escape(described)}</title>' + "".join(body) + "</svg>"
    )


def _legend(names: Sequence[str], colours: Sequence[str], y: float) -> tuple[list[str], float]:
    """Legend swatches wrapped over as many lines as needed; returns the elements and the height used."""
    parts, x, line = [], 0.0, 0
    for name, colour in zip(names, colours, strict=False):
        width = 18 + 6.5 * len(name) + 14
        if x and x + width > WIDTH:
            x, line = 0.0, line + 1
        top = y + line * 18
        parts.append(_rect(x, top, 12, 12, colour))
        parts.append(_text(x + 17, top + 10.5, name, size=12))
        x += width
    return parts, (line + 1) * 18 if names else 0


def _axis(x0: float, x1: float, y: float, scale_max: float, unit: str) -> list[str]:
    """Horizontal value axis: ticks with their figures and the scale stated under them."""
    parts = [_line(x0, y, x1, y, stroke=MUTED)]
    for tick in ticks(scale_max):
        x = x0 + (x1 - x0) * tick / scale_max
        parts.append(_line(x, y, x, y + 4, stroke=MUTED))
        parts.append(_text(x, y + 16, fmt(tick), size=11, anchor="start" if tick == 0 else "middle", fill=MUTED))
    parts.append(_text(x0, y + 32, scale_text(scale_max, unit), size=11, fill=MUTED))
    return parts


def _empty(kind: str, title: str, headers: list[str]) -> Chart:
    ident = "chart-" + secrets.token_hex(4)
    svg = _svg(ident, title, 40, [_text(0, 24, _("Aucune donnée à afficher."), size=13, fill=MUTED)])
    return Chart(kind, title, svg, headers, [], "", True, ident)


def _scale(values: Sequence[Number | None], scale_max: Number | None) -> float:
    if scale_max:
        return float(scale_max)
    present = [float(v) for v in values if v is not None]
    return nice_max(max(present)) if present else 1.0


# --- charts --------------------------------------------------------------------------------------------------------


def bar(
    title: str,
    labels: Sequence[str],
    values: Sequence[Number | None],
    scale_max: Number | None = None,
    unit: str = "",
    *,
    label_header: str = "",
    value_header: str = "",
    compare: Sequence[Number | None] | None = None,
    compare_header: str = "",
    colours: Sequence[str] | None = None,
    decimals: int | None = None,
    missing: str = "",
    extra_columns: dict[str, Sequence[str]] | None = None,
) -> Chart:
    """Horizontal bars, one per label, on one scale from 0 to ``scale_max`` (the largest value's round-up if none).

    ``compare`` draws a thinner grey bar under each (e.g. the previous assessment); ``extra_columns`` adds
    columns to the table only (e.g. questions answered).
    """
    missing = missing or _("non disponible")
    headers = [label_header or _("Libellé"), value_header or _("Valeur")]
    if compare is not None:
        headers.append(compare_header or _("Comparaison"))
    headers += list((extra_columns or {}).keys())
    if not labels:
        return _empty("bar", title, headers)
    top = _scale(list(values) + list(compare or []), scale_max)
    colours = list(colours or [PALETTE[0]] * len(labels))
    row_h = 48 if compare is not None else 38
    parts, y, right = [], 4.0, WIDTH - 60
    for index, label in enumerate(labels):
        value = values[index]
        parts.append(_text(0, y + 12, label if len(label) <= 56 else label[:55] + "…", size=13))
        bar_y = y + 17
        parts.append(_rect(0, bar_y, right, 14, TRACK))
        if value is not None:
            width = right * min(float(value) / top, 1)
            parts.append(_rect(0, bar_y, width, 14, colours[index % len(colours)] or PALETTE[0]))
            parts.append(_text(min(width, right) + 4, bar_y + 11.5, fmt(value, decimals, unit), size=12))
        else:
            parts.append(_text(4, bar_y + 11.5, missing, size=12, fill=MUTED))
        if compare is not None:
            previous = compare[index]
            if previous is not None:
                width = right * min(float(previous) / top, 1)
                parts.append(_rect(0, bar_y + 17, width, 7, MUTED))
        y += row_h
    parts += _axis(0, right, y + 2, top, unit)
    rows = []
    for index, label in enumerate(labels):
        row = [label, fmt(values[index], decimals, unit, missing)]
        if compare is not None:
            row.append(fmt(compare[index], decimals, unit, missing))
        row += [str(col[index]) for col in (extra_columns or {}).values()]
        rows.append(row)
    chart = Chart("bar", title, mark_safe(""), headers, rows, scale_text(top, unit))
    chart.svg = _svg(chart.ident, title, y + 40, parts)
    return chart


def stacked_bar(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[Number]],
    unit: str = "",
    *,
    label_header: str = "",
    scale_max: Number | None = None,
    colours: Sequence[str] | None = None,
) -> Chart:
    """Horizontal stacked bars: one bar per label, one segment per series; the table adds each row's total."""
    names = list(series)
    headers = [label_header or _("Libellé"), *names, _("Total")]
    if not labels or not names:
        return _empty("stacked_bar", title, headers)
    colours = list(colours or PALETTE)
    totals = [sum(float(series[n][i] or 0) for n in names) for i in range(len(labels))]
    top = _scale(totals, scale_max)
    parts, height = _legend(names, colours, 2)
    y, right = height + 6, WIDTH - 60
    for index, label in enumerate(labels):
        parts.append(_text(0, y + 12, label if len(label) <= 56 else label[:55] + "…", size=13))
        bar_y, x = y + 17, 0.0
        parts.append(_rect(0, bar_y, right, 14, TRACK))
        for position, name in enumerate(names):
            value = float(series[name][index] or 0)
            width = right * value / top if top else 0
            if width > 0:
                parts.append(_rect(x, bar_y, width, 14, colours[position % len(colours)]))
            x += width
        parts.append(_text(min(x, right) + 4, bar_y + 11.5, fmt(totals[index], unit=unit), size=12))
        y += 38
    parts += _axis(0, right, y + 2, top, unit)
    rows = [
        [label, *[fmt(series[n][i] or 0, unit=unit) for n in names], fmt(totals[i], unit=unit)]
        for i, label in enumerate(labels)
    ]
    chart = Chart("stacked_bar", title, mark_safe(""), headers, rows, scale_text(top, unit))
    chart.svg = _svg(chart.ident, title, y + 40, parts)
    return chart


def line(
    title: str,
    x_labels: Sequence[str],
    series: dict[str, Sequence[Number | None]],
    scale_max: Number | None = None,
    unit: str = "%",
    *,
    label_header: str = "",
    missing: str = "",
    colours: Sequence[str] | None = None,
) -> Chart:
    """Trends: one line per series over ``x_labels``; ``None`` is no data point (the line breaks there)."""
    missing = missing or _("non disponible")
    names = list(series)
    headers = [label_header or _("Période"), *names]
    if not x_labels or not names or all(v is None for n in names for v in series[n]):
        return _empty("line", title, headers)
    colours = list(colours or PALETTE)
    top = _scale([v for n in names for v in series[n]], scale_max)
    parts, legend_h = _legend(names, colours, 2)
    left, right, plot_top = 44, WIDTH - 8, legend_h + 12
    plot_h = 170
    bottom = plot_top + plot_h
    for tick in ticks(top):
        y = bottom - plot_h * tick / top
        parts.append(_line(left, y, right, y, dash=tick != 0, stroke=GRID if tick else MUTED))
        parts.append(_text(left - 4, y + 4, fmt(tick), size=11, anchor="end", fill=MUTED))
    count = len(x_labels)
    step = (right - left) / max(count - 1, 1)
    xs = [left + step * i if count > 1 else (left + right) / 2 for i in range(count)]
    every = max(1, math.ceil(count / 6))
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == count - 1:
            anchor = "middle" if count == 1 else "start" if i == 0 else "end" if i == count - 1 else "middle"
            parts.append(_text(xs[i], bottom + 15, label, size=11, anchor=anchor, fill=MUTED))
    for position, name in enumerate(names):
        colour = colours[position % len(colours)]
        segment: list[str] = []
        for i, value in enumerate(series[name]):
            if value is None:
                if len(segment) > 1:
                    parts.append(_polyline(segment, colour))
                segment = []
                continue
            y = bottom - plot_h * min(float(value) / top, 1)
            segment.append(f"{_num(xs[i])},{_num(y)}")
            parts.append(f'<circle cx="{_num(xs[i])}" cy="{_num(y)}" r="3.5" fill="{colour}"/>')
        if len(segment) > 1:
            parts.append(_polyline(segment, colour))
    parts.append(_text(left, bottom + 32, scale_text(top, unit), size=11, fill=MUTED))
    rows = [
        [label, *[fmt(series[n][i], unit=unit, missing=missing) for n in names]] for i, label in enumerate(x_labels)
    ]
    chart = Chart("line", title, mark_safe(""), headers, rows, scale_text(top, unit))
    chart.svg = _svg(chart.ident, title, bottom + 40, parts)
    return chart


def _polyline(points: list[str], colour: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5"/>'


def radar(
    title: str,
    axes: Sequence[str],
    values: Sequence[Number | None],
    scale_max: Number,
    *,
    label_header: str = "",
    value_header: str = "",
    unit: str = "",
    colours: Sequence[str] | None = None,
    decimals: int | None = None,
    missing: str = "",
    extra_columns: dict[str, Sequence[str]] | None = None,
) -> Chart:
    """Polar area chart (MonAideCyber's): one numbered sector per axis, its radius the value on one 0–max scale.

    The sector numbers refer to the table's rows; an axis without a value draws no sector.
    """
    missing = missing or _("non disponible")
    headers = [label_header or _("Axe"), value_header or _("Valeur"), *(extra_columns or {}).keys()]
    if not axes:
        return _empty("radar", title, headers)
    colours = list(colours or PALETTE)
    top = float(scale_max)
    size, radius = WIDTH, 150
    cx, cy = size / 2, radius + 22
    count = len(axes)
    parts = []
    for index, value in enumerate(values):
        if value is None or float(value) <= 0:
            continue
        r = radius * min(float(value) / top, 1)
        start = -math.pi / 2 + index * 2 * math.pi / count
        end = start + 2 * math.pi / count
        x1, y1 = cx + r * math.cos(start), cy + r * math.sin(start)
        x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
        large = 1 if count == 1 else 0
        if count == 1:
            parts.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="{colours[0]}"/>')
        else:
            parts.append(
                f'<path d="M{_num(cx)},{_num(cy)} L{_num(x1)},{_num(y1)} A{_num(r)},{_num(r)} 0 {large} 1 '
                f'{_num(x2)},{_num(y2)} Z" fill="{colours[index % len(colours)] or PALETTE[0]}" '
                f'fill-opacity="0.85" stroke="#ffffff"/>'
            )
    for tick in ticks(top)[1:]:
        r = radius * tick / top
        parts.append(
            f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="none" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(cx + 3, cy - r + 11, fmt(tick), size=10, fill=MUTED))
    for index in range(count):
        start = -math.pi / 2 + index * 2 * math.pi / count
        mid = start + math.pi / count
        parts.append(_line(cx, cy, cx + radius * math.cos(start), cy + radius * math.sin(start)))
        lx, ly = cx + (radius + 13) * math.cos(mid), cy + (radius + 13) * math.sin(mid) + 4
        parts.append(_text(lx, ly, str(index + 1), size=13, anchor="middle", weight="bold"))
    parts.append(_text(0, cy + radius + 40, scale_text(top, unit), size=11, fill=MUTED))
    rows = [
        [
            f"{i + 1}. {axis}",
            fmt(values[i], decimals, unit, missing),
            *[str(c[i]) for c in (extra_columns or {}).values()],
        ]
        for i, axis in enumerate(axes)
    ]
    chart = Chart("radar", title, mark_safe(""), headers, rows, scale_text(top, unit))
    chart.svg = _svg(chart.ident, title, cy + radius + 50, parts)
    return chart


def distribution(
    title: str,
    buckets: Sequence[str],
    counts: Sequence[Number],
    unit: str = "",
    *,
    label_header: str = "",
    value_header: str = "",
    scale_max: Number | None = None,
    colour: str = PALETTE[0],
) -> Chart:
    """Histogram-like vertical columns, one per bucket (e.g. establishments per maturity level)."""
    headers = [label_header or _("Classe"), value_header or _("Effectif")]
    if not buckets:
        return _empty("distribution", title, headers)
    top = _scale(counts, scale_max)
    parts = []
    left, right, plot_top, plot_h = 44, WIDTH - 8, 16, 170
    bottom = plot_top + plot_h
    for tick in ticks(top):
        y = bottom - plot_h * tick / top
        parts.append(_line(left, y, right, y, dash=tick != 0, stroke=GRID if tick else MUTED))
        parts.append(_text(left - 4, y + 4, fmt(tick), size=11, anchor="end", fill=MUTED))
    slot = (right - left) / len(buckets)
    for index, (bucket, count) in enumerate(zip(buckets, counts, strict=True)):
        height = plot_h * min(float(count or 0) / top, 1)
        x = left + slot * index + slot * 0.15
        parts.append(_rect(x, bottom - height, slot * 0.7, height, colour))
        parts.append(_text(x + slot * 0.35, bottom - height - 4, fmt(count or 0, unit=unit), size=11, anchor="middle"))
        short = bucket if len(bucket) <= max(4, int(slot / 6.5)) else bucket[: max(3, int(slot / 6.5) - 1)] + "…"
        parts.append(_text(x + slot * 0.35, bottom + 15, short, size=11, anchor="middle", fill=MUTED))
    parts.append(_text(left, bottom + 32, scale_text(top, unit), size=11, fill=MUTED))
    rows = [[bucket, fmt(count or 0, unit=unit)] for bucket, count in zip(buckets, counts, strict=True)]
    chart = Chart("distribution", title, mark_safe(""), headers, rows, scale_text(top, unit))
    chart.svg = _svg(chart.ident, title, bottom + 40, parts)
    return chart
