"""The dashboard's exports: XLSX (one row per figure, formula-safe, current filters) and the PDF report through the
reports pipeline (regional report: its requester only, in one of their regions)."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from dashboards.documents import DASHBOARD_REPORT
from establishments.roles import StaffKind
from reports.models import Report
from reports.services import ReportNotAllowed, request_region_report
from tests.action_plans.factories import region_staff
from tests.establishments.factories import CategoryFactory, DepartmentFactory, EstablishmentFactory, RegionFactory
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


@pytest.fixture
def region():
    return RegionFactory(name="Région Export")


@pytest.fixture
def reviewer(region):
    return region_staff(region, kind=StaffKind.ARS_REVIEWER)


def rows_of(response) -> list[tuple]:
    sheet = load_workbook(BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_xlsx_has_one_row_per_figure_with_the_filters(client, region, reviewer):
    kept, left = DepartmentFactory(region=region, name="Haut"), DepartmentFactory(region=region, name="Bas")
    EstablishmentFactory.create_batch(2, department=kept)
    EstablishmentFactory(department=left)
    EstablishmentFactory(name="Ailleurs")
    login(client, reviewer)

    response = client.get("/tableau-de-bord/export.xlsx", {"departement": kept.code})

    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = rows_of(response)
    assert ("Indicateur", "Libellé", "Série", "Valeur", "Unité") in rows
    assert any(row[0] == "Filtres" and "Haut" in row[1] for row in rows)
    by_department = [row for row in rows if row[0] == "Établissements par département"]
    assert by_department == [("Établissements par département", f"{kept.code} – Haut", None, 2, None)]
    assert sum(row[3] for row in rows if row[0] == "Établissements par secteur") == 2


def test_a_formula_like_label_stays_text(client, region, reviewer):
    category = CategoryFactory(label='=HYPERLINK("http://x")')
    EstablishmentFactory(department__region=region, category=category)
    login(client, reviewer)

    rows = rows_of(client.get("/tableau-de-bord/export.xlsx"))

    labels = [row[1] for row in rows if row[1] and "HYPERLINK" in str(row[1])]
    assert labels == [] or all(str(label).startswith("'") for label in labels)
    assert not any(str(cell).startswith("=") for row in rows for cell in row if cell is not None)


def test_another_regions_reviewer_exports_nothing_of_this_region(client, region):
    EstablishmentFactory(department__region=region, department__name="Secret")
    other = region_staff(RegionFactory(), kind=StaffKind.ARS_REVIEWER)
    login(client, other)

    rows = rows_of(client.get("/tableau-de-bord/export.xlsx"))

    assert not any("Secret" in str(cell) for row in rows for cell in row)


def test_the_pdf_report_is_built_through_the_pipeline(client, region, reviewer, django_capture_on_commit_callbacks):
    department = DepartmentFactory(region=region, name="Montagne")
    EstablishmentFactory.create_batch(3, department=department)
    login(client, reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/tableau-de-bord/rapport-pdf/?departement={department.code}")

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{report.pk}/"
    assert report.region == region and report.establishment is None
    assert report.parameters["filters"] == {"departement": department.code}
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = pdf_text(report.file.read())
    assert "Tableau de bord régional" in text and "Établissements par département" in text
    assert "Montagne" in text  # the filter used and the figure's label
    assert client.get(f"/documents/{report.pk}/").status_code == 200
    assert client.get(f"/documents/{report.pk}/telecharger/").status_code == 200


def test_a_regional_report_is_404_for_anyone_else(client, region, reviewer, django_capture_on_commit_callbacks):
    EstablishmentFactory(department__region=region)
    report = request_region_report(region, DASHBOARD_REPORT, reviewer, {"filters": {}})
    colleague = region_staff(region)
    stranger = region_staff(RegionFactory(), kind=StaffKind.ARS_REVIEWER)

    for user in (colleague, stranger):
        login(client, user)
        assert client.get(f"/documents/{report.pk}/").status_code == 404
    with pytest.raises(ReportNotAllowed):
        request_region_report(region, DASHBOARD_REPORT, stranger, {"filters": {}})


def test_a_regional_kind_is_never_offered_to_an_establishment(region):
    from reports.registry import establishment_kinds

    assert DASHBOARD_REPORT not in [entry.kind for entry in establishment_kinds()]


def test_the_xlsx_export_queries_do_not_grow_with_the_data(client, region, reviewer, django_assert_max_num_queries):
    department = DepartmentFactory(region=region)
    EstablishmentFactory(department=department)
    login(client, reviewer)
    with django_assert_max_num_queries(60) as small:
        client.get("/tableau-de-bord/export.xlsx")
    EstablishmentFactory.create_batch(15, department=department)
    EstablishmentFactory.create_batch(5, department=DepartmentFactory(region=region))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/tableau-de-bord/export.xlsx")
