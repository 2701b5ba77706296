import pytest
from django.urls import reverse

from community import dashboard, services
from dashboards.registry import Scope
from establishments.models import Establishment, Region

from .conftest import pdf, viewer

pytestmark = pytest.mark.django_db


def test_indicators_count_in_the_database_and_stay_in_scope(space, es_member, esms_member, other_space,
                                                             django_assert_max_num_queries):  # fmt: skip
    from .factories import MemberFactory

    MemberFactory(space=other_space)  # another region: not counted
    services.upload_document(viewer(es_member.user, space), space.folders.first(), pdf(), "Guide")
    services.start_thread(viewer(es_member.user, space), "Sujet", "Texte")
    scope = Scope(user=None, regions=Region.objects.filter(pk=space.region_id),
                  establishments=Establishment.objects.filter(region=space.region_id))  # fmt: skip
    with django_assert_max_num_queries(6):
        figures = dashboard.participation(scope) + dashboard.activity(scope)
    values = [f.value for f in figures]
    assert values == [2, 2, 1, 1, 0]
    assert set(figures[0].drilldown) == {es_member.establishment, esms_member.establishment}


def test_community_in_the_menu(client, es_member):
    client.force_login(es_member.user, backend="django.contrib.auth.backends.ModelBackend")
    assert reverse("community:index") in client.get(reverse("community:index")).content.decode()
