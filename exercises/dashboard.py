"""Regional dashboard indicators of crisis exercises: by kit level and by stage (planned, played, reported)."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, SummaryLine, register, register_summary_line, year_bounds

from .choices import KitLevel
from .models import Exercise
from .selectors import REGISTER_GROUPS


def _exercises(scope: Scope):
    return scope.in_period(Exercise.objects.filter(establishment__in=scope.establishments), "starts_at")


def by_level(scope: Scope) -> list[Figure]:
    exercises = _exercises(scope)
    rows = {r["kit_level"]: r["n"] for r in exercises.order_by().values("kit_level").annotate(n=Count("pk"))}
    base = scope.establishments
    # The drill-down lists the establishments of the exercises the figure counts: same scope, same period instants.
    return [
        Figure(
            str(label),
            rows.get(value, 0),
            drilldown=lambda value=value: base.filter(pk__in=exercises.filter(kit_level=value).values("establishment")),
        )
        for value, label in KitLevel.choices
    ]


def by_stage(scope: Scope) -> list[Figure]:
    labels = {
        "planned": _("Planifiés"),
        "played": _("Joués, rapport à remettre"),
        "reported": _("Rapport remis"),
        "cancelled": _("Annulés"),
    }
    counts = _exercises(scope).aggregate(
        **{name: Count("pk", filter=Q(state__in=states)) for name, states in REGISTER_GROUPS.items()}
    )
    return [Figure(str(labels[name]), counts[name]) for name in REGISTER_GROUPS]


def register_indicators() -> None:
    register(
        Indicator(
            key="exercises.by_level",
            title=gettext_lazy("Exercices de crise par niveau de kit"),
            module="exercises",
            order=50,
            compute=by_level,
            chart=bar_of(gettext_lazy("Exercices de crise par niveau de kit"), label_header=gettext_lazy("Niveau")),
        )
    )
    register(
        Indicator(
            key="exercises.by_stage",
            title=gettext_lazy("Exercices de crise par étape"),
            module="exercises",
            order=51,
            compute=by_stage,
            chart=bar_of(gettext_lazy("Exercices de crise par étape"), label_header=gettext_lazy("Étape")),
            description=gettext_lazy("Sur la période choisie, d'après la date de l'exercice."),
        )
    )
    register_summary_line(
        SummaryLine(
            key="exercises.played",
            label=gettext_lazy("Exercices de crise joués"),
            module="exercises",
            order=10,
            compute=played_in_year,
        )
    )


def played_in_year(regions, year: int) -> int:
    """Exercises that ended (were played to the end) in the year, in the establishments of ``regions``."""
    start, end = year_bounds(year)
    return Exercise.objects.filter(establishment__region__in=regions, ended_at__gte=start, ended_at__lt=end).count()
