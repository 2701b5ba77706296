"""Exports of a call's applications that follow the filters and the columns on screen, and the documents zip.

Tables (XLSX, ODS) are built with tablib; CSV is streamed row by row. The zip is streamed too: each file is copied
in chunks into a zip written to an unseekable sink, so memory stays flat whatever the number of documents.
"""

import csv
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import PurePosixPath

import tablib
from django.db.models import QuerySet
from django.utils import timezone

from crrc.exports import safe_cell

from ..models import Application, Attachment
from .selectors import Column

CHUNK = 64 * 1024
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv; charset=utf-8",
}


def _cell(value):
    # An answer typed by an applicant must not run as a formula in the reviewer's spreadsheet. Everything but
    # numbers is written as text, as the columns format it.
    if value is None or isinstance(value, int | float | Decimal):
        return safe_cell(value)
    return safe_cell(str(value))


def rows(applications: QuerySet[Application], columns: list[Column]) -> Iterator[list]:
    # iterator(chunk_size) keeps the prefetches per chunk: memory stays bounded on large calls.
    for application in applications.iterator(chunk_size=500):
        yield [_cell(column.value(application)) for column in columns]


def table(applications: QuerySet[Application], columns: list[Column], fmt: str) -> bytes:
    dataset = tablib.Dataset(headers=[str(c.label) for c in columns], title="Candidatures")
    for row in rows(applications, columns):
        dataset.append(row)
    return dataset.export(fmt)


class _Echo:
    def write(self, value):
        return value


def csv_stream(applications: QuerySet[Application], columns: list[Column]) -> Iterator[str]:
    """Semicolon-separated with a BOM: what a French spreadsheet opens without an import dialog."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([str(c.label) for c in columns])
    for row in rows(applications, columns):
        yield writer.writerow(row)


def export_filename(call, fmt: str) -> str:
    return f"candidatures-{call.slug}-{timezone.localdate():%Y%m%d}.{fmt}"


# ---- documents zip -----------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_part(text: str, limit: int = 80) -> str:
    cleaned = _UNSAFE.sub("-", text).strip(" .-") or "sans-nom"
    return cleaned[:limit].rstrip(" .-")


def archive_name(attachment: Attachment) -> str:
    """``<Établissement> - <FINESS>/<Pièce> - <nom d'origine>``: readable, and never a path outside the folder."""
    establishment = attachment.application.establishment
    folder = safe_part(f"{establishment.name} - {establishment.finess}")
    original = PurePosixPath(attachment.original_name.replace("\\", "/")).name
    return f"{folder}/{safe_part(attachment.document.label)} - {safe_part(original, 100)}"


class _Sink:
    """A write-only, unseekable file: zipfile then writes data descriptors and never seeks back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def current_attachments(applications: QuerySet[Application]) -> QuerySet[Attachment]:
    return (
        Attachment.objects.filter(application__in=applications.values("pk"), is_current=True)
        .select_related("application__establishment", "application__call", "document")
        .order_by("application__establishment__name", "application_id", "document__order", "pk")
    )


def zip_stream(attachments: Iterable[Attachment]) -> Iterator[bytes]:
    sink = _Sink()
    used: set[str] = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for attachment in attachments:
            name = archive_name(attachment)
            stem, dot, ext = name.rpartition(".")
            candidate, n = name, 2
            while candidate in used:
                candidate = f"{stem} ({n}){dot}{ext}" if dot else f"{name} ({n})"
                n += 1
            used.add(candidate)
            info = zipfile.ZipInfo(candidate, date_time=timezone.localtime(attachment.uploaded_at).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with attachment.file.open("rb") as source, archive.open(info, mode="w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
