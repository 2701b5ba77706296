import pytest

from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory

from .factories import member


@pytest.fixture
def establishment(db):
    return EstablishmentFactory(ehpad=True)


@pytest.fixture
def manager(establishment):
    """A member who may manage the action plan (RSSI)."""
    return member(establishment, Role.RSSI)


@pytest.fixture
def reader(establishment):
    """A plain member: reads the plan, edits nothing."""
    return member(establishment, Role.MEMBER)
