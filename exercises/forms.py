"""Forms of the exercises pages. Validation of the rules lives in ``services`` (one place); the forms only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crrc.ids import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from crrc.uploads import UploadField

from .choices import Cell, Channel, Format, Function, KitLevel, ObservationKind, ReactionScore, Runner
from .models import Exercise, Scenario

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


SITE_REFUSED = _(
    "Ce site ne peut pas être choisi : un site participant est un autre établissement du même organisme "
    "gestionnaire, dans votre périmètre."
)


class ExerciseForm(forms.ModelForm):
    sites = BoundedModelMultipleChoiceField(
        label=_("Autres sites participants"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Exercice multi-site : les autres établissements du même organisme gestionnaire qui y prennent part."
        ),
        error_messages={"invalid_choice": SITE_REFUSED, "invalid_pk_value": SITE_REFUSED},
    )
    objectives_text = forms.CharField(
        label=_("Objectifs (un par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Laissés vides, les objectifs du scénario sont repris."),
    )

    class Meta:
        model = Exercise
        fields = [
            "title",
            "scenario",
            "kit_level",
            "kit_level_reason",
            "format",
            "starts_at",
            "simulation_minutes",
            "total_minutes",
            "location",
            "runner",
            "runner_name",
            "application",
            "scoping_meeting_at",
            "scoping_notes",
        ]
        widgets = {
            "starts_at": DATETIME,
            "scoping_meeting_at": DATETIME,
            "kit_level_reason": forms.Textarea(attrs={"rows": 2}),
            "scoping_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, establishment=None, creating=False, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import selectable_sites

        self.fields["sites"].queryset = selectable_sites(user, establishment)
        current = list(self.instance.sites.values_list("site_id", flat=True)) if self.instance.pk else []
        self.fields["sites"].initial = current
        self.fields["scenario"].queryset = Scenario.objects.filter(is_active=True)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M"]
        self.fields["scoping_meeting_at"].input_formats = ["%Y-%m-%dT%H:%M"]
        self.fields["kit_level"].required = False
        if establishment is not None:
            from calls.models import Application

            self.fields["application"].queryset = Application.objects.filter(establishment=establishment)
        else:
            self.fields["application"].queryset = self.fields["application"].queryset.none()
        if not creating:
            del self.fields["objectives_text"]
            self._drop_sites_if_none(current)

    def _drop_sites_if_none(self, current) -> None:
        """No organisation, or no other site in the user's scope: no multi-site choice to offer."""
        if not current and not self.fields["sites"].queryset.exists():
            del self.fields["sites"]

    def clean(self):
        data = super().clean()
        if "sites" not in self.fields and self.data and hasattr(self.data, "getlist") and self.data.getlist("sites"):
            # No site may be chosen here: a request naming one anyway is refused, not silently ignored.
            self.add_error(None, SITE_REFUSED)
        return data

    def validate_constraints(self) -> None:
        """The rules (and the constraints mirroring them) are checked by ``services`` with French messages."""

    def plan_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("objectives_text", None)
        data.pop("sites", None)
        return data

    def chosen_sites(self) -> list | None:
        """The sites chosen, or ``None`` when the form offers no choice (the sites then stay as they are)."""
        if "sites" not in self.fields:
            return None
        return list(self.cleaned_data.get("sites") or [])

    def objectives(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("objectives_text") or "").splitlines() if line.strip()]


class CreateForm(ExerciseForm):
    establishment = forms.ModelChoiceField(label=_("Établissement"), queryset=None)

    def __init__(self, *args, establishments=None, user=None, target=None, **kwargs):
        """``target``: the establishment already chosen (``?establishment=`` or the posted one); its sites are
        offered. Before it is chosen no site is offered (a region holds thousands of establishments)."""
        super().__init__(*args, creating=True, user=user, establishment=target, **kwargs)
        self.fields["establishment"].queryset = establishments
        self._drop_sites_if_none([])
        self.order_fields(["establishment"])
        del self.fields["application"]


