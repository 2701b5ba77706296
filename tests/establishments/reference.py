"""Helpers reading the shared reference data (real FINESS extracts) for the establishments tests."""

import csv
import io
from functools import cache
from pathlib import Path

from django.conf import settings


def finess_dir() -> Path:
    return Path(settings.REFERENCE_DATA_DIR) / "finess"


def geo_dir() -> Path:
    return Path(settings.REFERENCE_DATA_DIR) / "geo"


OCCITANIE = "finess_et_20210108_occitanie.csv"
ILE_DE_FRANCE = "finess_et_20210108_ile-de-france.csv"
NATIONAL_SAMPLE = "finess_et_20210108_echantillon_national.csv"


@cache
def read_rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle, delimiter=";"))


def finess_rows(name: str) -> tuple[dict[str, str], ...]:
    return read_rows(finess_dir() / name)


def header_line(name: str = OCCITANIE) -> str:
    with (finess_dir() / name).open(encoding="utf-8") as handle:
        return handle.readline().rstrip("\n")


def as_header_csv(rows, columns=None, delimiter: str = ";") -> str:
    """Rebuild a header-first FINESS file (the extracts' layout) from row dicts."""
    columns = columns or list(rows[0].keys())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return buffer.getvalue()


INSEE_TO_FINESS_DEPARTMENT = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "976": "9F"}


def etalab_line(row: dict[str, str], *, trailing: bool = True, french_dates: bool = False) -> str:
    """One ``structureet`` line of the official etalab file, rebuilt from a header-extract row."""

    def date(value: str) -> str:
        if french_dates and value:
            year, month, day = value.split("-")
            return f"{day}/{month}/{year}"
        return value

    fields = [
        "structureet",
        row["nofinesset"],
        row["nofinessej"],
        row["rs"],
        "",  # rslongue
        "",  # complrs
        "",  # compldistrib
        "",  # numvoie
        "",  # typvoie
        row["adresse"],  # voie
        "",  # compvoie
        row["lieuditbp"],
        "000",  # commune
        INSEE_TO_FINESS_DEPARTMENT.get(row["departement"], row["departement"]),
        "",  # libdepartement
        f"{row['codepostal']} {row['libcommune']}",
        row["telephone"],
        "",  # telecopie
        row["categetab"],
        row["libcategetab"],
        row["categagretab"],
        row["libcategagretab"],
        row["siret"],
        row["codeape"],
        "",  # codemft
        "",  # libmft
        row["codesph"],
        row["libsph"],
        date(row["dateouv"]),
        "",  # dateautor
        date(row["datemaj"]),
    ]
    return ";".join(fields) + (";" if trailing else "")


def etalab_file(rows, *, trailing: bool = True, french_dates: bool = False) -> str:
    lines = ["finess;etalab;111;2026-05-12"]
    for row in rows:
        lines.append(etalab_line(row, trailing=trailing, french_dates=french_dates))
        lines.append(
            f"geolocalisation;{row['nofinesset']};574000.1;6275000.2;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2;2020-01-01"
        )
    return "\n".join(lines) + "\n"
