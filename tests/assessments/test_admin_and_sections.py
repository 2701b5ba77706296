"""Admin (read-only grids, region-scoped assessments) and the section on "Mon établissement"."""

import pytest
from django.urls import reverse

from assessments import services
from establishments.staffing import ensure_crrc_staff_group, sync_staff_access
from tests.establishments.factories import EstablishmentFactory, StaffAssignmentFactory, UserFactory

from .conftest import EXERCISE, answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_grid_admin_shows_structure_read_only(superuser_client, grids):
    grid = grids[EXERCISE]

    page = superuser_client.get(reverse("admin:assessments_grid_change", args=[grid.pk])).content.decode()

    assert "Kit intermédiaire" in page and "Fiche d&#x27;identité" in page
    assert 'name="_save"' not in page
    assert superuser_client.get(reverse("admin:assessments_grid_add")).status_code == 403


def test_assessment_admin_is_region_scoped(client, grids, establishment, rssi):
    mine = services.start_assessment(establishment, grids[EXERCISE], rssi)
    answer(mine, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")
    other = services.start_assessment(EstablishmentFactory(), grids[EXERCISE], None)
    staff = StaffAssignmentFactory(region=establishment.region).user
    ensure_crrc_staff_group()
    sync_staff_access(staff)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    staff.refresh_from_db()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")

    changelist = client.get(reverse("admin:assessments_assessment_changelist"))

    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert establishment.name in body and other.establishment.name not in body
    assert client.get(reverse("admin:assessments_assessment_change", args=[other.pk])).status_code in (302, 404)
    detail = client.get(reverse("admin:assessments_assessment_change", args=[mine.pk])).content.decode()
    assert "Ils sont identifiés, mais ne sont pas informés" in detail


def test_establishment_home_lists_its_assessments(client, grids, establishment, rssi):
    assessment = services.start_assessment(establishment, grids[EXERCISE], rssi)
    client.force_login(rssi, backend="django.contrib.auth.backends.ModelBackend")

    page = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()

    assert reverse("assessments:detail", args=[assessment.pk]) in page
    assert "Auto-évaluation avant un exercice de crise cyber" in page
