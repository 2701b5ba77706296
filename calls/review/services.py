"""Writes of the review side. State changes go through ``calls.services`` (the declared workflow and its guards,
including the budget guard); this module adds what reviewers write around them: assignments, notes, scores,
labels, follows, saved filters, notification settings, the message thread, the project kind, and bulk actions that
report a result per application.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from establishments.roles import Capability
from establishments.selectors import can

from .. import services
from ..models import Application, Call, ProjectKind, TransitionLog
from ..services import WorkflowError
from ..workflow import CAN_BE_DECIDED_STATES, FINAL_STATES, UNDER_REVIEW_STATES
from .models import (
    Follow,
    Label,
    Message,
    NotificationPreference,
    ReviewerAssignment,
    ReviewEvent,
    ReviewNote,
    ReviewScore,
    SavedFilter,
)
from .selectors import may_act, region_reviewers


def require_reviewer(user, call: Call) -> None:
    """Only CRRC staff of the call's region write on the review side (ARS reviewers read)."""
    if not may_act(user, call):
        raise PermissionDenied(_("Seule l'équipe du CRRC de la région de l'appel peut faire cette action."))


# ---- assignments, follows, notes, scores ---------------------------------------------------------------


def assign(application: Application, reviewer, by) -> ReviewerAssignment:
    require_reviewer(by, application.call)
    if not region_reviewers(application.call).filter(pk=reviewer.pk).exists():
        raise WorkflowError(_("Cette personne n'est pas membre de l'équipe du CRRC de la région de l'appel."))
    assignment, _created = ReviewerAssignment.objects.get_or_create(
        application=application, reviewer=reviewer, defaults={"assigned_by": by}
    )
    return assignment


def unassign(application: Application, reviewer, by) -> None:
    require_reviewer(by, application.call)
    ReviewerAssignment.objects.filter(application=application, reviewer=reviewer).delete()


def toggle_follow(application: Application, user) -> bool:
    """Follow or stop following; returns whether the user now follows the application."""
    deleted, _detail = Follow.objects.filter(application=application, user=user).delete()
    if deleted:
        return False
    Follow.objects.create(application=application, user=user)
    return True


def add_note(application: Application, author, text: str) -> ReviewNote:
    require_reviewer(author, application.call)
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("La note est vide."))
    return ReviewNote.objects.create(application=application, author=author, text=text)


def set_score(application: Application, reviewer, motivation: int, comment: str = "") -> ReviewScore:
    """One rating per reviewer (a second one replaces the first); the priority is recomputed at once."""
    from .priority import refresh_priorities

    require_reviewer(reviewer, application.call)
    if not 0 <= int(motivation) <= ReviewScore.MAX:
        raise WorkflowError(_("La note de motivation va de 0 à 5."))
    with transaction.atomic():
        score, _created = ReviewScore.objects.update_or_create(
            application=application,
            reviewer=reviewer,
            defaults={"motivation": int(motivation), "comment": (comment or "").strip(), "updated_at": timezone.now()},
        )
        refresh_priorities([application])
    return score


# ---- labels ------------------------------------------------------------------------------------------


def create_label(call: Call, user, name: str, colour: str, *, region_wide: bool = False) -> Label:
    require_reviewer(user, call)
    name = (name or "").strip()
    if not name:
        raise WorkflowError(_("Donnez un nom à l'étiquette."))
    if colour not in Label.Colour.values:
        raise WorkflowError(_("Choisissez une couleur de la palette."))
    label, created = Label.objects.get_or_create(
        region_id=call.region_id, call=None if region_wide else call, name=name, defaults={"colour": colour}
    )
    if not created:
        raise WorkflowError(_("L'étiquette « %(name)s » existe déjà.") % {"name": name})
    return label


def _check_label(label: Label, application: Application) -> None:
    if label.region_id != application.call.region_id or (label.call_id and label.call_id != application.call_id):
        raise WorkflowError(_("Cette étiquette n'appartient pas à cet appel."))


def set_labels(application: Application, user, labels) -> None:
    require_reviewer(user, application.call)
    labels = list(labels)
    for label in labels:
        _check_label(label, application)
    application.review_labels.set(labels)


# ---- saved filters and notification settings -------------------------------------------------------------


def save_filter(call: Call, owner, name: str, query: str) -> SavedFilter:
    name = (name or "").strip()
    if not name:
        raise WorkflowError(_("Donnez un nom au filtre."))
    saved, _created = SavedFilter.objects.update_or_create(
        owner=owner, call=call, name=name[:80], defaults={"query": query[:2000]}
    )
    return saved


def set_preference(call: Call, user, frequency: str) -> NotificationPreference:
    if frequency not in NotificationPreference.Frequency.values:
        raise WorkflowError(_("Fréquence inconnue."))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, call=call, defaults={"frequency": frequency}
    )
    return preference


# ---- project kind -------------------------------------------------------------------------------------


