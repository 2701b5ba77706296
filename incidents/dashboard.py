"""Dashboard indicators of incident support: counts, CRRC hours and delays — never an incident's content.

ARS reviewers see these figures only; the drill-down lists the establishments behind a count (names of
establishments, as the dashboards show everywhere), never the incidents themselves.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, SummaryLine, register, register_summary_line, year_bounds
from establishments.models import Establishment

from .models import Incident, Intervention
from .selectors import statistics
from .workflow import OPEN_STATES


def _hours(delay) -> float | None:
    return None if delay is None else round(delay.total_seconds() / 3600, 1)


def _statistics(scope: Scope) -> dict:
    """The incidents' statistics of the scope, read once for both indicators (counts and delays)."""
    return scope.shared("incidents.statistics", lambda: statistics(scope.establishments, scope.start, scope.end))


def activity(scope: Scope) -> list[Figure]:
    incidents = scope.in_period(Incident.objects.filter(establishment__in=scope.establishments), "detected_at")
    figures = _statistics(scope)

    def behind(queryset) -> object:
        return Establishment.objects.filter(pk__in=queryset.values("establishment_id"))

    return [
        Figure(_("Incidents déclarés"), figures["total"], drilldown=lambda: behind(incidents)),
        Figure(
            _("Incidents en cours"),
            figures["open"],
            drilldown=lambda: behind(incidents.filter(state__in=OPEN_STATES)),
        ),
        Figure(
            _("Activations de la force d'intervention rapide"),
            figures["rapid_response"],
            drilldown=lambda: behind(incidents.filter(rapid_response_requested_at__isnull=False)),
        ),
        Figure(_("Heures d'appui du CRRC"), float(figures["hours"]), unit="h"),
    ]


def delays(scope: Scope) -> list[Figure]:
    figures = _statistics(scope)
    return [
        Figure(_("Détection → déclaration sur le portail national"), _hours(figures["declaration_delay"]), unit="h"),
        Figure(_("Détection → prise en charge par le CRRC"), _hours(figures["support_delay"]), unit="h"),
    ]


def register_indicators() -> None:
    register(
        Indicator(
            key="incidents.activity",
            title=gettext_lazy("Incidents cyber et appui du CRRC"),
            module="incidents",
            order=80,
            compute=activity,
            description=gettext_lazy("Les incidents sont confidentiels : seuls leurs nombres figurent ici."),
        )
    )
    register(
        Indicator(
            key="incidents.delays",
            title=gettext_lazy("Délais moyens après détection d'un incident"),
            module="incidents",
            order=81,
            compute=delays,
            chart=bar_of(gettext_lazy("Délais moyens après détection (heures)"), unit="h"),
        )
    )
    register_summary_line(
        SummaryLine(
            key="incidents.field_hours",
            label=gettext_lazy("Heures d'appui de terrain (interventions sur incident)"),
            module="incidents",
            order=40,
            compute=hours_in_year,
            unit="h",
        )
    )
    register_summary_line(
        SummaryLine(
            key="incidents.rapid_response",
            label=gettext_lazy("Activations de la force d'intervention rapide"),
            module="incidents",
            order=50,
            compute=activations_in_year,
        )
    )


def hours_in_year(regions, year: int) -> float:
    """Hours of the CRRC's interventions recorded in the year (the intervention's date, not the incident's)."""
    start, end = year_bounds(year)
    total = Intervention.objects.filter(
        incident__establishment__region__in=regions, at__gte=start, at__lt=end
    ).aggregate(total=Sum("hours"))["total"]
    return float(total or 0)


def activations_in_year(regions, year: int) -> int:
    start, end = year_bounds(year)
    return Incident.objects.filter(
        establishment__region__in=regions, rapid_response_requested_at__gte=start, rapid_response_requested_at__lt=end
    ).count()
