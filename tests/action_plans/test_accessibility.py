"""axe-core on the action-plan pages with realistic content (overdue rows, comments, history, import errors)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from action_plans import services
from action_plans.models import ActionItem
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory

from .factories import member

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_action_plan_pages_have_no_axe_violation(live_server, browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root")
    establishment = EstablishmentFactory(ehpad=True)
    rssi = member(establishment, Role.RSSI)
    item = services.create_item(establishment, rssi, title="Sauvegardes hors ligne", owner=rssi)
    ActionItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    services.update_item(item, rssi, expected_version=1, progress=30)
    services.add_comment(item, rssi, "Devis demandé")
    done = services.complete_item(services.create_item(establishment, rssi, title="Antivirus"), rssi)
    client = Client()
    client.force_login(rssi)
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
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
    findings = []
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        findings += [
            f"{url}: {v['id']} ({v['impact']}) {v['help']} → "
            + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"]
        ]
    # The create form submitted empty: errors summary and fields marked invalid.
    page.goto(live_server.url + reverse("action_plans:create", args=[establishment.pk]))
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    findings += [f"create (errors): {v['id']} {v['help']}" for v in result["violations"]]
    context.close()
    assert not findings, "\n".join(findings)