class ParticipantForm(forms.Form):
    cell = forms.ChoiceField(label=_("Cellule"), choices=Cell.choices)
    function = forms.ChoiceField(label=_("Fonction"), choices=Function.choices, initial=Function.OTHER)
    name = forms.CharField(label=_("Nom"), max_length=200, required=False)
    email = forms.EmailField(label=_("Courriel"), required=False)

    def __init__(self, *args, exercise=None, sites=None, **kwargs):
        """``sites``: the exercise's participating sites; when there are some, each participant says where from."""
        super().__init__(*args, **kwargs)
        if exercise is not None and sites:
            from establishments.models import Establishment

            ids = [exercise.establishment_id, *(s.site_id for s in sites)]
            self.fields["site"] = BoundedModelChoiceField(
                label=_("Site"),
                queryset=Establishment.objects.filter(pk__in=ids).order_by("name"),
                initial=exercise.establishment_id,
                empty_label=None,
                error_messages={"invalid_choice": _("Choisissez l'établissement de l'exercice ou l'un de ses sites.")},
            )


class LogisticsForm(forms.Form):
    label = forms.CharField(label=_("Élément"), max_length=200)
    owner_name = forms.CharField(label=_("Qui"), max_length=200, required=False)
    due_on = forms.DateField(label=_("Pour le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class StimulusForm(forms.Form):
    offset = forms.CharField(
        label=_("Décalage"), max_length=40, help_text=_("Comme dans les kits : H+0:15, M+30, J+1 H+2…")
    )
    channel = forms.ChoiceField(label=_("Canal"), choices=Channel.choices)
    sender = forms.CharField(label=_("Émetteur simulé"), max_length=120)
    recipient_cell = forms.ChoiceField(label=_("Cellule destinataire"), choices=Cell.choices, initial=Cell.CRISIS)
    content = forms.CharField(label=_("Contenu"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_reaction = forms.CharField(
        label=_("Réaction attendue"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _sample_chronogram() -> tuple[str, bytes]:
    from .xlsx import sample_chronogram

    return sample_chronogram()


class ChronogramImportForm(forms.Form):
    file = UploadField(
        types=["xlsx"],
        max_bytes=2 * 1024 * 1024,
        sample=_sample_chronogram,
        label=_("Chronogramme (XLSX)"),
        help_text=_("Colonnes : Décalage, Canal, Émetteur simulé, Cellule destinataire, Contenu, Réaction attendue."),
    )


class TransitionForm(forms.Form):
    name = forms.CharField()
    reason = forms.CharField(required=False)
    version = forms.IntegerField(required=False)


class JournalForm(forms.Form):
    text = forms.CharField(label=_("Entrée de la main courante"), widget=forms.Textarea(attrs={"rows": 2}))
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)


class ObservationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ObservationKind.choices, widget=forms.RadioSelect)
    objective = forms.ModelChoiceField(label=_("Objectif"), queryset=None, required=False)
    text = forms.CharField(label=_("Observation"), widget=forms.Textarea(attrs={"rows": 2}))
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, exercise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = exercise.objectives.all() if exercise else None


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=500)


class ScoreForm(forms.Form):
    score = forms.ChoiceField(label=_("Réaction"), choices=ReactionScore.choices)


class RetexModeForm(forms.Form):
    anonymous = forms.BooleanField(label=_("Réponses anonymes"), required=False)


REPORT_SECTIONS = (
    ("context", _("Contexte et objectifs")),
    ("participants", _("Participants par rôle")),
    ("chronogram", _("Chronogramme joué (prévu / réel)")),
    ("observations", _("Observations")),
    ("reactions", _("Réactions attendues et évaluations")),
    ("retex", _("Synthèse du RETEX")),
    ("actions", _("Actions du plan d'action")),
)


class ReportSectionsForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label=_("Sections du rapport"), choices=REPORT_SECTIONS, widget=forms.CheckboxSelectMultiple, required=False
    )


class EvidenceForm(forms.Form):
    start = forms.DateField(label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("La fin de la période précède son début."))
        return data


class RegisterFilterForm(forms.Form):
    state_group = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[
            ("", _("Tous")),
            ("planned", _("Planifiés")),
            ("played", _("Joués")),
            ("reported", _("Rapport remis")),
            ("cancelled", _("Annulés")),
        ],
    )
    kit_level = forms.ChoiceField(
        label=_("Niveau de kit"), required=False, choices=[("", _("Tous")), *KitLevel.choices]
    )
    sector = forms.ChoiceField(label=_("Secteur"), required=False)
    department = forms.ModelChoiceField(label=_("Département"), required=False, queryset=None)
    year = forms.IntegerField(label=_("Année"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        from establishments.roles import Sector

        self.fields["sector"].choices = [("", _("Tous")), *Sector.choices]
        self.fields["department"].queryset = departments


__all__ = ["Format", "Runner"]
