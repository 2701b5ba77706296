import pytest

from assessments import services
from assessments.models import Answer
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

MAC = "monaidecyber-diagnostic"
HYGIENE = "anssi-guide-hygiene"
EXERCISE = "ans-autoevaluation-exercice-crise"


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
