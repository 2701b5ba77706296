"""Regional dashboard indicators of calls: applications by state, funding committed and paid against envelopes."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, SummaryLine, register, register_summary_line, year_bounds

from .models import FUNDED_STATES, Application, Call, State


def _applications(scope: Scope):
    return scope.in_period(Application.objects.filter(establishment__in=scope.establishments), "created_at")


def by_state(scope: Scope) -> list[Figure]:
    counts = dict(_applications(scope).order_by().values_list("state").annotate(n=Count("id")))
    return [
        Figure(
            str(label),
            counts[state],
            drilldown=lambda state=state: scope.establishments.filter(
                pk__in=_applications(scope).filter(state=state).values("establishment")
            ),
        )
        for state, label in State.choices
        if counts.get(state)
    ]


def funding(scope: Scope) -> list[Figure]:
    """Committed (granted amounts of funded applications) and paid, against the envelopes of the regions' calls."""
    totals = (
        _applications(scope)
        .order_by()
        .aggregate(
            committed=Sum("granted_amount", filter=Q(state__in=FUNDED_STATES)),
            paid=Sum("paid_amount"),
            funded=Count("id", filter=Q(state__in=FUNDED_STATES)),
        )
    )
    calls = scope.in_period(Call.objects.filter(region__in=scope.regions, is_published=True), "opens_at")
    envelope = calls.order_by().aggregate(total=Sum("budget_envelope"))["total"]
    if not totals["funded"] and not envelope:
        return []
    zero = Decimal(0)
    return [
        Figure(_("Enveloppe des appels publiés"), envelope or zero, unit="€"),
        Figure(_("Montant engagé (dossiers acceptés)"), totals["committed"] or zero, unit="€"),
        Figure(_("Montant versé"), totals["paid"] or zero, unit="€"),
    ]


def register_indicators() -> None:
    register(
        Indicator(
            key="calls.by_state",
            title=gettext_lazy("Dossiers de candidature par état"),
            module="calls",
            order=20,
            compute=by_state,
            chart=bar_of(
                gettext_lazy("Dossiers de candidature par état"),
                label_header=gettext_lazy("État"),
                value_header=gettext_lazy("Dossiers"),
            ),
        )
    )
    register(
        Indicator(
            key="calls.funding",
            title=gettext_lazy("Financements engagés et versés par rapport à l'enveloppe"),
            module="calls",
            order=21,
            compute=funding,
            chart=bar_of(
                gettext_lazy("Financements engagés et versés par rapport à l'enveloppe"),
                unit="€",
                label_header=gettext_lazy("Montant"),
                value_header=gettext_lazy("Euros"),
            ),
            description=gettext_lazy(
                "L'enveloppe est celle des appels publiés des régions ; les montants suivent les filtres choisis."
            ),
        )
    )
    register_summary_line(
        SummaryLine(
            key="calls.funding_paid",
            label=gettext_lazy("Financements versés"),
            module="calls",
            order=60,
            compute=paid_in_year,
            unit="€",
        )
    )


def paid_in_year(regions, year: int) -> Decimal:
    start, end = year_bounds(year)
    paid = Application.objects.filter(establishment__region__in=regions, paid_at__gte=start, paid_at__lt=end).aggregate(
        total=Sum("paid_amount")
    )["total"]
    return paid or Decimal(0)
