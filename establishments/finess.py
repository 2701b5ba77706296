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
from collections.abc import Iterable, Iterator, Mapping
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


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _join(*parts: str) -> str:
    return " ".join(part for part in (_clean(p) for p in parts) if part)


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


def row_from_mapping(values: Mapping[str, object], line: int) -> FinessRow:
    """Build a row from a header-first record (csv.DictReader row, or a tablib row in the admin import)."""
    data = {str(key).strip().lower(): "" if value is None else str(value).strip() for key, value in values.items()}

    def get(column: str) -> str:
        return data.get(column, "")

    address = get("adresse") or _join(get("numvoie"), get("compvoie"), get("typvoie"), get("voie"))
    postal_code, city = get("codepostal"), get("libcommune")
    if not postal_code and get("ligneacheminement"):
        postal_code, _, city = get("ligneacheminement").partition(" ")
    return FinessRow(
        line=line,
        finess=get("nofinesset"),
        finess_ej=get("nofinessej"),
        name=get("rslongue") or get("rs"),
        address=", ".join(part for part in (address, get("lieuditbp")) if part),
        postal_code=postal_code,
        city=city,
        department=get("departement"),
        region=get("region"),
        phone=get("telephone"),
        category_code=get("categetab"),
        category_label=get("libcategetab"),
        aggregate_code=get("categagretab"),
        aggregate_label=get("libcategagretab"),
        siret=get("siret"),
        legal_status=get("libsph"),
        opened_on=get("dateouv"),
        updated_on=get("datemaj"),
    )


def _etalab_row(fields: list[str], line: int) -> FinessRow:
    values = dict(zip(ETALAB_STRUCTUREET_COLUMNS, fields, strict=False))
    return row_from_mapping(values, line)


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
        rows.append(_etalab_row(fields, number))
    if not first_structure_checked:
        raise FinessFormatError("Le fichier etalab ne contient aucune ligne « structureet » : rien à importer.")
    return rows, unreadable


def _read_header(lines: list[str]) -> tuple[list[FinessRow], list[tuple[int, str]]]:
    delimiter = sniff_delimiter(lines[0])
    reader = csv.DictReader(lines, delimiter=delimiter)
    problem = header_problems(reader.fieldnames or [])
    if problem:
        raise FinessFormatError(problem)
    rows: list[FinessRow] = []
    unreadable: list[tuple[int, str]] = []
    expected = len(reader.fieldnames or [])
    for record in reader:
        line = reader.line_num
        if None in record or any(value is None for value in record.values()):
            unreadable.append((line, f"Nombre de colonnes incorrect (attendu : {expected})."))
            continue
        rows.append(row_from_mapping(record, line))
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
