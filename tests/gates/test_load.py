"""Load gate: 50 concurrent signed-in users for 60 seconds across the key pages, served by gunicorn: no error.

The key pages are the ones the users of each role actually see (found from the URL patterns, see ``pages``):
an establishment's home page, and each module's pages as they arrive (application lists for reviewers, action
plans…). Bounded: ``GATES_LOAD_USERS`` (default 50) threads for ``GATES_LOAD_SECONDS`` (default 60).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest
from allauth.mfa.models import Authenticator

from establishments.roles import Role, StaffKind
from tests.establishments.factories import MembershipFactory, StaffAssignmentFactory

from .pages import member_pages
from .server import get, gunicorn, session_cookie
from .world import build_world

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

USERS = int(os.environ.get("GATES_LOAD_USERS", "50"))
SECONDS = float(os.environ.get("GATES_LOAD_SECONDS", "60"))


def _population(world) -> list[tuple[str, list[str]]]:
    """(cookie, pages) for each simulated user: 4 in 5 establishment people, 1 in 5 regional staff."""
    people = []
    est = world.a.establishment
    staff_count = max(1, USERS // 5)
    for i in range(USERS - staff_count):
        role = (Role.DIRECTOR, Role.RSSI, Role.MEMBER)[i % 3]
        people.append(MembershipFactory(establishment=est, role=role).user)
    for i in range(staff_count):
        kind = (StaffKind.ARS_REVIEWER, StaffKind.CRRC_STAFF)[i % 2]
        user = StaffAssignmentFactory(region=est.region, kind=kind).user
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "load"})
        people.append(user)
    pages_by_kind: dict[str, list[str]] = {}
    population = []
    for user in people:
        # Pages depend on the role (a member cannot open the invitation form a director can).
        assignment = user.staff_assignments.first()
        kind = assignment.kind if assignment else user.memberships.get().role
        if kind not in pages_by_kind:
            pages_by_kind[kind] = member_pages(world, user=user)
        population.append((session_cookie(user), pages_by_kind[kind]))
    return population


def test_fifty_users_for_a_minute_get_no_error(tmp_path):
    world = build_world()
    population = _population(world)
    assert all(pages for _, pages in population), "a simulated user has no page to load"
    statuses: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def user_loop(base: str, cookie: str, pages: list[str], offset: int) -> None:
        deadline = time.monotonic() + SECONDS
        i = offset
        while time.monotonic() < deadline:
            url = pages[i % len(pages)]
            i += 1
            try:
                status, _ = get(base + url, cookie, timeout=30)
            except Exception as exc:  # noqa: BLE001 - counted as an error
                status = f"{exc.__class__.__name__}"
            with lock:
                statuses[status] += 1
                if status != 200 and len(errors) < 20:
                    errors.append(f"{url}: {status}")

    log = tmp_path / "gunicorn.log"
    with gunicorn(workers=3, threads=4, extra_env={"CONN_MAX_AGE": "60"}, log=log) as base:
        started = time.monotonic()
        threads = [
            threading.Thread(target=user_loop, args=(base, cookie, pages, n), daemon=True)
            for n, (cookie, pages) in enumerate(population)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        elapsed = time.monotonic() - started
    total = sum(statuses.values())
    print(f"load: {USERS} users, {total} requests in {elapsed:.0f}s ({total / elapsed:.1f} req/s), {dict(statuses)}")
    assert total > USERS, f"too few requests were made: {dict(statuses)}"
    assert set(statuses) == {200}, f"{dict(statuses)}; first errors: {errors}\n{log.read_text()[-3000:]}"
