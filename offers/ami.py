"""The Occitanie positioning campaign ("AMI" of 25/11/2022), rebuilt as data for any year and any region.

The questions below are what the CRRC's staff would type in the admin; ``build_campaign`` creates the offers (when
the region does not have them yet), the campaign and its questions from this list. The demo and the tests use it;
a CRRC changes the questions afterwards in the admin without touching code.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Campaign, Funding, NeedMeasure, Offer, OfferKind, OfferStatus, Question, QuestionKind

FRAMEWORK_CHOICES = [
    ["audits", "OUI sur le périmètre audits"],
    ["exercises", "OUI sur le périmètre exercices de crises"],
    ["both", "OUI sur les deux"],
    ["no", "NON"],
]

OFFERS = [
    {
        "key": "audits",
        "kind": OfferKind.AUDIT_FRAMEWORK,
        "title": "Accord-cadre régional – audits de cybersécurité",
        "summary": "Tests d'intrusion, audits d'infrastructure, de code, organisationnels et de conformité par des "
        "prestataires qualifiés PASSI, commandés par bon de commande sans nouvelle mise en concurrence.",
        "funding": Funding.COFUNDED,
        "remaining_cost": "Prestation à la charge de l'établissement au prix du bordereau ; le premier audit est "
        "cofinancé à 50 % par l'ARS.",
    },
    {
        "key": "exercises",
        "kind": OfferKind.EXERCISE_FRAMEWORK,
        "title": "Accord-cadre régional – accompagnement aux exercices de crise cyber",
        "summary": "Préparation, animation et retour d'expérience d'un exercice de crise avec les kits de l'ANS "
        "(débutant, intermédiaire, confirmé), formation d'animateurs, exercice sur mesure.",
        "funding": Funding.COFUNDED,
        "remaining_cost": "Au prix du bordereau, cofinancé par l'ARS selon l'appel à projets exercices de crise.",
    },
    {
        "key": "community",
        "kind": OfferKind.COMMUNITY,
        "title": "Communauté régionale des RSSI",
        "summary": "Échanges entre RSSI et référents informatiques, webinaires, alertes et retours d'expérience.",
        "funding": Funding.FULL,
        "remaining_cost": "",
    },
    {
        "key": "awareness",
        "kind": OfferKind.AWARENESS,
        "title": "Programme régional de sensibilisation",
        "summary": "Kits de sensibilisation, campagnes d'hameçonnage simulé à la demande et campagnes "
        "personnalisées pour les professionnels de l'établissement.",
        "funding": Funding.FULL,
        "remaining_cost": "",
    },
]

# (offer key, code, label, kind, extra) in the order of the form.
QUESTIONS = [
    ("audits", "framework", "Souhaitez-vous bénéficier de l'accord-cadre régional ?", QuestionKind.CHOICE,
     {"choices": FRAMEWORK_CHOICES, "is_mandatory": True, "joins_offer_when": ["audits", "both"],
      "joins_other": ("exercises", ["exercises", "both"])}),
    ("audits", "audit_volume", "Audits : nombre estimé de prestations par an", QuestionKind.NUMBER,
     {"depends_on": "framework", "shown_for": ["audits", "both"], "need_key": "audit",
      "need_measure": NeedMeasure.VOLUME, "is_mandatory": True}),
    ("audits", "audit_spend", "Audits : dépense annuelle estimée (non engageante, € TTC)", QuestionKind.AMOUNT,
     {"depends_on": "framework", "shown_for": ["audits", "both"], "need_key": "audit",
      "need_measure": NeedMeasure.SPEND}),
    ("exercises", "exercise_volume", "Exercices de crise : nombre estimé d'exercices par an", QuestionKind.NUMBER,
     {"depends_on": "framework", "shown_for": ["exercises", "both"], "need_key": "exercise",
      "need_measure": NeedMeasure.VOLUME, "is_mandatory": True}),
    ("exercises", "exercise_spend", "Exercices de crise : dépense annuelle estimée (non engageante, € TTC)",
     QuestionKind.AMOUNT,
     {"depends_on": "framework", "shown_for": ["exercises", "both"], "need_key": "exercise",
      "need_measure": NeedMeasure.SPEND}),
    ("audits", "covered_until",
     "Déjà couvert par un contrat en cours ? Indiquez sa date de fin : l'établissement rejoindra l'accord-cadre à "
     "cette date.", QuestionKind.DATE,
     {"depends_on": "framework", "shown_for": ["audits", "exercises", "both"], "joins_from_date": True,
      "help_text": "Laissez vide si aucun contrat ne couvre déjà ces prestations."}),
    ("community", "community_join", "Souhaitez-vous rejoindre la communauté régionale des RSSI ?",
     QuestionKind.YES_NO, {"is_mandatory": True, "joins_offer_when": [True]}),
    ("community", "community_contacts", "Personnes à inscrire à la communauté (deux au plus)", QuestionKind.CONTACTS,
     {"depends_on": "community_join", "shown_for": [True], "max_contacts": 2, "is_mandatory": True}),
    ("awareness", "awareness_join", "Souhaitez-vous adhérer au programme de sensibilisation ?", QuestionKind.YES_NO,
     {"is_mandatory": True, "joins_offer_when": [True]}),
    ("awareness", "phishing_on_demand", "Souhaitez-vous des campagnes d'hameçonnage simulé à la demande ?",
     QuestionKind.YES_NO, {"depends_on": "awareness_join", "shown_for": [True]}),
    ("awareness", "custom_campaigns", "Êtes-vous intéressé par des campagnes personnalisées ?", QuestionKind.YES_NO,
     {"depends_on": "awareness_join", "shown_for": [True]}),
]  # fmt: skip


def region_offers(region) -> dict[str, Offer]:
    """The region's four AMI offers, created (published) when missing."""
    offers = {}
    for order, spec in enumerate(OFFERS, start=1):
        offer = Offer.objects.filter(region=region, kind=spec["kind"]).order_by("pk").first()
        if offer is None:
            offer = Offer.objects.create(
                region=region,
                kind=spec["kind"],
                title=spec["title"],
                summary=spec["summary"],
                funding=spec["funding"],
                remaining_cost=spec["remaining_cost"],
                status=OfferStatus.PUBLISHED,
                order=order,
                contact_name=region.portal_name,
                contact_email=region.contact_email,
            )
        offers[spec["key"]] = offer
    return offers


