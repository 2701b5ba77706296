from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import Application
from calls.review.models import ApplicationPriority
from calls.workflow import State

from .factories import CallFactory
from .review_factories import LabelFactory, reviewer_of, under_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    # Room for two flat €4,000 grants.
    return CallFactory(budget_envelope=Decimal("8000"), funding_amount=Decimal("4000"))


def _bulk(client, call, applications, action, **extra):
    return client.post(
        reverse("calls_review:bulk", args=[call.pk]),
        {"action": action, "applications": [a.pk for a in applications], **extra},
        follow=True,
    )


def test_bulk_accept_stops_at_the_envelope_and_says_which_and_why(client, call):
    applications = [under_review(call, declared_risk_level=level) for level in ("critical", "high", "low")]
    client.force_login(reviewer_of(call.region))

    response = _bulk(client, call, applications, "accept")

    html = response.content.decode()
    states = {a.pk: Application.objects.get(pk=a.pk).state for a in applications}
    # Best priority first: critical and high are accepted, low would exceed the envelope.
    assert states == {
        applications[0].pk: State.ACCEPTE,
        applications[1].pk: State.ACCEPTE,
        applications[2].pk: State.EN_INSTRUCTION,
    }
    assert "2 dossier(s) traité(s) sur 3" in html
    assert f'data-result="{applications[2].pk}"' in html
    assert "dépasserait l&#x27;enveloppe" in html
    assert 'data-budget="committed">8\xa0000,00 €' in html


def test_bulk_refuse_requires_a_reason(client, call):
    application = under_review(call)
    client.force_login(reviewer_of(call.region))
    response = _bulk(client, call, [application], "refuse", reason="")
    assert "Le motif est obligatoire" in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.EN_INSTRUCTION


def test_bulk_refuse_with_reason(client, call):
    applications = [under_review(call), under_review(call)]
    client.force_login(reviewer_of(call.region))
    _bulk(client, call, applications, "refuse", reason="Prérequis non remplis.")
    assert set(Application.objects.filter(pk__in=[a.pk for a in applications]).values_list("state", flat=True)) == {
        State.REFUSE
    }


def test_bulk_decision_on_an_application_not_en_instruction_fails_for_it_alone(client, call):
    waiting = under_review(call, state=State.EN_CONSTRUCTION, instruction_started_at=None)
    ready = under_review(call)
    client.force_login(reviewer_of(call.region))
    html = _bulk(client, call, [waiting, ready], "close_without_follow_up", reason="Doublon.").content.decode()
    assert Application.objects.get(pk=ready.pk).state == State.SANS_SUITE
    assert Application.objects.get(pk=waiting.pk).state == State.EN_CONSTRUCTION
    assert "Action impossible : le dossier est « En construction »" in html


def test_bulk_assign_and_label(client, call):
    applications = [under_review(call), under_review(call)]
    reviewer = reviewer_of(call.region)
    colleague = reviewer_of(call.region)
    label = LabelFactory(call=call, name="Dossier complet")
    client.force_login(reviewer)
    _bulk(client, call, applications, "assign", reviewer=colleague.pk)
    _bulk(client, call, applications, "label", label=label.pk)
    for application in applications:
        assert application.reviewer_assignments.get().reviewer == colleague
        assert list(application.review_labels.all()) == [label]


def test_ars_reviewer_cannot_bulk_decide(client, call):
    from establishments.roles import StaffKind

    application = under_review(call)
    client.force_login(reviewer_of(call.region, kind=StaffKind.ARS_REVIEWER))
    response = client.post(
        reverse("calls_review:bulk", args=[call.pk]), {"action": "accept", "applications": [application.pk]}
    )
    assert response.status_code == 403
    assert Application.objects.get(pk=application.pk).state == State.EN_INSTRUCTION


def test_single_decision_beyond_budget_is_refused_with_french_message(client):
    call = CallFactory(budget_envelope=Decimal("4000"), funding_amount=Decimal("4000"))
    under_review(call, state=State.ACCEPTE)
    application = under_review(call)
    client.force_login(reviewer_of(call.region))
    response = client.post(
        reverse("calls_review:act", args=[application.pk, "decide"]), {"decision": "accept"}, follow=True
    )
    assert "Décision refusée : accorder 4\xa0000,00 € dépasserait l&#x27;enveloppe" in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.EN_INSTRUCTION
    assert ApplicationPriority.objects.filter(pk=application.pk).exists()
