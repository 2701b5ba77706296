"""The calendar invitation attached to registration e-mails, through the shared writer ``crrc/ics.py`` (written by
the exercises module; these tests run once it is on the branch)."""

import pytest
from django.core import mail

from community import services

from .conftest import viewer
from .factories import EventFactory

ics = pytest.importorskip("crrc.ics")
pytestmark = pytest.mark.django_db


def test_registration_mail_carries_the_event_invitation(space, es_member):
    event = EventFactory(space=space, title="Webinaire NIS 2")
    mail.outbox.clear()
    services.register(viewer(es_member.user, space), event)
    message = mail.outbox[-1]
    name, content, mimetype = message.attachments[0]
    assert name == "evenement.ics" and mimetype.startswith("text/calendar")
    assert "BEGIN:VEVENT" in content and f"UID:community-event-{event.pk}@crrc" in content
    assert "Webinaire NIS 2" in content and es_member.user.email in content
