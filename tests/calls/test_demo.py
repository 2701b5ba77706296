import pytest
from django.core.management import call_command

from calls.models import Application, Call, Question
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    idf = RegionFactory(code="11", name="Île-de-France")
    ara = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    for n in range(2):
        EstablishmentFactory(department=DepartmentFactory(code="75", region=idf), name=f"CH parisien {n}")
    for n in range(3):
        EstablishmentFactory(ehpad=True, department=DepartmentFactory(code="01", region=ara), name=f"EHPAD {n}")
    return idf, ara


def test_demo_calls_is_idempotent_and_has_an_open_edition_of_each(regions):
    call_command("demo_calls")
    counts = (Call.objects.count(), Question.objects.count(), Application.objects.count())
    call_command("demo_calls")
    assert (Call.objects.count(), Question.objects.count(), Application.objects.count()) == counts
    assert counts[0] == 4
    open_calls = Call.objects.open_at()
    assert {c.region.code for c in open_calls} == {"11", "84"}
    ara_2025 = Call.objects.get(slug="ara-aac-diagnostic-exercice-2025")
    assert ara_2025.closes_at.date().isoformat() == "2025-12-31"
    assert ara_2025.is_rolling and ara_2025.cutoffs.count() == 2
    idf = open_calls.get(region__code="11")
    assert idf.funding_amount == 4000
    assert {r.kind for r in idf.rules.all()} >= {"self_assessment", "declared_date_within", "declared_yes_with_proof"}


def test_demo_opens_an_aap_in_occitanie_that_the_demo_accounts_can_apply_to(regions):
    from calls import eligibility
    from establishments.models import Membership
    from tests.calls.factories import editor_of

    occitanie = RegionFactory(code="76", name="Occitanie")
    aude = DepartmentFactory(code="11", region=occitanie)
    hospital = EstablishmentFactory(department=aude, name="CH CARCASSONNE")
    ehpad = EstablishmentFactory(ehpad=True, department=aude, name="EHPAD DE LUZENAC")
    for establishment in (hospital, ehpad):
        editor_of(establishment)
    call_command("demo_calls")
    call = Call.objects.open_at().get(region=occitanie)
    assert call.kind == Call.Kind.AAP and call.funding_amount == 4000
    for establishment in (hospital, ehpad):
        assert eligibility.evaluate(call, establishment).may_apply, establishment
    assert Membership.objects.filter(establishment__region=occitanie).count() == 2
