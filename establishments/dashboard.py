"""Regional dashboard indicators of the establishments app: establishments by sector and department, members."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, register

from .models import Membership
from .roles import Role, Sector


def by_sector(scope: Scope) -> list[Figure]:
    labels = dict(Sector.choices)
    counts = scope.counts_by("sector")
    return [
        Figure(
            str(labels.get(sector, sector)),
            counts[sector],
            drilldown=lambda sector=sector: scope.establishments.filter(sector=sector),
        )
        for sector in sorted(counts, key=lambda s: (s is None, s or ""))
    ]


def by_department(scope: Scope) -> list[Figure]:
    rows = (
        scope.establishments.order_by()
        .values("department_id", "department__code", "department__name")
        .annotate(n=Count("id"))
        .order_by("department__code")
    )
    return [
        Figure(
            f"{r['department__code']} – {r['department__name']}",
            r["n"],
            drilldown=lambda pk=r["department_id"]: scope.establishments.filter(department_id=pk),
        )
        for r in rows
    ]


def members_by_role(scope: Scope) -> list[Figure]:
    """People with an active membership (direct or through the organisation), by role."""
    organisations = scope.establishments.exclude(organisation=None).values("organisation_id")
    memberships = Membership.objects.filter(is_active=True).filter(
        Q(establishment__in=scope.establishments) | Q(organisation_id__in=organisations)
    )
    counts = dict(memberships.order_by().values_list("role").annotate(n=Count("user_id", distinct=True)))
    return [Figure(str(label), counts.get(role, 0)) for role, label in Role.choices]


def onboarding(scope: Scope) -> list[Figure]:
    """Establishments with at least one active member (directly or through their organisation), and without."""
    with_member = Q(memberships__is_active=True) | Q(organisation__memberships__is_active=True)
    joined = scope.establishments.filter(with_member).values("pk")
    totals = scope.establishments.order_by().aggregate(total=Count("id"), joined=Count("id", filter=Q(pk__in=joined)))
    return [
        Figure(
            _("Établissements rattachés (au moins un membre)"),
            totals["joined"],
            drilldown=lambda: scope.establishments.filter(pk__in=joined),
        ),
        Figure(
            _("Établissements sans membre"),
            totals["total"] - totals["joined"],
            drilldown=lambda: scope.establishments.exclude(pk__in=joined),
        ),
    ]


def register_indicators() -> None:
    register(
        Indicator(
            key="establishments.by_sector",
            title=gettext_lazy("Établissements par secteur"),
            module="establishments",
            order=10,
            compute=by_sector,
            chart=bar_of(
                gettext_lazy("Établissements par secteur"),
                label_header=gettext_lazy("Secteur"),
                value_header=gettext_lazy("Établissements"),
            ),
        )
    )
    register(
        Indicator(
            key="establishments.by_department",
            title=gettext_lazy("Établissements par département"),
            module="establishments",
            order=11,
            compute=by_department,
            chart=bar_of(
                gettext_lazy("Établissements par département"),
                label_header=gettext_lazy("Département"),
                value_header=gettext_lazy("Établissements"),
            ),
        )
    )
    register(
        Indicator(
            key="establishments.onboarding",
            title=gettext_lazy("Établissements rattachés au portail"),
            module="establishments",
            order=13,
            compute=onboarding,
            chart=None,
        )
    )
    register(
        Indicator(
            key="establishments.members",
            title=gettext_lazy("Membres par rôle"),
            module="establishments",
            order=12,
            compute=members_by_role,
            chart=bar_of(
                gettext_lazy("Membres par rôle"),
                label_header=gettext_lazy("Rôle"),
                value_header=gettext_lazy("Personnes"),
            ),
        )
    )
