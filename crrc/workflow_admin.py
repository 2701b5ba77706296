"""Admin side of the workflow kit: the state field is read-only, and each transition is an admin action.

    @admin.register(Exercise)
    class ExerciseAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, admin.ModelAdmin):
        workflow = EXERCISE_WORKFLOW

Each action applies the transition through ``Workflow.apply`` to every selected row (already region-scoped by the
admin's queryset) and reports one line per row that was refused, with the kit's French message. A transition that
needs a reason first shows a confirmation page with a reason field, like Django's own "delete selected".
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .workflow import Transition, Workflow, WorkflowError


class WorkflowAdminMixin:
    workflow: Workflow

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.workflow.state_field not in fields:
            fields.append(self.workflow.state_field)
        return fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        for transition in self.workflow:
            name = f"workflow_{transition.name}"
            actions[name] = (self._make_action(transition), name, transition.label)
        return actions

    def _make_action(self, transition: Transition):
        def action(modeladmin, request, queryset):
            return modeladmin.apply_transition(request, queryset, transition)

        action.__name__ = f"workflow_{transition.name}"
        return action

    def apply_transition(self, request, queryset, transition: Transition):
        reason = (request.POST.get("workflow_reason") or "").strip()
        if transition.requires_reason and not (request.POST.get("workflow_confirm") and reason):
            return self._ask_reason(request, queryset, transition, missing=bool(request.POST.get("workflow_confirm")))
        done = 0
        for obj in queryset:
            try:
                self.workflow.apply(obj, transition.name, request.user, reason=reason)
            except WorkflowError as error:
                self.message_user(request, f"{obj} : {error}", messages.ERROR)
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

    def _ask_reason(self, request, queryset, transition: Transition, missing: bool) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": transition.label,
            "opts": self.model._meta,
            "objects": list(queryset),
            "transition": transition,
            "action_name": f"workflow_{transition.name}",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "missing": missing,
            "missing_message": transition.reason_missing or _("Indiquez le motif."),
        }
        return TemplateResponse(request, "admin/crrc/workflow_reason.html", context)
