import pytest

from establishments.roles import Capability, Role, StaffKind
from establishments.selectors import establishments_for, establishments_where
from reports.models import Report

from .factories import EstablishmentFactory, MembershipFactory, OrganisationFactory, StaffAssignmentFactory

pytestmark = pytest.mark.django_db


def test_member_sees_only_own_establishment():
    membership = MembershipFactory()
    other = EstablishmentFactory()
    visible = establishments_for(membership.user)
    assert list(visible) == [membership.establishment]
    assert other not in visible


def test_organisation_member_sees_its_establishments():
    organisation = OrganisationFactory()
    first = EstablishmentFactory(organisation=organisation)
    second = EstablishmentFactory(organisation=organisation)
    membership = MembershipFactory(establishment=None, organisation=organisation, role=Role.DIRECTOR)
    assert set(establishments_for(membership.user)) == {first, second}


def test_deactivated_membership_gives_nothing():
    membership = MembershipFactory(is_active=False)
    assert not establishments_for(membership.user).exists()


def test_crrc_staff_sees_their_region_only():
    assignment = StaffAssignmentFactory()
    inside = EstablishmentFactory(department__region=assignment.region)
    outside = EstablishmentFactory()
    visible = establishments_for(assignment.user)
    assert inside in visible
    assert outside not in visible


def test_ars_reviewer_cannot_act_for_an_establishment():
    assignment = StaffAssignmentFactory(kind=StaffKind.ARS_REVIEWER)
    EstablishmentFactory(department__region=assignment.region)
    assert not establishments_where(assignment.user, Capability.EDIT_APPLICATIONS).exists()


def test_scoped_queryset_hides_other_tenants_rows():
    mine = MembershipFactory()
    Report.objects.create(establishment=mine.establishment, kind="establishment_sheet")
    Report.objects.create(establishment=EstablishmentFactory(), kind="establishment_sheet")
    assert Report.objects.for_user(mine.user).count() == 1
