"""``{% nav_items as items %}``: the main menu entries for this request (see ``crrc.navigation``)."""

from django import template

from crrc.navigation import items_for

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context) -> list:
    request = context.get("request")
    return items_for(request) if request is not None else []
