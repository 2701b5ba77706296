"""Regional dashboard indicators of assessments: assessments by grid and state, maturity levels reached."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import distribution_of, stacked_of
from dashboards.registry import Figure, Indicator, Scope, SummaryLine, register, register_summary_line, year_bounds

from .models import Assessment, State


def _assessments(scope: Scope):
    return scope.in_period(Assessment.objects.filter(establishment__in=scope.establishments), "created_at")


def by_grid(scope: Scope) -> list[Figure]:
    rows = (
        _assessments(scope)
        .order_by()
        .values("grid__title")
        .annotate(
            submitted=Count("id", filter=Q(state=State.SUBMITTED)), drafts=Count("id", filter=Q(state=State.DRAFT))
        )
        .order_by("grid__title")
    )
    figures = []
    for row in rows:
        figures.append(Figure(row["grid__title"], row["submitted"], group=_("Soumises")))
        figures.append(Figure(row["grid__title"], row["drafts"], group=_("En cours")))
    return figures


def maturity_levels(scope: Scope) -> list[Figure]:
    """Submitted assessments by level reached (levels are per grid: the grid is named when several are present)."""
    rows = list(
        _assessments(scope)
        .filter(state=State.SUBMITTED)
        .order_by()
        .values("grid__title", "level_code", "level_label")
        .annotate(n=Count("id"))
        .order_by("grid__title", "level_code")
    )
    several = len({r["grid__title"] for r in rows}) > 1
    figures = []
    for row in rows:
        label = row["level_label"] or _("Sans niveau")
        if several:
            label = f"{label} ({row['grid__title']})"
        figures.append(Figure(label, row["n"], drilldown=lambda row=row: _behind_level(scope, row)))
    return figures


def _behind_level(scope: Scope, row: dict):
    """The establishments of the submitted assessments of one grid and level (the drill-down, built when read)."""
    behind = _assessments(scope).filter(
        state=State.SUBMITTED, grid__title=row["grid__title"], level_code=row["level_code"]
    )
    return scope.establishments.filter(pk__in=behind.values("establishment"))


def register_indicators() -> None:
    register(
        Indicator(
            key="assessments.by_grid",
            title=gettext_lazy("Évaluations par grille"),
            module="assessments",
            order=30,
            compute=by_grid,
            chart=stacked_of(gettext_lazy("Évaluations par grille"), label_header=gettext_lazy("Grille")),
        )
    )
    register(
        Indicator(
            key="assessments.maturity_levels",
            title=gettext_lazy("Niveaux de maturité atteints"),
            module="assessments",
            order=31,
            compute=maturity_levels,
            chart=distribution_of(
                gettext_lazy("Niveaux de maturité atteints"),
                label_header=gettext_lazy("Niveau"),
                value_header=gettext_lazy("Évaluations soumises"),
            ),
        )
    )
    register_summary_line(
        SummaryLine(
            key="assessments.submitted",
            label=gettext_lazy("Diagnostics réalisés (évaluations soumises)"),
            module="assessments",
            order=30,
            compute=submitted_in_year,
        )
    )


def submitted_in_year(regions, year: int) -> int:
    start, end = year_bounds(year)
    return Assessment.objects.filter(
        establishment__region__in=regions, submitted_at__gte=start, submitted_at__lt=end
    ).count()
