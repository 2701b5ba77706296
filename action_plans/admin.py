"""Admin for CRRC staff: every plan and item of their region (``RegionScopedAdminMixin``), writes through services.

Status changes are admin actions calling the workflow services (never a free edit of ``status``), edits keep the
optimistic ``version`` check, and each plan has the XLSX tracking tool export/import the establishments use.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from . import services, xlsx
from .forms import ImportForm
from .models import ActionItem, ActionItemComment, ActionItemTransition, ActionPlan
from .workflow import ACTION_ITEM_WORKFLOW, CLOSED_STATES, COMPLETE, REOPEN, START


class OverdueFilter(admin.SimpleListFilter):
    title = _("retard")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("En retard")), ("no", _("Dans les délais ou sans échéance"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(pk__in=ActionItem.objects.overdue().values("pk"))
        return queryset


class ActionItemAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ActionItem
        fields = ["plan", "title", "description", "owner", "deadline", "priority", "progress", "source_label"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan") or (self.instance.plan if self.instance.plan_id else None)
        if plan is not None and cleaned.get("owner"):
            try:
                services.validate_owner(plan.establishment, cleaned["owner"])
            except ValidationError as exc:
                self.add_error("owner", exc.messages[0])
        if self.instance.pk:
            current = ActionItem.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            expected = cleaned.get("expected_version")
            if expected is not None and current != expected:
                raise ValidationError(
                    _(
                        "Cette action a été modifiée par quelqu'un d'autre pendant que vous la modifiiez. "
                        "Vos changements n'ont pas été enregistrés : rechargez la page."
                    )
                )
            if self.instance.status in CLOSED_STATES and "progress" in self.changed_data:
                self.add_error("progress", _("L'avancement d'une action clôturée ne se modifie pas."))
        return cleaned


class CommentInline(admin.TabularInline):
    model = ActionItemComment
    extra = 0
    fields = ["created_at", "author", "body"]
    readonly_fields = ["created_at", "author"]
    can_delete = False


class TransitionInline(admin.TabularInline):
    model = ActionItemTransition
    extra = 0
    fields = ["at", "by", "from_state", "to_state", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActionItem)
class ActionItemAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "plan__establishment__region"
    workflow = ACTION_ITEM_WORKFLOW
    # The transitions staff take from the list, under their established action names; each goes through
    # ``services.transition`` (progress, completion date, history user).
    workflow_actions = {START.name: "start_items", COMPLETE.name: "complete_items", REOPEN.name: "reopen_items"}
    form = ActionItemAdminForm
    list_display = ["title", "establishment", "priority", "status", "owner", "deadline", "overdue", "progress"]
    list_filter = ["status", "priority", OverdueFilter, "source_kind", "plan__establishment__department"]
    list_select_related = ["plan__establishment", "owner"]
    search_fields = ["title", "=plan__establishment__finess", "plan__establishment__name", "owner__email"]
    autocomplete_fields = ["plan", "owner"]
    readonly_fields = [
        "status",
        "completed_at",
        "abandon_reason",
        "source_kind",
        "source_key",
        "source_reference",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["plan", "title", "description", "owner", "deadline", "priority", "progress"]}),
        (_("Statut"), {"fields": ["status", "completed_at", "abandon_reason"]}),
        (_("Origine"), {"fields": ["source_kind", "source_label", "source_key", "source_reference"]}),
        (_("Suivi"), {"fields": ["version", "created_by", "created_at", "updated_at", "expected_version"]}),
    ]
    inlines = [CommentInline, TransitionInline]

    @admin.display(description=_("établissement"), ordering="plan__establishment__name")
    def establishment(self, obj):
        return obj.plan.establishment.name

    @admin.display(description=_("en retard"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description=_("objet d'origine"))
    def source_reference(self, obj):
        if not obj.source_content_type_id:
            return "—"
        return f"{obj.source_content_type} #{obj.source_object_id}"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "plan"] if obj else fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj._history_user = request.user
            obj.save()
            return
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
        label_changed = "source_label" in form.changed_data
        saved = services.update_item(
            obj, request.user, expected_version=form.cleaned_data["expected_version"], **changes
        )
        if label_changed:
            ActionItem.objects.filter(pk=obj.pk).update(source_label=form.cleaned_data["source_label"])
        obj.version = saved.version

    def save_formset(self, request, form, formset, change):
        for comment in formset.save(commit=False):
            if comment.pk is None:
                comment.author = request.user
            comment.save()
        formset.save_m2m()

    def workflow_apply(self, request, obj, transition, reason):
        return services.transition(obj, request.user, transition.name, reason=reason)


class ItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "priority", "status", "owner", "deadline", "progress"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActionPlan)
class ActionPlanAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "establishment__region"
    list_display = ["establishment", "finess", "item_count", "open_count", "overdue_count", "tracking_tool"]
    list_select_related = ["establishment"]
    search_fields = ["=establishment__finess", "establishment__name"]
    list_filter = ["establishment__department", "establishment__sector"]
    autocomplete_fields = ["establishment"]
    readonly_fields = ["created_at", "updated_at", "tracking_tool"]
    inlines = [ItemInline]

    def get_queryset(self, request):
        today = timezone.localdate()
        open_q = ~Q(items__status__in=CLOSED_STATES)
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items"),
                open_count=Count("items", filter=open_q),
                overdue_count=Count("items", filter=open_q & Q(items__deadline__lt=today)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "establishment"] if obj else self.readonly_fields

    @admin.display(description=_("FINESS"), ordering="establishment__finess")
    def finess(self, obj):
        return obj.establishment.finess

    @admin.display(description=_("actions"), ordering="item_count")
    def item_count(self, obj):
        return obj.item_count

    @admin.display(description=_("ouvertes"), ordering="open_count")
    def open_count(self, obj):
        return obj.open_count

    @admin.display(description=_("en retard"), ordering="overdue_count")
    def overdue_count(self, obj):
        return obj.overdue_count

    @admin.display(description=_("outil de suivi (XLSX)"))
    def tracking_tool(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:action_plans_actionplan_export", args=[obj.pk]),
            _("Exporter"),
            reverse("admin:action_plans_actionplan_import", args=[obj.pk]),
            _("Importer"),
        )

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="action_plans_actionplan_export",
            ),
            path(
                "<int:pk>/import/",
                self.admin_site.admin_view(self.import_view),
                name="action_plans_actionplan_import",
            ),
        ]
        return extra + super().get_urls()

    def _plan(self, request, pk) -> ActionPlan:
        return get_object_or_404(self.get_queryset(request).select_related("establishment__region"), pk=pk)

    def export_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        plan = self._plan(request, pk)
        items = plan.items.select_related("owner").order_by("priority", "deadline", "pk")
        response = HttpResponse(xlsx.export_plan(plan.establishment, items), content_type=xlsx.XLSX_MIME)
        filename = xlsx.export_filename(plan.establishment, timezone.localdate())
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def import_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        plan = self._plan(request, pk)
        form = ImportForm(request.POST or None, request.FILES or None)
        row_errors = []
        if request.method == "POST" and form.is_valid():
            try:
                result = xlsx.import_plan(plan.establishment, form.cleaned_data["file"], request.user)
            except xlsx.ImportRefused as exc:
                form.add_error(None, exc.message)
                row_errors = exc.errors
            else:
                self.message_user(
                    request,
                    ngettext(
                        "Import terminé : %(created)d créée, %(updated)d mise à jour, %(same)d inchangée.",
                        "Import terminé : %(created)d créées, %(updated)d mises à jour, %(same)d inchangées.",
                        result.created + result.updated + result.unchanged,
                    )
                    % {"created": result.created, "updated": result.updated, "same": result.unchanged},
                    messages.SUCCESS,
                )
                return redirect("admin:action_plans_actionplan_change", plan.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": plan,
            "title": _("Importer l'outil de suivi – %(name)s") % {"name": plan.establishment.name},
            "form": form,
            "row_errors": row_errors,
        }
        return TemplateResponse(request, "admin/action_plans/import.html", context)
