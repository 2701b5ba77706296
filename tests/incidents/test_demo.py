import pytest
from django.core.management import call_command

from action_plans.models import ActionItem
from action_plans.workflow import SourceKind
from establishments.models import Region
from establishments.roles import Role
from incidents.models import Incident, RegionOnCall
from incidents.workflow import State
from tests.establishments.factories import CategoryFactory, DepartmentFactory, EstablishmentFactory, MembershipFactory

from .factories import staff_of

pytestmark = pytest.mark.django_db


def test_demo_builds_an_open_and_a_closed_incident_once():
    department = DepartmentFactory(region__code="76", region__name="Occitanie")
    ch = EstablishmentFactory(finess="110000023", department=department, category=CategoryFactory(sector="ES"))
    ehpad = EstablishmentFactory(finess="090000597", department=department, ehpad=True)
    MembershipFactory(establishment=ch, role=Role.RSSI)
    MembershipFactory(establishment=ehpad, role=Role.DIRECTOR)
    staff_of(Region.objects.get(code="76"))

    call_command("demo_incidents")
    call_command("demo_incidents")

    open_one = Incident.objects.get(establishment=ch)
    closed = Incident.objects.get(establishment=ehpad)
    assert open_one.state == State.DECLARED and open_one.rapid_response_requested
    assert closed.state == State.CLOSED and closed.interventions.count() == 2
    assert closed.steps.filter(done_at__isnull=False).count() == 4
    assert ActionItem.objects.filter(plan__establishment=ehpad, source_kind=SourceKind.INCIDENT).count() == 2
    assert RegionOnCall.objects.filter(region__code="76").exists()


def test_the_other_regions_demo_directors_get_an_incident_for_their_crrc_to_take():
    """demo_calls creates a director in Île-de-France and in Auvergne-Rhône-Alpes: each has an open incident."""
    department = DepartmentFactory(region__code="76", region__name="Occitanie")
    ch = EstablishmentFactory(finess="110000023", department=department)
    MembershipFactory(establishment=ch, role=Role.RSSI)
    EstablishmentFactory(finess="090000597", department=department, ehpad=True)
    paris = EstablishmentFactory(finess="750000481", department__region__code="11")
    ain = EstablishmentFactory(finess="010784312", department__region__code="84", ehpad=True)
    for establishment in (paris, ain):
        MembershipFactory(establishment=establishment, role=Role.DIRECTOR)

    call_command("demo_incidents")
    call_command("demo_incidents")

    for establishment in (paris, ain):
        incident = Incident.objects.get(establishment=establishment)
        assert incident.state == State.DECLARED and incident.steps.get(kind="crisis_cell").done_at is not None
        assert incident.steps.filter(done_at__isnull=True).exists()  # steps left for the director to take
        assert RegionOnCall.objects.filter(region=establishment.region).exists()
    assert Incident.objects.get(establishment=ain).steps.filter(kind="cnil").exists()
