import io
import zipfile
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from action_plans import services, xlsx
from action_plans.models import ActionItem
from action_plans.workflow import Priority, Status
from tests.establishments.factories import EstablishmentFactory

from .factories import member

pytestmark = pytest.mark.django_db

COL = {c.key: i for i, c in enumerate(xlsx.COLUMNS, start=1)}


@pytest.fixture
def items(establishment, manager):
    first = services.create_item(
        establishment,
        manager,
        title="Sauvegardes hors ligne",
        owner=manager,
        priority=Priority.P1,
        deadline=timezone.localdate() - timedelta(days=5),
    )
    second = services.create_item(establishment, manager, title="Former les agents", priority=Priority.P3)
    return [first, second]


def exported(establishment):
    content = xlsx.export_plan(establishment, ActionItem.objects.filter(plan__establishment=establishment))
    return load_workbook(io.BytesIO(content))


def upload(workbook, name="suivi.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=xlsx.XLSX_MIME)


def row_of(sheet, item):
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, COL["id"]).value == item.pk:
            return row
    raise AssertionError("item not exported")


def test_export_is_a_usable_tracking_tool(establishment, items, manager):
    workbook = exported(establishment)
    sheet = workbook[xlsx.SHEET]
    assert [c.value for c in sheet[1]][:3] == ["N° (ne pas modifier)", "Intitulé de l'action", "Description"]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["B"].width == 45
    row = row_of(sheet, items[0])
    assert sheet.cell(row, COL["owner"]).value == manager.email
    assert sheet.cell(row, COL["status"]).value == "À faire"
    assert sheet.cell(row, COL["overdue"]).value == "Oui – 5 j"
    assert sheet.cell(row, COL["deadline"]).number_format == "DD/MM/YYYY"
    validations = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert validations["D2"] == '"P1,P2,P3"'
    assert validations["E2"].startswith("Listes!")
    assert workbook[xlsx.LISTS_SHEET]["A2"].value == "À faire"
    assert "Mode d'emploi" in workbook.sheetnames


def test_round_trip_updates_matched_items_and_creates_new_rows(establishment, items, manager):
    colleague = member(establishment, email="infirmiere.cadre@example.org")
    workbook = exported(establishment)
    sheet = workbook[xlsx.SHEET]
    row = row_of(sheet, items[0])
    sheet.cell(row, COL["status"]).value = "Terminée"
    sheet.cell(row, COL["title"]).value = "Sauvegardes hors ligne testées"
    other = row_of(sheet, items[1])
    sheet.cell(other, COL["owner"]).value = "Infirmiere.Cadre@example.org"
    sheet.cell(other, COL["progress"]).value = 40
    sheet.cell(other, COL["status"]).value = "En cours"
    sheet.cell(other, COL["deadline"]).value = "31/12/2027"
    new = sheet.max_row + 1
    sheet.cell(new, COL["title"]).value = "Exercice de crise annuel"
    sheet.cell(new, COL["priority"]).value = "P2"
    sheet.cell(new, COL["status"]).value = "À faire"

    result = xlsx.import_plan(establishment, upload(workbook), manager)

    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    first, second = (ActionItem.objects.get(pk=i.pk) for i in items)
    assert (first.title, first.status, first.progress) == ("Sauvegardes hors ligne testées", Status.DONE, 100)
    assert (second.owner, second.status, second.progress) == (colleague, Status.IN_PROGRESS, 40)
    assert second.deadline == date(2027, 12, 31)
    created = ActionItem.objects.get(title="Exercice de crise annuel")
    assert created.created_by == manager and created.plan.establishment == establishment
    assert first.transitions.get().to_state == Status.DONE


def test_reimporting_an_unchanged_file_changes_nothing(establishment, items, manager):
    result = xlsx.import_plan(establishment, upload(exported(establishment)), manager)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert all(item.version == 1 for item in ActionItem.objects.all())


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_written(establishment, items, manager):
    foreign = services.create_item(EstablishmentFactory(), None, title="Action d'un autre établissement")
    workbook = exported(establishment)
    sheet = workbook[xlsx.SHEET]
    good = row_of(sheet, items[1])
    sheet.cell(good, COL["title"]).value = "Titre valide modifié"
    bad = row_of(sheet, items[0])
    sheet.cell(bad, COL["owner"]).value = "inconnu@example.org"
    sheet.cell(bad, COL["status"]).value = "Fini"
    rows = {
        "priority": {"title": "Priorité fausse", "priority": "P7"},
        "date": {"title": "Date fausse", "deadline": "le 32 mars"},
        "foreign": {"id": foreign.pk, "title": "Vol"},
        "abandon": {"title": "Abandon sans motif", "status": "Abandonnée"},
        "progress": {"title": "Trop", "progress": 150},
    }
    lines = {}
    for key, values in rows.items():
        lines[key] = sheet.max_row + 1
        for column, value in values.items():
            sheet.cell(lines[key], COL[column]).value = value

    with pytest.raises(xlsx.ImportRefused) as refused:
        xlsx.import_plan(establishment, upload(workbook), manager)

    errors = {(e.line, e.reason) for e in refused.value.errors}
    reasons = "\n".join(f"{line}: {reason}" for line, reason in sorted(errors))
    assert f"{bad}: responsable « inconnu@example.org » inconnu" in reasons
    assert f"{bad}: statut « Fini » inconnu" in reasons
    assert f"{lines['priority']}: priorité « P7 » inconnue" in reasons
    assert f"{lines['date']}: date d'échéance « le 32 mars » illisible" in reasons
    assert (
        f"{lines['foreign']}: l'action n°{foreign.pk} n'appartient pas au plan d'action de cet établissement" in reasons
    )
    assert f"{lines['abandon']}: un motif d'abandon est obligatoire" in reasons
    assert f"{lines['progress']}: l'avancement doit être compris entre 0 et 100" in reasons
    assert ActionItem.objects.filter(plan__establishment=establishment).count() == 2
    assert not ActionItem.objects.filter(title="Titre valide modifié").exists()
    assert ActionItem.objects.get(pk=foreign.pk).title == "Action d'un autre établissement"


