"""The reader accepts what Excel and GoPhish really produce."""

import pytest
from django.core.exceptions import ValidationError

from awareness.tabular import clean_cell, normalise_header, read_table

from .helpers import csv_bytes, xlsx_bytes

ROWS = [
    ["Adresse e-mail", "Nom", "Prénom", "Service"],
    ["élodie.bérard@ch.example.org", "Bérard", "Élodie", "Pédiatrie"],
]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sep": ",", "encoding": "utf-8"},
        {"sep": ";", "encoding": "utf-8", "bom": True},
        {"sep": ";", "encoding": "cp1252"},
        {"sep": ",", "encoding": "utf-8", "crlf": False},
    ],
    ids=["utf8-comma", "utf8-bom-semicolon", "cp1252-semicolon", "lf"],
)
def test_csv_variants_read_the_same(kwargs):
    table = read_table(csv_bytes(ROWS, **kwargs), "csv")
    assert table.headers == ROWS[0]
    assert table.rows == [(2, ROWS[1])]
    assert table.separator == kwargs["sep"]


def test_xlsx_read_only():
    table = read_table(xlsx_bytes(ROWS), "xlsx")
    assert table.headers == ROWS[0]
    assert table.rows[0][1] == ROWS[1]


def test_headers_match_without_case_accents_spaces():
    assert normalise_header(" Adresse  É-mail ") == normalise_header("adresse e-mail") == "adresseemail"
    assert normalise_header("PRÉNOM") == normalise_header("prenom")
    assert normalise_header("first_name") == normalise_header("First Name")


def test_gophish_formula_prefix_is_stripped():
    assert clean_cell("'=HYPERLINK(1)") == "=HYPERLINK(1)"
    assert clean_cell("'-Chirurgie") == "-Chirurgie"
    assert clean_cell("l'équipe") == "l'équipe"


def test_quoted_fields_with_separators_and_newlines():
    data = b'email,position\r\n"a@b.org","Soins, de suite\r\net r\xc3\xa9adaptation"\r\n'
    table = read_table(data, "csv")
    assert table.rows == [(2, ["a@b.org", "Soins, de suite\r\net réadaptation"])]


def test_unreadable_xlsx_is_a_french_error():
    with pytest.raises(ValidationError, match="illisible"):
        read_table(b"PK\x03\x04 not a workbook", "xlsx")
