import pytest
from django.core.management import call_command

from action_plans.models import ActionItem
from action_plans.workflow import SourceKind, Status
from establishments.roles import Role
from tests.establishments.factories import CategoryFactory, EstablishmentFactory

from .factories import member

pytestmark = pytest.mark.django_db


def test_demo_builds_a_realistic_plan_once():
    ch = EstablishmentFactory(finess="110000023", category=CategoryFactory(sector="ES"), sector="ES")
    rssi = member(ch, Role.RSSI)
    director = member(ch, Role.DIRECTOR)

    call_command("demo_action_plans", finess=["110000023"])
    items = ActionItem.objects.filter(plan__establishment=ch)
    count = items.count()
    call_command("demo_action_plans", finess=["110000023"])

    assert items.count() == count == 14
    assert items.filter(
        title="Réaliser des sauvegardes régulièrement", source_kind=SourceKind.ASSESSMENT_ANSWER
    ).exists()
    assert {i.status for i in items} == {Status.TODO, Status.IN_PROGRESS, Status.DONE, Status.ABANDONED}
    assert items.overdue().exists()
    assert {i.owner for i in items if i.owner} <= {rssi, director}
    assert items.filter(source_kind=SourceKind.EXERCISE_DEBRIEF).exists()
