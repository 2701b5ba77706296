"""Writes on action plans, with their business rules; every producer (assessments, exercises, audits, UI) uses them.

Permission is the caller's job: views fetch the plan or item through ``get_for_user_or_404(...,
capability=Capability.MANAGE_ACTION_PLAN)`` and other apps check their own capability before proposing items.
What these functions guarantee whoever calls them: the owner is an active member of the establishment, the
status only moves along ``workflow.ACTION_ITEM_WORKFLOW`` (the kit), ``source_key`` is never duplicated within a
plan, and a save based on a stale ``version`` is refused instead of silently overwriting someone else's edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crrc.workflow import WorkflowError
from establishments.models import Establishment
from establishments.selectors import active_memberships

from .models import ActionItem, ActionItemComment, ActionPlan
from .workflow import ABANDON, ACTION_ITEM_WORKFLOW, COMPLETE, REOPEN, START, Priority, SourceKind, Status

# A business rule refused the write; the message is for the user, in French. It is the kit's ``WorkflowError``, so
# that views, the XLSX import and the admin catch one class for every refusal, whether this module raised it or
# ``ACTION_ITEM_WORKFLOW.apply`` did (a state outside the transition's sources, a missing reason).
ActionPlanError = WorkflowError
TransitionNotAllowed = WorkflowError


class StaleEditError(ActionPlanError):
    """Someone else saved the item after the user opened it."""


@dataclass
class ItemProposal:
    """An item another module suggests adding to the plan (e.g. an assessment answer's recommendation).

    ``source_key`` identifies the origin (e.g. ``"assessment:42:question:Q7"``) so proposing it twice adds it once.
    """

    title: str
    description: str = ""
    priority: str = Priority.P2
    source_kind: str = SourceKind.MANUAL
    source_label: str = ""
    source_key: str = ""
    source_object: models.Model | None = None
    # A proposed owner (a member of the establishment) and deadline; both stay editable in the plan.
    owner: Any = None
    deadline: date | None = None


EDITABLE_FIELDS = ("title", "description", "owner", "deadline", "priority", "progress")


def get_or_create_plan(establishment: Establishment) -> ActionPlan:
    plan, _created = ActionPlan.objects.get_or_create(establishment=establishment)
    return plan


def validate_owner(establishment: Establishment, owner) -> None:
    if owner is None:
        return
    if not owner.is_active or not active_memberships(establishment).filter(user=owner).exists():
        raise ActionPlanError(
            _("%(owner)s n'est pas membre actif de l'établissement : choisissez un responsable parmi ses membres.")
            % {"owner": owner.email},
            code="owner_not_member",
        )


def _validate_values(priority: str, progress: int, status: str) -> None:
    if priority not in Priority.values:
        raise ActionPlanError(_("Priorité inconnue : choisissez P1, P2 ou P3."), code="priority")
    if progress is None or not 0 <= int(progress) <= 100:
        raise ActionPlanError(_("L'avancement doit être compris entre 0 et 100 %."), code="progress")
    if status == Status.DONE and int(progress) != 100:
        raise ActionPlanError(_("Une action terminée est avancée à 100 %."), code="progress_done")


def _source_reference(source_object: models.Model | None) -> dict[str, Any]:
    if source_object is None:
        return {"source_content_type": None, "source_object_id": ""}
    return {
        "source_content_type": ContentType.objects.get_for_model(source_object),
        "source_object_id": str(source_object.pk),
    }


def _clean(item: ActionItem, user) -> None:
    item._history_user = user
    item.full_clean(exclude=["plan", "owner", "created_by", "source_content_type"], validate_unique=False)


def _save(item: ActionItem, user) -> None:
    _clean(item, user)
    item.save()


@transaction.atomic
def create_item(
    establishment: Establishment,
    user,
    *,
    title: str,
    description: str = "",
    owner=None,
    deadline: date | None = None,
    priority: str = Priority.P2,
    progress: int = 0,
    source_kind: str = SourceKind.MANUAL,
    source_label: str = "",
    source_key: str = "",
    source_object: models.Model | None = None,
) -> ActionItem:
    plan = get_or_create_plan(establishment)
    if not (title or "").strip():
        raise ActionPlanError(_("L'intitulé de l'action est obligatoire."), code="title")
    validate_owner(establishment, owner)
    _validate_values(priority, progress, Status.TODO)
    if source_key and plan.items.filter(source_key=source_key).exists():
        raise ActionPlanError(_("Cette recommandation figure déjà dans le plan d'action."), code="duplicate")
    item = ActionItem(
        plan=plan,
        title=title.strip(),
        description=description,
        owner=owner,
        deadline=deadline,
        priority=priority,
        progress=progress,
        source_kind=source_kind,
        source_label=source_label,
        source_key=source_key,
        created_by=user,
        **_source_reference(source_object),
    )
    _save(item, user)
    return item


def add_items(establishment: Establishment, proposals: list[ItemProposal], user) -> list[ActionItem]:
    """Add the proposals the establishment picked; one item per proposal, in order.

    Idempotent by ``source_key``: a proposal whose key is already in the plan (whatever the item's status, even
    abandoned) returns the existing item instead of a duplicate. Concurrent calls are serialised on the plan row.
    """
    plan = get_or_create_plan(establishment)
    with transaction.atomic():
        ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
        keys = [p.source_key for p in proposals if p.source_key]
        existing = {item.source_key: item for item in plan.items.filter(source_key__in=keys)}
        result = []
        for proposal in proposals:
            if proposal.source_key and proposal.source_key in existing:
                result.append(existing[proposal.source_key])
                continue
            item = create_item(
                establishment,
                user,
                title=proposal.title,
                description=proposal.description,
                priority=proposal.priority,
                source_kind=proposal.source_kind,
                source_label=proposal.source_label,
                source_key=proposal.source_key,
                source_object=proposal.source_object,
                owner=proposal.owner,
                deadline=proposal.deadline,
            )
            if proposal.source_key:
                existing[proposal.source_key] = item
            result.append(item)
        return result


def _lock(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_for_update().select_related("plan__establishment").get(pk=item.pk)


def _check_version(current: ActionItem, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != current.version:
        last = current.history.select_related("history_user").first()
        who = last.history_user.email if last and last.history_user else _("un autre utilisateur")
        raise StaleEditError(
            _(
                "Cette action a été modifiée par %(who)s pendant que vous la modifiiez. "
                "Vos changements n'ont pas été enregistrés : rechargez la page pour voir la dernière version, "
                "puis refaites vos modifications."
            )
            % {"who": who},
            code="stale",
        )


@transaction.atomic
def update_item(item: ActionItem, user, *, expected_version: int | None, **changes: Any) -> ActionItem:
    """Apply ``changes`` (any of ``EDITABLE_FIELDS``) if nobody saved the item since ``expected_version``."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Champs non modifiables : {sorted(unknown)}")
    current = _lock(item)
    _check_version(current, expected_version)
    if "title" in changes and not (changes["title"] or "").strip():
        raise ActionPlanError(_("L'intitulé de l'action est obligatoire."), code="title")
    if "owner" in changes and changes["owner"] != current.owner:
        validate_owner(current.plan.establishment, changes["owner"])
    for field, value in changes.items():
        setattr(current, field, value.strip() if field == "title" else value)
    _validate_values(current.priority, current.progress, current.status)
    current.version += 1
    _save(current, user)
    return current


