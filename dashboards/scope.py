"""The dashboard's scope from the request: the user's regions, then the GET filters (région for a user of several
regions, département, secteur, catégorie, période), each checked against what the user may see so that a foreign
value is refused, not applied."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from establishments.models import Department, Establishment, EstablishmentCategory, Region
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


FILTER_NAMES = ("region", "departement", "secteur", "categorie", "periode")


class ScopeForm(forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        required=False,
        label=_("Région"),
        empty_label=_("Toutes mes régions"),
        to_field_name="code",
    )
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

    def __init__(self, *args, regions=None, region_count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_count = regions.count() if region_count is None else region_count
        self.several_regions = self.region_count > 1
        if self.several_regions:
            self.fields["region"].queryset = regions.order_by("name")
            self.fields["region"].error_messages["invalid_choice"] = _(
                "Cette région n'est pas l'une des vôtres : choisissez-en une dans la liste."
            )
        else:
            # One region: nothing to choose, the field is not shown.
            del self.fields["region"]
        self.fields["departement"].queryset = Department.objects.filter(region__in=regions).order_by("code")
        used = Establishment.objects.filter(region__in=regions, category=OuterRef("pk"))
        self.fields["categorie"].queryset = EstablishmentCategory.objects.filter(Exists(used)).order_by("label")
        self.fields["departement"].error_messages["invalid_choice"] = _(
            "Ce département n'est pas dans vos régions : choisissez-en un dans la liste."
        )
        self.fields["categorie"].error_messages["invalid_choice"] = _(
            "Cette catégorie n'existe pas dans vos régions : choisissez-en une dans la liste."
        )

    def read_choices(self) -> None:
        """Read each list of choices in one query, for the page that draws the selects.

        A ``ModelChoiceField`` draws its options through an iterator that counts the rows, then reads them through
        a server-side cursor (three round trips for the departments, three for the categories); the options read
        once into a list are the same values and labels. Validation still goes through the querysets.
        """
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                options = [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset]
                field.choices = [("", field.empty_label), *options]

    def clean(self):
        data = super().clean()
        region, department = data.get("region"), data.get("departement")
        if region is not None and department is not None and department.region_id != region.pk:
            self.add_error("departement", _("Ce département n'est pas dans la région choisie."))
        return data


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
    return scope_from(request.user, request.GET)


def scope_from(user, data) -> tuple[Scope, ScopeForm]:
    """The scope of ``user`` narrowed by the filters in ``data`` (a QueryDict or a dict: a report's parameters,
    rebuilt in the worker with the requester's regions of the moment)."""
    data = {key: data[key] for key in FILTER_NAMES if data.get(key)} if data else {}
    # The regions' ids, read once: every indicator's scope is then ``region_id IN (…)`` with the ids written out,
    # which PostgreSQL estimates from its statistics, instead of a subquery on the staff assignments or regions.
    names = dict(staff_regions(user).order_by("name").values_list("pk", "name"))  # in the heading's order
    region_ids = sorted(names)
    regions = Region.objects.filter(pk__in=region_ids)
    form = ScopeForm(data or None, regions=regions, region_count=len(region_ids))
    establishments = Establishment.objects.filter(region_id__in=region_ids)
    start = end = None
    narrowed = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("region"):
            region_ids = [data["region"].pk]
            names = {data["region"].pk: data["region"].name}
            regions = Region.objects.filter(pk__in=region_ids)
            establishments = Establishment.objects.filter(region_id__in=region_ids)
        if data["departement"]:
            establishments = establishments.filter(department=data["departement"])
        if data["secteur"]:
            establishments = establishments.filter(sector=data["secteur"])
        if data["categorie"]:
            establishments = establishments.filter(category=data["categorie"])
        narrowed = bool(data["departement"] or data["secteur"] or data["categorie"])
        start, end = period_bounds(data["periode"])
    scope = Scope(
        user,
        regions,
        establishments,
        start,
        end,
        narrowed=narrowed,
        region_ids=region_ids,
        region_names=list(names.values()),
    )
    return scope, form


def filter_values(request) -> dict[str, str]:
    """The dashboard filters of the request (what a report stores in its parameters)."""
    return {key: request.GET[key] for key in FILTER_NAMES if request.GET.get(key)}


def filter_query(request) -> str:
    """The dashboard filters of the request as a query string, carried to drill-downs and exports."""
    query = request.GET.copy()
    for key in list(query):
        if key not in FILTER_NAMES:
            del query[key]
    return query.urlencode()


def scope_heading(scope: Scope, form: ScopeForm) -> str:
    """ "Vue nationale" when the scope covers every region, else the names of its regions."""
    return regions_heading(scope.regions, form.several_regions, names=scope.region_names)


def regions_heading(regions, several: bool, names: list[str] | None = None) -> str:
    """``names``: the regions' names in order of name, when the scope already read them (read here otherwise)."""
    if names is None:
        names = list(regions.order_by("name").values_list("name", flat=True))
    if several and len(names) > 1 and len(names) == Region.objects.count():
        return str(_("Vue nationale"))
    return ", ".join(names)
