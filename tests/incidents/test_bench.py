"""The benchmark's incidents step (``bench/incidents.py``) at a small scale: rows the database's constraints accept,
in every state, over the onboarded establishments."""

import random
from types import SimpleNamespace

import pytest

from bench import incidents as incidents_bench
from incidents.models import Incident
from incidents.workflow import State
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_bench_seeds_incidents_in_every_state_that_the_constraints_accept(monkeypatch):
    monkeypatch.setattr(incidents_bench, "INCIDENTS", 60)
    establishments = [EstablishmentFactory().pk for _ in range(3)]
    director = MembershipFactory().user
    ctx = SimpleNamespace(
        rng=random.Random(7), onboarded=establishments, establishments=establishments, director=director
    )
    made = incidents_bench.bench_seed(ctx)
    assert made == {"Incident": 60} and Incident.objects.count() == 60
    assert set(Incident.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Incident.objects.values_list("establishment_id", flat=True)) == set(establishments)
    assert not Incident.objects.filter(state=State.CLOSED, closed_at__isnull=True).exists()
    assert not Incident.objects.exclude(state=State.DECLARED).filter(supported_at__isnull=True).exists()
