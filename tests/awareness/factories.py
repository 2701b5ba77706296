import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from awareness.choices import EnrolmentSource, ModuleFormat, ModuleKind, TemplateLevel, Theme
from awareness.models import (
    Campaign,
    CampaignRequest,
    Enrolment,
    ImportRun,
    Learner,
    Module,
    ModuleResult,
    PhishingEvent,
    PhishingResult,
    PhishingTemplate,
    Programme,
    ReportBatch,
    Retraining,
    quarter_bounds,
)
from awareness.services import add_months
from tests.establishments.factories import EstablishmentFactory, RegionFactory

YEAR = timezone.localdate().year


class PhishingTemplateFactory(DjangoModelFactory):
    class Meta:
        model = PhishingTemplate
        django_get_or_create = ("region", "name")

    region = factory.SubFactory(RegionFactory)
    name = "Colis en attente"
    level = TemplateLevel.SIMPLE


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("region", "year")

    region = factory.SubFactory(RegionFactory)
    year = YEAR
    title = factory.LazyAttribute(lambda o: f"Programme de sensibilisation {o.year} – {o.region.name}")
    staff_information_text = "Dans le cadre du programme régional, votre adresse professionnelle est utilisée."


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module
        django_get_or_create = ("programme", "code")

    programme = factory.SubFactory(ProgrammeFactory)
    month = 1
    code = factory.LazyAttribute(lambda o: f"M{o.month:02d}" if o.month else "REMED")
    kind = ModuleKind.MONTHLY
    title = factory.LazyAttribute(lambda o: f"Module {o.code}")
    theme = Theme.PHISHING
    format = ModuleFormat.VIDEO_QUIZ
    duration_minutes = 3


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("programme", "quarter")

    programme = factory.SubFactory(ProgrammeFactory)
    quarter = 1
    template = factory.LazyAttribute(lambda o: PhishingTemplateFactory(region=o.programme.region))
    starts_on = factory.LazyAttribute(lambda o: quarter_bounds(o.programme.year, o.quarter)[0])
    ends_on = factory.LazyAttribute(lambda o: quarter_bounds(o.programme.year, o.quarter)[1])


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment
        django_get_or_create = ("establishment", "programme")

    establishment = factory.SubFactory(EstablishmentFactory)
    programme = factory.LazyAttribute(lambda o: ProgrammeFactory(region=o.establishment.region))
    source = EnrolmentSource.DIRECT


class LearnerFactory(DjangoModelFactory):
    class Meta:
        model = Learner

    establishment = factory.SubFactory(EstablishmentFactory)
    email = factory.Sequence(lambda n: f"agent{n}@hopital.example.org")
    first_name = factory.Sequence(lambda n: f"Prenom{n}")
    last_name = factory.Sequence(lambda n: f"Nomfamille{n}")
    service = "Urgences"


def _campaign_of(o):
    EnrolmentFactory(establishment=o.establishment)
    return CampaignFactory(programme=ProgrammeFactory(region=o.establishment.region))


class PhishingResultFactory(DjangoModelFactory):
    class Meta:
        model = PhishingResult

    establishment = factory.SubFactory(EstablishmentFactory)
    learner = factory.LazyAttribute(lambda o: LearnerFactory(establishment=o.establishment))
    campaign = factory.LazyAttribute(_campaign_of)
    sent = True
    opened = True
    clicked = False
    sent_at = factory.LazyFunction(timezone.now)


class PhishingEventFactory(DjangoModelFactory):
    class Meta:
        model = PhishingEvent

    establishment = factory.SubFactory(EstablishmentFactory)
    learner = factory.LazyAttribute(lambda o: LearnerFactory(establishment=o.establishment))
    campaign = factory.LazyAttribute(_campaign_of)
    kind = "sent"
    at = factory.LazyFunction(timezone.now)


class ModuleResultFactory(DjangoModelFactory):
    class Meta:
        model = ModuleResult

    establishment = factory.SubFactory(EstablishmentFactory)
    learner = factory.LazyAttribute(lambda o: LearnerFactory(establishment=o.establishment))
    module = factory.LazyAttribute(lambda o: ModuleFactory(programme=ProgrammeFactory(region=o.establishment.region)))
    completed_at = factory.LazyFunction(timezone.now)
    score = 80


class RetrainingFactory(DjangoModelFactory):
    class Meta:
        model = Retraining

    establishment = factory.SubFactory(EstablishmentFactory)
    learner = factory.LazyAttribute(lambda o: LearnerFactory(establishment=o.establishment))
    campaign = factory.LazyAttribute(_campaign_of)


class CampaignRequestFactory(DjangoModelFactory):
    class Meta:
        model = CampaignRequest

    establishment = factory.SubFactory(EstablishmentFactory)
    template = factory.LazyAttribute(lambda o: PhishingTemplateFactory(region=o.establishment.region))
    wanted_on = factory.LazyFunction(lambda: add_months(timezone.localdate(), 2))
    requested_by = None


class ImportRunFactory(DjangoModelFactory):
    class Meta:
        model = ImportRun

    establishment = factory.SubFactory(EstablishmentFactory)
    kind = "learners"
    filename = "personnels.csv"
    digest = "0" * 64


class ReportBatchFactory(DjangoModelFactory):
    class Meta:
        model = ReportBatch

    campaign = factory.SubFactory(CampaignFactory)
