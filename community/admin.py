"""Admin for CRRC staff: spaces, members (approve, refuse, remove through the services), groups, folders and
their rights, events; documents, discussions, polls and the moderation log read-only. Rows are limited to the
staff member's regions (``RegionScopedAdminMixin``)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from . import services
from .models import (
    Document,
    DocumentVersion,
    Event,
    Folder,
    Group,
    Member,
    MemberLog,
    ModerationLog,
    Poll,
    PollOption,
    Post,
    Registration,
    Space,
    Thread,
)
from .workflow import MEMBER_WORKFLOW

SPACE_REGION = "space__region"


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Space)
class SpaceAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "region", "kind", "accepts_requests", "is_archived"]
    list_filter = ["kind", "accepts_requests", "is_archived", "region"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        creating = obj.pk is None
        super().save_model(request, obj, form, change)
        if creating:
            for order, name in enumerate(services.DEFAULT_FOLDERS):
                Folder.objects.get_or_create(
                    space=obj, parent=None, name=name, defaults={"access": "space", "order": order}
                )


class MemberLogInline(admin.TabularInline):
    model = MemberLog
    extra = 0
    can_delete = False
    fields = ["at", "transition", "from_state", "to_state", "by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, SimpleHistoryAdmin):
    """Staff approve, refuse, invite again and remove through the workflow actions (the same service as the
    portal's buttons: moderation log, e-mails)."""

    workflow = MEMBER_WORKFLOW
    region_lookup = SPACE_REGION
    list_display = ["user", "space", "establishment", "state", "source", "level", "joined_at"]
    list_filter = ["state", "source", "level", "space", "establishment__sector", "establishment__department"]
    search_fields = ["user__email", "user__last_name", "user__first_name", "establishment__name", "expertise"]
    readonly_fields = [
        "space",
        "user",
        "state",
        "source",
        "joined_at",
        "removed_at",
        "digest_cursor",
        "invited_by",
        "created_at",
    ]
    fields = [
        "space", "user", "establishment", "state", "source", "function", "expertise", "show_email", "show_phone",
        "level", "request_message", "invited_by", "created_at", "joined_at", "removed_at", "digest_cursor",
    ]  # fmt: skip
    list_select_related = ["user", "space", "establishment"]
    inlines = [MemberLogInline]

    def has_add_permission(self, request):
        return False

    # Only the staff's steps: requests, acceptances and the offer's joins are taken by others.
    workflow_actions = [transition.name for transition in MEMBER_WORKFLOW if transition.actor == "staff"]

    def workflow_apply(self, request, obj, transition, reason):
        return services.move_member(obj, transition.name, request.user, reason)


@admin.register(Group)
class GroupAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = SPACE_REGION
    list_display = ["name", "space"]
    list_filter = ["space"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "members" and formfield is not None:
            formfield.queryset = self.admin_site._registry[Member].scope_queryset(
                Member.objects.filter(state=Member.State.ACTIVE).select_related("user", "space"), request
            )
        return formfield


@admin.register(Folder)
class FolderAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = SPACE_REGION
    list_display = ["name", "space", "parent", "access", "group", "order"]
    list_filter = ["access", "space"]
    search_fields = ["name"]


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = ["number", "original_name", "file_type", "size", "note", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(RegionScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    region_lookup = SPACE_REGION
    list_display = ["title", "space", "folder", "file_type", "size", "version_count", "updated_at"]
    list_filter = ["file_type", "space"]
    search_fields = ["title", "description"]
    inlines = [VersionInline]
    list_select_related = ["space", "folder"]


@admin.register(Thread)
class ThreadAdmin(RegionScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    region_lookup = SPACE_REGION
    list_display = ["title", "space", "author", "reply_count", "is_locked", "is_hidden", "last_activity_at"]
    list_filter = ["is_locked", "is_hidden", "space"]
    search_fields = ["title"]


@admin.register(Post)
class PostAdmin(RegionScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    region_lookup = "thread__space__region"
    list_display = ["thread", "author", "created_at", "like_count", "is_hidden"]
    list_filter = ["is_hidden"]
    search_fields = ["body"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    can_delete = False
    fields = ["user", "state", "created_at", "promoted_at", "cancelled_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = SPACE_REGION
    list_display = ["title", "space", "kind", "mode", "starts_at", "capacity"]
    list_filter = ["kind", "mode", "space"]
    search_fields = ["title"]
    inlines = [RegistrationInline]
    readonly_fields = ["reminder_sent_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if change and {"starts_at", "ends_at", "location", "link"} & set(form.changed_data):
            obj.sequence += 1  # calendar clients update the event they already have
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0
    fields = ["order", "label"]
    readonly_fields = fields
    can_delete = False


@admin.register(Poll)
class PollAdmin(RegionScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    region_lookup = SPACE_REGION
    list_display = ["question", "space", "multiple", "anonymous", "closes_at"]
    list_filter = ["space"]
    inlines = [PollOptionInline]


@admin.register(ModerationLog)
class ModerationLogAdmin(RegionScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    region_lookup = SPACE_REGION
    list_display = ["at", "space", "action", "target", "actor", "reason"]
    list_filter = ["action", "space"]
    search_fields = ["target", "reason"]
