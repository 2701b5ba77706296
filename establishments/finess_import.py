"""Validation, mapping and bulk upsert of FINESS establishments.

``clean_row`` is the single place where a FINESS row becomes establishment field values (or is rejected with a
French reason); the ``import_finess`` command and the admin import (``establishments.resources``) both call it.

The bulk engine is built for the national file (~95,000 rows) on PostgreSQL: every file is read and validated in
memory first (a malformed file stops everything before the first write), then, in one transaction, a fixed number
of queries per 2,000-row batch: one ``SELECT … WHERE finess IN (…)`` to compare with what is stored, one
``INSERT`` for new rows and one ``INSERT … ON CONFLICT (finess) DO UPDATE`` for changed rows. Rows identical to the
database are not written at all, so a second run writes nothing.

Change history: an establishment *created* by the import gets no history row (the import itself is the
provenance, and writing ~95,000 historical rows would double the cost of a national load); an establishment whose
FINESS data *changed* gets one ``~`` history row with the import as change reason, so the admin's history page
shows what FINESS changed and when. Fields staff own (``is_ose``) are never touched by the import.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from . import bulk
from .finess import FINESS_TO_INSEE_DEPARTMENT, FinessFile, FinessRow
from .models import Department, Establishment, EstablishmentCategory, Organisation
from .nomenclature import sector_for_aggregate
from .validators import normalise_finess, normalised_finess_error, siret_error

BATCH_SIZE = 2000
# From this many new establishments, foreign keys are checked once for the whole load (see bulk.py): a national
# first load, not the daily or regional updates, which keep row-level checks and never lock the table.
LARGE_LOAD = 20_000

# Fields the import owns: compared with the database, written on create and on update.
IMPORTED_FIELDS: tuple[str, ...] = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "siret",
    "legal_status",
    "opened_on",
    "finess_updated_on",
    "sector",
    "region_id",
    "department_id",
    "category_id",
    "organisation_id",
)
UPDATE_FIELDS: tuple[str, ...] = (*(name.removesuffix("_id") for name in IMPORTED_FIELDS), "updated_at")

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%Y/%m/%d")

# FINESS number prefixes of overseas legal entities (geo/departements_regions_finess.csv, finess_prefixe_numero).
OVERSEAS_FINESS_PREFIXES = {"9701": "971", "9702": "972", "9703": "973", "9704": "974", "9805": "976", "9806": "986"}


def _max_lengths() -> dict[str, int]:
    return {
        f.name: f.max_length
        for f in Establishment._meta.concrete_fields
        if getattr(f, "max_length", None) and f.get_internal_type() == "CharField"
    }


MAX_LENGTHS = _max_lengths()


@cache
def _organisation_number(raw: str) -> tuple[str | None, str | None]:
    """The legal entity's normalised FINESS number (None when empty) and why it is invalid (None when valid).

    Legal entities repeat across their establishments (14,000 for 95,000 in the national file): each raw EJ value
    is normalised and checked once per process.
    """
    number = normalise_finess(raw) or None
    return number, normalised_finess_error(number) if number else None


def _finess_in(numbers: Sequence[str]) -> Q:
    """``finess IN (…)`` for thousands of numbers: one array parameter on PostgreSQL instead of one per number."""
    if connection.vendor == "postgresql":
        return Q(finess__in=RawSQL("SELECT unnest(%s::varchar[])", (list(numbers),)))
    return Q(finess__in=numbers)


class RowRejected(ValueError):
    """A row that cannot be imported; the message is the French reason shown to the user."""


def parse_date(value: str) -> datetime.date | None:
    """FINESS dates: ISO in recent files and extracts, day/month/year in older exports. Raises ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) == 10 and value[4] == "-":
        try:
            return datetime.date.fromisoformat(value)  # the common case, much faster than strptime
        except ValueError:
            pass
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value[:10], date_format).date()
        except ValueError:
            continue
    raise ValueError(value)


@dataclass(slots=True)
class CleanRow:
    source: str
    line: int
    finess: str
    values: dict[str, Any]  # establishment field values, except category_id and organisation_id
    category_code: str
    organisation_finess: str | None
    organisation_siren: str
    warnings: list[str] = field(default_factory=list)


def department_code_from_finess(number: str) -> str:
    """INSEE department of a FINESS number (``2A``…, ``9701``→971): used to place a legal entity in its region."""
    if number[:2] in {"97", "98"}:
        return OVERSEAS_FINESS_PREFIXES.get(number[:4], "")
    return number[:2]


