"""The CRRC officer's back office: regions, FINESS directory, organisations, memberships, requests, staff.

Every admin of tenant data uses ``crrc.admin.RegionScopedAdminMixin``: a CRRC staff member sees and edits their
region only, superusers everything. Decisions go through the services (``establishments.services`` for access
requests, ``establishments.staffing`` for staff and memberships): the admin never re-implements a business rule.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.forms import ImportForm
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin, admin_regions
from crrc.importing import read_failure_message

from . import services, staffing
from .finess import FinessFormatError
from .models import (
    AccessRequest,
    Department,
    Establishment,
    EstablishmentCategory,
    Invitation,
    Membership,
    Organisation,
    Region,
    StaffAssignment,
    VerifiedDomain,
)
from .resources import (
    ADMIN_IMPORT_MAX_BYTES,
    ADMIN_IMPORT_MAX_ROWS,
    EstablishmentResource,
    FinessCSV,
    FinessODS,
    FinessXLSX,
    too_large_message,
)
from .validators import normalise_finess


class UserEmailMixin:
    """People are recognised by their e-mail in the back office (names are optional at sign-up)."""

    @admin.display(description=_("e-mail"), ordering="user__email")
    def user_email(self, obj) -> str:
        return obj.user.email


class NoDeleteMixin:
    """Rows that are deactivated, ended or refused, never deleted: the history of who did what must survive."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(RegionScopedAdminMixin, ExportMixin, SimpleHistoryAdmin):
    region_lookup = "pk"
    list_display = ["code", "name", "crrc_name", "grades_name", "hostname", "contact_email"]
    search_fields = ["code", "name", "crrc_name", "grades_name"]
    fieldsets = (
        (_("Région"), {"fields": ("code", "name", "ars_name", "grades_name")}),
        (_("CRRC"), {"fields": ("crrc_name", "contact_email", "hostname")}),
        (_("Charte graphique"), {"fields": ("logo", "primary_colour", "secondary_colour")}),
        (
            _("Pied de page : contact, mentions légales, accessibilité, données personnelles"),
            {
                "fields": (
                    ("contact_phone", "postal_address"),
                    "legal_notice",
                    ("accessibility_status", "accessibility_contact"),
                    "accessibility_statement",
                    "dpo_contact",
                    "privacy_notice",
                ),
                "description": _(
                    "Ces textes s'affichent sur les pages publiques du pied de page. Un champ vide affiche le texte "
                    "par défaut du portail, rédigé à partir du nom du GRADeS, de l'ARS et du contact du CRRC."
                ),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # The INSEE code and name come from load_geo; CRRC staff edit their branding and contact only.
        return () if request.user.is_superuser else ("code", "name", "ars_name")


@admin.register(Department)
class DepartmentAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = [("region", RelatedOnlyFieldListFilter)]
    list_select_related = ["region"]
    search_fields = ["code", "name"]


@admin.register(EstablishmentCategory)
class EstablishmentCategoryAdmin(admin.ModelAdmin):
    """The FINESS nomenclature is national: no region scope."""

    list_display = ["code", "label", "aggregate_code", "aggregate_label", "sector"]
    list_filter = ["sector"]
    search_fields = ["code", "label", "aggregate_code", "aggregate_label"]


def organisation_outside_regions(organisation: Organisation, request) -> list[str]:
    """Names of the regions, outside the officer's, where the organisation holds establishments (or is filed)."""
    regions = admin_regions(request)
    if regions is None or organisation.pk is None:
        return []
    allowed = set(regions.values_list("pk", flat=True))
    held = set(organisation.establishments.values_list("region_id", flat=True))
    if organisation.region_id:
        held.add(organisation.region_id)
    return list(Region.objects.filter(pk__in=held - allowed).order_by("name").values_list("name", flat=True))


def organisations_actable(queryset: QuerySet, request) -> QuerySet:
    """Organisations whose establishments (and own region) are all in the officer's regions."""
    regions = admin_regions(request)
    if regions is None:
        return queryset
    outside = Establishment.objects.exclude(region__in=regions).values("organisation_id")
    return queryset.exclude(pk__in=outside).exclude(
        region__isnull=False, region__in=Region.objects.exclude(pk__in=regions)
    )


@admin.register(Organisation)
class OrganisationAdmin(RegionScopedAdminMixin, ExportMixin, SimpleHistoryAdmin):
    """An organisation may span regions: an officer edits one only when all its establishments are in their regions.

    Otherwise the page is read-only and says why; an organisation's region is never an officer's edit once created
    (it decided which CRRC handles it).
    """

    region_lookup = ("region", "establishments__region")
    list_display = ["name", "finess", "siren", "region", "establishment_count"]
    list_filter = [("region", RelatedOnlyFieldListFilter)]
    list_select_related = ["region"]
    search_fields = ["=finess", "=siren", "name"]
    search_help_text = _("Numéro FINESS juridique, SIREN ou raison sociale.")
    show_full_result_count = False

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).annotate(establishment_total=Count("establishments"))

    @admin.display(description=_("établissements"), ordering="establishment_total")
    def establishment_count(self, obj) -> int:
        return obj.establishment_total

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or not organisation_outside_regions(obj, request)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and not request.user.is_superuser:
            return (*readonly, "region")
        return readonly

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        outside = organisation_outside_regions(obj, request) if obj is not None else []
        if outside and request.method == "GET":
            messages.info(
                request,
                gettext(
                    "Lecture seule : cet organisme gestionnaire a aussi des établissements en %(regions)s. Seul un "
                    "administrateur national peut le modifier ; ses rattachements se limitent aux régions accordées."
                )
                % {"regions": ", ".join(outside)},
            )
        return super().change_view(request, object_id, form_url, extra_context)


class FinessImportForm(ImportForm):
    """The file is bounded before it is even read (the admin import is for a department, not the country)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = _(
            "CSV FINESS (extraction ou fichier etalab), XLSX ou ODS : %(mb)d Mo et %(rows)s lignes au plus. Les "
            "extractions régionales ou nationales s'importent avec la commande « manage.py import_finess »."
        ) % {"mb": ADMIN_IMPORT_MAX_BYTES // 2**20, "rows": f"{ADMIN_IMPORT_MAX_ROWS:,}".replace(",", " ")}

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > ADMIN_IMPORT_MAX_BYTES:
            raise ValidationError(too_large_message())
        return upload


@admin.register(Establishment)
class EstablishmentAdmin(RegionScopedAdminMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [EstablishmentResource]
    import_formats = [FinessCSV, FinessXLSX, FinessODS]
    import_form_class = FinessImportForm
    list_display = ["finess", "name", "category", "sector", "department", "city", "is_ose"]
    list_filter = [
        ("region", RelatedOnlyFieldListFilter),
        ("department", RelatedOnlyFieldListFilter),
        "sector",
        ("category", RelatedOnlyFieldListFilter),
        "is_ose",
    ]
    list_select_related = ["category", "department"]
    search_fields = ["=finess", "name", "city"]
    search_help_text = _("Numéro FINESS (9 caractères), raison sociale ou commune.")
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_at", "updated_at"]
    historical_date_fields = ("opened_on", "finess_updated_on")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("finess", "name", "category", "sector", "is_ose")}),
        (_("Localisation"), {"fields": ("region", "department", "address", "postal_code", "city", "phone")}),
        (_("Entité juridique"), {"fields": ("organisation", "siret", "legal_status")}),
        (_("FINESS"), {"fields": ("opened_on", "finess_updated_on", "created_at", "updated_at")}),
    )

    def get_search_results(self, request, queryset, search_term):
        # A FINESS typed with spaces or dots ("34 078 0477") is still found.
        number = normalise_finess(search_term)
        if len(number) == 9 and number[2:].isdigit():
            return queryset.filter(finess=number), False
        return super().get_search_results(request, queryset, search_term)

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        """French, and what to do (``crrc.importing``); a malformed FINESS file says what is wrong with it."""
        form.add_error("import_file", str(e) if isinstance(e, FinessFormatError) else read_failure_message(e))

    def get_import_resource_kwargs(self, request, **kwargs):
        regions = admin_regions(request)
        allowed = None if regions is None else set(regions.values_list("pk", flat=True))
        return {**super().get_import_resource_kwargs(request, **kwargs), "allowed_region_ids": allowed}


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "establishment", "organisation", "role", "regions"]

    def clean(self):
        cleaned = super().clean()
        organisation, regions = cleaned.get("organisation"), cleaned.get("regions")
        if organisation is not None and not regions:
            self.add_error(
                "regions",
                ValidationError(
                    _("Choisissez les régions où ce rattachement donne accès aux établissements de l'organisme.")
                ),
            )
        if cleaned.get("establishment") is not None and regions:
            self.add_error("regions", ValidationError(_("Un rattachement à un établissement ne prend pas de régions.")))
        return cleaned


@admin.register(Membership)
class MembershipAdmin(RegionScopedAdminMixin, UserEmailMixin, NoDeleteMixin, ExportMixin, SimpleHistoryAdmin):
    form = MembershipAdminForm
    region_lookup = ("establishment__region", "regions", "organisation__region")
    list_display = [
        "user",
        "user_email",
        "establishment",
        "organisation",
        "role",
        "is_active",
        "created_at",
        "deactivated_at",
    ]
    list_filter = ["role", "is_active"]
    list_select_related = ["user", "establishment", "organisation"]
    search_fields = ["user__email", "user__last_name", "=establishment__finess", "establishment__name"]
    search_help_text = _("E-mail ou nom de la personne, FINESS ou raison sociale de l'établissement.")
    autocomplete_fields = ["user", "establishment", "organisation"]
    filter_horizontal = ()
    readonly_fields = ["is_active", "deactivated_at", "deactivated_by", "created_at"]
    actions = ["deactivate"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organisation" and formfield is not None:
            formfield.queryset = organisations_actable(formfield.queryset, request)
        return formfield

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.organisation_id is None:
            return True
        # Regions granted outside the officer's, or an organisation spanning regions: a national administrator's.
        regions = admin_regions(request)
        if regions is None:
            return True
        granted_outside = obj.regions.exclude(pk__in=regions).exists()
        return not granted_outside and not organisation_outside_regions(obj.organisation, request)

    @admin.action(description=_("Désactiver les rattachements sélectionnés"), permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        count = sum(staffing.deactivate_membership_as_staff(membership, request.user) for membership in queryset)
        self.message_user(
            request,
            ngettext("%(count)d rattachement désactivé.", "%(count)d rattachements désactivés.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (communiqué au demandeur)"), widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(AccessRequest)
class AccessRequestAdmin(RegionScopedAdminMixin, UserEmailMixin, NoDeleteMixin, admin.ModelAdmin):
    region_lookup = "establishment__region"
    list_display = [
        "user",
        "user_email",
        "establishment",
        "role",
        "function",
        "without_director",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    list_filter = ["status", "without_director", "role"]
    list_select_related = ["user", "establishment", "decided_by"]
    search_fields = ["user__email", "=establishment__finess", "establishment__name"]
    actions = ["approve", "refuse"]
    fieldsets = (
        (_("Demandeur"), {"fields": ("user", "user_email", "claimant_addresses", "function", "role", "message")}),
        (_("Fiche FINESS de l'établissement"), {"fields": ("establishment", "finess_record", "without_director")}),
        (_("Décision"), {"fields": ("status", "created_at", "decided_at", "decided_by", "decision_reason")}),
    )

    def has_add_permission(self, request) -> bool:
        return False  # a claim is made by the claimant, in the portal

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + ["user_email", "claimant_addresses", "finess_record"]

    @admin.display(description=_("adresses vérifiées du demandeur"))
    def claimant_addresses(self, obj) -> str:
        return ", ".join(sorted(services.user_emails(obj.user))) or gettext("aucune adresse vérifiée")

    @admin.display(description=_("fiche FINESS"))
    def finess_record(self, obj):
        establishment = obj.establishment
        return format_html(
            "{} – {}<br>{} {} {}<br>{}<br>{}",
            establishment.finess,
            establishment.name,
            establishment.address,
            establishment.postal_code,
            establishment.city,
            establishment.category or "",
            establishment.organisation or gettext("sans organisme gestionnaire"),
        )

    def _decide(self, request, queryset, decide) -> None:
        done = 0
        for access_request in queryset.select_related("user", "establishment"):
            try:
                decide(access_request)
                done += 1
            except services.OnboardingError as exc:
                self.message_user(request, f"{access_request} : {exc.message}", messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d demande traitée.", "%(count)d demandes traitées.", done) % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Accepter les demandes sélectionnées"), permissions=["change"])
    def approve(self, request, queryset) -> None:
        base_url = request.build_absolute_uri("/")
        self._decide(request, queryset, lambda ar: services.approve_access_request(ar, request.user, base_url))

    @admin.action(description=_("Refuser les demandes sélectionnées…"), permissions=["change"])
    def refuse(self, request, queryset):
        form = RefuseForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            base_url = request.build_absolute_uri("/")
            self._decide(
                request, queryset, lambda ar: services.refuse_access_request(ar, request.user, reason, base_url)
            )
            return None
        return TemplateResponse(
            request,
            "admin/establishments/accessrequest/refuse.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refuser des demandes de rattachement"),
                "opts": self.model._meta,
                "form": form,
                "queryset": queryset,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )


class VerifiedDomainForm(forms.ModelForm):
    class Meta:
        model = VerifiedDomain
        fields = ["domain", "region", "establishment", "organisation", "note"]

    def clean(self):
        cleaned = super().clean()
        region, establishment, organisation = (
            cleaned.get("region"),
            cleaned.get("establishment"),
            cleaned.get("organisation"),
        )
        if bool(establishment) == bool(organisation):
            raise ValidationError(_("Choisissez un établissement ou un organisme gestionnaire (l'un des deux)."))
        if region and establishment and establishment.region_id != region.pk:
            self.add_error("establishment", ValidationError(_("Cet établissement n'est pas dans la région choisie.")))
        if region and organisation and not organisation.establishments.filter(region=region).exists():
            self.add_error(
                "organisation", ValidationError(_("Cet organisme n'a aucun établissement dans la région choisie."))
            )
        return cleaned


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    """E-mail domains the CRRC has checked: their owners take the seat of an establishment without director at once."""

    form = VerifiedDomainForm
    list_display = ["domain", "establishment", "organisation", "region", "created_by", "created_at"]
    list_filter = [("region", RelatedOnlyFieldListFilter)]
    list_select_related = ["establishment", "organisation", "region", "created_by"]
    search_fields = ["domain", "=establishment__finess", "establishment__name", "organisation__name"]
    autocomplete_fields = ["establishment", "organisation"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(RegionScopedAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    """Invitations are sent by directors from the portal (with their e-mail); the admin shows them."""

    region_lookup = "establishment__region"
    list_display = ["email", "establishment", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    list_select_related = ["establishment"]
    search_fields = ["email", "=establishment__finess", "establishment__name"]
    exclude = ["token"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "token"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(RegionScopedAdminMixin, UserEmailMixin, NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["user", "user_email", "region", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active", ("region", RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "region"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]
    actions = ["end_assignments"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        staffing.sync_staff_access(obj.user)  # joins or leaves the "Équipe CRRC" group

    @admin.action(description=_("Mettre fin aux affectations sélectionnées"), permissions=["change"])
    def end_assignments(self, request, queryset) -> None:
        for assignment in queryset.select_related("user"):
            staffing.end_staff_assignment(assignment)
        self.message_user(request, _("Affectations terminées."), messages.SUCCESS)
