"""Learners import: headers, encodings, duplicates, invalid e-mails, re-import, deactivation, atomicity."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from awareness import services
from awareness.models import Learner
from awareness.tabular import read_table

from .helpers import csv_bytes, table, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_import_creates_learners_with_french_headers(establishment):
    report = services.import_learners(
        establishment,
        table([["Courriel", "NOM", "prénom", "Unité"], ["Alice.Martin@CH.example.org", "Martin", "Alice", "Urgences"]]),
    )
    assert report.summary == "created 1, updated 0, deactivated 0, rejected 0"
    learner = Learner.objects.get(establishment=establishment)
    assert (learner.email, learner.last_name, learner.first_name, learner.service) == (
        "alice.martin@ch.example.org", "Martin", "Alice", "Urgences",
    )  # fmt: skip


@pytest.mark.parametrize("header", ["email", "e-mail", "courriel", "adresse e-mail", "Adresse électronique", "Email"])
def test_every_email_header_is_recognised(establishment, header):
    report = services.import_learners(establishment, table([[header], ["a@b.example.org"]]))
    assert report.created == 1


def test_gophish_group_file_is_accepted(establishment):
    rows = [["First Name", "Last Name", "Email", "Position"], ["Jean", "Dupont", "jean@x.example.org", "'-Bloc"]]
    services.import_learners(establishment, table(rows))
    assert Learner.objects.get().service == "-Bloc"


def test_cp1252_semicolon_and_xlsx(establishment):
    rows = [["Adresse e-mail", "Nom", "Prénom", "Service"], ["z@x.example.org", "Lefèvre", "Zoé", "Médecine"]]
    services.import_learners(establishment, read_table(csv_bytes(rows, sep=";", encoding="cp1252"), "csv"))
    assert Learner.objects.get().last_name == "Lefèvre"
    report = services.import_learners(establishment, read_table(xlsx_bytes(rows), "xlsx"))
    assert report.summary == "created 0, updated 0, deactivated 0, rejected 0"


def test_duplicates_are_merged_and_bad_emails_rejected_with_their_line(establishment):
    rows = [
        ["email", "nom", "service"],
        ["a@x.example.org", "Durand", ""],
        ["A@X.example.org", "", "Cuisine"],
        ["pas-une-adresse", "Faux", ""],
        ["", "Sans adresse", ""],
    ]
    report = services.import_learners(establishment, table(rows))
    assert report.created == 1
    assert [(e.line, e.reason) for e in report.rejected] == [
        (4, "adresse e-mail invalide"),
        (5, "adresse e-mail manquante"),
    ]
    learner = Learner.objects.get()
    assert (learner.last_name, learner.service) == ("Durand", "Cuisine")


def test_reimport_updates_and_deactivates_without_deleting(establishment):
    services.import_learners(establishment, table([["email", "nom"], ["a@x.org", "A"], ["b@x.org", "B"]]))
    again = services.import_learners(establishment, table([["email", "nom"], ["a@x.org", "A"], ["b@x.org", "B"]]))
    assert again.summary == "created 0, updated 0, deactivated 0, rejected 0"
    report = services.import_learners(establishment, table([["email", "nom"], ["a@x.org", "Autre"], ["c@x.org", "C"]]))
    assert report.summary == "created 1, updated 1, deactivated 1, rejected 0"
    gone = Learner.objects.get(email="b@x.org")
    assert not gone.is_active and gone.deactivated_at is not None
    back = services.import_learners(establishment, table([["email"], ["a@x.org"], ["b@x.org"], ["c@x.org"]]))
    assert back.summary == "created 0, updated 1, deactivated 0, rejected 0"
    assert Learner.objects.filter(is_active=True).count() == 3


def test_wrong_columns_refuse_the_file_and_write_nothing(establishment):
    with pytest.raises(ValidationError) as exc:
        services.import_learners(establishment, table([["nom", "prénom"], ["Martin", "Alice"]]))
    assert "introuvable" in exc.value.message_dict["file"][0]
    assert not Learner.objects.exists()


def test_a_file_without_valid_rows_cannot_deactivate_everyone(establishment):
    services.import_learners(establishment, table([["email"], ["a@x.org"]]))
    with pytest.raises(ValidationError):
        services.import_learners(establishment, table([["email"], ["faux"], ["encore faux"]]))
    assert Learner.objects.get().is_active


def test_import_is_atomic(establishment, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("awareness.services.ImportRun.objects.create", boom)
    with pytest.raises(RuntimeError):
        services.import_learners(establishment, table([["email"], ["a@x.org"], ["b@x.org"]]))
    assert not Learner.objects.exists()


def test_other_establishment_learners_are_untouched(establishment):
    from tests.establishments.factories import EstablishmentFactory

    other = EstablishmentFactory()
    services.import_learners(other, table([["email"], ["a@x.org"]]))
    services.import_learners(establishment, table([["email"], ["b@x.org"]]))
    assert Learner.objects.get(establishment=other).is_active


def test_command_last_line(establishment, tmp_path):
    path = tmp_path / "personnels.csv"
    path.write_bytes(csv_bytes([["Adresse e-mail", "Nom"], ["a@x.org", "A"], ["faux", "F"]], sep=";", bom=True))
    from io import StringIO

    out = StringIO()
    call_command("import_learners", establishment.finess, str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "ligne 3 : adresse e-mail invalide"
    assert lines[-1] == "created 1, updated 0, deactivated 0, rejected 1"
