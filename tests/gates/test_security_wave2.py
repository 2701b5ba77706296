"""Security gate, second wave (issue 9): what a first real use found, each with the test that failed before.

Written against the URL resolver and the registries rather than a hand-kept list where it can: a module added
later is covered by the same rules (staff pages need this session's MFA step, every admin import is region-scoped,
every archive upload is bounded).
"""

from __future__ import annotations

import json
import os
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
from tests.conftest import force_login_password_only
from tests.establishments.factories import RegionFactory, StaffAssignmentFactory

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
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert found["cache"]["LOCATION"] == "redis://redis:6379/2"
    assert found["proxies"] == 1
    # Without REDIS_URL, a redis:// broker is the shared cache.
    found = _settings_in({"CELERY_BROKER_URL": "redis://redis:6379/0"})
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert found["proxies"] == 0


def test_demo_without_redis_keeps_local_memory_and_sqlite_waits_for_its_lock():
    found = _settings_in({"DATABASE_URL": "sqlite:///demo.sqlite3"}, module="crrc.settings.base")
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["db"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}


def test_readme_documents_the_proxy_count():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "TRUSTED_PROXY_COUNT" in readme and "CACHE_URL" in readme
