"""Readers for FINESS establishment files, in both shapes the portal meets.

* The official etalab file ``etalab-cs1100507-stock-*.csv`` as published on data.gouv.fr: no header, a first comment
  line ``finess;etalab;<n>;<date>``, then ``structureet;…`` rows (31 fields, 32 in recent files which end each row
  with an extra ``;``) and ``geolocalisation;…`` rows, which the portal ignores.
* Header-first extracts (``finess_et_*.csv`` in the reference data, or the admin export), whose columns are named
  after the etalab tags (``nofinesset``, ``rs``, ``categetab``…).

The format is decided from the first line only, and a file whose columns do not fit is refused as a whole before
anything is written: a shifted column would otherwise load plausible-looking garbage into the directory.
Both readers yield the same ``FinessRow``, so validation and mapping (``establishments.finess_import``) exist once.
"""

import csv
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# Columns of a ``structureet`` row, in order (etalab_cs1100507_colonnes.csv, section structureet, ranks 1–31).
ETALAB_STRUCTUREET_COLUMNS: tuple[str, ...] = (
    "structureet",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
)
# Recent files end every structureet row with one more (empty) field, ``numuai``.
ETALAB_FIELD_COUNTS = (len(ETALAB_STRUCTUREET_COLUMNS), len(ETALAB_STRUCTUREET_COLUMNS) + 1)

# Header-first extracts: columns without which a row cannot be placed in the directory.
REQUIRED_HEADER_COLUMNS: tuple[str, ...] = ("nofinesset", "nofinessej", "rs", "departement", "categetab")
# Every column the header reader understands (the reference extracts' header, plus etalab names for address parts).
KNOWN_HEADER_COLUMNS: frozenset[str] = frozenset(
    {
        *REQUIRED_HEADER_COLUMNS,
        "adresse",
        "lieuditbp",
        "codepostal",
        "libcommune",
        "region",
        "telephone",
        "libcategetab",
        "categagretab",
        "libcategagretab",
        "siret",
        "codeape",
        "codesph",
        "libsph",
        "dateouv",
        "datemaj",
        "latitude",
        "longitude",
        *ETALAB_STRUCTUREET_COLUMNS[1:],
    }
)

# FINESS department codes that differ from INSEE codes (etalab ``departement`` field),
# as listed in geo/departements_regions_finess.csv.
FINESS_TO_INSEE_DEPARTMENT: dict[str, str] = {
    "9A": "971",
    "9B": "972",
    "9C": "973",
    "9D": "974",
    "9E": "975",
    "9F": "976",
    "9J": "986",
}


class FinessFormat(StrEnum):
    ETALAB = "etalab"
    HEADER = "header"


class FinessFormatError(ValueError):
    """The file as a whole cannot be read as FINESS: nothing from it may be imported."""


@dataclass(slots=True)
class FinessRow:
    """One establishment as read from a file, text only; ``line`` is the physical line number (1-based)."""

    line: int
    finess: str
    finess_ej: str = ""
    name: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    department: str = ""
    region: str = ""
    phone: str = ""
    category_code: str = ""
    category_label: str = ""
    aggregate_code: str = ""
    aggregate_label: str = ""
    siret: str = ""
    legal_status: str = ""
    opened_on: str = ""
    updated_on: str = ""


@dataclass
class FinessFile:
    name: str
    format: FinessFormat
    rows: list[FinessRow]
    # (line, reason) for lines that are present but unreadable (wrong number of fields…).
    unreadable: list[tuple[int, str]]


def decode(data: bytes) -> str:
    """Published files have been UTF-8 and Windows-1252 over the years; accept both."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_format(first_line: str) -> FinessFormat:
    fields = [field.strip().lower() for field in first_line.strip().split(";")]
    if fields[:2] == ["finess", "etalab"] or fields[0] == "structureet":
        return FinessFormat.ETALAB
    if KNOWN_HEADER_COLUMNS & set(_split_header(first_line)):
        return FinessFormat.HEADER  # a header line; missing columns are named by header_problems()
    raise FinessFormatError(
        "Format de fichier FINESS non reconnu : la première ligne doit être soit la ligne de commentaire du "
        "fichier etalab publié sur data.gouv.fr (« finess;etalab;… »), soit une ligne d'en-tête de colonnes "
        f"contenant « nofinesset ». Première ligne lue : « {first_line.strip()[:120]} »."
    )


def sniff_delimiter(header_line: str) -> str:
    """The reference extracts use ``;``; an export from the admin uses ``,``: take the one naming known columns."""

    def known(delimiter: str) -> int:
        return len(KNOWN_HEADER_COLUMNS & {c.strip().strip('"').lower() for c in header_line.split(delimiter)})

    return max((";", ",", "\t"), key=known)


def _split_header(header_line: str) -> list[str]:
    return [column.strip().strip('"').lower() for column in header_line.strip().split(sniff_delimiter(header_line))]


def header_problems(columns: Iterable[str]) -> str | None:
    """Why a header-first file's columns cannot be imported, in French, or None when they can."""
    present = {(column or "").strip().lower() for column in columns}
    missing = [column for column in REQUIRED_HEADER_COLUMNS if column not in present]
    if not missing:
        return None
    return (
        f"Colonnes obligatoires absentes : {', '.join(missing)}. "
        f"Colonnes attendues au minimum : {', '.join(REQUIRED_HEADER_COLUMNS)} "
        "(en-tête des extractions FINESS, voir finess_et_*.csv). "
        f"Colonnes trouvées : {', '.join(sorted(present - {''})) or 'aucune'}. Aucune ligne n'a été importée."
    )


