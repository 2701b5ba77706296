"""Forms of the incident pages. Rules live in ``services``; views copy their French errors onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CareImpact, Intervention

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label: str, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"invalid": _("Saisissez une date et une heure valides (jj/mm/aaaa hh:mm).")},
    )


class DeclarationForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    detected_at = _datetime_field(_("Date et heure de détection"), help_text=_("Heure de Paris."))
    description = forms.CharField(
        label=_("Ce qui s'est passé"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que vous avez constaté, comment, et ce qui a déjà été fait."),
    )
    systems_affected = forms.CharField(
        label=_("Systèmes touchés"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Par exemple : messagerie, dossier patient, postes de l'accueil, téléphonie."),
    )
    care_impact = forms.ChoiceField(
        label=_("Impact sur les soins"), choices=CareImpact.choices, widget=forms.RadioSelect
    )
    personal_data = forms.BooleanField(
        label=_("Des données personnelles (patients, résidents, personnel) sont concernées"), required=False
    )
    crisis_cell_open = forms.BooleanField(label=_("Une cellule de crise est déjà ouverte"), required=False)
    harm = forms.BooleanField(
        label=_("L'établissement a subi un préjudice (rançon, vol ou destruction de données, perte financière)"),
        required=False,
    )
    is_ose = forms.BooleanField(label=_("L'établissement est opérateur de services essentiels (OSE)"), required=False)


class StepDoneForm(forms.Form):
    done_at = _datetime_field(_("Faite le"), required=False, help_text=_("Laissez vide pour maintenant."))
    note = forms.CharField(label=_("Précision"), max_length=255, required=False)


class RapidResponseForm(forms.Form):
    need = forms.CharField(
        label=_("Votre besoin"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Intervention sur site, appui à distance, conseil pour la cellule de crise…"),
    )


class InterventionForm(forms.Form):
    at = _datetime_field(_("Date et heure"), required=False, help_text=_("Laissez vide pour maintenant."))
    mode = forms.ChoiceField(label=_("Mode"), choices=Intervention.Mode.choices)
    hours = forms.CharField(label=_("Heures passées"), max_length=10, help_text=_("Par quarts d'heure : 0,25 ; 1,5…"))
    intervenants = forms.CharField(label=_("Intervenants"), max_length=255)
    description = forms.CharField(label=_("Action menée"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    lessons_learned = forms.CharField(label=_("Retour d'expérience"), widget=forms.Textarea(attrs={"rows": 5}))
    actions = forms.CharField(
        label=_("Actions d'amélioration"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une action par ligne : chacune est ajoutée au plan d'action de l'établissement."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Motif de réouverture"), widget=forms.Textarea(attrs={"rows": 2}))
