import pytest
from django.urls import reverse

from calls.workflow import State
from tests.establishments.factories import RegionFactory

from .factories import ApplicationFactory, CallFactory, QuestionFactory, RuleFactory, crrc_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, call):
    from establishments.staffing import sync_staff_access

    staff = crrc_staff(call.region)
    sync_staff_access(staff)
    client.force_login(staff)
    return client


def test_staff_configure_their_region_calls_only(staff_client, call):
    other = CallFactory(region=RegionFactory(code="84"), title="Appel ARA hors région")
    QuestionFactory(call=call, label="Date du dernier OPSSIES")
    RuleFactory(call=call)
    page = staff_client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert "Date du dernier OPSSIES" in page
    changelist = staff_client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert call.title in changelist
    assert other.title not in changelist
    assert staff_client.get(reverse("admin:calls_call_change", args=[other.pk])).status_code in (302, 404)


def test_admin_action_moves_to_instruction_through_the_workflow(staff_client, call):
    application = ApplicationFactory(call=call, state=State.EN_CONSTRUCTION)
    staff_client.post(
        reverse("admin:calls_application_changelist"),
        {"action": "start_instruction", "_selected_action": [application.pk]},
    )
    application.refresh_from_db()
    assert application.state == State.EN_INSTRUCTION
    assert application.transitions.filter(transition="start_instruction").exists()
