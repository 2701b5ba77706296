"""FINESS and SIRET check keys, on the reference test cases and on every number of the real extracts."""

import pytest

from establishments.validators import finess_error, is_valid_finess, is_valid_siret

from .reference import ILE_DE_FRANCE, NATIONAL_SAMPLE, OCCITANIE, finess_dir, finess_rows, read_rows

FINESS_CASES = read_rows(finess_dir() / "finess_cle_controle_cas_test.csv")
SIRET_CASES = read_rows(finess_dir() / "siret_cas_test.csv")


@pytest.mark.parametrize("case", FINESS_CASES, ids=lambda case: f"{case['numero']}-{case['attendu_valide']}")
def test_finess_check_key_reference_cases(case):
    assert is_valid_finess(case["numero"]) is (case["attendu_valide"] == "true"), case["commentaire"]


@pytest.mark.parametrize("case", SIRET_CASES, ids=lambda case: f"{case['siret']}-{case['attendu_valide']}")
def test_siret_check_key_reference_cases(case):
    assert is_valid_siret(case["siret"]) is (case["attendu_valide"] == "true"), case["source"]


@pytest.mark.parametrize("name", [OCCITANIE, ILE_DE_FRANCE, NATIONAL_SAMPLE])
def test_every_finess_number_of_the_real_extracts_passes(name):
    rows = finess_rows(name)
    invalid = [row["nofinesset"] for row in rows if not is_valid_finess(row["nofinesset"])]
    invalid_ej = [row["nofinessej"] for row in rows if row["nofinessej"] and not is_valid_finess(row["nofinessej"])]
    assert len(rows) > 3000
    assert invalid == []
    assert invalid_ej == []


def test_occitanie_extract_has_the_documented_row_count():
    assert len(finess_rows(OCCITANIE)) == 9013


REAL_NUMBERS = ["310780010", "310780119", "2A0000022", "2B0000012", "970300026", "110000023"]


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_every_single_character_typo_of_a_real_number_is_refused(number):
    assert is_valid_finess(number)
    for position in range(9):
        for digit in "0123456789":
            if number[position] == digit or (position == 1 and number[:2] in {"2A", "2B"}):
                continue
            typo = f"{number[:position]}{digit}{number[position + 1 :]}"
            assert not is_valid_finess(typo), typo


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_adjacent_transpositions_of_a_real_number_are_refused(number):
    for position in range(2, 8):
        a, b = number[position], number[position + 1]
        if a == b or {a, b} == {"0", "9"}:  # Luhn's known blind spot: 09 ↔ 90
            continue
        swapped = f"{number[:position]}{b}{a}{number[position + 2 :]}"
        assert not is_valid_finess(swapped), swapped


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01000002", "9 caractères"),
        ("2C0000022", "que des chiffres"),
        ("010000025", "clé de contrôle"),
    ],
)
def test_finess_errors_say_what_is_wrong_in_french(value, expected):
    assert expected in finess_error(value)
