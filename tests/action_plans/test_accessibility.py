"""axe-core on the action-plan pages with realistic content (overdue rows, comments, history, import errors)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from action_plans import services
from action_plans.models import ActionItem
from establishments.roles import Role
from tests.browser import axe_violations, log_in, visit_and_check
from tests.establishments.factories import EstablishmentFactory

from .factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_action_plan_pages_have_no_axe_violation(live_server, axe_context):
    establishment = EstablishmentFactory(ehpad=True)
    rssi = member(establishment, Role.RSSI)
    item = services.create_item(establishment, rssi, title="Sauvegardes hors ligne", owner=rssi)
    ActionItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    services.update_item(item, rssi, expected_version=1, progress=30)
    services.add_comment(item, rssi, "Devis demandé")
    done = services.complete_item(services.create_item(establishment, rssi, title="Antivirus"), rssi)
    log_in(axe_context, rssi, live_server.url)
    page = axe_context.new_page()
    urls = [
        reverse("action_plans:plan", args=[establishment.pk]),
        reverse("action_plans:plan", args=[establishment.pk]) + "?status=done",
        reverse("action_plans:detail", args=[item.pk]),
        reverse("action_plans:detail", args=[done.pk]),
        reverse("action_plans:edit", args=[item.pk]),
        reverse("action_plans:create", args=[establishment.pk]),
        reverse("action_plans:import", args=[establishment.pk]),
        reverse("establishments:home", args=[establishment.pk]),
    ]
    findings = [v for url in urls for v in visit_and_check(page, live_server.url + url)]
    # The create form submitted empty: errors summary and fields marked invalid.
    page.goto(live_server.url + reverse("action_plans:create", args=[establishment.pk]))
    page.get_by_role("button", name="Enregistrer").click()
    findings += axe_violations(page, "create (errors)")
    assert not findings, "\n".join(findings)
