"""django-import-export resource for establishments: the admin's two-step FINESS import (preview, then confirm).

It accepts the header-first FINESS format (``nofinesset;nofinessej;rs;…``, the reference extracts, and what the
admin export produces) and hands every row to ``establishments.finess_import.clean_row``, the same validation and
mapping as ``manage.py import_finess``: no rule is written twice. A rejected row is shown as an invalid row in the
preview, with the reason; a file without the required columns is refused before any row is read.
"""

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources

from crrc.importing import BoundedImportFormat, SafeImportCSV, SafeImportODS, SafeImportXLSX

from .finess import (
    FinessFormat,
    FinessFormatError,
    detect_format,
    header_problems,
    parse_text,
    row_from_mapping,
    sniff_delimiter,
)
from .finess_import import CleanRow, ReferenceData, RowRejected, clean_row, establishment_values
from .models import Establishment, Region

# Header-extract columns filled from an official etalab file's rows, so that the admin accepts both formats.
ETALAB_AS_HEADER = {
    "nofinesset": "finess",
    "nofinessej": "finess_ej",
    "rs": "name",
    "adresse": "address",
    "codepostal": "postal_code",
    "libcommune": "city",
    "departement": "department",
    "telephone": "phone",
    "categetab": "category_code",
    "libcategetab": "category_label",
    "categagretab": "aggregate_code",
    "libcategagretab": "aggregate_label",
    "siret": "siret",
    "libsph": "legal_status",
    "dateouv": "opened_on",
    "datemaj": "updated_on",
}


# The admin import is for a department's rows or a batch of corrections: it validates every row and previews them
# in one request. A regional or national extract (9,000 to 95,000 rows) goes through ``manage.py import_finess``,
# which streams the file in batches (issue 9: a 30 MB CSV held a worker for 10 minutes and 5 GB).
ADMIN_IMPORT_MAX_BYTES = 3 * 1024 * 1024
ADMIN_IMPORT_MAX_ROWS = 5_000


