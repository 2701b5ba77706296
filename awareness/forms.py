from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.uploads import UploadField

from .models import PhishingTemplate
from .tabular import MAX_UPLOAD_BYTES

TABLE_TYPES = ("csv", "xlsx")
SAMPLE_EMAIL = "claire.martin@example.org"


def _csv_sample(name: str, *lines: str):
    """A genuine file of the documented columns (see the help texts), as the upload spec's sample."""
    return lambda: (name, ("\n".join(lines) + "\n").encode("utf-8"))


def _table_field(help_text, sample) -> UploadField:
    return UploadField(
        types=TABLE_TYPES, max_bytes=MAX_UPLOAD_BYTES, sample=sample, label=_("Fichier CSV ou Excel (XLSX)"),
        help_text=help_text,
    )  # fmt: skip


class TableUploadForm(forms.Form):
    file = _table_field(
        _("Séparateur virgule ou point-virgule, UTF-8 ou Windows-1252 ; 20 Mo au plus."),
        _csv_sample("personnels.csv", "email;nom;prénom;service", f"{SAMPLE_EMAIL};Martin;Claire;Urgences"),
    )


class PhishingUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campagne"), queryset=None, empty_label=None)
    file = _table_field(
        _(
            "Export « Results » ou « Raw events » de GoPhish (tel quel, ou réenregistré par Excel), ou le CSV "
            "générique : email, sent, opened, clicked, submitted, reported, error, send_date."
        ),
        _csv_sample(
            "resultats.csv", "email,sent,opened,clicked,submitted,reported,error,send_date",
            f"{SAMPLE_EMAIL},1,1,0,0,1,0,",
        ),
    )  # fmt: skip

    field_order = ["campaign", "file"]

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns


class ModuleUploadForm(forms.Form):
    file = _table_field(
        _("Colonnes : email, module (code du module, ex. M01), started_at, completed_at, score (0 à 100)."),
        _csv_sample("modules.csv", "email,module,started_at,completed_at,score", f"{SAMPLE_EMAIL},M01,,,80"),
    )


class StaffInformationForm(forms.Form):
    informed_on = forms.DateField(
        label=_("Date de l'information"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    text = forms.CharField(
        label=_("Texte utilisé pour informer les personnels"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("La note de service, le courriel ou l'affiche diffusés aux personnels, tels quels."),
    )


class CampaignRequestForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Modèle du catalogue"), queryset=PhishingTemplate.objects.none())
    wanted_on = forms.DateField(label=_("Date souhaitée"), widget=forms.DateInput(attrs={"type": "date"}))
    message = forms.CharField(
        label=_("Précisions (services visés, contexte)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, templates, earliest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["wanted_on"].help_text = _("Au moins un mois de préavis : au plus tôt le %(date)s.") % {
            "date": earliest.strftime("%d/%m/%Y")
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"), choices=[("approve", _("Accepter")), ("refuse", _("Refuser"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Motif"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire en cas de refus ; communiqué à l'établissement."),
    )  # fmt: skip


class ScheduleForm(forms.Form):
    scheduled_on = forms.DateField(label=_("Date d'envoi planifiée"), widget=forms.DateInput(attrs={"type": "date"}))
