"""The streamed first load (``finess_import._streamed_first_load``) against the general path of ``import_files``.

The national first load streams its rows to PostgreSQL while it cleans them; every other import validates the
whole file first. Both must give the same directory and the same report, row for row and message for message:
each reference extract, and a file of damaged rows (bad keys, unknown department, missing name, repeated number,
doubtful SIRET, bad EJ, unreadable dates, region mismatch, a short line, a legal entity whose SIREN only a later
establishment gives, one already in the directory without a SIREN).
"""

from unittest import mock

import pytest
from django.db import connection

from establishments import finess_import
from establishments.finess import parse_text
from establishments.finess_import import import_files
from establishments.models import Establishment, Organisation
from establishments.nomenclature import load_categories, load_geo

from .reference import ILE_DE_FRANCE, NATIONAL_SAMPLE, OCCITANIE, as_header_csv, finess_rows

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (COPY)"),
]


@pytest.fixture
def geo():
    load_geo()
    load_categories()


def damaged_file() -> str:
    good = [dict(row) for row in finess_rows(OCCITANIE)[:12]]
    ej = good[5]["nofinessej"]
    rows = [
        *good[:5],
        {**good[5], "siret": ""},  # the legal entity's first establishment gives no SIREN…
        {**good[6], "nofinessej": ej},  # …a later one does
        {**good[7], "nofinesset": "090000018"},  # wrong key
        {**good[8], "nofinesset": "110000023", "departement": "99"},  # unknown department
        {**good[9], "nofinesset": "090000597", "rs": ""},  # no name
        dict(good[3]),  # repeated number
        {**good[10], "nofinesset": "110000049", "siret": "26090001400011"},  # doubtful SIRET, imported
        {**good[11], "nofinessej": "12345", "dateouv": "31/02/1999", "datemaj": "hier"},  # bad EJ and dates
        {**good[0], "nofinesset": "110000056", "region": "11"},  # region differs from the department's
        {**good[1], "nofinesset": "", "rs": "Sans numéro"},
        {**good[2], "nofinesset": "2A0000019", "categetab": ""},  # no category
    ]
    text = as_header_csv(rows)
    return text + "110000064;court\n"  # a line with too few columns


def snapshot(report) -> dict:
    establishments = list(
        Establishment.objects.order_by("pk").values(
            "finess", *(name for name in finess_import.IMPORTED_FIELDS if name != "organisation_id"),
            "organisation__finess", "is_ose",
        )
    )  # fmt: skip
    organisations = list(Organisation.objects.order_by("pk").values("finess", "name", "siren", "region_id"))
    return {
        "summary": report.summary,
        "unchanged": report.unchanged,
        "categories_created": report.categories_created,
        "rejected": [str(problem) for problem in report.rejected],
        "warnings": [str(problem) for problem in report.warnings],
        "establishments": establishments,
        "organisations": organisations,
    }


def both_ways(text: str, name: str, before=lambda: None) -> tuple[dict, dict]:
    """Import ``text`` through the general path, empty the directory, then through the streamed path."""
    results = []
    for streamed in (False, True):
        with connection.cursor() as cursor:  # an empty directory (the ORM's cascade walks every related table)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the previous import's deferred checks first
            cursor.execute("TRUNCATE establishments_establishment, establishments_organisation CASCADE")
        before()
        finess_file = parse_text(text, name=name)
        with (
            mock.patch.object(finess_import, "LARGE_LOAD", 1 if streamed else 10**9),
            mock.patch.object(finess_import, "_streamed_first_load", wraps=finess_import._streamed_first_load) as spy,
        ):
            report = import_files([finess_file])
        assert spy.called == streamed
        results.append(snapshot(report))
    return results[0], results[1]


@pytest.mark.parametrize("extract", [OCCITANIE, ILE_DE_FRANCE, NATIONAL_SAMPLE])
def test_streamed_load_of_each_reference_extract_equals_the_general_path(geo, extract):
    general, streamed = both_ways(as_header_csv(finess_rows(extract)), extract)
    assert streamed == general
    assert len(general["establishments"]) > 100 and general["organisations"]


def test_streamed_load_of_damaged_rows_equals_the_general_path(geo):
    def stored_organisation_without_siren():
        ej = finess_rows(OCCITANIE)[5]["nofinessej"]
        Organisation.objects.create(finess=ej, name="Saisi par le CRRC", siren="")

    general, streamed = both_ways(damaged_file(), "abimé.csv", before=stored_organisation_without_siren)
    assert streamed == general
    assert general["summary"] == "created 10, updated 0, rejected 7"
    assert any("SIRET 26090001400011 douteux" in warning for warning in general["warnings"])
    assert any("FINESS juridique 12345 ignoré" in warning for warning in general["warnings"])
    assert any("« 31/02/1999 » illisible" in warning for warning in general["warnings"])
    saisi = next(org for org in general["organisations"] if org["name"] == "Saisi par le CRRC")
    assert saisi["siren"]  # filled from the later establishment, the first gave none


def test_streamed_load_is_not_used_for_an_unknown_category_or_a_stocked_directory(geo):
    rows = [dict(row) for row in finess_rows(OCCITANIE)[:30]]
    with mock.patch.object(finess_import, "LARGE_LOAD", 1):
        unknown = [*rows, {**rows[0], "nofinesset": "110000056", "categetab": "999", "categagretab": "1102"}]
        assert not finess_import._can_stream([parse_text(as_header_csv(unknown))])
        assert finess_import._can_stream([parse_text(as_header_csv(rows))])
        assert import_files([parse_text(as_header_csv(rows[:10]))]).created == 10
        with mock.patch.object(finess_import, "_streamed_first_load") as streamed:
            report = import_files([parse_text(as_header_csv(rows))])
        streamed.assert_not_called()
        assert (report.created, report.unchanged) == (20, 10)
