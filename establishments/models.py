from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import TenantQuerySet

from .roles import Role, Sector, StaffKind
from .validators import validate_email_domain, validate_finess, validate_hex_colour, validate_hostname, validate_logo


class AccessibilityStatus(models.TextChoices):
    """The three compliance statuses of the RGAA (référentiel général d'amélioration de l'accessibilité)."""

    COMPLIANT = "totalement_conforme", _("Totalement conforme")
    PARTIAL = "partiellement_conforme", _("Partiellement conforme")
    NON_COMPLIANT = "non_conforme", _("Non conforme")


class Region(models.Model):
    """A French region: its ARS, the GRADeS that runs its CRRC, and the CRRC's branding."""

    code = models.CharField(_("code INSEE"), max_length=2, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    ars_name = models.CharField(_("ARS"), max_length=150, blank=True)
    grades_name = models.CharField(_("GRADeS opérateur du CRRC"), max_length=200, blank=True)
    crrc_name = models.CharField(_("nom du CRRC"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    hostname = models.CharField(
        _("nom d'hôte du portail"),
        max_length=200,
        blank=True,
        help_text=_(
            "Quand le portail est servi sous ce nom, il prend les couleurs de cette région ; les liens des e-mails "
            "de la région y mènent. Nom d'hôte seul, par exemple « crrc.esante-occitanie.fr »."
        ),
        validators=[validate_hostname],
    )
    logo = models.FileField(
        _("logo"),
        upload_to="branding/",
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG, JPEG ou WebP, 1 Mo au plus."),
    )
    primary_colour = models.CharField(
        _("couleur principale"), max_length=7, default="#1f4e79", validators=[validate_hex_colour]
    )
    secondary_colour = models.CharField(
        _("couleur secondaire"), max_length=7, default="#0f7b6c", validators=[validate_hex_colour]
    )
    # Footer pages (legal notice, accessibility statement, personal data, contact). Blank texts fall back to the
    # portal's defaults (templates/crrc/legal/), written from the fields above: each region only adds what differs.
    contact_phone = models.CharField(_("téléphone du CRRC"), max_length=30, blank=True)
    postal_address = models.TextField(_("adresse postale du CRRC"), blank=True)
    legal_notice = models.TextField(
        _("mentions légales"),
        blank=True,
        help_text=_("Éditeur, directeur de la publication, hébergeur. Laissez vide pour le texte par défaut."),
    )
    accessibility_status = models.CharField(
        _("état de conformité RGAA"),
        max_length=30,
        choices=AccessibilityStatus.choices,
        default=AccessibilityStatus.NON_COMPLIANT,
        help_text=_("« Non conforme » tant qu'aucun audit RGAA complet n'a été réalisé."),
    )
    accessibility_statement = models.TextField(
        _("déclaration d'accessibilité"),
        blank=True,
        help_text=_("Résultats d'audit, dérogations, contenus non accessibles. Laissez vide pour le texte par défaut."),
    )
    accessibility_contact = models.EmailField(
        _("contact accessibilité"), blank=True, help_text=_("Vide : l'e-mail de contact du CRRC.")
    )
    privacy_notice = models.TextField(
        _("données personnelles"),
        blank=True,
        help_text=_(
            "Finalités, durées de conservation, droits propres à la région. Laissez vide pour le texte par défaut."
        ),
    )
    dpo_contact = models.EmailField(
        _("délégué à la protection des données"),
        blank=True,
        help_text=_("E-mail du DPO du GRADeS. Vide : l'e-mail de contact du CRRC."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def portal_name(self) -> str:
        return self.crrc_name or f"CRRC {self.name}"

    @property
    def accessibility_email(self) -> str:
        return self.accessibility_contact or self.contact_email

    @property
    def dpo_email(self) -> str:
        return self.dpo_contact or self.contact_email


class Department(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("région"))

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class EstablishmentCategory(models.Model):
    """FINESS category (``categetab``) and its aggregate (``categagretab``), which decides the sector."""

    code = models.CharField(_("code catégorie"), max_length=4, unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    aggregate_code = models.CharField(_("code agrégat"), max_length=4)
    aggregate_label = models.CharField(_("libellé agrégat"), max_length=200)
    sector = models.CharField(_("secteur"), max_length=5, choices=Sector.choices)

    class Meta:
        verbose_name = _("catégorie FINESS")
        verbose_name_plural = _("catégories FINESS")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(sector__in=Sector.values), name="category_sector_valid")]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"


class Organisation(models.Model):
    """Organisme gestionnaire (FINESS entité juridique) grouping establishments."""

    finess = models.CharField(
        _("FINESS juridique"), max_length=9, unique=True, null=True, blank=True, validators=[validate_finess]
    )
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    name = models.CharField(_("raison sociale"), max_length=255)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        verbose_name=_("région"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisme gestionnaire")
        verbose_name_plural = _("organismes gestionnaires")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Establishment(models.Model):
    """Établissement géographique identified by its FINESS number: the portal's tenant."""

    finess = models.CharField(_("FINESS géographique"), max_length=9, unique=True, validators=[validate_finess])
    name = models.CharField(_("raison sociale"), max_length=255)
    category = models.ForeignKey(
        EstablishmentCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="establishments",
        verbose_name=_("catégorie"),
    )
    sector = models.CharField(_("secteur"), max_length=5, choices=Sector.choices, default=Sector.OTHER)
    # No index of their own (db_index=False): ``Meta.indexes`` already has (region, sector), whose first column
    # serves every filter on the region, and (department), which the foreign key's index would only repeat. Each
    # redundant index costs every write and ~0.1 s of a national FINESS load.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="establishments", verbose_name=_("région"), db_index=False
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name=_("département"),
        db_index=False,
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="establishments",
        verbose_name=_("organisme gestionnaire"),
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    legal_status = models.CharField(_("statut (SPH)"), max_length=150, blank=True)
    opened_on = models.DateField(_("date d'ouverture"), null=True, blank=True)
    finess_updated_on = models.DateField(_("mise à jour FINESS"), null=True, blank=True)
    is_ose = models.BooleanField(
        _("opérateur de services essentiels (OSE)"),
        default=False,
        help_text=_("Désigné opérateur de services essentiels au titre de la directive NIS."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="establishment_sector_valid"),
        ]
        indexes = [models.Index(fields=["region", "sector"]), models.Index(fields=["department"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.finess})"


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(is_active=True)

    def covering(self, establishment: "Establishment") -> "MembershipQuerySet":
        """Memberships giving access to ``establishment``: its own, and its organisation's granted for its region."""
        condition = Q(establishment=establishment)
        if establishment.organisation_id:
            condition |= Q(organisation_id=establishment.organisation_id, regions=establishment.region_id)
        return self.filter(condition)


class Membership(models.Model):
    """A person's role in an establishment or an organisation. Deactivated, never deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("établissement"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisme gestionnaire"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    # An organisation may hold establishments in several regions: its membership opens those of these regions only.
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="+",
        verbose_name=_("régions couvertes"),
        help_text=_(
            "Rattachement à un organisme gestionnaire : donne accès à ses établissements de ces régions seulement."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("désactivée le"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("désactivée par"),
    )

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        ordering = ["-is_active", "role", "user__last_name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(establishment__isnull=False, organisation__isnull=True))
                | (Q(establishment__isnull=True, organisation__isnull=False)),
                name="membership_exactly_one_tenant",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=Q(is_active=True, deactivated_at__isnull=True) | Q(is_active=False),
                name="membership_active_not_deactivated",
            ),
            models.UniqueConstraint(
                fields=["user", "establishment"],
                condition=Q(is_active=True, establishment__isnull=False),
                name="membership_unique_active_establishment",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(is_active=True, organisation__isnull=False),
                name="membership_unique_active_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.establishment or self.organisation}"


class AccessRequest(models.Model):
    """Demande de rattachement: a later claimant waits for a director or CRRC staff to approve."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Acceptée")
        REFUSED = "refused", _("Refusée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("demandeur"),
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("établissement"),
    )
    role = models.CharField(_("rôle demandé"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    function = models.CharField(_("fonction déclarée"), max_length=150, blank=True)
    without_director = models.BooleanField(
        _("établissement sans directeur"),
        default=False,
        help_text=_(
            "Premier rattachement d'un établissement sans directeur actif : seule l'équipe du CRRC le valide, après "
            "avoir vérifié l'identité du demandeur."
        ),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decision_reason = models.TextField(
        _("motif de la décision"),
        blank=True,
        help_text=_("Communiqué au demandeur, notamment en cas de refus."),
    )

    # Scoped like every tenant-owned row: ``AccessRequest.objects.for_user(user)``.
    objects = TenantQuerySet.as_manager()
    tenant_field = "establishment"

    class Meta:
        verbose_name = _("demande de rattachement")
        verbose_name_plural = _("demandes de rattachement")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | Q(status__in=["approved", "refused"], decided_at__isnull=False),
                name="access_request_decided_iff_not_pending",
            ),
            models.UniqueConstraint(
                fields=["user", "establishment"],
                condition=Q(status="pending"),
                name="access_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.establishment} ({self.get_status_display()})"


class VerifiedDomain(models.Model):
    """An e-mail domain the CRRC has verified for an establishment or an organisation (in one region).

    Someone whose verified address is on such a domain may take the director's seat of an establishment without an
    active director at once; anyone else's first claim waits for the CRRC.
    """

    domain = models.CharField(
        _("domaine de messagerie"),
        max_length=253,
        validators=[validate_email_domain],
        help_text=_("La partie après « @ » des adresses de l'établissement, par exemple « chu-toulouse.fr »."),
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="verified_domains", verbose_name=_("région")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="verified_domains",
        verbose_name=_("établissement"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="verified_domains",
        verbose_name=_("organisme gestionnaire"),
        help_text=_("Le domaine vaut pour les établissements de l'organisme situés dans la région choisie."),
    )
    note = models.CharField(_("comment il a été vérifié"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vérifié par"),
    )
    created_at = models.DateTimeField(_("vérifié le"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("domaine de messagerie vérifié")
        verbose_name_plural = _("domaines de messagerie vérifiés")
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(establishment__isnull=False, organisation__isnull=True))
                | (Q(establishment__isnull=True, organisation__isnull=False)),
                name="verified_domain_exactly_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain} – {self.establishment or self.organisation}"

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().rstrip(".")
        super().save(*args, **kwargs)


class Invitation(models.Model):
    """A director invites a colleague by e-mail with a role; the invitation expires."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("établissement")
    )
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(_("jeton"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acceptée par"),
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "establishment"

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.establishment}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class StaffAssignment(models.Model):
    """Staff scope: CRRC staff administer a region's data; ARS reviewers read it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
        verbose_name=_("utilisateur"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="staff_assignments", verbose_name=_("région")
    )
    kind = models.CharField(_("fonction"), max_length=20, choices=StaffKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("affectation régionale")
        verbose_name_plural = _("affectations régionales")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StaffKind.values), name="staff_assignment_kind_valid"),
            models.UniqueConstraint(
                fields=["user", "region", "kind"],
                condition=Q(is_active=True),
                name="staff_assignment_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()} – {self.region}"
