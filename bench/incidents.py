"""Incidents at national scale for the regional dashboard's incident indicators: 20,000 declared incidents over the
onboarded establishments (bulk inserts), in the three states with consistent dates (the model's constraints), so
that the dashboard's counts and delays read a real table instead of an empty one. The incidents issue names no
scale of its own; 20,000 is about four years of declarations for France at the rate the CERT Santé reports.
"""

from __future__ import annotations

import os
from datetime import timedelta

INCIDENTS = int(os.environ.get("BENCH_INCIDENTS", "20000"))
BATCH = 2_000


def bench_seed(ctx) -> dict[str, object]:
    from django.utils import timezone

    from incidents.models import CareImpact, Incident
    from incidents.workflow import State

    now = timezone.now()
    rng = ctx.rng
    onboarded = ctx.onboarded or ctx.establishments
    impacts = CareImpact.values
    rows = []
    for n in range(int(INCIDENTS * getattr(ctx, "scale", 1.0))):
        detected = now - timedelta(days=rng.randint(1, 1400), minutes=rng.randint(0, 1440))
        state = rng.choice([State.CLOSED, State.CLOSED, State.CLOSED, State.IN_SUPPORT, State.DECLARED])
        declared = detected + timedelta(hours=rng.randint(0, 72))
        supported = None if state == State.DECLARED else declared + timedelta(hours=rng.randint(1, 48))
        rows.append(
            Incident(
                establishment_id=onboarded[n % len(onboarded)],
                title=f"Incident {n} (bench)",
                description="Messagerie indisponible après un courriel piégé.",
                detected_at=detected,
                care_impact=rng.choice(impacts),
                state=state,
                declared_by=ctx.director,
                declared_at=declared,
                supported_at=supported,
                closed_at=supported + timedelta(days=rng.randint(1, 30)) if state == State.CLOSED else None,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=BATCH)
    return {"Incident": len(rows)}
