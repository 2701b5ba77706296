"""Pointing the Celery app at a broker for one test, and starting real workers as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from crrc.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEST_BROKER = "redis://127.0.0.1:6379/10"
DEFAULT_TEST_RESULTS = "redis://127.0.0.1:6379/11"


def test_broker_url() -> str:
    return os.environ.get("REPORTS_TEST_BROKER_URL", DEFAULT_TEST_BROKER)


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _reset_pools() -> None:
    # Drop the references only: kombu's global pool registry keeps one pool per URL, which must stay usable.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str, *, eager: bool = False):
    """Publish to ``url`` (not eagerly) inside the block; Celery's cached config and pools are restored after."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    # Celery's ``conf.broker_url`` prefers the CELERY_BROKER_URL environment variable (set in CI): override both.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    conf.broker_url, conf.task_always_eager = url, eager
    _reset_pools()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_pools()


def purge(url: str) -> None:
    redis.Redis.from_url(url).flushdb()


class Worker:
    """A real ``celery worker`` subprocess on the test database (the test must be ``transaction=True``)."""

    def __init__(
        self,
        name: str,
        broker_url: str,
        media_root: Path,
        log_dir: Path,
        visibility_timeout: int = 600,
        pool: str = "solo",
    ):
        self.name = name
        self.log_path = log_dir / f"worker-{name}.log"
        db = settings.DATABASES["default"]
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reports.worker_settings",
            # pytest-django's test database (test_<name>), where the test's committed rows are.
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": os.environ.get("REPORTS_TEST_RESULTS_URL", DEFAULT_TEST_RESULTS),
            "MEDIA_ROOT": str(media_root),
            "REPORTS_TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "PYTHONPATH": str(ROOT),
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crrc",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname={name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited ({self.process.returncode}):\n{self.log()[-3000:]}")
            if " ready." in self.log():
                return
            time.sleep(0.2)
        raise AssertionError(f"worker {self.name} not ready after {timeout} s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no cleanup — as when the machine or the OOM killer takes it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def wait_for(predicate, timeout: float, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout} s")


def close_test_connection() -> None:
    """Let the next ORM call open a fresh connection (rows committed by the worker become visible)."""
    connection.close()
