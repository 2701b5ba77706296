"""The regional awareness programme run around an external e-learning and phishing platform.

Region-owned rows (the phishing template catalogue, programmes, their modules and quarterly campaigns) are scoped
to the staff's regions through ``selectors``; establishment-owned rows (enrolment, learners, results, re-training,
on-demand requests, imports) use ``TenantQuerySet``. Learners are deactivated, never deleted: their history stays.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.workflow import TransitionLog

from .choices import (
    Audience,
    EnrolmentSource,
    EventKind,
    ImportKind,
    ModuleFormat,
    ModuleKind,
    RequestState,
    TemplateLevel,
    Theme,
)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first_month = 3 * (quarter - 1) + 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return start, date.fromordinal(end.toordinal() - 1)


class PhishingTemplate(models.Model):
    """A simulated phishing e-mail of the CRRC's catalogue (the only ones campaigns may use)."""

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="phishing_templates", verbose_name=_("région")
    )
    name = models.CharField(_("nom"), max_length=150)
    level = models.CharField(_("niveau"), max_length=10, choices=TemplateLevel.choices, default=TemplateLevel.SIMPLE)
    description = models.TextField(_("description"), blank=True)
    platform_reference = models.CharField(
        _("référence sur la plateforme"), max_length=100, blank=True, help_text=_("Nom du modèle dans GoPhish.")
    )
    is_active = models.BooleanField(_("au catalogue"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("modèle d'hameçonnage")
        verbose_name_plural = _("catalogue d'hameçonnage")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="awareness_template_unique_name"),
            models.CheckConstraint(condition=Q(level__in=TemplateLevel.values), name="awareness_template_level"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"


class Programme(models.Model):
    """One region's programme for one year: monthly modules, quarterly campaigns, a final quiz."""

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="awareness_programmes", verbose_name=_("région")
    )
    year = models.PositiveSmallIntegerField(_("année"))
    title = models.CharField(_("intitulé"), max_length=200)
    platform_name = models.CharField(_("plateforme"), max_length=100, default="GoPhish")
    staff_information_text = models.TextField(
        _("texte d'information des personnels proposé"),
        blank=True,
        help_text=_(
            "Texte que l'établissement peut reprendre pour informer ses personnels de l'usage de leurs données."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme de sensibilisation")
        verbose_name_plural = _("programmes de sensibilisation")
        ordering = ["-year", "region__name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="awareness_programme_one_per_region_year"),
            models.CheckConstraint(condition=Q(year__gte=2020, year__lte=2100), name="awareness_programme_year"),
        ]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    """A short e-learning module: one a month, the follow-up module for re-training, the final quiz."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="modules", verbose_name=_("programme")
    )
    code = models.CharField(
        _("code"), max_length=20, help_text=_("Identifiant court repris dans les fichiers de résultats (ex. M01).")
    )
    kind = models.CharField(_("type"), max_length=12, choices=ModuleKind.choices, default=ModuleKind.MONTHLY)
    month = models.PositiveSmallIntegerField(_("mois"), null=True, blank=True)
    title = models.CharField(_("intitulé"), max_length=200)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    format = models.CharField(_("format"), max_length=12, choices=ModuleFormat.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=3)
    audience = models.CharField(_("public"), max_length=4, choices=Audience.choices, default=Audience.BOTH)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["programme", "month", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="awareness_module_unique_code"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12) | (Q(month__isnull=True) & ~Q(kind="monthly")),
                name="awareness_module_month_iff_monthly",
            ),
            models.UniqueConstraint(
                fields=["programme", "month", "audience"],
                condition=Q(kind="monthly"),
                name="awareness_module_one_per_month_audience",
            ),
            models.UniqueConstraint(
                fields=["programme"], condition=Q(kind="follow_up"), name="awareness_module_one_follow_up"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=60), name="awareness_module_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"


class Campaign(models.Model):
    """The quarter's simulated phishing campaign of a programme, sent by the CRRC on the platform."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="campaigns", verbose_name=_("programme")
    )
    quarter = models.PositiveSmallIntegerField(_("trimestre"))
    template = models.ForeignKey(
        PhishingTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("modèle")
    )
    starts_on = models.DateField(_("envoi à partir du"))
    ends_on = models.DateField(_("fin de la campagne"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campagne d'hameçonnage")
        verbose_name_plural = _("campagnes d'hameçonnage")
        ordering = ["programme", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "quarter"], name="awareness_campaign_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="awareness_campaign_quarter"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="awareness_campaign_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.label} – {self.template.name}"

    @property
    def label(self) -> str:
        return f"{self.programme.year}-T{self.quarter}"

    @property
    def code(self) -> str:
        """The command-line name of the quarter, e.g. ``2026-Q1``."""
        return f"{self.programme.year}-Q{self.quarter}"

    @property
    def quarter_bounds(self) -> tuple[date, date]:
        return quarter_bounds(self.programme.year, self.quarter)


class Enrolment(EstablishmentOwned):
    """An establishment's participation in its region's programme, and the information given to its staff."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("programme")
    )
    source = models.CharField(_("origine"), max_length=10, choices=EnrolmentSource.choices)
    enrolled_at = models.DateTimeField(_("inscrit le"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("inscrit par"),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    staff_informed_on = models.DateField(_("personnels informés le"), null=True, blank=True)
    staff_information_text = models.TextField(_("texte d'information utilisé"), blank=True)
    staff_informed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("information enregistrée par"),
    )  # fmt: skip

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inscription au programme")
        verbose_name_plural = _("inscriptions au programme")
        ordering = ["programme", "establishment__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "establishment"], name="awareness_enrolment_unique"),
            models.CheckConstraint(condition=Q(source__in=EnrolmentSource.values), name="awareness_enrolment_source"),
            models.CheckConstraint(
                condition=Q(staff_informed_on__isnull=True) | ~Q(staff_information_text=""),
                name="awareness_enrolment_information_has_text",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, withdrawn_at__isnull=True) | Q(is_active=False, withdrawn_at__isnull=False),
                name="awareness_enrolment_withdrawn_iff_inactive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.establishment} – {self.programme}"


class Learner(EstablishmentOwned):
    """A member of the establishment's staff who receives the modules and campaigns (not a portal user)."""

    email = models.EmailField(_("adresse e-mail"), max_length=254)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    service = models.CharField(_("service"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("apprenant")
        verbose_name_plural = _("apprenants")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "email"], name="awareness_learner_unique_email"),
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")), name="awareness_learner_email_lower"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, deactivated_at__isnull=True)
                | Q(is_active=False, deactivated_at__isnull=False),
                name="awareness_learner_deactivated_iff_inactive",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "is_active"])]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.email


