"""Dashboard indicators of the community: how many establishments take part, and how lively it is — counts only,
never a message or a document (what members write stays in the community)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.figures import bar_of
from dashboards.registry import Figure, Indicator, Scope, register
from establishments.models import Establishment

from .models import Document, Member, Post, Registration


def participation(scope: Scope) -> list[Figure]:
    members = Member.objects.filter(
        state=Member.State.ACTIVE, space__region__in=scope.regions, establishment__in=scope.establishments
    )
    taking_part = Establishment.objects.filter(pk__in=members.values("establishment_id"))
    return [
        Figure(_("Établissements représentés dans la communauté"), taking_part.count(), drilldown=lambda: taking_part),
        Figure(_("Membres actifs"), members.values("user_id").distinct().count()),
    ]


def _by_scope_members(queryset, space: str, person: str, scope: Scope):
    """``queryset`` limited to rows whose ``person`` is a member of the row's space for an establishment of the
    scope: a department, sector or category filter counts what those establishments' people did (CRRC staff, who
    belong to no establishment, then drop out)."""
    if not scope.narrowed:
        return queryset
    return queryset.filter(
        Exists(
            Member.objects.filter(
                space=OuterRef(space), user=OuterRef(person), establishment__in=scope.establishments.values("pk")
            )
        )
    )


def activity(scope: Scope) -> list[Figure]:
    documents = _by_scope_members(
        Document.objects.filter(space__region__in=scope.regions), "space", "created_by", scope
    )
    posts = _by_scope_members(
        Post.objects.filter(thread__space__region__in=scope.regions), "thread__space", "author", scope
    )
    registrations = _by_scope_members(
        Registration.objects.filter(event__space__region__in=scope.regions).exclude(state="cancelled"),
        "event__space",
        "user",
        scope,
    )
    documents = scope.in_period(documents, "created_at").count()
    posts = scope.in_period(posts, "created_at").count()
    registrations = scope.in_period(registrations, "created_at").count()
    return [
        Figure(_("Documents partagés"), documents),
        Figure(_("Messages publiés"), posts),
        Figure(_("Inscriptions aux événements"), registrations),
    ]


def register_indicators() -> None:
    register(
        Indicator(
            key="community.participation",
            title=gettext_lazy("Communauté RSSI : participation des établissements"),
            module="community",
            order=90,
            compute=participation,
        )
    )
    register(
        Indicator(
            key="community.activity",
            title=gettext_lazy("Communauté RSSI : activité sur la période"),
            module="community",
            order=91,
            compute=activity,
            chart=bar_of(gettext_lazy("Activité de la communauté")),
            description=gettext_lazy("Des nombres seulement : les échanges restent entre les membres."),
        )
    )
