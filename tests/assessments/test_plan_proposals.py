"""Recommendations turned into action items: an open item on the same measure is matched (no duplicate), new items
get a proposed owner (the RSSI, else the director) and a deadline by priority."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from action_plans import services as plan_services
from action_plans.models import ActionItem
from assessments import services
from establishments.roles import Role
from tests.establishments.factories import MembershipFactory

from .conftest import EXERCISE, answer

pytestmark = pytest.mark.django_db

QUESTION, MEASURE = "utilisateurs-privilegies", "utilisateurs-privilegies"


def _submitted(grids, establishment, user):
    assessment = services.start_assessment(establishment, grids[EXERCISE], user)
    answer(assessment, QUESTION, "utilisateurs-privilegies-non-identifies")
    return services.submit_assessment(assessment, user)


def _recommendation(assessment):
    return assessment.grid.measures.get(code=MEASURE).levels.get(level=1)


def test_an_open_item_on_the_same_measure_is_matched_not_duplicated(client, grids, establishment, rssi):
    earlier = plan_services.create_item(
        establishment,
        rssi,
        title="Identifier les comptes à privilèges",
        source_kind="assessment_answer",
        source_key=f"assessment:{EXERCISE}:question-d-une-version-precedente:{MEASURE}",
    )
    assessment = _submitted(grids, establishment, rssi)
    client.force_login(rssi, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("assessments:results", args=[assessment.pk])).content.decode()
    assert "déjà dans le plan d&#x27;action" in page or "déjà dans le plan d'action" in page
    items = services.add_recommendations_to_plan(assessment, [_recommendation(assessment).pk], rssi)
    assert items == [earlier]
    assert ActionItem.objects.count() == 1


def test_a_closed_item_does_not_hide_the_measure(grids, establishment, rssi):
    done = plan_services.create_item(
        establishment, rssi, title="Ancienne action", source_kind="assessment_answer",
        source_key=f"assessment:{EXERCISE}:autre-question:{MEASURE}",
    )  # fmt: skip
    plan_services.complete_item(done, rssi, expected_version=None)
    assessment = _submitted(grids, establishment, rssi)
    services.add_recommendations_to_plan(assessment, [_recommendation(assessment).pk], rssi)
    assert ActionItem.objects.count() == 2


def test_new_items_are_proposed_to_the_rssi_with_a_deadline_by_priority(grids, establishment, rssi):
    MembershipFactory(establishment=establishment, role=Role.DIRECTOR)
    assessment = _submitted(grids, establishment, rssi)
    [item] = services.add_recommendations_to_plan(assessment, [_recommendation(assessment).pk], rssi)
    assert item.priority == "P1" and item.owner == rssi
    assert item.deadline == timezone.localdate() + datetime.timedelta(days=30)


def test_without_an_rssi_the_director_is_proposed(grids, establishment):
    director = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    assessment = _submitted(grids, establishment, director)
    [item] = services.add_recommendations_to_plan(assessment, [_recommendation(assessment).pk], director)
    assert item.owner == director and item.deadline is not None
