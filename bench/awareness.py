"""Awareness benchmark: 50,000 learners and 2,000,000 phishing result events, then the three measured pieces.

* seed: a programme per region (modules, four quarterly campaigns), ``learners // 50`` enrolled establishments of
  50 learners each, a ``PhishingResult`` per learner and campaign and the raw events (sent, repeated opens and
  clicks, submissions, reports — as GoPhish logs them), both streamed with ``COPY`` in chunks of 50,000 on
  PostgreSQL (``bulk_create`` elsewhere), so that 2,000,000 events load in bounded time and memory;
* the regional benchmark page (``awareness:benchmark``) as CRRC staff and as the ARS reviewer, in-process (test
  client), median of several requests;
* one establishment's quarterly report through the reports pipeline (``reports.tasks._produce``);
* the batch of every report of a campaign: requesting them all (``batches.start_batch``, one ``Report`` each,
  queued), then building the whole batch one after the other (``--awareness-reports N`` builds N of them and
  extrapolates, said so in the results).

From ``python -m bench`` (after the common seed) or alone against the current database::

    DJANGO_SETTINGS_MODULE=crrc.settings.base .venv/bin/python -m bench.awareness --learners 2000 --events 60000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from datetime import time as dtime

DOMAIN = "bench-awareness.example.org"
PER_ESTABLISHMENT = 50
BATCH = 5_000


def _programmes(regions, year):
    from awareness.choices import ModuleKind, Theme
    from awareness.models import Campaign, Module, PhishingTemplate, Programme, quarter_bounds

    programmes = []
    for region in regions:
        programme, _ = Programme.objects.get_or_create(
            region=region, year=year, defaults={"title": f"Programme de sensibilisation {year} – {region.name}"}
        )
        template, _ = PhishingTemplate.objects.get_or_create(region=region, name="Colis en attente (bench)")
        for month in range(1, 13):
            monthly = {"month": month, "title": f"Module {month}", "theme": Theme.PHISHING, "format": "video_quiz"}
            Module.objects.get_or_create(programme=programme, code=f"M{month:02d}", defaults=monthly)
        follow_up = {"kind": ModuleKind.FOLLOW_UP, "title": "Remédiation", "theme": Theme.PHISHING, "format": "slides"}
        Module.objects.get_or_create(programme=programme, code="REMED", defaults=follow_up)
        for quarter in (1, 2, 3, 4):
            start, end = quarter_bounds(year, quarter)
            Campaign.objects.get_or_create(
                programme=programme, quarter=quarter,
                defaults={"template": template, "starts_on": start + timedelta(days=10), "ends_on": end},
            )  # fmt: skip
        programmes.append(programme)
    return programmes


def clean() -> None:
    """Remove a previous awareness bench (its learners' rows), so that the standalone run can be repeated."""
    from awareness.models import Learner, PhishingEvent, PhishingResult, Retraining

    learners = Learner.objects.filter(email__endswith="@" + DOMAIN)
    for model in (PhishingEvent, PhishingResult, Retraining):
        model.objects.filter(learner__in=learners).delete()
    learners.delete()


def seed(learners: int, events: int, rng: random.Random, log) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from awareness.choices import EnrolmentSource
    from awareness.models import Enrolment, Learner, PhishingEvent, PhishingResult
    from establishments import bulk
    from establishments.models import Establishment, Region

    timings: dict = {}
    started = time.perf_counter()
    clean()
    year = timezone.localdate().year
    count = max(1, learners // PER_ESTABLISHMENT)
    establishments = list(
        Establishment.objects.filter(sector__in=["ES", "ESMS"])
        .order_by("finess")
        .values_list("pk", "region_id")[:count]
    )
    regions = Region.objects.filter(pk__in={region for _pk, region in establishments})
    programmes = {p.region_id: p for p in _programmes(regions, year)}
    Enrolment.objects.bulk_create(
        [Enrolment(establishment_id=pk, programme=programmes[region], source=EnrolmentSource.STAFF)
         for pk, region in establishments],
        ignore_conflicts=True, batch_size=BATCH,
    )  # fmt: skip
    now = timezone.now()
    services = ["Urgences", "Médecine", "Chirurgie", "Soins", "Administration", "Cuisine", "Pharmacie"]
    Learner.objects.bulk_create(
        [
            Learner(establishment_id=pk, email=f"l{index:06d}.{n:02d}@{DOMAIN}", first_name="Bench",
                    last_name=f"L{index:06d}", service=rng.choice(services), created_at=now, updated_at=now)
            for index, (pk, _region) in enumerate(establishments)
            for n in range(PER_ESTABLISHMENT)
        ],
        batch_size=BATCH,
    )  # fmt: skip
    timings["learners_s"] = round(time.perf_counter() - started, 1)
    log(f"  awareness: {count} establishments enrolled, {learners} learners ({timings['learners_s']} s)")

    started = time.perf_counter()
    rows = list(Learner.objects.filter(email__endswith="@" + DOMAIN).values_list("pk", "establishment_id", "service"))
    region_of = dict(establishments)
    campaigns = {p.region_id: list(p.campaigns.order_by("quarter")) for p in programmes.values()}
    per_result = max(1, -(-events // max(1, len(rows) * 4)))  # ceiling; the stream stops at ``events``
    results, event_buffer = [], []
    totals = {"results": 0, "events": 0}
    postgres = connection.vendor == "postgresql"

    def flush_results() -> None:
        # COPY on PostgreSQL as the events: 200,000 results through bulk_create cost more than 2,000,000 events.
        if postgres:
            columns = (
                "establishment_id, campaign_id, learner_id, sent, opened, clicked, submitted, reported, error, "
                "sent_at, service"
            )
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {PhishingResult._meta.db_table} ({columns}) FROM STDIN") as copy,
            ):
                for row in results:
                    copy.write_row(row)
        else:
            PhishingResult.objects.bulk_create([PhishingResult(
                establishment_id=e, campaign_id=c, learner_id=lr, sent=sent, opened=o, clicked=cl, submitted=su,
                reported=r, error=er, sent_at=at, service=sv) for e, c, lr, sent, o, cl, su, r, er, at, sv in results
            ], batch_size=BATCH)  # fmt: skip
        totals["results"] += len(results)
        results.clear()

    def flush_events() -> None:
        # Streamed in chunks: 2,000,000 events never sit in memory at once.
        if postgres:
            columns = "establishment_id, campaign_id, learner_id, kind, at, platform_campaign_id"
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {PhishingEvent._meta.db_table} ({columns}) FROM STDIN") as copy,
            ):
                # Pre-formatted text lines, one write per chunk: psycopg's per-row adaptation costs more than
                # these fields need (integers, a fixed word, an ISO timestamp, an empty string).
                copy.write("".join(f"{e}\t{c}\t{lr}\t{k}\t{a.isoformat()}\t\n" for e, c, lr, k, a in event_buffer))
        else:
            PhishingEvent.objects.bulk_create(
                [PhishingEvent(establishment_id=e, campaign_id=c, learner_id=lr, kind=k, at=a)
                 for e, c, lr, k, a in event_buffer],
                batch_size=BATCH,
            )  # fmt: skip
        totals["events"] += len(event_buffer)
        event_buffer.clear()

    events_s = 0.0
    # One transaction for the load, with the foreign keys checked once and the indexes built once at the end (the
    # project's own tools for large loads, establishments/bulk.py): 2,000,000 row-level checks and index updates
    # would otherwise cost more than the COPY itself.
    with ExitStack() as load:
        load.enter_context(transaction.atomic())
        for model in (PhishingResult, PhishingEvent):
            load.enter_context(bulk.foreign_keys_checked_once(model))
            load.enter_context(bulk.indexes_built_once(model))
        events_s = _load_results_and_events(rows, campaigns, region_of, per_result, events, rng, results,
                                            event_buffer, totals, flush_results, flush_events)  # fmt: skip
    timings["results_and_events_s"] = round(time.perf_counter() - started, 1)
    timings["events_copy_s"] = round(events_s, 1)
    how = "COPY" if postgres else "bulk_create"
    log(f"  awareness: {totals['results']} results, {totals['events']} events ({how}), {timings}")
    return {"establishments": count, "learners": len(rows), "results": totals["results"], "events": totals["events"],
            "timings_s": timings, "first_establishment_id": establishments[0][0]}  # fmt: skip


def _load_results_and_events(rows, campaigns, region_of, per_result, events, rng, results, event_buffer, totals,
                             flush_results, flush_events) -> float:  # fmt: skip
    from django.utils import timezone

    events_s = 0.0
    for learner_id, establishment_id, service in rows:
        for campaign in campaigns[region_of[establishment_id]]:
            sent_at = timezone.make_aware(datetime.combine(campaign.starts_on, dtime(8)))
            sent_at += timedelta(minutes=rng.randint(0, 600))
            roll = rng.random()
            clicked, submitted = roll < 0.25, roll < 0.07
            opened = clicked or roll < 0.55
            reported = rng.random() < 0.05 * campaign.quarter
            error = rng.random() < 0.01
            results.append((establishment_id, campaign.pk, learner_id, True, opened, clicked, submitted, reported,
                            error, sent_at, service))  # fmt: skip
            kinds = ["sent"] + ["opened"] * opened + ["clicked"] * clicked + ["submitted"] * submitted
            kinds += ["reported"] * reported
            while len(kinds) < per_result:  # GoPhish logs every open and every click again
                kinds.append("opened" if not clicked else rng.choice(["opened", "clicked"]))
            for offset, kind in enumerate(kinds):
                if totals["events"] + len(event_buffer) < events:
                    event_buffer.append((establishment_id, campaign.pk, learner_id, kind,
                                         sent_at + timedelta(seconds=offset * 37)))  # fmt: skip
        if len(results) >= 50_000:
            flush_results()
        if len(event_buffer) >= 50_000:
            flushed = time.perf_counter()
            flush_events()
            events_s += time.perf_counter() - flushed
    flush_results()
    flushed = time.perf_counter()
    flush_events()
    return events_s + time.perf_counter() - flushed


def _staff(kind: str, region):
    from allauth.mfa.models import Authenticator

    from accounts.models import User
    from establishments.models import StaffAssignment

    user, _ = User.objects.get_or_create(email=f"{kind}.awareness@bench.example.org", defaults={"is_staff": True})
    StaffAssignment.objects.get_or_create(user=user, region=region, kind=kind, is_active=True)
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "b"}})
    return user


