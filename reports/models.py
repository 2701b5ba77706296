from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.tenancy import EstablishmentOwned, TenantQuerySet


class ReportQuerySet(TenantQuerySet):
    def for_user(self, user) -> "ReportQuerySet":
        """Establishment reports of the establishments the user sees, and the regional reports (dashboards) they
        requested themselves in one of their current staff regions: someone else's regional report is a 404."""
        from establishments.selectors import establishments_for, staff_regions

        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(establishment__in=establishments_for(user))
            | Q(establishment__isnull=True, requested_by=user, region__in=staff_regions(user))
        )


class Report(EstablishmentOwned):
    """One generated PDF. ``kind`` names a builder registered in ``reports.registry``.

    A report belongs to an establishment (its sheet, a receipt…) or, for regional documents such as the ARS
    dashboard, to a region with the ``parameters`` it was asked with (filters, year): one of the two, never both.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours de génération")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="%(app_label)s_%(class)s_set",
        verbose_name=_("établissement"),
    )
    region = models.ForeignKey(
        "establishments.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("région"),
        help_text=_("Pour un document régional (tableau de bord, bilan annuel) : la région du CRRC."),
    )
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
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

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("document généré")
        verbose_name_plural = _("documents générés")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "done", "failed"]), name="report_status"
            ),
            models.CheckConstraint(
                condition=Q(establishment__isnull=False, region__isnull=True)
                | Q(establishment__isnull=True, region__isnull=False),
                name="report_establishment_or_region",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(finished_at__isnull=False) & ~Q(file="")),
                name="report_done_has_file",
            ),
        ]
        indexes = [
            models.Index(fields=["establishment", "kind", "-created_at"]),
            models.Index(fields=["region", "kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        owner = self.establishment_id if self.establishment_id is not None else f"région {self.region_id}"
        return f"{self.kind_label} – {owner} – {self.get_status_display()}"

    @property
    def kind_label(self) -> str:
        from . import registry

        try:
            return str(registry.get(self.kind).label)
        except registry.UnknownReportKind:
            return self.kind

    @property
    def owner_region(self):
        """The region whose CRRC brands the document."""
        return self.region if self.establishment_id is None else self.establishment.region

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
