from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from action_plans import services, tasks
from action_plans.models import ActionItem, OverdueDigestLog
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory

from .factories import member

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def owner(establishment):
    return member(establishment, Role.RSSI, email="rssi@ehpad.example.org", first_name="Camille")


def test_owner_is_reminded_before_the_deadline_once(establishment, manager, owner, settings):
    settings.ACTION_PLAN_REMINDER_DAYS = 7
    item = services.create_item(
        establishment, manager, title="Changer les mots de passe", owner=owner, deadline=days(3)
    )
    services.create_item(establishment, manager, title="Trop tôt pour un rappel", owner=owner, deadline=days(20))

    assert tasks.send_deadline_reminders() == 1
    assert tasks.send_deadline_reminders() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rssi@ehpad.example.org"]
    assert message.subject == "[CRRC] Échéance dans 3 jours : Changer les mots de passe"
    assert "Bonjour Camille," in message.body
    assert f"/plans-d-action/actions/{item.pk}/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "Changer les mots de passe" in html


def test_a_new_deadline_gets_a_new_reminder(establishment, manager, owner):
    item = services.create_item(establishment, manager, title="Test", owner=owner, deadline=days(2))
    tasks.send_deadline_reminders()
    services.update_item(item, manager, expected_version=item.version, deadline=days(5))
    tasks.send_deadline_reminders()
    assert len(mail.outbox) == 2


def test_closed_items_and_former_members_get_no_reminder(establishment, manager, owner):
    done = services.create_item(establishment, manager, title="Faite", owner=owner, deadline=days(1))
    services.complete_item(done, manager)
    leaving = member(establishment)
    services.create_item(establishment, manager, title="Partie", owner=leaving, deadline=days(1))
    leaving.memberships.update(is_active=False, deactivated_at=timezone.now())
    assert tasks.send_deadline_reminders() == 0
    assert mail.outbox == []


def test_failed_sending_is_retried_next_run(establishment, manager, owner, monkeypatch):
    item = services.create_item(establishment, manager, title="Test", owner=owner, deadline=days(1))

    def refuse(*args, **kwargs):
        raise OSError("SMTP indisponible")

    monkeypatch.setattr("action_plans.notifications.send_deadline_reminder", refuse)
    assert tasks.send_deadline_reminders() == 0
    assert ActionItem.objects.get(pk=item.pk).reminder_sent_for is None
    monkeypatch.undo()
    assert tasks.send_deadline_reminders() == 1


def test_weekly_digest_lists_the_owners_overdue_items_once(establishment, manager, owner):
    second = EstablishmentFactory(ehpad=True)
    member(second, Role.RSSI, email=owner.email)
    late = services.create_item(establishment, manager, title="Cartographie du SI", owner=owner, deadline=days(4))
    other = services.create_item(second, None, title="Sauvegardes", owner=owner, deadline=days(4))
    services.create_item(establishment, manager, title="Pas en retard", owner=owner, deadline=days(10))
    abandoned = services.create_item(establishment, manager, title="Abandonnée", owner=owner, deadline=days(4))
    services.abandon_item(abandoned, manager, reason="Sans objet")
    ActionItem.objects.filter(pk__in=[late.pk, other.pk, abandoned.pk]).update(deadline=days(-4))
    ActionItem.objects.filter(pk=other.pk).update(deadline=days(-10))

    assert tasks.send_overdue_digests() == 1
    assert tasks.send_overdue_digests() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[CRRC] Plan d'action : 2 actions en retard"
    body = message.body
    assert "Cartographie du SI" in body and "en retard de 4 jours" in body
    assert "Sauvegardes" in body and "en retard de 10 jours" in body and second.name in body
    assert "Pas en retard" not in body and "Abandonnée" not in body
    assert OverdueDigestLog.objects.get().item_count == 2


def test_no_digest_without_overdue_items(establishment, manager, owner):
    services.create_item(establishment, manager, title="À venir", owner=owner, deadline=days(3))
    assert tasks.send_overdue_digests() == 0
    assert mail.outbox == []
