"""Admin for CRRC officers: the scenario catalogue and RETEX templates (reference data), and every exercise of
their region with its plan, participants and chronogram. The state only moves through the workflow's actions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from .models import (
    EvidenceRequest,
    Exercise,
    ExerciseLog,
    ExerciseSite,
    LogisticsItem,
    Objective,
    Observation,
    Participant,
    RetexQuestion,
    RetexTemplate,
    Scenario,
    ScenarioStimulus,
    Stimulus,
)
from .workflow import EXERCISE_WORKFLOW


class ScenarioStimulusInline(admin.TabularInline):
    model = ScenarioStimulus
    extra = 0
    fields = ["offset_seconds", "channel", "sender", "recipient_cell", "content", "expected_reaction"]


@admin.register(Scenario)
class ScenarioAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "kit_level", "is_illustrative", "is_active"]
    list_filter = ["kit_level", "is_active", "is_illustrative"]
    search_fields = ["title", "slug", "summary"]
    readonly_fields = ["content_hash", "source_path"]
    inlines = [ScenarioStimulusInline]


class RetexQuestionInline(admin.TabularInline):
    model = RetexQuestion
    extra = 0


@admin.register(RetexTemplate)
class RetexTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_default"]
    inlines = [RetexQuestionInline]


class SiteInline(admin.TabularInline):
    model = ExerciseSite
    extra = 0
    autocomplete_fields = ["site"]
    verbose_name_plural = _("autres sites de l'organisme participant à l'exercice")


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["cell", "function", "name", "email", "user", "site", "retex_done_at"]
    readonly_fields = ["site", "retex_done_at"]  # the site is said by the participant on the exercise's page
    raw_id_fields = ["user"]


class LogisticsInline(admin.TabularInline):
    model = LogisticsItem
    extra = 0


class StimulusInline(admin.TabularInline):
    model = Stimulus
    extra = 0
    fields = ["offset_seconds", "channel", "sender", "recipient_cell", "content", "status", "played_at", "score"]
    readonly_fields = ["status", "played_at", "score"]


class LogInline(admin.TabularInline):
    model = ExerciseLog
    extra = 0
    can_delete = False
    fields = ["at", "transition", "from_state", "to_state", "by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Exercise)
class ExerciseAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, SimpleHistoryAdmin):
    workflow = EXERCISE_WORKFLOW
    region_lookup = "establishment__region"
    list_display = ["title", "establishment", "starts_at", "kit_level", "state", "runner"]
    list_filter = ["state", "kit_level", "format", "runner", "establishment__sector", "establishment__department"]
    search_fields = ["title", "establishment__name", "establishment__finess", "runner_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["establishment"]
    autocomplete_fields = ["establishment"]
    raw_id_fields = ["application", "purchase_order", "created_by"]
    readonly_fields = [
        "kit_level_proposed",
        "version",
        "calendar_sequence",
        "invitations_sent_at",
        "started_at",
        "ended_at",
        "reported_at",
        "cancel_reason",
    ]
    inlines = [SiteInline, ObjectiveInline, ParticipantInline, LogisticsInline, StimulusInline, LogInline]

    def save_model(self, request, obj, form, change):
        """A new exercise gets its first log row and, when it has a scenario, the scenario's chronogram."""
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            EXERCISE_WORKFLOW.log_creation(obj, request.user)

    def save_related(self, request, form, formsets, change):
        from . import services

        super().save_related(request, form, formsets, change)
        exercise = form.instance
        services.sync_site_logistics(exercise)
        if not change and exercise.scenario_id and not exercise.stimuli.exists():
            Stimulus.objects.bulk_create(
                Stimulus(
                    exercise=exercise,
                    offset_seconds=s.offset_seconds,
                    channel=s.channel,
                    sender=s.sender,
                    recipient_cell=s.recipient_cell,
                    content=s.content,
                    expected_reaction=s.expected_reaction,
                )
                for s in exercise.scenario.stimuli.all()
            )


@admin.register(Observation)
class ObservationAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "exercise__establishment__region"
    list_display = ["exercise", "kind", "at", "text"]
    list_filter = ["kind"]
    search_fields = ["text", "exercise__title"]
    raw_id_fields = ["exercise", "objective", "author"]


@admin.register(EvidenceRequest)
class EvidenceRequestAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "establishment__region"
    list_display = ["establishment", "start", "end", "created_at"]
    readonly_fields = ["requested_by", "created_at"]

    def has_add_permission(self, request):
        return False
