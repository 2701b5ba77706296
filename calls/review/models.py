"""The review side of calls: what CRRC staff add to an application while they review it.

Everything here is private to staff except ``Message`` (the thread with the applicant). Rows reach their
establishment through ``application__establishment`` so ``TenantQuerySet.for_user`` scopes them like the
application itself; the review pages additionally require CRRC staff (or ARS reviewer, read-only) of the call's region.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.tenancy import TenantQuerySet

from ..models import Application, Call


class ReviewerAssignment(models.Model):
    """Instructeur assigné à un dossier."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviewer_assignments", verbose_name=_("candidature")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("instructeur")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigné par"),
    )
    assigned_at = models.DateTimeField(_("assigné le"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignation d'instructeur")
        verbose_name_plural = _("assignations d'instructeurs")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application_id}"


class ReviewNote(models.Model):
    """Note privée de l'équipe d'instruction: never shown to the applicant."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_notes", verbose_name=_("candidature")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("auteur")
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("écrite le"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("note d'instruction")
        verbose_name_plural = _("notes d'instruction")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="review_note_not_empty")]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewScore(models.Model):
    """A reviewer's rating of the motivation (0 = absent … 5 = excellent); one per reviewer and application."""

    MAX = 5

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_scores", verbose_name=_("candidature")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("instructeur")
    )
    motivation = models.PositiveSmallIntegerField(_("note de motivation (0 à 5)"), validators=[MaxValueValidator(MAX)])
    comment = models.TextField(_("commentaire"), blank=True)
    updated_at = models.DateTimeField(_("notée le"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("évaluation de la motivation")
        verbose_name_plural = _("évaluations de la motivation")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_score_one_per_reviewer"),
            models.CheckConstraint(condition=Q(motivation__lte=5), name="review_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.motivation}/{self.MAX}"


class ApplicationPriority(models.Model):
    """Priority of an application, computed by ``calls.review.priority`` and stored so lists can sort on it."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="priority", verbose_name=_("candidature")
    )
    score = models.PositiveSmallIntegerField(_("priorité (0 à 100)"))
    components = models.JSONField(_("détail du calcul"), default=dict)
    computed_at = models.DateTimeField(_("calculée le"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("priorité")
        verbose_name_plural = _("priorités")
        constraints = [models.CheckConstraint(condition=Q(score__lte=100), name="priority_range")]

    def __str__(self) -> str:
        return str(self.score)


class Label(models.Model):
    """Étiquette put on applications by reviewers, for one call or for every call of the region."""

    class Colour(models.TextChoices):
        # A fixed palette whose text colour passes WCAG AA contrast on the background (see crrc.css).
        BLUE = "blue", _("Bleu")
        GREEN = "green", _("Vert")
        ORANGE = "orange", _("Orange")
        RED = "red", _("Rouge")
        PURPLE = "purple", _("Violet")
        GREY = "grey", _("Gris")

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.CASCADE, related_name="review_labels", verbose_name=_("région")
    )
    call = models.ForeignKey(
        Call,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_labels",
        verbose_name=_("appel"),
        help_text=_("Vide : étiquette utilisable pour tous les appels de la région."),
    )
    name = models.CharField(_("nom"), max_length=60)
    colour = models.CharField(_("couleur"), max_length=10, choices=Colour.choices, default=Colour.BLUE)
    applications = models.ManyToManyField(
        Application, blank=True, related_name="review_labels", verbose_name=_("candidatures")
    )

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "call", "name"], name="label_unique_name"),
            models.CheckConstraint(
                condition=Q(colour__in=["blue", "green", "orange", "red", "purple", "grey"]), name="label_colour_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SavedFilter(models.Model):
    """A reviewer's named view of a call's list: the query string of its filters, sort and columns."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("propriétaire")
    )
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("appel"))
    name = models.CharField(_("nom"), max_length=80)
    query = models.CharField(_("filtres et colonnes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("filtre enregistré")
        verbose_name_plural = _("filtres enregistrés")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "call", "name"], name="saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name


class Follow(models.Model):
    """A reviewer follows an application: its events reach them even if they are not assigned."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="followers", verbose_name=_("candidature")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("instructeur")
    )
    created_at = models.DateTimeField(_("suivi depuis"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("suivi de dossier")
        verbose_name_plural = _("suivis de dossiers")
        constraints = [models.UniqueConstraint(fields=["application", "user"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user} suit {self.application_id}"


class NotificationPreference(models.Model):
    """How often one reviewer hears about one call: so that nobody drowns in e-mail."""

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("À chaque événement")
        DAILY = "daily", _("Résumé quotidien")
        WEEKLY = "weekly", _("Résumé hebdomadaire")
        NEVER = "never", _("Aucun e-mail")

    DEFAULT = Frequency.DAILY

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("instructeur")
    )
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="notification_preferences", verbose_name=_("appel")
    )
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices, default=DEFAULT)
    last_digest_at = models.DateTimeField(_("dernier résumé envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "call"], name="notification_preference_unique"),
            models.CheckConstraint(
                condition=Q(frequency__in=["instant", "daily", "weekly", "never"]), name="notification_frequency_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_frequency_display()


class ReviewEvent(models.Model):
    """Something reviewers of a call should hear about; digests list the events since the last one they got."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Nouveau dossier déposé")
        CORRECTION_ANSWERED = "correction_answered", _("Correction apportée")
        MESSAGE = "message", _("Message du demandeur")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="review_events", verbose_name=_("appel"))
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_events", verbose_name=_("candidature")
    )
    kind = models.CharField(_("événement"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement d'instruction")
        verbose_name_plural = _("événements d'instruction")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["call", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.application_id}"


class Message(models.Model):
    """Messagerie du dossier: a thread between reviewers and the applicant, visible to both sides."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="messages", verbose_name=_("candidature")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("auteur")
    )
    from_staff = models.BooleanField(_("envoyé par l'équipe d'instruction"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    read_by_applicant_at = models.DateTimeField(_("lu par le demandeur le"), null=True, blank=True)
    read_by_staff_at = models.DateTimeField(_("lu par l'équipe le"), null=True, blank=True)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="message_not_empty")]

    def __str__(self) -> str:
        return self.body[:60]


from . import signals  # noqa: E402, F401  (events for reviewers' notifications)
