"""The admin's export page in French (verbose names, « Tout sélectionner » bound by a static script, no inline
handler for the CSP to block) and simple-history's changes shown with labels, not stored values."""

import pytest
from django.urls import reverse

from accounts.models import User
from action_plans import services as plan_services
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .test_admin_walk import admin_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return User.objects.create_superuser(email="admin@example.org", password="x")


def test_export_page_is_french_and_csp_safe(superuser):
    page = admin_client(superuser).get(reverse("admin:establishments_establishment_export")).content.decode()
    assert "Tout sélectionner" in page and "Select all" not in page
    assert "onchange=" not in page and 'style="' not in page.split('id="content"', 1)[1]
    assert "/static/js/admin-export-select-all.js" in page
    assert ">Raison sociale (rs)</label>" in page and "Name (rs)" not in page


def test_history_shows_status_labels(superuser):
    establishment = EstablishmentFactory()
    user = MembershipFactory(establishment=establishment).user
    item = plan_services.create_item(establishment, user, title="Sauvegardes hors ligne")
    item = plan_services.start_item(item, user)
    plan_services.complete_item(item, user)
    page = admin_client(superuser).get(reverse("admin:action_plans_actionitem_history", args=[item.pk]))
    html = page.content.decode()
    assert "En cours" in html and "Terminée" in html
    assert "in_progress" not in html and "&rarr;&nbsp;&nbsp;done" not in html