def measure(seeded: dict, reports_subset: int, requests: int, log) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from awareness import batches, documents
    from awareness.models import Campaign
    from establishments.models import Establishment
    from establishments.roles import StaffKind
    from reports import tasks
    from reports.models import Report
    from tests.mfa_sessions import mark_mfa_step

    establishment = Establishment.objects.select_related("region").get(pk=seeded["first_establishment_id"])
    campaign = Campaign.objects.get(programme__region=establishment.region, programme__year__gte=2020, quarter=1)
    out: dict = {}
    for kind in (StaffKind.CRRC_STAFF, StaffKind.ARS_REVIEWER):
        client = Client()
        staff = _staff(kind, establishment.region)
        client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
        mark_mfa_step(client, staff)  # staff pages need this session's MFA step (crrc.middleware)
        url = reverse("awareness:benchmark") + f"?campagne={campaign.pk}"
        client.get(url)
        timings = []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        out[f"benchmark_page_{kind}"] = {"median_ms": round(statistics.median(timings)), "queries": len(queries)}
        log(f"  awareness: benchmark page as {kind}: {out[f'benchmark_page_{kind}']}")

    staff = _staff(StaffKind.CRRC_STAFF, establishment.region)
    report = Report.objects.create(
        establishment=establishment,
        kind=documents.QUARTERLY_REPORT,
        subject_id=campaign.pk,
        requested_by=staff,
        status=Report.Status.RUNNING,
    )
    started = time.perf_counter()
    tasks._produce(report)
    out["one_report_ms"] = round((time.perf_counter() - started) * 1000)
    log(f"  awareness: one quarterly report through the pipeline: {out['one_report_ms']} ms")

    from django.conf import settings

    eager = settings.CELERY_TASK_ALWAYS_EAGER
    from crrc.celery import app

    app.conf.task_always_eager = False  # measure the requests only: the builds are timed below, one by one
    from unittest import mock

    with mock.patch("reports.services.enqueue", return_value=True):
        started = time.perf_counter()
        batch = batches.start_batch(campaign, staff)
        request_s = time.perf_counter() - started
    app.conf.task_always_eager = eager
    ids = batch.report_ids[:reports_subset] if reports_subset > 0 else list(batch.report_ids)  # 0: the whole batch
    started = time.perf_counter()
    for pk in ids:
        pending = Report.objects.select_related("establishment__region").get(pk=pk)
        Report.objects.filter(pk=pk).update(status=Report.Status.RUNNING)
        pending.status = Report.Status.RUNNING
        tasks._produce(pending)
    built_s = time.perf_counter() - started
    per_report = built_s / max(1, len(ids))
    started = time.perf_counter()
    batches.progress(batch)
    progress_ms = (time.perf_counter() - started) * 1000
    out["batch"] = {
        "reports": len(batch.report_ids),
        "request_all_s": round(request_s, 2),
        "built_subset": len(ids),
        "per_report_ms": round(per_report * 1000),
        "whole_batch_one_worker_s_extrapolated": round(per_report * len(batch.report_ids), 1),
        "whole_batch_measured": len(ids) == len(batch.report_ids),
        "built_s": round(built_s, 1),
        "progress_poll_ms": round(progress_ms, 1),
    }
    log(f"  awareness: batch {out['batch']}")
    return out


