"""Step reminders with a frozen clock: sent when a step falls due, once, to the director and RSSI only."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from establishments.roles import Role
from incidents import services, tasks
from incidents.steps import StepKind
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .factories import declare, rssi_of, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now()`` frozen at a moment the test moves forward."""
    state = {"now": timezone.now().replace(microsecond=0)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


def test_reminders_follow_the_deadlines_once_each(clock):
    establishment = EstablishmentFactory()
    detected = clock["now"]
    incident = declare(establishment, detected_at=detected, personal_data=True)
    rssi = rssi_of(establishment)
    MembershipFactory(establishment=establishment, role=Role.MEMBER)
    mail.outbox.clear()

    # Detection + 2 h 30: the crisis cell (4 h) is due within the hour? No (1 h 30 left). Nothing is sent.
    clock["now"] = detected + timedelta(hours=2, minutes=30)
    assert tasks.send_step_reminders() == 0

    # Detection + 3 h 15: the crisis cell falls due within the hour: one reminder, to the director and the RSSI.
    clock["now"] = detected + timedelta(hours=3, minutes=15)
    assert tasks.send_step_reminders() == 1
    assert sorted(mail.outbox[0].to) == sorted([incident.declared_by.email, rssi.email])
    assert "Ouvrir la cellule de crise" in mail.outbox[0].subject
    assert tasks.send_step_reminders() == 0  # a beat that fires twice sends once

    # Detection + 23 h 30: the national portal (24 h) is due; the crisis cell was reminded already.
    clock["now"] = detected + timedelta(hours=23, minutes=30)
    assert tasks.send_step_reminders() == 1
    assert "portail national" in mail.outbox[-1].subject

    # Detection + 80 h: the CNIL step (72 h) is overdue and reminded; a step done in time is never reminded.
    services.mark_step_done(incident.steps.get(kind=StepKind.CNIL), incident.declared_by)
    clock["now"] = detected + timedelta(hours=80)
    assert tasks.send_step_reminders() == 0
    assert len(mail.outbox) == 2


def test_closed_incidents_are_not_reminded(clock):
    incident = declare(detected_at=clock["now"])
    staff = staff_of(incident.establishment.region)
    services.take(incident, staff)
    services.close(incident, staff, lessons_learned="Fausse alerte : un test de l'hébergeur.")
    clock["now"] += timedelta(days=5)
    assert tasks.send_step_reminders() == 0
