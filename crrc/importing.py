"""Every admin import (django-import-export) reads files through this module's formats: bounded, and French.

A file uploaded to an admin import page is read in the request. django-import-export's own formats hand the bytes
to openpyxl or odfpy as they are: a damaged XLSX surfaces as "'OSError' encountered while trying to read file"
(openpyxl's "File contains no valid workbook part"), a 200 KB zip bomb inflates to hundreds of megabytes, and a
workbook with macros is read like any other. The formats below check first and then read:

- the size of the file and its number of rows are bounded (a large file goes through a management command);
- an XLSX or ODS is an archive: its entries are bounded in number, size and compression ratio
  (``crrc.uploads.check_archive``) before any entry is inflated, it must have the workbook's structure, and macros
  are refused;
- whatever the reader raises on a damaged file becomes ``ImportRefused`` (a ``ValueError``) with a French message
  saying what to do;
- what the portal's exports escaped (``crrc.exports``) is read back as typed.

``settings.IMPORT_FORMATS`` is ``SAFE_IMPORT_FORMATS``, so every admin using ``ImportMixin`` without its own
``import_formats`` gets them; an admin that sets its own formats must derive them from ``BoundedImportFormat``
(the system check ``crrc.E003`` refuses any other), and ``CrrcConfig.ready()`` makes every import page show the
French message of the refusal next to the file field.
"""

from __future__ import annotations

import csv
import io
import zipfile

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from .exports import unescape_dataset
from .uploads import ArchiveBounds, check_archive

ADMIN_IMPORT_MAX_BYTES = 5 * 1024 * 1024
ADMIN_IMPORT_MAX_ROWS = 10_000
ADMIN_IMPORT_ARCHIVE_BOUNDS = ArchiveBounds(max_entries=200, max_entry_bytes=40 * 2**20, max_total_bytes=50 * 2**20)

# Where each spreadsheet keeps its workbook: an archive without it is not a workbook of that kind.
WORKBOOK_PARTS = {"xlsx": "xl/workbook.xml", "ods": "content.xml"}


class ImportRefused(ValueError):
    """A file an admin import will not read; the message is French and shown next to the file field."""


