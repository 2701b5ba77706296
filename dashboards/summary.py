"""The yearly activity summary of a CRRC: the lines registered by the apps, for a chosen year and the user's
regions (one region chosen among several, or all of them)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.charts import fmt
from establishments.models import Region
from establishments.selectors import staff_regions

from . import registry

FIRST_YEAR = 2020


@dataclass
class SummaryRow:
    line: registry.SummaryLine
    value: object

    @property
    def display(self) -> str:
        return fmt(self.value, unit=self.line.unit, missing="—")


class SummaryForm(forms.Form):
    annee = forms.TypedChoiceField(label=_("Année"), coerce=int, choices=())
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        required=False,
        label=_("Région"),
        empty_label=_("Toutes mes régions"),
        to_field_name="code",
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["annee"].choices = [(year, str(year)) for year in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["annee"].error_messages["invalid_choice"] = _(
            "Choisissez une année entre %(first)s et %(last)s."
        ) % {"first": FIRST_YEAR, "last": this_year}
        self.several_regions = regions.count() > 1
        if self.several_regions:
            self.fields["region"].queryset = regions.order_by("name")
            self.fields["region"].error_messages["invalid_choice"] = _(
                "Cette région n'est pas l'une des vôtres : choisissez-en une dans la liste."
            )
        else:
            del self.fields["region"]


def summary_for(user, data) -> tuple[SummaryForm, int, object, list[SummaryRow]]:
    """(form, year, regions, rows): the current year and every region of the user unless valid filters say else."""
    regions = staff_regions(user)
    data = {key: data[key] for key in ("annee", "region") if data.get(key)} if data else {}
    form = SummaryForm(data or None, regions=regions)
    year = timezone.localdate().year
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["annee"]
        if form.cleaned_data.get("region"):
            regions = regions.filter(pk=form.cleaned_data["region"].pk)
    rows = [SummaryRow(line, line.compute(regions, year)) for line in registry.summary_lines()]
    return form, year, regions, rows
