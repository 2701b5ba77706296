"""Demo of the offers in Occitanie, on real FINESS establishments, through the services (every rule applies).

* The AMI campaign of the Occitanie CRRC (the one of 25/11/2022, rebuilt for this year), open now, with twelve
  establishments that answered (six hospitals, six EHPAD) and their subscriptions; the CH de Carcassonne's answer is
  started by its RSSI and waits for the director's submission; the EHPAD de Luzenac has not answered yet.
* One notified framework agreement with two audit lots and one exercise lot, three awardees (PASSI where the lot
  requires it) with their price lists, the answering establishments as beneficiaries, one amendment, and purchase
  orders at every step — the audit lot past 80 % of its maximum, so the alert shows.

Every demo account has something to do: the CH's director submits the answer and issues a draft order, its RSSI
completes the answer, the EHPAD's director answers the campaign, the CRRC staff acknowledge and invoice orders and
follow the answers and needs, the ARS reviewer reads them. Run after ``demo_accounts``. Idempotent: the demo's
offers rows of Occitanie are rebuilt each time.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from establishments.management.commands.demo_accounts import CH_FINESS, EHPAD_FINESS, REGION_CODE
from establishments.models import Establishment, Membership, Region
from establishments.roles import Role
from offers import ami, services
from offers.models import (
    Agreement,
    Amendment,
    Awardee,
    Beneficiary,
    Campaign,
    Lot,
    LotFamily,
    Offer,
    OfferKind,
    OfferStatus,
    OrderLine,
    PriceItem,
    Provider,
    PurchaseOrder,
    PurchaseOrderLog,
    Subscription,
    SubscriptionLog,
)
from offers.services import LineInput

AGREEMENT_REFERENCE = "GRADeS-OCC-AC-2026-01"

# Fictional providers; their SIRET numbers carry a valid check key (they are not real companies).
PROVIDERS = (
    ("Audits Cyber Santé Occitanie SAS", "80295478500028", "Hélène Morel", "contact@acso.example"),
    ("Sécurité Hospitalière Conseil", "40483304800022", "Bruno Lefèvre", "bc@shc.example"),
    ("Crise & Résilience Formation", "51234567800018", "Inès Caron", "ines.caron@cref.example"),
)


def _valid_siret(base: str) -> str:
    from establishments.validators import luhn_ok

    body = base[:13]
    return next(f"{body}{k}" for k in range(10) if luhn_ok(f"{body}{k}"))


class Command(BaseCommand):
    help = "Crée la campagne de positionnement, l'accord-cadre et les bons de commande de démonstration (Occitanie)."

    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=REGION_CODE).first()
        main = {e.finess: e for e in Establishment.objects.filter(finess__in=[CH_FINESS, EHPAD_FINESS])}
        if region is None or len(main) < 2:
            raise CommandError("Lancez d'abord « manage.py demo_accounts » (après load_geo et import_finess).")
        staff = User.objects.get(email="equipe.crrc@demo.crrc.example")
        with transaction.atomic():
            self._reset(region)
            campaign = self._campaign(region)
            answering = self._answers(campaign, region, main)
            agreement = self._agreement(region, campaign, staff, answering + [main[CH_FINESS]])
            self._orders(agreement, staff, answering, main[CH_FINESS])
        self.stdout.write(
            f"  {campaign.title} : {campaign.responses.filter(submitted_at__isnull=False).count()} réponses transmises"
        )
        self.stdout.write(f"  accord-cadre {agreement.reference} : {agreement.orders.count()} bons de commande")

    # ---- reset ---------------------------------------------------------------------------------------------------

    def _reset(self, region) -> None:
        orders = PurchaseOrder.objects.filter(agreement__region=region)
        # An application may point to an order as its proof of order (protected): unlink before deleting the orders.
        from calls.models import Application

        Application.objects.filter(purchase_order__in=orders).update(purchase_order=None)
        PurchaseOrderLog.objects.filter(order__in=orders).delete()
        OrderLine.objects.filter(order__in=orders).delete()
        orders.delete()
        agreements = Agreement.objects.filter(region=region)
        Beneficiary.objects.filter(agreement__in=agreements).delete()
        Amendment.objects.filter(agreement__in=agreements).delete()  # a queryset delete: the model refuses one by one
        PriceItem.objects.filter(awardee__lot__agreement__in=agreements).delete()
        Awardee.objects.filter(lot__agreement__in=agreements).delete()
        Lot.objects.filter(agreement__in=agreements).delete()
        agreements.delete()
        Provider.objects.filter(region=region).delete()
        subscriptions = Subscription.objects.filter(offer__region=region)
        SubscriptionLog.objects.filter(subscription__in=subscriptions).delete()
        subscriptions.delete()
        for campaign in Campaign.objects.filter(region=region):
            campaign.responses.all().delete()
            campaign.delete()
        Offer.objects.filter(region=region).delete()

    # ---- the AMI -------------------------------------------------------------------------------------------------

    def _campaign(self, region) -> Campaign:
        today = timezone.localdate()
        year = today.year if today >= datetime.date(today.year, 11, 25) else today.year - 1
        campaign = ami.build_campaign(region, year=year)
        now = timezone.now()
        if not campaign.is_open(now):  # keep it open for the demo whatever the day
            campaign.opens_at = now - datetime.timedelta(days=6)
            campaign.closes_at = now + datetime.timedelta(days=60)
            campaign.save(update_fields=["opens_at", "closes_at"])
        Offer.objects.create(
            region=region, kind=OfferKind.DIAGNOSTIC, title="Diagnostic de maturité MonAideCyber",
            summary="Un diagnostic de 90 minutes avec un aidant cyber, suivi de six mesures prioritaires.",
            status=OfferStatus.PUBLISHED, order=5, contact_name=region.portal_name,
        )  # fmt: skip
        return campaign

    def _director(self, establishment) -> User:
        email = f"direction.{establishment.finess}@annuaire-demo.example"  # not a login: no password
        defaults = {"first_name": "Direction", "last_name": establishment.name[:40]}
        user, created = User.objects.get_or_create(email=email, defaults=defaults)
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, establishment=establishment, defaults={"role": Role.DIRECTOR})
        return user

    def _answers(self, campaign, region, main) -> list[Establishment]:
        base = Establishment.objects.filter(region=region).exclude(finess__in=list(main)).order_by("finess")
        chosen = list(base.filter(category__code="355")[:6]) + list(base.filter(category__code="500")[:6])
        variants = [
            {"framework": "both", "audit_volume": "2", "audit_spend": "24000", "exercise_volume": "1",
             "exercise_spend": "9000", "community_join": "yes", "awareness_join": "yes", "phishing_on_demand": "yes",
             "custom_campaigns": "yes"},
            {"framework": "audits", "audit_volume": "1", "audit_spend": "12000", "community_join": "yes",
             "awareness_join": "yes", "phishing_on_demand": "no", "custom_campaigns": "no"},
            {"framework": "exercises", "exercise_volume": "1", "exercise_spend": "6000", "covered_until": "",
             "community_join": "no", "awareness_join": "yes", "phishing_on_demand": "yes", "custom_campaigns": "no"},
            {"framework": "no", "community_join": "yes", "awareness_join": "no"},
        ]  # fmt: skip
        answering = []
        for index, establishment in enumerate(chosen):
            director = self._director(establishment)
            answer = dict(variants[index % len(variants)])
            if index == 5:
                answer["covered_until"] = f"{timezone.localdate().year + 1}-06-30"
            if answer.get("community_join") == "yes":
                answer["community_contacts"] = {
                    "community_contacts__0__last_name": "Référent",
                    "community_contacts__0__first_name": "RSSI",
                    "community_contacts__0__function": "RSSI",
                    "community_contacts__0__email": f"rssi.{establishment.finess}@annuaire-demo.example",
                }
            response = services.start_response(campaign, establishment, director)
            result = services.save_answers(response, director, {k: v for k, v in answer.items() if v != ""})
            if result.errors:
                raise CommandError(f"Réponse de démonstration refusée : {result.errors}")
            services.submit_response(response, director)
            if answer["framework"] != "no":
                answering.append(establishment)
        # The CH de Carcassonne: started by its RSSI, the director still has to submit.
        ch = main[CH_FINESS]
        rssi = User.objects.get(email="rssi.ch@demo.crrc.example")
        response = services.start_response(campaign, ch, rssi)
        services.save_answers(response, rssi, {"framework": "both", "audit_volume": "3", "audit_spend": "36000",
                                               "exercise_volume": "1", "exercise_spend": "12000",
                                               "community_join": "yes"})  # fmt: skip
        staff = User.objects.get(email="equipe.crrc@demo.crrc.example")
        for subscription in Subscription.objects.filter(offer__region=region, offer__kind=OfferKind.COMMUNITY)[:3]:
            services.apply_subscription(subscription, "activate", staff)
        return answering

    # ---- the framework agreement -----------------------------------------------------------------------------------

    def _agreement(self, region, campaign, staff, beneficiaries) -> Agreement:
        today = timezone.localdate()
        agreement = Agreement.objects.create(
            region=region, reference=AGREEMENT_REFERENCE, campaign=campaign,
            title="Prestations d'audit de sécurité et d'accompagnement aux exercices de crise cyber",
            buyer=region.grades_name or "GRADeS Occitanie", notified_on=None,
            firm_months=24, renewal_count=2, renewal_months=12, allocation_rule="cascade",
            late_penalty_per_day=Decimal("100"),
        )  # fmt: skip
        lots = [
            Lot.objects.create(agreement=agreement, number=1, title="Tests d'intrusion et audits techniques",
                               family=LotFamily.AUDIT, services=["pentest", "infrastructure", "code", "vuln_scan"],
                               min_amount=Decimal("20000"), max_amount=Decimal("50000"), requires_passi=True,
                               need_key="audit"),
            Lot.objects.create(agreement=agreement, number=2, title="Audits organisationnels et de conformité",
                               family=LotFamily.AUDIT, services=["organisational", "compliance", "risk"],
                               min_amount=Decimal("0"), max_amount=Decimal("150000"), need_key="audit"),
            Lot.objects.create(agreement=agreement, number=3, title="Accompagnement aux exercices de crise cyber",
                               family=LotFamily.EXERCISE,
                               services=["kit_beginner", "kit_intermediate", "kit_confirmed", "facilitator_training",
                                         "custom_exercise"],
                               min_amount=Decimal("0"), max_amount=Decimal("200000"), need_key="exercise"),
        ]  # fmt: skip
        providers = [
            Provider.objects.create(region=region, name=name, siret=_valid_siret(siret), contact_name=contact,
                                    contact_email=email)
            for name, siret, contact, email in PROVIDERS
        ]  # fmt: skip
        passi_until = today + datetime.timedelta(days=500)
        a1 = Awardee.objects.create(lot=lots[0], provider=providers[0], rank=1, passi_qualified=True,
                                    passi_expires_on=passi_until)  # fmt: skip
        a1b = Awardee.objects.create(lot=lots[0], provider=providers[1], rank=2, passi_qualified=True,
                                     passi_expires_on=today - datetime.timedelta(days=20))  # fmt: skip
        a2 = Awardee.objects.create(lot=lots[1], provider=providers[1], rank=1)
        a3 = Awardee.objects.create(lot=lots[2], provider=providers[2], rank=1)
        prices = [
            (a1, "PT-EXT", "Test d'intrusion externe (forfait 5 jours)", "forfait", "6500.00"),
            (a1, "PT-J", "Journée d'auditeur technique", "jour", "1150.00"),
            (a1b, "PT-J", "Journée d'auditeur technique", "jour", "1090.00"),
            (a2, "ORG-HYG", "Audit de conformité au guide d'hygiène de l'ANSSI", "forfait", "7800.00"),
            (a2, "ORG-J", "Journée de consultant", "jour", "950.00"),
            (a3, "EX-DEB", "Exercice avec le kit ANS niveau débutant (préparation, animation, RETEX)", "forfait",
             "4200.00"),
            (a3, "EX-INT", "Exercice avec le kit ANS niveau intermédiaire", "forfait", "6900.00"),
            (a3, "EX-FORM", "Formation d'animateurs d'exercice (groupe de 8)", "session", "2400.00"),
        ]  # fmt: skip
        for awardee, code, label, unit, price in prices:
            PriceItem.objects.create(awardee=awardee, code=code, label=label, unit=unit, unit_price=Decimal(price))
        for establishment in beneficiaries:
            services.add_beneficiary(agreement, establishment, staff, firm_period_only=establishment.sector == "ESMS")
        services.notify_agreement(agreement, today - datetime.timedelta(days=270), staff)
        newcomer = (
            Establishment.objects.filter(region=region, category__code="500")
            .exclude(pk__in=[b.pk for b in beneficiaries])
            .exclude(finess=EHPAD_FINESS)
            .order_by("-finess")
            .first()
        )
        services.amend(agreement, staff, signed_on=today - datetime.timedelta(days=60),
                       reason="Ouverture d'un EHPAD rattaché au groupement",
                       changes="Ajout d'un bénéficiaire, engagé sur la période ferme seulement.",
                       add=[(newcomer, True)])  # fmt: skip
        return agreement

    def _orders(self, agreement, staff, answering, ch) -> None:
        today = timezone.localdate()
        lots = {lot.number: lot for lot in agreement.lots.all()}
        awardee = {lot.number: lot.awardees.order_by("rank").first() for lot in lots.values()}
        price = {p.code: p for p in PriceItem.objects.filter(awardee__lot__agreement=agreement, awardee__rank=1)}
        steps = ["issue", "acknowledge", "schedule", "deliver", "invoice", "pay"]
        plan = [  # (establishment, lot, lines, how far, requested start offset, duration)
            (answering[0], 1, [("PT-EXT", 2), ("PT-J", 3)], 6, -200, 20),
            (answering[1], 1, [("PT-EXT", 1), ("PT-J", 5)], 5, -120, 30),
            (answering[2], 1, [("PT-EXT", 2)], 4, -60, 30),
            (answering[3], 2, [("ORG-HYG", 1)], 3, -20, 10),
            (answering[4], 2, [("ORG-J", 4)], 2, 10, 20),
            (answering[5], 3, [("EX-DEB", 1)], 1, 20, 15),
            (answering[0], 3, [("EX-INT", 1), ("EX-FORM", 1)], 6, -150, 10),
            (ch, 3, [("EX-DEB", 1)], 3, -15, 10),  # the CH: scheduled and late → director records the service done
            (ch, 1, [("PT-J", 2)], 0, 30, 10),  # the CH: a draft for the director to issue
            (answering[1], 2, [("ORG-J", 2)], -1, 15, 10),  # cancelled
        ]
        for establishment, lot_number, lines, reach, start, length in plan:
            director = self._director(establishment) if establishment != ch else User.objects.get(
                email="directrice.ch@demo.crrc.example")  # fmt: skip
            order = services.create_order(
                establishment, director, agreement=agreement, lot=lots[lot_number], awardee=awardee[lot_number],
                lines=[LineInput(price[code].pk, quantity) for code, quantity in lines],
                requested_start=today + datetime.timedelta(days=start),
                requested_end=today + datetime.timedelta(days=start + length),
                deliverables="Rapport d'audit, synthèse pour la direction et plan de remédiation priorisé."
                if lot_number != 3 else "Scénario adapté, animation sur site, retour d'expérience écrit.",
                legal_commitment=f"EJ-{today.year}-{establishment.finess[-4:]}-{lot_number}",
                choice_reason="Titulaire de rang 1 (cascade), disponible aux dates demandées."
                if lot_number == 1 else "",
            )  # fmt: skip
            if reach < 0:
                services.advance_order(order, "cancel", director, reason="Projet reporté à l'année prochaine")
                continue
            for step in steps[:reach]:
                actor = staff if step in ("acknowledge", "invoice", "pay") else director
                data = {
                    "schedule": {"scheduled_on": today + datetime.timedelta(days=start)},
                    "deliver": {"delivered_on": min(today, today + datetime.timedelta(days=start + length + 2))},
                    "invoice": {"invoice_number": f"F{order.number:05d}", "invoiced_on": today},
                    "pay": {"paid_on": today},
                }.get(step, {})
                services.advance_order(order, step, actor, data=data)
                if step == "issue":  # spread the issue dates over the year, as a real register would show
                    PurchaseOrder.objects.filter(pk=order.pk).update(
                        issued_on=today + datetime.timedelta(days=min(start - 10, 0))
                    )
        for lot in lots.values():
            services.check_lot_alerts(lot.pk)
