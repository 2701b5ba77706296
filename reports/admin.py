"""Generated documents in the back office: what was asked, by whom, how it went; failed ones can be relaunched.

Rows are read-only (the pipeline writes them); CRRC staff see their region's only (``RegionScopedAdminMixin``).
The file is downloaded through ``reports:download``, which checks access like any other download.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crrc.admin import RegionScopedAdminMixin

from .models import Report
from .services import enqueue, retry_report


@admin.register(Report)
class ReportAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    region_lookup = ("establishment__region", "region")
    list_display = [
        "created_at",
        "kind_display",
        "establishment",
        "region",
        "status",
        "attempts",
        "requested_by",
        "enqueued_at",
        "finished_at",
        "download_link",
    ]
    list_filter = ["status", "kind", "establishment__region"]
    list_select_related = ["establishment", "region", "requested_by"]
    search_fields = ["=establishment__finess", "establishment__name", "requested_by__email"]
    search_help_text = _("FINESS ou raison sociale de l'établissement, e-mail du demandeur.")
    date_hierarchy = "created_at"
    readonly_fields = [
        "establishment",
        "region",
        "parameters",
        "kind",
        "subject_id",
        "status",
        "filename",
        "requested_by",
        "created_at",
        "enqueued_at",
        "started_at",
        "finished_at",
        "attempts",
        "error",
        "download_link",
    ]
    exclude = ["file"]
    actions = ["relaunch"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    @admin.display(description=_("type de document"), ordering="kind")
    def kind_display(self, obj: Report) -> str:
        return obj.kind_label

    @admin.display(description=_("fichier"))
    def download_link(self, obj: Report) -> str:
        if obj.status != Report.Status.DONE:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("reports:download", kwargs={"report_pk": obj.pk}), _("Télécharger")
        )

    @admin.action(description=_("Relancer la génération (échecs et demandes en attente)"), permissions=["change"])
    def relaunch(self, request, queryset) -> None:
        relaunched, kept = 0, 0
        for report in queryset.filter(status__in=[Report.Status.FAILED, Report.Status.PENDING]):
            if report.status == Report.Status.FAILED:
                retry_report(report)
            elif not enqueue(report):
                kept += 1
                continue
            relaunched += 1
        self.message_user(
            request,
            ngettext("%(count)d document relancé.", "%(count)d documents relancés.", relaunched)
            % {"count": relaunched},
            messages.SUCCESS,
        )
        if kept:
            self.message_user(
                request,
                _("Service de génération injoignable : %(count)d demande(s) conservée(s), relancée(s) automatiquement.")
                % {"count": kept},
                messages.WARNING,
            )
