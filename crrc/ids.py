"""Ids read from a request: a bad one is a 404 or a form error, never a 500.

A 30-digit number passes ``int()`` but overflows the database's bigint (PostgreSQL refuses to store it, SQLite
refuses even to compare it); a word fails ``int()``. Views read ids from POST/GET with ``parse_id``; forms use the
bounded model choice fields below.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id as an int when ``value`` is one (1 … 2⁶³−1, digits only), else None."""
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class BoundedModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value or ():
            if self.to_field_name is None and parse_id(item) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)
