"""The regional dashboard: every registered indicator, scoped to the user's regions, filters checked, aggregates
computed in the database with a number of queries that does not grow with the data."""

import datetime
import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from action_plans.models import SourceKind
from action_plans.models import Status as ItemStatus
from calls.models import State
from dashboards import registry
from dashboards.scope import period_bounds, scope_for
from dashboards.selectors import panels
from establishments.roles import Role, Sector, StaffKind
from tests.action_plans.factories import ActionItemFactory, region_staff
from tests.assessments.factories import AssessmentFactory
from tests.calls.factories import ApplicationFactory, CallFactory
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db
URL = "/tableau-de-bord/"


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def page_of(client, **params) -> str:
    return html.unescape(client.get(URL, params).content.decode())


@pytest.fixture
def region():
    return EstablishmentFactory(name="Repère").region


@pytest.fixture
def reviewer(region):
    return region_staff(region, kind=StaffKind.ARS_REVIEWER)


def figures_by_key(user, **get) -> dict:
    request = RequestFactory().get(URL, get)
    request.user = user
    scope, _form = scope_for(request)
    return {p.indicator.key: p.figures for p in panels(scope)}


def fill(region, size: int) -> None:
    """``size`` establishments of each sector in two departments of ``region``, each with every kind of row."""
    departments = [DepartmentFactory(region=region), DepartmentFactory(region=region)]
    call = CallFactory(region=region)
    today = timezone.localdate()
    for _ in range(size):
        for department in departments:
            for ehpad in (False, True):
                establishment = EstablishmentFactory(department=department, ehpad=ehpad)
                MembershipFactory(establishment=establishment, role=Role.DIRECTOR)
                ApplicationFactory(call=call, establishment=establishment, state=State.PAYE, paid_amount=Decimal(1000))
                AssessmentFactory(establishment=establishment)
                ActionItemFactory(plan__establishment=establishment, deadline=today - datetime.timedelta(days=1))
                ActionItemFactory(
                    plan__establishment=establishment,
                    status=ItemStatus.DONE,
                    completed_at=timezone.now(),
                    progress=100,
                    source_kind=SourceKind.ASSESSMENT_ANSWER,
                )


def test_a_reviewer_sees_every_indicator_of_their_region_only(client, region, reviewer):
    fill(region, 1)
    other = EstablishmentFactory(name="Ailleurs")
    ApplicationFactory(establishment=other, state=State.EN_INSTRUCTION)
    login(client, reviewer)

    page = page_of(client)

    for indicator in registry.indicators():
        assert str(indicator.title) in page
    assert "Ailleurs" not in page and "En instruction" not in page
    assert page.count("<svg") >= 6 and "les valeurs du graphique" in page


def test_figures_are_the_regions_aggregates(region, reviewer):
    fill(region, 2)  # 8 establishments (+1 from the fixture): 4 ES and 4 ESMS in two departments

    figures = figures_by_key(reviewer)

    by_sector = {f.label: f.value for f in figures["establishments.by_sector"]}
    assert by_sector[str(dict(Sector.choices)[Sector.ESMS])] == 4
    assert sum(by_sector.values()) == 9
    assert (
        figures["establishments.by_sector"][0].drilldown.count()
        == by_sector[figures["establishments.by_sector"][0].label]
    )
    assert [f.value for f in figures["establishments.by_department"]][-2:] == [4, 4]
    members = {f.label: f.value for f in figures["establishments.members"]}
    assert members["Directeur / sponsor"] == 8
    onboarding = [f.value for f in figures["establishments.onboarding"]]
    assert onboarding == [8, 1]
    assert [(f.label, f.value) for f in figures["calls.by_state"]] == [("Payé", 8)]
    funding = {f.label: f.value for f in figures["calls.funding"]}
    assert funding["Enveloppe des appels publiés"] == Decimal("40000")
    assert funding["Montant engagé (dossiers acceptés)"] == Decimal("32000")
    assert funding["Montant versé"] == Decimal("8000")
    assert [(f.group, f.value) for f in figures["assessments.by_grid"]] == [("Soumises", 0), ("En cours", 8)]
    items = {(f.label, f.group): f.value for f in figures["action_plans.by_source"]}
    assert items[("Saisie manuelle", "En retard")] == 8
    assert items[("Réponse à une évaluation", "Faites")] == 8
    assert items[("Saisie manuelle", "Faites")] == 0


