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
from .world import B_NAME, ROLES, build_world, tenant_models

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


# ---------------------------------------------------------------------------------------------------------------
# Issue 9: an organisation spanning regions, the admin's FINESS import, the admin's log-in door
# ---------------------------------------------------------------------------------------------------------------


def _organisation_over_both_regions(world):
    """An organisme gestionnaire holding A's and B's establishments (FINESS allows it)."""
    from establishments.models import Organisation

    organisation = Organisation.objects.create(
        name="Groupe Interregional", finess=None, region=world.a.establishment.region
    )
    for side in (world.a, world.b):
        side.establishment.organisation = organisation
        side.establishment.save(update_fields=["organisation"])
    return organisation


def test_organisation_membership_opens_only_its_granted_regions(world):
    """A member of an organisation granted region A only sees nothing of its establishment in region B."""
    from establishments.models import Membership
    from establishments.roles import Role

    organisation = _organisation_over_both_regions(world)
    membership = Membership.objects.create(user=world.a.member, organisation=organisation, role=Role.DIRECTOR)
    membership.regions.set([world.a.establishment.region])
    findings = matrix_findings(world, "member_a")
    assert not findings, f"{len(findings)} isolation finding(s):\n" + "\n".join(findings)
    # Directly: B's establishment is neither visible nor manageable (no invitation as its director).
    from establishments.roles import Capability
    from establishments.selectors import establishments_for, establishments_where

    assert world.b.establishment not in establishments_for(world.a.member)
    assert world.b.establishment not in establishments_where(world.a.member, Capability.MANAGE_MEMBERS)
    assert world.a.establishment in establishments_where(world.a.member, Capability.MANAGE_MEMBERS)


def test_crrc_staff_cannot_edit_move_or_join_an_organisation_spanning_regions(world):
    from establishments.models import Membership
    from establishments.roles import Role

    organisation = _organisation_over_both_regions(world)
    client = _client(world, "crrc_staff_a")
    url = reverse("admin:establishments_organisation_change", args=[organisation.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Lecture seule" in page.content.decode() and "Region B" in page.content.decode()
    response = client.post(
        url, {"name": "Renomme", "finess": "", "siren": "", "region": world.a.establishment.region.pk}
    )
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Groupe Interregional"
    # Nor can they attach someone to it from the membership admin.
    outsider = world.a.member
    response = client.post(
        reverse("admin:establishments_membership_add"),
        {
            "user": outsider.pk,
            "organisation": organisation.pk,
            "role": Role.DIRECTOR,
            "regions": [world.a.establishment.region.pk],
        },
    )
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(organisation=organisation).exists()


def test_crrc_staff_import_cannot_take_over_another_regions_establishment(world):
    """The admin's FINESS import: a row naming B's establishment in A's department is refused with its reason."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from establishments.models import Establishment
    from establishments.resources import EstablishmentResource

    b = world.b.establishment
    exported = EstablishmentResource().export(queryset=Establishment.objects.filter(pk=b.pk)).csv
    header, row = exported.strip().splitlines()[:2]
    columns = header.split(",")
    values = row.split(",")
    values[columns.index("rs")] = "Repris par la region A"
    values[columns.index("departement")] = world.a.establishment.department.code
    csv_text = header + "\n" + ",".join(values) + "\n"
    client = _client(world, "crrc_staff_a")
    url = reverse("admin:establishments_establishment_import")
    form = client.get(url).context["form"]
    csv_choice = next(value for value, label in form.fields["format"].choices if str(label).lower() == "csv")
    upload = SimpleUploadedFile("finess.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(url, {"format": csv_choice, "import_file": upload, "resource": "0"})
    assert "confirm_form" not in response.context
    assert "Region B" in response.content.decode() and "ne gérez pas" in response.content.decode()
    b.refresh_from_db()
    assert (b.name, b.region_id) == (B_NAME, world.b.establishment.region_id)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_admin_login_door_opens_no_session_for_any_role(world, role):
    user = world.users[role]
    user.set_password("motdepasse-solide-123")
    user.save(update_fields=["password"])
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": user.email, "password": "motdepasse-solide-123", "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
