"""The chronogram as a spreadsheet (import with a dry run, export), and the exports of the day (CSV/XLSX).

Import: the header row must name the expected columns (in any order, case and accents as written by the export);
every data row is checked (offset as the kits write it, known channel and cell, sender and content, no two rows at
the same offset) and *every* bad row is listed before anything is written. Nothing is written while one row is bad.
Exports escape cells beginning with ``= + - @`` so that a typed text never runs as a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from crrc.exports import safe_cell, unescape_cell

from .choices import Cell, Channel
from .models import Exercise
from .services import StimulusData, clean_stimulus

MAX_ROWS = 500
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key, French header) — the export writes these headers, the import expects them.
COLUMNS = (
    ("offset", "Décalage"),
    ("channel", "Canal"),
    ("sender", "Émetteur simulé"),
    ("recipient_cell", "Cellule destinataire"),
    ("content", "Contenu"),
    ("expected_reaction", "Réaction attendue"),
)
REQUIRED = ("offset", "channel", "sender", "content")


def _norm(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("’", "'").split())


_HEADER_KEYS = {_norm(label): key for key, label in COLUMNS}
_CHANNELS = {**{_norm(c.value): c.value for c in Channel}, **{_norm(c.label): c.value for c in Channel}}
_CELLS = {
    **{_norm(c.value): c.value for c in Cell},
    **{_norm(c.label): c.value for c in Cell},
    "animation": Cell.ANIMATION,
    "crise": Cell.CRISIS,
    "observateurs": Cell.OBSERVERS,
}


@dataclass
class RowError:
    row: int
    messages: list[str]


@dataclass
class ImportReport:
    lines: list[StimulusData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # A text the export escaped (leading quote before = + - @) comes back as it was typed.
    return str(unescape_cell(value)).strip()


def read_chronogram(upload) -> ImportReport:
    """Parse and check an uploaded XLSX chronogram; nothing is written here."""
    report = ImportReport()
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError):
        report.file_error = _("Ce fichier n'est pas un classeur XLSX lisible.")
        return report
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    keys = [_HEADER_KEYS.get(_norm(h)) for h in header]
    missing = [label for key, label in COLUMNS if key in REQUIRED and key not in keys]
    unknown = [_text(h) for h, k in zip(header, keys, strict=False) if k is None and _text(h)]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("colonnes manquantes : %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            parts.append(_("colonnes inconnues : %(cols)s") % {"cols": ", ".join(unknown)})
        report.file_error = _(
            "La première ligne doit porter les colonnes %(expected)s (%(problems)s). "
            "Partez de l'export du chronogramme pour avoir le bon modèle."
        ) % {"expected": ", ".join(label for _k, label in COLUMNS), "problems": " ; ".join(parts)}
        workbook.close()
        return report
    seen: dict[int, int] = {}
    count = 0
    for number, values in enumerate(rows, start=2):
        record = {key: _text(value) for key, value in zip(keys, values, strict=False) if key}
        if not any(record.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            report.file_error = _("Le chronogramme dépasse %(max)s lignes.") % {"max": MAX_ROWS}
            break
        channel = _CHANNELS.get(_norm(record.get("channel")), record.get("channel") or "")
        cell = _CELLS.get(_norm(record.get("recipient_cell")), record.get("recipient_cell") or "") or Cell.CRISIS
        try:
            line = clean_stimulus(
                offset=record.get("offset", ""),
                channel=channel,
                sender=record.get("sender", ""),
                recipient_cell=cell,
                content=record.get("content", ""),
                expected_reaction=record.get("expected_reaction", ""),
            )
        except ValidationError as exc:
            labels = dict(COLUMNS)
            messages = [
                f"{labels.get(key, key)} : {message}" for key, errs in exc.message_dict.items() for message in errs
            ]
            report.errors.append(RowError(number, messages))
            continue
        if line.offset_seconds in seen:
            report.errors.append(
                RowError(
                    number,
                    [
                        _("Décalage : même moment que la ligne %(other)s (%(offset)s).")
                        % {"other": seen[line.offset_seconds], "offset": record.get("offset")}
                    ],
                )
            )
            continue
        seen[line.offset_seconds] = number
        report.lines.append(line)
    workbook.close()
    if report.ok and not report.lines:
        report.file_error = _("Le classeur ne contient aucun stimulus.")
    return report


def _sheet(workbook: Workbook, title: str, headers: list[str], rows) -> None:
    sheet = workbook.active  # one sheet per export
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(60, max(12, *(len(str(c.value or "")) for c in column[:50])))
        for c in column[1:]:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sample_chronogram() -> tuple[str, bytes]:
    """A genuine two-stimulus chronogram in the import's format; the import form's upload spec offers it."""
    workbook = Workbook()
    rows = [
        ["H+0:00", str(Channel.PHONE.label), _("Prestataire informatique"), str(Cell.CRISIS.label),
         _("Les postes des urgences affichent une demande de rançon."), _("Activer la cellule de crise.")],
        ["H+0:30", str(Channel.EMAIL.label), _("ARS"), str(Cell.CRISIS.label),
         _("L'ARS demande un premier point de situation."), _("Envoyer le point de situation.")],
    ]  # fmt: skip
    _sheet(workbook, _("Chronogramme"), [label for _k, label in COLUMNS], rows)
    return "chronogramme.xlsx", _bytes(workbook)


def chronogram_rows(exercise: Exercise):
    for s in exercise.stimuli.order_by("offset_seconds", "pk"):
        yield [
            s.offset_display,
            s.get_channel_display(),
            s.sender,
            s.get_recipient_cell_display(),
            s.content,
            s.expected_reaction,
        ]


def export_chronogram(exercise: Exercise) -> bytes:
    """The plan, in the import's own format (so that the file round-trips)."""
    workbook = Workbook()
    _sheet(workbook, _("Chronogramme"), [label for _k, label in COLUMNS], chronogram_rows(exercise))
    return _bytes(workbook)


