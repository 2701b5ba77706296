"""An exercise run by a framework-agreement awardee points at the establishment's purchase order (offers)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from establishments.roles import Role
from exercises.choices import Runner
from tests.establishments.factories import EstablishmentFactory, MembershipFactory
from tests.offers.factories import PurchaseOrderFactory

from .factories import ExerciseFactory

pytestmark = pytest.mark.django_db


def test_the_order_must_be_the_establishments_own_and_the_page_links_to_it(client):
    exercise = ExerciseFactory(runner=Runner.AWARDEE, runner_name="Cabinet Exemple")
    other = PurchaseOrderFactory(establishment=EstablishmentFactory(department=exercise.establishment.department))
    exercise.purchase_order = other
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    assert "autre établissement" in " ".join(error.value.message_dict["purchase_order"])

    own = PurchaseOrderFactory(establishment=exercise.establishment)
    exercise.purchase_order = own
    exercise.full_clean()
    exercise.save()
    client.force_login(MembershipFactory(establishment=exercise.establishment, role=Role.DIRECTOR).user)
    page = client.get(reverse("exercises:detail", args=[exercise.pk])).content.decode()
    assert reverse("offers:order", args=[own.pk]) in page
