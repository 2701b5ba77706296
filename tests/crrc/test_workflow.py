"""The workflow kit: refusals write nothing and queue nothing, concurrency, the log, availability, the admin check."""

import threading

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory

from crrc.checks import editable_state_fields
from crrc.workflow import ConcurrentEditError, WorkflowError
from crrc.workflow_admin import WorkflowAdminMixin
from tests.crrc.workflow_app.models import TICKET_WORKFLOW, Ticket, TicketLog
from tests.establishments.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def effects():
    seen = []
    TICKET_WORKFLOW._effects.clear()
    TICKET_WORKFLOW.on("*", lambda obj, transition, user: seen.append((obj.pk, transition.name)))
    yield seen
    TICKET_WORKFLOW._effects.clear()


def test_applied_transition_saves_logs_and_queues_side_effects_on_commit(effects, django_capture_on_commit_callbacks):
    user = UserFactory()
    ticket = Ticket.objects.create(title="A")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        saved = TICKET_WORKFLOW.apply(ticket, "close", user, update=lambda t: setattr(t, "closed_note", "vu"))
    assert len(callbacks) == 1
    assert effects == [(ticket.pk, "close")]
    assert ticket.state == saved.state == Ticket.State.CLOSED  # the caller's instance follows
    ticket.refresh_from_db()
    assert (ticket.state, ticket.version, ticket.closed_note) == ("closed", 2, "vu")
    log = TicketLog.objects.get()
    assert (log.transition, log.from_state, log.to_state, log.by, log.reason) == ("close", "open", "closed", user, "")
    assert log.at is not None
    assert (log.from_label, log.to_label) == ("Ouvert", "Fermé")


def test_refused_transition_writes_nothing_and_queues_nothing(effects, django_capture_on_commit_callbacks):
    ticket = Ticket.objects.create(title="A", state=Ticket.State.CLOSED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(WorkflowError) as refusal:
        TICKET_WORKFLOW.apply(ticket, "close", UserFactory())
    assert str(refusal.value) == "Ce ticket est déjà fermé ou annulé."
    assert callbacks == [] and effects == []
    assert TicketLog.objects.count() == 0
    ticket.refresh_from_db()
    assert (ticket.state, ticket.version) == ("closed", 1)


def test_guard_refusal_and_update_error_leave_the_row_untouched(effects, django_capture_on_commit_callbacks):
    ticket = Ticket.objects.create(title="A", ready=False)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError, match="pas prêt"):
        TICKET_WORKFLOW.apply(ticket, "close", UserFactory())

    def refuse(locked):
        locked.closed_note = "half-written"
        raise WorkflowError("Montant invalide.")

    ticket = Ticket.objects.create(title="B")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError, match="Montant invalide"):
        TICKET_WORKFLOW.apply(ticket, "close", UserFactory(), update=refuse)
    assert list(Ticket.objects.values_list("state", "closed_note").order_by("pk")) == [("open", ""), ("open", "")]
    assert TicketLog.objects.count() == 0 and effects == []


def test_reason_required_and_actor_rule():
    ticket = Ticket.objects.create(title="A")
    with pytest.raises(WorkflowError, match="pas le droit"):
        TICKET_WORKFLOW.apply(ticket, "cancel", UserFactory(), reason="doublon")
    staff = UserFactory(is_staff=True)
    with pytest.raises(WorkflowError, match="pourquoi le ticket est annulé"):
        TICKET_WORKFLOW.apply(ticket, "cancel", staff, reason="   ")
    TICKET_WORKFLOW.apply(ticket, "cancel", staff, reason="  doublon ")
    assert TicketLog.objects.get().reason == "doublon"


def test_stale_version_is_refused_in_french():
    ticket = Ticket.objects.create(title="A")
    Ticket.objects.filter(pk=ticket.pk).update(version=5)
    with pytest.raises(ConcurrentEditError, match="modifié par quelqu'un d'autre"):
        TICKET_WORKFLOW.apply(ticket, "close", UserFactory(), expected_version=1)
    TICKET_WORKFLOW.apply(ticket, "close", UserFactory(), expected_version=5)


