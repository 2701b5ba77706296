"""The regional dashboard: every registered indicator, for CRRC staff and ARS reviewers of the region."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .scope import scope_for


def region(request: HttpRequest) -> HttpResponse:
    scope, form = scope_for(request)
    if not scope.regions.exists():
        # Not staff or reviewer of any region: the dashboard does not exist for them.
        raise Http404
    return render(
        request,
        "dashboards/region.html",
        {"form": form, "regions": list(scope.regions.order_by("name")), "panels": selectors.panels(scope)},
    )