def attribute_kind(application: Application, user, kind: ProjectKind) -> Application:
    """The reviewer decides which kind of project is funded (ARA: diagnostic or exercise), logged in the history."""
    require_reviewer(user, application.call)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if kind.call_id != locked.call_id:
            raise WorkflowError(_("Ce type de projet n'est pas proposé par cet appel."))
        if locked.state not in UNDER_REVIEW_STATES | {"en_construction"}:
            raise WorkflowError(
                _("Le type de projet ne peut plus être changé : le dossier est « %(state)s ».")
                % {"state": locked.get_state_display()}
            )
        locked.attributed_kind = kind
        locked.version += 1
        locked.save(update_fields=["attributed_kind", "version", "updated_at"])
        TransitionLog.objects.create(
            application=locked,
            transition="attribute_kind",
            from_state=locked.state,
            to_state=locked.state,
            by=user,
            comment=_("Type de projet attribué : %(kind)s") % {"kind": kind.label},
        )
    return locked


# ---- decisions, singly or in bulk -------------------------------------------------------------------------

DECISIONS = {
    "accept": _("Accepter"),
    "refuse": _("Refuser"),
    "close_without_follow_up": _("Classer sans suite"),
}


def decide(application: Application, user, decision: str, reason: str = "", amount: Decimal | None = None):
    """One decision through the workflow services (which hold the budget guard)."""
    if decision == "accept":
        # services.accept falls back to the applicant's preference when no kind is passed, even if a reviewer
        # attributed another one beforehand: pass the attributed kind explicitly.
        application.refresh_from_db(fields=["attributed_kind"])
        return services.accept(
            application, user, amount=amount, comment=reason, attributed_kind=application.attributed_kind
        )
    if decision == "refuse":
        return services.refuse(application, user, reason)
    if decision == "close_without_follow_up":
        return services.close_without_follow_up(application, user, reason)
    raise WorkflowError(_("Décision inconnue."))


@dataclass
class BulkResult:
    application: Application
    ok: bool
    message: str


def _run_each(applications, action) -> list[BulkResult]:
    results = []
    for application in applications:
        try:
            message = action(application)
            results.append(BulkResult(application, True, message))
        except (WorkflowError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, WorkflowError) else str(error)
            results.append(BulkResult(application, False, text))
    return results


def bulk_decide(applications, user, decision: str, reason: str = "") -> list[BulkResult]:
    """Each application is decided in its own transaction, in the given order (best priority first on screen):
    the ones that pass are kept even if a later one fails the budget guard, and each result says why."""
    if decision not in DECISIONS:
        raise WorkflowError(_("Décision inconnue."))

    def act(application):
        decide(application, user, decision, reason)
        return str(DECISIONS[decision]) + " : " + _("fait.")

    return _run_each(applications, act)


def bulk_assign(applications, user, reviewer) -> list[BulkResult]:
    return _run_each(applications, lambda a: (assign(a, reviewer, user), _("Assigné."))[1])


def bulk_label(applications, user, label: Label) -> list[BulkResult]:
    def act(application):
        require_reviewer(user, application.call)
        _check_label(label, application)
        label.applications.add(application)
        return _("Étiquette ajoutée.")

    return _run_each(applications, act)


def bulk_start_instruction(applications, user) -> list[BulkResult]:
    return _run_each(applications, lambda a: (services.start_instruction(a, user), _("Passé en instruction."))[1])


# ---- message thread ----------------------------------------------------------------------------------------


def thread_side(user, application: Application) -> str | None:
    """'staff' for CRRC staff of the call's region, 'applicant' for a member who may edit, else None (read)."""
    if may_act(user, application.call):
        return "staff"
    if can(user, application.establishment, Capability.EDIT_APPLICATIONS):
        return "applicant"
    return None


def post_message(application: Application, user, body: str) -> Message:
    """A message in the thread; the other side is e-mailed after commit (applicant at once, reviewers per setting)."""
    from . import notifications as review_notifications

    side = thread_side(user, application)
    if side is None:
        raise PermissionDenied(_("Vous ne pouvez pas écrire dans cette messagerie."))
    body = (body or "").strip()
    if not body:
        raise WorkflowError(_("Le message est vide."))
    if len(body) > 5000:
        raise WorkflowError(_("Le message dépasse 5 000 caractères."))
    if application.state in FINAL_STATES and side == "applicant":
        raise WorkflowError(_("Ce dossier est clos : la messagerie est fermée."))
    with transaction.atomic():
        message = Message.objects.create(
            application=application,
            author=user,
            from_staff=side == "staff",
            body=body,
            read_by_staff_at=timezone.now() if side == "staff" else None,
            read_by_applicant_at=timezone.now() if side == "applicant" else None,
        )
        if side == "staff":
            transaction.on_commit(lambda: review_notifications.queue_applicant_message_email(message.pk))
        else:
            review_notifications.record_event(application, ReviewEvent.Kind.MESSAGE)
    return message


def mark_thread_read(application: Application, side: str) -> int:
    now = timezone.now()
    if side == "staff":
        return application.messages.filter(from_staff=False, read_by_staff_at__isnull=True).update(read_by_staff_at=now)
    return application.messages.filter(from_staff=True, read_by_applicant_at__isnull=True).update(
        read_by_applicant_at=now
    )


__all__ = ["CAN_BE_DECIDED_STATES", "WorkflowError"]
