"""The dashboard as a spreadsheet: one row per figure (indicator, label, series, value, unit), formula-safe.

Labels come from the data (category labels, department names, grid names typed by staff), so every cell goes
through ``crrc.exports.safe_row``: a label beginning with ``=`` stays text in the ARS's spreadsheet.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from crrc.exports import safe_row

from .selectors import Panel


def filters_summary(form) -> list[tuple[str, str]]:
    """(label, chosen value) of each valid filter applied, in the form's order (empty when none)."""
    chosen = []
    if form.is_bound and form.is_valid():
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if value:
                label = (
                    dict(field.choices).get(value, value)
                    if hasattr(field, "choices") and isinstance(value, str)
                    else value
                )
                chosen.append((str(field.label), str(label)))
    return chosen


def workbook(panels: list[Panel], heading: str, filters: list[tuple[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Tableau de bord")[:31]
    sheet.append(safe_row([_("Tableau de bord régional"), heading]))
    sheet.append(safe_row([_("Exporté le"), timezone.localtime().strftime("%d/%m/%Y %H:%M")]))
    sheet.append(safe_row([_("Filtres"), " ; ".join(f"{k} : {v}" for k, v in filters) or _("Aucun")]))
    sheet.append([])
    sheet.append(safe_row([_("Indicateur"), _("Libellé"), _("Série"), _("Valeur"), _("Unité")]))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for panel in panels:
        for figure in panel.figures:
            value = figure.value if figure.value is not None else (str(figure.missing) or None)
            sheet.append(safe_row([panel.indicator.title, figure.label, figure.group, value, figure.unit]))
    for column, width in zip("ABCDE", (45, 45, 20, 14, 8), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