def test_available_lists_blocked_transitions_with_their_reason_and_allowed_filters_them():
    user, staff = UserFactory(), UserFactory(is_staff=True)
    ticket = Ticket.objects.create(title="A", ready=False)
    assert [(t.name, str(m) if m else None) for t, m in TICKET_WORKFLOW.available(ticket, user)] == [
        ("close", "Le ticket n'est pas prêt.")
    ]
    assert [t.name for t in TICKET_WORKFLOW.allowed(ticket, user)] == []
    assert [t.name for t in TICKET_WORKFLOW.allowed(ticket, staff)] == ["cancel"]


def test_unknown_transition_is_a_french_error():
    with pytest.raises(WorkflowError, match="Action inconnue"):
        TICKET_WORKFLOW.apply(Ticket.objects.create(title="A"), "explode", None)


def test_log_creation_records_the_initial_state():
    ticket = Ticket.objects.create(title="A")
    TICKET_WORKFLOW.log_creation(ticket, None)
    log = TicketLog.objects.get()
    assert (log.transition, log.from_state, log.to_state, log.by) == ("create", "", "open", None)
    assert list(TICKET_WORKFLOW.history(ticket)) == [log]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_concurrent_transitions_one_wins_the_other_is_refused():
    ticket = Ticket.objects.create(title="A")
    first_holds_lock = threading.Event()
    results: dict[str, object] = {}

    def slow_close(locked):
        first_holds_lock.set()
        threading.Event().wait(0.5)  # keep the row locked while the second request arrives

    def run(label, update=None, wait=False):
        try:
            if wait:
                first_holds_lock.wait(5)
            TICKET_WORKFLOW.apply(Ticket(pk=ticket.pk), "close", None, update=update)
            results[label] = "ok"
        except WorkflowError as error:
            results[label] = str(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("first", slow_close)),
        threading.Thread(target=run, args=("second",), kwargs={"wait": True}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == {"first": "ok", "second": "Ce ticket est déjà fermé ou annulé."}
    assert TicketLog.objects.filter(ticket=ticket).count() == 1


def test_system_check_refuses_an_admin_that_can_edit_the_state_field():
    site = admin.AdminSite(name="kit-check")

    class LooseAdmin(admin.ModelAdmin):
        pass

    site.register(Ticket, LooseAdmin)
    assert editable_state_fields(site) == [(f"{__name__}.{LooseAdmin.__qualname__}", "state")]

    strict = admin.AdminSite(name="kit-check-strict")

    class StrictAdmin(WorkflowAdminMixin, admin.ModelAdmin):
        workflow = TICKET_WORKFLOW

    strict.register(Ticket, StrictAdmin)
    assert editable_state_fields(strict) == []


def test_project_admins_pass_the_state_field_check():
    assert editable_state_fields() == []


def test_admin_action_applies_to_each_row_and_reports_refusals(rf: RequestFactory):
    from django.contrib.messages.storage.fallback import FallbackStorage

    site = admin.AdminSite(name="kit-actions")

    class TicketAdmin(WorkflowAdminMixin, admin.ModelAdmin):
        workflow = TICKET_WORKFLOW

    model_admin = TicketAdmin(Ticket, site)
    open_ticket = Ticket.objects.create(title="A")
    closed_ticket = Ticket.objects.create(title="B", state=Ticket.State.CLOSED)
    request = rf.post("/", {})
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    actions = model_admin.get_actions(request)
    assert {"workflow_close", "workflow_cancel", "workflow_reopen"} <= set(actions)
    assert "state" in model_admin.get_readonly_fields(request)
    action = actions["workflow_close"][0]
    action(model_admin, request, Ticket.objects.order_by("pk"))
    texts = [str(m) for m in request._messages]
    assert texts == ["B : Ce ticket est déjà fermé ou annulé.", "« Fermer » appliqué à 1 élément."]
    open_ticket.refresh_from_db()
    assert open_ticket.state == "closed" and closed_ticket.state == "closed"

    # A transition that needs a reason asks for it first, then applies with it.
    reopened = Ticket.objects.create(title="C")
    response = actions["workflow_cancel"][0](model_admin, request, Ticket.objects.filter(pk=reopened.pk))
    assert response.template_name == "admin/crrc/workflow_reason.html"
    request = rf.post("/", {"workflow_confirm": "1", "workflow_reason": "doublon"})
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    assert actions["workflow_cancel"][0](model_admin, request, Ticket.objects.filter(pk=reopened.pk)) is None
    reopened.refresh_from_db()
    assert reopened.state == "cancelled"
    assert TicketLog.objects.get(ticket=reopened).reason == "doublon"
