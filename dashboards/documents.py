"""The dashboard as a PDF through the reports pipeline (Celery + WeasyPrint).

A regional report stores the filters it was asked with (``Report.parameters``) and is rebuilt in the worker from
them with the requester's regions of the moment: a reviewer who lost a region in between does not get its
figures. Every panel is printed with the same SVG chart as the page (``{% chart %}``) and its table.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.registry import Document, register

DASHBOARD_REPORT = "dashboard"


def build_dashboard(report) -> Document:
    from .exports import filters_summary
    from .scope import scope_from, scope_heading
    from .selectors import panels

    user = report.requested_by or AnonymousUser()
    scope, form = scope_from(user, report.parameters.get("filters", {}))
    heading = scope_heading(scope, form)
    return Document(
        template_name="dashboards/region_print.html",
        context={"panels": panels(scope), "heading": heading, "filters": filters_summary(form)},
        filename=f"tableau-de-bord-{timezone.localdate().isoformat()}.pdf",
        title=_("Tableau de bord régional"),
    )


register(DASHBOARD_REPORT, gettext_lazy("Tableau de bord régional"), build_dashboard, regional=True)

YEARLY_SUMMARY_REPORT = "yearly_summary"


def build_yearly_summary(report) -> Document:
    from .scope import regions_heading
    from .summary import summary_for

    user = report.requested_by or AnonymousUser()
    form, year, regions, rows = summary_for(user, report.parameters.get("filters", {}))
    heading = regions_heading(regions, form.several_regions)
    return Document(
        template_name="dashboards/summary_print.html",
        context={"rows": rows, "year": year, "heading": heading},
        filename=f"bilan-activite-{year}.pdf",
        title=_("Bilan annuel d'activité %(year)s") % {"year": year},
    )


register(YEARLY_SUMMARY_REPORT, gettext_lazy("Bilan annuel d'activité"), build_yearly_summary, regional=True)
