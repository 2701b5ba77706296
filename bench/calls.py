"""Calls at national scale: the 20,000 applications of the common seed (``bench/seed.py``) are copies of one draft,
and the reviewers never see drafts, so their list and index measured an empty list. Nine in ten are made submitted
here (two thirds of them « en construction », one third « en instruction »), in one ``UPDATE``; the first
establishment's own application (the establishment user's measured page) is left as the seed made it.
"""

from __future__ import annotations

from datetime import timedelta


def bench_seed(ctx) -> dict[str, object]:
    from django.db.models import Case, F, Value, When
    from django.db.models.functions import Mod
    from django.db.models.lookups import GreaterThanOrEqual, LessThan

    from calls.models import Application
    from calls.workflow import State

    tenth = Mod("id", 10)
    made = (
        Application.objects.filter(LessThan(tenth, 9), state=State.BROUILLON)
        .exclude(establishment_id=ctx.establishment.pk)
        .update(
            state=Case(
                When(GreaterThanOrEqual(tenth, 6), then=Value(State.EN_INSTRUCTION)),
                default=Value(State.EN_CONSTRUCTION),
            ),
            submitted_at=F("created_at") + timedelta(days=1),
            instruction_started_at=Case(
                When(GreaterThanOrEqual(tenth, 6), then=F("created_at") + timedelta(days=20)), default=None
            ),
        )
    )
    return {"Application submitted": made}
