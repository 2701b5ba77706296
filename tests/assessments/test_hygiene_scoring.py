"""The ANSSI hygiene guide as a compliance grid: share of applicable measures implemented."""

from decimal import Decimal

import pytest

from assessments import selectors, services

from .conftest import HYGIENE, answer

pytestmark = pytest.mark.django_db


def test_compliance_rate_leaves_out_not_applicable_measures(grids, establishment, rssi):
    assessment = services.start_assessment(establishment, grids[HYGIENE], rssi)
    answer(assessment, "mesure-1", "mesure-1-oui")
    answer(assessment, "mesure-2", "mesure-2-partiel")
    answer(assessment, "mesure-2-r", "mesure-2-r-na")
    answer(assessment, "mesure-3", "mesure-3-non")

    result = services.compute_result(assessment)

    assert result.section("I").score == Decimal("0.5")
    assert result.overall == Decimal("0.5")
    assert selectors.format_score(grids[HYGIENE], result.overall) == "50 %"
    assert [m.recommendation.measure_code for m in result.measures] == ["mesure-3", "mesure-2"]
    assert [m.recommendation.action_priority for m in result.measures] == ["P1", "P1"]
