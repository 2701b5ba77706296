"""The benchmark's calls step (``bench/calls.py``) at a small scale: drafts made submitted in one UPDATE that the
database's state constraints accept, the first establishment's own application left a draft."""

from types import SimpleNamespace

import pytest

from bench import calls as calls_bench
from calls.models import Application
from calls.workflow import State

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def test_bench_makes_nine_in_ten_drafts_submitted():
    call = CallFactory()
    applications = [ApplicationFactory(call=call) for _ in range(21)]
    first = applications[0]
    made = calls_bench.bench_seed(SimpleNamespace(establishment=first.establishment))
    states = {a.pk: a.state for a in Application.objects.all()}
    submitted = [pk for pk, state in states.items() if state != State.BROUILLON]
    assert made["Application submitted"] == len(submitted)
    assert states[first.pk] == State.BROUILLON
    assert all(states[pk] == State.BROUILLON for pk in states if pk % 10 == 9)
    assert all(
        states[pk] == (State.EN_INSTRUCTION if pk % 10 >= 6 else State.EN_CONSTRUCTION)
        for pk in states
        if pk % 10 < 9 and pk != first.pk
    )
    assert not Application.objects.filter(state=State.EN_INSTRUCTION, instruction_started_at__isnull=True).exists()
    assert not Application.objects.exclude(state=State.BROUILLON).filter(submitted_at__isnull=True).exists()
