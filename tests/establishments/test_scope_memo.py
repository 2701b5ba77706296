"""The per-request scope (issue 15): read once per request, the same answers as the queries it replaces, never stale.

``remember_per_request`` is what the middleware does for the request's user; here it is called on a fresh user
object (as ``request.user`` is one per request), then the selectors are asked with and without the memo.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.db import transaction

from accounts.models import User
from establishments.roles import Capability, Role, StaffKind
from establishments.selectors import (
    can,
    establishments_for,
    establishments_where,
    is_staff_user,
    member_establishments,
    remember_per_request,
    scope_facts,
    staff_regions,
)
from reports.models import Report

from .factories import EstablishmentFactory, MembershipFactory, OrganisationFactory, StaffAssignmentFactory

pytestmark = pytest.mark.django_db


def _request_user(user) -> User:
    """A fresh object for the user, as the session loads one per request, with the memo on."""
    fresh = User.objects.get(pk=user.pk)
    remember_per_request(fresh)
    return fresh


def _answers(user) -> dict:
    return {
        "for": set(establishments_for(user).values_list("pk", flat=True)),
        "members": set(member_establishments(user).values_list("pk", flat=True)),
        "edit": set(establishments_where(user, Capability.EDIT_APPLICATIONS).values_list("pk", flat=True)),
        "regions": set(staff_regions(user).values_list("pk", flat=True)),
        "staff": is_staff_user(user),
        "reports": Report.objects.for_user(user).count(),
    }


def _world():
    organisation = OrganisationFactory()
    granted = EstablishmentFactory(organisation=organisation)
    other_region = EstablishmentFactory(organisation=organisation)  # same organisation, a region not granted
    org_membership = MembershipFactory(establishment=None, organisation=organisation, role=Role.DIRECTOR)
    org_membership.regions.set([granted.region_id])
    direct = MembershipFactory(user=org_membership.user, role=Role.MEMBER)
    MembershipFactory(user=org_membership.user, is_active=False)  # a past membership opens nothing
    assignment = StaffAssignmentFactory(kind=StaffKind.CRRC_STAFF)
    in_staff_region = EstablishmentFactory(department__region=assignment.region)
    MembershipFactory(user=assignment.user)
    for establishment in (granted, other_region, direct.establishment, in_staff_region, EstablishmentFactory()):
        Report.objects.create(establishment=establishment, kind="establishment_sheet")
    return org_membership.user, assignment.user, granted, other_region


def test_memo_gives_the_same_answers_as_the_queries():
    member, staff, granted, other_region = _world()
    for user in (member, staff):
        assert _answers(_request_user(user)) == _answers(User.objects.get(pk=user.pk))
    member_view = _answers(_request_user(member))
    assert granted.pk in member_view["for"] and other_region.pk not in member_view["for"]
    assert member_view["edit"] == {granted.pk}  # director through the organisation, plain member directly


def test_one_query_answers_the_whole_request(django_assert_num_queries):
    member, _, granted, other_region = _world()
    user = _request_user(member)
    with django_assert_num_queries(1):
        assert can(user, granted, Capability.EDIT_APPLICATIONS)
        assert not can(user, other_region, Capability.EDIT_APPLICATIONS)
        assert not is_staff_user(user)
        establishments_where(user, Capability.MANAGE_MEMBERS)  # not evaluated: no query of its own


def test_a_write_in_the_request_ends_the_memo():
    member, _, granted, _ = _world()
    user = _request_user(member)
    newcomer = EstablishmentFactory()
    assert not can(user, newcomer, Capability.EDIT_APPLICATIONS)
    MembershipFactory(user=member, establishment=newcomer, role=Role.DIRECTOR)
    assert can(user, newcomer, Capability.EDIT_APPLICATIONS)
    StaffAssignmentFactory(user=member)
    assert is_staff_user(_request_user(member))
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    assert scope_facts(user).second_factor


def test_no_memo_inside_the_requests_own_transaction():
    """What a service writes in its transaction may be rolled back: the memo is not read or filled there."""
    member, _, granted, _ = _world()
    user = _request_user(member)
    assert scope_facts(user) is not None
    with transaction.atomic():
        assert scope_facts(user) is None
        assert can(user, granted, Capability.EDIT_APPLICATIONS)  # answered by the queries


def test_users_outside_a_request_never_memoise():
    member, *_ = _world()
    assert scope_facts(User.objects.get(pk=member.pk)) is None


def test_navigation_audiences_come_from_the_scope(rf, django_assert_num_queries):
    from crrc.navigation import audiences_of

    member, staff, *_ = _world()
    lone_organisation = MembershipFactory(establishment=None, organisation=OrganisationFactory(), regions=[]).user
    reviewer = StaffAssignmentFactory(kind=StaffKind.ARS_REVIEWER).user
    for user in (member, staff, lone_organisation, reviewer, MembershipFactory(is_active=False).user):
        plain, memoised = rf.get("/"), rf.get("/")
        plain.user, memoised.user = User.objects.get(pk=user.pk), _request_user(user)
        scope_facts(memoised.user)
        with django_assert_num_queries(0):
            from_scope = audiences_of(memoised)
        assert from_scope == audiences_of(plain), user


# --- The user and its scope in one round trip (accounts.backends.PortalBackend) -------------------------------


def _loaded_by_backend(user) -> User:
    """What a request gets: the session's user through the portal's backend, then the middleware's memo."""
    from accounts.backends import PortalBackend

    loaded = PortalBackend().get_user(user.pk)
    remember_per_request(loaded)
    return loaded


def test_user_loaded_with_its_scope_gives_the_same_answers():
    member, staff, _, _ = _world()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    for user in (member, staff):
        loaded = _loaded_by_backend(user)
        assert scope_facts(loaded) == scope_facts(_request_user(user))
        assert _answers(loaded) == _answers(User.objects.get(pk=user.pk))


def test_user_and_scope_cost_one_query(django_assert_num_queries):
    member, _, granted, other_region = _world()
    with django_assert_num_queries(1):
        user = _loaded_by_backend(member)
        assert can(user, granted, Capability.EDIT_APPLICATIONS)
        assert not can(user, other_region, Capability.EDIT_APPLICATIONS)
        assert not is_staff_user(user)


def test_scope_written_after_the_user_was_loaded_is_read_again():
    """The facts read with the user are dropped if a membership is written before the request uses them."""
    membership = MembershipFactory(role=Role.DIRECTOR)
    from accounts.backends import PortalBackend

    loaded = PortalBackend().get_user(membership.user.pk)
    membership.is_active = False
    membership.save()  # the signal bumps the scope generation
    remember_per_request(loaded)
    assert membership.establishment_id not in establishments_for(loaded).values_list("pk", flat=True)


def test_revoked_membership_is_gone_on_the_next_request(client):
    membership = MembershipFactory(role=Role.DIRECTOR)
    client.force_login(membership.user, backend="accounts.backends.PortalBackend")
    home = f"/etablissements/{membership.establishment_id}/"
    assert client.get(home).status_code == 200
    membership.is_active = False
    membership.save()
    assert client.get(home).status_code == 404


def test_unknown_or_damaged_user_id_is_no_user():
    from accounts.backends import PortalBackend

    assert PortalBackend().get_user(987_654_321) is None
    assert PortalBackend().get_user("pas-un-nombre") is None
    inactive = MembershipFactory().user
    inactive.is_active = False
    inactive.save()
    assert PortalBackend().get_user(inactive.pk) is None