# Columns a FinessRow is built from, in the order ``row_builder`` picks them.
_PICKED_COLUMNS: tuple[str, ...] = (
    "nofinesset",
    "nofinessej",
    "rslongue",
    "rs",
    "adresse",
    "numvoie",
    "compvoie",
    "typvoie",
    "voie",
    "lieuditbp",
    "codepostal",
    "libcommune",
    "ligneacheminement",
    "departement",
    "region",
    "telephone",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "libsph",
    "dateouv",
    "datemaj",
)


def _text(value: object) -> str:
    """A cell of a tablib record (admin import) as text: None is empty, numbers and dates as ``str()`` gives them."""
    return "" if value is None else str(value)


def row_builder(columns: Sequence[str]) -> Callable[[Sequence[str], int], FinessRow]:
    """A function turning one record of strings laid out as ``columns`` into a FinessRow.

    Column positions are resolved once per file, not once per row: this is the hot loop of a national import. Each
    record is picked with one ``itemgetter`` and stripped with ``str.strip`` (both in C, no Python call per field);
    a column the file lacks reads as the empty string appended at the end of the record.
    """
    index = {str(column).strip().lower(): position for position, column in enumerate(columns)}
    missing = len(columns)  # position of the "" appended to each record
    pick = operator.itemgetter(*(index.get(column, missing) for column in _PICKED_COLUMNS))
    has_street_parts = any(column in index for column in ("numvoie", "typvoie", "voie"))

    def build(fields: Sequence[str], line: int) -> FinessRow:
        record = list(fields)
        if len(record) != missing:  # a short record: positions past its end read as ""
            record = record[:missing] + [""] * (missing - len(record))
        record.append("")
        (
            finess,
            finess_ej,
            long_name,
            name,
            address,
            number,
            complement,
            street_type,
            street,
            locality,
            postal_code,
            city,
            routing,
            department,
            region,
            phone,
            category_code,
            category_label,
            aggregate_code,
            aggregate_label,
            siret,
            legal_status,
            opened_on,
            updated_on,
        ) = map(str.strip, pick(record))
        if not address and has_street_parts:
            address = " ".join(part for part in (number, complement, street_type, street) if part)
        if locality:
            address = f"{address}, {locality}" if address else locality
        if not postal_code:
            postal_code, _, city = routing.partition(" ")
        return FinessRow(
            line,
            finess,
            finess_ej,
            long_name or name,
            address,
            postal_code,
            city.strip(),
            department,
            region,
            phone,
            category_code,
            category_label,
            aggregate_code,
            aggregate_label,
            siret,
            legal_status,
            opened_on,
            updated_on,
        )

    return build


def row_from_mapping(values: Mapping[str, object], line: int) -> FinessRow:
    """Build a row from a header-first record (a tablib row in the admin import)."""
    return row_builder(list(values.keys()))([_text(value) for value in values.values()], line)


_build_etalab_row = row_builder(ETALAB_STRUCTUREET_COLUMNS)


def _read_etalab(lines: list[str]) -> tuple[list[FinessRow], list[tuple[int, str]]]:
    rows: list[FinessRow] = []
    unreadable: list[tuple[int, str]] = []
    first_structure_checked = False
    for number, fields in enumerate(csv.reader(lines, delimiter=";"), start=1):
        if not fields or fields[0] != "structureet":
            continue  # comment line, geolocalisation rows and any other section
        if len(fields) not in ETALAB_FIELD_COUNTS:
            reason = (
                f"une ligne structureet doit compter {ETALAB_FIELD_COUNTS[0]} champs "
                f"(ou {ETALAB_FIELD_COUNTS[1]} avec le « ; » final des fichiers récents), {len(fields)} trouvés"
            )
            if not first_structure_checked:
                raise FinessFormatError(
                    f"Colonnes du fichier etalab inattendues à la ligne {number} : {reason}. "
                    "Le fichier ne suit pas la description etalab_cs1100507 ; aucune ligne n'a été importée."
                )
            unreadable.append((number, reason.capitalize() + "."))
            continue
        first_structure_checked = True
        rows.append(_build_etalab_row(fields, number))
    if not first_structure_checked:
        raise FinessFormatError("Le fichier etalab ne contient aucune ligne « structureet » : rien à importer.")
    return rows, unreadable


def _read_header(lines: list[str]) -> tuple[list[FinessRow], list[tuple[int, str]]]:
    reader = csv.reader(lines, delimiter=sniff_delimiter(lines[0]))
    columns = next(reader)
    problem = header_problems(columns)
    if problem:
        raise FinessFormatError(problem)
    build = row_builder(columns)
    expected = len(columns)
    rows: list[FinessRow] = []
    unreadable: list[tuple[int, str]] = []
    for fields in reader:
        if len(fields) != expected:
            if fields:
                unreadable.append(
                    (reader.line_num, f"Nombre de colonnes incorrect ({len(fields)} au lieu de {expected}).")
                )
            continue
        rows.append(build(fields, reader.line_num))
    return rows, unreadable


def parse_text(text: str, name: str = "fichier") -> FinessFile:
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise FinessFormatError(f"Le fichier {name} est vide.")
    file_format = detect_format(lines[0])
    reader = _read_etalab if file_format is FinessFormat.ETALAB else _read_header
    rows, unreadable = reader(lines)
    return FinessFile(name=name, format=file_format, rows=rows, unreadable=unreadable)


def read_file(path: str | Path) -> FinessFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FinessFormatError(f"Impossible de lire {path} : {exc.strerror or exc}.") from exc
    return parse_text(decode(data), name=path.name)


def iter_rows(files: Iterable[FinessFile]) -> Iterator[tuple[FinessFile, FinessRow]]:
    for finess_file in files:
        for row in finess_file.rows:
            yield finess_file, row
