import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from action_plans import services, xlsx
from action_plans.models import ActionItem
from action_plans.workflow import Status
from establishments.roles import StaffKind
from establishments.staffing import assign_staff
from tests.establishments.factories import EstablishmentFactory, RegionFactory

from .factories import region_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def crrc_client(client, establishment):
    user = region_staff(establishment.region)
    assign_staff(user, establishment.region, StaffKind.CRRC_STAFF)
    client.force_login(user)
    return client


@pytest.fixture
def item(establishment, manager):
    return services.create_item(
        establishment, manager, title="Segmenter le réseau", deadline=timezone.localdate() - timedelta(days=2)
    )


@pytest.fixture
def foreign_item():
    other = EstablishmentFactory(department__region=RegionFactory())
    return services.create_item(other, None, title="Action d'une autre région")


def test_crrc_staff_sees_their_region_only(crrc_client, item, foreign_item):
    response = crrc_client.get(reverse("admin:action_plans_actionitem_changelist"))
    assert "Segmenter le réseau" in response.text
    assert "Action d'une autre région" not in response.text
    assert crrc_client.get(reverse("admin:action_plans_actionitem_change", args=[foreign_item.pk])).status_code in {
        302,
        404,
    }
    plans = crrc_client.get(reverse("admin:action_plans_actionplan_changelist")).text
    assert item.plan.establishment.name in plans and foreign_item.plan.establishment.name not in plans


def test_overdue_filter(crrc_client, item):
    response = crrc_client.get(reverse("admin:action_plans_actionitem_changelist"), {"overdue": "yes"})
    assert "Segmenter le réseau" in response.text


def test_admin_action_completes_through_the_workflow(crrc_client, item):
    crrc_client.post(
        reverse("admin:action_plans_actionitem_changelist"),
        {"action": "complete_items", "_selected_action": [item.pk]},
    )
    item.refresh_from_db()
    assert (item.status, item.progress) == (Status.DONE, 100)
    assert item.transitions.count() == 1


def _change_data(item, **overrides):
    data = {
        "title": item.title,
        "description": item.description,
        "owner": "",
        "deadline": "",
        "priority": item.priority,
        "progress": item.progress,
        "source_label": "",
        "expected_version": item.version,
        "comments-TOTAL_FORMS": 0,
        "comments-INITIAL_FORMS": 0,
        "transitions-TOTAL_FORMS": 0,
        "transitions-INITIAL_FORMS": 0,
    }
    return data | overrides


def test_admin_edit_goes_through_the_service(crrc_client, item):
    url = reverse("admin:action_plans_actionitem_change", args=[item.pk])
    response = crrc_client.post(url, _change_data(item, progress=35))
    assert response.status_code == 302, response.text[:2000]
    item.refresh_from_db()
    assert (item.progress, item.version) == (35, 2)


def test_admin_edit_with_stale_version_is_refused(crrc_client, item, manager):
    services.update_item(item, manager, expected_version=1, progress=50)
    url = reverse("admin:action_plans_actionitem_change", args=[item.pk])
    response = crrc_client.post(url, _change_data(item, progress=10, expected_version=1))
    assert response.status_code == 200
    assert "modifiée par quelqu" in response.text
    item.refresh_from_db()
    assert item.progress == 50


def test_admin_export_and_import(crrc_client, item):
    plan = item.plan
    response = crrc_client.get(reverse("admin:action_plans_actionplan_export", args=[plan.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[xlsx.SHEET]
    sheet.cell(2, 6).value = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = crrc_client.post(
        reverse("admin:action_plans_actionplan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile("suivi.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 302
    assert ActionItem.objects.get(pk=item.pk).progress == 80


def test_admin_import_reports_bad_rows(crrc_client, item):
    workbook = load_workbook(io.BytesIO(xlsx.export_plan(item.plan.establishment, [item])))
    workbook[xlsx.SHEET].cell(2, 5).value = "Perdue"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = crrc_client.post(
        reverse("admin:action_plans_actionplan_import", args=[item.plan.pk]),
        {"file": SimpleUploadedFile("suivi.xlsx", buffer.getvalue())},
    )
    assert "Perdue" in response.text and "Lignes refusées" in response.text


def test_admin_export_of_another_region_is_404(crrc_client, foreign_item):
    response = crrc_client.get(reverse("admin:action_plans_actionplan_export", args=[foreign_item.plan.pk]))
    assert response.status_code == 404
