"""The pages: establishment side (catalogue, answer with htmx autosave, submission, "Mes offres", orders) and staff
side (answers with filters and exports, needs per lot, agreements), with isolation and bounded query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from offers import services
from offers.models import OfferStatus, PurchaseOrder, Response, Subscription
from offers.services import LineInput
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .conftest import FULL_ANSWER, with_mfa
from .factories import OfferFactory, PurchaseOrderFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def _flat(answer: dict) -> dict:
    data = {}
    for key, value in answer.items():
        data.update(value if isinstance(value, dict) else {key: value})
    return data


def test_catalogue_lists_the_region_offers_for_the_sector(client, campaign, establishment, director, other_region):
    OfferFactory(region=establishment.region, title="Réservé aux ES", audience="ES")
    OfferFactory(region=establishment.region, title="Brouillon caché", status=OfferStatus.DRAFT)
    OfferFactory(region=other_region, title="Offre d'une autre région")
    client.force_login(director)
    page = client.get(reverse("offers:catalogue")).content.decode()
    assert "Communauté régionale des RSSI" in page
    assert "Réservé aux ES" not in page  # an EHPAD is ESMS
    assert "Brouillon caché" not in page and "autre région" not in page
    assert "Répondre à la campagne" in page


def test_offer_of_another_region_is_404(client, director, other_region):
    offer = OfferFactory(region=other_region)
    client.force_login(director)
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404


def test_answer_page_autosave_and_submit(client, campaign, establishment, director, rssi):
    client.force_login(rssi)
    response = client.post(reverse("offers:start_response", args=[campaign.pk]), {"establishment": establishment.pk})
    answer = Response.objects.get()
    assert response.url == answer.get_absolute_url()
    save = reverse("offers:save_response", args=[answer.pk])
    partial = client.post(save, {"field": "framework", "framework": "both"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "Enregistré." in partial.content.decode()
    assert "Audits : nombre estimé" in partial.content.decode()  # the dependent questions appear
    bad = client.post(save, {"field": "audit_volume", "audit_volume": "2,5"}, HTTP_HX_REQUEST="true").content.decode()
    assert "nombre entier" in bad
    assert not answer.answers.filter(question__code="audit_volume").exists()
    page = client.get(answer.get_absolute_url()).content.decode()
    assert "Seul un directeur" in page
    client.force_login(director)
    assert client.post(save, _flat(FULL_ANSWER)).status_code == 302
    client.post(reverse("offers:submit_response", args=[answer.pk]))
    answer.refresh_from_db()
    assert answer.submitted_at is not None
    assert Subscription.objects.filter(establishment=establishment).count() == 4
    page = client.get(reverse("offers:subscriptions")).content.decode()
    assert "Communauté régionale des RSSI" in page and "Claire Martin" in page


def test_whole_form_with_an_error_saves_nothing(client, campaign, establishment, director):
    answer = services.start_response(campaign, establishment, director)
    client.force_login(director)
    result = client.post(reverse("offers:save_response", args=[answer.pk]), _flat(FULL_ANSWER) | {"audit_spend": "0"})
    assert result.status_code == 400
    assert "supérieur à zéro" in result.content.decode()
    assert not answer.answers.exists()


def test_closed_campaign_is_read_only(client, campaign, establishment, director):
    answer = services.start_response(campaign, establishment, director)
    campaign.opens_at = timezone.now() - datetime.timedelta(days=60)
    campaign.closes_at = timezone.now() - datetime.timedelta(days=1)
    campaign.save()
    client.force_login(director)
    page = client.get(answer.get_absolute_url()).content.decode()
    assert "ne se modifie plus" in page and "Transmettre la réponse" not in page
    client.post(reverse("offers:save_response", args=[answer.pk]), {"framework": "no"})
    assert not answer.answers.exists()


def test_another_establishment_answer_subscriptions_and_orders_are_404(client, campaign, establishment, director,
                                                                      agreement, lot, awardee):  # fmt: skip
    other = EstablishmentFactory(department=establishment.department)
    answer = ResponseFactory(campaign=campaign, establishment=other)
    subscription = Subscription.objects.create(establishment=other, offer=campaign.offers.first())
    order = PurchaseOrderFactory(establishment=other, agreement=agreement, lot=lot, awardee=awardee)
    client.force_login(director)
    for url in (reverse("offers:response", args=[answer.pk]), reverse("offers:order", args=[order.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("offers:save_response", args=[answer.pk]), {"framework": "no"}).status_code == 404
    assert client.post(reverse("offers:withdraw", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("offers:order_act", args=[order.pk, "cancel"]), {"reason": "x"}).status_code == 404


def _day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def test_order_pages(client, establishment, director, agreement, lot, awardee, price):
    client.force_login(director)
    assert "Nouveau bon" in client.get(reverse("offers:orders")).content.decode()
    url = reverse("offers:new_order", args=[agreement.pk])
    assert client.get(url).status_code == 200
    data = {"establishment": establishment.pk, "lot": lot.pk, "awardee": awardee.pk, "item_0": price.pk,
            "quantity_0": "2", "requested_start": _day(10), "requested_end": _day(5)}  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 400 and "précède" in refused.content.decode()
    assert not PurchaseOrder.objects.exists()
    created = client.post(url, data | {"requested_end": _day(30), "legal_commitment": "EJ-7"})
    order = PurchaseOrder.objects.get()
    assert created.url == order.get_absolute_url()
    page = client.get(created.url).content.decode()
    assert "Émettre le bon de commande" in page and "2 000,00" in page.replace("\xa0", " ").replace("\u202f", " ")
    client.post(reverse("offers:order_act", args=[order.pk, "issue"]), {"version": order.version})
    order.refresh_from_db()
    assert order.state == "issued"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(with_mfa(staff))
    return client


def _answers(campaign, region, count):
    from tests.establishments.factories import DepartmentFactory

    department = DepartmentFactory(code="34", region=region)
    for _ in range(count):
        establishment = EstablishmentFactory(department=department)
        director = MembershipFactory(establishment=establishment, role="director").user
        response = services.start_response(campaign, establishment, director)
        services.save_answers(response, director, FULL_ANSWER)
        services.submit_response(response, director)


@pytest.mark.parametrize("count", [2, 12])
def test_staff_lists_have_bounded_queries(staff_client, campaign, region, agreement, lot, awardee, count,
                                          django_assert_max_num_queries):  # fmt: skip
    _answers(campaign, region, count)
    for _ in range(count):
        PurchaseOrderFactory(agreement=agreement, lot=lot, awardee=awardee, establishment__department__region=region)
    for url in (reverse("offers:staff_answers", args=[campaign.pk]), reverse("offers:staff_needs", args=[campaign.pk]),
                reverse("offers:agreement", args=[agreement.pk]), reverse("offers:agreements")):  # fmt: skip
        with django_assert_max_num_queries(30):
            assert staff_client.get(url).status_code == 200


def test_staff_answers_filters_exports_and_needs(staff_client, campaign, region, establishment):
    _answers(campaign, region, 3)
    url = reverse("offers:staff_answers", args=[campaign.pk])
    missing = staff_client.get(url, {"status": "missing"}).content.decode()
    assert establishment.name in missing
    answered = staff_client.get(url, {"status": "answered", "department": "34"}).content.decode()
    assert establishment.name not in answered and "Transmise le" in answered
    csv = b"".join(staff_client.get(reverse("offers:staff_export", args=[campaign.pk, "csv"])).streaming_content)
    assert b"OUI sur les deux" in csv and establishment.finess.encode() in csv
    xlsx = staff_client.get(reverse("offers:staff_export", args=[campaign.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    needs = staff_client.get(reverse("offers:staff_needs", args=[campaign.pk])).content.decode()
    assert "audit" in needs and "45" in needs  # 3 × 15,000 € estimated spend on audits
    assert staff_client.get(reverse("offers:staff_needs_export", args=[campaign.pk])).content[:2] == b"PK"


def test_export_cells_are_formula_safe(staff_client, campaign, establishment, director):
    answer = services.start_response(campaign, establishment, director)
    services.save_answers(answer, director, {"community_join": "yes", "community_contacts": {
        "community_contacts__0__last_name": "A", "community_contacts__0__first_name": "=HYPERLINK(1)",
        "community_contacts__0__email": "a@example.org"}})  # fmt: skip
    csv = b"".join(staff_client.get(reverse("offers:staff_export", args=[campaign.pk, "csv"])).streaming_content)
    assert b";'=HYPERLINK(1) A" in csv
    assert b";=HYPERLINK" not in csv


def test_agreement_page_and_amendment(staff_client, agreement, lot, awardee, price, establishment, director):
    order = services.create_order(establishment, director, agreement=agreement, lot=lot, awardee=awardee,
                                  lines=[LineInput(price.pk, 9)], requested_start=timezone.localdate(),
                                  requested_end=timezone.localdate(), legal_commitment="EJ")  # fmt: skip
    services.advance_order(order, "issue", director)
    page = staff_client.get(reverse("offers:agreement", args=[agreement.pk])).content.decode()
    assert "alerte 80 %" in page and "figée" in page
    newcomer = EstablishmentFactory(department=establishment.department)
    result = staff_client.post(reverse("offers:amend", args=[agreement.pk]), {
        "signed_on": timezone.localdate().isoformat(), "reason": "Ouverture", "changes": "Ajout",
        "add": newcomer.finess})  # fmt: skip
    assert result.status_code == 302
    assert agreement.beneficiaries.filter(establishment=newcomer, added_by__number=1).exists()
    bad = staff_client.post(
        reverse("offers:amend", args=[agreement.pk]),
        {"signed_on": timezone.localdate().isoformat(), "reason": "x", "changes": "y", "add": "123456789"},
    )
    assert bad.status_code == 400 and "FINESS inconnu" in bad.content.decode()
    xlsx = staff_client.get(reverse("offers:consumption_export", args=[agreement.pk]))
    assert xlsx.content[:2] == b"PK"


def test_other_region_staff_see_nothing(client, other_staff, campaign, agreement, region):
    client.force_login(with_mfa(other_staff))
    for url in (reverse("offers:staff_answers", args=[campaign.pk]), reverse("offers:staff_needs", args=[campaign.pk]),
                reverse("offers:agreement", args=[agreement.pk]),
                reverse("offers:staff_export", args=[campaign.pk, "csv"])):  # fmt: skip
        assert client.get(url).status_code == 404
    assert agreement.reference not in client.get(reverse("offers:agreements")).content.decode()


def test_other_region_staff_see_nothing_in_the_admin(client, other_staff, campaign, agreement, establishment, director):
    from establishments.staffing import ensure_crrc_staff_group

    ensure_crrc_staff_group()
    answer = services.start_response(campaign, establishment, director)
    client.force_login(with_mfa(other_staff))
    for name, obj in (("response", answer), ("agreement", agreement), ("campaign", campaign)):
        changelist = client.get(reverse(f"admin:offers_{name}_changelist"))
        assert changelist.status_code == 200
        assert str(obj) not in changelist.content.decode()
        assert client.get(reverse(f"admin:offers_{name}_change", args=[obj.pk])).status_code in (302, 404)


def test_staff_sees_own_region_in_the_admin(client, staff, campaign, agreement, establishment, director):
    from establishments.staffing import ensure_crrc_staff_group

    ensure_crrc_staff_group()
    services.start_response(campaign, establishment, director)
    client.force_login(with_mfa(staff))
    for name in ("response", "agreement", "campaign", "offer", "subscription", "purchaseorder", "beneficiary"):
        assert client.get(reverse(f"admin:offers_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:offers_campaign_change", args=[campaign.pk])).status_code == 200
    assert client.get(reverse("admin:offers_agreement_change", args=[agreement.pk])).status_code == 200


def test_offer_documents_are_streamed_to_the_region_only(client, director, establishment, other_staff):
    from .factories import OfferDocumentFactory

    document = OfferDocumentFactory(offer__region=establishment.region)
    client.force_login(director)
    assert "Plaquette" in client.get(reverse("offers:detail", args=[document.offer_id])).content.decode()
    response = client.get(reverse("offers:document", args=[document.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    client.force_login(with_mfa(other_staff))
    assert client.get(reverse("offers:document", args=[document.pk])).status_code == 404


def test_admin_notifies_through_the_service(client, staff, region, establishment):
    from establishments.staffing import ensure_crrc_staff_group

    from .factories import AgreementFactory, AwardeeFactory, BeneficiaryFactory, LotFactory

    ensure_crrc_staff_group()
    empty = AgreementFactory(region=region, notified_on=None)
    ready = AgreementFactory(region=region, notified_on=None)
    AwardeeFactory(lot=LotFactory(agreement=ready))
    BeneficiaryFactory(agreement=ready, establishment=establishment)
    client.force_login(with_mfa(staff))
    client.post(reverse("admin:offers_agreement_changelist"),
                {"action": "notify_today", "_selected_action": [empty.pk, ready.pk]})  # fmt: skip
    empty.refresh_from_db()
    ready.refresh_from_db()
    assert empty.notified_on is None and ready.notified_on == timezone.localdate()
