"""Two people ask for the last place of an event at the same moment: one gets it, the other the waiting list.

Real transactions on PostgreSQL, two threads started together: without the row lock on the event both would count
one free place and both be confirmed.
"""

import threading

import pytest
from django.db import connection

from community import services
from community.models import Registration
from community.selectors import viewer_for

from .factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(callables) -> list:
    barrier = threading.Barrier(len(callables))
    results: list = [None] * len(callables)

    def run(index, func):
        try:
            barrier.wait()
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_registrations_for_the_last_place():
    event = EventFactory(capacity=2)
    first = MemberFactory(space=event.space)
    services.register(viewer_for(first.user, event.space), event)
    racers = [MemberFactory(space=event.space) for _ in range(2)]
    results = _race([lambda m=m: services.register(viewer_for(m.user, event.space), event) for m in racers])
    assert all(isinstance(r, Registration) for r in results), results
    assert sorted(r.state for r in results) == ["confirmed", "waiting"]
    assert Registration.objects.filter(event=event, state="confirmed").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_cancellation_and_registration_keep_the_capacity():
    """A cancellation promoting the waiting list while someone registers: never more confirmed than places."""
    event = EventFactory(capacity=1)
    holder, waiting, newcomer = (MemberFactory(space=event.space) for _ in range(3))
    services.register(viewer_for(holder.user, event.space), event)
    services.register(viewer_for(waiting.user, event.space), event)
    _race([
        lambda: services.cancel_registration(viewer_for(holder.user, event.space), event),
        lambda: services.register(viewer_for(newcomer.user, event.space), event),
    ])  # fmt: skip
    confirmed = list(Registration.objects.filter(event=event, state="confirmed").values_list("user_id", flat=True))
    assert len(confirmed) == 1
    # First come, first served: the person already waiting gets the place, whatever the newcomer's timing.
    assert confirmed == [waiting.user_id]
