"""The regional register as XLSX (formula-safe cells)."""

from __future__ import annotations

from django.db.models import QuerySet
from openpyxl import Workbook

from .models import Exercise
from .xlsx import _bytes, _local, _sheet

HEADERS = [
    "Référence",
    "Établissement",
    "FINESS",
    "Département",
    "Secteur",
    "Titre",
    "Scénario",
    "Niveau de kit",
    "Format",
    "Animé par",
    "Date",
    "Statut",
    "Rapport édité le",
    "Autres sites participants",
]


def register_xlsx(qs: QuerySet[Exercise]) -> bytes:
    def rows():
        for e in qs.iterator(chunk_size=2000):
            yield [
                e.reference,
                e.establishment.name,
                e.establishment.finess,
                e.establishment.department.code,
                e.establishment.get_sector_display(),
                e.title,
                e.scenario.title if e.scenario else "",
                e.get_kit_level_display(),
                e.get_format_display(),
                e.runner_name or e.get_runner_display(),
                _local(e.starts_at),
                e.get_state_display(),
                _local(e.reported_at),
                ", ".join(f"{s.site.name} ({s.site.finess})" for s in e.sites.all()),
            ]

    workbook = Workbook()
    _sheet(workbook, "Registre des exercices", HEADERS, rows())
    return _bytes(workbook)
