"""The footer's legal notice, accessibility statement, personal-data page and CRRC contact: public, with shipped
defaults written from the region, and each region's own texts from the admin."""

import pytest
from django.test import Client
from django.urls import reverse

from establishments.models import AccessibilityStatus
from tests.establishments.factories import RegionFactory

pytestmark = pytest.mark.django_db

PAGES = ("legal_notice", "accessibility", "privacy", "contact")


@pytest.fixture
def region(settings):
    region = RegionFactory(
        code="76",
        name="Occitanie",
        ars_name="ARS Occitanie",
        grades_name="e-santé Occitanie",
        crrc_name="CRRC Occitanie",
        contact_email="crrc@esante-occitanie.example",
    )
    settings.CRRC_DEFAULT_REGION = "76"
    return region


def test_footer_pages_are_public_and_linked_from_every_page(region):
    client = Client()
    home = client.get(reverse("home")).content.decode()
    for name in PAGES:
        assert f'href="{reverse(name)}"' in home, name
        response = client.get(reverse(name))
        assert response.status_code == 200, name


def test_defaults_name_the_grades_as_controller_the_rgaa_status_and_the_contacts(region):
    client = Client()
    privacy = client.get(reverse("privacy")).content.decode()
    assert "Responsable de traitement" in privacy and "e-santé Occitanie" in privacy
    assert "Durées de conservation" in privacy and "CNIL" in privacy
    assert "crrc@esante-occitanie.example" in privacy  # rights: DPO falls back to the CRRC's e-mail
    accessibility = client.get(reverse("accessibility")).content.decode()
    assert "<strong>non conforme</strong>" in accessibility and "axe-core" in accessibility
    assert "Défenseur des droits" in accessibility and "crrc@esante-occitanie.example" in accessibility
    notice = client.get(reverse("legal_notice")).content.decode()
    assert "e-santé Occitanie" in notice and "ARS Occitanie" in notice and "EUPL-1.2" in notice


def test_each_region_edits_its_texts_escaped(region):
    region.legal_notice = "Éditeur : GIP e-santé Occitanie\nHébergeur : <b>OVH</b>"
    region.accessibility_status = AccessibilityStatus.PARTIAL
    region.accessibility_statement = "Audit RGAA du 12/03/2026 : 82 % des critères respectés."
    region.accessibility_contact = "accessibilite@esante-occitanie.example"
    region.privacy_notice = "Conservation des comptes : 2 ans."
    region.dpo_contact = "dpo@esante-occitanie.example"
    region.contact_phone = "05 00 00 00 00"
    region.save()
    client = Client()
    notice = client.get(reverse("legal_notice")).content.decode()
    assert "Hébergeur : &lt;b&gt;OVH&lt;/b&gt;" in notice and "<b>OVH" not in notice
    accessibility = client.get(reverse("accessibility")).content.decode()
    assert "<strong>partiellement conforme</strong>" in accessibility and "82 % des critères" in accessibility
    assert "accessibilite@esante-occitanie.example" in accessibility
    privacy = client.get(reverse("privacy")).content.decode()
    assert "Conservation des comptes : 2 ans." in privacy and "dpo@esante-occitanie.example" in privacy
    assert "05 00 00 00 00" in client.get(reverse("contact")).content.decode()


def test_crrc_staff_edit_the_footer_texts_in_the_admin(region, client):
    from establishments.roles import StaffKind
    from establishments.staffing import assign_staff
    from tests.establishments.factories import UserFactory
    from tests.establishments.test_admin import with_mfa

    staff = with_mfa(UserFactory())
    assign_staff(staff, region, StaffKind.CRRC_STAFF)
    client.force_login(staff)
    page = client.get(reverse("admin:establishments_region_change", args=[region.pk])).content.decode()
    for field in ("legal_notice", "accessibility_status", "accessibility_statement", "privacy_notice", "dpo_contact"):
        assert f'name="{field}"' in page, field


def test_pages_work_without_any_region(settings):
    settings.CRRC_DEFAULT_REGION = "99"
    for name in PAGES:
        assert Client().get(reverse(name)).status_code == 200, name
