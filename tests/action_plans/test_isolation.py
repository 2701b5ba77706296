"""A member of establishment B, even its director, never reaches establishment A's plan: 404 everywhere."""

import pytest
from django.urls import reverse

from action_plans import services
from action_plans.models import ActionItem, ActionItemComment
from action_plans.workflow import Status
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, RegionFactory

from .factories import member, region_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def item_of_a(establishment, manager):
    return services.create_item(establishment, manager, title="Action confidentielle de A")


@pytest.fixture
def director_of_b():
    return member(EstablishmentFactory(), Role.DIRECTOR)


def urls(establishment, item):
    return {
        "get": [
            reverse("action_plans:plan", args=[establishment.pk]),
            reverse("action_plans:create", args=[establishment.pk]),
            reverse("action_plans:export", args=[establishment.pk]),
            reverse("action_plans:import", args=[establishment.pk]),
            reverse("action_plans:detail", args=[item.pk]),
            reverse("action_plans:edit", args=[item.pk]),
        ],
        "post": [
            reverse("action_plans:create", args=[establishment.pk]),
            reverse("action_plans:import", args=[establishment.pk]),
            reverse("action_plans:edit", args=[item.pk]),
            reverse("action_plans:change_status", args=[item.pk, "start"]),
            reverse("action_plans:change_status", args=[item.pk, "abandon"]),
            reverse("action_plans:comment", args=[item.pk]),
        ],
    }


def test_member_of_b_gets_404_on_every_page_of_a(client, establishment, item_of_a, director_of_b):
    client.force_login(director_of_b)
    pages = urls(establishment, item_of_a)
    for url in pages["get"]:
        assert client.get(url).status_code == 404, url
    for url in pages["post"]:
        response = client.post(url, {"title": "x", "priority": "P1", "progress": 0, "body": "x", "reason": "x"})
        assert response.status_code == 404, url
    item_of_a.refresh_from_db()
    assert item_of_a.status == Status.TODO and item_of_a.title == "Action confidentielle de A"
    assert not ActionItemComment.objects.exists()
    assert ActionItem.objects.count() == 1


def test_staff_of_another_region_gets_404(client, establishment, item_of_a):
    client.force_login(region_staff(RegionFactory()))
    for url in urls(establishment, item_of_a)["get"]:
        assert client.get(url).status_code == 404, url


def test_index_of_b_does_not_list_a(client, establishment, item_of_a, director_of_b):
    member(EstablishmentFactory(), Role.DIRECTOR, email=director_of_b.email)  # second establishment: list view
    client.force_login(director_of_b)
    response = client.get(reverse("action_plans:index"))
    assert establishment.name not in response.text


def test_selectors_are_scoped(establishment, item_of_a, director_of_b):
    assert not ActionItem.objects.for_user(director_of_b).exists()
    assert ActionItem.objects.for_user(member(establishment)).get() == item_of_a