class ReferenceData:
    """Departments and categories held in memory for the duration of one import (a few hundred rows)."""

    def __init__(self) -> None:
        self.departments: dict[str, tuple[int, int, str]] = {
            code: (pk, region_id, region_code)
            for pk, code, region_id, region_code in Department.objects.values_list(
                "pk", "code", "region_id", "region__code"
            )
        }
        self.categories: dict[str, tuple[int, str]] = {
            code: (pk, sector) for pk, code, sector in EstablishmentCategory.objects.values_list("pk", "code", "sector")
        }
        # Categories met in the file but not yet in the database: created by ensure_categories().
        self.pending_categories: dict[str, EstablishmentCategory] = {}
        # The department of each raw code met so far: a hundred codes for 95,000 rows.
        self._departments_by_raw_code: dict[str, tuple[int, int, str] | None] = {}

    def department(self, code: str) -> tuple[int, int, str] | None:
        try:
            return self._departments_by_raw_code[code]
        except KeyError:
            pass
        clean = (code or "").strip().upper()
        department = self._departments_by_raw_code[code] = self.departments.get(
            FINESS_TO_INSEE_DEPARTMENT.get(clean, clean)
        )
        return department

    def category_sector(self, code: str) -> str | None:
        if code in self.categories:
            return self.categories[code][1]
        if code in self.pending_categories:
            return self.pending_categories[code].sector
        return None

    def ensure_categories(self) -> int:
        """Create the categories met in the file that the nomenclature did not have."""
        created = list(self.pending_categories.values())
        if created:
            EstablishmentCategory.objects.bulk_create(created, ignore_conflicts=True)
            for pk, code, sector in EstablishmentCategory.objects.filter(
                code__in=list(self.pending_categories)
            ).values_list("pk", "code", "sector"):
                self.categories[code] = (pk, sector)
            self.pending_categories.clear()
        return len(created)

    def new_organisation(self, number: str, siren: str) -> dict[str, Any]:
        """The row of a legal entity first named by an establishment (named after its EJ number, staff may rename it;
        its region from its own number)."""
        department = self.department(department_code_from_finess(number))
        return {
            "finess": number,
            "name": f"Organisme gestionnaire FINESS {number}",
            "siren": siren,
            "region_id": department[1] if department else None,
        }

    def ensure_organisations(self, rows: Iterable[CleanRow]) -> dict[str, int]:
        """Upsert the legal entities (FINESS EJ) of ``rows``; return their ids by FINESS number.

        The etalab establishment file carries only the EJ number, so a new organisation is named after it (staff
        may rename it); its SIREN comes from the first establishment's SIRET and its region from its own number.
        """
        wanted: dict[str, str] = {}  # FINESS EJ -> SIREN ("" until an establishment gives one)
        for row in rows:
            if row.organisation_finess and not wanted.get(row.organisation_finess):
                wanted[row.organisation_finess] = row.organisation_siren
        ids: dict[str, int] = {}
        fill_siren: list[Organisation] = []
        numbers = list(wanted)
        # A first load into an empty directory (the table is locked by the caller's transaction only for a large
        # load, so this is a shortcut, not a guarantee): nothing to look up, and every id read back in one query.
        first_load = not Organisation.objects.exists()
        for chunk in () if first_load else _chunks(numbers, BATCH_SIZE * 5):
            for pk, number, siren in Organisation.objects.filter(_finess_in(chunk)).values_list(
                "pk", "finess", "siren"
            ):
                ids[number] = pk
                if not siren and wanted[number]:
                    fill_siren.append(Organisation(pk=pk, siren=wanted[number]))
        missing = [number for number in numbers if number not in ids]
        new = []
        for number in missing:
            new.append(self.new_organisation(number, wanted[number]))
        bulk.upsert(Organisation, new, conflict_field="finess", all_new=True)
        if first_load:
            ids.update(Organisation.objects.values_list("finess", "pk"))
        for chunk in () if first_load else _chunks(missing, BATCH_SIZE * 5):
            ids.update(Organisation.objects.filter(_finess_in(chunk)).values_list("finess", "pk"))
        Organisation.objects.bulk_update(fill_siren, ["siren"], batch_size=BATCH_SIZE)
        return ids


# Text fields of the imported values, with their column width (FINESS labels are short, but never trust a file).
TRUNCATED_FIELDS = tuple(
    (name, limit)
    for name, limit in MAX_LENGTHS.items()
    if name in {"name", "address", "postal_code", "city", "phone", "legal_status"}
)


