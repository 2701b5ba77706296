"""Crisis exercises at the issue's scale (10,000 exercises, 200,000 stimuli), and the pages measured for them.

Bulk inserts in batches: exercises spread over the seeded establishments in every state (dates, reports and
cancellations consistent with the model's constraints), 20 stimuli each at distinct offsets, played ones with
their time; the first establishment has one exercise running now, with its main courante, for the console.
Measured: the regional register (CRRC staff) and the animator console with its live refresh (the director).
"""

from __future__ import annotations

import os
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

EXERCISES = int(os.environ.get("BENCH_EXERCISES", "10000"))
STIMULI_PER_EXERCISE = int(os.environ.get("BENCH_STIMULI_PER_EXERCISE", "20"))
BATCH = 2_000


def seed(ests: list[int], rng: random.Random) -> str:
    from exercises.choices import Cell, Channel, Function, KitLevel, State, StimulusStatus
    from exercises.models import Exercise, JournalEntry, Participant, Stimulus

    now = timezone.now()
    states = [State.PLANNED, State.READY, State.PLAYED, State.DEBRIEFED, State.CLOSED, State.CLOSED, State.CANCELLED]
    levels, channels = KitLevel.values, Channel.values
    rows = []
    for n in range(EXERCISES):
        state = State.RUNNING if n == 0 else rng.choice(states)
        past = state in (State.PLAYED, State.DEBRIEFED, State.CLOSED)
        starts = (
            now - timedelta(minutes=30)
            if n == 0
            else now + timedelta(days=rng.randint(-700, -2) if past else rng.randint(3, 200))
        )
        rows.append(
            Exercise(
                establishment_id=ests[n % len(ests)],
                title=f"Exercice de crise {n:05d}",
                kit_level=rng.choice(levels),
                state=state,
                starts_at=starts,
                started_at=starts if past or n == 0 else None,
                ended_at=starts + timedelta(minutes=75) if past else None,
                reported_at=starts + timedelta(days=rng.randint(5, 60)) if state == State.CLOSED else None,
                cancel_reason="Report demandé" if state == State.CANCELLED else "",
            )
        )
    with transaction.atomic():
        Exercise.objects.bulk_create(rows, batch_size=BATCH)
    exercises = list(Exercise.objects.order_by("pk").values_list("pk", "state", "starts_at"))
    stimuli = []
    made = 0
    for pk, state, starts in exercises:
        played_all = state in (State.PLAYED, State.DEBRIEFED, State.CLOSED)
        for s in range(STIMULI_PER_EXERCISE):
            played = played_all or (state == State.RUNNING and s < 8)
            stimuli.append(
                Stimulus(
                    exercise_id=pk,
                    offset_seconds=s * 240,
                    channel=channels[s % len(channels)],
                    sender="Journaliste" if s % 3 else "ARS",
                    recipient_cell=Cell.CRISIS,
                    content=f"Stimulus {s} : demande de point de situation",
                    expected_reaction="Point de situation validé par la direction",
                    status=StimulusStatus.PLAYED if played else StimulusStatus.PENDING,
                    played_at=starts + timedelta(seconds=s * 240 + 60) if played else None,
                    played_offset_seconds=s * 240 + 60 if played else None,
                    score=rng.choice(["achieved", "partly", "not_achieved"]) if played else "",
                )
            )
            if len(stimuli) >= BATCH:
                Stimulus.objects.bulk_create(stimuli, batch_size=BATCH)
                made += len(stimuli)
                stimuli = []
    Stimulus.objects.bulk_create(stimuli, batch_size=BATCH)
    made += len(stimuli)
    running = exercises[0][0]
    Participant.objects.create(
        exercise_id=running, cell=Cell.CRISIS, function=Function.DIRECTOR, name="Direction", email="d@bench.example.org"
    )
    JournalEntry.objects.bulk_create(
        JournalEntry(
            exercise_id=running, at=now - timedelta(minutes=30 - n // 3), offset_seconds=n * 20, text=f"Entrée {n}"
        )
        for n in range(80)
    )
    return f"{len(exercises)} exercises, {made} stimuli"


def pages(establishment, director_cookie: str, crrc_cookie: str) -> list[tuple[str, str, str]]:
    from django.urls import reverse

    from exercises.models import Exercise

    running = Exercise.objects.filter(establishment=establishment, state="running").order_by("pk").first()
    targets = [("CRRC staff: exercises:register", reverse("exercises:register"), crrc_cookie)]
    if running is not None:
        targets += [
            ("establishment user: exercises:console", reverse("exercises:console", args=[running.pk]), director_cookie),
            (
                "establishment user: exercises:console_live",
                reverse("exercises:console_live", args=[running.pk]),
                director_cookie,
            ),
        ]
    return targets
