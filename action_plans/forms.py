"""Forms of the action plan pages. Business rules live in ``services``; views copy their errors onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crrc.ids import BoundedModelChoiceField
from crrc.uploads import UploadField
from crrc.validators import sane_date

from .workflow import Priority, Status

SORT_CHOICES = [
    ("priority", _("Priorité")),
    ("deadline", _("Échéance")),
    ("status", _("Statut")),
    ("title", _("Intitulé")),
    ("updated", _("Dernière modification")),
]


class ItemFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous")), ("open", _("À faire ou en cours")), *Status.choices],
    )
    priority = forms.ChoiceField(label=_("Priorité"), required=False, choices=[("", _("Toutes")), *Priority.choices])
    owner = forms.ChoiceField(label=_("Responsable"), required=False)
    overdue = forms.BooleanField(label=_("En retard uniquement"), required=False)
    sort = forms.ChoiceField(label=_("Trier par"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Tous")),
            ("none", _("Sans responsable")),
            *[(str(u.pk), str(u)) for u in owners],
        ]


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    owner = BoundedModelChoiceField(
        label=_("Responsable"),
        queryset=None,
        required=False,
        empty_label=_("— Sans responsable —"),
        help_text=_("Un membre actif de l'établissement. Il recevra les rappels d'échéance."),
    )
    deadline = forms.DateField(
        label=_("Échéance"),
        required=False,
        validators=[sane_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Format jj/mm/aaaa."),
    )
    priority = forms.ChoiceField(label=_("Priorité"), choices=Priority.choices, initial=Priority.P2)
    progress = forms.IntegerField(
        label=_("Avancement (%)"), min_value=0, max_value=100, initial=0, help_text=_("De 0 à 100.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class AbandonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'abandon"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire : il reste visible dans l'historique de l'action."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Votre commentaire"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


def _check_tracker(upload) -> None:
    from .xlsx import check_xlsx_upload

    check_xlsx_upload(upload)


def _sample_tracker() -> tuple[str, bytes]:
    from .xlsx import sample_tracker

    return sample_tracker()


class ImportForm(forms.Form):
    file = UploadField(
        types=["xlsx"],
        max_bytes=2 * 2**20,  # action_plans.xlsx.MAX_BYTES, checked again by check_xlsx_upload
        check=_check_tracker,
        sample=_sample_tracker,
        label=_("Fichier de suivi (XLSX)"),
        help_text=_("Le fichier exporté depuis le portail, complété (format .xlsx, 2 Mo au plus)."),
    )
