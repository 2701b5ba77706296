"""The chronogram spreadsheet: export → import round trip, dry run listing every bad row, wrong columns."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from exercises import xlsx
from exercises.models import Stimulus

pytestmark = pytest.mark.django_db


def _upload(rows, header=None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or [label for _key, label in xlsx.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("chronogramme.xlsx", buffer.getvalue(), content_type=xlsx.XLSX_MIME)


def test_round_trip_keeps_every_line(exercise, staff):
    before = list(exercise.stimuli.values_list("offset_seconds", "channel", "sender", "recipient_cell", "content"))
    exported = xlsx.export_chronogram(exercise)
    report = xlsx.read_chronogram(io.BytesIO(exported))
    assert report.ok, report.errors
    from exercises import services

    services.replace_chronogram(exercise, staff, report.lines)
    after = list(exercise.stimuli.values_list("offset_seconds", "channel", "sender", "recipient_cell", "content"))
    assert after == before


def test_dry_run_lists_every_bad_row():
    upload = _upload(
        [
            ["H+0:15", "Téléphone", "ARS", "Cellule de crise", "Point de situation", ""],
            ["H-1", "Téléphone", "ARS", "Cellule de crise", "Avant le début", ""],
            ["M+30", "Pigeon voyageur", "CERT Santé", "crise", "Message", ""],
            ["J+0 H+0:15", "email", "Journaliste", "crise", "Même moment", ""],
            ["plus tard", "media", "", "crise", "", ""],
        ]
    )
    report = xlsx.read_chronogram(upload)
    assert not report.ok
    assert [e.row for e in report.errors] == [3, 4, 5, 6]
    text = " ".join(" ".join(e.messages) for e in report.errors)
    assert "négatif" in text and "Canal inconnu" in text and "même moment que la ligne 2" in text
    assert "illisible" in text and "Émetteur simulé" in text


def test_wrong_columns_are_named():
    report = xlsx.read_chronogram(_upload([["H+1", "phone"]], header=["Quand", "Canal"]))
    assert "colonnes manquantes" in report.file_error and "Décalage" in report.file_error
    assert "Quand" in report.file_error


def test_import_page_dry_run_writes_nothing_then_import_replaces(client, exercise, staff):
    client.force_login(staff)
    url = reverse("exercises:chronogram_import", args=[exercise.pk])
    count = exercise.stimuli.count()
    bad = _upload([["H+0:10", "fax", "ARS", "crise", "x", ""]])
    response = client.post(url, {"file": bad, "action": "import"})
    assert response.status_code == 200
    assert "Ligne 2" in response.text and "rien n'a été enregistré" in response.text
    assert exercise.stimuli.count() == count
    good_rows = [["H+0:10", "phone", "ARS", "crise", "Appel", ""], ["M+40", "Courriel", "CERT Santé", "", "Mail", ""]]
    response = client.post(url, {"file": _upload(good_rows), "action": "check"})
    assert "2 stimuli corrects" in response.text and exercise.stimuli.count() == count
    response = client.post(url, {"file": _upload(good_rows), "action": "import"})
    assert response.status_code == 302
    assert list(Stimulus.objects.filter(exercise=exercise).values_list("offset_seconds", flat=True)) == [600, 2400]


def test_exports_are_formula_safe(client, running_exercise, staff):
    from exercises import services

    services.add_journal_entry(running_exercise, staff, '=HYPERLINK("http://x")')
    client.force_login(staff)
    response = client.get(reverse("exercises:export_journal", args=[running_exercise.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    response = client.get(reverse("exercises:export_played", args=[running_exercise.pk, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    assert "Décalage prévu" in response.content.decode("utf-8-sig")


def test_formula_like_text_round_trips_escaped(exercise, staff):
    from exercises import services

    stimulus = exercise.stimuli.order_by("offset_seconds").first()
    stimulus.content = "=1+1 n'est pas une formule"
    stimulus.save()
    exported = xlsx.export_chronogram(exercise)
    sheet = load_workbook(io.BytesIO(exported)).active
    assert sheet.cell(row=2, column=5).value == "'=1+1 n'est pas une formule"
    report = xlsx.read_chronogram(io.BytesIO(exported))
    services.replace_chronogram(exercise, staff, report.lines)
    assert exercise.stimuli.order_by("offset_seconds").first().content == "=1+1 n'est pas une formule"
