import pytest
from django.core.management import call_command

from calls.review.models import ApplicationPriority, Label, ReviewerAssignment, ReviewNote

from .factories import CallFactory
from .review_factories import reviewer_of, under_review

pytestmark = pytest.mark.django_db


def test_demo_calls_review_is_idempotent():
    call = CallFactory()
    reviewer_of(call.region)
    applications = [under_review(call) for _ in range(3)]
    call_command("demo_calls_review")
    call_command("demo_calls_review")
    assert ReviewerAssignment.objects.count() == 3
    assert Label.objects.filter(region=call.region).count() == 4
    assert ReviewNote.objects.count() == 1
    assert ApplicationPriority.objects.filter(application__in=applications).count() == 3
