"""axe-core on the review pages with realistic content (labels, scores, notes, messages, bulk results)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import ProjectKind
from calls.review.models import Message
from calls.workflow import State
from tests.browser import log_in, visit_and_check

from .factories import CallFactory, CutOffFactory, editor_of
from .review_factories import LabelFactory, ReviewNoteFactory, ReviewScoreFactory, attach, reviewer_of, under_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_pages_have_no_axe_violation(live_server, axe_context):
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
    log_in(axe_context, reviewer, live_server.url)
    page = axe_context.new_page()
    urls = [
        reverse("calls_review:index"),
        reverse("calls_review:list", args=[call.pk]),
        reverse("calls_review:list", args=[call.pk])
        + "?columns=reference&columns=labels&columns=motivation&state=accepte",
        reverse("calls_review:ranking", args=[call.pk]),
        reverse("calls_review:application", args=[application.pk]),
    ]
    findings = [v for url in urls for v in visit_and_check(page, live_server.url + url)]
    assert findings == []
