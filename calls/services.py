"""Writes with business rules: one function per workflow transition, each in ``transaction.atomic``.

Every transition locks the application row, checks who acts (a member allowed to edit applications, CRRC staff of
the call's region, or the system) and its own guards (missing documents, eligibility, budget), then applies it
through the kit (``calls.workflow.CALL_WORKFLOW.apply``: source state, version, ``TransitionLog`` row); the e-mail
and PDF named in the transition's ``extra`` are queued with ``transaction.on_commit``. Refusals raise the kit's
``WorkflowError`` with French messages the views show as they are.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crrc.uploads import validate_upload
from crrc.workflow import ConcurrentEditError, Transition, WorkflowError
from establishments.roles import Capability
from establishments.selectors import can

from . import eligibility
from .models import Answer, Application, Attachment, Call, CorrectionRequest, Question, RequiredDocument
from .workflow import (
    CALL_WORKFLOW,
    EDITABLE_STATES,
    FUNDED_STATES,
    TRANSITIONS,
    UPLOAD_STATES_BY_PHASE,
    Actor,
    State,
    actor_refusal,
    may_edit,
    may_review,
)
from .workflow import short_datetime as _date

__all__ = ["ConcurrentEditError", "WorkflowError", "may_edit", "may_review"]


# ---- who may act --------------------------------------------------------------------------------


def _check_actor(actor: str, user, application: Application) -> None:
    """Who acts is checked before the step's own guards, so that a stranger learns nothing about the dossier."""
    if refusal := actor_refusal(actor, user, application):
        raise WorkflowError(refusal)


def _lock(application: Application) -> Application:
    """Re-read the row under lock: guards then see the state another request may just have committed."""
    return Application.objects.select_for_update().select_related("call", "establishment").get(pk=application.pk)


def _apply(
    application: Application,
    name: str,
    user,
    *,
    comment: str = "",
    expected_version: int | None = None,
    **fields,
) -> Application:
    """Take transition ``name`` through the kit, setting ``fields`` with the new state; its guards were checked."""

    def update(locked: Application) -> None:
        for key, value in fields.items():
            setattr(locked, key, value)

    CALL_WORKFLOW.apply(application, name, user, reason=comment, expected_version=expected_version, update=update)
    return application


@CALL_WORKFLOW.on("*")
def _queue_side_effects(application: Application, transition: Transition, user) -> None:
    """After commit: the applicant's e-mail and the PDF (receipt, decision letter) the transition names."""
    from . import documents, tasks

    if email := transition.extra.get("email"):
        tasks.send_application_email.delay(application.pk, email)
    if report_kind := transition.extra.get("report"):
        documents.request(report_kind, application, user)


# ---- drafts ---------------------------------------------------------------------------------------


def start_application(call: Call, establishment, user) -> Application:
    """Open a draft for ``establishment`` (or return the one its members already share)."""
    if not can(user, establishment, Capability.EDIT_APPLICATIONS):
        raise WorkflowError(_("Votre rôle ne permet pas de rédiger une candidature pour cet établissement."))
    existing = Application.objects.filter(call=call, establishment=establishment).exclude(state=State.ABANDONNE)
    if found := existing.first():
        return found
    if not call.is_open():
        raise WorkflowError(_closed_message(call))
    report = eligibility.evaluate(call, establishment)
    if not report.may_apply:
        raise WorkflowError(
            [
                _("Non éligible — %(rule)s : %(reason)s") % {"rule": r.rule.label, "reason": r.message}
                for r in report.failures
            ]
        )
    try:
        with transaction.atomic():
            application = Application.objects.create(call=call, establishment=establishment, created_by=user)
            CALL_WORKFLOW.log_creation(application, user)
    except IntegrityError:
        # Another member started it at the same instant: share theirs.
        return existing.get()
    return application


def _closed_message(call: Call) -> str:
    now = timezone.now()
    if now < call.opens_at:
        return _("Cet appel n'est pas encore ouvert : il ouvre le %(date)s.") % {"date": _date(call.opens_at)}
    if not call.is_published:
        return _("Cet appel n'est pas publié.")
    return _("Cet appel est clos depuis le %(date)s : plus aucun dépôt n'est possible.") % {
        "date": _date(call.closes_at)
    }


