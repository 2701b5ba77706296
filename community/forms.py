"""Forms of the community pages. Rules live in ``services``: a form checks shapes, a service refusal is put back
next to its field (``add_service_errors``) so the page shows it and nothing was written."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crrc.uploads import UploadField

from .models import Access, Event, NotificationLevel, Poll
from .services import ACCEPTED_TYPES, MAX_DOCUMENT_BYTES

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class JoinForm(forms.Form):
    establishment = forms.ModelChoiceField(queryset=None, label=_("Au titre de l'établissement"), empty_label=None)
    message = forms.CharField(
        label=_("Message pour l'équipe du CRRC (facultatif)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de la personne"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class UploadForm(forms.Form):
    folder = forms.ModelChoiceField(queryset=None, label=_("Dossier"), empty_label=None)
    title = forms.CharField(
        label=_("Titre"), max_length=200, required=False, help_text=_("Par défaut : le nom du fichier.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = UploadField(
        types=ACCEPTED_TYPES,
        max_bytes=MAX_DOCUMENT_BYTES,
        label=_("Fichier"),
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, CSV, PNG ou JPEG ; 20 Mo au plus."),
    )

    def __init__(self, *args, folders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].queryset = folders


class VersionForm(forms.Form):
    file = UploadField(types=ACCEPTED_TYPES, max_bytes=MAX_DOCUMENT_BYTES, label=_("Nouveau fichier"))
    note = forms.CharField(label=_("Ce qui a changé"), max_length=300)


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Nom du dossier"), max_length=150)
    access = forms.ChoiceField(label=_("Droits"), choices=Access.choices)
    group = forms.ModelChoiceField(queryset=None, label=_("Groupe"), required=False)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Sujet"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mentionnez un membre avec @prenom.nom : il recevra un e-mail."),
    )  # fmt: skip
    document = forms.ModelChoiceField(queryset=None, label=_("Document concerné (facultatif)"), required=False)

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Votre réponse"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mentionnez un membre avec @prenom.nom : il recevra un e-mail."),
    )  # fmt: skip


class EventForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=Event.Kind.choices)
    mode = forms.ChoiceField(label=_("Modalité"), choices=Event.Mode.choices)
    starts_at = forms.DateTimeField(label=_("Début"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Fin"), widget=DATETIME)
    capacity = forms.IntegerField(label=_("Nombre de places"))
    location = forms.CharField(label=_("Lieu"), max_length=255, required=False)
    link = forms.URLField(label=_("Lien de connexion"), required=False, assume_scheme="https")
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    group = forms.ModelChoiceField(queryset=None, label=_("Réservé au groupe (facultatif)"), required=False)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Réponses proposées"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une réponse par ligne, au moins deux."),
    )  # fmt: skip
    multiple = forms.BooleanField(label=_("Plusieurs réponses possibles"), required=False)
    anonymous = forms.BooleanField(label=_("Sondage anonyme"), required=False)
    closes_at = forms.DateTimeField(label=_("Ouvert jusqu'au"), widget=DATETIME)
    results = forms.ChoiceField(label=_("Résultats visibles"), choices=Poll.Results.choices)

    def option_list(self) -> list[str]:
        return [line for line in self.cleaned_data.get("options", "").splitlines() if line.strip()]


class VoteForm(forms.Form):
    options = forms.MultipleChoiceField(label=_("Votre réponse"), choices=(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), o.label) for o in poll.options.all()]
        if poll.multiple:
            self.fields["options"] = forms.MultipleChoiceField(
                label=_("Vos réponses"), choices=choices, widget=forms.CheckboxSelectMultiple
            )
        else:
            self.fields["options"] = forms.ChoiceField(
                label=_("Votre réponse"), choices=choices, widget=forms.RadioSelect
            )

    def selected(self) -> list[int]:
        value = self.cleaned_data["options"]
        return [int(v) for v in (value if isinstance(value, list) else [value])]


class ProfileForm(forms.Form):
    function = forms.CharField(label=_("Fonction"), max_length=150, required=False)
    expertise = forms.CharField(
        label=_("Expertises"), max_length=300, required=False, help_text=_("Mots-clés séparés par des virgules.")
    )
    show_email = forms.BooleanField(label=_("Afficher mon e-mail dans l'annuaire"), required=False)
    show_phone = forms.BooleanField(label=_("Afficher mon téléphone dans l'annuaire"), required=False)


class LevelForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Niveau de notification"), choices=NotificationLevel.choices, widget=forms.RadioSelect
    )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False)
    department = forms.ChoiceField(label=_("Département"), required=False)
    sector = forms.ChoiceField(label=_("Secteur"), required=False)
    tag = forms.CharField(label=_("Expertise"), required=False)

    def __init__(self, *args, departments, **kwargs):
        from establishments.roles import Sector

        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("Tous"))] + [(d.code, f"{d.code} – {d.name}") for d in departments]
        self.fields["sector"].choices = [("", _("Tous"))] + list(Sector.choices)
