import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from action_plans import services
from action_plans.models import ActionItem, ActionItemTransition
from action_plans.services import ActionPlanError, ItemProposal, StaleEditError, TransitionNotAllowed
from action_plans.workflow import Priority, SourceKind, Status
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory

from .factories import ActionItemFactory, member

pytestmark = pytest.mark.django_db


def proposals():
    return [
        ItemProposal(
            title="Sauvegardes déconnectées",
            priority=Priority.P1,
            source_kind=SourceKind.ASSESSMENT_ANSWER,
            source_label="Diagnostic du 12/03 – question 4.2",
            source_key="assessment:1:q4.2",
        ),
        ItemProposal(title="Former les agents", source_key="assessment:1:q6.1"),
    ]


def test_plan_is_created_lazily_once(establishment):
    assert services.get_or_create_plan(establishment) == services.get_or_create_plan(establishment)


def test_add_items_creates_one_item_per_proposal(establishment, manager):
    items = services.add_items(establishment, proposals(), manager)
    assert [i.title for i in items] == ["Sauvegardes déconnectées", "Former les agents"]
    assert items[0].priority == Priority.P1
    assert items[0].source_label == "Diagnostic du 12/03 – question 4.2"
    assert items[0].created_by == manager


def test_add_items_is_idempotent_by_source_key(establishment, manager):
    first = services.add_items(establishment, proposals(), manager)
    services.abandon_item(first[1], manager, reason="Déjà fait par le GHT")
    again = services.add_items(establishment, proposals() + [ItemProposal(title="Nouveau", source_key="x")], manager)
    assert ActionItem.objects.filter(plan__establishment=establishment).count() == 3
    assert [i.pk for i in again[:2]] == [i.pk for i in first]


def test_add_items_keeps_the_source_object_reference(establishment, manager):
    other = UserFactory()
    item = services.add_items(establishment, [ItemProposal(title="Lien", source_object=other)], manager)[0]
    item.refresh_from_db()
    assert item.source_object == other


def test_database_refuses_duplicate_source_key(establishment, manager):
    item = services.add_items(establishment, proposals(), manager)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(plan=item.plan, source_key=item.source_key)


def test_owner_must_be_an_active_member(establishment, manager):
    outsider = member(EstablishmentFactory())
    with pytest.raises(ActionPlanError, match="n'est pas membre actif"):
        services.create_item(establishment, manager, title="Test", owner=outsider)


def test_deactivated_member_cannot_become_owner(establishment, manager):
    membership = MembershipFactory(establishment=establishment, role=Role.MEMBER)
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save()
    with pytest.raises(ActionPlanError):
        services.create_item(establishment, manager, title="Test", owner=membership.user)


def test_owner_through_the_organisation_is_accepted(manager, establishment):
    item = services.create_item(establishment, manager, title="Test", owner=manager)
    assert item.owner == manager


def test_workflow_start_complete_reopen(establishment, manager):
    item = services.create_item(establishment, manager, title="Test")
    item = services.start_item(item, manager)
    assert item.status == Status.IN_PROGRESS
    item = services.complete_item(item, manager)
    assert (item.status, item.progress) == (Status.DONE, 100)
    assert item.completed_at is not None
    item = services.reopen_item(item, manager)
    assert item.status == Status.IN_PROGRESS and item.completed_at is None
    log = list(ActionItemTransition.objects.filter(item=item).order_by("pk").values_list("from_state", "to_state"))
    assert log == [("todo", "in_progress"), ("in_progress", "done"), ("done", "in_progress")]


def test_cannot_start_twice(establishment, manager):
    item = services.start_item(services.create_item(establishment, manager, title="Test"), manager)
    with pytest.raises(TransitionNotAllowed, match="Seule une action « à faire »"):
        services.start_item(item, manager)


def test_cannot_complete_an_abandoned_item(establishment, manager):
    item = services.abandon_item(services.create_item(establishment, manager, title="T"), manager, reason="Hors sujet")
    with pytest.raises(TransitionNotAllowed, match="déjà clôturée"):
        services.complete_item(item, manager)


def test_abandon_requires_a_reason(establishment, manager):
    item = services.create_item(establishment, manager, title="Test")
    with pytest.raises(ActionPlanError, match="motif"):
        services.abandon_item(item, manager, reason="  ")
    item.refresh_from_db()
    assert item.status == Status.TODO


def test_reopen_clears_the_abandon_reason(establishment, manager):
    item = services.abandon_item(services.create_item(establishment, manager, title="T"), manager, reason="Hors sujet")
    item = services.reopen_item(item, manager)
    assert item.abandon_reason == ""


@pytest.mark.parametrize(
    "values",
    [
        {"status": Status.ABANDONED, "abandon_reason": ""},
        {"status": Status.DONE, "progress": 100, "completed_at": None},
        {"status": Status.DONE, "progress": 80},
        {"status": Status.TODO, "completed_at": "now"},
        {"progress": 101},
        {"priority": "P9"},
        {"status": "archived"},
    ],
)
def test_database_constraints_mirror_the_workflow(establishment, values):
    if values.get("completed_at") == "now":
        values["completed_at"] = timezone.now()
    if values.get("status") == Status.DONE and "completed_at" not in values:
        values["completed_at"] = timezone.now()
    item = ActionItemFactory(plan__establishment=establishment)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(**values)


def test_update_bumps_the_version(establishment, manager):
    item = services.create_item(establishment, manager, title="Test")
    updated = services.update_item(item, manager, expected_version=item.version, title="Nouveau titre", progress=40)
    assert (updated.title, updated.progress, updated.version) == ("Nouveau titre", 40, 2)


def test_concurrent_edit_is_refused_with_a_clear_message(establishment, manager):
    colleague = member(establishment, Role.DIRECTOR, email="directrice@example.org")
    item = services.create_item(establishment, manager, title="Test")
    opened_version = item.version
    services.update_item(item, colleague, expected_version=opened_version, progress=50)
    with pytest.raises(StaleEditError, match="modifiée par directrice@example.org"):
        services.update_item(item, manager, expected_version=opened_version, progress=10)
    item.refresh_from_db()
    assert item.progress == 50


def test_transition_also_refuses_a_stale_version(establishment, manager):
    item = services.create_item(establishment, manager, title="Test")
    services.update_item(item, manager, expected_version=item.version, progress=50)
    with pytest.raises(StaleEditError):
        services.complete_item(item, manager, expected_version=1)


def test_done_item_progress_cannot_be_lowered(establishment, manager):
    item = services.complete_item(services.create_item(establishment, manager, title="Test"), manager)
    with pytest.raises(ActionPlanError, match="100 %"):
        services.update_item(item, manager, expected_version=item.version, progress=50)


def test_history_records_who_changed_what(establishment, manager):
    item = services.create_item(establishment, manager, title="Test")
    services.update_item(item, manager, expected_version=1, title="Autre")
    assert item.history.count() == 2
    assert item.history.first().history_user == manager


def test_comment(establishment, manager):
    item = services.create_item(establishment, manager, title="Test")
    comment = services.add_comment(item, manager, "  Devis demandé  ")
    assert comment.body == "Devis demandé"
    with pytest.raises(ActionPlanError):
        services.add_comment(item, manager, " ")
