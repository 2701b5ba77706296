"""The application page reads its receipt and decision letter in one query (issue 15): the latest of each kind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls import documents
from reports.models import Report

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _report(application, kind, days_ago):
    return Report.objects.create(
        establishment=application.establishment,
        kind=kind,
        subject_id=application.pk,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def test_latest_of_each_kind_in_one_query(django_assert_num_queries):
    application = ApplicationFactory()
    other = ApplicationFactory(call=application.call)
    _report(application, documents.RECEIPT, days_ago=3)
    newest_receipt = _report(application, documents.RECEIPT, days_ago=1)
    _report(other, documents.DECISION, days_ago=0)  # another application's letter
    with django_assert_num_queries(1):
        found = documents.latest_of(application, documents.RECEIPT, documents.DECISION)
    assert found == {documents.RECEIPT: newest_receipt, documents.DECISION: None}
    assert found[documents.RECEIPT] == documents.latest(application, documents.RECEIPT)
