"""Regional dashboard indicator of action plans: items done, open and overdue, by where they come from."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import stacked_of
from dashboards.registry import Figure, Indicator, Scope, register

from .models import CLOSED_STATES, ActionItem, SourceKind, Status


def by_source(scope: Scope) -> list[Figure]:
    today = timezone.localdate()
    open_q = ~Q(status__in=CLOSED_STATES)
    overdue_q = open_q & Q(deadline__lt=today)
    rows = (
        scope.in_period(ActionItem.objects.filter(plan__establishment__in=scope.establishments), "created_at")
        .order_by()
        .values("source_kind")
        .annotate(
            done=Count("id", filter=Q(status=Status.DONE)),
            open=Count("id", filter=open_q & ~overdue_q),
            overdue=Count("id", filter=overdue_q),
        )
        .order_by("source_kind")
    )
    labels = dict(SourceKind.choices)
    figures = []
    for row in rows:
        label = str(labels.get(row["source_kind"], row["source_kind"]))
        figures.append(Figure(label, row["done"], group=_("Faites")))
        figures.append(Figure(label, row["open"], group=_("Ouvertes, dans les délais")))
        figures.append(Figure(label, row["overdue"], group=_("En retard")))
    return figures


def register_indicators() -> None:
    register(
        Indicator(
            key="action_plans.by_source",
            title=gettext_lazy("Actions des plans par origine"),
            module="action_plans",
            order=40,
            compute=by_source,
            chart=stacked_of(gettext_lazy("Actions des plans par origine"), label_header=gettext_lazy("Origine")),
            description=gettext_lazy("Les actions abandonnées ne sont pas comptées."),
        )
    )
