"""What the positioning answer starts in the other modules: an active subscription to the community offer makes its
contacts members of the region's community, one to the awareness offer enrols the establishment in the programme of
the year; withdrawing undoes both. Through the real signal sent on commit, as in production."""

import pytest

from awareness.models import Enrolment
from community.models import Member
from offers.models import OfferKind
from offers.services import apply_subscription
from tests.awareness.factories import ProgrammeFactory
from tests.community.factories import SpaceFactory
from tests.establishments.factories import EstablishmentFactory, UserFactory
from tests.incidents.factories import staff_of

from .factories import OfferFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def _subscribe(kind, establishment, contacts=()):
    offer = OfferFactory(region=establishment.region, kind=kind)
    return SubscriptionFactory(establishment=establishment, offer=offer, contacts=list(contacts))


def test_active_community_subscription_joins_its_contacts_and_withdrawal_removes_them(
    django_capture_on_commit_callbacks,
):
    establishment = EstablishmentFactory()
    space = SpaceFactory(region=establishment.region)
    rssi = UserFactory(email="rssi@ch-exemple.fr")
    contacts = [
        {"last_name": "Benali", "first_name": "Karim", "function": "RSSI", "email": "RSSI@ch-exemple.fr"},
        {"last_name": "Sans", "first_name": "Compte", "function": "DSI", "email": "dsi@ch-exemple.fr"},
    ]
    subscription = _subscribe(OfferKind.COMMUNITY, establishment, contacts)
    staff = staff_of(establishment.region)
    with django_capture_on_commit_callbacks(execute=True):
        subscription = apply_subscription(subscription, "activate", staff)
    member = Member.objects.get(space=space, user=rssi)
    assert member.state == Member.State.ACTIVE and member.establishment == establishment
    assert Member.objects.filter(space=space).count() == 1  # the contact without an account is not invented

    with django_capture_on_commit_callbacks(execute=True):
        apply_subscription(subscription, "withdraw", staff, reason="Ne souhaite plus participer")
    member.refresh_from_db()
    assert member.state != Member.State.ACTIVE


def test_active_awareness_subscription_enrols_the_establishment_in_the_programme_of_the_year(
    django_capture_on_commit_callbacks,
):
    establishment = EstablishmentFactory()
    programme = ProgrammeFactory(region=establishment.region)
    subscription = _subscribe(OfferKind.AWARENESS, establishment)
    staff = staff_of(establishment.region)
    with django_capture_on_commit_callbacks(execute=True):
        subscription = apply_subscription(subscription, "activate", staff)
    enrolment = Enrolment.objects.get(establishment=establishment, programme=programme)
    assert enrolment.is_active and enrolment.withdrawn_at is None

    with django_capture_on_commit_callbacks(execute=True):
        apply_subscription(subscription, "withdraw", staff, reason="Fin de participation")
    enrolment.refresh_from_db()
    assert not enrolment.is_active and enrolment.withdrawn_at is not None