def test_maturity_levels_count_submitted_assessments(region, reviewer):
    establishment = EstablishmentFactory(department__region=region)
    for level in ("haut", "haut", "bas"):
        AssessmentFactory(
            establishment=establishment,
            state="submitted",
            submitted_at=timezone.now(),
            level_code=level,
            level_label=f"Niveau {level}",
        )

    figures = figures_by_key(reviewer)["assessments.maturity_levels"]

    assert [(f.label, f.value) for f in figures] == [("Niveau bas", 1), ("Niveau haut", 2)]


def test_filters_narrow_the_scope(client, region, reviewer):
    fill(region, 1)
    department = region.departments.order_by("code").last()

    figures = figures_by_key(reviewer, departement=department.code, secteur=Sector.ESMS)

    assert [f.value for f in figures["establishments.by_sector"]] == [1]
    assert [f.value for f in figures["establishments.by_department"]] == [1]


def test_a_department_of_another_region_is_refused_in_french(client, region, reviewer):
    fill(region, 1)
    foreign = DepartmentFactory()
    login(client, reviewer)

    page = page_of(client, departement=foreign.code)

    assert "Ce département n'est pas dans vos régions" in page
    assert "Filtre refusé" in page


def test_the_period_leaves_out_older_rows(region, reviewer):
    establishment = EstablishmentFactory(department__region=region)
    AssessmentFactory(establishment=establishment)
    AssessmentFactory(establishment=establishment, created_at=timezone.now() - datetime.timedelta(days=400))

    everything = figures_by_key(reviewer)["assessments.by_grid"]
    recent = figures_by_key(reviewer, periode="12m")["assessments.by_grid"]

    assert sum(f.value for f in everything) == 2 and sum(f.value for f in recent) == 1


def test_period_bounds():
    now = timezone.make_aware(datetime.datetime(2026, 6, 15, 12))
    assert period_bounds("", now) == (None, None)
    assert period_bounds("30j", now)[0] == now - datetime.timedelta(days=30)
    assert timezone.localtime(period_bounds("annee", now)[0]).date() == datetime.date(2026, 1, 1)


def test_the_number_of_queries_does_not_grow_with_the_data(client, region, reviewer):
    login(client, reviewer)
    fill(region, 1)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    fill(region, 5)
    with CaptureQueriesContext(connection) as large:
        client.get(URL)

    assert len(large) == len(small)


def test_members_get_404_and_crrc_staff_reach_it(client, region):
    member = MembershipFactory(establishment=EstablishmentFactory(department__region=region)).user
    login(client, member)
    assert client.get(URL).status_code == 404
    login(client, region_staff(region))
    assert client.get(URL).status_code == 200


def test_an_empty_region_says_there_is_no_data(client, reviewer):
    login(client, reviewer)

    page = page_of(client)

    assert "Aucune donnée pour ces filtres." in page


def test_an_indicator_without_chart_is_shown_as_a_table(client, region, reviewer):
    indicator = registry.Indicator(
        key="tests.plain",
        title="Indicateur sans graphique",
        module="tests",
        order=99,
        compute=lambda scope: [registry.Figure("Part rattachée", Decimal("12.5"), unit="%")],
    )
    registry.register(indicator)
    try:
        login(client, reviewer)
        page = page_of(client)
    finally:
        registry.unregister("tests.plain")

    assert "Indicateur sans graphique : les chiffres" in page
    assert '<th scope="row">Part rattachée</th><td>12,5\u00a0%</td>' in page


def test_a_key_registered_by_another_module_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.Indicator("calls.by_state", "Doublon", "autre", compute=lambda scope: []))


def test_the_dashboard_is_in_the_menu_of_reviewers(client, region, reviewer):
    login(client, reviewer)

    assert f'href="{reverse("dashboards:region")}" aria-current="page"' in client.get(URL).content.decode()