def content_editable(application: Application) -> bool:
    """Whether the application's content (answers, proof of order) may still change, whoever asks."""
    try:
        _content_editable(application)
    except WorkflowError:
        return False
    return True


def _content_editable(application: Application) -> None:
    if application.state == State.CORRECTION:
        return
    if application.state not in EDITABLE_STATES:
        raise WorkflowError(
            _("Le dossier est « %(state)s » : il n'est plus modifiable.") % {"state": application.get_state_display()}
        )
    if application.state == State.BROUILLON and not application.call.is_open():
        raise WorkflowError(_closed_message(application.call))


@dataclass
class SaveResult:
    saved: dict[str, Answer]
    conflicts: dict[str, Answer]


RISK_LEVELS = [c for c, _label in Application.RiskLevel.choices]


def _derived_risk_level(question: Question, value) -> str:
    """A "risk_level" question lists its choices from lowest to highest risk; spread them over the four levels."""
    if value not in question.choices:
        return ""
    index = question.choices.index(value)
    steps = max(1, len(question.choices) - 1)
    return RISK_LEVELS[round(index * (len(RISK_LEVELS) - 1) / steps)]


def save_answers(application: Application, user, values: dict[str, tuple[object, int | None]]) -> SaveResult:
    """Save cleaned answers by question code. ``values[code] = (value, version the editor started from)``.

    An answer saved by someone else since the editor loaded it (its version moved on) is not overwritten: it is
    returned in ``conflicts`` so the view can show the other person's value with a French message.
    """
    with transaction.atomic():
        application = _lock(application)
        if not may_edit(user, application):
            raise WorkflowError(_("Vous n'avez pas le droit de modifier les candidatures de cet établissement."))
        _content_editable(application)
        questions = {q.code: q for q in application.call.questions.all()}
        existing = {
            a.question.code: a
            for a in application.answers.select_for_update(of=("self",)).select_related("question", "updated_by")
        }
        result = SaveResult({}, {})
        for code, (value, expected_version) in values.items():
            question = questions[code]
            answer = existing.get(code)
            if answer is not None:
                if expected_version is not None and answer.version != expected_version:
                    if answer.value != value:
                        result.conflicts[code] = answer
                    continue
                if answer.value == value:
                    result.saved[code] = answer
                    continue
                answer.value = value
                answer.version += 1
                answer.updated_by = user
                answer.save()
            else:
                if expected_version not in (None, 0):
                    # The editor saw an answer that no longer exists: treat as a conflict rather than resurrect it.
                    continue
                answer = Answer.objects.create(application=application, question=question, value=value, updated_by=user)
            result.saved[code] = answer
            _derive_fields(application, question, value)
        application.save(update_fields=["requested_amount", "declared_risk_level", "updated_at"])
    return result


def _derive_fields(application: Application, question: Question, value) -> None:
    if question.code == "risk_level":
        application.declared_risk_level = _derived_risk_level(question, value)
    elif question.code == "requested_amount" and question.kind == Question.Kind.AMOUNT:
        application.requested_amount = Decimal(str(value)) if value not in (None, "") else None


def set_preferred_kind(application: Application, user, project_kind) -> Application:
    with transaction.atomic():
        application = _lock(application)
        if not may_edit(user, application):
            raise WorkflowError(_("Vous n'avez pas le droit de modifier les candidatures de cet établissement."))
        _content_editable(application)
        if project_kind is not None and project_kind.call_id != application.call_id:
            raise WorkflowError(_("Ce type de projet n'est pas proposé par cet appel."))
        application.preferred_kind = project_kind
        application.save(update_fields=["preferred_kind", "updated_at"])
    return application


