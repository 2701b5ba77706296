"""Onboarding pages as a user sees them: claim messages, home page, members, htmx role change, isolation."""

import html

import pytest
from django.urls import reverse

from establishments.models import AccessRequest, Invitation, Membership
from establishments.participation import Section, registered_sections, replaced
from establishments.roles import Role

from .factories import (
    AccessRequestFactory,
    EstablishmentFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    VerifiedDomainFactory,
)

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _text(response) -> str:
    """The page as a reader sees its text: entities decoded (Django escapes apostrophes)."""
    return html.unescape(response.content.decode())


# --- Claim page ---------------------------------------------------------------------------------------------


def test_claim_page_renders_bootstrap_form(client):
    response = _login(client, UserFactory()).get(reverse("establishments:claim"))
    html = _text(response)
    assert 'class="form-control" id="id_finess"' in html or 'id="id_finess"' in html
    assert "Rattacher mon établissement" in html


def test_claim_first_redirects_to_home_as_director(client):
    establishment = EstablishmentFactory()
    VerifiedDomainFactory(establishment=establishment, domain="ch-verifie.fr")
    user = UserFactory(email="direction@ch-verifie.fr")
    response = _login(client, user).post(
        reverse("establishments:claim"), {"finess": establishment.finess, "role": Role.MEMBER}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("establishments:home", args=[establishment.pk])
    assert "Vous êtes maintenant directeur" in _text(response)
    assert Membership.objects.get(user=user).role == Role.DIRECTOR


def test_first_claim_without_director_sees_nothing_until_the_crrc_approves(client):
    establishment = EstablishmentFactory(with_director=False)
    user = UserFactory()
    response = _login(client, user).post(
        reverse("establishments:claim"),
        {"finess": establishment.finess, "role": Role.MEMBER, "function": "Directrice adjointe"},
        follow=True,
    )
    assert "envoyée au CRRC" in _text(response)
    assert not Membership.objects.filter(user=user).exists()
    for url in (
        reverse("establishments:home", args=[establishment.pk]),
        reverse("establishments:members", args=[establishment.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_claim_mistyped_finess_shows_error_next_to_field_and_in_summary(client):
    establishment = EstablishmentFactory()
    wrong = establishment.finess[:8] + str((int(establishment.finess[8]) + 1) % 10)
    response = _login(client, UserFactory()).post(reverse("establishments:claim"), {"finess": wrong, "role": "member"})
    html = _text(response)
    assert response.status_code == 200
    assert 'id="form-errors"' in html
    assert 'id="id_finess_error"' in html
    assert 'aria-describedby="id_finess_helptext id_finess_error"' in html
    assert "is-invalid" in html
    assert "clé de contrôle du numéro FINESS est fausse" in html


def test_claim_unknown_finess_says_not_in_directory(client):
    response = _login(client, UserFactory()).post(
        reverse("establishments:claim"), {"finess": "310780259", "role": "member"}
    )
    assert "ne figure pas dans le répertoire FINESS" in _text(response)


def test_claim_already_member_message(client):
    membership = MembershipFactory()
    response = _login(client, membership.user).post(
        reverse("establishments:claim"), {"finess": membership.establishment.finess, "role": "member"}
    )
    assert "Vous êtes déjà membre" in _text(response)


def test_later_claimant_sees_pending_state(client):
    establishment = EstablishmentFactory(with_director=True)
    user = UserFactory()
    response = _login(client, user).post(
        reverse("establishments:claim"), {"finess": establishment.finess, "role": "rssi"}, follow=True
    )
    html = _text(response)
    assert "Votre demande pour rejoindre" in html
    assert "En attente" in html and establishment.name in html
    # Pending: the establishment itself stays closed to them.
    assert client.get(reverse("establishments:home", args=[establishment.pk])).status_code == 404


# --- Mes établissements -------------------------------------------------------------------------------------


def test_my_establishments_groups_by_organisation(client):
    organisation = OrganisationFactory(name="Groupe Hospitalier du Sud")
    first = EstablishmentFactory(organisation=organisation, name="EHPAD Les Tilleuls")
    EstablishmentFactory(organisation=organisation, name="EHPAD Les Acacias")
    alone = EstablishmentFactory(name="Clinique du Parc")
    membership = MembershipFactory(establishment=None, organisation=organisation, role=Role.DIRECTOR)
    MembershipFactory(user=membership.user, establishment=alone, role=Role.RSSI)
    html = _text(_login(client, membership.user).get(reverse("establishments:mine")))
    assert "Groupe Hospitalier du Sud" in html
    assert html.index("EHPAD Les Acacias") < html.index("EHPAD Les Tilleuls")
    assert "Clinique du Parc" in html
    assert reverse("establishments:home", args=[first.pk]) in html


def test_my_establishments_empty_state_says_what_to_do(client):
    html = _text(_login(client, UserFactory()).get(reverse("establishments:mine")))
    assert "aucun établissement" in html
    assert reverse("establishments:claim") in html


def test_my_establishments_query_count_does_not_grow(client, django_assert_max_num_queries):
    user = UserFactory()
    organisation = OrganisationFactory()
    for _ in range(8):
        MembershipFactory(user=user, establishment=EstablishmentFactory(organisation=organisation))
    AccessRequestFactory(user=user)
    _login(client, user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("establishments:mine"))
    assert response.status_code == 200


# --- Home page ------------------------------------------------------------------------------------------------


def test_home_page_shows_profile_members_and_empty_sections(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    establishment = director.establishment
    html = _text(_login(client, director.user).get(reverse("establishments:home", args=[establishment.pk])))
    assert establishment.finess in html and establishment.category.label in html
    assert str(director.user) in html
    for title in ("Offres de service du CRRC", "Appels à projets", "Plan d'action", "Exercices de crise", "Documents"):
        assert title in html
    assert "Nommez un relais sensibilisation" in html


def test_home_page_shows_pending_requests_to_directors_only(client):
    access_request = AccessRequestFactory()
    establishment = access_request.establishment
    director = Membership.objects.get(establishment=establishment).user
    member = MembershipFactory(establishment=establishment).user
    url = reverse("establishments:home", args=[establishment.pk])
    assert access_request.user.email in _text(_login(client, director).get(url))
    assert access_request.user.email not in _text(_login(client, member).get(url))


def test_home_page_renders_a_registered_section(client):
    membership = MembershipFactory()
    before = {s.key: s for s in registered_sections()}
    section = Section(
        key="offers",
        title="Offres (test)",
        template="establishments/participation_empty.html#documents",
        context=lambda request, establishment: {"count": 3},
    )
    with replaced(section):
        html = _text(
            _login(client, membership.user).get(reverse("establishments:home", args=[membership.establishment_id]))
        )
    assert "Offres (test)" in html
    assert "Offres de service du CRRC" not in html
    # What was registered before (the offers app's own section) is back, not the built-in empty state.
    assert {s.key: s for s in registered_sections()} == before


def _home_queries(client, size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    director = MembershipFactory(role=Role.DIRECTOR)
    for _ in range(size):
        MembershipFactory(establishment=director.establishment)
        AccessRequestFactory(establishment=director.establishment)
    _login(client, director.user)
    client.get(reverse("establishments:home", args=[director.establishment_id]))  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("establishments:home", args=[director.establishment_id]))
    assert response.status_code == 200
    return len(queries)


def test_home_page_query_count(client):
    """ "Mon établissement" gathers one section per module: its queries grow with the modules, never with the data."""
    small, large = _home_queries(client, 1), _home_queries(client, 8)
    assert small == large
    # The page itself (session, user, memberships, establishment, region…) plus at most 3 queries per section.
    assert large <= 10 + 3 * len(registered_sections())


# --- Members, approvals, invitations ----------------------------------------------------------------------------


def test_members_page_lists_active_and_past_members(client, django_assert_max_num_queries):
    director = MembershipFactory(role=Role.DIRECTOR)
    gone = MembershipFactory(establishment=director.establishment, role=Role.RSSI)
    from establishments.services import deactivate_membership

    deactivate_membership(gone, director.user)
    for _ in range(6):
        MembershipFactory(establishment=director.establishment)
    _login(client, director.user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("establishments:members", args=[director.establishment_id]))
    html = _text(response)
    past = html.index("Anciens membres")
    assert html.index(str(gone.user)) > past
    assert f"retiré par {director.user}" in html


def test_director_approves_from_the_portal(client):
    access_request = AccessRequestFactory()
    director = Membership.objects.get(establishment=access_request.establishment).user
    response = _login(client, director).post(
        reverse("establishments:approve_request", args=[access_request.establishment_id, access_request.pk]),
        follow=True,
    )
    assert "a rejoint l'établissement" in _text(response)
    assert Membership.objects.filter(user=access_request.user, is_active=True).exists()


def test_director_refuses_with_reason(client):
    access_request = AccessRequestFactory()
    director = Membership.objects.get(establishment=access_request.establishment).user
    url = reverse("establishments:refuse_request", args=[access_request.establishment_id, access_request.pk])
    _login(client, director)
    empty = client.post(url, {"reason": ""})
    assert "Ce champ est obligatoire" in _text(empty)
    client.post(url, {"reason": "Personne inconnue"})
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.REFUSED


def test_invite_page_sends_invitation(client, mailoutbox, django_capture_on_commit_callbacks):
    director = MembershipFactory(role=Role.DIRECTOR)
    _login(client, director.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("establishments:invite", args=[director.establishment_id]),
            {"email": "rssi@example.org", "role": Role.RSSI},
            follow=True,
        )
    assert "Invitation envoyée à rssi@example.org" in _text(response)
    invitation = Invitation.objects.get(email="rssi@example.org")
    assert f"http://testserver/etablissements/invitations/{invitation.token}/" in mailoutbox[0].body


def test_invite_already_member_shows_error_on_field(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    member = MembershipFactory(establishment=director.establishment)
    response = _login(client, director.user).post(
        reverse("establishments:invite", args=[director.establishment_id]),
        {"email": member.user.email, "role": Role.MEMBER},
    )
    assert "est déjà membre" in _text(response)
    assert 'id="id_email_error"' in _text(response)


def test_invitee_accepts_through_the_link(client):
    invitation = InvitationFactory(role=Role.AWARENESS_RELAY)
    user = UserFactory(email=invitation.email)
    url = reverse("establishments:invitation", args=[invitation.token])
    _login(client, user)
    assert invitation.establishment.name in _text(client.get(url))
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("establishments:home", args=[invitation.establishment_id])
    assert Membership.objects.get(user=user).role == Role.AWARENESS_RELAY


def test_invitation_page_hides_the_establishment_from_another_address(client):
    invitation = InvitationFactory()
    url = reverse("establishments:invitation", args=[invitation.token])
    response = _login(client, UserFactory()).get(url)
    assert response.status_code == 403
    html = _text(response)
    assert invitation.establishment.name not in html
    assert "envoyée à une autre adresse" in html
    client.post(url)
    assert not Membership.objects.filter(establishment=invitation.establishment).exists()


def test_unknown_invitation_token_is_404(client):
    assert _login(client, UserFactory()).get(reverse("establishments:invitation", args=["nope"])).status_code == 404


def test_anonymous_invitee_is_sent_to_login(client):
    invitation = InvitationFactory()
    response = client.get(reverse("establishments:invitation", args=[invitation.token]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- Role change: full page and htmx ---------------------------------------------------------------------------


def test_role_change_htmx_returns_the_row(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    member = MembershipFactory(establishment=director.establishment)
    response = _login(client, director.user).post(
        reverse("establishments:change_role", args=[director.establishment_id, member.pk]),
        {"role": Role.RSSI},
        headers={"HX-Request": "true"},
    )
    html = _text(response)
    assert html.lstrip().startswith(f'<tr id="membership-{member.pk}"')
    assert "<html" not in html
    assert 'value="rssi" selected' in html
    assert "RSSI ou référent informatique" in html and 'role="status"' in html
    member.refresh_from_db()
    assert member.role == Role.RSSI


def test_role_change_htmx_shows_last_director_error_in_row(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    response = _login(client, director.user).post(
        reverse("establishments:change_role", args=[director.establishment_id, director.pk]),
        {"role": Role.MEMBER},
        headers={"HX-Request": "true"},
    )
    html = _text(response)
    assert 'role="alert"' in html and "dernier directeur actif" in html
    assert 'value="director" selected' in html


def test_role_change_without_htmx_redirects_with_message(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    response = _login(client, director.user).post(
        reverse("establishments:change_role", args=[director.establishment_id, director.pk]),
        {"role": Role.MEMBER},
        follow=True,
    )
    assert "dernier directeur actif" in _text(response)


def test_deactivate_confirm_then_post(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    member = MembershipFactory(establishment=director.establishment)
    url = reverse("establishments:deactivate", args=[director.establishment_id, member.pk])
    _login(client, director.user)
    assert "Retirer" in _text(client.get(url))
    client.post(url)
    member.refresh_from_db()
    assert member.is_active is False


# --- Isolation: a member of A gets 404 on every page of B --------------------------------------------------------


def _b_urls(b_director, b_member, b_request, b_invitation):
    est = b_director.establishment_id
    return {
        "get": [
            reverse("establishments:home", args=[est]),
            reverse("establishments:members", args=[est]),
            reverse("establishments:invite", args=[est]),
            reverse("establishments:deactivate", args=[est, b_member.pk]),
            reverse("establishments:refuse_request", args=[est, b_request.pk]),
        ],
        "post": [
            reverse("establishments:invite", args=[est]),
            reverse("establishments:change_role", args=[est, b_member.pk]),
            reverse("establishments:deactivate", args=[est, b_member.pk]),
            reverse("establishments:approve_request", args=[est, b_request.pk]),
            reverse("establishments:refuse_request", args=[est, b_request.pk]),
            reverse("establishments:revoke_invitation", args=[est, b_invitation.pk]),
        ],
    }


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.MEMBER])
def test_member_of_a_gets_404_on_every_page_of_b(client, role):
    a = MembershipFactory(role=role)
    b_director = MembershipFactory(role=Role.DIRECTOR)
    b_member = MembershipFactory(establishment=b_director.establishment)
    b_request = AccessRequestFactory(establishment=b_director.establishment)
    b_invitation = InvitationFactory(establishment=b_director.establishment)
    _login(client, a.user)
    urls = _b_urls(b_director, b_member, b_request, b_invitation)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        response = client.post(url, {"role": Role.DIRECTOR, "email": "x@example.org", "reason": "x"})
        assert response.status_code == 404, url
    b_member.refresh_from_db()
    b_request.refresh_from_db()
    assert b_member.role == Role.MEMBER and b_member.is_active
    assert b_request.status == AccessRequest.Status.PENDING
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_director_of_a_cannot_act_on_a_membership_of_b_through_a_url(client):
    """Mixing A's establishment with B's membership id is a 404 too."""
    a = MembershipFactory(role=Role.DIRECTOR)
    b_member = MembershipFactory()
    response = _login(client, a.user).post(
        reverse("establishments:change_role", args=[a.establishment_id, b_member.pk]), {"role": Role.DIRECTOR}
    )
    assert response.status_code == 404
    b_member.refresh_from_db()
    assert b_member.role == Role.MEMBER


def test_plain_member_gets_404_on_management_pages_of_own_establishment(client):
    director = MembershipFactory(role=Role.DIRECTOR)
    member = MembershipFactory(establishment=director.establishment)
    _login(client, member.user)
    assert client.get(reverse("establishments:members", args=[director.establishment_id])).status_code == 200
    assert client.get(reverse("establishments:invite", args=[director.establishment_id])).status_code == 404
    response = client.post(
        reverse("establishments:change_role", args=[director.establishment_id, director.pk]), {"role": "member"}
    )
    assert response.status_code == 404


def test_menu_marks_my_establishments_as_current_page(client):
    membership = MembershipFactory()
    page = _text(
        _login(client, membership.user).get(reverse("establishments:home", args=[membership.establishment_id]))
    )
    assert f'href="{reverse("establishments:mine")}" aria-current="page"' in page
    assert f'href="{reverse("home")}" aria-current="page"' not in page


def test_my_establishments_lists_invitations_for_my_verified_address(client):
    invitation = InvitationFactory()
    InvitationFactory()  # sent to someone else
    page = _text(_login(client, UserFactory(email=invitation.email)).get(reverse("establishments:mine")))
    assert "Invitations reçues" in page
    assert page.count("Voir l'invitation") == 1
    assert reverse("establishments:invitation", args=[invitation.token]) in page
