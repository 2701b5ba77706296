"""Every spreadsheet the portal writes (CSV, XLSX, ODS) goes through this module: text never runs as a formula.

A cell typed by a user (an action item's title, an applicant's answer, an establishment's name from a file) that
begins with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which some spreadsheets skip before reading
a formula) would be a live formula in the CRRC's or the ARS's spreadsheet: ``=HYPERLINK(…)`` sends data away,
``=cmd|…`` ran commands in old Excel. ``safe_cell`` prefixes such text with an apostrophe, the spreadsheet
convention for "this is text"; ``unescape_cell`` reads it back on re-import, so that an export → edit → import
round trip keeps the value the user typed.

- ``safe_cell(value)`` / ``safe_row(values)``: for code writing cells itself (openpyxl, csv.writer, tablib).
- ``SafeCSV``, ``SafeXLSX``, ``SafeODS``: django-import-export formats for every admin export
  (``settings.EXPORT_FORMATS``), which escape the whole dataset before writing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

import tablib
from import_export.formats import base_formats

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def is_formula_like(text: str) -> bool:
    return text[:1] in FORMULA_PREFIXES


def safe_cell(value):
    """The value as a spreadsheet cell: numbers, dates and booleans as they are, text escaped when formula-like."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | date | datetime | time):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    return ESCAPE + text if is_formula_like(text) else text


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]


def unescape_cell(value):
    """What ``safe_cell`` wrote, read back: the apostrophe added before a formula-like text is removed."""
    if isinstance(value, str) and value.startswith(ESCAPE) and is_formula_like(value[1:]):
        return value[1:]
    return value


def safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of ``dataset`` with every cell escaped (headers included: a column may be named by a user)."""
    escaped = tablib.Dataset(title=dataset.title)
    if dataset.headers:
        escaped.headers = safe_row(dataset.headers)
    for row in dataset:
        escaped.append(safe_row(row))
    return escaped


def unescape_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """Read back a dataset exported by the portal (the admin import of its own export)."""
    restored = tablib.Dataset(title=dataset.title)
    if dataset.headers:
        restored.headers = [unescape_cell(header) for header in dataset.headers]
    for row in dataset:
        restored.append([unescape_cell(value) for value in row])
    return restored


class _SafeExport:
    def export_data(self, dataset, **kwargs):
        return super().export_data(safe_dataset(dataset), **kwargs)


class SafeCSV(_SafeExport, base_formats.CSV):
    pass


class SafeXLSX(_SafeExport, base_formats.XLSX):
    pass


class SafeODS(_SafeExport, base_formats.ODS):
    pass


SAFE_EXPORT_FORMATS = [SafeCSV, SafeXLSX, SafeODS]
