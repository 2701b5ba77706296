from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.uploads import UploadValidator

from .models import PhishingTemplate
from .tabular import MAX_UPLOAD_BYTES

TABLE_TYPES = ("csv", "xlsx")


class TableUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV ou Excel (XLSX)"),
        validators=[UploadValidator(TABLE_TYPES, MAX_UPLOAD_BYTES)],
        help_text=_("Séparateur virgule ou point-virgule, UTF-8 ou Windows-1252 ; 20 Mo au plus."),
    )


class PhishingUploadForm(TableUploadForm):
    campaign = forms.ModelChoiceField(label=_("Campagne"), queryset=None, empty_label=None)

    field_order = ["campaign", "file"]

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["file"].help_text = _(
            "Export « Results » ou « Raw events » de GoPhish (tel quel, ou réenregistré par Excel), ou le CSV "
            "générique : email, sent, opened, clicked, submitted, reported, error, send_date."
        )


class ModuleUploadForm(TableUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Colonnes : email, module (code du module, ex. M01), started_at, completed_at, score (0 à 100)."
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
