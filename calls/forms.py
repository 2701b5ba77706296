"""Forms built from a call's configuration: one field per question, one upload form per required document.

In a draft nothing is required by the form: the draft is saved as it is filled, and what is mandatory is checked at
submission (``services.missing_items``), so a half-filled draft never loses what was typed.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from crrc.ids import BoundedModelChoiceField

from .models import Application, CorrectionRequest, Question
from .selectors import proof_orders

YES, NO = "oui", "non"


def field_name(question: Question) -> str:
    return f"q_{question.code}"


def version_name(question: Question) -> str:
    return f"v_{question.code}"


def answer_field(question: Question) -> forms.Field:
    kind = question.kind
    common = {"label": question.label, "help_text": question.help_text, "required": False}
    K = Question.Kind
    if kind == K.TEXT:
        return forms.CharField(max_length=500, **common)
    if kind == K.LONG_TEXT:
        return forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 5}), **common)
    if kind == K.NUMBER:
        return forms.DecimalField(max_digits=14, decimal_places=4, **common)
    if kind == K.AMOUNT:
        return forms.DecimalField(
            max_digits=12,
            decimal_places=2,
            min_value=Decimal("0"),
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            **common,
        )
    if kind == K.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == K.SINGLE_CHOICE:
        return forms.ChoiceField(choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common)
    if kind == K.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == K.YES_NO:
        return forms.ChoiceField(choices=[(YES, _("Oui")), (NO, _("Non"))], widget=forms.RadioSelect, **common)
    raise ValueError(kind)


def to_stored(question: Question, value):
    """A cleaned form value as stored in ``Answer.value`` (JSON)."""
    if value in (None, "", []):
        return None
    K = Question.Kind
    if question.kind == K.YES_NO:
        return value == YES
    if question.kind in (K.NUMBER, K.AMOUNT):
        return format(Decimal(value).normalize(), "f")
    if question.kind == K.DATE:
        return value.isoformat()
    return value


def to_initial(question: Question, value):
    if value is None:
        return None
    if question.kind == Question.Kind.YES_NO:
        return YES if value is True else NO
    return value


class ProofOrderField(BoundedModelChoiceField):
    """One of the establishment's purchase orders, labelled as the establishment knows it."""

    def label_from_instance(self, obj) -> str:
        return _("%(ref)s — lot %(lot)s, %(provider)s — %(amount)s € HT (%(state)s)") % {
            "ref": obj.reference,
            "lot": obj.lot.number,
            "provider": obj.awardee.provider.name,
            "amount": number_format(obj.total_excl_vat, 2, use_l10n=True, force_grouping=True),
            "state": obj.get_state_display(),
        }


def proof_order_field(application: Application) -> ProofOrderField:
    return ProofOrderField(
        queryset=proof_orders(application),
        required=False,
        label=_("Bon de commande (preuve de commande)"),
        empty_label=_("Aucun bon de commande"),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Si le projet passe par un accord-cadre du CRRC, choisissez le bon de commande émis."),
        error_messages={"invalid_choice": _("Choisissez un bon de commande émis par l'établissement qui candidate.")},
    )


class ApplicationForm(forms.Form):
    """The answers of one application; hidden ``v_<code>`` fields carry the version each answer was loaded at."""

    def __init__(self, *args, application: Application, questions, answers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.questions = list(questions)
        self.answers = answers  # {question code: Answer}
        kinds = list(application.call.project_kinds.all())
        if kinds:
            self.fields["preferred_kind"] = BoundedModelChoiceField(
                queryset=application.call.project_kinds.all(),
                required=False,
                widget=forms.RadioSelect,
                label=_("Type de projet souhaité"),
                empty_label=None,
            )
            self.initial["preferred_kind"] = application.preferred_kind_id
        orders = proof_orders(application)
        if application.purchase_order_id or orders.exists():
            self.fields["purchase_order"] = proof_order_field(application)
            self.initial["purchase_order"] = application.purchase_order_id
        for question in self.questions:
            self.fields[field_name(question)] = answer_field(question)
            self.fields[version_name(question)] = forms.IntegerField(
                required=False, widget=forms.HiddenInput, min_value=0
            )
            answer = answers.get(question.code)
            self.initial[field_name(question)] = to_initial(question, answer.value) if answer else None
            self.initial[version_name(question)] = answer.version if answer else 0

    def values(self, only: set[str] | None = None) -> dict[str, tuple[object, int | None]]:
        """``{code: (stored value, expected version)}`` for the valid fields (all, or the codes in ``only``)."""
        result = {}
        for question in self.questions:
            if only is not None and question.code not in only:
                continue
            name = field_name(question)
            if name in self.errors:
                continue
            expected = self.cleaned_data.get(version_name(question))
            result[question.code] = (to_stored(question, self.cleaned_data.get(name)), expected)
        return result

    def items(self):
        """(question, bound field, version field, answer) in the form's order, for the template."""
        for question in self.questions:
            yield question, self[field_name(question)], self[version_name(question)], self.answers.get(question.code)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Fichier"), allow_empty_file=True)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CorrectionAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Votre réponse à l'équipe du CRRC"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Expliquez ce que vous avez corrigé (réponses, pièces remplacées…)."),
    )


class RequestCorrectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Motif"), choices=CorrectionRequest.Kind.choices)
    message = forms.CharField(label=_("Message au demandeur"), widget=forms.Textarea(attrs={"rows": 3}))


def validate_version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        if value in (None, ""):
            return None
        raise ValidationError(_("Version invalide.")) from exc