class PhishingResult(EstablishmentOwned):
    """A learner's final state in one campaign (GoPhish's "Results" row): flags never go back to false."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="results", verbose_name=_("campagne"))
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="phishing_results", verbose_name=_("apprenant")
    )
    sent = models.BooleanField(_("envoyé"), default=False)
    opened = models.BooleanField(_("ouvert"), default=False)
    clicked = models.BooleanField(_("lien cliqué"), default=False)
    submitted = models.BooleanField(_("données saisies"), default=False)
    reported = models.BooleanField(_("signalé"), default=False)
    error = models.BooleanField(_("erreur d'envoi"), default=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    service = models.CharField(_("service au moment de la campagne"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("résultat d'hameçonnage")
        verbose_name_plural = _("résultats d'hameçonnage")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "learner"], name="awareness_result_unique"),
            models.CheckConstraint(condition=Q(clicked=False) | Q(sent=True), name="awareness_result_clicked_sent"),
            models.CheckConstraint(condition=Q(submitted=False) | Q(sent=True), name="awareness_result_submitted_sent"),
        ]
        indexes = [models.Index(fields=["campaign", "establishment"])]

    @property
    def trapped(self) -> bool:
        return self.clicked or self.submitted


class PhishingEvent(EstablishmentOwned):
    """One line of GoPhish's "Raw events" file, without its ``details`` (which may hold what the learner typed)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="events", verbose_name=_("campagne"))
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="phishing_events", verbose_name=_("apprenant")
    )
    kind = models.CharField(_("événement"), max_length=10, choices=EventKind.choices)
    at = models.DateTimeField(_("date"))
    platform_campaign_id = models.CharField(_("identifiant de campagne sur la plateforme"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("événement d'hameçonnage")
        verbose_name_plural = _("événements d'hameçonnage")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "learner", "kind", "at"], name="awareness_event_unique"),
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="awareness_event_kind"),
        ]


