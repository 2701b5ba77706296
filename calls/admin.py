"""Admin for CRRC staff: configure a call (rules, questions, documents, cut-offs, project kinds as inlines) and
follow its applications. Rows are limited to the staff member's regions (``RegionScopedAdminMixin``).

Applications are read-only here: their state only changes through ``calls.services`` (the kit's admin actions below
call those functions, so guards, the transition log, e-mails and PDFs apply exactly as in the screens).
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crrc.admin import RegionScopedAdminMixin, SaneDatesAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from . import services
from .models import (
    Answer,
    Application,
    Attachment,
    Call,
    CorrectionRequest,
    CutOff,
    EligibilityRule,
    ProjectKind,
    Question,
    RequiredDocument,
    TransitionLog,
)
from .selectors import proof_orders
from .services import content_editable
from .workflow import CALL_WORKFLOW, FUNDED_STATES


class ProjectKindInline(admin.TabularInline):
    model = ProjectKind
    extra = 0
    fields = ["order", "code", "label", "description"]


class CutOffInline(SaneDatesAdminMixin, admin.TabularInline):
    model = CutOff
    extra = 0
    fields = ["date", "label"]


class EligibilityRuleInline(admin.StackedInline):
    model = EligibilityRule
    extra = 0
    fields = [("order", "kind"), "label", "parameters", "failure_message"]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = [("order", "code", "kind", "is_mandatory"), "label", "help_text", "choices"]


class RequiredDocumentInline(admin.StackedInline):
    model = RequiredDocument
    extra = 0
    fields = [
        ("order", "code", "phase", "is_mandatory"),
        "label",
        "description",
        ("accepted_types", "max_size_mb"),
        "template",
    ]


@admin.register(Call)
class CallAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "region"
    list_display = ["title", "kind", "region", "opens_at", "closes_at", "is_published", "application_count", "funded"]
    list_filter = ["kind", "is_published", "region"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "closes_at"
    readonly_fields = ["draft_reminder_sent_at", "closing_processed_at", "budget"]
    fieldsets = [
        (
            None,
            {"fields": ["region", "kind", "title", "slug", "summary", "description", "edition_note", "contact_email"]},
        ),
        (_("Calendrier"), {"fields": [("opens_at", "closes_at"), "is_rolling", "is_published"]}),
        (
            _("Financement"),
            {
                "fields": [
                    ("funding_mode", "funding_amount"),
                    ("budget_envelope", "max_funded_applications"),
                    "payment_on_service_done",
                    "budget",
                ]
            },
        ),
        (_("Suivi automatique"), {"fields": ["draft_reminder_sent_at", "closing_processed_at"]}),
    ]
    inlines = [ProjectKindInline, CutOffInline, QuestionInline, RequiredDocumentInline, EligibilityRuleInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("region")
            .annotate(
                _applications=Count("applications", filter=~Q(applications__state="brouillon")),
                _funded=Count("applications", filter=Q(applications__state__in=sorted(FUNDED_STATES))),
            )
        )

    @admin.display(description=_("dossiers déposés"), ordering="_applications")
    def application_count(self, obj: Call) -> int:
        return obj._applications

    @admin.display(description=_("financés"), ordering="_funded")
    def funded(self, obj: Call) -> int:
        return obj._funded

    @admin.display(description=_("budget"))
    def budget(self, obj: Call) -> str:
        if not obj.pk:
            return "—"
        budget = services.budget_of(obj)
        parts = [
            _("engagé : %(amount)s €") % {"amount": budget.committed},
            _("payé : %(amount)s €") % {"amount": budget.paid},
        ]
        if budget.remaining is not None:
            parts.append(_("reste : %(amount)s €") % {"amount": budget.remaining})
        parts.append(_("dossiers financés : %(count)d") % {"count": budget.funded_count})
        return " · ".join(str(p) for p in parts)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ["question", "value", "updated_by", "updated_at"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["document", "download", "file_type", "size", "is_current", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("fichier"))
    def download(self, obj: Attachment) -> str:
        url = reverse("calls:download", args=[obj.application_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class CorrectionInline(ReadOnlyInline):
    model = CorrectionRequest
    fields = ["kind", "message", "requested_by", "requested_at", "answer", "answered_at"]
    readonly_fields = fields


class TransitionLogInline(ReadOnlyInline):
    model = TransitionLog
    fields = ["at", "transition", "from_state", "to_state", "by", "reason"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "call__region"
    workflow = CALL_WORKFLOW
    # The staff steps taken from the list; each goes through its service (dates, paid amount = granted amount).
    workflow_actions = {"start_instruction": "start_instruction", "mark_paid": "mark_paid"}
    list_display = ["reference", "establishment", "call", "state", "preferred_kind", "submitted_at", "cutoff"]
    list_filter = ["state", "call", "cutoff", "establishment__department", "establishment__sector"]
    search_fields = ["establishment__name", "establishment__finess", "call__title"]
    list_select_related = ["call", "establishment", "preferred_kind", "cutoff"]
    inlines = [AnswerInline, AttachmentInline, CorrectionInline, TransitionLogInline]
    exclude = ["version"]

    def get_readonly_fields(self, request, obj=None):
        # Only the proof of order may change here, and only while the applicant could still change it.
        editable = {"purchase_order"} if obj is not None and content_editable(obj) else set()
        return [f.name for f in Application._meta.fields if f.name != "version" and f.name not in editable]

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._calls_application = obj  # the choices of the proof of order depend on the application
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # region-scoped by the mixin
        application = getattr(request, "_calls_application", None)
        if db_field.name == "purchase_order" and field is not None and application is not None:
            field.queryset = field.queryset.filter(pk__in=proof_orders(application).values("pk"))
        return field

    def save_model(self, request, obj, form, change):
        """Through the service: the application row locked, the workflow and the establishment re-checked."""
        if "purchase_order" in form.changed_data:
            try:
                services.set_purchase_order(obj, request.user, form.cleaned_data.get("purchase_order"))
            except services.WorkflowError as error:
                self.message_user(request, " ".join(error.messages), level=messages.ERROR)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def workflow_apply(self, request, obj, transition, reason):
        service = {"start_instruction": services.start_instruction, "mark_paid": services.mark_paid}[transition.name]
        return service(obj, request.user)


from .review import admin as review_admin  # noqa: E402, F401  (review side: priority, labels, notes — calls/review/)
