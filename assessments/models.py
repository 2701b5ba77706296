"""Grids as data (loaded from versioned YAML files) and the assessments establishments fill on them.

A grid row is immutable once an assessment points at it: a new version of the file creates a new ``Grid`` row, so an
assessment always reads the questions, points and thresholds it was answered on.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.workflow import TransitionLog

from .workflow import State


class Grid(models.Model):
    class Scoring(models.TextChoices):
        SUM = "sum", _("Somme des points")
        WEIGHTED_AVERAGE = "weighted_average", _("Moyenne pondérée par thème")

    class Overall(models.TextChoices):
        NONE = "none", _("Pas de score global")
        SUM = "sum", _("Somme des thèmes")
        AVERAGE = "average", _("Moyenne pondérée de toutes les réponses")

    slug = models.SlugField(_("identifiant"), max_length=80)
    version = models.CharField(_("version"), max_length=40)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    licence = models.CharField(_("licence"), max_length=200)
    attribution = models.TextField(_("attribution"))
    source = models.CharField(_("source"), max_length=500, blank=True)
    is_illustrative = models.BooleanField(
        _("grille illustrative"),
        default=False,
        help_text=_("La grille officielle n'est pas publique : cette version ne fait qu'en reprendre la structure."),
    )
    notice = models.TextField(_("avertissement affiché"), blank=True)
    scoring = models.CharField(_("calcul du score"), max_length=20, choices=Scoring.choices, default=Scoring.SUM)
    overall = models.CharField(_("score global"), max_length=10, choices=Overall.choices, default=Overall.SUM)
    score_max = models.DecimalField(_("échelle maximale"), max_digits=8, decimal_places=2, null=True, blank=True)
    score_unit = models.CharField(_("unité du score"), max_length=40, blank=True)
    chart = models.CharField(_("graphique"), max_length=10, default="bar")
    priority_count = models.PositiveSmallIntegerField(_("nombre de recommandations prioritaires"), default=6)
    head_rank_below = models.PositiveSmallIntegerField(
        _("rang des mesures de tête (strictement inférieur à)"), default=0
    )
    is_current = models.BooleanField(_("version proposée"), default=True)
    content_hash = models.CharField(_("empreinte du fichier"), max_length=64)
    source_path = models.CharField(_("fichier chargé"), max_length=500, blank=True)
    loaded_at = models.DateTimeField(_("chargée le"), default=timezone.now)

    class Meta:
        verbose_name = _("grille d'évaluation")
        verbose_name_plural = _("grilles d'évaluation")
        ordering = ["title", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="grid_slug_version_unique"),
            models.UniqueConstraint(fields=["slug"], condition=Q(is_current=True), name="grid_one_current_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_monaidecyber(self) -> bool:
        return self.scoring == self.Scoring.WEIGHTED_AVERAGE and self.head_rank_below > 0


class Section(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="sections", verbose_name=_("grille"))
    code = models.CharField(_("code"), max_length=120)
    title = models.CharField(_("titre"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("ordre"))
    is_scored = models.BooleanField(_("notée"), default=True)
    colour = models.CharField(_("couleur"), max_length=7, blank=True)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["grid", "order"]
        constraints = [models.UniqueConstraint(fields=["grid", "code"], name="section_code_unique")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Choix unique")
        MULTIPLE = "multiple", _("Choix multiple")

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="questions", verbose_name=_("grille"))
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions", verbose_name=_("thème"))
    code = models.CharField(_("code"), max_length=150)
    text = models.TextField(_("question"))
    help_text = models.TextField(_("aide"), blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    weight = models.DecimalField(_("poids"), max_digits=6, decimal_places=2, default=Decimal(1))
    order = models.PositiveIntegerField(_("ordre"))
    revealed_by = models.ForeignKey(
        "AnswerOption",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revealed_questions",
        verbose_name=_("révélée par la réponse"),
    )
    hidden_if = models.JSONField(_("masquée si"), default=list, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["grid", "order"]
        constraints = [models.UniqueConstraint(fields=["grid", "code"], name="question_code_unique")]

    def __str__(self) -> str:
        return self.text[:80]


class AnswerOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question"))
    code = models.CharField(_("code"), max_length=200)
    label = models.TextField(_("libellé"))
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    order = models.PositiveIntegerField(_("ordre"))
    # Business rules: answering this option overwrites other questions' answers ([{"question", "option"}]).
    sets_answers = models.JSONField(_("réponses imposées"), default=list, blank=True)

    class Meta:
        verbose_name = _("réponse possible")
        verbose_name_plural = _("réponses possibles")
        ordering = ["question", "order"]
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="option_code_unique")]

    def __str__(self) -> str:
        return self.label[:80]


class Level(models.Model):
    """A threshold mapping a total to a level (e.g. the crisis-exercise kit to use)."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="levels", verbose_name=_("grille"))
    code = models.CharField(_("code"), max_length=60)
    label = models.CharField(_("libellé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("ordre"))
    minimum = models.DecimalField(_("minimum"), max_digits=10, decimal_places=4, null=True, blank=True)
    minimum_inclusive = models.BooleanField(_("minimum inclus"), default=True)
    maximum = models.DecimalField(_("maximum"), max_digits=10, decimal_places=4, null=True, blank=True)
    maximum_inclusive = models.BooleanField(_("maximum inclus"), default=True)

    class Meta:
        verbose_name = _("niveau")
        verbose_name_plural = _("niveaux")
        ordering = ["grid", "order"]
        constraints = [models.UniqueConstraint(fields=["grid", "code"], name="level_code_unique")]

    def __str__(self) -> str:
        return self.label


class Measure(models.Model):
    """A recommended measure; its levels (``Recommendation``) are what answers point to."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="measures", verbose_name=_("grille"))
    code = models.CharField(_("code"), max_length=200)
    rank = models.PositiveIntegerField(_("priorisation"), default=0)
    section_code = models.CharField(_("thème"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["grid", "rank", "code"]
        constraints = [models.UniqueConstraint(fields=["grid", "code"], name="measure_code_unique")]

    def __str__(self) -> str:
        return self.code


class Recommendation(models.Model):
    class Priority(models.TextChoices):
        P1 = "P1", _("P1 – urgent")
        P2 = "P2", _("P2 – important")
        P3 = "P3", _("P3 – à planifier")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="levels", verbose_name=_("mesure"))
    level = models.PositiveSmallIntegerField(_("niveau"))
    title = models.TextField(_("titre"))
    why = models.TextField(_("Pourquoi ?"), blank=True)
    how = models.TextField(_("Comment ?"), blank=True)
    action_priority = models.CharField(_("priorité de l'action"), max_length=2, choices=Priority.choices)

    class Meta:
        verbose_name = _("recommandation")
        verbose_name_plural = _("recommandations")
        ordering = ["measure", "level"]
        constraints = [models.UniqueConstraint(fields=["measure", "level"], name="recommendation_level_unique")]

    def __str__(self) -> str:
        return self.title[:80]


class OptionRecommendation(models.Model):
    option = models.ForeignKey(AnswerOption, on_delete=models.CASCADE, related_name="recommendation_links")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="option_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("recommandation déclenchée")
        verbose_name_plural = _("recommandations déclenchées")
        ordering = ["option", "order"]

    def __str__(self) -> str:
        return f"{self.option_id} → {self.recommendation_id}"


class Assessment(EstablishmentOwned):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("grille"))
    state = models.CharField(_("statut"), max_length=12, choices=State.choices, default=State.DRAFT)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("commencée par"),
    )
    created_at = models.DateTimeField(_("commencée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("dernière réponse le"), default=timezone.now)
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("soumise par"),
    )
    # Frozen at submission: section scores, overall score, level and the ordered measures.
    results = models.JSONField(_("résultats"), default=dict, blank=True)
    overall_score = models.DecimalField(_("score global"), max_digits=10, decimal_places=4, null=True, blank=True)
    level_code = models.CharField(_("niveau"), max_length=60, blank=True)
    level_label = models.CharField(_("libellé du niveau"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="assessment_state_valid"),
            models.CheckConstraint(
                condition=(Q(state=State.SUBMITTED) & Q(submitted_at__isnull=False))
                | (~Q(state=State.SUBMITTED) & Q(submitted_at__isnull=True)),
                name="assessment_submitted_at_iff_submitted",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "grid", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.grid.title} – {self.establishment}"

    @property
    def is_draft(self) -> bool:
        return self.state == State.DRAFT

    @property
    def reference(self) -> str:
        return f"EV-{self.pk:06d}"


class AssessmentTransition(TransitionLog):
    """Log of every workflow step of an assessment (the kit's fields: transition, from/to state, by, at, reason)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")

    tenant_field = "assessment__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("étape de l'évaluation")
        verbose_name_plural = _("historique de l'évaluation")


class Answer(models.Model):
    """The recorded answer to one question. No selected option = an answer emptied by a business rule."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    selected = models.ManyToManyField(AnswerOption, related_name="answers", blank=True, verbose_name=_("réponse"))
    set_by_rule = models.BooleanField(_("imposée par une règle"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("par")
    )

    tenant_field = "assessment__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        return f"{self.question.code}"