def too_large_message() -> str:
    return _(
        "Ce fichier dépasse ce que l'import de l'administration accepte (%(mb)d Mo, %(rows)s lignes) : importez les "
        "extractions régionales ou nationales avec la commande « manage.py import_finess » (demandez-le à "
        "l'exploitant du portail), ou découpez le fichier par département."
    ) % {"mb": ADMIN_IMPORT_MAX_BYTES // 2**20, "rows": f"{ADMIN_IMPORT_MAX_ROWS:,}".replace(",", " ")}


class FinessBounds(BoundedImportFormat):
    """The FINESS import's own bounds (the archive checks, macros and damaged files are ``crrc.importing``'s)."""

    max_bytes = ADMIN_IMPORT_MAX_BYTES
    max_rows = ADMIN_IMPORT_MAX_ROWS

    def too_large_message(self) -> str:
        return too_large_message()


class FinessXLSX(FinessBounds, SafeImportXLSX):
    """XLSX read row by row (openpyxl read-only) and stopped past the row limit, after the archive checks."""


class FinessODS(FinessBounds, SafeImportODS):
    """ODS read as a binary after the archive checks (``crrc.importing``), within the FINESS bounds."""


class FinessCSV(FinessBounds, SafeImportCSV):
    """CSV read like ``import_finess`` reads it: the separator comes from the header (``;`` for FINESS extracts,
    ``,`` for the admin's own export), and an official etalab file is turned into the header layout."""

    def create_dataset(self, in_stream, **kwargs):
        # Bounded (a FINESS extract is at most a few lines per establishment) and decoded before parsing.
        text = self.decode(in_stream)
        first_line = text.split("\n", 1)[0]
        try:
            is_etalab = detect_format(first_line) is FinessFormat.ETALAB
        except FinessFormatError:
            is_etalab = False
        if is_etalab:
            finess_file = parse_text(text)  # a malformed etalab file raises here, before any row is imported
            dataset = tablib.Dataset(headers=list(ETALAB_AS_HEADER))
            for row in finess_file.rows:
                dataset.append([getattr(row, attribute) for attribute in ETALAB_AS_HEADER.values()])
            return dataset
        kwargs.setdefault("delimiter", sniff_delimiter(first_line))
        return super().create_dataset(text, **kwargs)


def _column(attribute: str, column_name: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column_name, readonly=False)


class EstablishmentResource(resources.ModelResource):
    finess = _column("finess", "nofinesset")
    finess_ej = _column("organisation__finess", "nofinessej")
    name = _column("name", "rs")
    address = _column("address", "adresse")
    postal_code = _column("postal_code", "codepostal")
    city = _column("city", "libcommune")
    department = _column("department__code", "departement")
    region = _column("region__code", "region")
    phone = _column("phone", "telephone")
    category = _column("category__code", "categetab")
    category_label = _column("category__label", "libcategetab")
    aggregate = _column("category__aggregate_code", "categagretab")
    aggregate_label = _column("category__aggregate_label", "libcategagretab")
    siret = _column("siret", "siret")
    legal_status = _column("legal_status", "libsph")
    opened_on = _column("opened_on", "dateouv")
    finess_updated_on = _column("finess_updated_on", "datemaj")
    sector = fields.Field(attribute="sector", column_name="secteur", readonly=True)
    is_ose = fields.Field(attribute="is_ose", column_name="ose", readonly=True)

    class Meta:
        model = Establishment
        import_id_fields = ("finess",)
        fields = (
            "finess",
            "finess_ej",
            "name",
            "address",
            "postal_code",
            "city",
            "department",
            "region",
            "phone",
            "category",
            "category_label",
            "aggregate",
            "aggregate_label",
            "siret",
            "legal_status",
            "opened_on",
            "finess_updated_on",
            "sector",
            "is_ose",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False
        use_transactions = True

    def __init__(self, allowed_region_ids: set[int] | None = None, **kwargs) -> None:
        """``allowed_region_ids``: regions a CRRC staff member may write to (None: all, for superusers)."""
        super().__init__(**kwargs)
        self.allowed_region_ids = allowed_region_ids
        self._cleaned: dict[int, CleanRow | str] = {}
        self._organisation_ids: dict[str, int] = {}
        self._refs: ReferenceData | None = None

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "department", "region", "category")

    def before_import(self, dataset, **kwargs) -> None:
        """Refuse a file without the FINESS columns, then validate every row and create what they refer to."""
        problem = header_problems(dataset.headers or [])
        if problem:
            dataset.wipe()  # no row of a malformed file is even looked at
            raise ValueError(problem)
        self._refs = ReferenceData()
        seen: dict[str, int] = {}
        for number, values in enumerate(dataset.dict, start=1):
            line = number + 1  # the header is line 1
            try:
                cleaned = clean_row(row_from_mapping(values, line), self._refs)
            except RowRejected as exc:
                self._cleaned[number] = str(exc)
                continue
            if self.allowed_region_ids is not None and cleaned.values["region_id"] not in self.allowed_region_ids:
                self._cleaned[number] = (
                    f"{cleaned.finess} : établissement hors de votre région (département {values.get('departement')})."
                )
                continue
            if cleaned.finess in seen:
                self._cleaned[number] = f"{cleaned.finess} : numéro FINESS déjà présent ligne {seen[cleaned.finess]}."
                continue
            seen[cleaned.finess] = line
            self._cleaned[number] = cleaned
        self._refuse_region_changes()
        valid = [row for row in self._cleaned.values() if isinstance(row, CleanRow)]
        self._refs.ensure_categories()
        self._organisation_ids = self._refs.ensure_organisations(valid)

    def _refuse_region_changes(self) -> None:
        """An existing establishment is looked up by FINESS across all regions: a row may update it only when it
        is in the importer's regions, and never move it to another region (issue 9: an officer renamed another
        region's establishment and moved it into theirs). Moves between regions go through ``import_finess``."""
        rows = {cleaned.finess: number for number, cleaned in self._cleaned.items() if isinstance(cleaned, CleanRow)}
        existing = Establishment.objects.filter(finess__in=list(rows)).values_list(
            "finess", "region_id", "region__name"
        )
        names = dict(Region.objects.values_list("pk", "name"))
        for finess, region_id, region_name in existing:
            number = rows[finess]
            target = self._cleaned[number].values["region_id"]
            if self.allowed_region_ids is not None and region_id not in self.allowed_region_ids:
                self._cleaned[number] = (
                    f"{finess} : cet établissement appartient à la région {region_name}, que vous ne gérez pas ; "
                    "la ligne est refusée."
                )
            elif target != region_id:
                self._cleaned[number] = (
                    f"{finess} : cette ligne déplacerait l'établissement de la région {region_name} vers la région "
                    f"{names.get(target, target)} ; un changement de région passe par l'import national "
                    "(commande import_finess), pas par l'administration."
                )

    def import_instance(self, instance, row, **kwargs) -> None:
        cleaned = self._cleaned.get(kwargs.get("row_number", 0))
        if cleaned is None:
            raise ValidationError({"finess": "Ligne non lue."})
        if isinstance(cleaned, str):
            raise ValidationError({"finess": cleaned})
        instance.finess = cleaned.finess
        for name, value in establishment_values(cleaned, self._refs, self._organisation_ids).items():
            setattr(instance, name, value)