def set_purchase_order(application: Application, user, order) -> Application:
    """Point the application at one of its establishment's purchase orders as its proof of order (or at none).

    Editable while the application's content is (draft, under construction, correction asked), by its members who
    may edit applications or by the CRRC staff of the call's region (the admin). Another establishment's order, or one
    not issued, is refused whatever the form offered."""
    from .models import purchase_order_error

    with transaction.atomic():
        application = _lock(application)
        if not (may_edit(user, application) or may_review(user, application.call)):
            raise WorkflowError(_("Vous n'avez pas le droit de modifier les candidatures de cet établissement."))
        _content_editable(application)
        if order is not None and (error := purchase_order_error(application, order)):
            raise WorkflowError(error)
        application.purchase_order = order
        application.save(update_fields=["purchase_order", "updated_at"])
    return application


def upload_attachment(application: Application, document: RequiredDocument, uploaded_file, user) -> Attachment:
    """Store one document. A refused file raises ``ValidationError`` and leaves the rest of the dossier as it was."""
    if document.call_id != application.call_id:
        raise WorkflowError(_("Cette pièce n'est pas demandée par cet appel."))
    checked = validate_upload(uploaded_file, document.accepted_types, document.max_bytes)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    with transaction.atomic():
        application = _lock(application)
        if not may_edit(user, application):
            raise WorkflowError(_("Vous n'avez pas le droit de modifier les candidatures de cet établissement."))
        if application.state not in UPLOAD_STATES_BY_PHASE[document.phase]:
            raise WorkflowError(
                _("La pièce « %(doc)s » ne peut pas être déposée quand le dossier est « %(state)s ».")
                % {"doc": document.label, "state": application.get_state_display()}
            )
        if document.phase == document.Phase.APPLICATION:
            _content_editable(application)
        application.attachments.filter(document=document, is_current=True).update(is_current=False)
        attachment = Attachment(
            application=application,
            document=document,
            original_name=checked.display_name,
            file_type=checked.file_type,
            size=checked.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
        )
        attachment.file.save(checked.display_name, uploaded_file, save=False)
        name = attachment.file.name
        storage = attachment.file.storage
        try:
            attachment.save()
        except Exception:
            storage.delete(name)
            raise
        application.save(update_fields=["updated_at"])
    return attachment


def remove_attachment(attachment: Attachment, user) -> None:
    """Withdraw a document from the dossier; the file is kept as history (``is_current=False``)."""
    with transaction.atomic():
        application = _lock(attachment.application)
        if not may_edit(user, application):
            raise WorkflowError(_("Vous n'avez pas le droit de modifier les candidatures de cet établissement."))
        if application.state not in UPLOAD_STATES_BY_PHASE[attachment.document.phase]:
            raise WorkflowError(_("Cette pièce ne peut plus être retirée."))
        Attachment.objects.filter(pk=attachment.pk).update(is_current=False)


# ---- applicant transitions ----------------------------------------------------------------------


def missing_items(application: Application, phase: str = RequiredDocument.Phase.APPLICATION) -> list[str]:
    """What must still be provided before the next step, in French, in the order of the form."""
    missing = []
    if phase == RequiredDocument.Phase.APPLICATION:
        answers = {a.question_id: a.value for a in application.answers.all() if a.value not in (None, "", [])}
        for question in application.call.questions.all():
            if question.is_mandatory and question.pk not in answers:
                missing.append(_("Question obligatoire sans réponse : « %(q)s »") % {"q": question.label})
        if application.call.project_kinds.exists() and application.preferred_kind_id is None:
            missing.append(_("Choisissez le type de projet souhaité."))
    current = set(application.attachments.filter(is_current=True).values_list("document_id", flat=True))
    # The call's documents in their order, filtered here: the application page has them read already.
    for document in (d for d in application.call.documents.all() if d.phase == phase and d.is_mandatory):
        if document.pk not in current:
            missing.append(_("Pièce obligatoire manquante : « %(doc)s »") % {"doc": document.label})
    return missing


