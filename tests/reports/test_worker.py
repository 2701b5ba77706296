"""Real Celery workers (subprocesses) against Redis and the test database.

Run locally when Redis answers on 127.0.0.1 (skipped with a reason otherwise); in CI (``CI`` set) they always run
and a missing Redis fails them. Each test is ``transaction=True`` so that the worker sees the committed rows.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from reports.models import Report
from reports.services import request_report
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .celery_helpers import Worker, celery_broker, purge, wait_for
from .helpers import pdf_text

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    path = tmp_path / "shared-media"
    path.mkdir()
    settings.MEDIA_ROOT = path  # the test process and its workers read and write the same folder
    return path


@pytest.fixture
def start_worker(redis_broker_url, media_root, tmp_path, transactional_db):
    purge(redis_broker_url)
    workers = []

    def _start(name: str, visibility_timeout: int = 600, pool: str = "solo") -> Worker:
        worker = Worker(name, redis_broker_url, media_root, tmp_path, visibility_timeout=visibility_timeout, pool=pool)
        workers.append(worker)
        return worker

    yield _start
    for worker in workers:
        worker.stop()
    purge(redis_broker_url)


def _report(pk: int) -> Report:
    return Report.objects.get(pk=pk)


def _wait_done(pk: int, timeout: float, workers) -> Report:
    def finished():
        report = _report(pk)
        return report if report.status in (Report.Status.DONE, Report.Status.FAILED) else None

    try:
        report = wait_for(finished, timeout)
    except AssertionError:
        logs = "\n".join(f"--- {w.name}\n{w.log()[-2500:]}" for w in workers)
        raise AssertionError(f"report {pk} is {_report(pk).status} after {timeout} s\n{logs}") from None
    assert report.status == Report.Status.DONE, report.error
    return report


def test_a_real_worker_builds_the_establishment_sheet(start_worker, redis_broker_url):
    member = MembershipFactory(establishment=EstablishmentFactory(name="Centre hospitalier de Saint-Pons"))
    worker = start_worker("sheet")
    worker.wait_ready()
    started = time.monotonic()
    with celery_broker(redis_broker_url):
        report = request_report(member.establishment, "establishment_sheet", member.user)
    assert not report.enqueue_failed
    assert _report(report.pk).enqueued_at is not None
    report = _wait_done(report.pk, 60, [worker])
    elapsed = time.monotonic() - started
    text = pdf_text(report.file.read())
    assert "Centre hospitalier de Saint-Pons" in text
    assert member.establishment.finess in text
    print(f"request → done through a real worker: {elapsed:.2f} s (build {report.finished_at - report.started_at})")


def test_request_kept_while_broker_down_is_built_once_it_is_back(start_worker, redis_broker_url):
    member = MembershipFactory(establishment=EstablishmentFactory(name="EHPAD Les Micocouliers"))
    with celery_broker("redis://127.0.0.1:1/0"):
        report = request_report(member.establishment, "establishment_sheet", member.user)
    assert report.enqueue_failed
    assert _report(report.pk).status == Report.Status.PENDING

    # The broker is back: a worker starts (it schedules requeue_pending_reports itself when ready), and beat's
    # periodic task is sent too, as celery beat would every minute.
    worker = start_worker("requeue")
    worker.wait_ready()
    from reports.tasks import requeue_pending_reports

    with celery_broker(redis_broker_url):
        requeue_pending_reports.delay()
    report = _wait_done(report.pk, 60, [worker])
    assert "EHPAD Les Micocouliers" in pdf_text(report.file.read())


def test_a_worker_killed_mid_report_leaves_it_to_another_worker(start_worker, redis_broker_url, media_root):
    """SIGKILL the worker building the report: its unacknowledged message comes back and the other worker builds it."""
    from reports import registry
    from tests.reports.slowapp.documents import SLOW_KIND, build_slowly

    registry.register(SLOW_KIND, "Document lent (tests)", build_slowly)
    try:
        member = MembershipFactory(establishment=EstablishmentFactory(name="Clinique Interrompue"))
        visibility = 4
        first, second = start_worker("w1", visibility), start_worker("w2", visibility)
        first.wait_ready()
        second.wait_ready()
        with celery_broker(redis_broker_url):
            report = request_report(member.establishment, SLOW_KIND, member.user)
        control = media_root / "slow"
        started = wait_for(lambda: list(control.glob("started-*")) if control.exists() else None, 30)
        building_pid = int(started[0].name.split("-")[1])
        victim, survivor = (first, second) if first.pid == building_pid else (second, first)
        assert victim.pid == building_pid
        assert _report(report.pk).status == Report.Status.RUNNING

        killed_at = time.monotonic()
        victim.kill()
        (control / "release").write_text("go")

        report = _wait_done(report.pk, 90, [survivor, victim])
        recovered_in = time.monotonic() - killed_at
        assert (control / f"finished-{survivor.pid}").exists()
        assert not (control / f"finished-{victim.pid}").exists()
        assert report.attempts == 2
        assert "Clinique Interrompue" in pdf_text(report.file.read())
        print(f"killed worker's report rebuilt by the other worker {recovered_in:.1f} s after SIGKILL")
    finally:
        registry.unregister(SLOW_KIND)


def test_a_pool_process_killed_mid_report_is_replaced_and_the_report_built(start_worker, redis_broker_url, media_root):
    """Prefork (production): SIGKILL the pool process; ``reject_on_worker_lost`` requeues the task at once."""
    from reports import registry
    from tests.reports.slowapp.documents import SLOW_KIND, build_slowly

    registry.register(SLOW_KIND, "Document lent (tests)", build_slowly)
    try:
        member = MembershipFactory(establishment=EstablishmentFactory(name="Clinique du Processus Perdu"))
        worker = start_worker("prefork", pool="prefork")  # production visibility timeout (600 s): not waited for
        worker.wait_ready()
        with celery_broker(redis_broker_url):
            report = request_report(member.establishment, SLOW_KIND, member.user)
        control = media_root / "slow"
        started = wait_for(lambda: list(control.glob("started-*")) if control.exists() else None, 30)
        child = int(started[0].name.split("-")[1])
        assert child != worker.pid  # the build runs in a pool process

        killed_at = time.monotonic()
        os.kill(child, signal.SIGKILL)
        (control / "release").write_text("go")
        report = _wait_done(report.pk, 60, [worker])
        assert time.monotonic() - killed_at < 60  # far below the 600 s visibility timeout
        assert report.attempts == 2
        assert not (control / f"finished-{child}").exists()
        assert "Clinique du Processus Perdu" in pdf_text(report.file.read())
    finally:
        registry.unregister(SLOW_KIND)
