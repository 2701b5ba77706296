import datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def answer_display(value) -> str:
    """An answer as a person reads it: Oui/Non, dates in French order, lists joined."""
    if value is True:
        return _("Oui")
    if value is False:
        return _("Non")
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return str(value)
