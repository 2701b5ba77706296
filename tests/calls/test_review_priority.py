import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Application
from calls.review.models import ApplicationPriority
from calls.review.priority import NEUTRAL, compute_priority, refresh_priorities
from calls.review.services import set_score

from .factories import CallFactory, CutOffFactory
from .review_factories import ReviewScoreFactory, reviewer_of, under_review

Risk = Application.RiskLevel


def test_no_signal_is_neutral():
    assert compute_priority("", None, None).score == NEUTRAL


def test_critical_risk_low_maturity_top_motivation_is_100():
    assert compute_priority(Risk.CRITICAL, Decimal("0"), Decimal("5")).score == 100


def test_low_risk_mature_no_motivation_is_0():
    assert compute_priority(Risk.LOW, Decimal("1"), Decimal("0")).score == 0


def test_weights_declared_risk_40_assessed_30_motivation_30():
    # declared high (2/3) * .4 + assessed 1 - .5 * .3 + motivation 4/5 * .3 = .2667 + .15 + .24 = .6567
    assert compute_priority(Risk.HIGH, Decimal("0.5"), Decimal("4")).score == 66


def test_missing_signal_counts_as_neutral_not_as_zero():
    # No assessment: .4 * 1 + .3 * .5 + .3 * 0 = .55
    assert compute_priority(Risk.CRITICAL, None, Decimal("0")).score == 55
    assert compute_priority(Risk.CRITICAL, None, None).score == 70


@pytest.mark.django_db
def test_assessment_maturity_lowers_priority():
    from assessments.workflow import State as AssessmentState
    from tests.assessments.factories import AssessmentFactory

    call = CallFactory()
    mature = under_review(call, declared_risk_level=Risk.MEDIUM)
    fragile = under_review(call, declared_risk_level=Risk.MEDIUM)
    for application, score in ((mature, "9"), (fragile, "1")):
        assessment = AssessmentFactory(establishment=application.establishment)
        assessment.grid.score_max = Decimal("10")
        assessment.grid.save()
        assessment.state = AssessmentState.SUBMITTED
        assessment.submitted_at = application.submitted_at
        assessment.overall_score = Decimal(score)
        assessment.save()
    refresh_priorities([mature, fragile])
    assert ApplicationPriority.objects.get(pk=fragile.pk).score > ApplicationPriority.objects.get(pk=mature.pk).score
    assert ApplicationPriority.objects.get(pk=fragile.pk).components["assessed_risk"] == 0.9


@pytest.mark.django_db
def test_score_recomputes_priority_at_once():
    call = CallFactory()
    application = under_review(call, declared_risk_level=Risk.LOW)
    reviewer = reviewer_of(call.region)
    set_score(application, reviewer, 5)
    priority = ApplicationPriority.objects.get(pk=application.pk)
    assert priority.components["motivation"] == 1.0
    assert priority.score == 45  # 0 * .4 + .5 * .3 + 1 * .3


@pytest.mark.django_db
def test_ranked_list_orders_each_cutoff_by_priority(client):
    call = CallFactory()
    now = timezone.now()
    early = CutOffFactory(call=call, date=now + datetime.timedelta(days=5), label="Première relève")
    late = CutOffFactory(call=call, date=now + datetime.timedelta(days=40), label="Seconde relève")
    low = under_review(call, cutoff=early, declared_risk_level=Risk.LOW, establishment__name="EHPAD Faible")
    critical = under_review(call, cutoff=early, declared_risk_level=Risk.CRITICAL, establishment__name="EHPAD Critique")
    medium = under_review(call, cutoff=late, declared_risk_level=Risk.MEDIUM, establishment__name="EHPAD Moyen")
    high = under_review(call, cutoff=late, declared_risk_level=Risk.HIGH, establishment__name="EHPAD Élevé")
    ReviewScoreFactory(application=medium, reviewer=reviewer_of(call.region), motivation=5)
    client.force_login(reviewer_of(call.region))

    html = client.get(reverse("calls_review:ranking", args=[call.pk])).content.decode()

    order = [html.index(name) for name in ("Première relève", "EHPAD Critique", "EHPAD Faible", "Seconde relève")]
    assert order == sorted(order)
    # In the second wave the motivation lifts the medium-risk application above the high-risk one.
    assert html.index("EHPAD Moyen") < html.index("EHPAD Élevé") and html.index("Seconde relève") < html.index(
        "EHPAD Moyen"
    )
    assert critical.pk and low.pk and high.pk
