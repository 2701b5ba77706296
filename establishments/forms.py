"""Forms of the onboarding journey. Business rules live in ``services``; forms only check what was typed."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .services import OnboardingError, find_establishment_by_finess


class ClaimForm(forms.Form):
    finess = forms.CharField(
        label=_("Numéro FINESS géographique de votre établissement"),
        max_length=20,
        help_text=_(
            "9 caractères, par exemple 310780259. Il figure sur vos documents administratifs et sur "
            "l'annuaire sante.fr. Les espaces sont acceptés."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("Votre fonction dans l'établissement"),
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text=_(
            "Un directeur de l'établissement valide votre demande avec ce rôle. Si l'établissement n'a encore aucun "
            "directeur sur le portail, c'est le CRRC qui vérifie votre demande et vous nomme directeur."
        ),
    )
    function = forms.CharField(
        label=_("Intitulé de votre poste"),
        required=False,
        max_length=150,
        help_text=_(
            "Par exemple « Directeur des systèmes d'information » : le CRRC le lit pour vérifier votre demande."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    message = forms.CharField(
        label=_("Message pour le directeur (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_finess(self) -> str:
        try:
            self.establishment = find_establishment_by_finess(self.cleaned_data["finess"])
        except OnboardingError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc
        return self.establishment.finess


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail professionnelle de votre collègue"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il est envoyé au demandeur par e-mail."),
    )
