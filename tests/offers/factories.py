import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from establishments.validators import luhn_ok
from offers.models import (
    Agreement,
    Answer,
    Awardee,
    Beneficiary,
    Campaign,
    Lot,
    LotFamily,
    Offer,
    OfferDocument,
    OfferKind,
    OfferStatus,
    PriceItem,
    Provider,
    PurchaseOrder,
    Question,
    QuestionKind,
    Response,
    Subscription,
)
from tests.establishments.factories import EstablishmentFactory, RegionFactory


def siret_with_key(sequence: int) -> str:
    body = f"{sequence % 10**13:013d}"
    for key in range(10):
        if luhn_ok(f"{body}{key}"):
            return f"{body}{key}"
    raise AssertionError("unreachable")


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = Offer

    region = factory.SubFactory(RegionFactory)
    kind = OfferKind.COMMUNITY
    title = factory.Sequence(lambda n: f"Communauté des RSSI {n}")
    summary = "Échanges entre RSSI de la région."
    status = OfferStatus.PUBLISHED


class OfferDocumentFactory(DjangoModelFactory):
    class Meta:
        model = OfferDocument

    offer = factory.SubFactory(OfferFactory)
    label = "Plaquette de l'offre"
    file = factory.django.FileField(filename="plaquette.pdf", data=b"%PDF-1.4\n%%EOF\n")


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    region = factory.SubFactory(RegionFactory)
    title = factory.Sequence(lambda n: f"Appel à manifestation d'intérêt {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=5))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    campaign = factory.SubFactory(CampaignFactory)
    offer = factory.SubFactory(OfferFactory, region=factory.SelfAttribute("..campaign.region"))
    code = factory.Sequence(lambda n: f"q{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = QuestionKind.YES_NO
    joins_offer_when = factory.LazyFunction(lambda: [True])


class ResponseFactory(DjangoModelFactory):
    class Meta:
        model = Response

    establishment = factory.SubFactory(EstablishmentFactory)
    campaign = factory.SubFactory(CampaignFactory, region=factory.SelfAttribute("..establishment.region"))


class AnswerFactory(DjangoModelFactory):
    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(QuestionFactory, campaign=factory.SelfAttribute("..response.campaign"))
    value = True


class SubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = Subscription

    establishment = factory.SubFactory(EstablishmentFactory)
    offer = factory.SubFactory(OfferFactory, region=factory.SelfAttribute("..establishment.region"))


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    region = factory.SubFactory(RegionFactory)
    reference = factory.Sequence(lambda n: f"AC-2026-{n:03d}")
    title = "Prestations de cybersécurité pour les établissements de santé et médico-sociaux"
    buyer = "GRADeS e-santé"
    notified_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    firm_months = 24
    renewal_count = 2
    renewal_months = 12
    late_penalty_per_day = Decimal("50")


class LotFactory(DjangoModelFactory):
    class Meta:
        model = Lot

    agreement = factory.SubFactory(AgreementFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "Tests d'intrusion"
    family = LotFamily.AUDIT
    services = factory.LazyFunction(lambda: ["pentest"])
    min_amount = Decimal("0")
    max_amount = Decimal("100000")
    need_key = "audit"


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Cyberaudit {n} SAS")
    siret = factory.Sequence(lambda n: siret_with_key(5_000_000 + n))
    contact_email = "contact@cyberaudit.example"


class AwardeeFactory(DjangoModelFactory):
    class Meta:
        model = Awardee

    lot = factory.SubFactory(LotFactory)
    provider = factory.SubFactory(ProviderFactory, region=factory.SelfAttribute("..lot.agreement.region"))
    rank = 1
    passi_qualified = True
    passi_expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=700))


class PriceItemFactory(DjangoModelFactory):
    class Meta:
        model = PriceItem

    awardee = factory.SubFactory(AwardeeFactory)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    label = "Journée d'auditeur"
    unit = "jour"
    unit_price = Decimal("1000.00")
    vat_rate = Decimal("20")


class BeneficiaryFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiary

    establishment = factory.SubFactory(EstablishmentFactory)
    agreement = factory.SubFactory(AgreementFactory, region=factory.SelfAttribute("..establishment.region"))


class PurchaseOrderFactory(DjangoModelFactory):
    """A draft order of a beneficiary (amounts set directly: use services.create_order to test the rules)."""

    class Meta:
        model = PurchaseOrder

    establishment = factory.SubFactory(EstablishmentFactory)
    agreement = factory.SubFactory(AgreementFactory, region=factory.SelfAttribute("..establishment.region"))
    lot = factory.SubFactory(LotFactory, agreement=factory.SelfAttribute("..agreement"))
    awardee = factory.SubFactory(AwardeeFactory, lot=factory.SelfAttribute("..lot"))
    number = factory.Sequence(lambda n: n + 1)
    requested_start = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
    requested_end = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=40))
    total_excl_vat = Decimal("2000.00")
    total_incl_vat = Decimal("2400.00")

    @factory.post_generation
    def beneficiary(obj, create, extracted, **kwargs):
        if create:
            Beneficiary.objects.get_or_create(agreement=obj.agreement, establishment=obj.establishment)
