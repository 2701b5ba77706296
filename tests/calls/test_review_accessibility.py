"""axe-core on the review pages with realistic content (labels, scores, notes, messages, bulk results)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from calls.models import ProjectKind
from calls.review_models import Message
from calls.workflow import State

from .factories import CallFactory, CutOffFactory, editor_of
from .review_factories import LabelFactory, ReviewNoteFactory, ReviewScoreFactory, attach, reviewer_of, under_review

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_pages_have_no_axe_violation(live_server, browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root")
    call = CallFactory(budget_envelope=Decimal("8000"), max_funded_applications=2)
    CutOffFactory(call=call, label="Première relève")
    kind = ProjectKind.objects.create(call=call, code="diagnostic", label="Diagnostic")
    reviewer = reviewer_of(call.region)
    application = under_review(call, preferred_kind=kind, declared_risk_level="high")
    under_review(call, state=State.ACCEPTE)
    for colour in ("blue", "green", "orange", "red", "purple", "grey"):
        LabelFactory(call=call, colour=colour, name=f"Étiquette {colour}").applications.add(application)
    ReviewScoreFactory(application=application, reviewer=reviewer, comment="Motivation claire.")
    ReviewNoteFactory(application=application, author=reviewer)
    Message.objects.create(application=application, author=reviewer, from_staff=True, body="Bonjour")
    Message.objects.create(
        application=application, author=editor_of(application.establishment), from_staff=False, body="Merci"
    )
    attach(application)
    client = Client()
    client.force_login(reviewer)
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    urls = [
        reverse("calls_review:index"),
        reverse("calls_review:list", args=[call.pk]),
        reverse("calls_review:list", args=[call.pk])
        + "?columns=reference&columns=labels&columns=motivation&state=accepte",
        reverse("calls_review:ranking", args=[call.pk]),
        reverse("calls_review:application", args=[application.pk]),
    ]
    findings = []
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        findings += [
            f"{url}: {v['id']} ({v['impact']}) {v['help']} → "
            + ", ".join(" ".join(n["target"]) + n.get("failureSummary", "") for n in v["nodes"][:5])
            for v in result["violations"]
        ]
    assert findings == []