@transaction.atomic
def transition(
    item: ActionItem, user, transition_name: str, *, reason: str = "", expected_version: int | None = None
) -> ActionItem:
    current = _lock(item)
    # Checked here rather than by the kit: the refusal names who saved the item meanwhile, before any state check.
    _check_version(current, expected_version)
    from_status = current.status

    def update(locked: ActionItem) -> None:
        if locked.status == Status.DONE:
            locked.progress = 100
            locked.completed_at = timezone.now()
        else:
            locked.completed_at = None
        if locked.status == Status.ABANDONED:
            locked.abandon_reason = (reason or "").strip()
        elif transition_name == REOPEN.name:
            locked.abandon_reason = ""
            if from_status == Status.DONE:
                locked.progress = min(locked.progress, 90)
        _clean(locked, user)

    ACTION_ITEM_WORKFLOW.apply(current, transition_name, user, reason=reason, update=update)
    return current


def start_item(item: ActionItem, user, **kwargs) -> ActionItem:
    return transition(item, user, START.name, **kwargs)


def complete_item(item: ActionItem, user, **kwargs) -> ActionItem:
    return transition(item, user, COMPLETE.name, **kwargs)


def abandon_item(item: ActionItem, user, reason: str, **kwargs) -> ActionItem:
    return transition(item, user, ABANDON.name, reason=reason, **kwargs)


def reopen_item(item: ActionItem, user, **kwargs) -> ActionItem:
    return transition(item, user, REOPEN.name, **kwargs)


def add_comment(item: ActionItem, user, body: str) -> ActionItemComment:
    body = (body or "").strip()
    if not body:
        raise ActionPlanError(_("Le commentaire est vide."), code="empty")
    try:
        return ActionItemComment.objects.create(item=item, author=user, body=body)
    except IntegrityError as exc:  # pragma: no cover - mirrored by the check above
        raise ActionPlanError(_("Le commentaire est vide."), code="empty") from exc
