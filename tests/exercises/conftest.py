import pytest
from django.core.management import call_command

from establishments.roles import Role
from exercises.choices import Cell, Function
from exercises.models import Scenario
from tests.action_plans.factories import member, region_staff
from tests.establishments.factories import EstablishmentFactory

from .factories import ParticipantFactory


@pytest.fixture
def catalogue(db):
    call_command("load_exercise_scenarios", verbosity=0)
    return Scenario.objects.get(slug="rancongiciel")


@pytest.fixture
def establishment(db):
    return EstablishmentFactory(ehpad=True)


@pytest.fixture
def director(establishment):
    return member(establishment, Role.DIRECTOR)


@pytest.fixture
def reader(establishment):
    return member(establishment, Role.MEMBER)


@pytest.fixture
def staff(establishment):
    return region_staff(establishment.region)


@pytest.fixture
def exercise(establishment, catalogue, staff):
    """A draft exercise created as the CRRC does: the scenario's objectives and chronogram copied."""
    from datetime import timedelta

    from django.utils import timezone

    from exercises import services

    return services.create_exercise(
        establishment,
        staff,
        title="Exercice rançongiciel",
        scenario=catalogue,
        starts_at=timezone.now() + timedelta(days=30),
    )


@pytest.fixture
def ready_exercise(exercise, staff):
    """An exercise with a director and a chronogram, marked ready."""
    from exercises import services

    ParticipantFactory(exercise=exercise, function=Function.DIRECTOR, cell=Cell.CRISIS, name="Mme Directrice")
    return services.transition(exercise, staff, "mark_ready")


@pytest.fixture
def running_exercise(ready_exercise, staff):
    from exercises import services

    return services.transition(ready_exercise, staff, "start")
