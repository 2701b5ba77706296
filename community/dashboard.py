"""Dashboard indicators of the community: how many establishments take part, and how lively it is — counts only,
never a message or a document (what members write stays in the community)."""

from __future__ import annotations

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
        Figure(_("Établissements représentés dans la communauté"), taking_part.count(), drilldown=taking_part),
        Figure(_("Membres actifs"), members.values("user_id").distinct().count()),
    ]


def activity(scope: Scope) -> list[Figure]:
    spaces = {"space__region__in": scope.regions}
    documents = scope.in_period(Document.objects.filter(**spaces), "created_at").count()
    posts = scope.in_period(Post.objects.filter(thread__space__region__in=scope.regions), "created_at").count()
    registrations = scope.in_period(
        Registration.objects.filter(event__space__region__in=scope.regions).exclude(state="cancelled"), "created_at"
    ).count()
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