class ModuleResult(EstablishmentOwned):
    """A learner's progress on one module, as the e-learning platform exports it."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="results", verbose_name=_("module"))
    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="module_results", verbose_name=_("apprenant")
    )
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    completed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score au quiz (%)"), null=True, blank=True)

    class Meta:
        verbose_name = _("résultat de module")
        verbose_name_plural = _("résultats de modules")
        constraints = [
            models.UniqueConstraint(fields=["module", "learner"], name="awareness_module_result_unique"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="awareness_module_score"),
        ]


class Retraining(EstablishmentOwned):
    """A trapped learner's follow-up module; done when the platform reports it completed."""

    learner = models.ForeignKey(
        Learner, on_delete=models.PROTECT, related_name="retrainings", verbose_name=_("apprenant")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="retrainings", verbose_name=_("campagne")
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, null=True, blank=True, related_name="retrainings",
        verbose_name=_("module de remédiation"),
    )  # fmt: skip
    assigned_at = models.DateTimeField(_("inscrit le"), default=timezone.now)
    completed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("remédiation")
        verbose_name_plural = _("remédiations")
        ordering = ["completed_at", "learner__last_name"]
        constraints = [models.UniqueConstraint(fields=["learner", "campaign"], name="awareness_retraining_unique")]


class CampaignRequest(EstablishmentOwned):
    """An on-demand phishing campaign asked for by an establishment, at least one month ahead."""

    template = models.ForeignKey(
        PhishingTemplate, on_delete=models.PROTECT, related_name="requests", verbose_name=_("modèle")
    )
    wanted_on = models.DateField(_("date souhaitée"))
    message = models.TextField(_("précisions"), blank=True)
    state = models.CharField(_("état"), max_length=10, choices=RequestState.choices, default=RequestState.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("demandée par")
    )
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("décidée par"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decision_reason = models.TextField(_("motif"), blank=True)
    scheduled_on = models.DateField(_("envoi planifié le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("demande de campagne à la demande")
        verbose_name_plural = _("demandes de campagne à la demande")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RequestState.values), name="awareness_request_state"),
            models.CheckConstraint(
                condition=Q(state="requested", decided_at__isnull=True)
                | (~Q(state="requested") & Q(decided_at__isnull=False)),
                name="awareness_request_decided_iff_not_requested",
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(decision_reason=""), name="awareness_request_refused_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(scheduled_on__isnull=False), name="awareness_request_scheduled_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.establishment} – {self.template.name} ({self.get_state_display()})"


class ImportRun(EstablishmentOwned):
    """The record of one import: who, when, which file (its digest), and the counts of its report."""

    kind = models.CharField(_("type"), max_length=10, choices=ImportKind.choices)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="imports", verbose_name=_("campagne")
    )
    filename = models.CharField(_("fichier"), max_length=200)
    digest = models.CharField(_("empreinte SHA-256"), max_length=64)
    file_format = models.CharField(_("format reconnu"), max_length=40, blank=True)
    platform_campaign_id = models.CharField(_("campagne sur la plateforme"), max_length=40, blank=True)
    counts = models.JSONField(_("décompte"), default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("importé par"),
    )  # fmt: skip
    imported_at = models.DateTimeField(_("importé le"), default=timezone.now)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-imported_at"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="awareness_import_kind")]


class ReportBatch(models.Model):
    """CRRC staff's request for every enrolled establishment's quarterly report of one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches", verbose_name=_("campagne"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("demandé par")
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    report_ids = models.JSONField(_("documents"), default=list)

    class Meta:
        verbose_name = _("génération groupée de rapports")
        verbose_name_plural = _("générations groupées de rapports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.campaign.label} – {self.created_at:%d/%m/%Y %H:%M}"


class CampaignRequestLog(TransitionLog):
    """Who accepted, refused or scheduled an on-demand campaign, when and why (the workflow kit's log)."""

    request = models.ForeignKey(
        CampaignRequest, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("demande")
    )

    tenant_field = "request__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("historique de la demande de campagne")
        verbose_name_plural = _("historique des demandes de campagne")
