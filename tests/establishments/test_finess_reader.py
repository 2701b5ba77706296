"""Reading FINESS files: format detection, the official etalab layout, header extracts, malformed files."""

import csv

import pytest

from establishments.finess import (
    ETALAB_STRUCTUREET_COLUMNS,
    FINESS_TO_INSEE_DEPARTMENT,
    FinessFormat,
    FinessFormatError,
    parse_text,
    read_file,
)
from establishments.finess_import import parse_date

from .reference import OCCITANIE, as_header_csv, etalab_file, finess_dir, finess_rows, geo_dir


def test_etalab_columns_follow_the_official_specification():
    with (finess_dir() / "etalab_cs1100507_colonnes.csv").open(encoding="utf-8") as handle:
        spec = [row["balise"] for row in csv.DictReader(handle, delimiter=";") if row["section"] == "structureet"]
    assert tuple(spec) == ETALAB_STRUCTUREET_COLUMNS


def test_overseas_finess_department_codes_match_the_geo_reference():
    with (geo_dir() / "departements_regions_finess.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    expected = {row["finess_departement"]: row["dep"] for row in rows if row["finess_departement"] != row["dep"]}
    assert expected == FINESS_TO_INSEE_DEPARTMENT


def test_header_extract_is_read_in_full():
    finess_file = read_file(finess_dir() / OCCITANIE)
    assert finess_file.format is FinessFormat.HEADER
    assert len(finess_file.rows) == 9013
    first = finess_file.rows[0]
    assert (first.line, first.finess, first.name, first.department) == (2, "090000019", "CH SAINT LOUIS", "09")
    assert (first.postal_code, first.city, first.category_code, first.aggregate_code) == (
        "09110",
        "AX LES THERMES",
        "106",
        "1106",
    )


@pytest.mark.parametrize("trailing", [True, False], ids=["recent-extra-semicolon", "older-31-fields"])
def test_official_etalab_file_is_parsed_from_real_rows(trailing):
    rows = finess_rows(OCCITANIE)[:3]
    finess_file = parse_text(etalab_file(rows, trailing=trailing), name="etalab.csv")
    assert finess_file.format is FinessFormat.ETALAB
    assert [row.finess for row in finess_file.rows] == [row["nofinesset"] for row in rows]
    assert [row.line for row in finess_file.rows] == [2, 4, 6]  # comment line 1, geolocalisation rows skipped
    parsed, source = finess_file.rows[1], rows[1]
    assert parsed.name == source["rs"]
    assert parsed.address == source["adresse"]
    assert (parsed.postal_code, parsed.city) == (source["codepostal"], source["libcommune"])
    assert parsed.category_code == source["categetab"]
    assert parsed.updated_on == source["datemaj"]


def test_etalab_overseas_department_code_is_kept_for_mapping():
    reunion = next(
        row for row in finess_rows("finess_et_20210108_echantillon_national.csv") if row["departement"] == "974"
    )
    finess_file = parse_text(etalab_file([reunion]))
    assert finess_file.rows[0].department == "9D"


def test_dates_in_iso_and_french_formats():
    assert str(parse_date("2020-10-09")) == "2020-10-09"
    assert str(parse_date("09/10/2020")) == "2020-10-09"
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("hier")


def test_unknown_first_line_is_refused_in_french():
    with pytest.raises(FinessFormatError, match="Format de fichier FINESS non reconnu"):
        parse_text("numero;nom\n010000024;CH\n")


def test_header_file_with_missing_columns_is_refused_naming_them():
    rows = finess_rows(OCCITANIE)[:2]
    text = as_header_csv(rows, columns=["nofinesset", "rs", "adresse"])
    with pytest.raises(FinessFormatError) as error:
        parse_text(text)
    assert "nofinessej" in str(error.value)
    assert "departement" in str(error.value)
    assert "categetab" in str(error.value)


def test_etalab_file_with_shifted_columns_is_refused():
    rows = finess_rows(OCCITANIE)[:2]
    text = etalab_file(rows).replace("structureet;", "structureet;EXTRA;")
    with pytest.raises(FinessFormatError, match="champs"):
        parse_text(text)


def test_empty_file_is_refused():
    with pytest.raises(FinessFormatError, match="vide"):
        parse_text("\n\n", name="vide.csv")


def test_comma_separated_admin_export_is_read():
    rows = finess_rows(OCCITANIE)[:2]
    text = as_header_csv(rows, delimiter=",")
    finess_file = parse_text(text)
    assert [row.finess for row in finess_file.rows] == [row["nofinesset"] for row in rows]
