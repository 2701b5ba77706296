"""Participation in each offer on the dashboard: count, share of the scope's establishments, and the breakdown by
sector, department and FINESS category, on a known data set for each filter and the period; drill-downs list the
establishments behind each figure, within the scope; the number of queries does not grow with the data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards.registry import Scope
from dashboards.selectors import drilldown
from establishments.models import Establishment, Region
from establishments.roles import StaffKind
from offers import dashboard
from offers.models import OfferStatus, SubscriptionState
from tests.action_plans.factories import region_staff
from tests.dashboards.test_dashboard import figures_by_key
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, RegionFactory

from .factories import OfferFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
AUDIT, AWARENESS = "Audit de sécurité", "Sensibilisation"
ES, ESMS = "Établissement de santé (ES)", "Établissement ou service médico-social (ESMS)"
HOSPITAL, EHPAD = "Centre Hospitalier (C.H.)", "Etablissement d'hébergement pour personnes âgées dépendantes"


@pytest.fixture
def world():
    """Two hospitals in department Lac, two EHPAD in department Forêt.

    Audit: hospital 1 (requested 400 days ago, still running), hospital 2 (10 days ago), EHPAD 1 (today).
    Sensibilisation: hospital 2 withdrew 400 days ago; EHPAD 2 withdrew 100 days ago. A draft offer with a
    subscription, and another region's establishment in its own region's audit, never count.
    """
    region = RegionFactory()
    lake, forest = DepartmentFactory(region=region, name="Lac"), DepartmentFactory(region=region, name="Forêt")
    h1, h2 = (EstablishmentFactory(department=lake, name=n) for n in ("Hôpital A", "Hôpital B"))
    e1, e2 = (EstablishmentFactory(department=forest, ehpad=True, name=n) for n in ("EHPAD A", "EHPAD B"))
    audit = OfferFactory(region=region, title=AUDIT, order=1)
    awareness = OfferFactory(region=region, title=AWARENESS, order=2, status=OfferStatus.CLOSED)
    draft = OfferFactory(region=region, title="Brouillon", status=OfferStatus.DRAFT)
    today = timezone.localdate()
    SubscriptionFactory(establishment=h1, offer=audit, state=SubscriptionState.ACTIVE,
                        requested_on=today - timedelta(days=400))  # fmt: skip
    SubscriptionFactory(establishment=h2, offer=audit, requested_on=today - timedelta(days=10))
    SubscriptionFactory(establishment=e1, offer=audit, requested_on=today)
    SubscriptionFactory(establishment=h2, offer=awareness, state=SubscriptionState.WITHDRAWN,
                        requested_on=today - timedelta(days=500), withdrawn_on=today - timedelta(days=400))  # fmt: skip
    SubscriptionFactory(establishment=e2, offer=awareness, state=SubscriptionState.WITHDRAWN,
                        requested_on=today - timedelta(days=300), withdrawn_on=today - timedelta(days=100))  # fmt: skip
    SubscriptionFactory(establishment=h1, offer=draft)
    SubscriptionFactory(establishment=EstablishmentFactory(name="Ailleurs"), offer__title=AUDIT)
    return {"region": region, "lake": lake, "forest": forest, "ehpad": e1,
            "reviewer": region_staff(region, kind=StaffKind.ARS_REVIEWER)}  # fmt: skip


def table(figures) -> dict:
    return {f.label: (f.value, f.count, f.total) for f in figures}


LAKE_ONLY = {
    "count": {AUDIT: (2, 2, 2), AWARENESS: (0, 0, 2)},
    "share": {AUDIT: (100.0, 2, 2), AWARENESS: (0.0, 0, 2)},
    "sector": {f"{AUDIT} – {ES}": (100.0, 2, 2)},
    "department": {f"{AUDIT} – Lac": (100.0, 2, 2)},
    "category": {f"{AUDIT} – {HOSPITAL}": (100.0, 2, 2)},
}
FOREST_ONLY = {
    "count": {AUDIT: (1, 1, 2), AWARENESS: (0, 0, 2)},
    "share": {AUDIT: (50.0, 1, 2), AWARENESS: (0.0, 0, 2)},
    "sector": {f"{AUDIT} – {ESMS}": (50.0, 1, 2)},
    "department": {f"{AUDIT} – Forêt": (50.0, 1, 2)},
    "category": {f"{AUDIT} – {EHPAD}": (50.0, 1, 2)},
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {
            "count": {AUDIT: (3, 3, 4), AWARENESS: (0, 0, 4)},
            "share": {AUDIT: (75.0, 3, 4), AWARENESS: (0.0, 0, 4)},
            "sector": {f"{AUDIT} – {ES}": (100.0, 2, 2), f"{AUDIT} – {ESMS}": (50.0, 1, 2)},
            "department": {f"{AUDIT} – Forêt": (50.0, 1, 2), f"{AUDIT} – Lac": (100.0, 2, 2)},
            "category": {f"{AUDIT} – {HOSPITAL}": (100.0, 2, 2), f"{AUDIT} – {EHPAD}": (50.0, 1, 2)},
        }),
        ({"departement": "lake"}, LAKE_ONLY),
        ({"secteur": "ES"}, LAKE_ONLY),
        ({"departement": "forest"}, FOREST_ONLY),
        ({"secteur": "ESMS"}, FOREST_ONLY),
        ({"categorie": "ehpad"}, FOREST_ONLY),
        # The last 12 months: EHPAD B's awareness ran until 100 days ago; hospital B's ended 400 days ago.
        ({"periode": "12m"}, {
            "count": {AUDIT: (3, 3, 4), AWARENESS: (1, 1, 4)},
            "share": {AUDIT: (75.0, 3, 4), AWARENESS: (25.0, 1, 4)},
            "sector": {f"{AUDIT} – {ES}": (100.0, 2, 2), f"{AUDIT} – {ESMS}": (50.0, 1, 2),
                       f"{AWARENESS} – {ESMS}": (50.0, 1, 2)},
            "department": {f"{AUDIT} – Forêt": (50.0, 1, 2), f"{AUDIT} – Lac": (100.0, 2, 2),
                           f"{AWARENESS} – Forêt": (50.0, 1, 2)},
            "category": {f"{AUDIT} – {HOSPITAL}": (100.0, 2, 2), f"{AUDIT} – {EHPAD}": (50.0, 1, 2),
                         f"{AWARENESS} – {EHPAD}": (50.0, 1, 2)},
        }),
    ],
)  # fmt: skip
def test_each_filter_narrows_the_participation_figures(world, filters, expected):
    get = dict(filters)
    if "departement" in get:
        get["departement"] = world[get["departement"]].code
    if "categorie" in get:
        get["categorie"] = world["ehpad"].category.code
    figures = figures_by_key(world["reviewer"], **get)

    assert table(figures["offers.subscriptions"]) == expected["count"]
    assert table(figures["offers.participation_share"]) == expected["share"]
    for dimension in ("sector", "department", "category"):
        assert table(figures[f"offers.participation_by_{dimension}"]) == expected[dimension], dimension
    # Each figure's drill-down lists as many establishments as it counts.
    for key in ("offers.subscriptions", "offers.participation_by_sector", "offers.participation_by_category"):
        for figure in figures[key]:
            assert figure.drilldown.count() == figure.count, (key, figure.label)


def test_the_drill_downs_name_the_establishments_within_the_scope(world):
    region = Region.objects.filter(pk=world["region"].pk)
    in_forest = Establishment.objects.filter(region=world["region"], department=world["forest"])
    forest = Scope(user=None, regions=region, establishments=in_forest, narrowed=True)
    whole = Scope(user=None, regions=region, establishments=Establishment.objects.filter(region=world["region"]))

    def names(scope, key, label):
        index = next(i for i, f in enumerate(dashboard_figures(scope, key)) if f.label == label)
        return [e.name for e in drilldown(scope, key, index)[2]]

    assert names(whole, "offers.subscriptions", AUDIT) == ["EHPAD A", "Hôpital A", "Hôpital B"]
    assert names(forest, "offers.subscriptions", AUDIT) == ["EHPAD A"]
    assert names(whole, "offers.participation_by_department", f"{AUDIT} – Lac") == ["Hôpital A", "Hôpital B"]
    assert names(whole, "offers.participation_by_sector", f"{AUDIT} – {ESMS}") == ["EHPAD A"]


def dashboard_figures(scope, key):
    from dashboards import registry

    return registry.get(key).compute(scope)


def test_the_page_draws_each_participation_chart_with_its_table(client, world):
    client.force_login(world["reviewer"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/tableau-de-bord/").content.decode()
    for title in ("Participation à chaque offre du CRRC", "Part des établissements participant à chaque offre",
                  "Participation aux offres, par secteur", "Participation aux offres, par département",
                  "Participation aux offres, par catégorie FINESS"):  # fmt: skip
        assert title in page
    assert "3 / 4" in page and "75 %" in page.replace("\xa0", " ")
    assert "Ailleurs" not in page and "Brouillon" not in page


@pytest.mark.parametrize("size", [1, 6])
def test_the_participation_figures_have_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    region = world["region"]
    offers = [OfferFactory(region=region) for _ in range(size)]
    for _ in range(size):
        establishment = EstablishmentFactory(department=DepartmentFactory(region=region), ehpad=size % 2 == 0)
        for offer in offers:
            SubscriptionFactory(establishment=establishment, offer=offer)
    scope = Scope(user=None, regions=Region.objects.filter(pk=region.pk),
                  establishments=Establishment.objects.filter(region=region))  # fmt: skip
    computes = [dashboard.subscriptions_by_offer, dashboard.participation_share] + [
        dashboard.participation_by(d) for d in ("sector", "department", "category")
    ]
    with django_assert_max_num_queries(3 * 2 + 2 * 3):
        figures = [compute(scope) for compute in computes]
    assert sum(f.value for f in figures[0]) == 3 + size * size
