"""Admin for CRRC staff: their region's incidents (``RegionScopedAdminMixin``), the steps and interventions inline,
state changes as the kit's actions (``WorkflowAdminMixin``), and the region's 24/7 on-call contacts."""

from django.contrib import admin
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from .models import Incident, IncidentLog, IncidentStep, Intervention, RegionOnCall
from .workflow import INCIDENT_WORKFLOW


class StepInline(admin.TabularInline):
    model = IncidentStep
    extra = 0
    fields = ["kind", "deadline", "done_at", "done_by", "note"]
    readonly_fields = ["kind", "deadline", "done_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class InterventionInline(admin.TabularInline):
    model = Intervention
    extra = 0
    fields = ["at", "mode", "hours", "intervenants", "description", "recorded_by"]
    readonly_fields = ["recorded_by"]


class LogInline(admin.TabularInline):
    model = IncidentLog
    extra = 0
    fields = ["at", "by", "from_label", "to_label", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("état de départ"))
    def from_label(self, obj):
        return obj.from_label

    @admin.display(description=_("état d'arrivée"))
    def to_label(self, obj):
        return obj.to_label


@admin.register(Incident)
class IncidentAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, SimpleHistoryAdmin):
    workflow = INCIDENT_WORKFLOW
    region_lookup = "establishment__region"
    list_display = ["reference", "title", "establishment", "detected_at", "state", "rapid_response", "hours_spent"]
    list_filter = ["state", "care_impact", "personal_data", "establishment__department", "establishment__sector"]
    list_select_related = ["establishment"]
    search_fields = ["title", "=establishment__finess", "establishment__name", "=id"]
    date_hierarchy = "detected_at"
    autocomplete_fields = ["establishment"]
    readonly_fields = ["declared_by", "declared_at", "supported_at", "closed_at", "rapid_response_requested_at"]
    inlines = [StepInline, InterventionInline, LogInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total_hours=Sum("interventions__hours"))

    @admin.display(description=_("référence"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("force d'intervention rapide"), boolean=True)
    def rapid_response(self, obj):
        return obj.rapid_response_requested

    @admin.display(description=_("heures"), ordering="total_hours")
    def hours_spent(self, obj):
        return obj.total_hours or 0

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, Intervention) and instance.recorded_by_id is None:
                instance.recorded_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(RegionOnCall)
class RegionOnCallAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "region"
    list_display = ["region", "phone", "email"]
    autocomplete_fields = ["region"]
