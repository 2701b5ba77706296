"""An offer's capacity: requested and active subscriptions hold a place, a withdrawn one frees it; a request once
the places are taken is refused with whom to contact, and nothing is written; the places left are shown in the
catalogue, on the offer page and in the admin."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from establishments.roles import Role
from offers import services
from offers.models import Offer, Response, Subscription, SubscriptionLog
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, MembershipFactory

from .conftest import FULL_ANSWER, with_mfa
from .factories import OfferFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def _community(campaign, capacity: int | None) -> Offer:
    offer = campaign.offers.get(kind="community")
    offer.capacity = capacity
    offer.contact_name, offer.contact_email = "Équipe CRRC Occitanie", "crrc@esante-occitanie.example"
    offer.save()
    return offer


def _neighbour(region):
    """Another establishment of the region, with its director."""
    establishment = EstablishmentFactory(ehpad=True, department=DepartmentFactory(region=region))
    return establishment, MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user


def _answered(campaign, establishment, director) -> Response:
    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER)
    return response


def test_a_request_on_a_full_offer_is_refused_and_writes_nothing(campaign, region, establishment, director):
    offer = _community(campaign, capacity=1)
    holder, holder_director = _neighbour(region)
    services.submit_response(_answered(campaign, holder, holder_director), holder_director)
    assert Subscription.objects.get(offer=offer).establishment == holder

    response = _answered(campaign, establishment, director)
    with pytest.raises(ValidationError) as error:
        services.submit_response(response, director)
    message = " ".join(error.value.messages)
    assert "est complète" in message and "1 places sont déjà prises" in message
    assert "crrc@esante-occitanie.example" in message and "Équipe CRRC Occitanie" in message
    response.refresh_from_db()
    assert response.submitted_at is None
    # Not even the subscriptions to the offers that still had room: the whole submission is refused.
    assert not Subscription.objects.filter(establishment=establishment).exists()
    assert not SubscriptionLog.objects.filter(subscription__establishment=establishment).exists()


def test_withdrawn_frees_the_place_and_active_holds_it(campaign, region, establishment, director, staff):
    offer = _community(campaign, capacity=1)
    holder, holder_director = _neighbour(region)
    services.submit_response(_answered(campaign, holder, holder_director), holder_director)
    held = Subscription.objects.get(offer=offer)
    services.apply_subscription(held, "activate", staff)
    with pytest.raises(ValidationError, match="complète"):
        services.submit_response(_answered(campaign, establishment, director), director)

    services.apply_subscription(held, "withdraw", holder_director, reason="Plus de RSSI")
    services.submit_response(Response.objects.get(establishment=establishment), director)
    assert Subscription.objects.get(offer=offer, establishment=establishment).state == "requested"

    # The first establishment may not take its place back: asking again is refused, its state unchanged.
    with pytest.raises(ValidationError, match="complète"):
        services.apply_subscription(held, "request_again", holder_director)
    held.refresh_from_db()
    assert held.state == "withdrawn"


def test_resubmitting_keeps_the_place_already_held(campaign, establishment, director):
    offer = _community(campaign, capacity=1)
    response = _answered(campaign, establishment, director)
    services.submit_response(response, director)
    services.save_answers(response, director, {"custom_campaigns": "yes"})
    services.submit_response(response, director)  # its own subscription does not count against itself
    assert Subscription.objects.filter(offer=offer, state="requested").count() == 1


def test_an_offer_without_capacity_is_open_to_all(campaign, region, establishment, director):
    offer = _community(campaign, capacity=None)
    for _ in range(3):
        other, other_director = _neighbour(region)
        services.submit_response(_answered(campaign, other, other_director), other_director)
    services.submit_response(_answered(campaign, establishment, director), director)
    assert Subscription.objects.filter(offer=offer).count() == 4
    assert offer.places_left is None and not offer.is_full


def test_submit_view_shows_the_refusal(client, campaign, region, establishment, director):
    _community(campaign, capacity=1)
    holder, holder_director = _neighbour(region)
    services.submit_response(_answered(campaign, holder, holder_director), holder_director)
    response = _answered(campaign, establishment, director)
    client.force_login(director)
    page = client.post(reverse("offers:submit_response", args=[response.pk]), follow=True).content.decode()
    assert "est complète" in page and "crrc@esante-occitanie.example" in page
    response.refresh_from_db()
    assert response.submitted_at is None


def test_the_answer_page_warns_before_submitting_for_a_full_offer(client, campaign, region, establishment, director):
    _community(campaign, capacity=1)
    holder, holder_director = _neighbour(region)
    held = _answered(campaign, holder, holder_director)
    services.submit_response(held, holder_director)
    response = _answered(campaign, establishment, director)
    client.force_login(director)
    page = client.get(response.get_absolute_url()).content.decode()
    assert "Cette offre est complète" in page and "crrc@esante-occitanie.example" in page
    assert "Complet (1 place)" in client.get(campaign.get_absolute_url()).content.decode()
    client.force_login(holder_director)  # the establishment holding the place is not warned off its own
    page = client.get(held.get_absolute_url()).content.decode()
    assert "Complet (1 place)" in page and "Cette offre est complète" not in page


def test_places_left_in_the_catalogue_the_offer_page_and_the_admin(client, region, establishment, director, staff):
    offer = OfferFactory(region=region, title="Atelier gestion de crise", capacity=3)
    full = OfferFactory(region=region, title="Webinaire complet", capacity=1, contact_email="crise@crrc.example")
    SubscriptionFactory(offer=offer, establishment=_neighbour(region)[0])
    SubscriptionFactory(offer=offer, establishment=_neighbour(region)[0], state="withdrawn")  # frees its place
    SubscriptionFactory(offer=full, establishment=_neighbour(region)[0], state="active")
    client.force_login(director)
    catalogue = client.get(reverse("offers:catalogue")).content.decode()
    assert "2 places restantes sur 3" in catalogue and "Complet (1 place)" in catalogue
    detail = client.get(reverse("offers:detail", args=[full.pk])).content.decode()
    assert "Complet (1 place)" in detail and "crise@crrc.example" in detail
    assert "2 places restantes sur 3" in client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    from establishments.staffing import ensure_crrc_staff_group

    ensure_crrc_staff_group()
    client.force_login(with_mfa(staff))
    changelist = client.get(reverse("admin:offers_offer_changelist")).content.decode()
    assert "Places restantes" in changelist
    assert '<td class="field-places_left">2</td>' in changelist
    assert '<td class="field-places_left">0</td>' in changelist


@pytest.mark.parametrize("count", [2, 12])
def test_catalogue_counts_places_in_a_fixed_number_of_queries(client, region, establishment, director, count,
                                                             django_assert_max_num_queries):  # fmt: skip
    for _ in range(count):
        offer = OfferFactory(region=region, capacity=5)
        SubscriptionFactory(offer=offer, establishment=_neighbour(region)[0])
    client.force_login(director)
    client.get(reverse("offers:catalogue"))  # warm the per-process caches
    with django_assert_max_num_queries(14):
        page = client.get(reverse("offers:catalogue")).content.decode()
    assert page.count("4 places restantes sur 5") == count


# ---- two requests for the last place at the same moment --------------------------------------------------------------


def _run(callables, *, together: bool = False) -> list:
    """Each callable in its own thread (own connection), started at once behind a barrier when ``together``."""
    barrier = threading.Barrier(len(callables))
    results: list = [None] * len(callables)

    def run(index, func):
        try:
            if together:
                barrier.wait()
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_submissions_for_the_last_place(campaign, region):
    """Without the offer's row lock both would count one free place and both be subscribed."""
    offer = _community(campaign, capacity=2)
    first, first_director = _neighbour(region)
    services.submit_response(_answered(campaign, first, first_director), first_director)
    racers = [_neighbour(region) for _ in range(2)]
    responses = [_answered(campaign, e, d) for e, d in racers]
    results = _run(
        [lambda r=r, d=d: services.submit_response(r, d) for r, (_, d) in zip(responses, racers, strict=True)],
        together=True,
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "complète" in " ".join(refused[0].messages), results
    assert sum(isinstance(r, Response) for r in results) == 1, results
    assert Subscription.objects.filter(offer=offer, state__in=["requested", "active"]).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_asking_again_waits_for_the_request_holding_the_offer_lock(campaign, region):
    """A withdrawn subscription asked again while another request holds the offer's lock for the last place: it
    waits, re-counts once the other has committed, and is refused. Without the lock it would count the place free."""
    offer = _community(campaign, capacity=1)
    back, back_director = _neighbour(region)
    services.submit_response(_answered(campaign, back, back_director), back_director)
    withdrawn = Subscription.objects.get(offer=offer)
    services.apply_subscription(withdrawn, "withdraw", back_director)
    newcomer, _director = _neighbour(region)
    holding = threading.Event()

    def first():
        with transaction.atomic():
            services.take_place(offer.pk)
            SubscriptionFactory(offer=offer, establishment=newcomer)
            holding.set()
            time.sleep(0.5)  # the second request arrives while this one still holds the lock

    def second():
        assert holding.wait(10)
        return services.apply_subscription(withdrawn, "request_again", back_director)

    results = _run([first, second])
    assert isinstance(results[1], ValidationError) and "complète" in " ".join(results[1].messages), results
    assert Subscription.objects.filter(offer=offer, state__in=["requested", "active"]).count() == 1
    withdrawn.refresh_from_db()
    assert withdrawn.state == "withdrawn"
