"""Fault gate, database part: a dropped database connection does not fail the next request.

Gunicorn keeps its connection between requests (``CONN_MAX_AGE`` > 0, as in production); the test kills that
backend with ``pg_terminate_backend``. ``CONN_HEALTH_CHECKS`` must make the next request reconnect and answer.
(The broker-down and worker-killed faults belong to the reports gate, tests/reports/.)
"""

import pytest
from django.db import connection

from .server import get, gunicorn, session_cookie
from .world import build_world

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _server_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _terminate(pids: list[int]) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_the_request_after_a_dropped_database_connection_succeeds(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_terminate_backend)")
    world = build_world()
    cookie = session_cookie(world.a.director)
    with gunicorn(workers=1, extra_env={"CONN_MAX_AGE": "600"}, log=tmp_path / "gunicorn.log") as base:
        status, body = get(f"{base}/etablissements/", cookie)
        assert status == 200 and world.a.establishment.name.encode() in body
        before = _server_backends()
        assert before, "gunicorn keeps no database connection: the fault would not be exercised"
        _terminate(before)

        status, body = get(f"{base}/etablissements/", cookie)

        assert status == 200, (tmp_path / "gunicorn.log").read_text()[-3000:]
        assert world.a.establishment.name.encode() in body
        after = _server_backends()
        assert after and not set(after) & set(before), "the server did not open a fresh connection"
