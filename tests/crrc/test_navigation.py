"""The main menu shows each kind of user what it can do, and nothing it can't; every link it shows works."""

import html
import re

import pytest
from django.urls import reverse

from crrc import navigation
from establishments.roles import Role, StaffKind
from tests.action_plans.factories import region_staff
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav id="navigation".*?</nav>', re.S)
# The entries of the apps this test was written with; later modules' entries are checked by their own tests.
CORE_LABELS = {
    "Accueil",
    "Mes établissements",
    "Évaluations",
    "Plan d'action",
    "Appels à projets",
    "Mon compte",
    "Tableau de bord régional",
    "Évaluations de la région",
    "Instruction",
    "Administration",
}
LINK = re.compile(r'<a class="nav-link" href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def menu(client, user, path="/etablissements/"):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(path, follow=True).content.decode()
    return {
        html.unescape(label.strip()): (href, bool(current))
        for href, current, label in LINK.findall(NAV.search(page).group(0))
    }


@pytest.fixture
def establishment():
    return EstablishmentFactory()


def test_a_member_sees_the_establishment_side_only(client, establishment):
    director = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user

    items = menu(client, director)

    # Modules add their own entries (incidents, offers…); the core ones keep their order and the staff ones never show.
    assert [label for label in items if label in CORE_LABELS] == [
        "Accueil",
        "Mes établissements",
        "Évaluations",
        "Plan d'action",
        "Appels à projets",
        "Mon compte",
    ]
    assert not {"Tableau de bord régional", "Instruction", "Administration", "Évaluations de la région"} & set(items)
    assert items["Mes établissements"] == (reverse("establishments:mine"), True)


def test_crrc_staff_see_the_regions_work_and_the_admin(client, establishment):
    staff = region_staff(establishment.region)

    items = menu(client, staff, "/")

    assert [label for label in items if label in CORE_LABELS] == [
        "Accueil",
        "Tableau de bord régional",
        "Plan d'action",
        "Évaluations de la région",
        "Instruction",
        "Administration",
        "Mon compte",
    ]
    assert "Mes établissements" not in items and "Appels à projets" not in items
    assert items["Accueil"] == ("/", True)


def test_an_ars_reviewer_sees_no_admin_that_would_refuse_them(client, establishment):
    reviewer = region_staff(establishment.region, kind=StaffKind.ARS_REVIEWER)
    reviewer.is_staff = False
    reviewer.save()

    items = menu(client, reviewer, reverse("dashboards:region"))

    assert "Administration" not in items and "Mes établissements" not in items and "Appels à projets" not in items
    assert items["Tableau de bord régional"] == (reverse("dashboards:region"), True)
    assert client.get(reverse("admin:index")).status_code == 302  # the admin indeed refuses them


def test_a_superuser_sees_the_staff_items(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "t"})

    items = menu(client, admin, "/")

    assert {"Tableau de bord régional", "Instruction", "Évaluations de la région", "Administration"} <= set(items)


def test_a_newcomer_is_shown_where_to_attach_their_establishment(client):
    items = menu(client, UserFactory())

    assert list(items) == ["Accueil", "Mes établissements", "Mon compte"]


def test_someone_both_member_and_staff_sees_both_sides(client, establishment):
    staff = region_staff(establishment.region)
    MembershipFactory(establishment=establishment, user=staff, role=Role.RSSI)

    items = menu(client, staff, "/")

    assert {"Mes établissements", "Évaluations", "Instruction", "Tableau de bord régional"} <= set(items)


@pytest.mark.parametrize("kind", ["member", "staff", "ars"])
def test_every_link_shown_opens_a_page(client, establishment, kind):
    if kind == "member":
        user = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    else:
        user = region_staff(establishment.region, StaffKind.CRRC_STAFF if kind == "staff" else StaffKind.ARS_REVIEWER)
        if kind == "ars":
            user.is_staff = False
            user.save()
    for label, (href, _current) in menu(client, user, "/").items():
        response = client.get(href, follow=True)
        assert response.status_code == 200, f"{label} ({href}) answered {response.status_code} for {kind}"


def test_the_menu_costs_one_query(rf, establishment, django_assert_num_queries):
    director = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    request = rf.get("/")
    request.user = director
    with django_assert_num_queries(1):
        first = navigation.items_for(request)
        navigation.items_for(request)
    assert first


def test_an_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="Unknown navigation audiences"):
        navigation.NavItem("x", "X", "home", {"everyone"})