def test_row_changed_on_the_portal_since_export_is_refused(establishment, items, manager):
    workbook = exported(establishment)
    services.update_item(items[0], manager, expected_version=1, progress=70)
    sheet = workbook[xlsx.SHEET]
    sheet.cell(row_of(sheet, items[0]), COL["progress"]).value = 20
    with pytest.raises(xlsx.ImportRefused) as refused:
        xlsx.import_plan(establishment, upload(workbook), manager)
    assert "modifiée sur le portail depuis l'export" in refused.value.errors[0].reason
    assert ActionItem.objects.get(pk=items[0].pk).progress == 70


def test_impossible_status_move_is_refused(establishment, items, manager):
    services.start_item(items[0], manager)
    workbook = exported(establishment)
    sheet = workbook[xlsx.SHEET]
    sheet.cell(row_of(sheet, items[0]), COL["status"]).value = "À faire"
    with pytest.raises(xlsx.ImportRefused) as refused:
        xlsx.import_plan(establishment, upload(workbook), manager)
    assert "passage du statut « En cours » à « À faire » impossible" in refused.value.errors[0].reason


def test_a_file_without_the_tracking_columns_is_refused(establishment, manager):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Nom", "Prénom"])
    with pytest.raises(xlsx.ImportRefused, match="colonne\\(s\\) manquante\\(s\\)"):
        xlsx.import_plan(establishment, upload(workbook), manager)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("suivi.xlsx", b"id;titre\n1;test\n", "pas un classeur Excel"),
        ("suivi.csv", b"id;titre\n1;test\n", "format .xlsx"),
        ("suivi.xlsx", b"", "vide"),
    ],
)
def test_upload_checks_name_and_content(name, content, message):
    with pytest.raises(Exception, match=message):
        xlsx.check_xlsx_upload(SimpleUploadedFile(name, content))


def test_a_word_document_renamed_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(Exception, match="pas un classeur Excel"):
        xlsx.check_xlsx_upload(SimpleUploadedFile("suivi.xlsx", buffer.getvalue()))


def test_an_oversized_upload_is_refused(settings):
    big = SimpleUploadedFile("suivi.xlsx", b"0" * (xlsx.MAX_BYTES + 1))
    with pytest.raises(Exception, match="dépasse 2 Mo"):
        xlsx.check_xlsx_upload(big)


def test_export_view_downloads_the_file(client, establishment, items, reader):
    client.force_login(reader)
    response = client.get(reverse("action_plans:export", args=[establishment.pk]))
    assert response["Content-Type"] == xlsx.XLSX_MIME
    assert f"plan-action-{establishment.finess}" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))[xlsx.SHEET]
    assert sheet.max_row == 3


def test_import_view_reports_bad_rows(client, establishment, items, manager):
    workbook = exported(establishment)
    sheet = workbook[xlsx.SHEET]
    sheet.cell(row_of(sheet, items[0]), COL["priority"]).value = "urgent"
    client.force_login(manager)
    response = client.post(reverse("action_plans:import", args=[establishment.pk]), {"file": upload(workbook)})
    text = unescape(response.text)
    assert "Lignes refusées" in text
    assert "Priorité « urgent » inconnue" in text
    assert "rien n'est enregistré" in text


def test_import_view_refuses_a_disguised_file(client, establishment, manager):
    client.force_login(manager)
    fake = SimpleUploadedFile("suivi.xlsx", b"MZ\x90\x00 not a workbook")
    response = client.post(reverse("action_plans:import", args=[establishment.pk]), {"file": fake})
    assert "pas un classeur Excel (.xlsx) valide" in unescape(response.text)


def test_import_view_success(client, establishment, items, manager):
    workbook = exported(establishment)
    sheet = workbook[xlsx.SHEET]
    sheet.cell(row_of(sheet, items[1]), COL["progress"]).value = 25
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:import", args=[establishment.pk]), {"file": upload(workbook)}, follow=True
    )
    assert "Import terminé : 0 action(s) créée(s), 1 mise(s) à jour, 1 inchangée(s)." in unescape(response.text)
    assert ActionItem.objects.get(pk=items[1].pk).progress == 25


def test_reader_cannot_import(client, establishment, items, reader):
    client.force_login(reader)
    response = client.post(
        reverse("action_plans:import", args=[establishment.pk]), {"file": upload(exported(establishment))}
    )
    assert response.status_code == 403


def test_the_file_is_french_whatever_the_interface_language(establishment, items, manager):
    from django.utils import translation

    with translation.override("en"):
        workbook = exported(establishment)
        sheet = workbook[xlsx.SHEET]
        assert sheet.cell(row_of(sheet, items[0]), COL["status"]).value == "À faire"
        sheet.cell(row_of(sheet, items[0]), COL["status"]).value = "En cours"
        result = xlsx.import_plan(establishment, upload(workbook), manager)
    assert result.updated == 1
    assert ActionItem.objects.get(pk=items[0].pk).status == Status.IN_PROGRESS
