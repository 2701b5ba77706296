"""Incident pages: declaring through the form, who sees an incident (confidential), the section, bounded queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from establishments.roles import Role, StaffKind
from incidents.models import Incident
from incidents.steps import StepKind
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .factories import IncidentFactory, declare, director_of, rssi_of, staff_of

pytestmark = pytest.mark.django_db


def _form(**overrides):
    return {
        "title": "Messagerie compromise",
        "detected_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Des courriels d'hameçonnage partent de la boîte de l'accueil.",
        "systems_affected": "Messagerie",
        "care_impact": "none",
        "personal_data": "on",
    } | overrides


def test_director_declares_and_lands_on_the_guide(client):
    establishment = EstablishmentFactory()
    client.force_login(director_of(establishment))
    response = client.post(reverse("incidents:declare", args=[establishment.pk]), _form())
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == reverse("incidents:detail", args=[incident.pk])
    page = client.get(response.url).content.decode()
    assert "Notifier la CNIL" in page and "signalement.social-sante.gouv.fr" in page
    assert "cyberveille-sante.gouv.fr" in page


def test_bad_declaration_shows_french_messages_next_to_the_field_and_writes_nothing(client):
    establishment = EstablishmentFactory()
    client.force_login(director_of(establishment))
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("incidents:declare", args=[establishment.pk]), _form(detected_at=future))
    assert response.status_code == 200
    assert "La détection ne peut pas être dans le futur." in response.content.decode()
    response = client.post(reverse("incidents:declare", args=[establishment.pk]), _form(detected_at="32/13/2026"))
    assert "Saisissez une date et une heure valides" in response.content.decode()
    assert Incident.objects.count() == 0


def test_member_without_the_capability_may_not_declare(client):
    establishment = EstablishmentFactory()
    client.force_login(MembershipFactory(establishment=establishment, role=Role.MEMBER).user)
    assert client.get(reverse("incidents:declare", args=[establishment.pk])).status_code == 403


def test_who_sees_an_incident(client):
    incident = declare()
    establishment = incident.establishment
    url = reverse("incidents:detail", args=[incident.pk])
    allowed = [incident.declared_by, rssi_of(establishment), staff_of(establishment.region)]
    denied = [
        MembershipFactory(establishment=establishment, role=Role.MEMBER).user,
        MembershipFactory(establishment=establishment, role=Role.AWARENESS_RELAY).user,
        director_of(EstablishmentFactory()),
        staff_of(EstablishmentFactory().region),
        staff_of(establishment.region, kind=StaffKind.ARS_REVIEWER),
    ]
    for user in allowed:
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in denied:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        step = incident.steps.get(kind=StepKind.NATIONAL_PORTAL)
        assert client.post(reverse("incidents:step_done", args=[incident.pk, step.pk])).status_code == 404


def test_ars_reviewer_sees_counts_and_delays_only(client):
    incident = declare(title="Fuite du dossier patient")
    reviewer = staff_of(incident.establishment.region, kind=StaffKind.ARS_REVIEWER)
    client.force_login(reviewer)
    page = client.get(reverse("incidents:index")).content.decode()
    assert "Fuite du dossier patient" not in page and incident.establishment.name not in page
    assert "chiffres de la région" in page


def test_step_done_through_the_page_and_a_bad_date_is_refused(client):
    incident = declare()
    client.force_login(incident.declared_by)
    step = incident.steps.get(kind=StepKind.NATIONAL_PORTAL)
    url = reverse("incidents:step_done", args=[incident.pk, step.pk])
    before = (timezone.localtime(incident.detected_at) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"done_at": before})
    assert response.status_code == 400 and "avant la détection" in response.content.decode()
    assert client.post(url, {"note": "n° 42"}).status_code == 302
    step.refresh_from_db()
    assert step.is_done and step.note == "n° 42"


def test_staff_take_log_hours_and_close_from_the_page(client):
    incident = declare()
    staff = staff_of(incident.establishment.region)
    client.force_login(staff)
    assert client.post(reverse("incidents:take", args=[incident.pk])).status_code == 302
    response = client.post(
        reverse("incidents:intervention", args=[incident.pk]),
        {"mode": "remote", "hours": "-1", "intervenants": "Nadia", "description": "Analyse"},
    )
    assert response.status_code == 400 and "supérieur à zéro" in response.content.decode()
    client.post(
        reverse("incidents:intervention", args=[incident.pk]),
        {"mode": "remote", "hours": "1,5", "intervenants": "Nadia", "description": "Analyse des journaux"},
    )
    response = client.post(
        reverse("incidents:close", args=[incident.pk]),
        {"lessons_learned": "Double authentification absente.", "actions": "Activer la double authentification"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "closed"
    assert incident.establishment.action_plans_actionplan_set.get().items.get().title == (
        "Activer la double authentification"
    )


def test_mon_etablissement_section_offers_to_declare_and_lists_open_incidents(client):
    incident = declare(title="Panne de l'hébergeur")
    client.force_login(incident.declared_by)
    page = client.get(reverse("establishments:home", args=[incident.establishment.pk])).content.decode()
    assert "Déclarer un incident" in page and "Panne de l&#x27;hébergeur" in page
    member = MembershipFactory(establishment=incident.establishment, role=Role.MEMBER).user
    client.force_login(member)
    page = client.get(reverse("establishments:home", args=[incident.establishment.pk])).content.decode()
    assert "Panne de l&#x27;hébergeur" not in page and "prévenez sans attendre votre directeur" in page


@pytest.mark.parametrize("size", [2, 12])
def test_staff_list_queries_do_not_grow_with_rows(client, django_assert_max_num_queries, size):
    establishment = EstablishmentFactory()
    staff = staff_of(establishment.region)
    for _ in range(size):
        IncidentFactory(establishment=EstablishmentFactory(department=establishment.department))
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("incidents:index"), {"etat": "all"})
    assert response.status_code == 200 and response.content.decode().count("INC-") == size


def test_the_crrc_on_call_line_of_the_region_is_shown_on_the_declaration_and_the_incident(client, settings):
    from incidents.models import RegionOnCall

    establishment = EstablishmentFactory()
    region = establishment.region
    region.contact_email = "crrc@region.example"
    region.save()
    director = director_of(establishment)
    client.force_login(director)
    declare_url = reverse("incidents:declare", args=[establishment.pk])
    without = client.get(declare_url).content.decode()
    assert "Pas de numéro d'astreinte renseigné par le CRRC." in without and "crrc@region.example" in without

    RegionOnCall.objects.create(region=region, phone="05 61 00 00 00", email="astreinte@crrc.example",
                                instructions="Demandez l'ingénieur d'astreinte.")  # fmt: skip
    elsewhere = EstablishmentFactory()
    RegionOnCall.objects.create(region=elsewhere.region, phone="01 99 99 99 99")
    settings.INCIDENTS_CERT_SANTE = {"phone": "09 70 00 00 00"}
    incident = declare(establishment, director)
    for url in (declare_url, reverse("incidents:detail", args=[incident.pk])):
        page = client.get(url).content.decode()
        assert 'href="tel:0561000000"' in page and "astreinte@crrc.example" in page, url
        assert "Demandez l&#x27;ingénieur d&#x27;astreinte." in page, url
        assert "01 99 99 99 99" not in page, url
        assert 'href="tel:0970000000"' in page and "cyberveille-sante.gouv.fr" in page, url
