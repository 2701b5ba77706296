"""In Chromium, with the portal's CSP: the export page's « Tout sélectionner » unticks and ticks every field."""

import pytest
from django.conf import settings

from accounts.models import User

from .test_admin_walk import admin_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_works_under_the_csp(browser, live_server):
    superuser = User.objects.create_superuser(email="admin@example.org", password="x")
    client = admin_client(superuser)
    context = browser.new_context(locale="fr-FR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "script-src" in message.text else None)
    page.goto(f"{live_server.url}/admin/establishments/establishment/export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    assert fields.count() > 5
    page.get_by_label("Tout sélectionner").uncheck()
    assert all(not fields.nth(i).is_checked() for i in range(fields.count()))
    page.get_by_label("Tout sélectionner").check()
    assert all(fields.nth(i).is_checked() for i in range(fields.count()))
    context.close()
    assert blocked == []
