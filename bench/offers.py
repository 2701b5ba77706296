"""Seeds the offers at national scale with bulk inserts, and names the pages the issue measures.

Every seeded establishment answers the AMI campaign (one response, its answers, its subscriptions), is a beneficiary
of one notified framework agreement, and 20,000 purchase orders (with their lines) spread over the lots, awardees
and states. The measured pages are the CRRC staff's campaign answers list and the needs-per-lot page.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

ORDERS = 20_000
BATCH = 2_000


def _answers_for(rng: random.Random) -> dict[str, object]:
    framework = rng.choice(["audits", "exercises", "both", "no"])
    values: dict[str, object] = {"framework": framework, "community_join": rng.random() < 0.6,
                                 "awareness_join": rng.random() < 0.7}  # fmt: skip
    if framework in ("audits", "both"):
        values |= {"audit_volume": rng.randint(1, 4), "audit_spend": f"{rng.randint(5, 60) * 1000}.00"}
    if framework in ("exercises", "both"):
        values |= {"exercise_volume": rng.randint(1, 2), "exercise_spend": f"{rng.randint(3, 15) * 1000}.00"}
    if values["awareness_join"]:
        values["phishing_on_demand"] = rng.random() < 0.5
    return values


def seed(establishment_ids: list[int], rng: random.Random, orders: int = ORDERS) -> str:
    from establishments.models import Establishment
    from offers import ami
    from offers.models import (
        Agreement,
        Answer,
        Awardee,
        Beneficiary,
        Lot,
        LotFamily,
        OrderLine,
        OrderState,
        PriceItem,
        Provider,
        PurchaseOrder,
        Response,
        Subscription,
    )  # fmt: skip
    from tests.offers.factories import siret_with_key

    region = Establishment.objects.get(pk=establishment_ids[0]).region
    now = timezone.now()
    with transaction.atomic():
        campaign = ami.build_campaign(region, opens_at=now - datetime.timedelta(days=20),
                                      closes_at=now + datetime.timedelta(days=40))  # fmt: skip
        questions = {q.code: q for q in campaign.questions.all()}
        offers = {q.offer.kind: q.offer for q in campaign.questions.select_related("offer")}
        Response.objects.bulk_create(
            [Response(campaign=campaign, establishment_id=pk, submitted_at=now) for pk in establishment_ids],
            batch_size=BATCH,
        )
        responses = dict(Response.objects.filter(campaign=campaign).values_list("establishment_id", "pk"))
        answers, subscriptions = [], []
        for pk in establishment_ids:
            values = _answers_for(rng)
            answers += [Answer(response_id=responses[pk], question=questions[code], value=value)
                        for code, value in values.items()]  # fmt: skip
            joined = []
            if values["framework"] in ("audits", "both"):
                joined.append(offers["audit_framework"])
            if values["framework"] in ("exercises", "both"):
                joined.append(offers["exercise_framework"])
            if values["community_join"]:
                joined.append(offers["community"])
            if values["awareness_join"]:
                joined.append(offers["awareness"])
            subscriptions += [Subscription(establishment_id=pk, offer=o, response_id=responses[pk]) for o in joined]
        Answer.objects.bulk_create(answers, batch_size=BATCH)
        Subscription.objects.bulk_create(subscriptions, batch_size=BATCH)

        today = timezone.localdate()
        agreement = Agreement.objects.create(
            region=region, reference="BENCH-AC-01", title="Accord-cadre de mesure", buyer="GRADeS",
            campaign=campaign, notified_on=today - datetime.timedelta(days=200), allocation_rule="rank",
        )  # fmt: skip
        lots = [
            Lot.objects.create(agreement=agreement, number=n, title=title, family=family, need_key=key,
                               max_amount=Decimal("500000000"))
            for n, title, family, key in ((1, "Audits techniques", LotFamily.AUDIT, "audit"),
                                          (2, "Audits organisationnels", LotFamily.AUDIT, "audit"),
                                          (3, "Exercices de crise", LotFamily.EXERCISE, "exercise"))
        ]  # fmt: skip
        awardees = []
        for index, lot in enumerate(lots):
            provider = Provider.objects.create(region=region, name=f"Prestataire {index}",
                                               siret=siret_with_key(900_000 + index))  # fmt: skip
            awardee = Awardee.objects.create(lot=lot, provider=provider, rank=1, passi_qualified=True,
                                             passi_expires_on=today + datetime.timedelta(days=900))  # fmt: skip
            price = PriceItem.objects.create(awardee=awardee, code=f"J{index}", label="Journée", unit="jour",
                                             unit_price=Decimal("1000"))  # fmt: skip
            awardees.append((lot, awardee, price))
        Beneficiary.objects.bulk_create([Beneficiary(agreement=agreement, establishment_id=pk)
                                         for pk in establishment_ids], batch_size=BATCH)  # fmt: skip
        states = OrderState.values
        batch = []
        for number in range(1, orders + 1):
            lot, awardee, _price = awardees[number % len(awardees)]
            quantity = rng.randint(1, 8)
            start = today - datetime.timedelta(days=rng.randint(0, 180))
            batch.append(PurchaseOrder(
                establishment_id=rng.choice(establishment_ids), agreement=agreement, lot=lot, awardee=awardee,
                number=number, state=rng.choice(states), requested_start=start,
                requested_end=start + datetime.timedelta(days=30), legal_commitment=f"EJ-{number}",
                total_excl_vat=Decimal(quantity * 1000), total_incl_vat=Decimal(quantity * 1200),
            ))  # fmt: skip
        PurchaseOrder.objects.bulk_create(batch, batch_size=BATCH)
        price_of = {lot.pk: price for lot, _awardee, price in awardees}
        lines = [
            OrderLine(order_id=pk, price_item=price_of[lot_id], code=price_of[lot_id].code, label="Journée",
                      unit="jour", quantity=int(total / 1000), unit_price=Decimal("1000"), vat_rate=Decimal("20"),
                      amount_excl_vat=total, amount_incl_vat=total * Decimal("1.2"))
            for pk, lot_id, total in PurchaseOrder.objects.filter(agreement=agreement)
            .values_list("pk", "lot_id", "total_excl_vat")
        ]  # fmt: skip
        OrderLine.objects.bulk_create(lines, batch_size=BATCH)
    return (
        f"{len(establishment_ids)} responses, {len(answers)} answers, {len(subscriptions)} subscriptions, "
        f"{len(establishment_ids)} beneficiaries, {orders} purchase orders with {len(lines)} lines"
    )


def measured_pages() -> list[tuple[str, str]]:
    """(label, url) of the pages the issue names, for the CRRC staff of the seeded region."""
    from offers.models import Campaign

    campaign = Campaign.objects.order_by("-pk").first()
    if campaign is None:
        return []
    return [
        ("offers: campaign answers list", reverse("offers:staff_answers", args=[campaign.pk])),
        ("offers: needs per lot", reverse("offers:staff_needs", args=[campaign.pk])),
    ]