PLAYED_HEADERS = (
    "Décalage prévu",
    "Joué à",
    "Heure",
    "Statut",
    "Canal",
    "Émetteur simulé",
    "Contenu",
    "Réaction attendue",
    "Évaluation",
    "Motif",
)
JOURNAL_HEADERS = ("Heure", "Temps de simulation", "Source", "Auteur", "Entrée")


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S") if moment else ""


def played_rows(exercise: Exercise):
    for s in exercise.stimuli.order_by("offset_seconds", "pk"):
        yield [
            s.offset_display,
            s.played_offset_display,
            _local(s.played_at),
            s.get_status_display(),
            s.get_channel_display(),
            s.sender,
            s.content,
            s.expected_reaction,
            s.get_score_display() if s.score else "",
            s.skip_reason,
        ]


def journal_rows(exercise: Exercise):
    from .offsets import format_offset

    for e in exercise.journal.select_related("author").order_by("at", "pk"):
        yield [
            _local(e.at),
            format_offset(e.offset_seconds),
            e.get_source_display(),
            (e.author.get_full_name() or e.author.email) if e.author else "",
            e.text,
        ]


EXPORTS = {
    "journal": (JOURNAL_HEADERS, journal_rows, "main-courante"),
    "played": (PLAYED_HEADERS, played_rows, "chronogramme-joue"),
}


def export_table(exercise: Exercise, what: str, fmt: str) -> tuple[bytes, str, str]:
    headers, rows, stem = EXPORTS[what]
    filename = f"{exercise.reference}-{stem}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(headers)
        for row in rows(exercise):
            writer.writerow([safe_cell(v) for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", filename
    workbook = Workbook()
    _sheet(workbook, stem, list(headers), rows(exercise))
    return _bytes(workbook), XLSX_MIME, filename
