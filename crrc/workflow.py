"""The one workflow kit every module uses: declared transitions, one way to apply them, one log shape.

A module declares its states (``TextChoices``), named source-state sets, and a ``Workflow``::

    class ExerciseLog(TransitionLog):
        exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="transitions")
        tenant_field = "exercise__establishment"
        objects = TenantQuerySet.as_manager()

    EXERCISE_WORKFLOW = Workflow(
        model="exercises.Exercise", log_model="exercises.ExerciseLog", log_subject="exercise", states=State,
        transitions=[Transition("mark_ready", _("Marquer prêt"), CAN_BE_READY, State.READY, guards=(has_director,))],
    )
    EXERCISE_WORKFLOW.apply(exercise, "mark_ready", request.user)

``apply`` is the only code that moves a state: inside ``transaction.atomic`` it re-reads the row under lock (so a
concurrent request that just committed is seen), checks the source state, the optimistic version, who may act, the
reason and the guards — any refusal raises ``WorkflowError`` with a French message and writes nothing — then saves,
writes one log row and queues the side effects with ``transaction.on_commit`` (a rolled-back transition sends
nothing). ``allowed``/``available`` give the UI and the admin the transitions a user may take now, with the reason a
blocked one is blocked. ``crrc.checks`` refuses a workflow state field that any admin form can edit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A guard reads the (locked) object and the user and returns a French refusal message, or None to let it pass.
Guard = Callable[[Any, Any], "str | Promise | None"]
# A side effect runs after commit with the saved object, the transition and the user who took it.
SideEffect = Callable[[Any, "Transition", Any], None]


class WorkflowError(ValidationError):
    """A transition was refused; the message is meant for the user as it is."""

    def __init__(self, message: str | Promise, code: str = "transition") -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.messages[0])


class ConcurrentEditError(WorkflowError):
    """The object changed since the user loaded it (optimistic version check)."""

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__(
            message
            or _("Cet élément a été modifié par quelqu'un d'autre pendant que vous le consultiez : rechargez la page."),
            code="conflict",
        )


@dataclass(frozen=True)
class Transition:
    """One declared step: from a named set of source states to a target state."""

    name: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    # Who takes this step, in the module's own words ("applicant", "staff", "system"…); read by ``may_act``.
    actor: str = ""
    guards: tuple[Guard, ...] = ()
    requires_reason: bool = False
    # Message when the object is not in one of ``sources`` (default: a generic sentence naming the state).
    refused: str | Promise = ""
    # Message when a required reason is missing.
    reason_missing: str | Promise = ""
    # Free per-module data (e-mail template, report kind…), read by the module's side effects.
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


class TransitionLog(models.Model):
    """Abstract log row: who moved which object from which state to which, when and why.

    A concrete log adds the foreign key to its object (named as ``Workflow.log_subject``) and its tenancy.
    """

    transition = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("état de départ"), max_length=40, blank=True)
    to_state = models.CharField(_("état d'arrivée"), max_length=40)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]
        verbose_name = _("historique des états")
        verbose_name_plural = _("historique des états")

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"

    def _state_label(self, value: str) -> str:
        workflow = Workflow.for_model(type(self), log=True)
        return workflow.state_label(value) if workflow else value

    @property
    def from_label(self) -> str:
        return self._state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return self._state_label(self.to_state)


_REGISTRY: list[Workflow] = []


def registered_workflows() -> list[Workflow]:
    return list(_REGISTRY)


class Workflow:
    """A model's declared workflow: its transitions, how to apply them, and who may."""

    def __init__(
        self,
        *,
        model: str | type[models.Model],
        log_model: str | type[models.Model],
        log_subject: str,
        transitions: Iterable[Transition],
        states: type[models.TextChoices] | None = None,
        state_field: str = "state",
        version_field: str | None = None,
        may_act: Callable[[Any, Any, Transition], bool] | None = None,
    ) -> None:
        self._model = model
        self._log_model = log_model
        self.log_subject = log_subject
        self.states = states
        self.state_field = state_field
        self.version_field = version_field
        self.may_act = may_act
        self.transitions: dict[str, Transition] = {}
        for transition in transitions:
            if transition.name in self.transitions:
                raise ValueError(f"Transition {transition.name!r} déclarée deux fois.")
            self.transitions[transition.name] = transition
        self._effects: dict[str, list[SideEffect]] = defaultdict(list)
        _REGISTRY.append(self)

    def __repr__(self) -> str:
        return f"<Workflow {self._label(self._model)}.{self.state_field}>"

    @staticmethod
    def _label(model: str | type[models.Model]) -> str:
        return model if isinstance(model, str) else model._meta.label

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self._model) if isinstance(self._model, str) else self._model

    @cached_property
    def log_model(self) -> type[models.Model]:
        return apps.get_model(self._log_model) if isinstance(self._log_model, str) else self._log_model

    @classmethod
    def for_model(cls, model: type[models.Model], *, log: bool = False) -> Workflow | None:
        label = model._meta.label
        for workflow in _REGISTRY:
            if (workflow._label(workflow._log_model) if log else workflow._label(workflow._model)) == label:
                return workflow
        return None

    def __getitem__(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise WorkflowError(_("Action inconnue : %(name)s.") % {"name": name}, code="unknown") from None

    def __iter__(self):
        return iter(self.transitions.values())

    # ---- reading ------------------------------------------------------------------------------------

    def state_label(self, value: str) -> str:
        if self.states is not None and value in self.states.values:
            return str(self.states(value).label)
        return value or "∅"

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def _refusal(self, obj, transition: Transition, user) -> str | Promise | None:
        """Why ``user`` may not take ``transition`` on ``obj`` now, or None."""
        state = self.state_of(obj)
        if state not in transition.sources:
            return transition.refused or _(
                "Action impossible : « %(action)s » n'est pas possible quand l'état est « %(state)s »."
            ) % {"action": transition.label, "state": self.state_label(state)}
        if self.may_act is not None and not self.may_act(user, obj, transition):
            return _("Vous n'avez pas le droit de faire cette action.")
        for guard in transition.guards:
            message = guard(obj, user)
            if message:
                return message
        return None

    def available(self, obj, user) -> list[tuple[Transition, str | Promise | None]]:
        """Transitions from the current state that this user may take, each with why it is blocked (or None)."""
        state = self.state_of(obj)
        result = []
        for transition in self.transitions.values():
            if state not in transition.sources:
                continue
            if self.may_act is not None and not self.may_act(user, obj, transition):
                continue
            blocked = next((m for m in (guard(obj, user) for guard in transition.guards) if m), None)
            result.append((transition, blocked))
        return result

    def allowed(self, obj, user) -> list[Transition]:
        """Transitions the user may take right now (buttons to show, admin actions to offer)."""
        return [transition for transition, blocked in self.available(obj, user) if blocked is None]

    def history(self, obj) -> models.QuerySet:
        return self.log_model._default_manager.filter(**{self.log_subject: obj}).order_by("at", "pk")

    # ---- writing ------------------------------------------------------------------------------------

    def on(self, names: str | Iterable[str], effect: SideEffect | None = None):
        """Declare a side effect of transition(s) ``names`` ("*" for every one), run on commit. Usable as decorator."""

        def register(function: SideEffect) -> SideEffect:
            for name in [names] if isinstance(names, str) else list(names):
                if name != "*" and name not in self.transitions:
                    raise ValueError(f"Transition inconnue : {name!r}.")
                self._effects[name].append(function)
            return function

        return register(effect) if effect is not None else register

    def log_creation(self, obj, user, name: str = "create", reason: str = "") -> models.Model:
        """First log row of a new object: "" → its initial state."""
        return self._log(obj, name, "", self.state_of(obj), user, reason)

    def _log(self, obj, name: str, from_state: str, to_state: str, user, reason: str) -> models.Model:
        by = user if getattr(user, "is_authenticated", False) else None
        return self.log_model._default_manager.create(
            **{self.log_subject: obj},
            transition=name,
            from_state=from_state,
            to_state=to_state,
            by=by,
            reason=reason,
        )

    def apply(
        self,
        obj,
        name: str,
        user,
        *,
        reason: str = "",
        expected_version: int | None = None,
        update: Callable[[Any], None] | None = None,
        on_commit: Iterable[Callable[[Any], None]] = (),
    ):
        """Take transition ``name`` on ``obj`` for ``user``; return the saved (locked, re-read) object.

        ``update(locked)`` sets the other fields the step changes (dates, amounts); it may raise ``ValidationError``
        to refuse, and then nothing is written. ``on_commit`` callbacks receive the saved object after commit.
        """
        transition = self[name]
        reason = (reason or "").strip()
        with transaction.atomic():
            locked = self.model._default_manager.select_for_update().get(pk=obj.pk)
            state = self.state_of(locked)
            if state not in transition.sources:
                raise WorkflowError(self._refusal(locked, transition, user))
            if (
                self.version_field
                and expected_version is not None
                and getattr(locked, self.version_field) != expected_version
            ):
                raise ConcurrentEditError()
            refusal = self._refusal(locked, transition, user)
            if refusal:
                raise WorkflowError(refusal, code="guard")
            if transition.requires_reason and not reason:
                raise WorkflowError(transition.reason_missing or _("Indiquez le motif."), code="reason")
            setattr(locked, self.state_field, transition.target)
            if self.version_field:
                setattr(locked, self.version_field, getattr(locked, self.version_field) + 1)
            if update is not None:
                update(locked)
            locked.save()
            self._log(locked, name, state, transition.target, user, reason)
            for effect in (*self._effects.get(name, ()), *self._effects.get("*", ())):
                transaction.on_commit(partial(effect, locked, transition, user))
            for callback in on_commit:
                transaction.on_commit(partial(callback, locked))
        # The caller's instance follows, so that code holding it does not act on a stale state.
        for model_field in locked._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(locked, model_field.attname))
        return locked
