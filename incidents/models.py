"""Cyber incidents declared by an establishment to its CRRC, the steps every health structure must take, and the
CRRC's support (rapid-response force, interventions with hours spent, lessons learned).

Incidents are confidential: ``IncidentQuerySet.for_user`` narrows the usual tenancy to the establishment's director
and RSSI (``Capability.HANDLE_INCIDENTS``) and the region's CRRC staff. ARS reviewers see counts and delays only,
through the dashboards' indicators, never a row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.workflow import TransitionLog

from .steps import StepKind
from .workflow import State


class IncidentQuerySet(TenantQuerySet):
    def for_user(self, user) -> IncidentQuerySet:
        """Only the establishment's director and RSSI, and the region's CRRC staff (never ARS reviewers)."""
        from establishments.roles import Capability
        from establishments.selectors import crrc_staff_regions, establishments_where

        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            Q(establishment__in=establishments_where(user, Capability.HANDLE_INCIDENTS))
            | Q(establishment__region__in=crrc_staff_regions(user))
        )

    def open(self) -> IncidentQuerySet:
        return self.exclude(state=State.CLOSED)


class CareImpact(models.TextChoices):
    NONE = "none", _("Aucun impact sur les soins ou l'accompagnement")
    DEGRADED = "degraded", _("Fonctionnement en mode dégradé")
    INTERRUPTED = "interrupted", _("Soins ou accompagnement interrompus, déprogrammés ou patients transférés")


class Incident(EstablishmentOwned):
    """One declared incident: what happened, its impact, and where the establishment stands."""

    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("ce qui s'est passé"))
    detected_at = models.DateTimeField(_("détecté le"))
    systems_affected = models.TextField(_("systèmes touchés"), blank=True)
    care_impact = models.CharField(_("impact sur les soins"), max_length=12, choices=CareImpact.choices)
    personal_data = models.BooleanField(_("des données personnelles sont concernées"), default=False)
    crisis_cell_open = models.BooleanField(_("une cellule de crise est ouverte"), default=False)
    harm = models.BooleanField(
        _("l'établissement a subi un préjudice"),
        default=False,
        help_text=_("Rançon, vol ou destruction de données, perte financière… : une plainte est alors à déposer."),
    )
    is_ose = models.BooleanField(
        _("l'établissement est opérateur de services essentiels (OSE)"),
        default=False,
        help_text=_("Les OSE notifient aussi l'ANSSI."),
    )
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.DECLARED)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("déclaré par")
    )
    declared_at = models.DateTimeField(_("déclaré au CRRC le"), default=timezone.now)
    supported_at = models.DateTimeField(_("pris en charge par le CRRC le"), null=True, blank=True)
    rapid_response_requested_at = models.DateTimeField(
        _("force d'intervention rapide demandée le"), null=True, blank=True
    )
    rapid_response_need = models.TextField(_("besoin exprimé pour la force d'intervention rapide"), blank=True)
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    lessons_learned = models.TextField(_("retour d'expérience"), blank=True)

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident cyber")
        verbose_name_plural = _("incidents cyber")
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="incident_state_valid"),
            models.CheckConstraint(
                condition=Q(declared_at__gte=models.F("detected_at")), name="incident_declared_after_detection"
            ),
            models.CheckConstraint(
                condition=Q(state=State.CLOSED, closed_at__isnull=False)
                | (~Q(state=State.CLOSED) & Q(closed_at__isnull=True)),
                name="incident_closed_iff_closed_at",
            ),
            models.CheckConstraint(
                condition=Q(state=State.DECLARED) | Q(supported_at__isnull=False),
                name="incident_supported_has_date",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "state"]), models.Index(fields=["detected_at"])]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.pk:06d}" if self.pk else "INC-…"

    @property
    def is_closed(self) -> bool:
        return self.state == State.CLOSED

    @property
    def rapid_response_requested(self) -> bool:
        return self.rapid_response_requested_at is not None


class IncidentStep(models.Model):
    """One step of the guide, with its deadline counted from detection; checked off with its date."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps", verbose_name=_("incident"))
    kind = models.CharField(_("étape"), max_length=20, choices=StepKind.choices)
    deadline = models.DateTimeField(_("échéance"))
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cochée par"),
    )
    note = models.CharField(_("précision"), max_length=255, blank=True)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True, editable=False)

    tenant_field = "incident__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("étape à suivre")
        verbose_name_plural = _("étapes à suivre")
        ordering = ["deadline", "pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind"], name="incident_step_once_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now=None) -> bool:
        return not self.is_done and self.deadline < (now or timezone.now())


class Intervention(models.Model):
    """One action of the CRRC on the incident: what was done, by whom, how long it took."""

    class Mode(models.TextChoices):
        PHONE = "phone", _("Téléphone")
        REMOTE = "remote", _("À distance")
        ON_SITE = "on_site", _("Sur site")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="interventions", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REMOTE)
    description = models.TextField(_("action menée"))
    hours = models.DecimalField(
        _("heures passées"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    intervenants = models.CharField(_("intervenants"), max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("saisi par")
    )

    tenant_field = "incident__establishment"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intervention du CRRC")
        verbose_name_plural = _("interventions du CRRC")
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="intervention_hours_positive")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} – {self.hours} h"


class IncidentLog(TransitionLog):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("incident")
    )

    tenant_field = "incident__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("historique de l'incident")
        verbose_name_plural = _("historique des incidents")


class RegionOnCall(models.Model):
    """The CRRC's 24/7 contacts, shown on every incident page of its region (edited in the admin)."""

    region = models.OneToOneField(
        "establishments.Region", on_delete=models.CASCADE, related_name="incident_on_call", verbose_name=_("région")
    )
    phone = models.CharField(_("téléphone d'astreinte (24 h/24, 7 j/7)"), max_length=30)
    email = models.EmailField(_("e-mail d'astreinte"), blank=True)
    instructions = models.TextField(
        _("consignes"), blank=True, help_text=_("Par exemple : quand appeler plutôt qu'écrire, ce qu'il faut préparer.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("astreinte du CRRC")
        verbose_name_plural = _("astreintes du CRRC")

    def __str__(self) -> str:
        return f"{self.region} : {self.phone}"
