"""The exercise figures of the dashboard and their drill-downs count the same exercises: the period's exact
instants (start included, end excluded), not all time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards.registry import Scope
from dashboards.selectors import drilldown
from establishments.models import Establishment, Region
from exercises import dashboard
from exercises.choices import KitLevel
from tests.establishments.factories import EstablishmentFactory

from .factories import ExerciseFactory

pytestmark = pytest.mark.django_db


def test_a_figure_and_its_drill_down_agree_at_the_period_s_edges():
    start = timezone.now().replace(microsecond=0) - timedelta(days=30)
    end = start + timedelta(days=10)
    inside_first, inside_last, before, at_end = (EstablishmentFactory(name=n) for n in ("Aube", "Brume", "Crépu",
                                                                                          "Dune"))  # fmt: skip
    region = inside_first.region
    for establishment in (inside_last, before, at_end):
        Establishment.objects.filter(pk=establishment.pk).update(region=region)
    ExerciseFactory(establishment=inside_first, kit_level=KitLevel.BEGINNER, starts_at=start)
    ExerciseFactory(establishment=inside_last, kit_level=KitLevel.BEGINNER, starts_at=end - timedelta(microseconds=1))
    ExerciseFactory(establishment=before, kit_level=KitLevel.BEGINNER, starts_at=start - timedelta(microseconds=1))
    ExerciseFactory(establishment=at_end, kit_level=KitLevel.BEGINNER, starts_at=end)
    scope = Scope(user=None, regions=Region.objects.filter(pk=region.pk),
                  establishments=Establishment.objects.filter(region=region), start=start, end=end)  # fmt: skip

    figures = dashboard.by_level(scope)
    beginner = next(i for i, f in enumerate(figures) if f.label == str(KitLevel.BEGINNER.label))
    _indicator, figure, establishments = drilldown(scope, "exercises.by_level", beginner)

    assert figure.value == 2
    assert [e.name for e in establishments] == ["Aube", "Brume"]
    # Without a period every exercise counts, in the figure and in its list.
    whole = Scope(user=None, regions=scope.regions, establishments=scope.establishments)
    _indicator, figure, establishments = drilldown(whole, "exercises.by_level", beginner)
    assert figure.value == 4 and establishments.count() == 4
