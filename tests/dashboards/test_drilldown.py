"""Drill-down from a figure to the establishments behind it, and the national view of a user of several regions."""

import html

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from dashboards import registry
from establishments.models import Establishment
from establishments.roles import Sector, StaffKind
from tests.action_plans.factories import region_staff
from tests.establishments.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    RegionFactory,
    StaffAssignmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/tableau-de-bord/etablissements/"


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def get(client, url=URL, **params):
    response = client.get(url, params)
    return response, html.unescape(response.content.decode())


@pytest.fixture
def region():
    return RegionFactory(name="Région Repère")


@pytest.fixture
def reviewer(region):
    return region_staff(region, kind=StaffKind.ARS_REVIEWER)


def sector_index(label) -> int:
    """Position of the sector in the by-sector indicator (ordered by sector code)."""
    return sorted(Sector.values).index(label)


def test_a_figure_links_to_its_establishments_with_the_filters(client, region, reviewer):
    department = DepartmentFactory(region=region)
    EstablishmentFactory(department=department, name="CH du Lac")
    EstablishmentFactory(department=department, name="EHPAD Les Tilleuls", ehpad=True)
    EstablishmentFactory(department=DepartmentFactory(region=region), name="CH Lointain")
    login(client, reviewer)

    _response, page = get(client, "/tableau-de-bord/", departement=department.code)
    assert f"departement={department.code}&indicateur=establishments.by_department&figure=0" in page

    response, page = get(client, departement=department.code, indicateur="establishments.by_department", figure=0)

    assert response.status_code == 200
    assert "CH du Lac" in page and "EHPAD Les Tilleuls" in page and "2 établissements" in page
    assert "CH Lointain" not in page
    assert department.code in page


def test_the_drilldown_is_intersected_with_the_scope(client, region, reviewer):
    EstablishmentFactory(department__region=region, name="CH Dedans")
    EstablishmentFactory(name="CH Dehors")  # another region
    leaky = registry.Indicator(
        key="tests.leaky",
        title="Indicateur qui oublie le périmètre",
        module="tests",
        order=99,
        compute=lambda scope: [registry.Figure("Tout", 2, drilldown=Establishment.objects.all())],
    )
    registry.register(leaky)
    try:
        login(client, reviewer)
        _response, page = get(client, indicateur="tests.leaky", figure=0)
    finally:
        registry.unregister("tests.leaky")

    assert "CH Dedans" in page and "CH Dehors" not in page


def test_unknown_indicator_figure_or_figure_without_list_is_404(client, region, reviewer):
    EstablishmentFactory(department__region=region)
    login(client, reviewer)

    assert client.get(URL, {"indicateur": "nope", "figure": 0}).status_code == 404
    assert client.get(URL, {"indicateur": "establishments.by_sector", "figure": 9}).status_code == 404
    assert client.get(URL, {"indicateur": "establishments.by_sector", "figure": "x"}).status_code == 404
    assert client.get(URL, {"indicateur": "establishments.members", "figure": 0}).status_code == 404


def test_members_and_other_regions_reviewers_see_nothing(client, region):
    EstablishmentFactory(department__region=region, name="CH Secret")
    other = region_staff(RegionFactory(), kind=StaffKind.ARS_REVIEWER)
    EstablishmentFactory(department__region=other.staff_assignments.get().region)
    login(client, other)

    _response, page = get(client, indicateur="establishments.by_sector", figure=0)

    assert "CH Secret" not in page
    login(client, UserFactory())
    assert client.get(URL, {"indicateur": "establishments.by_sector", "figure": 0}).status_code == 404


def test_the_list_is_paginated_with_bounded_queries(client, region, reviewer, django_assert_max_num_queries):
    department = DepartmentFactory(region=region)
    category = EstablishmentFactory(department=department).category
    login(client, reviewer)
    params = {"indicateur": "establishments.by_sector", "figure": 0}
    with django_assert_max_num_queries(20) as small:
        client.get(URL, params)
    EstablishmentFactory.create_batch(60, department=department, category=category)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response, page = get(client, **params)

    assert "61 établissements" in page and "1 / 2" in page
    assert "page=2" in page


def test_a_user_of_several_regions_gets_a_region_filter_and_the_aggregate(client):
    north, south = RegionFactory(name="Nord Test"), RegionFactory(name="Sud Test")
    RegionFactory(name="Ailleurs Test")  # not theirs: their view is not the national one
    EstablishmentFactory(department__region=north, name="CH Nord")
    EstablishmentFactory(department__region=south, name="CH Sud")
    staff = region_staff(north)
    StaffAssignmentFactory(user=staff, region=south)
    login(client, staff)

    _response, page = get(client, "/tableau-de-bord/")
    assert 'name="region"' in page and "Toutes mes régions" in page
    assert "Nord Test, Sud Test" in page

    _response, page = get(client, indicateur="establishments.onboarding", figure=1)
    assert "CH Nord" in page and "CH Sud" in page and "Vue nationale" not in page
    _response, page = get(client, region=south.code, indicateur="establishments.by_sector", figure=0)
    assert "CH Sud" in page and "CH Nord" not in page


def test_a_foreign_region_is_refused_and_a_single_region_user_has_no_region_filter(client, region, reviewer):
    EstablishmentFactory(department__region=region)
    login(client, reviewer)

    _response, page = get(client, "/tableau-de-bord/")
    assert 'name="region"' not in page

    staff = region_staff(region)
    StaffAssignmentFactory(user=staff, region=RegionFactory())
    login(client, staff)
    _response, page = get(client, "/tableau-de-bord/", region=RegionFactory().code)
    assert "Cette région n'est pas l'une des vôtres" in page


def test_a_superuser_gets_the_national_view(client, region):
    RegionFactory()
    EstablishmentFactory(department__region=region)
    admin = UserFactory(is_superuser=True, is_staff=True)
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    login(client, admin)

    _response, page = get(client, reverse("dashboards:region"))

    assert "Vue nationale" in page


def test_the_category_and_region_filters_narrow_figures_and_drilldowns(client):
    north, south = RegionFactory(name="Nord Filtre"), RegionFactory(name="Sud Filtre")
    ehpad = EstablishmentFactory(department__region=north, ehpad=True, name="EHPAD Nord").category
    EstablishmentFactory(department__region=north, name="CH Nord")
    EstablishmentFactory(department__region=south, category=ehpad, name="EHPAD Sud")
    staff = region_staff(north)
    StaffAssignmentFactory(user=staff, region=south)
    login(client, staff)

    _response, both = get(client, categorie=ehpad.code, indicateur="establishments.onboarding", figure=1)
    _response, north_only = get(
        client, categorie=ehpad.code, region=north.code, indicateur="establishments.onboarding", figure=1
    )

    assert "EHPAD Nord" in both and "EHPAD Sud" in both and "CH Nord" not in both
    assert "2 établissements" in both
    assert "EHPAD Nord" in north_only and "EHPAD Sud" not in north_only and "1 établissement" in north_only
    assert "Filtres appliqués" in north_only and "Nord Filtre" in north_only


def test_each_drilldown_lists_as_many_establishments_as_its_count(region, reviewer):
    from tests.dashboards.test_dashboard import figures_by_key, fill

    fill(region, 2)

    figures = figures_by_key(reviewer)

    for key in ("establishments.by_sector", "establishments.by_department", "establishments.onboarding"):
        for figure in figures[key]:
            assert figure.drilldown.count() == figure.value, (key, figure.label)
    (paid,) = figures["calls.by_state"]
    assert paid.drilldown.count() == paid.value == 8
