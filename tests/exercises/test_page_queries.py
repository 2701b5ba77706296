"""The register and the animator console make the same number of queries whatever the data (issue 15): measured at
a small size, then again after the data has grown, on the same page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.establishments.factories import EstablishmentFactory

from .factories import ExerciseFactory, JournalEntryFactory, ObservationFactory, ParticipantFactory, StimulusFactory

pytestmark = pytest.mark.django_db


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == 200
    return len(captured.captured_queries)


def _counts(client, urls) -> list[int]:
    for url in urls:  # warm the per-process caches (content types, compiled scope query) first
        _queries(client, url)
    return [_queries(client, url) for url in urls]


def test_console_and_its_live_part_do_not_grow_with_the_exercise(client, running_exercise, director):
    client.force_login(director)
    urls = [
        reverse("exercises:console", args=[running_exercise.pk]),
        reverse("exercises:console_live", args=[running_exercise.pk]),
    ]
    small = _counts(client, urls)
    for n in range(30):
        StimulusFactory(exercise=running_exercise, offset_seconds=100_000 + 60 * n)
        JournalEntryFactory(exercise=running_exercise, author=director)
        ObservationFactory(exercise=running_exercise, author=director)
    large = _counts(client, urls)
    assert large == small
    assert small[0] <= 10 and small[1] <= 9


def test_register_does_not_grow_with_the_region(client, establishment, staff, catalogue):
    client.force_login(staff)
    url = reverse("exercises:register")
    ExerciseFactory(establishment=establishment, scenario=catalogue)
    small = _counts(client, [url])
    for _n in range(25):
        other = EstablishmentFactory(department=establishment.department)
        exercise = ExerciseFactory(establishment=other, scenario=catalogue)
        StimulusFactory(exercise=exercise)
        ParticipantFactory(exercise=exercise)
    large = _counts(client, [url])
    assert large == small
    assert small[0] <= 12  # 16 before issue 15
