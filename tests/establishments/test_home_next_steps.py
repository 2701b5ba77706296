"""« Mon établissement »: every section says what to do next with a button, the CRRC's contact is on the page, and
the awareness card does not ask an establishment to name a relay it already has."""

import re

import pytest
from django.urls import reverse

from establishments.roles import Role
from tests.calls.factories import CallFactory

from .factories import EstablishmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'aria-labelledby="section-([\w-]+)">(.*?)</section>', page, re.S))


@pytest.fixture
def establishment():
    establishment = EstablishmentFactory(name="CH DE CARCASSONNE")
    region = establishment.region
    region.contact_email, region.contact_phone = "crrc@esante-occitanie.example", "05 00 00 00 00"
    region.save()
    return establishment


@pytest.fixture
def director(establishment):
    return MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user


def test_every_section_has_a_next_step_button_and_the_crrc_contact_is_shown(client, establishment, director):
    call = CallFactory(region=establishment.region, title="Soutien à l'organisation d'un exercice de crise cyber")
    client.force_login(director, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()
    sections = _sections(page)
    assert len(sections) >= 6, sections.keys()
    for key, html in sections.items():
        assert 'class="btn ' in html, f"section {key} has no next-step button"
    assert "Candidater à « Soutien à l&#x27;organisation d&#x27;un exercice de crise cyber »" in sections["calls"]
    assert call.get_absolute_url() in sections["calls"]
    assert "Faire l'auto-évaluation" in sections["assessments"]
    assert "crrc@esante-occitanie.example" in page and "05 00 00 00 00" in page
    assert "Nommez un relais" in sections["awareness"]


def test_an_establishment_with_a_relay_is_not_asked_to_name_one(client, establishment, director):
    relay = MembershipFactory(
        establishment=establishment, role=Role.AWARENESS_RELAY, user__first_name="Inès", user__last_name="Roux"
    ).user
    client.force_login(director, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()
    awareness = _sections(page)["awareness"]
    assert "Nommez un relais" not in awareness
    assert relay.get_full_name() in awareness


@pytest.mark.parametrize("with_relay", [True, False], ids=["relay", "no-relay"])
@pytest.mark.parametrize(
    ("state", "next_step"),
    [
        ("no-programme", None),
        ("programme-open", "Découvrir et rejoindre le programme"),
        ("enrolled", "Importer les personnels"),
    ],
)
def test_the_awareness_section_says_the_next_step_of_the_real_state(
    client, establishment, director, state, next_step, with_relay
):
    from tests.awareness.factories import EnrolmentFactory, ProgrammeFactory

    if state != "no-programme":
        programme = ProgrammeFactory(region=establishment.region)
        if state == "enrolled":
            EnrolmentFactory(establishment=establishment, programme=programme)
    if with_relay:
        MembershipFactory(
            establishment=establishment, role=Role.AWARENESS_RELAY, user__first_name="Inès", user__last_name="Roux"
        )
    client.force_login(director, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()
    assert page.count('aria-labelledby="section-awareness"') == 1
    awareness = _sections(page)["awareness"]
    body = awareness.strip().removesuffix("</div>")  # the card body's own closing tag
    assert re.search(r'<a class="btn [^"]*" href="[^"]+">[^<]+</a>\s*$', body), "the section must end on its button"
    if next_step is None:
        next_step = "Demander un kit de sensibilisation" if with_relay else "Nommer un relais parmi les membres"
    assert next_step in awareness
    assert ("Inès Roux" in awareness) is with_relay
    if with_relay:
        assert "Nommez un relais" not in awareness and "Nommer un relais" not in awareness
