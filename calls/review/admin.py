"""Admin of the review side: the application changelist gains the priority (sortable) and the review labels
filter, its change page the private notes, scores and messages (read-only); labels and notification settings are
managed per region. Loaded by one import at the end of ``calls.admin``; region scoping through
``RegionScopedAdminMixin`` as everywhere else.
"""

from django.contrib import admin
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from crrc.admin import RegionScopedAdminMixin, admin_regions

from ..admin import ApplicationAdmin, ReadOnlyInline
from ..models import Application
from .models import Label, Message, NotificationPreference, ReviewerAssignment, ReviewNote, ReviewScore


class ReviewerAssignmentInline(ReadOnlyInline):
    model = ReviewerAssignment
    fields = ["reviewer", "assigned_by", "assigned_at"]
    readonly_fields = fields


class ReviewScoreInline(ReadOnlyInline):
    model = ReviewScore
    fields = ["reviewer", "motivation", "comment", "updated_at"]
    readonly_fields = fields


class ReviewNoteInline(ReadOnlyInline):
    model = ReviewNote
    fields = ["created_at", "author", "text"]
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author", "from_staff", "body"]
    readonly_fields = fields


class LabelFilter(admin.SimpleListFilter):
    title = _("étiquette")
    parameter_name = "label"

    def lookups(self, request, model_admin):
        labels = Label.objects.select_related("call").order_by("name")
        regions = admin_regions(request)
        if regions is not None:
            labels = labels.filter(region__in=regions)
        return [(label.pk, f"{label.name} ({label.call.title})" if label.call_id else label.name) for label in labels]

    def queryset(self, request, queryset):
        return queryset.filter(review_labels=self.value()) if self.value() else queryset


admin.site.unregister(Application)


@admin.register(Application)
class ApplicationReviewAdmin(ApplicationAdmin):
    """The calls helper's application admin, plus what reviewers sort and filter by."""

    list_display = [*ApplicationAdmin.list_display, "priority_score"]
    list_filter = [*ApplicationAdmin.list_filter, LabelFilter]
    inlines = [*ApplicationAdmin.inlines, ReviewerAssignmentInline, ReviewScoreInline, ReviewNoteInline, MessageInline]
    list_select_related = [*ApplicationAdmin.list_select_related, "priority"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_priority=F("priority__score"))

    def get_ordering(self, request):
        return [F("priority__score").desc(nulls_last=True), "submitted_at"]

    @admin.display(description=_("priorité"), ordering=F("priority__score").desc(nulls_last=True))
    def priority_score(self, obj: Application):
        return obj._priority if obj._priority is not None else "—"


@admin.register(Label)
class LabelAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "region"
    list_display = ["name", "colour", "region", "call"]
    list_filter = ["colour", "region"]
    search_fields = ["name"]
    exclude = ["applications"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "call__region"
    list_display = ["user", "call", "frequency", "last_digest_at"]
    list_filter = ["frequency"]
    search_fields = ["user__email", "call__title"]
    readonly_fields = ["last_digest_at"]
