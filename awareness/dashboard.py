"""Regional dashboard indicators of the awareness programme: anonymous rates per quarter (threshold of 5).

Every rate is a share of the messages delivered (sent minus errors) in a quarter, across the establishments of the
scope; a quarter that reached fewer than 5 people has no figure at all ("moins de 5 personnes"). The period filter
keeps the campaigns that started in it.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crrc import charts
from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, SummaryLine, register, register_summary_line, year_bounds

from . import anonymity
from .models import Enrolment, Learner, PhishingResult
from .stats import DELIVERED, TRAPPED


def _quarters(scope: Scope, **counts):
    """One row per quarter (year, quarter) of the scope's results, with the population reached and ``counts``."""
    results = scope.in_period(
        PhishingResult.objects.filter(establishment__in=scope.establishments), "campaign__starts_on"
    )
    return (
        results.order_by()
        .values("campaign__programme__year", "campaign__quarter")
        .annotate(population=Count("pk", filter=DELIVERED), **counts)
        .order_by("campaign__programme__year", "campaign__quarter")
    )


def _all_quarters(scope: Scope) -> list[dict]:
    """Every count the two quarterly indicators need, in one scan of the results shared by both (the 2,000,000
    result events are read once a request, not once an indicator)."""
    return scope.shared(
        "awareness.quarters",
        lambda: list(
            _quarters(
                scope,
                trapped=Count("pk", filter=TRAPPED),
                clicked=Count("pk", filter=DELIVERED & Q(clicked=True)),
                submitted=Count("pk", filter=DELIVERED & Q(submitted=True)),
                reported=Count("pk", filter=DELIVERED & Q(reported=True)),
            )
        ),
    )


def _label(row: dict) -> str:
    return f"{row['campaign__programme__year']}-T{row['campaign__quarter']}"


def _percent(numerator: int, population: int) -> int | None:
    rate = anonymity.rate(numerator, population)
    return None if rate.masked else round(rate.value)


def _reached(scope: Scope, row: dict):
    """The establishments of the scope whose people received that quarter's messages (lazy: the drill-down)."""
    results = PhishingResult.objects.filter(
        DELIVERED,
        campaign__programme__year=row["campaign__programme__year"],
        campaign__quarter=row["campaign__quarter"],
    )
    return scope.establishments.filter(pk__in=results.values("establishment_id"))


def trapped_by_quarter(scope: Scope) -> list[Figure]:
    return [
        Figure(
            _label(row),
            _percent(row["trapped"], row["population"]),
            unit="%",
            drilldown=lambda row=row: _reached(scope, row),
            missing=anonymity.masked_label(),
        )
        for row in _all_quarters(scope)
    ]


def _rate_series() -> tuple[tuple[str, str], ...]:
    return (("clicked", _("Clic sur le lien")), ("submitted", _("Saisie de données")), ("reported", _("Signalement")))


def rates_by_quarter(scope: Scope) -> list[Figure]:
    """Click, submit and report rates of each quarter (one figure per rate and quarter, the rate as its group)."""
    rows = _all_quarters(scope)
    return [
        Figure(
            _label(row), _percent(row[key], row["population"]), unit="%", group=name, missing=anonymity.masked_label()
        )
        for row in rows
        for key, name in _rate_series()
    ]


def rates_chart(figures: list[Figure]):
    """The trend of the three rates over the quarters; a masked quarter is a gap in the lines."""
    quarters = list(dict.fromkeys(f.label for f in figures))
    values = {(f.label, f.group): f.value for f in figures}
    series = {name: [values.get((quarter, name)) for quarter in quarters] for _key, name in _rate_series()}
    return charts.line(
        _("Taux de clic, de saisie et de signalement, en % des messages reçus"),
        quarters,
        series,
        scale_max=100,
        unit="%",
        label_header=_("Trimestre"),
        missing=anonymity.masked_label(),
    )


def enrolled_by_sector(scope: Scope) -> list[Figure]:
    from establishments.roles import Sector

    rows = (
        Enrolment.objects.filter(establishment__in=scope.establishments, is_active=True)
        .order_by()
        .values("establishment__sector")
        .annotate(n=Count("establishment", distinct=True, filter=Q(is_active=True)))
    )
    labels = dict(Sector.choices)
    return [
        Figure(str(labels.get(row["establishment__sector"], row["establishment__sector"])), row["n"],
               drilldown=lambda sector=row["establishment__sector"]: scope.establishments.filter(
                   sector=sector, awareness_enrolment_set__is_active=True))
        for row in rows
    ]  # fmt: skip


def register_indicators() -> None:
    register(
        Indicator(
            key="awareness.trapped_by_quarter",
            title=gettext_lazy("Sensibilisation : personnes piégées par trimestre"),
            module="awareness",
            order=60,
            compute=trapped_by_quarter,
            chart=bar_of(
                gettext_lazy("Personnes piégées (clic ou saisie), en % des messages reçus"),
                unit="%",
                label_header=gettext_lazy("Trimestre"),
                scale_max=100,
            ),
            description=gettext_lazy("Taux anonymes : aucun chiffre pour un groupe de moins de 5 personnes."),
        )  # fmt: skip
    )
    register(
        Indicator(
            key="awareness.rates_by_quarter",
            title=gettext_lazy("Sensibilisation : clics, saisies et signalements par trimestre"),
            module="awareness",
            order=60,
            compute=rates_by_quarter,
            chart=rates_chart,
            description=gettext_lazy(
                "Évolution des taux d'un trimestre à l'autre ; aucun chiffre pour un trimestre de moins de 5 personnes."
            ),
        )
    )
    register(
        Indicator(
            key="awareness.enrolled_by_sector",
            title=gettext_lazy("Établissements inscrits au programme de sensibilisation"),
            module="awareness",
            order=61,
            compute=enrolled_by_sector,
            chart=bar_of(gettext_lazy("Établissements inscrits, par secteur"), label_header=gettext_lazy("Secteur")),
        )
    )
    register_summary_line(
        SummaryLine(
            key="awareness.learners_enrolled",
            label=gettext_lazy("Apprenants inscrits à la sensibilisation"),
            module="awareness",
            order=20,
            compute=learners_enrolled_in_year,
        )
    )


def learners_enrolled_in_year(regions, year: int) -> int:
    """Learners added in the year by the establishments of ``regions`` (a count: no learner is ever named)."""
    start, end = year_bounds(year)
    return Learner.objects.filter(establishment__region__in=regions, created_at__gte=start, created_at__lt=end).count()
