"""Action plans (one per establishment), their items, comments and the items' transition log."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.workflow import TransitionLog

from .workflow import ACTION_ITEM_WORKFLOW, CLOSED_STATES, Priority, SourceKind, Status


class ActionPlan(EstablishmentOwned):
    """The establishment's single action plan, created lazily by ``services.get_or_create_plan``."""

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan d'action")
        verbose_name_plural = _("plans d'action")
        ordering = ["establishment__name"]
        constraints = [models.UniqueConstraint(fields=["establishment"], name="action_plan_one_per_establishment")]

    def __str__(self) -> str:
        return str(_("Plan d'action – %(name)s") % {"name": self.establishment.name})


class ActionItemQuerySet(TenantQuerySet):
    def open(self) -> "ActionItemQuerySet":
        return self.exclude(status__in=CLOSED_STATES)

    def overdue(self, today=None) -> "ActionItemQuerySet":
        today = today or timezone.localdate()
        return self.open().filter(deadline__lt=today)


class ActionItem(models.Model):
    """One line of the plan: what to do, who, by when, how far along, and where it came from."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    title = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_action_items",
        verbose_name=_("responsable"),
        help_text=_("Un membre actif de l'établissement."),
    )
    deadline = models.DateField(_("échéance"), null=True, blank=True)
    priority = models.CharField(_("priorité"), max_length=2, choices=Priority.choices, default=Priority.P2)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.TODO)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    completed_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    abandon_reason = models.TextField(_("motif d'abandon"), blank=True)

    source_kind = models.CharField(_("origine"), max_length=20, choices=SourceKind.choices, default=SourceKind.MANUAL)
    source_label = models.CharField(_("libellé de l'origine"), max_length=255, blank=True)
    source_content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("type d'objet")
    )
    source_object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    source_object = GenericForeignKey("source_content_type", "source_object_id")
    source_key = models.CharField(
        _("clé d'origine"),
        max_length=200,
        blank=True,
        help_text=_("Identifie l'origine pour ne pas ajouter deux fois la même recommandation au plan."),
    )

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    reminder_sent_for = models.DateField(_("rappel envoyé pour l'échéance du"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ActionItemQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["reminder_sent_for", "updated_at"])

    tenant_field = "plan__establishment"

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["priority", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="action_item_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="action_item_priority_valid"),
            models.CheckConstraint(
                condition=Q(source_kind__in=SourceKind.values), name="action_item_source_kind_valid"
            ),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="action_item_progress_0_100"),
            models.CheckConstraint(
                condition=~Q(status=Status.ABANDONED) | ~Q(abandon_reason=""),
                name="action_item_abandoned_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DONE, completed_at__isnull=False)
                | (~Q(status=Status.DONE) & Q(completed_at__isnull=True)),
                name="action_item_done_iff_completed_at",
            ),
            models.CheckConstraint(condition=~Q(status=Status.DONE) | Q(progress=100), name="action_item_done_is_100"),
            models.UniqueConstraint(
                fields=["plan", "source_key"], condition=~Q(source_key=""), name="action_item_unique_source_key"
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["owner", "status", "deadline"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATES

    def overdue_on(self, today) -> bool:
        return not self.is_closed and self.deadline is not None and self.deadline < today

    @property
    def available_transitions(self) -> list:
        # Who may edit the plan is the view's ``can_edit``: the workflow itself has no actor rule.
        return ACTION_ITEM_WORKFLOW.allowed(self, None)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.deadline).days if self.is_overdue else 0


class ActionItemTransition(TransitionLog):
    """Who moved an item from which status to which, when and why (the kit's log fields)."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("action"))

    objects = TenantQuerySet.as_manager()
    tenant_field = "item__plan__establishment"

    class Meta(TransitionLog.Meta):
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.item} : {self.from_label} → {self.to_label}"


class ActionItemComment(models.Model):
    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="comments", verbose_name=_("action"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    body = models.TextField(_("commentaire"))
    created_at = models.DateTimeField(_("publié le"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "item__plan__establishment"

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="action_item_comment_not_empty")]

    def __str__(self) -> str:
        return f"{self.author} – {self.created_at:%d/%m/%Y}"


class OverdueDigestLog(models.Model):
    """One weekly digest per owner and week: the beat task may run twice, the owner gets one e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("destinataire")
    )
    week_start = models.DateField(_("semaine du"))
    item_count = models.PositiveIntegerField(_("actions en retard"))
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("récapitulatif hebdomadaire envoyé")
        verbose_name_plural = _("récapitulatifs hebdomadaires envoyés")
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="overdue_digest_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.week_start}"
