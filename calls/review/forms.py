"""Forms of the review pages. Every choice list is built from the call (its reviewers, labels, project kinds)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crrc.ids import BoundedModelChoiceField, BoundedModelMultipleChoiceField

from ..models import Call, CorrectionRequest
from .models import Label, NotificationPreference, ReviewScore
from .selectors import labels_for, region_reviewers
from .services import DECISIONS


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Décision"), choices=list(DECISIONS.items()), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire pour un refus ou un classement sans suite ; figure dans la lettre de décision."),
    )
    amount = forms.DecimalField(
        label=_("Montant accordé (€)"),
        required=False,
        min_value=0,
        decimal_places=2,
        help_text=_("Seulement pour un financement plafonné ; vide = montant demandé."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("refuse", "close_without_follow_up") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Le motif est obligatoire : il figure dans la lettre envoyée au demandeur."))
        return data


class CorrectionForm(forms.Form):
    prefix = "correction"  # the detail page has several forms: keep ids unique
    kind = forms.ChoiceField(label=_("Motif"), choices=CorrectionRequest.Kind.choices)
    message = forms.CharField(
        label=_("Ce qui doit être corrigé"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Nouvelle note (visible de l'équipe seulement)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class ScoreForm(forms.Form):
    motivation = forms.TypedChoiceField(
        label=_("Votre note de la motivation"),
        coerce=int,
        choices=[(i, f"{i} / {ReviewScore.MAX}") for i in range(ReviewScore.MAX + 1)],
        help_text=_("0 = absente, 5 = excellente. Elle entre dans le calcul de la priorité."),
    )
    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    reviewer = BoundedModelChoiceField(label=_("Assigner à"), queryset=None)

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = region_reviewers(call)
        self.fields["reviewer"].label_from_instance = lambda u: u.get_full_name() or u.email


class LabelsForm(forms.Form):
    labels = BoundedModelMultipleChoiceField(
        label=_("Étiquettes"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labels"].queryset = labels_for(call)


class LabelCreateForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'étiquette"), max_length=60)
    colour = forms.ChoiceField(label=_("Couleur"), choices=Label.Colour.choices)
    region_wide = forms.BooleanField(label=_("Pour tous les appels de la région"), required=False)


class AttributeKindForm(forms.Form):
    prefix = "attribution"
    kind = BoundedModelChoiceField(label=_("Type de projet attribué"), queryset=None, empty_label=None)

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = call.project_kinds.all()


class PaidForm(forms.Form):
    prefix = "paid"
    amount = forms.DecimalField(
        label=_("Montant versé (€)"), required=False, min_value=0, decimal_places=2,
        help_text=_("Vide = montant accordé."),
    )  # fmt: skip


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Nom du filtre"), max_length=80)


class PreferenceForm(forms.Form):
    frequency = forms.ChoiceField(label=_("E-mails pour cet appel"), choices=NotificationPreference.Frequency.choices)


BULK_ACTIONS = [
    ("assign", _("Assigner à…")),
    ("label", _("Ajouter l'étiquette…")),
    ("start_instruction", _("Passer en instruction")),
    ("accept", _("Accepter")),
    ("refuse", _("Refuser (motif obligatoire)")),
    ("close_without_follow_up", _("Classer sans suite (motif obligatoire)")),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Action groupée"), choices=BULK_ACTIONS)
    applications = forms.TypedMultipleChoiceField(label=_("Dossiers"), coerce=int, choices=())
    reviewer = BoundedModelChoiceField(label=_("Instructeur"), queryset=None, required=False)
    label = BoundedModelChoiceField(label=_("Étiquette"), queryset=None, required=False)
    reason = forms.CharField(label=_("Motif"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, call: Call, application_ids, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [(pk, pk) for pk in application_ids]
        self.fields["reviewer"].queryset = region_reviewers(call)
        self.fields["reviewer"].label_from_instance = lambda u: u.get_full_name() or u.email
        self.fields["label"].queryset = labels_for(call)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "assign" and not data.get("reviewer"):
            self.add_error("reviewer", _("Choisissez l'instructeur."))
        if action == "label" and not data.get("label"):
            self.add_error("label", _("Choisissez l'étiquette."))
        if action in ("refuse", "close_without_follow_up") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Le motif est obligatoire : il figure dans la lettre envoyée au demandeur."))
        return data
