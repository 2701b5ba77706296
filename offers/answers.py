"""Reading, checking and showing the value of one campaign answer, whatever the kind of its question.

Values are stored as JSON: ``true``/``false``, a choice code, an integer, an amount as a string ("1500.00"), an ISO
date, a text, or a list of contacts ``{"last_name", "first_name", "function", "email"}``. A bad value raises
``ValidationError`` with the French message shown next to the field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Question, QuestionKind

CONTACT_FIELDS = ("last_name", "first_name", "function", "email")
YES = {"yes", "oui", "true", "1", "on"}
NO = {"no", "non", "false", "0"}


def _contact_rows(raw: dict, question: Question) -> list[dict]:
    rows = []
    for index in range(question.max_contacts):
        row = {name: (raw.get(f"{question.code}__{index}__{name}") or "").strip() for name in CONTACT_FIELDS}
        if any(row.values()):
            rows.append(row)
    return rows


def parse(question: Question, raw) -> object:
    """The stored value for ``raw`` (a string, or a dict of POST data for contacts); None when left empty."""
    kind = question.kind
    if kind == QuestionKind.CONTACTS:
        rows = _contact_rows(raw if isinstance(raw, dict) else {}, question)
        for position, row in enumerate(rows, start=1):
            missing = [name for name in ("last_name", "first_name", "email") if not row[name]]
            if missing:
                raise ValidationError(
                    _("Contact %(n)s : indiquez au moins le nom, le prénom et l'e-mail.") % {"n": position}
                )
            try:
                validate_email(row["email"])
            except ValidationError as exc:
                raise ValidationError(
                    _("Contact %(n)s : l'adresse e-mail « %(email)s » n'est pas valide.")
                    % {"n": position, "email": row["email"]}
                ) from exc
        return rows or None
    text = ("" if raw is None else str(raw)).strip()
    if not text:
        return None
    if kind == QuestionKind.YES_NO:
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValidationError(_("Répondez par oui ou par non."))
    if kind == QuestionKind.CHOICE:
        if text not in question.choice_labels:
            raise ValidationError(_("Choisissez une des réponses proposées."))
        return text
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(text.replace(" ", "").replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationError(_("Saisissez un nombre entier.")) from exc
        if number != number.to_integral_value():
            raise ValidationError(_("Saisissez un nombre entier (sans décimale)."))
        if number <= 0:
            raise ValidationError(_("Saisissez un nombre supérieur à zéro."))
        return int(number)
    if kind == QuestionKind.AMOUNT:
        try:
            amount = Decimal(text.replace(" ", "").replace("\u202f", "").replace("€", "").replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationError(_("Saisissez un montant en euros, par exemple 1500 ou 1500,50.")) from exc
        if not amount.is_finite() or amount <= 0:
            raise ValidationError(_("Le montant doit être supérieur à zéro."))
        if amount.as_tuple().exponent < -2:
            raise ValidationError(_("Le montant a au plus deux décimales."))
        return f"{amount:.2f}"
    if kind == QuestionKind.DATE:
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValidationError(_("Saisissez une date au format JJ/MM/AAAA."))
    if len(text) > 2000:
        raise ValidationError(_("La réponse est limitée à 2 000 caractères."))
    return text


def display(question: Question, value) -> str:
    """The value as a person reads it (receipt, staff list, export)."""
    if value is None or value == "" or value == []:
        return ""
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        return _("Oui") if value else _("Non")
    if kind == QuestionKind.CHOICE:
        return str(question.choice_labels.get(str(value), value))
    if kind == QuestionKind.AMOUNT:
        return f"{Decimal(value):,.2f} €".replace(",", "\u202f").replace(".", ",")
    if kind == QuestionKind.DATE:
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    if kind == QuestionKind.CONTACTS:
        return "; ".join(
            f"{c.get('first_name', '')} {c.get('last_name', '')} ({c.get('function') or '—'}, {c.get('email', '')})"
            for c in value
        )
    return str(value)


def is_shown(question: Question, values: dict[int, object]) -> bool:
    """A dependent question is shown only when the answer it depends on has one of the listed values."""
    if not question.depends_on_id:
        return True
    parent = values.get(question.depends_on_id)
    return parent is not None and parent in (question.shown_for or [])


def joins(question: Question, value, offer_id: int | None = None) -> bool:
    """Whether ``value`` asks to join ``offer_id`` (the question's own offer by default, or its other offer)."""
    if value is None:
        return False
    if offer_id is None or offer_id == question.offer_id:
        return value in (question.joins_offer_when or [])
    if offer_id == question.joins_other_offer_id:
        return value in (question.joins_other_when or [])
    return False


def offers_joined(question: Question, value) -> set[int]:
    joined = set()
    if joins(question, value):
        joined.add(question.offer_id)
    if question.joins_other_offer_id and joins(question, value, question.joins_other_offer_id):
        joined.add(question.joins_other_offer_id)
    return joined
