"""The CRRC officer's back office: regions, FINESS directory, organisations, memberships, requests, staff.

Every admin of tenant data uses ``crrc.admin.RegionScopedAdminMixin``: a CRRC staff member sees and edits their
region only, superusers everything. Decisions go through the services (``establishments.services`` for access
requests, ``establishments.staffing`` for staff and memberships): the admin never re-implements a business rule.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from crrc.admin import RegionScopedAdminMixin, admin_regions

from . import services, staffing
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
)
from .resources import EstablishmentResource, FinessCSV
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


@admin.register(Organisation)
class OrganisationAdmin(RegionScopedAdminMixin, ExportMixin, SimpleHistoryAdmin):
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


@admin.register(Establishment)
class EstablishmentAdmin(RegionScopedAdminMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [EstablishmentResource]
    import_formats = [FinessCSV, base_formats.XLSX, base_formats.ODS]
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

    def get_import_resource_kwargs(self, request, **kwargs):
        regions = admin_regions(request)
        allowed = None if regions is None else set(regions.values_list("pk", flat=True))
        return {**super().get_import_resource_kwargs(request, **kwargs), "allowed_region_ids": allowed}


@admin.register(Membership)
class MembershipAdmin(RegionScopedAdminMixin, UserEmailMixin, NoDeleteMixin, ExportMixin, SimpleHistoryAdmin):
    region_lookup = ("establishment__region", "organisation__region", "organisation__establishments__region")
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
    readonly_fields = ["is_active", "deactivated_at", "deactivated_by", "created_at"]
    actions = ["deactivate"]

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
    list_display = ["user", "user_email", "establishment", "role", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status", "role"]
    list_select_related = ["user", "establishment", "decided_by"]
    search_fields = ["user__email", "=establishment__finess", "establishment__name"]
    actions = ["approve", "refuse"]

    def has_add_permission(self, request) -> bool:
        return False  # a claim is made by the claimant, in the portal

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

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
