"""The per-request cost of the middleware stack (issue 15): a signed-in request to a view that does no query.

Sessions come from the cache (``cached_db``), so what is left is the user itself and its scope facts (whether
they are staff, for the MFA rule; their second factor), read together by the portal's backend in one query. The
count must not grow with the data: two sizes of factories.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings

from tests.establishments.factories import EstablishmentFactory, MembershipFactory, StaffAssignmentFactory

BARE = "/__bench__/bare"


@pytest.fixture
def bare_view(settings):
    settings.BENCH_MODE = True
    settings.ROOT_URLCONF = "bench.urls"
    return BARE


def test_sessions_are_cached_when_the_cache_is_shared():
    if settings.CACHE_URL:
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


@pytest.mark.django_db
@pytest.mark.parametrize("others", [1, 20])
def test_member_request_costs_one_query_whatever_the_data(client, bare_view, django_assert_max_num_queries, others):
    membership = MembershipFactory()
    for _ in range(others):
        MembershipFactory(establishment=EstablishmentFactory())
    client.force_login(membership.user)
    assert client.get(bare_view).status_code == 200  # the session is now in the cache
    with django_assert_max_num_queries(1 if settings.CACHE_URL else 2):  # user with its scope (+ session)
        assert client.get(bare_view).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("others", [1, 20])
def test_staff_request_costs_one_query_whatever_the_data(client, bare_view, django_assert_max_num_queries, others):
    """Staff with their second factor set up, signed in through it: the steady state of a CRRC officer's day.

    (Staff without a second factor are redirected to the set-up, which writes the page they wanted and a message
    into the session: that request is not the one to measure.)
    """
    assignment = StaffAssignmentFactory()
    Authenticator.objects.create(user=assignment.user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    for _ in range(others):
        StaffAssignmentFactory()
    client.force_login(assignment.user)
    assert client.get(bare_view).status_code == 200
    with django_assert_max_num_queries(1 if settings.CACHE_URL else 2):  # user with scope and factor (+ session)
        assert client.get(bare_view).status_code == 200


@pytest.mark.django_db
def test_allauth_signs_in_with_the_portal_backend(client):
    """A real e-mail log-in records the backend that reads the user with its scope (not Django's two queries)."""
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.urls import reverse

    membership = MembershipFactory()
    membership.user.set_password("un-mot-de-passe-solide-42")
    membership.user.save()
    response = client.post(
        reverse("account_login"), {"login": membership.user.email, "password": "un-mot-de-passe-solide-42"}
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.PortalBackend"
