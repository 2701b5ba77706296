"""Crisis exercises: the scenario catalogue, the exercise and its plan, what happened on the day, the RETEX.

Every row an establishment owns reaches it through ``exercise__establishment`` (``TenantQuerySet``); the catalogue
(scenarios, RETEX templates) is shared reference data loaded from YAML and edited in the admin.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.workflow import TransitionLog

from .choices import (
    Cell,
    Channel,
    Format,
    Function,
    JournalSource,
    KitLevel,
    ObservationKind,
    ReactionScore,
    Runner,
    State,
    StimulusStatus,
)
from .offsets import format_offset


class Scenario(models.Model):
    """A scenario of the catalogue (illustrative: the ANS kits' contents are not public)."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(_("résumé"), blank=True)
    kit_level = models.CharField(_("niveau de kit conseillé"), max_length=15, choices=KitLevel.choices, blank=True)
    objectives = models.JSONField(_("objectifs"), default=list, blank=True)
    is_illustrative = models.BooleanField(_("scénario illustratif"), default=True)
    is_active = models.BooleanField(_("proposé"), default=True)
    content_hash = models.CharField(_("empreinte du fichier"), max_length=64, blank=True, editable=False)
    source_path = models.CharField(_("fichier chargé"), max_length=500, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scénario")
        verbose_name_plural = _("scénarios")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ScenarioStimulus(models.Model):
    """A line of a scenario's default chronogram, copied into each exercise that uses the scenario."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="stimuli", verbose_name=_("scénario"))
    offset_seconds = models.PositiveIntegerField(_("décalage (secondes)"))
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    sender = models.CharField(_("émetteur simulé"), max_length=120)
    recipient_cell = models.CharField(_("cellule destinataire"), max_length=12, choices=Cell.choices)
    content = models.TextField(_("contenu"))
    expected_reaction = models.TextField(_("réaction attendue"), blank=True)

    class Meta:
        verbose_name = _("stimulus du scénario")
        verbose_name_plural = _("chronogramme du scénario")
        ordering = ["scenario", "offset_seconds", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "offset_seconds"], name="scenario_stimulus_offset_unique"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="scenario_stimulus_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{format_offset(self.offset_seconds)} – {self.sender}"

    @property
    def offset_display(self) -> str:
        return format_offset(self.offset_seconds)


class RetexTemplate(models.Model):
    """A RETEX questionnaire: categories of questions, each answered with a score and two free texts."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    is_default = models.BooleanField(_("modèle par défaut"), default=False)

    class Meta:
        verbose_name = _("modèle de RETEX")
        verbose_name_plural = _("modèles de RETEX")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="retex_one_default")
        ]

    def __str__(self) -> str:
        return self.title


class RetexQuestion(models.Model):
    template = models.ForeignKey(
        RetexTemplate, on_delete=models.CASCADE, related_name="questions", verbose_name=_("modèle")
    )
    category = models.CharField(_("catégorie"), max_length=120)
    text = models.CharField(_("question"), max_length=300)
    order = models.PositiveIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("question de RETEX")
        verbose_name_plural = _("questions de RETEX")
        ordering = ["template", "order"]

    def __str__(self) -> str:
        return self.text


class ExerciseQuerySet(TenantQuerySet):
    def for_user(self, user) -> ExerciseQuerySet:
        """The establishment's exercises, and those its sites take part in (``ExerciseSite``): a participating
        site's members and CRRC staff read the exercise. Acting on it (``for_capability``, ``permissions``) stays
        with the establishment that runs it."""
        from establishments.selectors import establishments_for

        visible = establishments_for(user)
        return self.filter(
            Q(establishment__in=visible)
            | Exists(ExerciseSite.objects.filter(exercise=OuterRef("pk"), site__in=visible))
        )

    def upcoming(self) -> ExerciseQuerySet:
        return self.filter(state__in=[State.DRAFT, State.PLANNED, State.READY], starts_at__gte=timezone.now()).order_by(
            "starts_at"
        )


