"""Generated documents in the admin: CRRC staff see their region's only, and relaunch failed ones."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from establishments.roles import StaffKind
from establishments.staffing import assign_staff
from reports.models import Report
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, RegionFactory, UserFactory

from .factories import ReportFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:reports_report_changelist"


@pytest.fixture
def reports():
    inside = EstablishmentFactory(department=DepartmentFactory(code="34", region=RegionFactory(code="76")))
    outside = EstablishmentFactory(department=DepartmentFactory(code="75", region=RegionFactory(code="11")))
    return ReportFactory(establishment=inside), ReportFactory(establishment=outside)


@pytest.fixture
def staff_client(client, reports):
    user = UserFactory(email="equipe.crrc@example.org")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assign_staff(user, reports[0].establishment.region, StaffKind.CRRC_STAFF)
    client.force_login(user)
    return client


def test_crrc_staff_see_only_their_region_reports(staff_client, reports):
    inside, outside = reports
    page = staff_client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert inside.establishment.name in page.text
    assert outside.establishment.name not in page.text
    change = reverse("admin:reports_report_change", args=[outside.pk])
    assert staff_client.get(change).status_code in (302, 404)


def test_failed_report_is_relaunched_from_the_admin(staff_client, reports, django_capture_on_commit_callbacks):
    inside = reports[0]
    Report.objects.filter(pk=inside.pk).update(status=Report.Status.FAILED, error="RuntimeError: x", file="")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse(CHANGELIST), {"action": "relaunch", "_selected_action": [inside.pk]}, follow=True
        )
    assert "1 document relancé." in response.text
    inside.refresh_from_db()
    assert inside.status == Report.Status.DONE  # eager: rebuilt at once
    assert inside.error == ""


def test_regional_reports_are_scoped_to_their_region_in_the_admin(staff_client, reports):
    inside, outside = reports
    own = Report.objects.create(region=inside.establishment.region, kind="dashboard", parameters={"filters": {}})
    foreign = Report.objects.create(region=outside.establishment.region, kind="dashboard", parameters={"filters": {}})

    assert staff_client.get(reverse("admin:reports_report_change", args=[own.pk])).status_code == 200
    assert staff_client.get(reverse("admin:reports_report_change", args=[foreign.pk])).status_code in (302, 404)


def test_a_report_belongs_to_an_establishment_or_a_region_never_both_nor_neither(reports):
    from django.db import IntegrityError, transaction

    inside, _outside = reports
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind="dashboard")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind="dashboard", establishment=inside.establishment, region=inside.establishment.region)
