"""/healthz: database and broker state, answered quickly even when the broker hangs."""

import json
import socket
import time
from contextlib import contextmanager

import pytest

from crrc.celery import app as celery_app
from tests.reports.celery_helpers import celery_broker

pytestmark = pytest.mark.django_db


def _get(client):
    response = client.get("/healthz")
    return response, json.loads(response.content)


def test_healthz_is_public_and_reports_eager_mode(client):
    response, body = _get(client)
    assert response.status_code == 200
    assert body == {"status": "ok", "database": "ok", "broker": "eager"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_broker_on_a_closed_port_without_failing(client):
    with celery_broker("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        response, body = _get(client)
    assert response.status_code == 200
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")
    assert time.monotonic() - started < 3


@contextmanager
def _silent_server():
    """A TCP server that accepts connections and never answers (a hung broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_healthz_does_not_hang_on_a_broker_that_never_answers(client):
    with _silent_server() as port, celery_broker(f"redis://127.0.0.1:{port}/0"):
        started = time.monotonic()
        response, body = _get(client)
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert body["broker"].startswith("error")
    assert elapsed < 4, f"healthz took {elapsed:.1f} s"


@pytest.mark.services
def test_healthz_sees_a_live_redis_broker(client, redis_broker_url):
    with celery_broker(redis_broker_url):
        response, body = _get(client)
    assert response.status_code == 200
    assert body["broker"] == "ok"


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error: ConnectionError"
    assert celery_app.conf.task_always_eager
