"""The one anonymity rule of the awareness module: no figure about fewer than 5 people, anywhere.

Every figure shown on a page, in a report or in the regional benchmark is built here: ``rate`` (a share of a
population), ``count`` (a number of people in a group) and ``distribution`` (median and quartiles across
establishments). Each one carries the population it is about; below ``THRESHOLD`` the value is dropped — not
just hidden by a template — and the figure reads "moins de 5 personnes".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import quantiles

from django.utils.translation import gettext as _

THRESHOLD = 5


def masked_label() -> str:
    return _("moins de %(n)d personnes") % {"n": THRESHOLD}


def is_small(population: int | None) -> bool:
    return population is None or population < THRESHOLD


@dataclass(frozen=True)
class Figure:
    """A value about ``population`` people, or nothing when the group is too small to be shown."""

    value: float | None
    population: int
    unit: str = "%"

    @property
    def masked(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.value is None:
            return masked_label()
        if self.unit == "%":
            return f"{self.value:.0f} %".replace(".", ",")
        return f"{self.value:.0f}"

    @property
    def chart_value(self) -> float | None:
        return self.value


def rate(numerator: int, population: int) -> Figure:
    """``numerator`` out of ``population`` as a percentage; masked when the population is under the threshold."""
    if is_small(population):
        return Figure(None, population or 0)
    return Figure(100.0 * numerator / population, population)


def count(value: int, population: int | None = None) -> Figure:
    """A number of people; masked when the group it is drawn from is under the threshold."""
    population = value if population is None else population
    if is_small(population):
        return Figure(None, population or 0, unit="")
    return Figure(float(value), population, unit="")


@dataclass(frozen=True)
class Distribution:
    """Quartiles of per-establishment rates; ``establishments`` counted only if they have THRESHOLD learners."""

    establishments: int
    learners: int
    q1: Figure
    median: Figure
    q3: Figure

    @property
    def masked(self) -> bool:
        return self.median.masked


def distribution(values: Sequence[float], learners: int) -> Distribution:
    """Median and quartiles of ``values`` (one rate per establishment), masked when ``learners`` is too small.

    A single establishment's rate would be its own figure: quartiles need at least two establishments, and the
    median alone is shown only when the group counts at least THRESHOLD learners in all.
    """
    values = sorted(values)
    if is_small(learners) or not values:
        blank = Figure(None, learners)
        return Distribution(len(values), learners, blank, blank, blank)
    if len(values) == 1:
        only = Figure(values[0], learners)
        return Distribution(1, learners, only, only, only)
    q1, median, q3 = quantiles(values, n=4, method="inclusive")
    return Distribution(len(values), learners, Figure(q1, learners), Figure(median, learners), Figure(q3, learners))


def position(value: Figure, dist: Distribution) -> str:
    """Where an establishment's rate stands against its sector's quartiles, in words."""
    if value.masked or dist.masked or dist.establishments < 2:
        return ""
    if value.value <= dist.q1.value:
        return _("parmi le quart des établissements aux taux les plus bas")
    if value.value <= dist.median.value:
        return _("sous la médiane régionale du secteur")
    if value.value <= dist.q3.value:
        return _("au-dessus de la médiane régionale du secteur")
    return _("parmi le quart des établissements aux taux les plus élevés")