def clean_row(row: FinessRow, refs: ReferenceData, source: str = "") -> CleanRow:
    """Validate one FINESS row and map it to establishment values; raise RowRejected with the reason in French.

    The hot loop of a national import (95,000 calls): each number is normalised and checked once, the legal entity's
    number once per process (``_organisation_number``), the department once per code (``ReferenceData.department``).
    """
    number = normalise_finess(row.finess)
    if not number:
        raise RowRejected("numéro FINESS géographique (nofinesset) manquant.")
    error = normalised_finess_error(number)
    if error:
        raise RowRejected(f"numéro FINESS {row.finess} refusé : {error}")
    if not row.name:
        raise RowRejected(f"{number} : raison sociale (rs) manquante.")
    department = refs.department(row.department)
    if department is None:
        raise RowRejected(
            f"{number} : département « {row.department or '(vide)'} » inconnu du portail "
            "(géographie chargée avec « manage.py load_geo » ?)."
        )
    department_id, region_id, region_code = department
    warnings: list[str] = []
    if row.region and row.region != region_code:
        warnings.append(
            f"{number} : région {row.region} du fichier différente de celle du département ({region_code}) ; "
            "la région du département est retenue."
        )

    category_code = row.category_code.strip()
    if not category_code:
        raise RowRejected(f"{number} : catégorie d'établissement (categetab) manquante.")
    sector = refs.category_sector(category_code)
    if sector is None:
        if not row.aggregate_code:
            raise RowRejected(
                f"{number} : catégorie {category_code} inconnue de la nomenclature et sans agrégat (categagretab) "
                "pour en déduire le secteur."
            )
        sector = sector_for_aggregate(row.aggregate_code)
        refs.pending_categories[category_code] = EstablishmentCategory(
            code=category_code,
            label=row.category_label or category_code,
            aggregate_code=row.aggregate_code,
            aggregate_label=row.aggregate_label,
            sector=sector,
        )

    organisation_finess, ej_error = _organisation_number(row.finess_ej)
    if ej_error:
        warnings.append(f"{number} : FINESS juridique {row.finess_ej} ignoré ({ej_error})")
        organisation_finess = None

    siret = row.siret.replace(" ", "")
    siren = ""
    if siret:
        problem = siret_error(siret)
        if problem:
            warnings.append(f"{number} : SIRET {siret} douteux ({problem}) ; conservé tel quel.")
            if len(siret) > MAX_LENGTHS["siret"]:
                siret = ""
        else:
            siren = siret[:9]

    try:
        opened_on = parse_date(row.opened_on)
    except ValueError:
        warnings.append(f"{number} : date d'ouverture « {row.opened_on} » illisible, ignorée.")
        opened_on = None
    try:
        finess_updated_on = parse_date(row.updated_on)
    except ValueError:
        warnings.append(f"{number} : date de mise à jour « {row.updated_on} » illisible, ignorée.")
        finess_updated_on = None

    values = {
        "name": row.name,
        "address": row.address,
        "postal_code": row.postal_code,
        "city": row.city,
        "phone": row.phone.replace(" ", ""),
        "siret": siret,
        "legal_status": row.legal_status,
        "opened_on": opened_on,
        "finess_updated_on": finess_updated_on,
        "sector": sector,
        "region_id": region_id,
        "department_id": department_id,
    }
    for name, limit in TRUNCATED_FIELDS:  # FINESS labels are short, but never trust a file
        if len(values[name]) > limit:
            values[name] = values[name][:limit]
    return CleanRow(source, row.line, number, values, category_code, organisation_finess, siren, warnings)


def establishment_values(row: CleanRow, refs: ReferenceData, organisation_ids: dict[str, int]) -> dict[str, Any]:
    """All imported field values of a cleaned row, once its category and organisation exist."""
    return {
        **row.values,
        "category_id": refs.categories[row.category_code][0],
        "organisation_id": organisation_ids.get(row.organisation_finess) if row.organisation_finess else None,
    }


@dataclass
class Problem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.source}, ligne {self.line}" if self.source else f"ligne {self.line}"
        return f"{where} : {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    categories_created: int = 0
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, rejected {len(self.rejected)}"