class BoundedImportFormat:
    """What every admin import format shares: its bounds and its French refusals. Subclasses set the bounds."""

    max_bytes: int = ADMIN_IMPORT_MAX_BYTES
    max_rows: int = ADMIN_IMPORT_MAX_ROWS
    archive_bounds: ArchiveBounds = ADMIN_IMPORT_ARCHIVE_BOUNDS

    def too_large_message(self) -> str:
        return _(
            "Ce fichier dépasse ce que l'import de l'administration accepte (%(mb)d Mo, %(rows)s lignes) : "
            "découpez-le en plusieurs fichiers."
        ) % {"mb": self.max_bytes // 2**20, "rows": f"{self.max_rows:,}".replace(",", " ")}

    def check_size(self, data) -> None:
        if len(data) > self.max_bytes:
            raise ImportRefused(self.too_large_message())

    def check_rows(self, count: int) -> None:
        if count > self.max_rows:
            raise ImportRefused(self.too_large_message())

    def check_spreadsheet_archive(self, data: bytes, kind: str) -> None:
        """Bounded archive (no zip bomb), the workbook's structure, no macro; French messages for damaged files."""
        if not isinstance(data, bytes | bytearray):
            raise ImportRefused(damaged_message(kind))
        try:
            infos = check_archive(bytes(data), self.archive_bounds)
        except ValidationError as exc:
            raise ImportRefused(exc.messages[0]) from exc
        names = {info.filename for info in infos}
        if any(name.lower().endswith("vbaproject.bin") or name.startswith(("Basic/", "Scripts/")) for name in names):
            raise ImportRefused(_("Les classeurs contenant des macros sont refusés : enregistrez-le sans macro."))
        if WORKBOOK_PARTS[kind] not in names:
            raise ImportRefused(
                _("Ce fichier n'est pas un classeur %(kind)s valide : vérifiez le format choisi.")
                % {"kind": kind.upper()}
            )


def damaged_message(kind: str) -> str:
    return _("Le classeur est endommagé ou illisible : enregistrez-le à nouveau au format %(kind)s.") % {
        "kind": kind.upper()
    }


def not_utf8_message() -> str:
    return _(
        "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 » (Excel : Enregistrer sous › CSV "
        "UTF-8) et importez-le à nouveau."
    )


def read_failure_message(error: Exception) -> str:
    """The French message shown next to the file field when an import format could not read the file."""
    if isinstance(error, ImportRefused):
        return str(error)
    if isinstance(error, UnicodeDecodeError):
        return not_utf8_message()
    return _(
        "Le fichier n'a pas pu être lu : vérifiez que le format choisi est bien celui du fichier et qu'il n'est pas "
        "endommagé."
    )


def add_read_failure_to_form(model_admin, form, error: Exception) -> None:
    """``ImportMixin.add_data_read_fail_error_to_form`` for every admin: French, and what to do."""
    form.add_error("import_file", read_failure_message(error))


class SafeImportCSV(BoundedImportFormat, base_formats.CSV):
    """CSV within bounds, UTF-8 (with or without BOM), escaped cells read back."""

    def decode(self, in_stream) -> str:
        self.check_size(in_stream)
        newline = b"\n" if isinstance(in_stream, bytes | bytearray) else "\n"
        self.check_rows(in_stream.count(newline) - 1)
        if not isinstance(in_stream, bytes | bytearray):
            return in_stream.removeprefix("\ufeff")
        try:
            return bytes(in_stream).decode(self.encoding or "utf-8-sig").removeprefix("\ufeff")
        except (UnicodeDecodeError, LookupError) as exc:
            raise ImportRefused(not_utf8_message()) from exc

    def create_dataset(self, in_stream, **kwargs):
        text = self.decode(in_stream)
        try:
            dataset = tablib.import_set(text, format=self.get_title(), **kwargs)
        except (csv.Error, ValueError, TypeError) as exc:
            raise ImportRefused(
                _("Le fichier CSV est illisible : vérifiez le séparateur et enregistrez-le à nouveau en CSV UTF-8.")
            ) from exc
        return unescape_dataset(dataset)


class SafeImportXLSX(BoundedImportFormat, base_formats.XLSX):
    """XLSX read row by row (openpyxl read-only) after the archive checks, stopped past the row limit."""

    def create_dataset(self, in_stream):
        import openpyxl

        self.check_size(in_stream)
        self.check_spreadsheet_archive(in_stream, "xlsx")
        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            try:
                rows = book.active.iter_rows(values_only=True)
                dataset = tablib.Dataset(headers=[("" if v is None else str(v)) for v in next(rows, ())])
                for count, row in enumerate(rows, start=1):
                    self.check_rows(count)
                    if any(value is not None for value in row):
                        dataset.append(row)
            finally:
                book.close()
        except ImportRefused:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, OSError, EOFError) as exc:
            # openpyxl: "File contains no valid workbook part" (OSError), missing parts (KeyError), bad XML…
            raise ImportRefused(damaged_message("xlsx")) from exc
        return unescape_dataset(dataset)


class SafeImportODS(BoundedImportFormat, base_formats.ODS):
    """ODS read as the binary it is (import-export files it under text formats and would decode the zip as UTF-8),
    after the archive checks."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        self.check_size(in_stream)
        self.check_spreadsheet_archive(in_stream, "ods")
        try:
            dataset = tablib.import_set(bytes(in_stream), format=self.get_title(), **kwargs)
        except Exception as exc:  # noqa: BLE001 - odfpy raises many kinds; the message says what to do
            raise ImportRefused(damaged_message("ods")) from exc
        self.check_rows(len(dataset))
        return unescape_dataset(dataset)


SAFE_IMPORT_FORMATS = [SafeImportCSV, SafeImportXLSX, SafeImportODS]


def unbounded_import_formats(model_admin) -> list[str]:
    """The import formats of ``model_admin`` that do not read through this module (for the system check)."""
    return [
        f"{format_class.__module__}.{format_class.__qualname__}"
        for format_class in model_admin.get_import_formats()
        if not issubclass(format_class, BoundedImportFormat)
    ]
