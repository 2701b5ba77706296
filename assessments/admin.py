"""Admin: grids are read-only (they change only through ``load_grid``), assessments are region-scoped."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from .models import Answer, AnswerOption, Assessment, AssessmentTransition, Grid, Level, Measure, Question, Section
from .workflow import ASSESSMENT_WORKFLOW


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SectionInline(ReadOnlyInline):
    model = Section
    fields = ("order", "code", "title", "is_scored", "colour")
    readonly_fields = fields


class LevelInline(ReadOnlyInline):
    model = Level
    fields = ("order", "code", "label", "minimum", "minimum_inclusive", "maximum", "maximum_inclusive")
    readonly_fields = fields


class ReadOnlyAdmin(admin.ModelAdmin):
    """Structure loaded from a file: viewing only, so that an assessment never sees its grid change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ("title", "version", "is_current", "is_illustrative", "licence", "question_count", "loaded_at")
    list_filter = ("is_current", "is_illustrative", "scoring")
    search_fields = ("title", "slug", "version")
    inlines = [SectionInline, LevelInline]
    readonly_fields = [f.name for f in Grid._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total


class OptionInline(ReadOnlyInline):
    model = AnswerOption
    fields = ("order", "code", "label", "points", "sets_answers")
    readonly_fields = fields


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("code", "grid", "section", "weight", "kind", "revealed_by")
    list_filter = ("grid",)
    search_fields = ("code", "text")
    list_select_related = ("grid", "section", "revealed_by")
    inlines = [OptionInline]
    readonly_fields = (
        "grid",
        "section",
        "code",
        "text",
        "help_text",
        "kind",
        "weight",
        "order",
        "revealed_by",
        "hidden_if",
    )


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("code", "grid", "rank", "section_code")
    list_filter = ("grid",)
    search_fields = ("code", "levels__title")
    list_select_related = ("grid",)
    readonly_fields = ("grid", "code", "rank", "section_code")


class TransitionInline(ReadOnlyInline):
    model = AssessmentTransition
    fields = ("at", "transition", "from_state", "to_state", "by")
    readonly_fields = fields


class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ("question", "chosen", "set_by_rule", "version", "updated_by", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "updated_by").prefetch_related("selected")

    @admin.display(description=_("réponse"))
    def chosen(self, obj):
        return " ; ".join(option.label for option in obj.selected.all()) or "—"


@admin.register(Assessment)
class AssessmentAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "establishment__region"
    workflow = ASSESSMENT_WORKFLOW
    # No admin action: submitting freezes the establishment's own answers, which is theirs to decide.
    workflow_actions = ()
    list_display = ("establishment", "grid", "state", "level_label", "overall_score", "created_at", "submitted_at")
    list_filter = ("state", "grid", "establishment__sector", "establishment__region")
    search_fields = ("establishment__name", "establishment__finess")
    list_select_related = ("establishment", "grid")
    date_hierarchy = "created_at"
    inlines = [TransitionInline, AnswerInline]
    readonly_fields = (
        "establishment",
        "grid",
        "state",
        "started_by",
        "created_at",
        "updated_at",
        "submitted_at",
        "submitted_by",
        "overall_score",
        "level_code",
        "level_label",
        "results",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
