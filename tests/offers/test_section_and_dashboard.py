"""The "Mon établissement" section says what to do next; the dashboard indicators aggregate in a fixed number of
queries whatever the data."""

import pytest
from django.urls import reverse

from dashboards.registry import Scope
from establishments import participation
from establishments.models import Establishment, Region
from offers import dashboard, services
from offers.services import LineInput

from .conftest import FULL_ANSWER
from .factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db


def test_the_offers_app_owns_its_section():
    """The offers app's section, not the built-in empty state, is the one "Mon établissement" shows. (After the
    merge a test restored the built-in state in its teardown, and every later page lost the campaign and orders.)"""
    section = next(s for s in participation.registered_sections() if s.key == "offers")
    assert not section.builtin and section.template == "offers/participation.html#section"


def test_section_invites_to_answer_then_to_submit(client, campaign, establishment, director, rssi):
    url = reverse("establishments:home", args=[establishment.pk])
    client.force_login(director)
    page = client.get(url).content.decode()
    assert "Répondre à la campagne" in page and "manifestation d&#x27;intérêt" in page
    response = services.start_response(campaign, establishment, rssi)
    services.save_answers(response, rssi, {"framework": "no"})
    page = client.get(url).content.decode()
    assert "Reprendre la réponse" in page and "un directeur doit la transmettre" in page
    services.save_answers(response, director, FULL_ANSWER)
    services.submit_response(response, director)
    page = client.get(url).content.decode()
    assert "Revoir la réponse" in page and "Communauté régionale des RSSI" in page


def test_section_lists_orders_in_progress(client, establishment, director, agreement, lot, awardee, price):
    order = services.create_order(establishment, director, agreement=agreement, lot=lot, awardee=awardee,
                                  lines=[LineInput(price.pk, 1)], requested_start=agreement.notified_on,
                                  requested_end=agreement.notified_on)  # fmt: skip
    client.force_login(director)
    page = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()
    assert order.reference in page and "Suivre les bons de commande" in page


@pytest.mark.parametrize("count", [1, 8])
def test_indicators_have_a_fixed_number_of_queries(campaign, region, establishment, director, agreement, lot,
                                                   awardee, count, django_assert_max_num_queries):  # fmt: skip
    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER)
    services.submit_response(response, director)
    for _ in range(count):
        PurchaseOrderFactory(agreement=agreement, lot=lot, awardee=awardee, establishment=establishment,
                             state="issued")  # fmt: skip
    scope = Scope(user=None, regions=Region.objects.filter(pk=region.pk),
                  establishments=Establishment.objects.filter(region=region))  # fmt: skip
    with django_assert_max_num_queries(6):
        figures = {
            "answers": dashboard.campaign_answers(scope),
            "subscriptions": dashboard.subscriptions_by_offer(scope),
            "orders": dashboard.orders_by_state(scope),
            "lots": dashboard.lot_consumption(scope),
        }
    assert figures["answers"][0].value == 1
    assert {f.label: f.value for f in figures["orders"]} == {"Émis": count}
    assert figures["lots"][0].value == round(2000 * count / 10000 * 100, 1)
    assert len(figures["subscriptions"]) == 4
