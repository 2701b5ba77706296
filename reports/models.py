from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.tenancy import EstablishmentOwned


class Report(EstablishmentOwned):
    """One generated PDF. ``kind`` names a builder registered in ``reports.registry``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours de génération")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    kind = models.CharField(_("type de document"), max_length=60)
    subject_id = models.PositiveBigIntegerField(_("objet concerné"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("fichier"), upload_to="reports/%Y/%m/", blank=True)
    filename = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("document généré")
        verbose_name_plural = _("documents générés")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "done", "failed"]), name="report_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(finished_at__isnull=False) & ~Q(file="")),
                name="report_done_has_file",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind_label} – {self.establishment_id} – {self.get_status_display()}"

    @property
    def kind_label(self) -> str:
        from . import registry

        try:
            return str(registry.get(self.kind).label)
        except registry.UnknownReportKind:
            return self.kind

    @property
    def in_progress(self) -> bool:
        """Still to be built: the status fragment keeps polling."""
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def shown_state(self) -> str:
        """What the status fragment shows; a poll answers 204 (no swap, no re-announcement) while it is unchanged."""
        if self.status == self.Status.PENDING:
            return f"pending-{'queued' if self.enqueued_at else 'kept'}"
        return self.status
