"""The dashboard's scope from the request: the user's regions, then the GET filters (département, secteur,
catégorie, période), each checked against what the user may see so that a foreign value is refused, not applied."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from establishments.models import Department, Establishment, EstablishmentCategory
from establishments.roles import Sector
from establishments.selectors import staff_regions

from .registry import Scope

PERIODS = [
    ("", _("Depuis le début")),
    ("30j", _("30 derniers jours")),
    ("3m", _("3 derniers mois")),
    ("12m", _("12 derniers mois")),
    ("annee", _("Année en cours")),
]


class ScopeForm(forms.Form):
    departement = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Département"),
        empty_label=_("Tous les départements"),
        to_field_name="code",
    )
    secteur = forms.ChoiceField(
        choices=[("", _("Tous les secteurs")), *Sector.choices], required=False, label=_("Secteur")
    )
    categorie = forms.ModelChoiceField(
        queryset=EstablishmentCategory.objects.none(),
        required=False,
        label=_("Catégorie"),
        empty_label=_("Toutes les catégories"),
        to_field_name="code",
    )
    periode = forms.ChoiceField(choices=PERIODS, required=False, label=_("Période"))

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = Department.objects.filter(region__in=regions).order_by("code")
        used = Establishment.objects.filter(region__in=regions, category=OuterRef("pk"))
        self.fields["categorie"].queryset = EstablishmentCategory.objects.filter(Exists(used)).order_by("label")
        self.fields["departement"].error_messages["invalid_choice"] = _(
            "Ce département n'est pas dans vos régions : choisissez-en un dans la liste."
        )
        self.fields["categorie"].error_messages["invalid_choice"] = _(
            "Cette catégorie n'existe pas dans vos régions : choisissez-en une dans la liste."
        )


def period_bounds(code: str, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """Start (included) and end (excluded) of a period code; ``(None, None)`` for "since the beginning"."""
    now = now or timezone.now()
    if code == "30j":
        return now - timedelta(days=30), None
    if code == "3m":
        return now - timedelta(days=91), None
    if code == "12m":
        return now - timedelta(days=365), None
    if code == "annee":
        local = timezone.localtime(now)
        return timezone.make_aware(datetime.combine(local.date().replace(month=1, day=1), time.min)), None
    return None, None


def scope_for(request) -> tuple[Scope, ScopeForm]:
    """The scope of the request's user, narrowed by the valid filters (invalid ones are ignored and reported)."""
    regions = staff_regions(request.user)
    form = ScopeForm(request.GET or None, regions=regions)
    establishments = Establishment.objects.filter(region__in=regions)
    start = end = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["departement"]:
            establishments = establishments.filter(department=data["departement"])
        if data["secteur"]:
            establishments = establishments.filter(sector=data["secteur"])
        if data["categorie"]:
            establishments = establishments.filter(category=data["categorie"])
        start, end = period_bounds(data["periode"])
    return Scope(request.user, regions, establishments, start, end), form
