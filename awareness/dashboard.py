"""Regional dashboard indicators of the awareness programme: anonymous rates per quarter (threshold of 5)."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, SummaryLine, register, register_summary_line, year_bounds

from . import anonymity
from .models import Enrolment, Learner, PhishingResult
from .stats import DELIVERED, TRAPPED


def trapped_by_quarter(scope: Scope) -> list[Figure]:
    rows = (
        PhishingResult.objects.filter(establishment__in=scope.establishments)
        .order_by()
        .values("campaign__programme__year", "campaign__quarter")
        .annotate(population=Count("pk", filter=DELIVERED), trapped=Count("pk", filter=TRAPPED))
        .order_by("campaign__programme__year", "campaign__quarter")
    )
    figures = []
    for row in rows:
        rate = anonymity.rate(row["trapped"], row["population"])
        label = f"{row['campaign__programme__year']}-T{row['campaign__quarter']}"
        figures.append(Figure(label, None if rate.masked else round(rate.value), unit="%"))
    return figures


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
               drilldown=scope.establishments.filter(sector=row["establishment__sector"],
                                                     awareness_enrolment_set__is_active=True))
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
