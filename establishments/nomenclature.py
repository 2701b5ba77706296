"""Reference nomenclatures loaded from the shared reference data: geography, ARS/GRADeS, FINESS categories.

Loaders are idempotent (run them again, nothing changes) and never overwrite what CRRC staff edit in the admin
(branding, contact, a customised CRRC name): they only fill those fields while they are empty.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from .models import Department, EstablishmentCategory, Region
from .roles import Sector


def sector_for_aggregate(aggregate_code: str) -> str:
    """Sector of a FINESS category, from its agrégat (``categagretab``).

    The CRRC programmes (CaRE, exercices de crise, MaturiN-SMS) are addressed to two populations, and the agrégat is
    the only FINESS field that tells them apart reliably:

    * ES, établissements de santé: agrégats ``1xxx`` (everything under the *loi hospitalière*: CHU/CH, cliniques,
      psychiatry, SSR, dialysis, HAD…), plus ``2204`` (health establishments outside the *loi hospitalière*) and
      ``2205`` (military hospitals), which run inpatient care like the others even though FINESS files them in 22xx;
    * ESMS, établissements et services sociaux et médico-sociaux: agrégats ``4xxx`` (EHPAD, disability,
      child protection, social housing and care services);
    * OTHER for the rest (laboratories, pharmacies and medical supplies, PMI and health centres, training schools…),
      which the portal lists but no ES/ESMS programme targets.
    """
    code = (aggregate_code or "").strip()
    if code.startswith("1") or code in {"2204", "2205"}:
        return Sector.ES
    if code.startswith("4"):
        return Sector.ESMS
    return Sector.OTHER


def reference_path(*parts: str) -> Path:
    return Path(settings.REFERENCE_DATA_DIR, *parts)


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        return list(csv.DictReader(handle, delimiter=";" if ";" in first else ","))


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


def _upsert(model, lookup: dict, values: dict, fill_only: tuple[str, ...], result: LoadResult):
    """Create or update one row; ``fill_only`` fields are written only while empty (staff may have edited them)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        result.created += 1
        return obj
    changed = False
    for name, value in values.items():
        current = getattr(obj, name)
        if name in fill_only and current:
            continue
        if current != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
        result.updated += 1
    else:
        result.unchanged += 1
    return obj


@transaction.atomic
def load_geo(geo_dir: Path | None = None) -> tuple[LoadResult, LoadResult]:
    """Regions (INSEE COG + overseas) with their ARS and GRADeS, then departments, from ``geo/``."""
    geo_dir = geo_dir or reference_path("geo")
    region_names = {row["REG"]: row["LIBELLE"] for row in _read_rows(geo_dir / "v_region_2024.csv")}
    departments = _read_rows(geo_dir / "departements_regions_finess.csv")
    for row in departments:
        if row["reg"] and row["reg"] not in region_names:
            region_names[row["reg"]] = row["libelle_reg"]
    with (geo_dir / "ars_grades.yaml").open(encoding="utf-8") as handle:
        ars = {entry["reg"]: entry for entry in yaml.safe_load(handle)["regions"]}

    regions_result, departments_result = LoadResult(), LoadResult()
    regions: dict[str, Region] = {}
    for code, name in sorted(region_names.items()):
        entry = ars.get(code, {})
        regions[code] = _upsert(
            Region,
            {"code": code},
            {
                "name": name,
                "ars_name": entry.get("ars") or f"ARS {name}",
                "grades_name": entry.get("grades") or "",
                "crrc_name": f"CRRC {name}",
            },
            fill_only=("ars_name", "grades_name", "crrc_name"),
            result=regions_result,
        )
    for row in departments:
        region = regions.get(row["reg"])
        if region is None:
            departments_result.skipped.append(f"{row['dep']} {row['libelle_dep']} (collectivité sans région ARS)")
            continue
        _upsert(
            Department,
            {"code": row["dep"]},
            {"name": row["libelle_dep"], "region": region},
            fill_only=(),
            result=departments_result,
        )
    return regions_result, departments_result


@transaction.atomic
def load_categories(finess_dir: Path | None = None) -> LoadResult:
    """FINESS categories with their agrégat label (from the agrégats file) and the sector derived from it."""
    finess_dir = finess_dir or reference_path("finess")
    categories = sorted(finess_dir.glob("finess_categories_*.csv"))
    aggregates = sorted(finess_dir.glob("finess_agregats_*.csv"))
    if not categories:
        raise FileNotFoundError(f"Aucun fichier finess_categories_*.csv dans {finess_dir}.")
    aggregate_labels = {}
    if aggregates:
        aggregate_labels = {row["categagretab"]: row["libcategagretab"] for row in _read_rows(aggregates[-1])}
    result = LoadResult()
    existing = {category.code: category for category in EstablishmentCategory.objects.all()}
    to_create, to_update = [], []
    for row in _read_rows(categories[-1]):
        aggregate = row["categagretab"]
        values = {
            "label": row["libcategetab"],
            "aggregate_code": aggregate,
            "aggregate_label": aggregate_labels.get(aggregate) or row.get("libcategagretab", ""),
            "sector": sector_for_aggregate(aggregate),
        }
        category = existing.get(row["categetab"])
        if category is None:
            to_create.append(EstablishmentCategory(code=row["categetab"], **values))
        elif any(getattr(category, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(category, name, value)
            to_update.append(category)
        else:
            result.unchanged += 1
    EstablishmentCategory.objects.bulk_create(to_create)
    EstablishmentCategory.objects.bulk_update(to_update, ["label", "aggregate_code", "aggregate_label", "sector"])
    result.created, result.updated = len(to_create), len(to_update)
    return result
