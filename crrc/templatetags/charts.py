"""``{% chart c %}``: a chart from ``crrc.charts`` as a figure (title, SVG, scale) followed by its figures' table.

The same tag serves the pages and the PDF templates printed by WeasyPrint, so both show the same chart.
"""

from django import template

from crrc.charts import Chart

register = template.Library()


@register.inclusion_tag("crrc/chart.html")
def chart(c: Chart) -> dict:
    return {"chart": c}
