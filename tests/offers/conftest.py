import datetime

import pytest
from django.utils import timezone

from establishments.roles import Role
from offers import ami
from tests.establishments.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    MembershipFactory,
    RegionFactory,
    StaffAssignmentFactory,
)

from .factories import AgreementFactory, AwardeeFactory, BeneficiaryFactory, LotFactory, PriceItemFactory


@pytest.fixture
def region(db):
    return RegionFactory(code="76", name="Occitanie")


@pytest.fixture
def campaign(region):
    now = timezone.now()
    return ami.build_campaign(
        region, opens_at=now - datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=30)
    )


@pytest.fixture
def establishment(region):
    return EstablishmentFactory(ehpad=True, department=DepartmentFactory(code="31", region=region))


@pytest.fixture
def director(establishment):
    return MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user


@pytest.fixture
def rssi(establishment):
    return MembershipFactory(establishment=establishment, role=Role.RSSI).user


@pytest.fixture
def member(establishment):
    return MembershipFactory(establishment=establishment, role=Role.MEMBER).user


@pytest.fixture
def staff(region):
    return StaffAssignmentFactory(region=region).user


@pytest.fixture
def other_region(db):
    return RegionFactory(code="11", name="Île-de-France")


@pytest.fixture
def other_staff(other_region):
    return StaffAssignmentFactory(region=other_region).user


FULL_ANSWER = {
    "framework": "both",
    "audit_volume": "2",
    "audit_spend": "15000",
    "exercise_volume": "1",
    "exercise_spend": "8000,50",
    "community_join": "yes",
    "community_contacts": {
        "community_contacts__0__last_name": "Martin",
        "community_contacts__0__first_name": "Claire",
        "community_contacts__0__function": "RSSI",
        "community_contacts__0__email": "claire.martin@ehpad.example",
    },
    "awareness_join": "yes",
    "phishing_on_demand": "yes",
    "custom_campaigns": "no",
}


@pytest.fixture
def agreement(region, establishment):
    agreement = AgreementFactory(region=region)
    BeneficiaryFactory(agreement=agreement, establishment=establishment)
    return agreement


@pytest.fixture
def lot(agreement):
    return LotFactory(agreement=agreement, number=1, max_amount=10000, requires_passi=True)


@pytest.fixture
def awardee(lot):
    return AwardeeFactory(lot=lot, rank=1)


@pytest.fixture
def price(awardee):
    return PriceItemFactory(awardee=awardee, code="PT-J", unit_price=1000)


def with_mfa(user):
    from allauth.mfa.models import Authenticator

    from establishments.staffing import sync_staff_access

    sync_staff_access(user)

    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "t"}})
    return user


def answered_response(campaign, department, answer=None, submit=True):
    """A new establishment of ``department`` whose director answers ``campaign`` (and submits): (response, director)."""
    from offers import services

    establishment = EstablishmentFactory(department=department)
    director = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER if answer is None else answer)
    if submit:
        services.submit_response(response, director)
    return response, director
