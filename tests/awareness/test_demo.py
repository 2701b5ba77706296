"""The demo: the Occitanie programme with CH Carcassonne and EHPAD de Luzenac enrolled, built twice the same."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from awareness import stats
from awareness.models import Campaign, CampaignRequest, Enrolment, Learner, PhishingResult, Retraining
from establishments.roles import Role
from tests.establishments.factories import (
    CategoryFactory,
    DepartmentFactory,
    EstablishmentFactory,
    MembershipFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db


def test_demo_enrols_the_two_demo_establishments_idempotently():
    region = RegionFactory(code="76", name="Occitanie")
    aude, ariege = DepartmentFactory(code="11", region=region), DepartmentFactory(code="09", region=region)
    ch = EstablishmentFactory(finess="110000023", department=aude, name="CH CARCASSONNE")
    ehpad = EstablishmentFactory(finess="090000597", department=ariege, name="EHPAD DE LUZENAC",
                                 category=CategoryFactory(ehpad=True))  # fmt: skip
    for index in range(3):
        EstablishmentFactory(department=ariege, category=CategoryFactory(ehpad=True), name=f"EHPAD voisin {index}")
    MembershipFactory(establishment=ch, role=Role.DIRECTOR, user__email="directrice.ch@demo.crrc.example")
    MembershipFactory(establishment=ehpad, role=Role.DIRECTOR, user__email="directeur.ehpad@demo.crrc.example")

    call_command("demo_awareness")
    counts = (Learner.objects.count(), PhishingResult.objects.count(), Retraining.objects.count())
    call_command("demo_awareness")

    assert (Learner.objects.count(), PhishingResult.objects.count(), Retraining.objects.count()) == counts
    assert Enrolment.objects.filter(establishment__in=[ch, ehpad], is_active=True).count() == 2
    assert Campaign.objects.filter(programme__region=region).count() == 4
    assert Learner.objects.filter(establishment=ch).count() == 129
    q1 = Campaign.objects.get(programme__region=region, quarter=1)
    if timezone.localdate() < q1.starts_on:
        pytest.skip("the first campaign of the year has not been sent yet: no results in the demo before it")
    figures = stats.campaign_figures(ch, q1)
    assert not figures.masked and 20 < figures.rates["trapped"].value < 50
    assert any(row.population.masked for row in stats.service_breakdown(ch, q1))  # Informatique: 3 people
    assert Retraining.objects.filter(establishment=ch, completed_at__isnull=True).exists()
    assert CampaignRequest.objects.filter(establishment=ehpad, state="requested").count() == 1
    assert Enrolment.objects.get(establishment=ehpad).staff_informed_on is None  # the EHPAD director's next step


def test_the_other_demo_regions_get_a_programme_to_join():
    region = RegionFactory(code="76", name="Occitanie")
    aude, ariege = DepartmentFactory(code="11", region=region), DepartmentFactory(code="09", region=region)
    EstablishmentFactory(finess="110000023", department=aude)
    EstablishmentFactory(finess="090000597", department=ariege, category=CategoryFactory(ehpad=True))
    idf = RegionFactory(code="11", name="Île-de-France")

    call_command("demo_awareness")
    call_command("demo_awareness")

    from awareness.models import Programme

    programme = Programme.objects.get(region=idf)
    assert programme.title.endswith("Île-de-France") and "CRRC Île-de-France" in programme.staff_information_text
    assert programme.campaigns.count() == 4 and programme.modules.count() == 13
    assert not Enrolment.objects.filter(programme=programme).exists()  # the director's next step: join it
