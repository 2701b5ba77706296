"""import_finess, load_geo and load_finess_categories on the real reference data (PostgreSQL in CI)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from establishments import bulk
from establishments.finess import parse_text
from establishments.finess_import import import_files
from establishments.models import Department, Establishment, EstablishmentCategory, Organisation, Region
from establishments.nomenclature import load_categories, load_geo, sector_for_aggregate
from establishments.roles import Sector

from .reference import OCCITANIE, as_header_csv, etalab_file, finess_dir, finess_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def geo():
    load_geo()
    load_categories()


def run_import(*paths) -> list[str]:
    out = StringIO()
    call_command("import_finess", *[str(path) for path in paths], stdout=out)
    return out.getvalue().splitlines()


def summary(lines: list[str]) -> str:
    """The one ``created N, updated N, rejected N`` line (rejects and warnings follow it)."""
    found = [line for line in lines if line.startswith("created ")]
    assert len(found) == 1, lines
    return found[0]


def write(tmp_path, text: str, name: str = "finess.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("aggregate", "sector"),
    [
        ("1101", Sector.ES),
        ("1102", Sector.ES),
        ("1111", Sector.ES),
        ("2204", Sector.ES),
        ("2205", Sector.ES),
        ("2206", Sector.OTHER),
        ("3101", Sector.OTHER),
        ("4401", Sector.ESMS),
        ("4601", Sector.ESMS),
        ("6201", Sector.OTHER),
        ("", Sector.OTHER),
    ],
)
def test_sector_is_derived_from_the_aggregate(aggregate, sector):
    assert sector_for_aggregate(aggregate) == sector


def test_load_geo_builds_regions_with_ars_grades_and_crrc_names_idempotently():
    regions, departments = load_geo()
    assert (regions.created, departments.created) == (18, 101)
    occitanie = Region.objects.get(code="76")
    assert (occitanie.name, occitanie.crrc_name, occitanie.ars_name) == ("Occitanie", "CRRC Occitanie", "ARS Occitanie")
    assert occitanie.grades_name == "GRADeS e-santé Occitanie"
    assert Department.objects.get(code="974").region.name == "La Réunion"
    assert Department.objects.get(code="2A").region.code == "94"
    occitanie.crrc_name = "Cyber Occitanie"
    occitanie.save()
    regions, departments = load_geo()
    assert (regions.created, regions.updated, departments.created, departments.updated) == (0, 0, 0, 0)
    assert Region.objects.get(code="76").crrc_name == "Cyber Occitanie"  # staff's edit is kept


def test_load_categories_with_sectors_idempotently():
    result = load_categories()
    assert result.created == 163
    assert EstablishmentCategory.objects.get(code="355").sector == Sector.ES
    assert EstablishmentCategory.objects.get(code="500").sector == Sector.ESMS
    assert EstablishmentCategory.objects.get(code="500").aggregate_label.startswith("Etablissements d'Hébergement")
    again = load_categories()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 163)


def test_import_occitanie_extract_then_second_run_changes_nothing(geo):
    lines = run_import(finess_dir() / OCCITANIE)
    assert lines[-1] == "created 9013, updated 0, rejected 0"
    assert Establishment.objects.filter(region__code="76").count() == 9013
    ch = Establishment.objects.select_related("organisation", "category", "department").get(finess="110000023")
    assert (ch.name, ch.category.code, ch.sector, ch.department.code) == ("CH CARCASSONNE", "355", "ES", "11")
    assert ch.organisation.finess == "110780061"
    assert ch.organisation.region.code == "76"
    assert Establishment.objects.get(finess="090000597").sector == Sector.ESMS
    history_rows = Establishment.history.count()

    lines = run_import(finess_dir() / OCCITANIE)
    assert lines[-1] == "created 0, updated 0, rejected 0"
    assert any(line.startswith("unchanged 9013") for line in lines)
    assert Establishment.history.count() == history_rows


def test_changed_rows_are_updated_with_history_and_staff_fields_kept(geo, tmp_path):
    rows = [dict(row) for row in finess_rows(OCCITANIE)[:3]]
    run_import(write(tmp_path, as_header_csv(rows)))
    Establishment.objects.filter(finess=rows[0]["nofinesset"]).update(is_ose=True)
    rows[0]["rs"] = "CH SAINT LOUIS (NOUVEAU NOM)"
    lines = run_import(write(tmp_path, as_header_csv(rows)))
    assert summary(lines) == "created 0, updated 1, rejected 0"
    establishment = Establishment.objects.get(finess=rows[0]["nofinesset"])
    assert establishment.name == "CH SAINT LOUIS (NOUVEAU NOM)"
    assert establishment.is_ose is True
    record = establishment.history.latest()
    assert record.history_type == "~"
    assert record.history_change_reason.startswith("Import FINESS")
    assert record.is_ose is True


def test_bad_rows_are_rejected_with_line_and_reason_and_good_rows_imported(geo, tmp_path):
    good = [dict(row) for row in finess_rows(OCCITANIE)[:4]]
    bad_key = {**good[0], "nofinesset": "090000018"}
    unknown_department = {**good[1], "nofinesset": "110000023", "departement": "99"}
    no_name = {**good[2], "nofinesset": "090000597", "rs": ""}
    duplicate = dict(good[3])
    bad_siret = {**good[3], "nofinesset": "110000049", "siret": "26090001400011"}
    rows = [*good, bad_key, unknown_department, no_name, duplicate, bad_siret]
    lines = run_import(write(tmp_path, as_header_csv(rows), "occitanie-erreurs.csv"))
    assert summary(lines) == "created 5, updated 0, rejected 4"
    text = "\n".join(lines[lines.index(summary(lines)) :])
    assert "occitanie-erreurs.csv, ligne 6 : numéro FINESS 090000018 refusé" in text
    assert "clé de contrôle" in text
    assert "ligne 7 : 110000023 : département « 99 » inconnu" in text
    assert "ligne 8 : 090000597 : raison sociale (rs) manquante" in text
    assert "ligne 9 :" in text and "déjà présent ligne 5" in text
    assert "ligne 10 : 110000049 : SIRET 26090001400011 douteux" in text  # a warning, the row is imported
    assert Establishment.objects.filter(finess="110000049").exists()
    assert not Establishment.objects.filter(finess__in=["090000018", "110000023", "090000597"]).exists()


def test_file_with_wrong_columns_is_rejected_and_nothing_written(geo, tmp_path):
    rows = finess_rows(OCCITANIE)[:20]
    text = as_header_csv(rows).replace("nofinesset;nofinessej", "finess;finess_ej", 1)
    with pytest.raises(CommandError, match="Colonnes obligatoires absentes : nofinesset, nofinessej"):
        run_import(write(tmp_path, text))
    assert Establishment.objects.count() == 0
    assert Organisation.objects.count() == 0


def test_one_malformed_file_among_several_stops_everything(geo, tmp_path):
    good = write(tmp_path, as_header_csv(finess_rows(OCCITANIE)[:20]), "bon.csv")
    bad = write(tmp_path, "rs;adresse\nCH;rue\n", "mauvais.csv")
    with pytest.raises(CommandError, match="mauvais.csv refusé"):
        run_import(good, bad)
    assert Establishment.objects.count() == 0


@pytest.mark.parametrize("french_dates", [False, True], ids=["iso-dates", "french-dates"])
def test_official_etalab_file_gives_the_same_directory_as_the_extract(geo, tmp_path, french_dates):
    rows = finess_rows(OCCITANIE)[:50]
    run_import(write(tmp_path, as_header_csv(rows), "extrait.csv"))
    lines = run_import(write(tmp_path, etalab_file(rows, french_dates=french_dates), "etalab.csv"))
    assert lines[0] == "etalab.csv : etalab officiel, 50 établissements lus"
    assert summary(lines) == "created 0, updated 0, rejected 0"


def test_etalab_overseas_rows_land_in_their_region(geo, tmp_path):
    overseas = [row for row in finess_rows("finess_et_20210108_echantillon_national.csv") if row["departement"] > "970"]
    lines = run_import(write(tmp_path, etalab_file(overseas), "etalab-dom.csv"))
    assert summary(lines) == f"created {len(overseas)}, updated 0, rejected 0"
    assert set(Establishment.objects.values_list("region__code", flat=True)) == {"01", "02", "03", "04"}


def test_unknown_category_is_created_with_the_sector_of_its_aggregate(geo, tmp_path):
    row = {
        **finess_rows(OCCITANIE)[0],
        "categetab": "999",
        "libcategetab": "Nouvelle catégorie",
        "categagretab": "4401",
    }
    lines = run_import(write(tmp_path, as_header_csv([row])))
    assert summary(lines) == "created 1, updated 0, rejected 0"
    category = EstablishmentCategory.objects.get(code="999")
    assert (category.label, category.sector) == ("Nouvelle catégorie", Sector.ESMS)
    assert Establishment.objects.get().sector == Sector.ESMS


@pytest.mark.parametrize("size", [10, 1500])
def test_import_runs_a_fixed_number_of_queries_whatever_the_size(geo, django_assert_max_num_queries, size):
    finess_file = parse_text(as_header_csv(finess_rows(OCCITANIE)[:size]), name="extrait.csv")
    with django_assert_max_num_queries(30):
        report = import_files([finess_file])
    assert report.created == size


def test_fallback_without_postgresql_copy_gives_the_same_result(geo, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "other")
    finess_file = parse_text(as_header_csv(finess_rows(OCCITANIE)[:30]), name="extrait.csv")
    assert import_files([finess_file]).created == 30
    assert Establishment.objects.count() == 30
    assert bulk.connection.vendor == "other"


def test_import_without_geography_says_what_to_run_first(tmp_path):
    with pytest.raises(CommandError, match="load_geo"):
        run_import(write(tmp_path, as_header_csv(finess_rows(OCCITANIE)[:2])))


def foreign_keys() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'establishments_establishment'::regclass AND contype = 'f' ORDER BY conname"
        )
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_large_load_checks_foreign_keys_once_and_restores_them(geo):
    before = foreign_keys()
    finess_file = parse_text(as_header_csv(finess_rows(OCCITANIE)[:40]), name="extrait.csv")
    with monkeypatch_large_load(10):
        assert import_files([finess_file]).created == 40
    assert foreign_keys() == before
    assert len(before) == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_large_load_with_a_dangling_reference_rolls_back_entirely(geo):
    from django.db import IntegrityError, transaction

    region = Region.objects.get(code="76")
    row = {"finess": "110000023", "name": "X", "region_id": region.pk, "department_id": 999_999, "sector": "ES"}
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.foreign_keys_checked_once(Establishment):
        bulk.upsert(Establishment, [row], conflict_field="finess", all_new=True)
    assert foreign_keys()
    assert not Establishment.objects.exists()


def monkeypatch_large_load(threshold: int):
    from unittest import mock

    from establishments import finess_import

    return mock.patch.object(finess_import, "LARGE_LOAD", threshold)


def indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'establishments_establishment' "
            "ORDER BY indexname"
        )
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_large_load_builds_indexes_once_and_restores_them(geo):
    before = indexes()
    finess_file = parse_text(as_header_csv(finess_rows(OCCITANIE)[:40]), name="extrait.csv")
    with monkeypatch_large_load(10):
        assert import_files([finess_file]).created == 40
    assert indexes() == before
    assert any("UNIQUE" in definition and "(finess)" in definition for _name, definition in before)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_large_load_with_a_duplicate_number_rolls_back_entirely(geo):
    from django.db import IntegrityError, transaction

    before = indexes()
    region = Region.objects.get(code="76")
    department = Department.objects.filter(region=region).first()
    row = {"finess": "110000023", "name": "X", "region_id": region.pk, "department_id": department.pk, "sector": "ES"}
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.indexes_built_once(Establishment):
        bulk.upsert(Establishment, [row, {**row, "name": "Y"}], conflict_field="finess", all_new=True)
    assert indexes() == before
    assert not Establishment.objects.exists()
