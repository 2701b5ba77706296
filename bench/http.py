"""Throughput and latency of the key pages under wrk, beside a bare Django view served by the same gunicorn."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.mfa_sessions import mark_mfa_step

HERE = Path(__file__).resolve().parent
# Page names that change data or download files are not benchmarked (GET of a confirmation form is not a key page).
SKIP_WORDS = ("retirer", "remove", "delete", "supprimer", "invit", "export", "download", "telecharger", "pdf")
# The key pages first (establishment home, reviewer's application list, action plan), then the others.
KEY_PAGES = (
    "establishments:home",
    "action_plans:plan",
    "calls_review:list",
    "calls_review:index",
    "calls:application",
    "assessments:detail",
    "calls:list",
    "establishments:mine",
    "assessments:region",
    "action_plans:index",
)


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True, timeout=300)
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the settings docker-compose.yml ships (``gunicorn.conf.py``), on a free loopback port."""

    def __init__(self, env: dict, log: Path, settings_module: str | None = None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_ACCESS_LOG": ""}
        if settings_module:
            env["DJANGO_SETTINGS_MODULE"] = settings_module
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "crrc.wsgi:application",
            *("-c", str(Path(settings.BASE_DIR) / "gunicorn.conf.py"), "--log-level", "warning"),
        ]
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2)  # noqa: S310 - loopback
                return
            except (urllib.error.URLError, OSError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def signed_in_client(user, backend: str | None = None) -> Client:
    """A client whose session went through a complete log-in, second factor included (the staff MFA rule reads
    allauth's records of the session's steps; without the ``mfa`` one every staff page is a redirect)."""

    client = Client()
    client.force_login(user, backend=backend or settings.AUTHENTICATION_BACKENDS[0])  # allauth signs in with it
    mark_mfa_step(client, user)  # staff pages need this session's MFA step (crrc.middleware)
    return client


def session_cookie(user, backend: str | None = None) -> str:
    client = signed_in_client(user, backend)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# Regional staff: the reviewers' lists first.
STAFF_KEY_PAGES = (
    "dashboards:region",
    "calls_review:list",
    "calls_review:index",
    "dashboards:region",
    "assessments:region",
    "action_plans:index",
    "establishments:home",
    "action_plans:plan",
)


def key_pages(user, establishment, limit: int, priority: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(label, url) of the pages ``user`` sees (from the URL patterns, own objects in the URL), key ones first."""
    from tests.gates.urlwalk import Unresolvable, build_url, gated_routes, object_of
    from tests.gates.world import Side, tenant_models

    owned = {}
    for model in tenant_models():
        from crrc.tenancy import TenantQuerySet  # noqa: F401 - tenant_models relies on it

        row = object_of(Side(establishment, user, user), model)
        if row is not None:
            owned[model] = row
    side = Side(establishment=establishment, director=user, member=user, owned=owned)
    client = signed_in_client(user)
    found = []
    for route in gated_routes():
        name = route.name or route.route
        if name.startswith("bench_"):
            continue  # the ceiling itself, measured separately
        if any(word in name.lower() or word in route.route.lower() for word in SKIP_WORDS):
            continue
        try:
            url = build_url(route, side)
        except Unresolvable:
            continue
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            order = priority or KEY_PAGES
            rank = order.index(name) if name in order else len(order)
            found.append((rank, name, url))
    found.sort()
    return [(name, url) for _, name, url in found[:limit]]


def check_ok(base: str, url: str, cookie: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + url, headers={"Cookie": cookie})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def run_wrk(wrk: str, base: str, url: str, cookie: str, seconds: int, connections: int, threads: int) -> dict:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(HERE / "wrk_report.lua"),
        "-H",
        f"Cookie: {cookie}",
        base + url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {result.stdout[-500:]} {result.stderr[-500:]}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    seconds_run = data["duration_us"] / 1e6
    return {
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds_run, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "errors": data["non2xx3xx"] + data["socket_errors"],
    }