def _chunks[T](items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def validate_files(files: Sequence[FinessFile], refs: ReferenceData, report: ImportReport) -> list[CleanRow]:
    """Clean every row; within a file a repeated FINESS number is rejected, across files the last one wins."""
    kept: dict[str, CleanRow] = {}
    for finess_file in files:
        for line, reason in finess_file.unreadable:
            report.rejected.append(Problem(finess_file.name, line, reason))
        for row in finess_file.rows:
            try:
                clean = clean_row(row, refs, source=finess_file.name)
            except RowRejected as exc:
                report.rejected.append(Problem(finess_file.name, row.line, str(exc)))
                continue
            previous = kept.get(clean.finess)
            if previous is not None and previous.source == finess_file.name:
                report.rejected.append(_repeated(finess_file.name, row.line, clean.finess, previous.line))
                continue
            if clean.warnings:
                report.warnings.extend(Problem(finess_file.name, row.line, warning) for warning in clean.warnings)
            kept[clean.finess] = clean
    return list(kept.values())


def _repeated(source: str, line: int, number: str, first_line: int) -> Problem:
    """A FINESS number a file gives twice: the later line is ignored."""
    return Problem(source, line, f"{number} : numéro FINESS déjà présent ligne {first_line} ; ligne ignorée.")


def import_files(files: Sequence[FinessFile], change_reason: str = "Import FINESS", user=None) -> ImportReport:
    """Upsert the establishments of already-read FINESS files, atomically."""
    if _can_stream(files):
        with transaction.atomic():
            if not Establishment.objects.exists():
                return _streamed_first_load(files[0])
    report = ImportReport()
    refs = ReferenceData()
    rows = validate_files(files, refs, report)
    with transaction.atomic():
        report.categories_created = refs.ensure_categories()
        organisation_ids = refs.ensure_organisations(rows)
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        if Establishment.objects.exists():
            for batch in _chunks(rows, BATCH_SIZE * 5):
                _compare_batch(batch, refs, organisation_ids, report, new, changed)
        else:  # a first load: nothing stored to compare with
            for row in rows:
                values = establishment_values(row, refs, organisation_ids)
                values["finess"] = row.finess
                new.append(values)
        now = timezone.now()
        for values in (*new, *changed):
            values["updated_at"] = now
        large = len(new) >= LARGE_LOAD
        with (
            bulk.foreign_keys_checked_once(Establishment, enabled=large),
            bulk.indexes_built_once(Establishment, enabled=large),
        ):
            bulk.upsert(Establishment, new, conflict_field="finess", update_fields=UPDATE_FIELDS, all_new=True)
        bulk.upsert(Establishment, changed, conflict_field="finess", update_fields=UPDATE_FIELDS)
        _record_history(changed, change_reason, user)
        report.created, report.updated = len(new), len(changed)
    return report


def _compare_batch(
    batch: Sequence[CleanRow],
    refs: ReferenceData,
    organisation_ids: dict[str, int],
    report: ImportReport,
    new: list[dict[str, Any]],
    changed: list[dict[str, Any]],
) -> None:
    """Sort a batch into new, changed and unchanged establishments with one query."""
    stored = {
        values["finess"]: values
        for values in Establishment.objects.filter(_finess_in([row.finess for row in batch])).values(
            "pk", "finess", *IMPORTED_FIELDS
        )
    }
    for row in batch:
        values = establishment_values(row, refs, organisation_ids)
        values["finess"] = row.finess
        current = stored.get(row.finess)
        if current is None:
            new.append(values)
        elif any(current[name] != values[name] for name in IMPORTED_FIELDS):
            values["id"] = current["pk"]
            changed.append(values)
        else:
            report.unchanged += 1


def _record_history(changed: list[dict[str, Any]], change_reason: str, user) -> None:
    """One ``~`` history row per establishment whose FINESS data changed, read back after the write."""
    if not changed:
        return
    ids = [values["id"] for values in changed]
    for chunk in _chunks(ids, BATCH_SIZE * 5):
        Establishment.history.bulk_history_create(
            list(Establishment.objects.filter(pk__in=chunk)),
            batch_size=BATCH_SIZE,
            update=True,
            default_change_reason=change_reason,
            default_user=user,
        )


def _can_stream(files: Sequence[FinessFile]) -> bool:
    """A national first load: one large file on PostgreSQL whose categories all exist (checked again by the caller:
    the directory must be empty). Anything else goes through the general path, which validates everything first."""
    if connection.vendor != "postgresql" or len(files) != 1 or len(files[0].rows) < LARGE_LOAD:
        return False
    known = set(EstablishmentCategory.objects.values_list("code", flat=True))
    return {row.category_code.strip() for row in files[0].rows} - {""} <= known  # no code: rejected by clean_row


def _streamed_first_load(finess_file: FinessFile) -> ImportReport:
    """``import_files`` of one large file into an empty directory, rows streamed to PostgreSQL as they are cleaned.

    Why: the general path cleans all 95,000 rows, then sends them; here each chunk of cleaned rows goes into one open
    ``COPY`` while the next chunk is cleaned, so PostgreSQL's share of the load runs on the other core at the same
    time. Same rules, messages and results as the general path (``validate_files``, ``ensure_organisations``,
    ``import_files``; ``tests/establishments/test_finess_streamed_load.py`` compares both on the reference extracts
    and on damaged rows): every row goes through ``clean_row``, a repeated number is rejected, the legal entities
    are created in the order the kept rows name them with the SIREN of the first one that gives it. Nothing may be
    queried while the COPY is open, so what the general path asks on the way is asked before: the categories
    (the caller streams only when the file names no unknown category) and the legal entities' ids, taken from
    their sequence up front, one per distinct valid EJ number (those no kept row ends up naming leave a gap in the
    sequence, as a rolled-back insert does). Must run inside ``transaction.atomic``, directory empty.
    """
    report = ImportReport()
    refs = ReferenceData()
    source = finess_file.name
    rows = finess_file.rows
    for line, reason in finess_file.unreadable:
        report.rejected.append(Problem(source, line, reason))

    stored = {number: (pk, siren) for number, pk, siren in Organisation.objects.filter(
        finess__isnull=False).values_list("finess", "pk", "siren")}  # fmt: skip
    candidates = {number for number, error in map(_organisation_number, {row.finess_ej for row in rows}) if not error}
    new_ids = iter(bulk.next_ids(Organisation, len(candidates - stored.keys() - {None})))
    organisation_ids = {number: pk for number, (pk, _siren) in stored.items()}
    wanted: dict[str, str] = {}  # EJ number -> SIREN, in the order kept rows name them
    categories = refs.categories
    lines: dict[str, int] = {}
    now = timezone.now()
    with (
        bulk.foreign_keys_checked_once(Establishment),
        # Indexes kept during the COPY cost PostgreSQL ~50 % more CPU than building them after (measured from the
        # backend's own CPU time: 1.22 s against 0.78 s for the national file), even with the work overlapped.
        bulk.indexes_built_once(Establishment),
    ):
        with bulk.copy_stream(Establishment) as send:
            chunk: list[dict[str, Any]] = []
            for row in rows:
                try:
                    clean = clean_row(row, refs, source=source)
                except RowRejected as exc:
                    report.rejected.append(Problem(source, row.line, str(exc)))
                    continue
                number = clean.finess
                previous = lines.get(number)
                if previous is not None:
                    report.rejected.append(_repeated(source, row.line, number, previous))
                    continue
                lines[number] = row.line
                if clean.warnings:
                    report.warnings.extend(Problem(source, row.line, warning) for warning in clean.warnings)
                organisation = clean.organisation_finess
                if organisation:
                    if organisation not in organisation_ids:
                        organisation_ids[organisation] = next(new_ids)
                    if not wanted.get(organisation):
                        wanted[organisation] = clean.organisation_siren
                chunk.append(
                    {
                        **clean.values,
                        "category_id": categories[clean.category_code][0],
                        "organisation_id": organisation_ids[organisation] if organisation else None,
                        "finess": number,
                        "updated_at": now,
                    }
                )
                if len(chunk) == bulk.COPY_CHUNK:
                    send(chunk)
                    report.created += len(chunk)
                    chunk = []
            send(chunk)
            report.created += len(chunk)
        _insert_organisations(wanted, organisation_ids, stored, refs)
    return report


def _insert_organisations(
    wanted: dict[str, str], ids: dict[str, int], stored: dict[str, tuple[int, str]], refs: ReferenceData
) -> None:
    """The legal entities of a streamed load, as ``ReferenceData.ensure_organisations`` writes them."""
    new = []
    fill_siren = []
    for number, siren in wanted.items():
        if number in stored:
            if not stored[number][1] and siren:
                fill_siren.append(Organisation(pk=stored[number][0], siren=siren))
            continue
        new.append({"id": ids[number], **refs.new_organisation(number, siren)})
    if new:
        with bulk.copy_stream(Organisation, with_pk=True) as send:
            send(new)
    Organisation.objects.bulk_update(fill_siren, ["siren"], batch_size=BATCH_SIZE)