def submit(application: Application, user, expected_version: int | None = None) -> Application:
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.APPLICANT, user, application)
        now = timezone.now()
        if application.state in TRANSITIONS["submit"].sources:  # else the kit refuses: "déjà déposé le…"
            if not application.call.is_open(now):
                raise WorkflowError(_closed_message(application.call))
            problems = missing_items(application)
            report = eligibility.evaluate_for_submission(application)
            problems += [
                _("Non éligible — %(rule)s : %(reason)s") % {"rule": r.rule.label, "reason": r.message}
                for r in report.failures
            ]
            if problems:
                raise WorkflowError(problems)
        return _apply(
            application,
            "submit",
            user,
            expected_version=expected_version,
            submitted_at=now,
            cutoff=application.call.cutoff_for(now),
        )


def withdraw(application: Application, user, reason: str = "", expected_version: int | None = None) -> Application:
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.APPLICANT, user, application)
        return _apply(
            application,
            "withdraw",
            user,
            comment=reason,
            expected_version=expected_version,
            withdrawn_at=timezone.now(),
        )


def answer_correction(application: Application, user, answer: str) -> Application:
    answer = (answer or "").strip()
    if not answer:
        raise WorkflowError(_("Expliquez ce que vous avez corrigé avant de renvoyer le dossier."))
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.APPLICANT, user, application)
        correction = application.corrections.filter(answered_at__isnull=True).first()
        if correction is None or application.state != State.CORRECTION:
            raise WorkflowError(_("Aucune demande de correction n'attend de réponse sur ce dossier."))
        correction.answer = answer
        correction.answered_at = timezone.now()
        correction.answered_by = user
        correction.save()
        return _apply(application, "answer_correction", user, comment=answer)


def declare_service_done(application: Application, user) -> Application:
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.APPLICANT, user, application)
        if application.state in TRANSITIONS["declare_service_done"].sources:
            missing = missing_items(application, RequiredDocument.Phase.SERVICE_DONE)
            if missing:
                raise WorkflowError(missing)
        return _apply(application, "declare_service_done", user, service_done_at=timezone.now())


def submit_invoice(application: Application, user) -> Application:
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.APPLICANT, user, application)
        if application.state in TRANSITIONS["submit_invoice"].sources:
            missing = missing_items(application, RequiredDocument.Phase.INVOICE)
            if missing:
                raise WorkflowError(missing)
        return _apply(application, "submit_invoice", user, invoiced_at=timezone.now())


# ---- review transitions (used by the review screens, the admin and the closing task) ----------------


def start_instruction(application: Application, user=None) -> Application:
    """``user=None`` is the closing task."""
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.STAFF, user, application)
        return _apply(application, "start_instruction", user, instruction_started_at=timezone.now())


def request_correction(application: Application, user, kind: str, message: str) -> CorrectionRequest:
    message = (message or "").strip()
    if kind not in CorrectionRequest.Kind.values:
        raise WorkflowError(_("Choisissez le motif de la demande de correction."))
    if not message:
        raise WorkflowError(_("Précisez ce qui doit être corrigé."))
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.STAFF, user, application)
        _apply(application, "request_correction", user, comment=message)
        return CorrectionRequest.objects.create(application=application, kind=kind, message=message, requested_by=user)


@dataclass(frozen=True)
class Budget:
    envelope: Decimal | None
    committed: Decimal
    paid: Decimal
    funded_count: int
    max_funded: int | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.envelope is None else self.envelope - self.committed


def budget_of(call: Call) -> Budget:
    """Committed = granted amounts of accepted applications (through payment); paid = amounts paid."""
    totals = Application.objects.filter(call=call, state__in=FUNDED_STATES).aggregate(
        committed=Sum("granted_amount"), paid=Sum("paid_amount"), count=Count("pk")
    )
    return Budget(
        envelope=call.budget_envelope,
        committed=totals["committed"] or Decimal("0"),
        paid=totals["paid"] or Decimal("0"),
        funded_count=totals["count"],
        max_funded=call.max_funded_applications,
    )


def _euros(amount: Decimal) -> str:
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