class Exercise(EstablishmentOwned):
    """One tabletop crisis exercise of an establishment (or of several sites of its organisation)."""

    title = models.CharField(_("titre"), max_length=200)
    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, null=True, blank=True, related_name="exercises", verbose_name=_("scénario")
    )
    kit_level = models.CharField(_("niveau de kit"), max_length=15, choices=KitLevel.choices)
    kit_level_proposed = models.CharField(
        _("niveau proposé par l'auto-évaluation"), max_length=15, choices=KitLevel.choices, blank=True
    )
    kit_level_reason = models.TextField(
        _("motif du choix d'un autre niveau"),
        blank=True,
        help_text=_("Obligatoire si le niveau diffère du niveau proposé."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.ON_SITE)
    starts_at = models.DateTimeField(_("début"), null=True, blank=True)
    simulation_minutes = models.PositiveSmallIntegerField(_("durée de la simulation (minutes)"), default=75)
    total_minutes = models.PositiveSmallIntegerField(_("durée totale (minutes)"), default=180)
    location = models.CharField(_("lieu"), max_length=255, blank=True)
    runner = models.CharField(_("animé par"), max_length=10, choices=Runner.choices, default=Runner.CRRC)
    runner_name = models.CharField(_("nom du titulaire"), max_length=200, blank=True)
    application = models.ForeignKey(
        "calls.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exercises",
        verbose_name=_("candidature financée"),
    )
    purchase_order = models.ForeignKey(
        "offers.PurchaseOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exercises",
        verbose_name=_("bon de commande (accord-cadre)"),
        help_text=_("Quand un titulaire de l'accord-cadre anime l'exercice : le bon de commande de l'établissement."),
    )
    scoping_meeting_at = models.DateTimeField(_("réunion de cadrage"), null=True, blank=True)
    scoping_notes = models.TextField(_("notes de la réunion de cadrage"), blank=True)

    state = models.CharField(_("statut"), max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    calendar_sequence = models.PositiveIntegerField(_("séquence de l'invitation"), default=0, editable=False)
    invitations_sent_at = models.DateTimeField(_("invitations envoyées le"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("démarré le"), null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(_("en pause depuis"), null=True, blank=True, editable=False)
    paused_seconds = models.PositiveIntegerField(_("durée des pauses (secondes)"), default=0, editable=False)
    ended_at = models.DateTimeField(_("terminé le"), null=True, blank=True, editable=False)
    retex_anonymous = models.BooleanField(
        _("RETEX anonyme"), default=False, help_text=_("Irréversible une fois la première réponse reçue.")
    )
    retex_template = models.ForeignKey(
        RetexTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modèle de RETEX"),
    )
    report_sections = models.JSONField(_("sections du rapport"), default=list, blank=True)
    reported_at = models.DateTimeField(_("rapport édité le"), null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("motif d'annulation"), blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ExerciseQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("exercice de crise")
        verbose_name_plural = _("exercices de crise")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="exercise_state_valid"),
            models.CheckConstraint(condition=Q(kit_level__in=KitLevel.values), name="exercise_kit_level_valid"),
            models.CheckConstraint(
                condition=Q(kit_level_proposed="")
                | Q(kit_level=models.F("kit_level_proposed"))
                | ~Q(kit_level_reason=""),
                name="exercise_kit_override_has_reason",
            ),
            models.CheckConstraint(condition=Q(runner=Runner.CRRC) | ~Q(runner_name=""), name="exercise_awardee_named"),
            models.CheckConstraint(
                condition=Q(simulation_minutes__gt=0, total_minutes__gte=models.F("simulation_minutes")),
                name="exercise_durations_coherent",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[State.READY, State.RUNNING, State.PAUSED]) | Q(starts_at__isnull=False),
                name="exercise_ready_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.CLOSED) | Q(reported_at__isnull=False), name="exercise_closed_has_report"
            ),
            models.CheckConstraint(
                condition=~Q(state=State.CANCELLED) | ~Q(cancel_reason=""), name="exercise_cancelled_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["establishment", "-starts_at"]),
            models.Index(fields=["state", "starts_at"]),
            # The register lists the most recent first (a plain index: SQLite, the demo's database, has no NULLS LAST).
            models.Index(fields=["-starts_at", "-id"], name="exercise_register_order"),
        ]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.purchase_order_id and self.purchase_order.establishment_id != self.establishment_id:
            raise ValidationError(
                {
                    "purchase_order": _(
                        "Ce bon de commande a été passé par un autre établissement que celui de l'exercice."
                    )
                }
            )

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"EX-{self.pk:06d}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.total_minutes) if self.starts_at else None

    @property
    def calendar_uid(self) -> str:
        return f"exercice-{self.pk}@crrc-portail"

    def elapsed_seconds(self, now=None) -> int:
        """Simulation time since the start, pauses excluded (the console's clock)."""
        if self.started_at is None:
            return 0
        end = self.ended_at or self.paused_at or now or timezone.now()
        return max(int((end - self.started_at).total_seconds()) - self.paused_seconds, 0)


class ExerciseSite(models.Model):
    """Another site of the same organisation taking part in a multi-site exercise."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="sites", verbose_name=_("exercice"))
    site = models.ForeignKey(
        "establishments.Establishment", on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("site participant")
        verbose_name_plural = _("sites participants")
        constraints = [models.UniqueConstraint(fields=["exercise", "site"], name="exercise_site_unique")]

    def __str__(self) -> str:
        return str(self.site)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        owner = self.exercise.establishment if self.exercise_id else None
        if owner is not None and self.site_id:
            if not owner.organisation_id or self.site.organisation_id != owner.organisation_id:
                raise ValidationError(
                    {"site": _("Un site participant appartient au même organisme gestionnaire que l'établissement.")}
                )
            if self.site_id == owner.pk:
                raise ValidationError({"site": _("Ce site est déjà l'établissement de l'exercice.")})


class Objective(models.Model):
    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("exercice")
    )
    text = models.CharField(_("objectif"), max_length=300)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["exercise", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Participant(models.Model):
    """Someone taking part: an account of the portal or just a name and an e-mail address."""

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="participants", verbose_name=_("exercice")
    )
    cell = models.CharField(_("cellule"), max_length=12, choices=Cell.choices)
    function = models.CharField(_("fonction"), max_length=15, choices=Function.choices, default=Function.OTHER)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exercise_participations",
        verbose_name=_("compte"),
    )
    site = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_(
            "Pour un exercice multi-site : le site participant d'où vient la personne (vide : l'établissement)."
        ),
    )
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("courriel"))
    token = models.UUIDField(_("jeton du lien RETEX"), default=uuid.uuid4, unique=True, editable=False)
    retex_done_at = models.DateTimeField(_("RETEX rempli le"), null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["exercise", "cell", "function", "name"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "email"], name="participant_email_once"),
            models.CheckConstraint(condition=Q(cell__in=Cell.values), name="participant_cell_valid"),
            models.CheckConstraint(condition=Q(function__in=Function.values), name="participant_function_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_cell_display()})"


class LogisticsItem(models.Model):
    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="logistics", verbose_name=_("exercice")
    )
    label = models.CharField(_("élément"), max_length=200)
    owner_name = models.CharField(_("qui"), max_length=200, blank=True)
    due_on = models.DateField(_("pour le"), null=True, blank=True)
    done = models.BooleanField(_("fait"), default=False)
    site = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        help_text=_("Élément propre à un site participant (retiré avec le site)."),
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("élément logistique")
        verbose_name_plural = _("logistique")
        ordering = ["exercise", "done", "due_on", "pk"]

    def __str__(self) -> str:
        return self.label


class Stimulus(models.Model):
    """A line of the exercise's chronogram: planned at an offset, played (or skipped) by hand on the day."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="stimuli", verbose_name=_("exercice"))
    offset_seconds = models.PositiveIntegerField(_("décalage (secondes)"))
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    sender = models.CharField(_("émetteur simulé"), max_length=120)
    recipient_cell = models.CharField(
        _("cellule destinataire"), max_length=12, choices=Cell.choices, default=Cell.CRISIS
    )
    content = models.TextField(_("contenu"))
    expected_reaction = models.TextField(_("réaction attendue"), blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=StimulusStatus.choices, default=StimulusStatus.PENDING
    )
    played_at = models.DateTimeField(_("joué le"), null=True, blank=True)
    played_offset_seconds = models.PositiveIntegerField(_("joué à (secondes)"), null=True, blank=True)
    played_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    skip_reason = models.TextField(_("motif"), blank=True)
    score = models.CharField(_("réaction"), max_length=15, choices=ReactionScore.choices, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("évaluée par"),
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("stimulus")
        verbose_name_plural = _("chronogramme")
        ordering = ["exercise", "offset_seconds", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "offset_seconds"], name="stimulus_offset_unique"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="stimulus_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=StimulusStatus.values), name="stimulus_status_valid"),
            models.CheckConstraint(
                condition=Q(status=StimulusStatus.PLAYED, played_at__isnull=False)
                | (~Q(status=StimulusStatus.PLAYED) & Q(played_at__isnull=True)),
                name="stimulus_played_iff_played_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=StimulusStatus.SKIPPED) | ~Q(skip_reason=""), name="stimulus_skipped_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(score="") | Q(score__in=ReactionScore.values), name="stimulus_score_valid"
            ),
        ]
        indexes = [models.Index(fields=["exercise", "status", "offset_seconds"])]

    def __str__(self) -> str:
        return f"{self.offset_display} – {self.sender}"

    @property
    def offset_display(self) -> str:
        return format_offset(self.offset_seconds)

    @property
    def played_offset_display(self) -> str:
        return format_offset(self.played_offset_seconds) if self.played_offset_seconds is not None else ""


class JournalEntry(models.Model):
    """The shared log (main courante). ``client_key`` makes a resent entry (lost connection) count once."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="journal", verbose_name=_("exercice"))
    at = models.DateTimeField(_("heure"), default=timezone.now)
    offset_seconds = models.PositiveIntegerField(_("temps de simulation (secondes)"), default=0)
    source = models.CharField(
        _("source"), max_length=10, choices=JournalSource.choices, default=JournalSource.ANIMATION
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    text = models.TextField(_("entrée"))
    stimulus = models.ForeignKey(
        Stimulus, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("stimulus")
    )
    client_key = models.UUIDField(_("clé d'envoi"), null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("entrée de la main courante")
        verbose_name_plural = _("main courante")
        ordering = ["exercise", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "client_key"], name="journal_client_key_once"),
            models.CheckConstraint(condition=~Q(text=""), name="journal_entry_not_empty"),
        ]
        indexes = [models.Index(fields=["exercise", "-at"])]

    def __str__(self) -> str:
        return self.text[:80]


class Observation(models.Model):
    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="observations", verbose_name=_("exercice")
    )
    at = models.DateTimeField(_("heure"), default=timezone.now)
    offset_seconds = models.PositiveIntegerField(_("temps de simulation (secondes)"), default=0)
    kind = models.CharField(_("type"), max_length=12, choices=ObservationKind.choices)
    objective = models.ForeignKey(
        Objective,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("objectif"),
    )
    text = models.TextField(_("observation"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    client_key = models.UUIDField(_("clé d'envoi"), null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["exercise", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "client_key"], name="observation_client_key_once"),
            models.CheckConstraint(condition=Q(kind__in=ObservationKind.values), name="observation_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="observation_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def action_key(self) -> str:
        return f"exercise:{self.exercise_id}:observation:{self.pk}"


class RetexResponse(models.Model):
    """One participant's RETEX. Anonymous responses keep no link to the participant (only the count is known)."""

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="retex_responses", verbose_name=_("exercice")
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("participant")
    )
    submitted_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    objects = TenantQuerySet.as_manager()
    tenant_field = "exercise__establishment"

    class Meta:
        verbose_name = _("réponse au RETEX")
        verbose_name_plural = _("réponses au RETEX")
        ordering = ["exercise", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "participant"],
                condition=Q(participant__isnull=False),
                name="retex_once_per_participant",
            )
        ]

    def __str__(self) -> str:
        return f"RETEX {self.exercise_id} – {self.submitted_at:%d/%m/%Y}"


