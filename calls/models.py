"""Calls for applications (AAP, AAC, AMI) and the applications establishments file to them.

The configuration of a call (rules, questions, documents, cut-offs) is edited by CRRC staff in the admin.
Applications belong to one establishment (``EstablishmentOwned``); their workflow lives in ``calls.workflow`` and
every state change goes through ``calls.services``.
"""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.uploads import FILE_TYPES
from crrc.workflow import TransitionLog as BaseTransitionLog

from .workflow import DECIDED_STATES, FUNDED_STATES, SUBMITTED_STATES, State


class CallQuerySet(models.QuerySet):
    def published(self) -> "CallQuerySet":
        return self.filter(is_published=True)

    def open_at(self, moment=None) -> "CallQuerySet":
        moment = moment or timezone.now()
        return self.published().filter(opens_at__lte=moment, closes_at__gt=moment)

    def for_regions(self, regions) -> "CallQuerySet":
        return self.filter(region__in=regions)


class Call(models.Model):
    """Appel à projets / à candidatures / à manifestation d'intérêt published by a region's CRRC or ARS."""

    class Kind(models.TextChoices):
        AAP = "AAP", _("Appel à projets (AAP)")
        AAC = "AAC", _("Appel à candidatures (AAC)")
        AMI = "AMI", _("Appel à manifestation d'intérêt (AMI)")

    class FundingMode(models.TextChoices):
        FLAT = "flat", _("Montant forfaitaire par dossier")
        CEILING = "ceiling", _("Montant plafonné par dossier")
        NONE = "none", _("Sans financement (accompagnement)")

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="calls", verbose_name=_("région")
    )
    kind = models.CharField(_("type d'appel"), max_length=3, choices=Kind.choices, default=Kind.AAP)
    title = models.CharField(_("titre"), max_length=255)
    slug = models.SlugField(_("identifiant d'URL"), max_length=120, unique=True)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    is_rolling = models.BooleanField(
        _("instruction au fil de l'eau"),
        default=False,
        help_text=_("Les dossiers reçus avant chaque date de relève sont décidés dans cette vague."),
    )
    funding_mode = models.CharField(
        _("mode de financement"), max_length=10, choices=FundingMode.choices, default=FundingMode.FLAT
    )
    funding_amount = models.DecimalField(
        _("montant par dossier (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Forfait versé à chaque dossier accepté, ou plafond par dossier."),
    )
    budget_envelope = models.DecimalField(
        _("enveloppe budgétaire (€)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_funded_applications = models.PositiveIntegerField(
        _("nombre maximal de dossiers financés"), null=True, blank=True
    )
    payment_on_service_done = models.BooleanField(
        _("versement sur service fait"),
        default=True,
        help_text=_("Le financement est versé après dépôt du justificatif de service fait et de la facture."),
    )
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    is_published = models.BooleanField(_("publié"), default=False)
    edition_note = models.CharField(
        _("note d'édition"),
        max_length=255,
        blank=True,
        help_text=_(
            "Par exemple : « Édition 2026-2027, reprise de l'appel 2025 ».",
        ),
    )
    draft_reminder_sent_at = models.DateTimeField(_("relance des brouillons envoyée le"), null=True, blank=True)
    closing_processed_at = models.DateTimeField(_("clôture traitée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["-opens_at", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"),
            models.CheckConstraint(condition=Q(kind__in=["AAP", "AAC", "AMI"]), name="call_kind_valid"),
            models.CheckConstraint(
                condition=Q(funding_mode="none") | Q(funding_amount__isnull=False),
                name="call_funding_amount_when_funded",
            ),
        ]
        indexes = [models.Index(fields=["region", "is_published", "closes_at"])]

    def __str__(self) -> str:
        return f"{self.kind} – {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("La clôture doit être postérieure à l'ouverture.")})
        if self.funding_mode != self.FundingMode.NONE and self.funding_amount is None:
            raise ValidationError({"funding_amount": _("Indiquez le forfait ou le plafond par dossier.")})

    def is_open(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.is_published and self.opens_at <= moment < self.closes_at

    @property
    def status_label(self) -> str:
        now = timezone.now()
        if not self.is_published:
            return _("Non publié")
        if now < self.opens_at:
            return _("À venir")
        if now >= self.closes_at:
            return _("Clos")
        return _("Ouvert")

    def cutoff_for(self, moment) -> "CutOff | None":
        """The wave an application submitted at ``moment`` belongs to: the first cut-off on or after it."""
        for cutoff in self.cutoffs.all():
            if cutoff.date >= moment:
                return cutoff
        return None


class ProjectKind(models.Model):
    """A kind of project a call funds (ARA: diagnostic or crisis exercise); the reviewer attributes one."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="project_kinds", verbose_name=_("appel"))
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("type de projet")
        verbose_name_plural = _("types de projet")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "code"], name="project_kind_unique_code")]

    def __str__(self) -> str:
        return self.label


class CutOff(models.Model):
    """Date de relève: applications received up to it are decided in the same wave."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="cutoffs", verbose_name=_("appel"))
    date = models.DateTimeField(_("date de relève"))
    label = models.CharField(_("libellé"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("date de relève")
        verbose_name_plural = _("dates de relève")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["call", "date"], name="cutoff_unique_date")]

    def __str__(self) -> str:
        return self.label or timezone.localtime(self.date).strftime("%d/%m/%Y")


class EligibilityRule(models.Model):
    """One condition an establishment must meet; ``parameters`` is validated by kind (see ``calls.eligibility``)."""

    class Kind(models.TextChoices):
        SECTOR = "sector", _("Secteur (ES / ESMS)")
        CATEGORIES = "categories", _("Catégories FINESS")
        REGION = "region", _("Région")
        ORGANISATION = "organisation", _("Rattachement à un organisme gestionnaire")
        SELF_ASSESSMENT = "self_assessment", _("Auto-évaluation réalisée")
        DECLARED_DATE_WITHIN = "declared_date_within", _("Date déclarée de moins de N mois")
        DECLARED_YES_WITH_PROOF = "declared_yes_with_proof", _("Déclaration oui/non avec justificatif")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rules", verbose_name=_("appel"))
    kind = models.CharField(_("type de règle"), max_length=30, choices=Kind.choices)
    label = models.CharField(_("intitulé affiché"), max_length=255)
    parameters = models.JSONField(
        _("paramètres"),
        default=dict,
        blank=True,
        help_text=_(
            'secteur : {"sectors": ["ESMS"]} · catégories : {"category_codes": ["500"]} · '
            'région : {"region_codes": ["11"]} (vide = région de l\'appel) · organisme : '
            '{"organisation_finess": [...]} (vide = tout organisme) · auto-évaluation : '
            '{"grid": "slug", "question": "code"} (respectée si une évaluation de la grille est soumise sur le '
            "portail, sinon selon la réponse déclarative) · date déclarée : "
            '{"question": "code", "months": 3} · oui/non avec justificatif : '
            '{"question": "code", "document": "code"}'
        ),
    )
    failure_message = models.CharField(
        _("message en cas d'échec"),
        max_length=300,
        help_text=_("Affiché au demandeur quand la règle n'est pas respectée."),
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("règle d'éligibilité")
        verbose_name_plural = _("règles d'éligibilité")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        from .eligibility import validate_parameters

        validate_parameters(self.kind, self.parameters, call=self.call if self.call_id else None)


class Question(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Texte court")
        LONG_TEXT = "long_text", _("Texte long")
        NUMBER = "number", _("Nombre")
        AMOUNT = "amount", _("Montant (€)")
        DATE = "date", _("Date")
        SINGLE_CHOICE = "single_choice", _("Choix unique")
        MULTIPLE_CHOICE = "multiple_choice", _("Choix multiple")
        YES_NO = "yes_no", _("Oui / non")

    CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE})

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions", verbose_name=_("appel"))
    code = models.SlugField(_("code"), max_length=60, help_text=_("Identifiant stable, utilisé par les règles."))
    label = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    is_mandatory = models.BooleanField(_("obligatoire"), default=True)
    help_text = models.CharField(_("aide"), max_length=500, blank=True)
    choices = models.JSONField(
        _("choix"), default=list, blank=True, help_text=_("Liste des réponses possibles (choix unique ou multiple).")
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "code"], name="question_unique_code")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.kind in self.CHOICE_KINDS:
            if (
                not isinstance(self.choices, list)
                or len(self.choices) < 2
                or not all(isinstance(c, str) and c.strip() for c in self.choices)
            ):
                raise ValidationError({"choices": _("Donnez au moins deux choix, sous forme de liste de textes.")})
        elif self.choices:
            raise ValidationError({"choices": _("Seules les questions à choix ont une liste de choix.")})


class RequiredDocument(models.Model):
    class Phase(models.TextChoices):
        APPLICATION = "application", _("Candidature")
        SERVICE_DONE = "service_done", _("Service fait")
        INVOICE = "invoice", _("Facture")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents", verbose_name=_("appel"))
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("pièce"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    accepted_types = models.JSONField(
        _("types acceptés"),
        default=list,
        # Static on purpose: a help text built from FILE_TYPES would need a migration each time a module adds a type.
        help_text=_(
            "Codes de types de fichiers, par exemple pdf, docx, xlsx ; un code inconnu est refusé avec la liste."
        ),
    )
    max_size_mb = models.PositiveIntegerField(_("taille maximale (Mo)"), default=10)
    template = models.FileField(_("modèle à télécharger"), upload_to="calls/templates/", blank=True)
    phase = models.CharField(_("étape"), max_length=20, choices=Phase.choices, default=Phase.APPLICATION)
    is_mandatory = models.BooleanField(_("obligatoire"), default=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("pièce demandée")
        verbose_name_plural = _("pièces demandées")
        ordering = ["phase", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="required_document_unique_code"),
            models.CheckConstraint(condition=Q(max_size_mb__gte=1, max_size_mb__lte=50), name="document_size_bounds"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if not isinstance(self.accepted_types, list) or not self.accepted_types:
            raise ValidationError({"accepted_types": _("Indiquez au moins un type de fichier accepté.")})
        unknown = [t for t in self.accepted_types if t not in FILE_TYPES]
        if unknown:
            raise ValidationError(
                {
                    "accepted_types": _("Types inconnus : %(types)s. Types possibles : %(known)s.")
                    % {"types": ", ".join(map(str, unknown)), "known": ", ".join(FILE_TYPES)}
                }
            )

    @property
    def max_bytes(self) -> int:
        return self.max_size_mb * 1024 * 1024

    @property
    def accepted_extensions(self) -> str:
        return ", ".join(ext for t in self.accepted_types for ext in FILE_TYPES[t].extensions)


def purchase_order_error(application: "Application", order) -> str | None:
    """Why ``order`` may not be the proof of order of ``application``, or None: it must be one of the same
    establishment's orders, issued and not cancelled (a draft commits nobody)."""
    from offers.models import OrderState

    if order.establishment_id != application.establishment_id:
        return _("Choisissez un bon de commande de l'établissement qui candidate.")
    if order.state in (OrderState.DRAFT, OrderState.CANCELLED):
        return _(
            "Le bon de commande %(ref)s est « %(state)s » : seul un bon de commande émis vaut preuve de commande."
        ) % {
            "ref": order.reference,
            "state": order.get_state_display(),
        }
    return None


class ApplicationQuerySet(TenantQuerySet):
    def funded(self) -> "ApplicationQuerySet":
        return self.filter(state__in=FUNDED_STATES)


class Application(EstablishmentOwned):
    """Dossier de candidature of one establishment to one call, shared by its members who may edit applications.

    ``declared_risk_level`` is the applicant's self-declared exposure (from the answers, e.g. the self-assessment
    result); the review side combines it with the latest assessment and the reviewer's rating into a priority.
    """

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Faible")
        MEDIUM = "medium", _("Moyen")
        HIGH = "high", _("Élevé")
        CRITICAL = "critical", _("Critique")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("appel"))
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.BROUILLON)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Incrémentée à chaque écriture ; détecte les modifications concurrentes.")
    )
    preferred_kind = models.ForeignKey(
        ProjectKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("type de projet souhaité"),
    )
    attributed_kind = models.ForeignKey(
        ProjectKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("type de projet attribué"),
    )
    requested_amount = models.DecimalField(
        _("montant demandé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    granted_amount = models.DecimalField(
        _("montant accordé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    paid_amount = models.DecimalField(_("montant versé (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    declared_risk_level = models.CharField(
        _("niveau de risque déclaré"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    cutoff = models.ForeignKey(
        CutOff, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications", verbose_name=_("vague")
    )
    # The proof of order: one of the same establishment's purchase orders under a framework agreement (offers).
    purchase_order = models.ForeignKey(
        "offers.PurchaseOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("bon de commande (preuve de commande)"),
        help_text=_("Un bon de commande émis par l'établissement dans le cadre d'un accord-cadre du CRRC."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("créé par")
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True)
    instruction_started_at = models.DateTimeField(_("instruction commencée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decision_reason = models.TextField(_("motif de la décision"), blank=True)
    withdrawn_at = models.DateTimeField(_("abandonné le"), null=True, blank=True)
    service_done_at = models.DateTimeField(_("service fait le"), null=True, blank=True)
    invoiced_at = models.DateTimeField(_("facture déposée le"), null=True, blank=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="application_state_valid"),
            models.CheckConstraint(
                condition=Q(state__in=sorted(DECIDED_STATES), decided_at__isnull=False)
                | (~Q(state__in=sorted(DECIDED_STATES)) & Q(decided_at__isnull=True)),
                name="application_decided_at_iff_decided",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(SUBMITTED_STATES)) | Q(submitted_at__isnull=False),
                name="application_submitted_at_when_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(state="brouillon") | Q(submitted_at__isnull=True),
                name="application_draft_not_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(FUNDED_STATES)) | Q(granted_amount__isnull=False),
                name="application_funded_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(state="abandonne", withdrawn_at__isnull=False)
                | (~Q(state="abandonne") & Q(withdrawn_at__isnull=True)),
                name="application_withdrawn_at_iff_withdrawn",
            ),
            models.CheckConstraint(
                condition=Q(state="paye", paid_at__isnull=False) | (~Q(state="paye") & Q(paid_at__isnull=True)),
                name="application_paid_at_iff_paid",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["refuse", "sans_suite"]) | ~Q(decision_reason=""),
                name="application_refusal_has_reason",
            ),
            models.UniqueConstraint(
                fields=["call", "establishment"],
                condition=~Q(state="abandonne"),
                name="application_one_active_per_establishment",
            ),
        ]
        indexes = [models.Index(fields=["call", "state"]), models.Index(fields=["establishment", "state"])]

    def __str__(self) -> str:
        return f"{self.reference} – {self.establishment_id}"

    @property
    def reference(self) -> str:
        return f"{self.call.kind}-{self.call_id}-{self.pk:05d}" if self.pk else "—"

    def get_absolute_url(self) -> str:
        return reverse("calls:application", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.purchase_order_id is None or self.establishment_id is None:
            return
        if error := purchase_order_error(self, self.purchase_order):
            raise ValidationError({"purchase_order": error})

    @property
    def next_step(self) -> str:
        from .workflow import NEXT_STEP

        return NEXT_STEP[self.state]


class Answer(models.Model):
    """One answer; ``version`` lets two members editing at once detect that the other saved first."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="answers", verbose_name=_("candidature")
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question"))
    value = models.JSONField(_("réponse"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifiée par"),
    )

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="answer_unique_question")]

    def __str__(self) -> str:
        return f"{self.question.code} = {self.value!r}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Stored under MEDIA_ROOT (never served by URL) with a random name: the original name is only metadata."""
    import uuid

    suffix = Path(filename).suffix.lower()[:10]
    return f"calls/applications/{instance.application_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A document uploaded for a required piece. Replaced versions stay (``is_current=False``) for the history."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("candidature")
    )
    document = models.ForeignKey(
        RequiredDocument, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("pièce demandée")
    )
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom d'origine"), max_length=200)
    file_type = models.CharField(_("type détecté"), max_length=10)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    is_current = models.BooleanField(_("version en vigueur"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["document__order", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "document"], condition=Q(is_current=True), name="attachment_one_current"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name


class CorrectionRequest(models.Model):
    """Demande de correction during review; kept after it is answered, so each request has its history."""

    class Kind(models.TextChoices):
        INCORRECT = "incorrect", _("Information ou pièce incorrecte")
        INCOMPLETE = "incomplete", _("Dossier incomplet")
        OUTDATED = "outdated", _("Pièce périmée")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("candidature")
    )
    kind = models.CharField(_("motif"), max_length=12, choices=Kind.choices)
    message = models.TextField(_("message"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    answer = models.TextField(_("réponse"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("répondue par"),
    )
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de correction")
        verbose_name_plural = _("demandes de correction")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""), name="correction_answered_has_answer"
            ),
            models.UniqueConstraint(
                fields=["application"], condition=Q(answered_at__isnull=True), name="correction_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.application_id}"


class TransitionLog(BaseTransitionLog):
    """Who moved the application from which state to which, when, and why (the kit's log fields)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("candidature")
    )

    tenant_field = "application__establishment"
    objects = TenantQuerySet.as_manager()


from .review import models as review_models  # noqa: E402, F401  (review side: calls/review/models.py)
