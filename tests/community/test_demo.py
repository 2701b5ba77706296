import pytest
from django.core.management import call_command

from community.models import Activity, Document, Event, Member, Registration, Space, Thread
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, RegionFactory, finess_with_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def occitanie():
    region = RegionFactory(code="76", name="Occitanie")
    aude = DepartmentFactory(code="11", region=region, name="Aude")
    ariege = DepartmentFactory(code="09", region=region, name="Ariège")
    EstablishmentFactory(department=aude, finess="110000023", name="CH de Carcassonne")
    EstablishmentFactory(ehpad=True, department=ariege, finess="090000597", name="EHPAD de Luzenac")
    for n in range(3):
        EstablishmentFactory(department=aude, name=f"CH audois {n}", finess=finess_with_key("11", 900 + n))
        EstablishmentFactory(ehpad=True, department=ariege, name=f"EHPAD {n}", finess=finess_with_key("09", 900 + n))
    call_command("demo_accounts")
    return region


def test_demo_community_gives_every_account_something_to_do_and_is_idempotent(occitanie):
    call_command("demo_community")
    counts = (Space.objects.count(), Document.objects.count(), Thread.objects.count(), Activity.objects.count())
    call_command("demo_community")
    assert (Space.objects.count(), Document.objects.count(), Thread.objects.count(), Activity.objects.count()) == counts
    states = dict(Member.objects.filter(user__email__endswith="@demo.crrc.example",
                                        space__name="Communauté RSSI Occitanie")
                  .values_list("user__email", "state"))  # fmt: skip
    assert states["relais.ch@demo.crrc.example"] == "invited"
    assert states["membre.ch@demo.crrc.example"] == "requested"
    assert states["rssi.ch@demo.crrc.example"] == "active"
    assert "membre.ehpad@demo.crrc.example" not in states  # may ask to join
    regional = Event.objects.get(title="Journée régionale des RSSI")
    assert Registration.objects.filter(event=regional, state="waiting").count() == 1
    assert Document.objects.count() == 8 and Thread.objects.filter(is_locked=True).count() == 1


def test_the_other_regions_demo_accounts_get_their_region_s_community(occitanie):
    """demo_calls' director and CRRC team member of Île-de-France: a space, a thread to answer, an event."""
    from establishments.roles import Role, StaffKind
    from tests.establishments.factories import MembershipFactory, StaffAssignmentFactory

    paris = EstablishmentFactory(finess="750000481", department__region__code="11", department__code="75")
    MembershipFactory(establishment=paris, role=Role.DIRECTOR, user__email="direction.quinzevingts@demo.crrc.example")
    StaffAssignmentFactory(region=paris.region, kind=StaffKind.CRRC_STAFF, user__email="crrc.idf@demo.crrc.example")

    call_command("demo_community")
    call_command("demo_community")

    space = Space.objects.get(region=paris.region)
    member = Member.objects.get(space=space)
    assert member.user.email == "direction.quinzevingts@demo.crrc.example" and member.is_active
    assert Thread.objects.filter(space=space).count() == 1 and Event.objects.filter(space=space).count() == 1
    assert Document.objects.filter(space=space).count() == 1
