"""Framework agreements: the four-year cap, the computed end date, beneficiaries frozen at notification, amendments
kept as an append-only list, the SIRET check key of awardees."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from offers import services
from offers.models import Agreement, Amendment, Beneficiary, Provider
from tests.establishments.factories import EstablishmentFactory

from .factories import AgreementFactory, AwardeeFactory, LotFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_current_end_is_computed():
    agreement = AgreementFactory.build(notified_on=datetime.date(2026, 3, 1), firm_months=24, renewal_count=2,
                                       renewal_months=12, renewals_exercised=1)  # fmt: skip
    assert agreement.firm_end == datetime.date(2028, 2, 29)
    assert agreement.current_end == datetime.date(2029, 2, 28)
    assert agreement.latest_end == datetime.date(2030, 2, 28)


def test_more_than_four_years_is_refused(region):
    agreement = AgreementFactory.build(region=region, firm_months=36, renewal_count=2, renewal_months=12)
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "4 ans" in str(error.value.message_dict["renewal_count"])
    with pytest.raises(IntegrityError), transaction.atomic():
        agreement.save()


def test_purchasing_centre_needs_its_contract_number(region):
    agreement = AgreementFactory.build(region=region, purchasing_centre="UGAP", centre_contract_number="")
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "centrale" in str(error.value.message_dict["centre_contract_number"])


def test_bad_siret_is_refused(region):
    provider = ProviderFactory.build(region=region, siret="12345678901234")
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert "clé de contrôle" in str(error.value.message_dict["siret"])
    ProviderFactory.build(region=region, siret="35600000000048").full_clean()  # La Poste's rule
    assert not Provider.objects.exists()


def test_lot_maximum_is_mandatory(agreement):
    lot = LotFactory.build(agreement=agreement, number=9, max_amount=None)
    with pytest.raises(ValidationError) as error:
        lot.full_clean()
    assert "max_amount" in error.value.message_dict


def test_beneficiaries_are_frozen_at_notification(region, establishment, staff):
    agreement = AgreementFactory(region=region, notified_on=None)
    other = EstablishmentFactory(department=establishment.department)
    services.add_beneficiary(agreement, establishment, staff)
    lot = LotFactory(agreement=agreement)
    AwardeeFactory(lot=lot)
    services.notify_agreement(agreement, datetime.date.today(), staff)
    with pytest.raises(ValidationError, match="figés"):
        services.add_beneficiary(agreement, other, staff)
    with pytest.raises(ValidationError, match="figés"):
        services.remove_beneficiary(agreement.beneficiaries.get(), staff)
    assert list(agreement.beneficiaries.values_list("establishment", flat=True)) == [establishment.pk]


def test_notification_needs_lots_awardees_and_beneficiaries(region, staff, establishment):
    agreement = AgreementFactory(region=region, notified_on=None)
    with pytest.raises(ValidationError, match="au moins un lot"):
        services.notify_agreement(agreement, datetime.date.today(), staff)
    LotFactory(agreement=agreement)
    with pytest.raises(ValidationError, match="titulaires"):
        services.notify_agreement(agreement, datetime.date.today(), staff)
    assert Agreement.objects.get(pk=agreement.pk).notified_on is None


def test_amendments_add_and_remove_beneficiaries(agreement, establishment, staff):
    newcomer = EstablishmentFactory(department=establishment.department)
    first = services.amend(agreement, staff, signed_on=datetime.date.today(), reason="Ouverture d'un EHPAD",
                           changes="Ajout d'un bénéficiaire", add=[(newcomer, True)])  # fmt: skip
    second = services.amend(agreement, staff, signed_on=datetime.date.today(), reason="Fusion",
                            changes="Retrait de l'établissement absorbé", remove=[establishment])  # fmt: skip
    assert (first.number, second.number) == (1, 2)
    added = Beneficiary.objects.get(agreement=agreement, establishment=newcomer)
    assert added.added_by == first and added.firm_period_only
    assert Beneficiary.objects.get(agreement=agreement, establishment=establishment).removed_by == second


def test_amendments_are_append_only(agreement, staff):
    amendment = services.amend(agreement, staff, signed_on=datetime.date.today(), reason="Révision des prix",
                               changes="Indexation")  # fmt: skip
    amendment.reason = "Autre"
    with pytest.raises(ValidationError, match="ne se modifie pas"):
        amendment.save()
    with pytest.raises(ValidationError, match="ne se supprime pas"):
        amendment.delete()
    assert Amendment.objects.get().reason == "Révision des prix"


def test_amendment_refusals_write_nothing(region, agreement, establishment, staff):
    before = agreement.notified_on
    with pytest.raises(ValidationError) as error:
        services.amend(agreement, staff, signed_on=before - datetime.timedelta(days=1), reason="", changes="",
                       add=[(establishment, False)])  # fmt: skip
    assert set(error.value.message_dict) == {"signed_on", "reason", "changes", "add"}
    draft = AgreementFactory(region=region, notified_on=None)
    with pytest.raises(ValidationError, match="notifié"):
        services.amend(draft, staff, signed_on=datetime.date.today(), reason="x", changes="y")
    assert not Amendment.objects.exists()
