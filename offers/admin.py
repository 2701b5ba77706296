"""Admin for CRRC staff, scoped to their regions: the catalogue, the campaigns and their questions (data, not code),
the answers (read-only), subscriptions and purchase orders (states through the workflow kit's actions), the
framework agreements with their lots, awardees, price lists, beneficiaries and amendments (append-only).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin
from crrc.workflow_admin import WorkflowAdminMixin

from . import services
from .models import (
    Agreement,
    Amendment,
    Answer,
    Awardee,
    Beneficiary,
    Campaign,
    Lot,
    Offer,
    OfferDocument,
    OrderLine,
    PriceItem,
    Provider,
    PurchaseOrder,
    Question,
    Response,
    Subscription,
)
from .workflows import ORDER_WORKFLOW, SUBSCRIPTION_WORKFLOW


class OfferDocumentInline(admin.TabularInline):
    model = OfferDocument
    extra = 0
    fields = ["order", "label", "file"]


@admin.register(Offer)
class OfferAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "audience", "funding", "status", "capacity", "places_left", "region"]
    list_filter = ["status", "kind", "audience", "funding", "region"]
    search_fields = ["title", "summary", "contact_name"]
    inlines = [OfferDocumentInline]
    readonly_fields = ["places_left"]
    fieldsets = [
        (None, {"fields": ["region", "kind", "title", "summary", "description", "status", "order"]}),
        (
            _("Public et financement"),
            {"fields": ["audience", "ose_only", "funding", "remaining_cost", "capacity", "places_left"]},
        ),
        (_("Contact"), {"fields": ["contact_name", "contact_email"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_places()

    @admin.display(description=_("places restantes"), ordering="places_taken")
    def places_left(self, obj) -> str:
        if obj is None or obj.pk is None or obj.capacity is None:
            return "—"
        return str(obj.places_left)


class QuestionInline(RegionScopedAdminMixin, admin.StackedInline):
    region_lookup = "campaign__region"
    model = Question
    extra = 0
    fk_name = "campaign"
    fields = [
        ("order", "offer", "code", "kind", "is_mandatory"),
        "label",
        "help_text",
        ("choices", "max_contacts"),
        ("depends_on", "shown_for"),
        ("joins_offer_when", "joins_from_date"),
        ("need_key", "need_measure"),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        campaign_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if db_field.name == "depends_on" and field is not None:
            field.queryset = (
                Question.objects.filter(campaign_id=campaign_id) if campaign_id else Question.objects.none()
            )
        return field


@admin.register(Campaign)
class CampaignAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "region", "opens_at", "closes_at", "last_reminder_at"]
    list_filter = ["region"]
    search_fields = ["title"]
    filter_horizontal = ["offers"]
    inlines = [QuestionInline]
    readonly_fields = ["last_reminder_at"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ["question", "value", "updated_by", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "establishment__region"
    list_display = ["establishment", "campaign", "submitted_at", "updated_at"]
    list_filter = ["campaign", ("submitted_at", admin.EmptyFieldListFilter), "establishment__sector"]
    search_fields = ["establishment__name", "establishment__finess"]
    list_select_related = ["establishment", "campaign"]
    inlines = [AnswerInline]
    readonly_fields = ["campaign", "establishment", "submitted_at", "submitted_by", "created_by"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False


class SubscriptionResource(resources.ModelResource):
    class Meta:
        model = Subscription
        fields = ["id", "establishment__finess", "establishment__name", "offer__title", "state", "requested_on",
                  "starts_on", "activated_on", "withdrawn_on"]  # fmt: skip
        export_order = fields


@admin.register(Subscription)
class SubscriptionAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    workflow = SUBSCRIPTION_WORKFLOW
    region_lookup = "establishment__region"
    resource_classes = [SubscriptionResource]
    list_display = ["establishment", "offer", "state", "requested_on", "starts_on"]
    list_filter = ["state", "offer__kind", "offer"]
    search_fields = ["establishment__name", "establishment__finess", "offer__title"]
    list_select_related = ["establishment", "offer"]
    readonly_fields = ["establishment", "offer", "response", "requested_on", "activated_on", "withdrawn_on", "version"]
    fields = ["establishment", "offer", "state", "contacts", "starts_on", "details", "response", "requested_on",
              "activated_on", "withdrawn_on", "version"]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_import_permission(self, request):
        return False

    def workflow_apply(self, request, obj, transition, reason):
        """Through the service: the step's dates, and the offer's capacity re-counted under its row lock."""
        return services.apply_subscription(obj, transition.name, request.user, reason=reason)


class LotInline(admin.StackedInline):
    model = Lot
    extra = 0
    fields = [("number", "family", "requires_passi"), "title", "services", ("min_amount", "max_amount"), "need_key"]


class BeneficiaryInline(RegionScopedAdminMixin, admin.TabularInline):
    region_lookup = "agreement__region"
    model = Beneficiary
    extra = 0
    fk_name = "agreement"
    fields = ["establishment", "firm_period_only", "added_by", "removed_by"]
    readonly_fields = ["added_by", "removed_by"]
    raw_id_fields = ["establishment"]

    def _frozen(self, obj) -> bool:
        return bool(obj and obj.notified_on)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class AmendmentInline(admin.TabularInline):
    """Append-only: shown, never edited; new amendments are passed from the portal's agreement page."""

    model = Amendment
    extra = 0
    can_delete = False
    fields = ["number", "signed_on", "reason", "changes", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["reference", "title", "region", "notified_on", "current_end_display", "purchasing_centre"]
    list_filter = ["region", "procedure", "purchasing_centre", ("notified_on", admin.EmptyFieldListFilter)]
    search_fields = ["reference", "title", "buyer"]
    inlines = [LotInline, BeneficiaryInline, AmendmentInline]
    readonly_fields = ["notified_on", "current_end_display", "end_alert_sent_on"]
    actions = ["beneficiaries_from_campaign", "notify_today"]
    fieldsets = [
        (None, {"fields": ["region", "reference", "title", "buyer", "procedure", "campaign"]}),
        (_("Durée"), {"fields": [
            "notified_on", ("firm_months", "renewal_count", "renewal_months"), "renewals_exercised",
            "current_end_display", ("end_alert_days", "end_alert_sent_on"),
        ]}),
        (_("Exécution"), {"fields": ["allocation_rule", "late_penalty_per_day"]}),
        (_("Centrale d'achat"), {"fields": ["purchasing_centre", "centre_contract_number", "centre_lot_number"]}),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.notified_on:
            fields += ["region"]
        return fields

    @admin.display(description=_("fin actuelle"))
    def current_end_display(self, obj):
        return obj.current_end.strftime("%d/%m/%Y") if obj and obj.current_end else "—"

    @admin.action(description=_("Notifier l'accord-cadre (aujourd'hui) : les bénéficiaires sont alors figés"))
    def notify_today(self, request, queryset):
        from django.utils import timezone

        for agreement in queryset:
            try:
                services.notify_agreement(agreement, timezone.localdate(), request.user)
                self.message_user(request, _("%(ref)s notifié.") % {"ref": agreement.reference})
            except ValidationError as error:
                self.message_user(request, f"{agreement.reference} : {' '.join(error.messages)}", messages.ERROR)

    @admin.action(description=_("Ajouter comme bénéficiaires les établissements positionnés (avant notification)"))
    def beneficiaries_from_campaign(self, request, queryset):
        for agreement in queryset:
            try:
                count = services.beneficiaries_from_campaign(agreement, request.user)
                self.message_user(
                    request, _("%(ref)s : %(n)s bénéficiaire(s) ajouté(s).") % {"ref": agreement.reference, "n": count}
                )
            except ValidationError as error:
                self.message_user(request, f"{agreement.reference} : {' '.join(error.messages)}", messages.ERROR)


@admin.register(Amendment)
class AmendmentAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = "agreement__region"
    list_display = ["agreement", "number", "signed_on", "reason"]
    list_filter = ["agreement"]
    search_fields = ["agreement__reference", "reason", "changes"]
    readonly_fields = ["agreement", "number", "signed_on", "reason", "changes", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # passed from the agreement's page, with its beneficiary changes, through services.amend

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Beneficiary)
class BeneficiaryAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "agreement__region"
    list_display = ["establishment", "agreement", "firm_period_only", "added_by", "removed_by"]
    list_filter = ["agreement", "firm_period_only", ("removed_by", admin.EmptyFieldListFilter)]
    search_fields = ["establishment__name", "establishment__finess"]
    list_select_related = ["establishment", "agreement", "added_by", "removed_by"]
    readonly_fields = ["added_by", "removed_by"]
    raw_id_fields = ["establishment"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.agreement.notified_on:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.agreement.notified_on:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if obj.agreement.notified_on:
            raise ValidationError(_("Les bénéficiaires sont figés depuis la notification : passez un avenant."))
        super().save_model(request, obj, form, change)


class ProviderResource(resources.ModelResource):
    class Meta:
        model = Provider
        fields = ["id", "region", "name", "siret", "contact_name", "contact_email", "contact_phone"]


@admin.register(Provider)
class ProviderAdmin(RegionScopedAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ProviderResource]
    list_display = ["name", "siret", "contact_name", "contact_email", "region"]
    list_filter = ["region"]
    search_fields = ["name", "siret"]


class PriceItemInline(RegionScopedAdminMixin, admin.TabularInline):
    region_lookup = "awardee__lot__agreement__region"
    model = PriceItem
    extra = 0
    fields = ["code", "label", "unit", "unit_price", "vat_rate"]


@admin.register(Awardee)
class AwardeeAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "lot__agreement__region"
    list_display = ["provider", "lot", "rank", "passi_qualified", "passi_expires_on"]
    list_filter = ["lot__agreement", "passi_qualified"]
    search_fields = ["provider__name", "provider__siret"]
    list_select_related = ["provider", "lot__agreement"]
    inlines = [PriceItemInline]


@admin.register(Lot)
class LotAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    region_lookup = "agreement__region"
    list_display = ["__str__", "agreement", "family", "min_amount", "max_amount", "requires_passi"]
    list_filter = ["agreement", "family", "requires_passi"]
    search_fields = ["title", "agreement__reference"]


class PriceItemResource(resources.ModelResource):
    class Meta:
        model = PriceItem
        fields = ["id", "awardee", "code", "label", "unit", "unit_price", "vat_rate"]


@admin.register(PriceItem)
class PriceItemAdmin(RegionScopedAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    region_lookup = "awardee__lot__agreement__region"
    resource_classes = [PriceItemResource]
    list_display = ["code", "label", "unit", "unit_price", "vat_rate", "awardee"]
    list_filter = ["awardee__lot__agreement", "awardee__lot"]
    search_fields = ["code", "label"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["code", "label", "unit", "quantity", "unit_price", "vat_rate", "amount_excl_vat", "amount_incl_vat"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PurchaseOrderResource(resources.ModelResource):
    class Meta:
        model = PurchaseOrder
        fields = ["id", "agreement__reference", "number", "establishment__finess", "establishment__name",
                  "lot__number", "awardee__provider__name", "state", "issued_on", "requested_start", "requested_end",
                  "legal_commitment", "total_excl_vat", "total_incl_vat", "delivered_on", "invoiced_on",
                  "paid_on"]  # fmt: skip
        export_order = fields


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(WorkflowAdminMixin, RegionScopedAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    workflow = ORDER_WORKFLOW
    region_lookup = "agreement__region"
    resource_classes = [PurchaseOrderResource]
    list_display = ["reference", "establishment", "lot", "awardee", "state", "total_excl_vat", "issued_on"]
    list_filter = ["state", "agreement", "lot__family"]
    search_fields = ["establishment__name", "establishment__finess", "legal_commitment", "invoice_number"]
    list_select_related = ["agreement", "establishment", "lot", "awardee__provider"]
    inlines = [OrderLineInline]
    readonly_fields = ["agreement", "lot", "awardee", "establishment", "number", "allocation_rule", "choice_reason",
                       "total_excl_vat", "total_incl_vat", "issued_on", "version", "created_by"]  # fmt: skip
    fields = readonly_fields[:7] + ["state", "requested_start", "requested_end", "deliverables", "legal_commitment",
                                    "scheduled_on", "delivered_on", "delivered_by", "invoice_number", "invoiced_on",
                                    "paid_on", "delay_note", "quality_note"] + readonly_fields[7:]  # fmt: skip

    def has_add_permission(self, request):
        return False  # placed from the portal through services.create_order (every refusal applies)

    def has_import_permission(self, request):
        return False
