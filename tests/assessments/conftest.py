import pytest

from assessments import services
from assessments.loader import builtin_sources, load_grid_path
from assessments.models import Answer, Grid
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

MAC = "monaidecyber-diagnostic"
HYGIENE = "anssi-guide-hygiene"
EXERCISE = "ans-autoevaluation-exercice-crise"


def _load_builtin() -> None:
    if Grid.objects.filter(is_current=True).count() < 3:
        for source in builtin_sources():
            load_grid_path(source)


@pytest.fixture(scope="session")
def _builtin_grids(django_db_setup, django_db_blocker):
    """Load the shipped grids once per session, outside the tests' transactions."""
    with django_db_blocker.unblock():
        _load_builtin()


@pytest.fixture
def grids(_builtin_grids, db):
    """The three shipped grids (reloaded if a transactional test flushed them)."""
    _load_builtin()
    return {grid.slug: grid for grid in Grid.objects.filter(is_current=True)}


@pytest.fixture
def establishment(db):
    return EstablishmentFactory()


@pytest.fixture
def rssi(establishment):
    return MembershipFactory(establishment=establishment, role=Role.RSSI).user


def answer(assessment, question_code: str, *option_codes: str, user=None):
    """Answer as the UI does: by codes, with the version currently displayed."""
    question = assessment.grid.questions.get(code=question_code)
    option_ids = list(question.options.filter(code__in=option_codes).values_list("id", flat=True))
    assert len(option_ids) == len(option_codes), f"unknown option among {option_codes}"
    current = Answer.objects.filter(assessment=assessment, question=question).first()
    return services.record_answer(assessment, question.id, option_ids, user, current.version if current else 0)
