"""Forms of the offers' pages. Values are checked again by ``offers.services``; the forms only shape the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from establishments.roles import Sector

from .models import Awardee, Lot, PriceItem

MAX_ORDER_LINES = 6


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AnswersFilterForm(forms.Form):
    STATUS = [
        ("", _("Tous")),
        ("answered", _("Réponse transmise")),
        ("draft", _("Réponse commencée, non transmise")),
        ("missing", _("Pas de réponse transmise")),
    ]
    q = forms.CharField(label=_("Nom ou FINESS"), required=False)
    department = forms.ChoiceField(label=_("Département"), required=False)
    sector = forms.ChoiceField(label=_("Secteur"), required=False, choices=[("", _("Tous"))] + Sector.choices)
    category = forms.ChoiceField(label=_("Catégorie"), required=False)
    status = forms.ChoiceField(label=_("Réponse"), required=False, choices=STATUS)

    def __init__(self, *args, departments=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("Tous"))] + [(d.code, str(d)) for d in departments]
        self.fields["category"].choices = [("", _("Toutes"))] + [(c.code, str(c)) for c in categories]

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class OrderForm(forms.Form):
    """A new purchase order: lot, awardee, dates, and up to six lines of the awardee's price list."""

    establishment = forms.ModelChoiceField(label=_("Établissement bénéficiaire"), queryset=None)
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=Lot.objects.none())
    awardee = forms.ModelChoiceField(label=_("Titulaire"), queryset=Awardee.objects.none())
    choice_reason = forms.CharField(
        label=_("Motif du choix du titulaire"),
        required=False,
        max_length=400,
        help_text=_("Obligatoire quand le lot a plusieurs titulaires (rang, cascade ou rotation)."),
    )
    requested_start = forms.DateField(label=_("Début souhaité"), required=False, widget=DateInput)
    requested_end = forms.DateField(label=_("Fin souhaitée"), required=False, widget=DateInput)
    deliverables = forms.CharField(
        label=_("Livrables attendus"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_commitment = forms.CharField(
        label=_("N° d'engagement juridique"),
        required=False,
        max_length=40,
        help_text=_("Le titulaire le reportera sur sa facture (Chorus Pro). Obligatoire pour émettre le bon."),
    )

    def __init__(self, *args, agreement, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.fields["establishment"].queryset = establishments
        self.fields["lot"].queryset = agreement.lots.all()
        self.fields["awardee"].queryset = Awardee.objects.filter(lot__agreement=agreement).select_related(
            "provider", "lot"
        )
        self.fields["awardee"].label_from_instance = lambda a: f"{a.lot} — {a.provider.name} ({_('rang')} {a.rank})"
        items = PriceItem.objects.filter(awardee__lot__agreement=agreement).select_related(
            "awardee__provider", "awardee__lot"
        )
        choices = [("", "—")] + [
            (
                str(p.pk),
                f"{_('Lot')} {p.awardee.lot.number} · {p.awardee.provider.name} · {p.code} {p.label} "
                f"({p.unit_price} € HT / {p.unit})",
            )
            for p in items
        ]
        for index in range(MAX_ORDER_LINES):
            self.fields[f"item_{index}"] = forms.ChoiceField(
                label=_("Article %(n)s") % {"n": index + 1}, choices=choices, required=False
            )
            self.fields[f"quantity_{index}"] = forms.CharField(
                label=_("Quantité %(n)s") % {"n": index + 1},
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            )

    def line_rows(self):
        return [(self[f"item_{i}"], self[f"quantity_{i}"], f"line_{i}") for i in range(MAX_ORDER_LINES)]

    def lines(self):
        from .services import LineInput

        return [
            LineInput(self.data.get(f"item_{i}") or None, self.data.get(f"quantity_{i}", ""))
            for i in range(MAX_ORDER_LINES)
        ]


class OrderStepForm(forms.Form):
    """What each step of the order records. Only the fields of the step taken are read."""

    legal_commitment = forms.CharField(label=_("N° d'engagement juridique"), required=False, max_length=40)
    scheduled_on = forms.DateField(label=_("Date planifiée"), required=False, widget=DateInput)
    delivered_on = forms.DateField(label=_("Service fait le"), required=False, widget=DateInput)
    delivered_by = forms.CharField(label=_("Constaté par"), required=False, max_length=150)
    invoice_number = forms.CharField(label=_("N° de facture"), required=False, max_length=60)
    invoiced_on = forms.DateField(label=_("Facturé le"), required=False, widget=DateInput)
    paid_on = forms.DateField(label=_("Payé le"), required=False, widget=DateInput)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=500)


class NotesForm(forms.Form):
    delay_note = forms.CharField(
        label=_("Remarques sur les délais"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    quality_note = forms.CharField(
        label=_("Remarques sur la qualité"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AmendmentForm(forms.Form):
    signed_on = forms.DateField(label=_("Date de l'avenant"), widget=DateInput)
    reason = forms.CharField(label=_("Motif"), max_length=400)
    changes = forms.CharField(label=_("Ce qui change"), widget=forms.Textarea(attrs={"rows": 3}))
    add = forms.CharField(
        label=_("FINESS des bénéficiaires ajoutés"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Un numéro FINESS par ligne ou séparés par des virgules."),
    )
    add_firm_only = forms.BooleanField(label=_("Les ajoutés s'engagent sur la période ferme seulement"), required=False)
    remove = forms.CharField(
        label=_("FINESS des bénéficiaires retirés"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement

    def _establishments(self, name: str):
        import re

        from establishments.models import Establishment

        numbers = [n.upper() for n in re.split(r"[\s,;]+", self.cleaned_data.get(name) or "") if n]
        found = {e.finess: e for e in Establishment.objects.filter(region=self.agreement.region_id, finess__in=numbers)}
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(
                _("FINESS inconnu dans la région : %(numbers)s.") % {"numbers": ", ".join(unknown)}
            )
        return list(found.values())

    def clean_add(self):
        return self._establishments("add")

    def clean_remove(self):
        return self._establishments("remove")
