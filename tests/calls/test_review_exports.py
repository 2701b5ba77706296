import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from calls.review.exports import archive_name
from calls.review.models import SavedFilter
from calls.workflow import State

from .factories import CallFactory, DocumentFactory
from .review_factories import attach, reviewer_of, under_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def applications(call):
    return {
        "instruction": under_review(call, establishment__name="EHPAD Les Tilleuls"),
        "accepted": under_review(call, state=State.ACCEPTE, establishment__name="EHPAD Les Roses"),
        "construction": under_review(
            call, state=State.EN_CONSTRUCTION, instruction_started_at=None, establishment__name="EHPAD Le Parc"
        ),
    }


@pytest.fixture
def reviewer_client(client, call):
    client.force_login(reviewer_of(call.region))
    return client


QUERY = "state=en_instruction&state=accepte&columns=establishment&columns=finess&columns=state&sort=name"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_csv_follows_filters_and_columns(reviewer_client, call, applications):
    response = reviewer_client.get(reverse("calls_review:export", args=[call.pk, "csv"]) + "?" + QUERY)
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Établissement", "FINESS", "État"]
    assert rows[1:] == [
        ["EHPAD Les Roses", applications["accepted"].establishment.finess, "Accepté"],
        ["EHPAD Les Tilleuls", applications["instruction"].establishment.finess, "En instruction"],
    ]


def test_xlsx_follows_filters_and_columns(reviewer_client, call, applications):
    response = reviewer_client.get(reverse("calls_review:export", args=[call.pk, "xlsx"]) + "?" + QUERY)
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Établissement", "FINESS", "État"]
    assert [row[0] for row in values[1:]] == ["EHPAD Les Roses", "EHPAD Les Tilleuls"]


def test_ods_export_is_an_opendocument_spreadsheet(reviewer_client, call, applications):
    response = reviewer_client.get(reverse("calls_review:export", args=[call.pk, "ods"]) + "?" + QUERY)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    content = archive.read("content.xml").decode()
    assert "EHPAD Les Roses" in content and "EHPAD Le Parc" not in content


def test_question_columns_export_the_answers(reviewer_client, call, applications):
    from calls.models import Answer

    from .factories import QuestionFactory

    question = QuestionFactory(call=call, code="date_exercice", label="Date prévue de l'exercice")
    Answer.objects.create(application=applications["instruction"], question=question, value="2026-03-12")
    url = reverse("calls_review:export", args=[call.pk, "csv"])
    response = reviewer_client.get(url + "?state=en_instruction&columns=establishment&columns=q:date_exercice")
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Établissement", "Date prévue de l'exercice"], ["EHPAD Les Tilleuls", "2026-03-12"]]


def test_zip_has_readable_names_and_follows_filters(reviewer_client, call, applications):
    grid = DocumentFactory(call=call, label="Grille d'auto-évaluation")
    order = DocumentFactory(call=call, label="Bon de commande")
    attach(applications["instruction"], grid, name="grille.pdf")
    attach(applications["instruction"], order, name="../../etc/bon commande.pdf")
    attach(applications["construction"], order, name="autre.pdf")

    response = reviewer_client.get(reverse("calls_review:zip", args=[call.pk]) + "?state=en_instruction")

    archive = zipfile.ZipFile(io.BytesIO(_body(response)))
    finess = applications["instruction"].establishment.finess
    assert sorted(archive.namelist()) == [
        f"EHPAD Les Tilleuls - {finess}/Bon de commande - bon commande.pdf",
        f"EHPAD Les Tilleuls - {finess}/Grille d'auto-évaluation - grille.pdf",
    ]
    assert archive.read(archive.namelist()[0]).startswith(b"%PDF")
    assert archive.testzip() is None


def test_archive_name_strips_unsafe_characters(call):
    application = under_review(call, establishment__name='EHPAD "Le Lac" / Annexe')
    attachment = attach(application, DocumentFactory(call=call, label="Lettre: engagement*"), name="C:\\x\\lettre.pdf")
    assert archive_name(attachment) == (
        f"EHPAD -Le Lac- - Annexe - {application.establishment.finess}/Lettre- engagement - lettre.pdf"
    )


def test_list_filters_by_state_department_and_sector(reviewer_client, call, applications):
    url = reverse("calls_review:list", args=[call.pk])
    html = reviewer_client.get(url + "?state=en_construction").content.decode()
    assert "EHPAD Le Parc" in html and "EHPAD Les Tilleuls" not in html
    department = applications["accepted"].establishment.department.code
    html = reviewer_client.get(url + f"?department={department}").content.decode()
    assert "EHPAD Les Roses" in html
    html = reviewer_client.get(url + "?sector=ES").content.decode()
    assert "Aucun dossier ne correspond" in html


def test_saved_filter_keeps_the_query_and_brings_it_back(reviewer_client, call, applications):
    query = "state=en_construction&columns=establishment"
    reviewer_client.post(
        reverse("calls_review:save_filter", args=[call.pk]), {"name": "À passer en instruction", "query": query}
    )
    saved = SavedFilter.objects.get()
    assert saved.query == query and saved.call == call
    page = reviewer_client.get(reverse("calls_review:list", args=[call.pk])).content.decode()
    assert f"?{query}".replace("&", "&amp;") in page
    html = reviewer_client.get(reverse("calls_review:list", args=[call.pk]) + "?" + saved.query).content.decode()
    assert "EHPAD Le Parc" in html and "EHPAD Les Roses" not in html


def test_saved_filters_are_private_to_their_owner(client, call, applications):
    owner = reviewer_of(call.region)
    SavedFilter.objects.create(owner=owner, call=call, name="Mes urgences", query="state=en_instruction")
    client.force_login(reviewer_of(call.region))
    assert "Mes urgences" not in client.get(reverse("calls_review:list", args=[call.pk])).content.decode()


def test_applicant_text_never_becomes_a_spreadsheet_formula(reviewer_client, call, applications):
    from calls.models import Answer

    from .factories import QuestionFactory

    question = QuestionFactory(call=call, code="attentes", label="Attentes")
    Answer.objects.create(application=applications["instruction"], question=question, value='=HYPERLINK("http://x")')
    url = reverse("calls_review:export", args=[call.pk, "xlsx"]) + "?state=en_instruction&columns=q:attentes"
    sheet = load_workbook(io.BytesIO(reviewer_client.get(url).content)).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"


def test_only_the_owner_deletes_a_saved_filter(client, call):
    owner, other = reviewer_of(call.region), reviewer_of(call.region)
    saved = SavedFilter.objects.create(owner=owner, call=call, name="Urgents", query="state=en_instruction")
    url = reverse("calls_review:delete_filter", args=[call.pk])
    client.force_login(other)
    client.post(url, {"filter": saved.pk})
    client.post(url, {"filter": "pas-un-nombre"})
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.force_login(owner)
    client.post(url, {"filter": saved.pk})
    assert not SavedFilter.objects.exists()