@transaction.atomic
def build_campaign(region, *, year: int | None = None, opens_at=None, closes_at=None) -> Campaign:
    """The AMI of ``year`` for ``region`` (25 November → 31 January), with its offers and questions."""
    year = year or timezone.localdate().year
    tz = timezone.get_current_timezone()
    opens_at = opens_at or datetime.datetime(year, 11, 25, 9, 0, tzinfo=tz)
    closes_at = closes_at or datetime.datetime(year + 1, 1, 31, 18, 0, tzinfo=tz)
    offers = region_offers(region)
    campaign = Campaign.objects.create(
        region=region,
        title=_("Appel à manifestation d'intérêt %(year)s – offres du CRRC") % {"year": year},
        introduction=_(
            "Chaque année, le CRRC recense les besoins des établissements pour dimensionner ses accords-cadres et "
            "ses programmes. Les volumes et montants demandés sont des estimations non engageantes. La réponse est "
            "partagée entre le directeur et le RSSI ; elle est transmise par le directeur."
        ),
        opens_at=opens_at,
        closes_at=closes_at,
    )
    campaign.offers.set(offers.values())
    created: dict[str, Question] = {}
    for order, (offer_key, code, label, kind, extra) in enumerate(QUESTIONS, start=1):
        extra = dict(extra)
        depends_on = created.get(extra.pop("depends_on", None))
        other = extra.pop("joins_other", None)
        created[code] = Question.objects.create(
            campaign=campaign,
            offer=offers[offer_key],
            code=code,
            label=label,
            kind=kind,
            order=order * 10,
            depends_on=depends_on,
            joins_other_offer=offers[other[0]] if other else None,
            joins_other_when=other[1] if other else [],
            **extra,
        )
    return campaign
