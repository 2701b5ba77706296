import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls import services
from calls.models import Application, TransitionLog
from calls.services import WorkflowError
from calls.tasks import close_due_calls, remind_drafts_before_closing
from calls.workflow import CALL_WORKFLOW, TRANSITIONS, State
from reports.models import Report
from tests.establishments.factories import MembershipFactory, RegionFactory, UserFactory

from .conftest import fill
from .factories import ApplicationFactory, CallFactory, DocumentFactory, crrc_staff, editor_of

pytestmark = pytest.mark.django_db


def test_every_transition_target_is_a_state_and_sources_are_named():
    for transition in TRANSITIONS.values():
        assert transition.target in State.values
        assert transition.sources <= set(State.values)
    from_instruction = {t.name for t in CALL_WORKFLOW if State.EN_INSTRUCTION in t.sources}
    assert from_instruction >= {"accept", "refuse", "request_correction"}


def test_submit_moves_to_en_construction_logs_emails_and_queues_receipt(
    draft, editor, django_capture_on_commit_callbacks
):
    fill(draft, editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(draft, editor)
    draft.refresh_from_db()
    assert draft.state == State.EN_CONSTRUCTION
    assert draft.submitted_at is not None
    log = TransitionLog.objects.filter(application=draft, transition="submit").get()
    assert (log.from_state, log.to_state, log.by) == (State.BROUILLON, State.EN_CONSTRUCTION, editor)
    assert any("Dossier déposé" in m.subject and editor.email in m.to for m in mail.outbox)
    receipt = Report.objects.get(kind="calls.receipt", subject_id=draft.pk, establishment=draft.establishment)
    receipt.refresh_from_db()
    assert receipt.status == Report.Status.DONE, receipt.error
    assert receipt.file.read(5) == b"%PDF-"


def test_submit_refuses_missing_answer_and_document_naming_them(draft, editor):
    with pytest.raises(WorkflowError) as error:
        services.submit(draft, editor)
    text = " ".join(error.value.messages)
    assert "« Motivation »" in text
    assert "« Bon de commande »" in text
    draft.refresh_from_db()
    assert draft.state == State.BROUILLON


def test_double_submission_is_refused_with_a_clear_message(draft, editor):
    fill(draft, editor)
    services.submit(draft, editor)
    with pytest.raises(WorkflowError, match="déjà été déposé"):
        services.submit(draft, editor)
    assert TransitionLog.objects.filter(application=draft, transition="submit").count() == 1


def test_closed_call_refuses_submission(draft, editor):
    fill(draft, editor)
    draft.call.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    draft.call.opens_at = timezone.now() - datetime.timedelta(days=20)
    draft.call.save()
    with pytest.raises(WorkflowError, match="clos depuis le"):
        services.submit(draft, editor)


def test_closed_call_refuses_a_new_draft(call, establishment, editor):
    call.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    call.save()
    with pytest.raises(WorkflowError, match="clos"):
        services.start_application(call, establishment, editor)


def test_members_of_the_establishment_share_one_draft(draft, establishment):
    other_editor = editor_of(establishment)
    assert services.start_application(draft.call, establishment, other_editor) == draft


def test_plain_member_cannot_start_or_submit(complete_call, establishment, draft):
    viewer = MembershipFactory(establishment=establishment).user  # role "member": view only
    with pytest.raises(WorkflowError, match="rôle"):
        services.start_application(complete_call, establishment, viewer)
    with pytest.raises(WorkflowError, match="droit"):
        services.submit(draft, viewer)


def test_withdraw_before_decision_and_not_after(draft, editor):
    services.withdraw(draft, editor, "Projet reporté")
    draft.refresh_from_db()
    assert draft.state == State.ABANDONNE and draft.withdrawn_at
    decided = ApplicationFactory(state=State.ACCEPTE)
    with pytest.raises(WorkflowError, match="Accepté"):
        services.withdraw(decided, editor_of(decided.establishment))


def test_edit_allowed_en_construction_frozen_en_instruction(draft, editor):
    fill(draft, editor)
    services.submit(draft, editor)
    result = services.save_answers(draft, editor, {"motivation": ("Texte corrigé", None)})
    assert result.saved["motivation"].value == "Texte corrigé"
    services.start_instruction(draft, crrc_staff(draft.call.region))
    with pytest.raises(WorkflowError, match="plus modifiable"):
        services.save_answers(draft, editor, {"motivation": ("Trop tard", None)})


def test_correction_cycle_keeps_history(draft, editor):
    staff = crrc_staff(draft.call.region)
    fill(draft, editor)
    services.submit(draft, editor)
    services.start_instruction(draft, staff)
    services.request_correction(draft, staff, "outdated", "Le bon de commande est périmé.")
    draft.refresh_from_db()
    assert draft.state == State.CORRECTION
    with pytest.raises(WorkflowError):
        services.accept(draft, staff)  # review waits until the correction is answered
    services.save_answers(draft, editor, {"motivation": ("Motivation mise à jour", None)})
    services.answer_correction(draft, editor, "Nouveau bon de commande joint.")
    services.request_correction(draft, staff, "incomplete", "Il manque la date.")
    services.answer_correction(draft, editor, "Date ajoutée.")
    draft.refresh_from_db()
    assert draft.state == State.EN_INSTRUCTION
    assert [c.answer for c in draft.corrections.order_by("requested_at")] == [
        "Nouveau bon de commande joint.",
        "Date ajoutée.",
    ]


def test_refusal_needs_a_reason_and_sends_a_decision_letter(draft, editor, django_capture_on_commit_callbacks):
    staff = crrc_staff(draft.call.region)
    fill(draft, editor)
    services.submit(draft, editor)
    services.start_instruction(draft, staff)
    with pytest.raises(WorkflowError, match="motif est obligatoire"):
        services.refuse(draft, staff, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse(draft, staff, "Hors périmètre")
    draft.refresh_from_db()
    assert draft.state == State.REFUSE and draft.decided_at and draft.decided_by == staff
    letter = Report.objects.get(kind="calls.decision", subject_id=draft.pk)
    assert letter.status == Report.Status.DONE, letter.error
    assert any("Candidature refusée" in m.subject and "Hors périmètre" in m.body for m in mail.outbox)


def test_staff_of_another_region_cannot_decide(draft, editor):
    fill(draft, editor)
    services.submit(draft, editor)
    outsider = crrc_staff(RegionFactory(code="93"))
    with pytest.raises(WorkflowError, match="région de l'appel"):
        services.start_instruction(draft, outsider)


def test_funding_follow_up_requires_proof_then_invoice(editor_factory=None):
    application = ApplicationFactory(state=State.ACCEPTE)
    call = application.call
    proof = DocumentFactory(call=call, code="proof", label="Compte rendu d'exercice", phase="service_done")
    invoice = DocumentFactory(call=call, code="invoice", label="Facture", phase="invoice")
    user = editor_of(application.establishment)
    with pytest.raises(WorkflowError, match="Compte rendu d'exercice"):
        services.declare_service_done(application, user)
    from .conftest import pdf_upload

    services.upload_attachment(application, proof, pdf_upload(), user)
    services.declare_service_done(application, user)
    with pytest.raises(WorkflowError, match="Facture"):
        services.submit_invoice(application, user)
    services.upload_attachment(application, invoice, pdf_upload("facture.pdf"), user)
    services.submit_invoice(application, user)
    services.mark_paid(application, crrc_staff(call.region))
    application.refresh_from_db()
    assert application.state == State.PAYE
    assert application.paid_amount == call.funding_amount


def test_closing_moves_submitted_to_review_and_leaves_drafts(django_capture_on_commit_callbacks):
    call = CallFactory()
    submitted = ApplicationFactory(call=call, state=State.EN_CONSTRUCTION)
    draft = ApplicationFactory(call=call, state=State.BROUILLON)
    Application.objects.filter(pk=call.pk)
    call.closes_at = timezone.now() - datetime.timedelta(minutes=5)
    call.save()
    assert close_due_calls() == 1
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.state == State.EN_INSTRUCTION
    assert draft.state == State.BROUILLON
    assert close_due_calls() == 0  # idempotent


def test_draft_reminder_sent_once_two_days_before_closing():
    call = CallFactory(closes_at=timezone.now() + datetime.timedelta(hours=40))
    draft = ApplicationFactory(call=call, state=State.BROUILLON)
    user = editor_of(draft.establishment)
    ApplicationFactory(call=call, state=State.EN_CONSTRUCTION)
    assert remind_drafts_before_closing() == 1
    assert remind_drafts_before_closing() == 0
    reminders = [m for m in mail.outbox if "Rappel" in m.subject]
    assert len(reminders) == 1 and user.email in reminders[0].to


def test_no_reminder_earlier_than_two_days():
    call = CallFactory(closes_at=timezone.now() + datetime.timedelta(days=5))
    ApplicationFactory(call=call, state=State.BROUILLON)
    assert remind_drafts_before_closing() == 0


def test_database_refuses_a_decided_state_without_decision_date():
    application = ApplicationFactory(state=State.EN_INSTRUCTION)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(state=State.REFUSE, decision_reason="x")


def test_database_refuses_two_active_applications_per_establishment():
    application = ApplicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(call=application.call, establishment=application.establishment)


def test_concurrent_answer_edit_does_not_overwrite(draft, editor, establishment):
    colleague = editor_of(establishment)
    first = services.save_answers(draft, editor, {"motivation": ("Version A", None)})
    loaded_version = first.saved["motivation"].version
    services.save_answers(draft, colleague, {"motivation": ("Version B", loaded_version)})
    result = services.save_answers(draft, editor, {"motivation": ("Version A modifiée", loaded_version)})
    assert "motivation" in result.conflicts
    assert result.conflicts["motivation"].value == "Version B"
    assert draft.answers.get().value == "Version B"


def test_stale_page_cannot_withdraw_after_a_state_change(draft, editor):
    fill(draft, editor)
    version = draft.version
    services.submit(draft, editor)
    with pytest.raises(services.ConcurrentEditError, match="rechargez"):
        services.withdraw(draft, editor, expected_version=version)


def test_unknown_user_cannot_touch_another_establishment(draft):
    stranger = UserFactory()
    with pytest.raises(WorkflowError):
        services.save_answers(draft, stranger, {"motivation": ("intrus", None)})
