"""The dashboard's short-lived cache of its panels: the page says when its figures were computed, a refresh
recomputes them at once, and an entry is never served to another region, other filters or another audience."""

import html

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from dashboards import cache as dashboard_cache
from dashboards.scope import scope_for
from establishments.roles import StaffKind
from tests.action_plans.factories import region_staff
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory

pytestmark = pytest.mark.django_db
URL = "/tableau-de-bord/"


@pytest.fixture(autouse=True)
def cached(settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def page_of(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def departments_panel(page: str) -> str:
    """The "établissements par département" panel of the page (its figures table)."""
    start = page.index("Établissements par département")
    return page[start : page.index("</section>", start)]


def test_figures_are_kept_until_refreshed_and_the_page_says_when_they_were_computed(client):
    department = DepartmentFactory(name="Cachedept")
    EstablishmentFactory(department=department)
    login(client, region_staff(department.region, kind=StaffKind.ARS_REVIEWER))

    first = page_of(client)
    assert "Chiffres calculés le" in first and "Actualiser les chiffres" in first
    assert "Cachedept" in departments_panel(first) and ">1<" in departments_panel(first)

    EstablishmentFactory.create_batch(2, department=department)
    kept = page_of(client)
    assert ">1<" in departments_panel(kept) and ">3<" not in departments_panel(kept)

    response = client.post(URL)
    assert response.status_code == 302 and response["Location"] == URL
    refreshed = page_of(client)
    assert ">3<" in departments_panel(refreshed)


def test_the_refresh_keeps_the_filters(client):
    department = DepartmentFactory()
    EstablishmentFactory(department=department)
    login(client, region_staff(department.region, kind=StaffKind.ARS_REVIEWER))

    response = client.post(f"{URL}?departement={department.code}&ignored=1")

    assert response["Location"] == f"{URL}?departement={department.code}"


def test_an_entry_is_never_served_to_another_region(client):
    north = DepartmentFactory(name="Nordcache")
    south = DepartmentFactory(name="Sudcache")
    EstablishmentFactory(department=north)
    EstablishmentFactory(department=south)
    login(client, region_staff(north.region, kind=StaffKind.ARS_REVIEWER))
    assert "Nordcache" in page_of(client)

    client.logout()
    login(client, region_staff(south.region, kind=StaffKind.ARS_REVIEWER))
    page = page_of(client)

    assert "Sudcache" in page and "Nordcache" not in page


def test_an_entry_is_never_served_for_other_filters(client):
    region = DepartmentFactory().region
    first = DepartmentFactory(region=region, name="Premiercache")
    second = DepartmentFactory(region=region, name="Secondcache")
    EstablishmentFactory(department=first)
    EstablishmentFactory(department=second)
    login(client, region_staff(region, kind=StaffKind.ARS_REVIEWER))
    assert "Secondcache" in departments_panel(page_of(client))

    narrowed = departments_panel(page_of(client, departement=first.code))

    assert "Premiercache" in narrowed and "Secondcache" not in narrowed


def key_of(user, **get) -> str:
    request = RequestFactory().get(URL, get)
    request.user = user
    scope, form = scope_for(request)
    return dashboard_cache.key_for(scope, form, user)


def test_the_key_holds_the_regions_the_filters_and_the_audience():
    department = DepartmentFactory()
    other_department = DepartmentFactory(region=department.region)
    reviewer = region_staff(department.region, kind=StaffKind.ARS_REVIEWER)
    reviewer_too = region_staff(department.region, kind=StaffKind.ARS_REVIEWER)
    staff = region_staff(department.region, kind=StaffKind.CRRC_STAFF)
    elsewhere = region_staff(DepartmentFactory().region, kind=StaffKind.ARS_REVIEWER)

    assert key_of(reviewer) == key_of(reviewer_too)  # same region, filters and audience: one entry
    assert key_of(reviewer) != key_of(staff)  # the audiences never share an entry
    assert key_of(reviewer) != key_of(elsewhere)
    assert key_of(reviewer) != key_of(reviewer, departement=department.code)
    assert key_of(reviewer, departement=department.code) != key_of(reviewer, departement=other_department.code)
    assert key_of(reviewer) != key_of(reviewer, periode="30j")
    # A refused filter is ignored by the figures, so by the key.
    assert key_of(reviewer) == key_of(reviewer, departement="00")


def test_staff_and_reviewers_of_a_region_get_their_own_entries(client):
    department = DepartmentFactory()
    EstablishmentFactory(department=department)
    reviewer = region_staff(department.region, kind=StaffKind.ARS_REVIEWER)
    staff = region_staff(department.region, kind=StaffKind.CRRC_STAFF)
    login(client, reviewer)
    page_of(client)

    assert cache.get(key_of(reviewer)) is not None
    assert cache.get(key_of(staff)) is None


def test_a_cached_page_makes_few_queries_whatever_the_data(client, django_assert_max_num_queries):
    department = DepartmentFactory()
    EstablishmentFactory(department=department)
    login(client, region_staff(department.region, kind=StaffKind.ARS_REVIEWER))
    page_of(client)
    with django_assert_max_num_queries(12) as small:
        page_of(client)
    small_count = len(small.captured_queries)  # read now: the next request resets the connection's query log
    EstablishmentFactory.create_batch(10, department=department)
    EstablishmentFactory.create_batch(5, department=DepartmentFactory(region=department.region))
    client.post(URL)
    with django_assert_max_num_queries(small_count):
        page_of(client)


def test_an_unreachable_cache_computes_the_figures_live(client, monkeypatch):
    department = DepartmentFactory(name="Sanscache")
    EstablishmentFactory(department=department)
    login(client, region_staff(department.region, kind=StaffKind.ARS_REVIEWER))

    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("redis down")

        set = get

    monkeypatch.setattr(dashboard_cache, "cache", Down())  # the dashboard's cache only, not the sessions'

    assert "Sanscache" in page_of(client)


def test_a_request_waits_for_the_one_computing_the_same_panels_then_computes_them_itself(client, monkeypatch):
    department = DepartmentFactory(name="Attentecache")
    EstablishmentFactory(department=department)
    reviewer = region_staff(department.region, kind=StaffKind.ARS_REVIEWER)
    login(client, reviewer)
    key = key_of(reviewer)
    monkeypatch.setattr(dashboard_cache, "WAIT_SECONDS", 0.2)
    cache.add(f"{key}:calcul", 1, 60)  # another request is computing these panels and never finishes

    assert "Attentecache" in page_of(client)  # waited, then computed them: no page is left without figures
    assert cache.get(key) is not None

    cache.delete(key)
    stored = dashboard_cache.Entry(html="<p>Chiffres du voisin</p>", computed_at=timezone.now())
    calls = []

    def sleep(seconds):
        calls.append(seconds)
        cache.set(key, stored, 60)  # the other request stores its panels while this one waits

    monkeypatch.setattr(dashboard_cache.time, "sleep", sleep)
    cache.add(f"{key}:calcul", 1, 60)

    assert "Chiffres du voisin" in page_of(client) and len(calls) == 1
