"""The CRRC's offers: catalogue, yearly positioning campaign (AMI), subscriptions, framework agreements and orders.

Region-owned rows (offers, campaigns, agreements, providers) are scoped through ``offers.selectors``; rows owned by
an establishment (the campaign answer, subscriptions, beneficiaries, purchase orders) use ``TenantQuerySet``.
Every write goes through ``offers.services``; the states of subscriptions and purchase orders through the workflow
kit (``offers.workflows``).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crrc.tenancy import EstablishmentOwned, TenantQuerySet
from crrc.uploads import UploadValidator
from crrc.workflow import TransitionLog
from establishments.validators import siret_error

MAX_AGREEMENT_MONTHS = 48  # Code de la commande publique, L2125-1: four years in all, renewals included.
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def validate_siret(value: str) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="invalid_siret")


# ---- catalogue ------------------------------------------------------------------------------------------------


class OfferKind(models.TextChoices):
    AUDIT_FRAMEWORK = "audit_framework", _("Audits (accord-cadre)")
    EXERCISE_FRAMEWORK = "exercise_framework", _("Accompagnement aux exercices de crise (accord-cadre)")
    COMMUNITY = "community", _("Communauté des RSSI")
    AWARENESS = "awareness", _("Programme de sensibilisation")
    DIAGNOSTIC = "diagnostic", _("Diagnostic de maturité")
    OTHER = "other", _("Autre accompagnement")


class Audience(models.TextChoices):
    ES = "ES", _("Établissements de santé (ES)")
    ESMS = "ESMS", _("Établissements médico-sociaux (ESMS)")
    BOTH = "both", _("ES et ESMS")


class Funding(models.TextChoices):
    FULL = "full", _("100 % pris en charge par l'ARS")
    COFUNDED = "cofunded", _("Cofinancé")
    PAID = "paid", _("À la charge de l'établissement")


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    CLOSED = "closed", _("Clôturée")


class OfferQuerySet(models.QuerySet):
    def published(self) -> OfferQuerySet:
        return self.filter(status=OfferStatus.PUBLISHED)

    def for_sector(self, sector: str) -> OfferQuerySet:
        return self.filter(Q(audience=Audience.BOTH) | Q(audience=sector))

    def with_places(self) -> OfferQuerySet:
        """Annotate ``places_taken``: the subscriptions that hold a place (one aggregate, whatever the rows)."""
        return self.annotate(
            places_taken=models.Count("subscriptions", filter=Q(subscriptions__state__in=PLACE_HOLDING_STATES))
        )


class Offer(models.Model):
    """One service of a region's CRRC, as shown in its catalogue."""

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="offers", verbose_name=_("région")
    )
    kind = models.CharField(_("type d'offre"), max_length=30, choices=OfferKind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("public"), max_length=5, choices=Audience.choices, default=Audience.BOTH)
    ose_only = models.BooleanField(
        _("réservée aux OSE"), default=False, help_text=_("Seuls les opérateurs de services essentiels y ont accès.")
    )
    funding = models.CharField(_("financement"), max_length=10, choices=Funding.choices, default=Funding.FULL)
    remaining_cost = models.CharField(
        _("reste à charge"),
        max_length=200,
        blank=True,
        help_text=_("Pour une offre cofinancée : ce qui reste à la charge de l'établissement."),
    )
    capacity = models.PositiveIntegerField(_("nombre de places"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.DRAFT)
    contact_name = models.CharField(_("contact au CRRC"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"), blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = OfferQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("offre de service")
        verbose_name_plural = _("offres de service")
        ordering = ["order", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OfferKind.values), name="offer_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=OfferStatus.values), name="offer_status_valid"),
            models.CheckConstraint(condition=Q(audience__in=Audience.values), name="offer_audience_valid"),
            models.CheckConstraint(
                condition=~Q(funding=Funding.COFUNDED) | ~Q(remaining_cost=""), name="offer_cofunded_states_cost"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("offers:detail", kwargs={"pk": self.pk})

    @property
    def taken_places(self) -> int:
        """Places held now: the ``with_places()`` annotation when there is one, else one count."""
        taken = getattr(self, "places_taken", None)
        if taken is None:
            taken = self.subscriptions.filter(state__in=PLACE_HOLDING_STATES).count()
        return taken

    @property
    def places_left(self) -> int | None:
        """Free places, or None for an offer without a capacity (open to all)."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.taken_places)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0

    def contact_label(self) -> str:
        """Whom to contact about this offer: its CRRC contact, else the region's CRRC address."""
        if self.contact_name and self.contact_email:
            return f"{self.contact_name} ({self.contact_email})"
        if self.contact_name or self.contact_email:
            return self.contact_name or self.contact_email
        region_email = getattr(self.region, "contact_email", "")
        return _("le CRRC (%(email)s)") % {"email": region_email} if region_email else str(_("le CRRC de votre région"))

    def clean(self) -> None:
        if self.funding == Funding.COFUNDED and not self.remaining_cost.strip():
            raise ValidationError({"remaining_cost": _("Indiquez le reste à charge d'une offre cofinancée.")})


class OfferDocument(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="documents", verbose_name=_("offre"))
    label = models.CharField(_("libellé"), max_length=200)
    file = models.FileField(
        _("fichier"),
        upload_to="offers/documents/%Y/",
        validators=[UploadValidator(["pdf", "docx", "pptx", "odt", "xlsx"], 10 * 1024 * 1024)],
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document de l'offre")
        verbose_name_plural = _("documents de l'offre")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label


# ---- the yearly positioning campaign ---------------------------------------------------------------------------


class Campaign(models.Model):
    """The yearly "AMI": establishments say which offers they want, and with what volumes."""

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="offer_campaigns", verbose_name=_("région")
    )
    title = models.CharField(_("titre"), max_length=200)
    introduction = models.TextField(_("présentation"), blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    offers = models.ManyToManyField(Offer, related_name="campaigns", blank=True, verbose_name=_("offres"))
    last_reminder_at = models.DateTimeField(_("dernière relance"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campagne de positionnement")
        verbose_name_plural = _("campagnes de positionnement")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="campaign_closes_after_opening")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("offers:campaign", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("La clôture doit être postérieure à l'ouverture.")})

    def is_open(self, moment: datetime.datetime | None = None) -> bool:
        moment = moment or timezone.now()
        return self.opens_at <= moment < self.closes_at


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Oui / non")
    CHOICE = "choice", _("Choix unique")
    NUMBER = "number", _("Nombre entier")
    AMOUNT = "amount", _("Montant (€)")
    DATE = "date", _("Date")
    TEXT = "text", _("Texte")
    CONTACTS = "contacts", _("Contacts")


class NeedMeasure(models.TextChoices):
    NONE = "", _("—")
    VOLUME = "volume", _("Volume annuel estimé")
    SPEND = "spend", _("Dépense annuelle estimée")


class Question(models.Model):
    """One question of a campaign about one offer. Edited by CRRC staff in the admin: data, not code.

    ``depends_on``/``shown_for`` show a question only when an earlier answer has one of the given values (the
    volume of the audit lot only when the audits were chosen). ``joins_offer_when`` lists the answers that ask to
    join the offer; ``need_key``/``need_measure`` feed the needs per lot of the framework agreements.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="questions", verbose_name=_("campagne")
    )
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="questions", verbose_name=_("offre"))
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("libellé"), max_length=400)
    help_text = models.CharField(_("aide"), max_length=400, blank=True)
    kind = models.CharField(_("type de réponse"), max_length=10, choices=QuestionKind.choices)
    choices = models.JSONField(
        _("choix"), default=list, blank=True, help_text=_('Pour un choix unique : [["code", "libellé"], …].')
    )
    max_contacts = models.PositiveSmallIntegerField(_("nombre maximal de contacts"), default=2)
    is_mandatory = models.BooleanField(_("obligatoire"), default=False)
    order = models.PositiveIntegerField(_("ordre"), default=0)
    depends_on = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("dépend de")
    )
    shown_for = models.JSONField(
        _("affichée pour les réponses"), default=list, blank=True, help_text=_('Par exemple ["audits", "both"].')
    )
    joins_offer_when = models.JSONField(
        _("réponses qui inscrivent à l'offre"),
        default=list,
        blank=True,
        help_text=_('Par exemple [true] ou ["audits", "both"]. Vide : la question n\'inscrit pas.'),
    )
    joins_other_offer = models.ForeignKey(
        Offer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscrit aussi à l'offre"),
        help_text=_("Une même question peut inscrire à deux offres (par exemple audits et exercices de crise)."),
    )
    joins_other_when = models.JSONField(
        _("réponses qui inscrivent à l'autre offre"),
        default=list,
        blank=True,
        help_text=_('Par exemple ["exercises", "both"].'),
    )
    joins_from_date = models.BooleanField(
        _("date d'entrée dans l'offre"),
        default=False,
        help_text=_("Réponse de type date : l'établissement rejoint l'offre à cette date (contrat en cours)."),
    )
    need_key = models.SlugField(
        _("besoin agrégé (clé de lot)"),
        max_length=40,
        blank=True,
        help_text=_("Rattache la réponse aux lots qui portent la même clé (par exemple « audit »)."),
    )
    need_measure = models.CharField(
        _("mesure du besoin"), max_length=10, choices=NeedMeasure.choices, default="", blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question de campagne")
        verbose_name_plural = _("questions de campagne")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="campaign_question_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="campaign_question_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        well_formed = isinstance(self.choices, list) and all(isinstance(c, list) and len(c) == 2 for c in self.choices)
        if self.kind == QuestionKind.CHOICE and not (well_formed and self.choices):
            raise ValidationError({"choices": _('Donnez les choix sous la forme [["code", "libellé"], …].')})
        if self.need_measure and not self.need_key:
            raise ValidationError({"need_key": _("Une mesure de besoin demande la clé du lot concerné.")})
        if self.need_measure and self.kind not in (QuestionKind.NUMBER, QuestionKind.AMOUNT):
            raise ValidationError({"need_measure": _("Seule une réponse nombre ou montant mesure un besoin.")})
        if self.depends_on_id and self.campaign_id and self.depends_on.campaign_id != self.campaign_id:
            raise ValidationError({"depends_on": _("La question dont elle dépend doit être de la même campagne.")})

    @property
    def choice_labels(self) -> dict:
        return {str(code): label for code, label in (self.choices or [])}


class Response(EstablishmentOwned):
    """The one answer of an establishment to a campaign, shared by its members and resumable until the deadline."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="responses", verbose_name=_("campagne")
    )
    submitted_at = models.DateTimeField(_("transmise le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transmise par"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commencée par"),
    )
    created_at = models.DateTimeField(_("commencée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("réponse à la campagne")
        verbose_name_plural = _("réponses à la campagne")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "establishment"], name="one_response_per_establishment")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} – {self.establishment_id}"

    def get_absolute_url(self) -> str:
        return reverse("offers:response", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        return f"AMI-{self.campaign_id}-{self.pk:05d}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("réponse"))
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question"))
    value = models.JSONField(_("valeur"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifiée par"),
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "response__establishment"
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question.code} = {self.value!r}"


# ---- subscriptions -----------------------------------------------------------------------------------------------


class SubscriptionState(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Retirée")


# A requested or active subscription holds one of the offer's places; a withdrawn one frees it.
PLACE_HOLDING_STATES = (SubscriptionState.REQUESTED, SubscriptionState.ACTIVE)


class Subscription(EstablishmentOwned):
    """An establishment's participation in an offer. Read by the community and awareness modules."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("offre"))
    state = models.CharField(
        _("état"), max_length=10, choices=SubscriptionState.choices, default=SubscriptionState.REQUESTED
    )
    contacts = models.JSONField(
        _("contacts"), default=list, blank=True, help_text=_("Nom, prénom, fonction et e-mail de chaque contact.")
    )
    details = models.JSONField(_("précisions"), default=dict, blank=True)
    response = models.ForeignKey(
        Response,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("réponse à l'origine"),
    )
    requested_on = models.DateField(_("demandée le"), default=datetime.date.today)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    activated_on = models.DateField(_("activée le"), null=True, blank=True)
    withdrawn_on = models.DateField(_("retirée le"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inscription à une offre")
        verbose_name_plural = _("inscriptions aux offres")
        ordering = ["offer__order", "offer__title"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "offer"], name="one_subscription_per_offer"),
            models.CheckConstraint(condition=Q(state__in=SubscriptionState.values), name="subscription_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} – {self.establishment_id}"

    def get_absolute_url(self) -> str:
        return reverse("offers:subscriptions")


class SubscriptionLog(TransitionLog):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("inscription")
    )
    tenant_field = "subscription__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("historique de l'inscription")
        verbose_name_plural = _("historiques des inscriptions")


# ---- framework agreements ----------------------------------------------------------------------------------------


class Procedure(models.TextChoices):
    OPEN = "open", _("Appel d'offres ouvert")
    RESTRICTED = "restricted", _("Appel d'offres restreint")
    ADAPTED = "adapted", _("Procédure adaptée (MAPA)")
    NEGOTIATED = "negotiated", _("Procédure avec négociation")
    CENTRE = "centre", _("Recours à une centrale d'achat")


class PurchasingCentre(models.TextChoices):
    NONE = "", _("Aucune")
    CAIH = "CAIH", "CAIH"
    RESAH = "RESAH", "RESAH"
    UGAP = "UGAP", "UGAP"


class AllocationRule(models.TextChoices):
    RANK = "rank", _("Au rang (le premier titulaire, sauf empêchement)")
    CASCADE = "cascade", _("En cascade (le suivant si le précédent ne peut pas)")
    ROTATION = "rotation", _("À tour de rôle")


class Agreement(models.Model):
    """Accord-cadre à bons de commande of a region's GRADeS. Four years at most, renewals included."""

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="agreements", verbose_name=_("région")
    )
    reference = models.CharField(_("référence"), max_length=60)
    title = models.CharField(_("intitulé"), max_length=255)
    buyer = models.CharField(_("acheteur"), max_length=200, help_text=_("Le GRADeS qui passe l'accord-cadre."))
    procedure = models.CharField(_("procédure"), max_length=12, choices=Procedure.choices, default=Procedure.OPEN)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("campagne de recensement des besoins"),
    )
    notified_on = models.DateField(_("date de notification"), null=True, blank=True)
    firm_months = models.PositiveSmallIntegerField(
        _("période ferme (mois)"), default=24, validators=[MinValueValidator(1)]
    )
    renewal_count = models.PositiveSmallIntegerField(_("nombre de reconductions possibles"), default=0)
    renewal_months = models.PositiveSmallIntegerField(_("durée d'une reconduction (mois)"), default=12)
    renewals_exercised = models.PositiveSmallIntegerField(_("reconductions prononcées"), default=0)
    allocation_rule = models.CharField(
        _("règle d'attribution des bons de commande"),
        max_length=10,
        choices=AllocationRule.choices,
        default=AllocationRule.RANK,
    )
    purchasing_centre = models.CharField(
        _("centrale d'achat"), max_length=5, choices=PurchasingCentre.choices, default="", blank=True
    )
    centre_contract_number = models.CharField(_("n° de contrat de la centrale"), max_length=60, blank=True)
    centre_lot_number = models.CharField(_("n° de lot de la centrale"), max_length=30, blank=True)
    late_penalty_per_day = models.DecimalField(
        _("pénalité de retard par jour (€ HT)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    end_alert_days = models.PositiveSmallIntegerField(_("alerte avant échéance (jours)"), default=90)
    end_alert_sent_on = models.DateField(_("alerte d'échéance envoyée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accord-cadre")
        verbose_name_plural = _("accords-cadres")
        ordering = ["-notified_on", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["region", "reference"], name="agreement_reference_unique"),
            models.CheckConstraint(
                condition=Q(firm_months__gte=1)
                & Q(firm_months__lte=MAX_AGREEMENT_MONTHS - F("renewal_count") * F("renewal_months")),
                name="agreement_four_years_at_most",
            ),
            models.CheckConstraint(
                condition=Q(renewals_exercised__lte=F("renewal_count")), name="agreement_renewals_within_count"
            ),
            models.CheckConstraint(
                condition=Q(purchasing_centre="") | ~Q(centre_contract_number=""),
                name="agreement_centre_has_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("offers:agreement", kwargs={"pk": self.pk})

    @property
    def total_months(self) -> int:
        return self.firm_months + self.renewal_count * self.renewal_months

    def clean(self) -> None:
        errors = {}
        if self.total_months > MAX_AGREEMENT_MONTHS:
            errors["renewal_count"] = _(
                "Un accord-cadre ne peut pas dépasser 4 ans reconductions comprises (%(months)s mois demandés)."
            ) % {"months": self.total_months}
        if self.renewals_exercised > self.renewal_count:
            errors["renewals_exercised"] = _("Plus de reconductions prononcées que prévues.")
        if self.purchasing_centre and not self.centre_contract_number.strip():
            errors["centre_contract_number"] = _("Indiquez le numéro de contrat de la centrale d'achat.")
        if errors:
            raise ValidationError(errors)

    @property
    def firm_end(self) -> datetime.date | None:
        if not self.notified_on:
            return None
        return self.notified_on + relativedelta(months=self.firm_months) - datetime.timedelta(days=1)

    @property
    def current_end(self) -> datetime.date | None:
        """The end of the firm period plus the renewals pronounced so far."""
        if not self.notified_on:
            return None
        months = self.firm_months + self.renewals_exercised * self.renewal_months
        return self.notified_on + relativedelta(months=months) - datetime.timedelta(days=1)

    @property
    def latest_end(self) -> datetime.date | None:
        if not self.notified_on:
            return None
        return self.notified_on + relativedelta(months=self.total_months) - datetime.timedelta(days=1)

    def is_running(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return bool(self.notified_on and self.notified_on <= on <= self.current_end)

    @property
    def status_label(self) -> str:
        if not self.notified_on:
            return str(_("Non notifié"))
        if self.is_running():
            return str(_("En cours"))
        if self.notified_on > timezone.localdate():
            return str(_("Notifié, pas encore commencé"))
        return str(_("Terminé"))


class Amendment(models.Model):
    """Avenant: append-only. What it changes is kept as written, and its beneficiary changes link back to it."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("accord-cadre")
    )
    number = models.PositiveIntegerField(_("numéro"))
    signed_on = models.DateField(_("date"))
    reason = models.CharField(_("motif"), max_length=400)
    changes = models.TextField(_("ce qui change"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avenant")
        verbose_name_plural = _("avenants")
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="amendment_number_unique")]

    def __str__(self) -> str:
        return _("Avenant n° %(number)s") % {"number": self.number}

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValidationError(_("Un avenant enregistré ne se modifie pas : passez un nouvel avenant."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Un avenant enregistré ne se supprime pas."))


class Beneficiary(EstablishmentOwned):
    """An establishment the agreement serves. Frozen at notification: later changes go through an amendment."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="beneficiaries", verbose_name=_("accord-cadre")
    )
    firm_period_only = models.BooleanField(_("engagé sur la période ferme seulement"), default=False)
    added_by = models.ForeignKey(
        Amendment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="added_beneficiaries",
        verbose_name=_("ajouté par l'avenant"),
    )
    removed_by = models.ForeignKey(
        Amendment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="removed_beneficiaries",
        verbose_name=_("retiré par l'avenant"),
    )
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["establishment__name"]
        constraints = [models.UniqueConstraint(fields=["agreement", "establishment"], name="beneficiary_unique")]

    def __str__(self) -> str:
        return f"{self.agreement.reference} – {self.establishment_id}"

    @property
    def is_current(self) -> bool:
        return self.removed_by_id is None


class LotFamily(models.TextChoices):
    AUDIT = "audit", _("Audits")
    EXERCISE = "exercise", _("Exercices de crise")


class ServiceKind(models.TextChoices):
    PENTEST = "pentest", _("Test d'intrusion")
    INFRASTRUCTURE = "infrastructure", _("Audit d'architecture et d'infrastructure")
    CODE = "code", _("Audit de code")
    RISK = "risk", _("Analyse de risques")
    VULN_SCAN = "vuln_scan", _("Scan de vulnérabilités")
    ORGANISATIONAL = "organisational", _("Audit organisationnel")
    COMPLIANCE = "compliance", _("Conformité (guide d'hygiène ANSSI, instruction 309, ISO 27001/27002, NIS, HDS)")
    KIT_BEGINNER = "kit_beginner", _("Exercice avec le kit ANS – débutant")
    KIT_INTERMEDIATE = "kit_intermediate", _("Exercice avec le kit ANS – intermédiaire")
    KIT_CONFIRMED = "kit_confirmed", _("Exercice avec le kit ANS – confirmé")
    FACILITATOR_TRAINING = "facilitator_training", _("Formation d'animateurs")
    CUSTOM_EXERCISE = "custom_exercise", _("Exercice sur mesure")


class Lot(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="lots", verbose_name=_("accord-cadre")
    )
    number = models.PositiveSmallIntegerField(_("numéro de lot"))
    title = models.CharField(_("intitulé"), max_length=200)
    family = models.CharField(_("famille"), max_length=10, choices=LotFamily.choices)
    services = models.JSONField(_("prestations"), default=list, blank=True, help_text=_("Codes des prestations."))
    min_amount = models.DecimalField(
        _("montant minimum (€ HT)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_amount = models.DecimalField(
        _("montant maximum (€ HT)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    requires_passi = models.BooleanField(_("qualification PASSI exigée"), default=False)
    need_key = models.SlugField(
        _("clé de besoin"),
        max_length=40,
        blank=True,
        help_text=_("Les réponses de campagne qui portent cette clé alimentent le besoin du lot."),
    )
    # The "%" is a literal percent, not a format directive (for xgettext).
    # xgettext:no-python-format
    alert_80_sent_at = models.DateTimeField(_("alerte 80 % envoyée le"), null=True, blank=True)
    # xgettext:no-python-format
    alert_100_sent_at = models.DateTimeField(_("alerte 100 % envoyée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="lot_number_unique"),
            models.CheckConstraint(condition=Q(max_amount__gt=0), name="lot_max_positive"),
            models.CheckConstraint(condition=Q(min_amount__lte=F("max_amount")), name="lot_min_below_max"),
        ]

    def __str__(self) -> str:
        return _("Lot %(number)s – %(title)s") % {"number": self.number, "title": self.title}

    def clean(self) -> None:
        if self.max_amount is not None and self.min_amount is not None and self.min_amount > self.max_amount:
            raise ValidationError({"min_amount": _("Le minimum dépasse le maximum du lot.")})
        unknown = [s for s in self.services or [] if s not in ServiceKind.values]
        if unknown:
            raise ValidationError({"services": _("Prestation inconnue : %(codes)s.") % {"codes": ", ".join(unknown)}})

    @property
    def service_labels(self) -> list[str]:
        labels = dict(ServiceKind.choices)
        return [str(labels[s]) for s in self.services or [] if s in labels]


class Provider(models.Model):
    """A company that may be awarded lots (titulaire), recorded once per region."""

    region = models.ForeignKey(
        "establishments.Region", on_delete=models.PROTECT, related_name="providers", verbose_name=_("région")
    )
    name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("prestataire")
        verbose_name_plural = _("prestataires")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "siret"], name="provider_siret_unique")]

    def __str__(self) -> str:
        return self.name


class Awardee(models.Model):
    """A provider holding a lot, with its rank and (where required) its PASSI qualification."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="awardees", verbose_name=_("lot"))
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="awards", verbose_name=_("prestataire")
    )
    rank = models.PositiveSmallIntegerField(_("rang"), default=1, validators=[MinValueValidator(1)])
    passi_qualified = models.BooleanField(_("qualifié PASSI"), default=False)
    passi_expires_on = models.DateField(_("fin de validité PASSI"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("titulaire")
        verbose_name_plural = _("titulaires")
        ordering = ["lot", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "provider"], name="awardee_unique"),
            models.UniqueConstraint(fields=["lot", "rank"], name="awardee_rank_unique"),
            models.CheckConstraint(
                condition=Q(passi_qualified=False) | Q(passi_expires_on__isnull=False),
                name="awardee_passi_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} ({_('rang')} {self.rank})"

    def clean(self) -> None:
        if self.passi_qualified and not self.passi_expires_on:
            raise ValidationError({"passi_expires_on": _("Indiquez la fin de validité de la qualification PASSI.")})

    def passi_valid_on(self, on: datetime.date) -> bool:
        return self.passi_qualified and self.passi_expires_on is not None and self.passi_expires_on >= on


class PriceItem(models.Model):
    """One line of an awardee's price list (bordereau de prix)."""

    awardee = models.ForeignKey(Awardee, on_delete=models.CASCADE, related_name="prices", verbose_name=_("titulaire"))
    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("libellé"), max_length=255)
    unit = models.CharField(_("unité"), max_length=40, default="jour")
    unit_price = models.DecimalField(
        _("prix unitaire HT (€)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    vat_rate = models.DecimalField(
        _("taux de TVA (%)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("article du bordereau de prix")
        verbose_name_plural = _("bordereau de prix")
        ordering = ["awardee", "code"]
        constraints = [
            models.UniqueConstraint(fields=["awardee", "code"], name="price_item_code_unique"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="price_item_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.label} ({self.unit_price} € HT / {self.unit})"


# ---- purchase orders ----------------------------------------------------------------------------------------------


class OrderState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    ISSUED = "issued", _("Émis")
    ACKNOWLEDGED = "acknowledged", _("Accusé de réception du titulaire")
    SCHEDULED = "scheduled", _("Planifié")
    DELIVERED = "delivered", _("Service fait")
    INVOICED = "invoiced", _("Facturé")
    PAID = "paid", _("Payé")
    CANCELLED = "cancelled", _("Annulé")


class PurchaseOrder(EstablishmentOwned):
    """Bon de commande of a beneficiary against a lot and one of its awardees. Amounts frozen from its lines."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="orders", verbose_name=_("accord-cadre")
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="orders", verbose_name=_("lot"))
    awardee = models.ForeignKey(Awardee, on_delete=models.PROTECT, related_name="orders", verbose_name=_("titulaire"))
    number = models.PositiveIntegerField(_("numéro"))
    state = models.CharField(_("état"), max_length=12, choices=OrderState.choices, default=OrderState.DRAFT)
    issued_on = models.DateField(_("date d'émission"), null=True, blank=True)
    allocation_rule = models.CharField(
        _("règle d'attribution"), max_length=10, choices=AllocationRule.choices, blank=True
    )
    choice_reason = models.CharField(_("motif du choix du titulaire"), max_length=400, blank=True)
    requested_start = models.DateField(_("début souhaité"))
    requested_end = models.DateField(_("fin souhaitée"))
    deliverables = models.TextField(_("livrables attendus"), blank=True)
    legal_commitment = models.CharField(
        _("n° d'engagement juridique"),
        max_length=40,
        blank=True,
        help_text=_("À reporter sur la facture (Chorus Pro)."),
    )
    scheduled_on = models.DateField(_("date planifiée"), null=True, blank=True)
    delivered_on = models.DateField(_("service fait le"), null=True, blank=True)
    delivered_by = models.CharField(_("service fait constaté par"), max_length=150, blank=True)
    invoice_number = models.CharField(_("n° de facture"), max_length=60, blank=True)
    invoiced_on = models.DateField(_("facturé le"), null=True, blank=True)
    paid_on = models.DateField(_("payé le"), null=True, blank=True)
    delay_note = models.TextField(_("remarques sur les délais"), blank=True)
    quality_note = models.TextField(_("remarques sur la qualité"), blank=True)
    total_excl_vat = models.DecimalField(_("total HT (€)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    total_incl_vat = models.DecimalField(_("total TTC (€)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    version = models.PositiveIntegerField(_("version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bon de commande")
        verbose_name_plural = _("bons de commande")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="order_number_unique"),
            models.CheckConstraint(condition=Q(state__in=OrderState.values), name="order_state_valid"),
            models.CheckConstraint(condition=Q(requested_end__gte=F("requested_start")), name="order_dates_in_order"),
        ]
        indexes = [models.Index(fields=["lot", "state"]), models.Index(fields=["establishment", "-created_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"BC-{self.agreement.reference}-{self.number:04d}" if self.agreement_id else f"BC-{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("offers:order", kwargs={"pk": self.pk})

    def days_late(self, on: datetime.date | None = None) -> int:
        """Days past the requested end: until the service is done, or at the date it was done."""
        if self.state == OrderState.CANCELLED or self.state == OrderState.DRAFT:
            return 0
        reference = self.delivered_on or on or timezone.localdate()
        return max(0, (reference - self.requested_end).days)

    def penalty(self, on: datetime.date | None = None) -> Decimal:
        return money(self.agreement.late_penalty_per_day * self.days_late(on))


class OrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("bon"))
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("article")
    )
    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("libellé"), max_length=255)
    unit = models.CharField(_("unité"), max_length=40)
    quantity = models.PositiveIntegerField(_("quantité"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("prix unitaire HT (€)"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=2)
    amount_excl_vat = models.DecimalField(_("montant HT (€)"), max_digits=12, decimal_places=2)
    amount_incl_vat = models.DecimalField(_("montant TTC (€)"), max_digits=12, decimal_places=2)

    objects = TenantQuerySet.as_manager()
    tenant_field = "order__establishment"

    class Meta:
        verbose_name = _("ligne du bon de commande")
        verbose_name_plural = _("lignes du bon de commande")
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.label}"


class PurchaseOrderLog(TransitionLog):
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("bon de commande")
    )
    tenant_field = "order__establishment"
    objects = TenantQuerySet.as_manager()

    class Meta(TransitionLog.Meta):
        verbose_name = _("historique du bon de commande")
        verbose_name_plural = _("historiques des bons de commande")
