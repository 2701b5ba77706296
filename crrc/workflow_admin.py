"""Admin side of the workflow kit: the state field is read-only, and each transition is an admin action.

    @admin.register(Exercise)
    class ExerciseAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, admin.ModelAdmin):
        workflow = EXERCISE_WORKFLOW

Each action applies the transition through ``Workflow.apply`` to every selected row (already region-scoped by the
admin's queryset) and reports one line per row that was refused, with the kit's French message. A transition that
needs a reason first shows a confirmation page with a reason field, like Django's own "delete selected".

A module whose steps set more than the state (dates, amounts, a computed result) or check more than the declared
guards keeps them in its service: it lists the transitions the admin offers in ``workflow_actions`` (optionally
under the action names its staff already use) and routes each row to the service in ``workflow_apply``::

    workflow_actions = {"start_instruction": "start_instruction", "mark_paid": "mark_paid"}

    def workflow_apply(self, request, obj, transition, reason):
        return getattr(services, transition.name)(obj, request.user)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .workflow import Transition, Workflow


class WorkflowAdminMixin:
    workflow: Workflow
    # Transitions offered as admin actions: None offers every one (as "workflow_<name>"); a sequence of names offers
    # those; a mapping {transition name: action name} offers those under the given action names.
    workflow_actions: Iterable[str] | Mapping[str, str] | None = None

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.workflow.state_field not in fields:
            fields.append(self.workflow.state_field)
        return fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):  # taking a step changes the row: view-only staff get no action
            return actions
        for transition, name in self._workflow_action_names():
            actions[name] = (self._make_action(transition, name), name, transition.label)
        return actions

    def _workflow_action_names(self) -> list[tuple[Transition, str]]:
        offered = self.workflow_actions
        if offered is None:
            return [(transition, f"workflow_{transition.name}") for transition in self.workflow]
        if isinstance(offered, Mapping):
            return [(self.workflow[name], action_name) for name, action_name in offered.items()]
        return [(self.workflow[name], f"workflow_{name}") for name in offered]

    def _make_action(self, transition: Transition, name: str):
        def action(modeladmin, request, queryset):
            return modeladmin.apply_transition(request, queryset, transition, action_name=name)

        action.__name__ = name
        action.allowed_permissions = ("change",)
        return action

    def workflow_apply(self, request, obj, transition: Transition, reason: str):
        """Take ``transition`` on one selected row; override to go through the module's service."""
        return self.workflow.apply(obj, transition.name, request.user, reason=reason)

    def apply_transition(self, request, queryset, transition: Transition, action_name: str | None = None):
        reason = (request.POST.get("workflow_reason") or "").strip()
        if transition.requires_reason and not (request.POST.get("workflow_confirm") and reason):
            missing = bool(request.POST.get("workflow_confirm"))
            return self._ask_reason(request, queryset, transition, missing=missing, action_name=action_name)
        done = 0
        for obj in queryset:
            try:
                self.workflow_apply(request, obj, transition, reason)
            except ValidationError as error:  # the kit's WorkflowError, or a module service's own refusal
                self.message_user(request, f"{obj} : {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "« %(action)s » appliqué à %(count)d élément.",
                    "« %(action)s » appliqué à %(count)d éléments.",
                    done,
                )
                % {"action": transition.label, "count": done},
                messages.SUCCESS,
            )
        return None

    def _ask_reason(
        self, request, queryset, transition: Transition, missing: bool, action_name: str | None = None
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": transition.label,
            "opts": self.model._meta,
            "objects": list(queryset),
            "transition": transition,
            "action_name": action_name or f"workflow_{transition.name}",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "missing": missing,
            "missing_message": transition.reason_missing or _("Indiquez le motif."),
        }
        return TemplateResponse(request, "admin/crrc/workflow_reason.html", context)
