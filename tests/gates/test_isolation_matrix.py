"""Isolation matrix: every URL of the project, for every role of tenant A, asked for tenant B's objects.

Routes are enumerated from the URL resolver (``urlwalk.gated_routes``), tenant-owned models from the app registry
(``world.tenant_models``): a new app's URLs and models are covered without editing this file. For a URL with
keyword arguments, B's object goes in the URL and the request, GET then POST, must answer 403, 404, 405 or a
redirect to the log-in page, and the body must not name B. A URL without arguments is requested with GET and must
not name B either (lists scoped to the user).
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from .urlwalk import BODY_CHECK_ONLY, Unresolvable, build_url, gated_routes, object_of
from .world import ROLES, build_world, tenant_models

pytestmark = pytest.mark.django_db

DENIED = {403, 404, 405}


@pytest.fixture
def world(db):
    return build_world()


def _client(world, role: str) -> Client:
    client = Client(raise_request_exception=True)
    user = world.users[role]
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _leaks(world, response) -> list[str]:
    body = _body(response)
    return [needle for needle in world.needles() if needle in body]


def _is_login_redirect(response) -> bool:
    login = reverse("account_login")
    return response.status_code in (301, 302) and response.get("Location", "").split("?")[0].endswith(login)


def _request(client: Client, method: str, url: str):
    try:
        return getattr(client, method)(url), None
    except Exception as exc:  # noqa: BLE001 - a crash on another tenant's URL is a finding, reported below
        return None, f"raised {exc.__class__.__name__}: {exc}"


def test_every_tenant_model_has_rows_on_both_sides(world):
    """The matrix is only as good as its data: each tenant-owned model must be buildable for A and B."""
    missing = [
        f"{label}: {how}"
        for side in (world.a, world.b)
        for label, how in side.build_notes.items()
        if ("(regional)" in label and "failed" in how)
        or ("(regional)" not in label and label not in {m._meta.label for m in side.owned})
    ]
    assert not missing, "Rows could not be built for the isolation matrix:\n" + "\n".join(missing)
    assert {m._meta.label for m in tenant_models()} <= {m._meta.label for m in world.b.owned}


def matrix_findings(world, role: str) -> list[str]:
    client = _client(world, role)
    findings: list[str] = []
    for route in gated_routes():
        try:
            url = build_url(route, world.b)
        except Unresolvable as exc:
            findings.append(str(exc))
            continue
        for method in ("get", "post") if route.kwargs else ("get",):
            response, error = _request(client, method, url)
            where = f"[{role}] {method.upper()} {url} ({route.label})"
            if error:
                findings.append(f"{where}: {error}")
                continue
            leaked = _leaks(world, response)
            if leaked:
                findings.append(f"{where}: status {response.status_code}, body shows {leaked}")
            elif (
                route.kwargs
                and route.name not in BODY_CHECK_ONLY
                and not (response.status_code in DENIED or _is_login_redirect(response))
            ):
                findings.append(
                    f"{where}: status {response.status_code} {response.get('Location', '')}, "
                    "expected 403/404/405 or a redirect to log-in"
                )
            elif not route.kwargs and response.status_code >= 500:
                findings.append(f"{where}: status {response.status_code}")
    return findings


@pytest.mark.parametrize("role", ROLES)
def test_no_url_serves_the_other_tenant(world, role):
    findings = matrix_findings(world, role)
    assert not findings, f"{len(findings)} isolation finding(s):\n" + "\n".join(findings)


@pytest.mark.parametrize("role", ["member_a", "crrc_staff_a"])
def test_the_matrix_catches_a_leaky_view(world, role, settings):
    """Self-check: a view that forgets tenancy (``tests/gates/leaky_urls.py``) is reported, URL and body."""
    settings.ROOT_URLCONF = "tests.gates.leaky_urls"
    findings = matrix_findings(world, role)
    assert any("/leaky/establishment/" in f and "body shows" in f for f in findings), findings
    assert any("/leaky/list/" in f for f in findings), findings


def test_own_objects_are_reachable_so_the_matrix_is_meaningful(world):
    """If A's own people get 404 on A's own object, the URL was built with the wrong model: fix KWARG_MODELS."""
    clients = [_client(world, role) for role in ("director_a", "member_a", "crrc_staff_a")]
    wrong = []
    for route in gated_routes():
        if not route.kwargs:
            continue
        try:
            url = build_url(route, world.a)
        except Unresolvable as exc:
            wrong.append(str(exc))
            continue
        statuses = []
        for client in clients:
            response, error = _request(client, "get", url)
            statuses.append(error or response.status_code)
        if all(status == 404 for status in statuses):
            wrong.append(f"GET {url} ({route.label}): 404 for A's director, member and CRRC staff")
    assert not wrong, "\n".join(wrong)


def _admin_models_related_to_tenants():
    from establishments.models import Establishment

    related = []
    for model in admin.site._registry:
        if model is Establishment or model in tenant_models() or object_of_is_tenant_bound(model):
            related.append(model)
    return related


def object_of_is_tenant_bound(model) -> bool:
    from establishments.models import Establishment

    from .urlwalk import _path_to

    return _path_to(model, Establishment) is not None


def test_admin_changelists_of_crrc_staff_do_not_show_another_region(world):
    client = _client(world, "crrc_staff_a")
    findings = []
    for model in list(admin.site._registry):
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response, error = _request(client, "get", url)
        if error:
            findings.append(f"GET {url}: {error}")
            continue
        leaked = _leaks(world, response)
        if leaked:
            findings.append(f"GET {url} (changelist): status {response.status_code}, shows {leaked}")
    for model in _admin_models_related_to_tenants():
        obj = object_of(world.b, model)
        if obj is None:
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        response, error = _request(client, "get", url)
        if error:
            findings.append(f"GET {url}: {error}")
        elif response.status_code == 200:
            findings.append(f"GET {url} (change page of B's {opts.label}): 200 for CRRC staff of region A")
    assert not findings, "\n".join(findings)