def seed_for(args, log) -> dict:
    rng = random.Random(getattr(args, "seed", 2026))
    return seed(args.awareness_learners, args.awareness_events, rng, log)


def pages(seeded: dict) -> list[tuple[str, str, object]]:
    """The regional benchmark page, measured under wrk with the other key pages, as CRRC staff and ARS reviewer."""
    from django.urls import reverse

    from awareness.models import Campaign
    from establishments.models import Establishment
    from establishments.roles import StaffKind

    establishment = Establishment.objects.select_related("region").get(pk=seeded["first_establishment_id"])
    campaign = Campaign.objects.get(programme__region=establishment.region, programme__year__gte=2020, quarter=1)
    url = reverse("awareness:benchmark") + f"?campagne={campaign.pk}"
    return [
        (f"awareness: regional benchmark page ({label})", url, _staff(kind, establishment.region))
        for kind, label in ((StaffKind.CRRC_STAFF, "CRRC staff"), (StaffKind.ARS_REVIEWER, "ARS reviewer"))
    ]


def run(args, log, seeded: dict | None = None) -> dict:
    seeded = seeded if seeded is not None else seed_for(args, log)
    return {"seed": seeded, **measure(seeded, args.awareness_reports, 5, log)}


def add_arguments(parser) -> None:
    parser.add_argument("--awareness-learners", type=int, default=50_000)
    parser.add_argument("--awareness-events", type=int, default=2_000_000)
    parser.add_argument(
        "--awareness-reports", type=int, default=0, help="reports of the batch built and timed (0: the whole batch)"
    )


def main() -> None:
    import django

    parser = argparse.ArgumentParser(prog="python -m bench.awareness", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--reports", type=int, default=0, help="0: the whole batch")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    namespace = argparse.Namespace(awareness_learners=args.learners, awareness_events=args.events,
                                   awareness_reports=args.reports, seed=args.seed)  # fmt: skip
    result = run(namespace, lambda message: print(message, flush=True))
    import json

    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