class RetexAnswer(models.Model):
    response = models.ForeignKey(RetexResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(RetexQuestion, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    score = models.PositiveSmallIntegerField(_("note (0 à 100)"))
    worked = models.TextField(_("ce qui a bien fonctionné"), blank=True)
    did_not_work = models.TextField(_("ce qui n'a pas fonctionné"), blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "response__exercise__establishment"

    class Meta:
        verbose_name = _("réponse à une question du RETEX")
        verbose_name_plural = _("réponses aux questions du RETEX")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="retex_answer_once"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100, score__in=list(range(0, 101, 10))),
                name="retex_score_steps_of_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score}"


class EvidenceRequest(EstablishmentOwned):
    """A HAS 3.14 evidence export asked for a period; its pk is the PDF's subject."""

    start = models.DateField(_("du"))
    end = models.DateField(_("au"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("demandé par")
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)

    class Meta:
        verbose_name = _("export de preuves HAS 3.14")
        verbose_name_plural = _("exports de preuves HAS 3.14")
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="evidence_period_ordered")]

    def __str__(self) -> str:
        return f"{self.establishment_id} {self.start}–{self.end}"


class ExerciseLog(TransitionLog):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="transitions")

    tenant_field = "exercise__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("historique de l'exercice")
        verbose_name_plural = _("historique de l'exercice")
