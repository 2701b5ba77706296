"""Admin for CRRC staff: the template catalogue, programmes with their modules and quarterly campaigns as inlines,
enrolments, on-demand requests, and read-only import and batch records. Learners, results and the re-training
list are not in the admin: names are for the establishment's sponsor and relays only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from . import services
from .models import (
    Campaign,
    CampaignRequest,
    CampaignRequestLog,
    Enrolment,
    ImportRun,
    Module,
    PhishingTemplate,
    Programme,
    ReportBatch,
)
from .workflow import REQUEST_WORKFLOW


@admin.register(PhishingTemplate)
class PhishingTemplateAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "region"
    list_display = ("name", "level", "region", "is_active")
    list_filter = ("level", "is_active", "region")
    search_fields = ("name", "platform_reference")


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ("code", "kind", "month", "title", "theme", "format", "duration_minutes", "audience")


class CampaignInline(admin.TabularInline):
    model = Campaign
    extra = 0
    fields = ("quarter", "template", "starts_on", "ends_on")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "template":
            scoped = self.admin_site._registry[PhishingTemplate]
            formfield.queryset = scoped.scope_queryset(formfield.queryset, request)
        return formfield


@admin.register(Programme)
class ProgrammeAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "region"
    list_display = ("title", "region", "year", "platform_name")
    list_filter = ("year", "region")
    search_fields = ("title",)
    inlines = [ModuleInline, CampaignInline]


@admin.register(Enrolment)
class EnrolmentAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "establishment__region"
    list_display = ("establishment", "programme", "source", "is_active", "enrolled_at", "staff_informed_on")
    list_filter = ("programme", "source", "is_active", "establishment__sector", "establishment__department")
    search_fields = ("establishment__name", "establishment__finess")
    autocomplete_fields = ("establishment",)
    readonly_fields = ("enrolled_at", "enrolled_by", "withdrawn_at", "staff_informed_by")


class CampaignRequestLogInline(admin.TabularInline):
    model = CampaignRequestLog
    extra = 0
    can_delete = False
    fields = readonly_fields = ("transition", "from_state", "to_state", "by", "at", "reason")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CampaignRequest)
class CampaignRequestAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, SimpleHistoryAdmin):
    """Accept or refuse from the list (admin actions of the kit); scheduling needs a date: the staff page."""

    workflow = REQUEST_WORKFLOW
    inlines = [CampaignRequestLogInline]
    region_lookup = "establishment__region"
    list_display = ("establishment", "template", "wanted_on", "state", "scheduled_on", "requested_at")
    list_filter = ("state", "template")
    search_fields = ("establishment__name", "establishment__finess")
    readonly_fields = ("establishment", "template", "wanted_on", "message", "state", "requested_by", "requested_at",
                       "decided_by", "decided_at", "decision_reason", "scheduled_on")  # fmt: skip

    def has_add_permission(self, request):
        return False

    # Scheduling needs a date: it is done on the portal's page, not as a bulk action.
    workflow_actions = {"approve": "workflow_approve", "refuse": "workflow_refuse"}

    def workflow_apply(self, request, obj, transition, reason):
        """Through the services, so that the decision's date, author and reason are stored."""
        decide = services.approve_request if transition.name == "approve" else services.refuse_request
        return decide(obj, request.user, reason)


@admin.register(ImportRun)
class ImportRunAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "establishment__region"
    list_display = ("establishment", "kind", "campaign", "file_format", "imported_at", "counts")
    list_filter = ("kind", "file_format")
    search_fields = ("establishment__name", "establishment__finess")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportBatch)
class ReportBatchAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "campaign__programme__region"
    list_display = ("campaign", "created_at", "requested_by")
    readonly_fields = ("campaign", "created_at", "requested_by", "report_ids")

    def has_add_permission(self, request):
        return False
