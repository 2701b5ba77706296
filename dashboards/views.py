"""The regional dashboard: every registered indicator, for CRRC staff and ARS reviewers of the region, its
drill-downs to the establishments behind a figure, and its exports."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from establishments.roles import Sector

from . import cache as dashboard_cache
from . import exports, selectors
from .documents import DASHBOARD_REPORT, YEARLY_SUMMARY_REPORT
from .scope import filter_query, filter_values, regions_heading, scope_for, scope_heading
from .summary import summary_for

DRILLDOWN_PAGE_SIZE = 50


def _scope_or_404(request: HttpRequest):
    scope, form = scope_for(request)
    if not form.region_count:
        # Not staff or reviewer of any region: the dashboard does not exist for them.
        raise Http404
    return scope, form


@require_http_methods(["GET", "HEAD", "POST"])
def region(request: HttpRequest) -> HttpResponse:
    """The dashboard. Its panels come from a short-lived cache (``dashboards.cache``): the page says when they were
    computed, and a POST (the "Actualiser les chiffres" button) recomputes them at once, then shows them."""
    scope, form = _scope_or_404(request)
    query = filter_query(request)
    key = dashboard_cache.key_for(scope, form, request.user)

    def render_panels() -> str:
        return render_to_string(
            "dashboards/_panels.html", {"panels": selectors.panels(scope), "query": query}, request=request
        )

    if request.method == "POST":
        dashboard_cache.panels_entry(key, render_panels, refresh=True)
        return redirect(f"{reverse('dashboards:region')}{'?' + query if query else ''}")
    entry = dashboard_cache.panels_entry(key, render_panels)
    form.read_choices()
    return render(
        request,
        "dashboards/region.html",
        {
            "form": form,
            "heading": scope_heading(scope, form),
            "panels_html": mark_safe(entry.html),  # noqa: S308 — rendered (and escaped) by our own template above
            "computed_at": entry.computed_at,
            "query": query,
        },
    )


def establishments(request: HttpRequest) -> HttpResponse:
    """The establishments behind one figure (names of establishments only), with the dashboard's filters."""
    scope, form = _scope_or_404(request)
    try:
        index = int(request.GET.get("figure", ""))
    except ValueError as exc:
        raise Http404 from exc
    indicator, figure, queryset = selectors.drilldown(scope, request.GET.get("indicateur", ""), index)
    if queryset is None:
        raise Http404
    page = Paginator(queryset, DRILLDOWN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = filter_query(request)
    return render(
        request,
        "dashboards/establishments.html",
        {
            "form": form,
            "heading": scope_heading(scope, form),
            "indicator": indicator,
            "figure": figure,
            "page": page,
            "sectors": dict(Sector.choices),
            "query": query,
            "page_query": f"{query}&indicateur={indicator.key}&figure={index}".lstrip("&"),
        },
    )


def export_xlsx(request: HttpRequest) -> HttpResponse:
    """Every figure of the dashboard with the current filters, one row each."""
    scope, form = _scope_or_404(request)
    content = exports.workbook(selectors.panels(scope), scope_heading(scope, form), exports.filters_summary(form))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="tableau-de-bord-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def request_pdf(request: HttpRequest) -> HttpResponse:
    """Queue the dashboard as a PDF report with the current filters (sent as the form's query string)."""
    from reports.services import BROKER_DOWN_MESSAGE, request_region_report

    scope, form = _scope_or_404(request)
    region = scope.regions.order_by("name").first()
    parameters = {"filters": filter_values(request), "heading": scope_heading(scope, form)}
    report = request_region_report(region, DASHBOARD_REPORT, request.user, parameters)
    if report.enqueue_failed:
        messages.warning(request, BROKER_DOWN_MESSAGE)
    return redirect("reports:status", report_pk=report.pk)


def summary(request: HttpRequest) -> HttpResponse:
    """The yearly activity summary of the CRRC (exercises, learners, diagnostics, hours, activations, funding)."""
    form, year, regions, rows = summary_for(request.user, request.GET)
    if not regions.exists():
        raise Http404
    return render(
        request,
        "dashboards/summary.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "heading": regions_heading(regions, form.several_regions),
            "query": request.GET.urlencode() if form.is_valid() else "",
        },
    )


@require_POST
def request_summary_pdf(request: HttpRequest) -> HttpResponse:
    from reports.services import BROKER_DOWN_MESSAGE, request_region_report

    form, year, regions, _rows = summary_for(request.user, request.GET)
    region = regions.order_by("name").first()
    if region is None:
        raise Http404
    filters = {"annee": str(year)}
    if form.is_valid() and form.cleaned_data.get("region"):
        filters["region"] = form.cleaned_data["region"].code
    parameters = {"filters": filters, "heading": f"{regions_heading(regions, form.several_regions)} – {year}"}
    report = request_region_report(region, YEARLY_SUMMARY_REPORT, request.user, parameters)
    if report.enqueue_failed:
        messages.warning(request, BROKER_DOWN_MESSAGE)
    return redirect("reports:status", report_pk=report.pk)
