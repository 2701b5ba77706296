import pytest

from awareness.choices import ModuleKind
from establishments.roles import Role, StaffKind
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, StaffAssignmentFactory

from .factories import CampaignFactory, EnrolmentFactory, ModuleFactory, ProgrammeFactory


@pytest.fixture
def establishment(db):
    return EstablishmentFactory()


@pytest.fixture
def programme(establishment):
    programme = ProgrammeFactory(region=establishment.region)
    ModuleFactory(programme=programme, month=None, code="REMED", kind=ModuleKind.FOLLOW_UP, title="Remédiation")
    for month in (1, 2, 3):
        ModuleFactory(programme=programme, month=month)
    return programme


@pytest.fixture
def campaign(programme):
    return CampaignFactory(programme=programme, quarter=1)


@pytest.fixture
def enrolment(establishment, programme):
    return EnrolmentFactory(establishment=establishment, programme=programme)


@pytest.fixture
def sponsor(establishment):
    return MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user


@pytest.fixture
def relay(establishment):
    return MembershipFactory(establishment=establishment, role=Role.AWARENESS_RELAY).user


@pytest.fixture
def plain_member(establishment):
    return MembershipFactory(establishment=establishment, role=Role.MEMBER).user


@pytest.fixture
def crrc_staff(establishment):
    from allauth.mfa.models import Authenticator

    user = StaffAssignmentFactory(region=establishment.region, kind=StaffKind.CRRC_STAFF).user
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def ars_reviewer(establishment):
    from allauth.mfa.models import Authenticator

    user = StaffAssignmentFactory(region=establishment.region, kind=StaffKind.ARS_REVIEWER).user
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user
