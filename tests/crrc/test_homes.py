"""Where each kind of user lands: CRRC staff on their region's work queue, ARS reviewers on the dashboard."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from action_plans.models import Status as ItemStatus
from calls.models import State
from establishments.roles import Role, StaffKind
from reports.models import Report
from tests.action_plans.factories import ActionItemFactory, region_staff
from tests.calls.factories import ApplicationFactory, CallFactory, CutOffFactory
from tests.establishments.factories import AccessRequestFactory, EstablishmentFactory, MembershipFactory, UserFactory
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


@pytest.fixture
def here():
    return EstablishmentFactory(name="Clinique d'ici")


@pytest.fixture
def elsewhere():
    return EstablishmentFactory(name="Hôpital d'ailleurs")


def fill(here, elsewhere, size: int):
    """``size`` rows of each kind of work in ``here``'s region, and the same in another region."""
    for place in (here, elsewhere):
        call = CallFactory(region=place.region, title=f"Appel {place.name}")
        second = CallFactory(region=place.region, title=f"Second appel {place.name}")
        cutoff = CutOffFactory(call=call, date=timezone.now() + datetime.timedelta(days=5), label="Relève de juin")
        for index in range(size):
            establishment = EstablishmentFactory(department=place.department, name=f"{place.name} {index}")
            AccessRequestFactory(establishment=establishment, user=UserFactory(email=f"demande{index}@{place.pk}.fr"))
            ApplicationFactory(call=call, establishment=establishment, state=State.EN_CONSTRUCTION, cutoff=cutoff)
            ApplicationFactory(call=second, establishment=establishment, state=State.EN_INSTRUCTION)
            ActionItemFactory(
                plan__establishment=establishment,
                title=f"Action en retard {place.name} {index}",
                deadline=timezone.localdate() - datetime.timedelta(days=3),
            )
            ActionItemFactory(
                plan__establishment=establishment, deadline=timezone.localdate() + datetime.timedelta(days=9)
            )
            ReportFactory(establishment=establishment, status=Report.Status.FAILED, error="boom", file="", filename="")


def test_crrc_staff_land_on_their_regions_work_queue(client, here, elsewhere):
    fill(here, elsewhere, 2)
    ActionItemFactory(
        plan__establishment=here,
        status=ItemStatus.DONE,
        completed_at=timezone.now(),
        progress=100,
        deadline=timezone.localdate() - datetime.timedelta(days=30),
    )
    staff = region_staff(here.region)
    login(client, staff)

    page = client.get("/").content.decode()

    assert "Travail de l'équipe CRRC" in page
    assert "demande0@" in page and f"@{here.pk}.fr" in page and f"@{elsewhere.pk}.fr" not in page
    assert "Appel Clinique d&#x27;ici" in page and "Appel Hôpital" not in page
    assert "Relève de juin" in page and "sans relève" in page
    assert "Action en retard Clinique d&#x27;ici 0" in page and "Action en retard Hôpital" not in page
    assert page.count("crrc-overdue-label") == 2  # the done item past its deadline is not overdue
    assert "Documents en échec" in page and "Hôpital d&#x27;ailleurs 0" not in page
    assert reverse("admin:index") in page and reverse("dashboards:region") in page


def test_the_work_queue_costs_the_same_queries_whatever_the_data(client, here, elsewhere):
    staff = region_staff(here.region)
    login(client, staff)
    fill(here, elsewhere, 1)
    client.get("/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    fill(here, elsewhere, 12)
    with CaptureQueriesContext(connection) as large:
        page = client.get("/").content.decode()

    assert len(large) == len(small)
    assert "et 3 autres demandes" in page  # 13 pending, 10 listed


def test_an_empty_queue_says_so(client, here):
    login(client, region_staff(here.region))

    assert "Rien n'attend l'équipe" in client.get("/").content.decode()


def test_ars_reviewers_land_on_the_regional_dashboard(client, here):
    login(client, region_staff(here.region, kind=StaffKind.ARS_REVIEWER))

    assert client.get("/").url == reverse("dashboards:region")


def test_members_and_newcomers_land_on_their_establishments(client, here):
    login(client, MembershipFactory(establishment=here, role=Role.DIRECTOR).user)
    assert client.get("/").url == reverse("establishments:mine")
    login(client, UserFactory())
    assert client.get("/").url == reverse("establishments:mine")


def test_visitors_see_the_public_home(client):
    assert "Créer un compte" in client.get("/").content.decode()
