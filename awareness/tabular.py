"""Reading the spreadsheets people actually send: CSV from any Excel or from GoPhish, and XLSX.

* Encodings: UTF-8 with or without BOM first, then Windows-1252 (a file saved by French Excel).
* Separators: ``,`` or ``;``, sniffed from the header line (a ``;`` file re-saved by French Excel is common).
* CRLF or LF line ends; quoted fields spanning lines are kept whole (``csv`` with ``newline=""``).
* XLSX through openpyxl in read-only mode, first sheet, values only (formulas are never evaluated).
* Headers matched without regard to case, accents, spaces, hyphens or underscores (``Adresse e-mail`` =
  ``adresse_email`` = ``ADRESSE EMAIL``).
* A cell GoPhish protected against formula injection (``'=…``, ``'+…``, ``'-…``, ``'@…``) gets its ``'`` back off.

``read_table`` returns the header and the rows with their line numbers as people see them in their tableur
(header on line 1). It raises ``ValidationError`` with a French message when the file cannot be read at all.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ENCODINGS = ("utf-8-sig", "cp1252")
SEPARATORS = (",", ";")
MAX_ROWS = 100_000
GOPHISH_PREFIXED = ("'=", "'+", "'-", "'@")


def normalise_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in plain.casefold() if ch.isalnum())


def clean_cell(value) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    if text[:2] in GOPHISH_PREFIXED:
        text = text[1:]
    return text


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells)
    file_format: str  # "csv" or "xlsx"
    separator: str = ""
    encoding: str = ""

    def columns(self, aliases: dict[str, Iterable[str]]) -> dict[str, int]:
        """Index of each known column found in the header, by its canonical name."""
        normalised = [normalise_header(h) for h in self.headers]
        found = {}
        for name, names in aliases.items():
            wanted = {normalise_header(n) for n in names}
            for index, header in enumerate(normalised):
                if header in wanted:
                    found[name] = index
                    break
        return found

    def records(self, columns: dict[str, int]):
        """Each non-empty row as (line, {canonical name: cleaned value})."""
        for line, cells in self.rows:
            if not any(c.strip() for c in cells):
                continue
            yield line, {name: clean_cell(cells[i]) if i < len(cells) else "" for name, i in columns.items()}


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en CSV UTF-8."))


def _sniff_separator(text: str) -> str:
    first = text.split("\n", 1)[0]
    # Count separators outside quotes on the header line.
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(SEPARATORS, key=lambda s: counts[s])


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    separator = _sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    previous_end = 0
    try:
        for cells in reader:
            # The line a record starts on (a quoted field may span several lines).
            start, previous_end = previous_end + 1, reader.line_num
            if headers is None:
                if not any(c.strip() for c in cells):
                    continue
                headers = [clean_cell(c) for c in cells]
                continue
            rows.append((start, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationError(_("Le fichier dépasse %(max)d lignes.") % {"max": MAX_ROWS})
    except csv.Error as exc:
        raise ValidationError(_("Le fichier CSV est mal formé (ligne %(line)d).") % {"line": reader.line_num}) from exc
    if headers is None:
        raise ValidationError(_("Le fichier ne contient aucune ligne d'en-tête."))
    return Table(headers, rows, "csv", separator, encoding)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise ValidationError(_("Le classeur Excel est illisible ou endommagé.")) from exc
    try:
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in values]
            if headers is None:
                if not any(c.strip() for c in cells):
                    continue
                headers = [clean_cell(c) for c in cells]
                continue
            rows.append((line, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationError(_("Le fichier dépasse %(max)d lignes.") % {"max": MAX_ROWS})
    finally:
        workbook.close()
    if headers is None:
        raise ValidationError(_("Le classeur ne contient aucune ligne d'en-tête."))
    return Table(headers, rows, "xlsx")


def read_table(data: bytes, file_type: str) -> Table:
    """``file_type`` is what ``crrc.uploads`` detected from the content: "csv" or "xlsx"."""
    if file_type == "xlsx":
        return _read_xlsx(data)
    if file_type == "csv":
        return _read_csv(data)
    raise ValidationError(_("Format non pris en charge : importez un fichier CSV ou Excel (XLSX)."))


def read_path(path) -> tuple[Table, bytes, str]:
    """For the management commands: the same checks as an upload (type by content), then ``read_table``."""
    from pathlib import Path

    from django.core.files import File

    from crrc.uploads import validate_upload

    path = Path(path)
    data = path.read_bytes()
    with path.open("rb") as handle:
        checked = validate_upload(File(handle, name=path.name), ("csv", "xlsx"), MAX_UPLOAD_BYTES)
    return read_table(data, checked.file_type), data, checked.display_name


MAX_UPLOAD_BYTES = 20 * 1024 * 1024
