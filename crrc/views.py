"""Cross-cutting views: home, health check, per-region branding."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from establishments.models import Region


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("establishments:mine")
    return render(request, "crrc/home.html")


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - the health check reports, it never raises
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from crrc.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"
    return "ok"


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; the broker's state is reported (tasks are kept while it is down)."""
    database, broker = _database_state(), _broker_state()
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database, "broker": broker}, status=status)


@login_not_required
@require_GET
@cache_control(max_age=300, public=True)
def branding_css(request: HttpRequest, code: str) -> HttpResponse:
    """Region colours as CSS variables: a stylesheet, because the CSP forbids inline styles."""
    key = f"branding-css-{code}"
    css = cache.get(key)
    if css is None:
        region = get_object_or_404(Region, code=code)
        css = (
            ":root{"
            f"--crrc-primary:{region.primary_colour};"
            f"--crrc-secondary:{region.secondary_colour};"
            f"--bs-primary:{region.primary_colour};"
            f"--bs-link-color:{region.primary_colour};"
            "}"
        )
        cache.set(key, css, 60)
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@login_not_required
@require_GET
@cache_control(max_age=3600, public=True)
def branding_logo(request: HttpRequest, code: str) -> FileResponse:
    region = get_object_or_404(Region, code=code)
    if not region.logo:
        raise Http404
    return FileResponse(region.logo.open("rb"))
