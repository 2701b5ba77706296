"""Cross-cutting views: home, health check, per-region branding."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from establishments.models import Region

from . import navigation
from .workqueue import work_queue


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """Each kind of user lands where their work is: CRRC staff on their region's work queue, ARS reviewers on
    the regional dashboard, members (and newcomers, who attach their establishment) on "Mes établissements"."""
    if not request.user.is_authenticated:
        return render(request, "crrc/home.html")
    if navigation.is_kind(request, "staff"):
        return render(request, "crrc/staff_home.html", {"queue": work_queue(request.user)})
    if navigation.is_kind(request, "ars"):
        return redirect("dashboards:region")
    return redirect("establishments:mine")


HEALTH_TIMEOUT = 2.0  # seconds: a health check answers quickly even when a backing service hangs
_health_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - the health check reports, it never raises
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _ping_broker(app, timeout: float) -> None:
    """Open a fresh connection with short socket timeouts (never the shared pool) and make it talk to the broker."""
    options = {
        **(app.conf.broker_transport_options or {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        conn.default_channel  # noqa: B018 - opening the channel runs a command (PING on Redis)


def _broker_state() -> str:
    from crrc.celery import app

    if app.conf.task_always_eager:
        return "eager"
    # The ping runs in a worker thread so that a broker that accepts connections but never answers cannot hold the
    # request beyond HEALTH_TIMEOUT, whatever the transport does with its own timeouts.
    future = _health_pool.submit(_ping_broker, app, HEALTH_TIMEOUT)
    try:
        future.result(timeout=HEALTH_TIMEOUT + 0.5)
    except FutureTimeout:
        return "error: timeout"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"
    return "ok"


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (503 otherwise); the broker's state is reported but does not fail the check:
    while it is down the portal still serves pages and keeps document requests until it is back."""
    database, broker = _database_state(), _broker_state()
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database, "broker": broker}, status=status
    )


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
    """The region's logo, always as an image: its type is read from the content, never from its name.

    A stored file that is not a PNG, JPEG or WebP (uploaded before the check existed: ``logo.html``) is not served.
    """
    from establishments.validators import LOGO_TYPES

    from .uploads import FILE_TYPES, detect_type

    region = get_object_or_404(Region, code=code)
    if not region.logo:
        raise Http404
    try:
        handle = region.logo.open("rb")
    except OSError as exc:
        raise Http404 from exc
    kind = detect_type(handle)
    if kind not in LOGO_TYPES:
        handle.close()
        raise Http404
    file_type = FILE_TYPES[kind]
    response = FileResponse(
        handle, content_type=file_type.mime, filename=f"logo{file_type.extensions[0]}", as_attachment=False
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin has no log-in form of its own: allauth's (rate limits, MFA step) serves it, then comes back.

    Django's admin form would authenticate with a password alone; it is never reached, GET or POST.
    """
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url)
        # Signed in without admin access: allauth would send them straight back here.
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