def _granted_amount(call: Call, application: Application, amount: Decimal | None) -> Decimal:
    if call.funding_mode == Call.FundingMode.NONE:
        return Decimal("0")
    if call.funding_mode == Call.FundingMode.FLAT:
        return call.funding_amount
    amount = amount if amount is not None else application.requested_amount
    if amount is None:
        raise WorkflowError(
            _("Indiquez le montant accordé (plafond : %(max)s).") % {"max": _euros(call.funding_amount)}
        )
    if amount <= 0 or amount > call.funding_amount:
        raise WorkflowError(
            _("Le montant accordé doit être positif et ne pas dépasser le plafond de %(max)s.")
            % {"max": _euros(call.funding_amount)}
        )
    return amount


def accept(
    application: Application,
    user,
    *,
    amount: Decimal | None = None,
    attributed_kind=None,
    comment: str = "",
) -> Application:
    """Accept within the call's envelope and maximum number of funded applications (the call row is locked)."""
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.STAFF, user, application)
        call = Call.objects.select_for_update().get(pk=application.call_id)
        if application.state in TRANSITIONS["accept"].sources:
            granted = _granted_amount(call, application, amount)
            budget = budget_of(call)
            if budget.max_funded is not None and budget.funded_count >= budget.max_funded:
                raise WorkflowError(
                    _("Décision refusée : l'appel finance au plus %(max)d dossiers et %(count)d sont déjà acceptés.")
                    % {"max": budget.max_funded, "count": budget.funded_count}
                )
            if budget.envelope is not None and budget.committed + granted > budget.envelope:
                raise WorkflowError(
                    _(
                        "Décision refusée : accorder %(amount)s dépasserait l'enveloppe de %(envelope)s "
                        "(déjà engagé : %(committed)s, reste : %(remaining)s)."
                    )
                    % {
                        "amount": _euros(granted),
                        "envelope": _euros(budget.envelope),
                        "committed": _euros(budget.committed),
                        "remaining": _euros(budget.remaining),
                    }
                )
            kinds = list(call.project_kinds.all())
            # The reviewer's earlier attribution wins over the applicant's preference.
            attributed_kind = attributed_kind or application.attributed_kind or application.preferred_kind
            if kinds and attributed_kind is None:
                raise WorkflowError(_("Attribuez un type de projet avant d'accepter."))
            if attributed_kind is not None and attributed_kind.call_id != call.pk:
                raise WorkflowError(_("Ce type de projet n'est pas proposé par cet appel."))
        else:
            granted = None
        return _apply(
            application,
            "accept",
            user,
            comment=comment,
            decided_at=timezone.now(),
            decided_by=user,
            decision_reason=comment,
            granted_amount=granted,
            attributed_kind=attributed_kind,
        )


def _decide_negatively(name: str, application: Application, user, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Le motif est obligatoire : il figure dans la lettre envoyée au demandeur."))
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.STAFF, user, application)
        return _apply(
            application, name, user, comment=reason, decided_at=timezone.now(), decided_by=user, decision_reason=reason
        )


def refuse(application: Application, user, reason: str) -> Application:
    return _decide_negatively("refuse", application, user, reason)


def close_without_follow_up(application: Application, user, reason: str) -> Application:
    return _decide_negatively("close_without_follow_up", application, user, reason)


def mark_paid(application: Application, user, amount: Decimal | None = None) -> Application:
    with transaction.atomic():
        application = _lock(application)
        _check_actor(Actor.STAFF, user, application)
        paid = amount if amount is not None else application.granted_amount
        if paid is not None and application.granted_amount is not None and paid > application.granted_amount:
            raise WorkflowError(
                _("Le montant versé ne peut pas dépasser le montant accordé (%(amount)s).")
                % {"amount": _euros(application.granted_amount)}
            )
        return _apply(application, "mark_paid", user, paid_at=timezone.now(), paid_amount=paid)


# ---- closing and reminders (Celery beat) ------------------------------------------------------------


def close_call(call: Call, now=None) -> int:
    """At closing, submitted applications go to review; drafts stay drafts (never half-submitted)."""
    now = now or timezone.now()
    moved = 0
    for application in Application.objects.filter(call=call, state=State.EN_CONSTRUCTION):
        start_instruction(application, None)
        moved += 1
    Call.objects.filter(pk=call.pk).update(closing_processed_at=now)
    return moved


def validation_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]
