"""The awareness figures of the regional dashboard on a known data set: click, submit and report rates per quarter
with their trend, for each filter, never about fewer than 5 people, and no learner anywhere on the page."""

import html

import pytest
from django.test import RequestFactory
from django.urls import reverse

from awareness import services
from dashboards.scope import scope_for
from dashboards.selectors import panels
from establishments.roles import StaffKind
from tests.action_plans.factories import region_staff
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory

from .factories import YEAR, CampaignFactory, EnrolmentFactory, LearnerFactory, ProgrammeFactory
from .helpers import RESULTS_HEADER, results_row, table

pytestmark = pytest.mark.django_db
CLICK, SUBMIT, REPORT = "Clic sur le lien", "Saisie de données", "Signalement"


def send(establishment, campaign, plan, year=YEAR):
    """``plan``: (status, reported) per learner; each learner gets a recognisable name that must never show."""
    EnrolmentFactory(establishment=establishment, programme=campaign.programme)
    rows = [RESULTS_HEADER]
    for index, (status, reported) in enumerate(plan):
        email = f"agent{index}.{establishment.pk}.{year}@ch.example.org"
        LearnerFactory(establishment=establishment, email=email, last_name=f"Qwxnom{index}")
        rows.append(results_row(email, status, f"{year}-01-20T09:00:00Z", "true" if reported else "false"))
    report = services.import_phishing_results(establishment, campaign, table(rows))
    assert not report.rejected, report.rejected


@pytest.fixture
def world():
    """Two establishments of a region in two departments, this year's first quarter and last year's first quarter.

    A (department Lac, an EHPAD): 10 people this year — 2 submitted data (and clicked), 2 clicked, 1 error, 5
    opened of whom 3 reported: over 9 delivered, clicks 4/9, submissions 2/9, reports 3/9. Last year: 4 people only.
    B (department Forêt, a hospital): 5 people this year, none trapped, 1 reported.
    """
    lake = DepartmentFactory(name="Lac")
    forest = DepartmentFactory(region=lake.region, name="Forêt")
    a = EstablishmentFactory(department=lake, ehpad=True)
    b = EstablishmentFactory(department=forest)
    this_year = CampaignFactory(programme=ProgrammeFactory(region=lake.region, year=YEAR), quarter=1)
    last_year = CampaignFactory(programme=ProgrammeFactory(region=lake.region, year=YEAR - 1), quarter=1)
    send(a, this_year, [("Submitted Data", False)] * 2 + [("Clicked Link", False)] * 2 + [("Error", False)]
         + [("Email Opened", True)] * 3 + [("Email Opened", False)] * 2)  # fmt: skip
    send(a, last_year, [("Clicked Link", False)] * 4, year=YEAR - 1)
    send(b, this_year, [("Email Sent", True)] + [("Email Sent", False)] * 4)
    reviewer = region_staff(lake.region, kind=StaffKind.ARS_REVIEWER)
    return {"lake": lake, "forest": forest, "a": a, "b": b, "reviewer": reviewer}


def rates(user, **get) -> dict:
    request = RequestFactory().get("/tableau-de-bord/", get)
    request.user = user
    scope, form = scope_for(request)
    assert not form.errors, form.errors
    figures = {p.indicator.key: p.figures for p in panels(scope)}["awareness.rates_by_quarter"]
    return {(f.label, f.group): f.value for f in figures}


def test_rates_of_the_region_on_a_known_data_set(world):
    figures = rates(world["reviewer"])
    # This year: 14 delivered (9 + 5); last year: 4 people, no figure.
    assert figures == {
        (f"{YEAR - 1}-T1", CLICK): None,
        (f"{YEAR - 1}-T1", SUBMIT): None,
        (f"{YEAR - 1}-T1", REPORT): None,
        (f"{YEAR}-T1", CLICK): round(100 * 4 / 14),
        (f"{YEAR}-T1", SUBMIT): round(100 * 2 / 14),
        (f"{YEAR}-T1", REPORT): round(100 * 4 / 14),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"departement": "lake"}, {CLICK: 44, SUBMIT: 22, REPORT: 33}),
        ({"departement": "forest"}, {CLICK: 0, SUBMIT: 0, REPORT: 20}),
        ({"secteur": "ESMS"}, {CLICK: 44, SUBMIT: 22, REPORT: 33}),
        ({"secteur": "ES"}, {CLICK: 0, SUBMIT: 0, REPORT: 20}),
        ({"categorie": "a"}, {CLICK: 44, SUBMIT: 22, REPORT: 33}),
    ],
)
def test_each_filter_narrows_the_rates(world, filters, expected):
    get = {}
    for name, value in filters.items():
        if name == "departement":
            get[name] = world[value].code
        elif name == "categorie":
            get[name] = world[value].category.code
        else:
            get[name] = value
    figures = rates(world["reviewer"], **get)
    assert {group: value for (label, group), value in figures.items() if label == f"{YEAR}-T1"} == expected
    # Last year's quarter: 4 people of A at most, never a figure whatever the filter.
    assert all(value is None for (label, _group), value in figures.items() if label == f"{YEAR - 1}-T1")


def test_the_period_keeps_the_campaigns_that_started_in_it(world):
    figures = rates(world["reviewer"], periode="12m")
    assert {label for label, _group in figures} == {f"{YEAR}-T1"}


def test_another_region_sees_no_rate(world):
    stranger = region_staff(EstablishmentFactory().region, kind=StaffKind.ARS_REVIEWER)
    assert rates(stranger) == {}


def test_the_page_draws_the_trend_masks_small_quarters_and_names_no_learner(client, world):
    client.force_login(world["reviewer"], backend="django.contrib.auth.backends.ModelBackend")
    page = html.unescape(client.get(reverse("dashboards:region")).content.decode())
    start = page.index("Sensibilisation : clics, saisies et signalements par trimestre")
    panel = page[start : page.index("</section>", start)]
    assert "<svg" in panel and "moins de 5 personnes" in panel
    assert f'<th scope="row">{YEAR}-T1</th><td>29\xa0%</td><td>14\xa0%</td><td>29\xa0%</td>' in panel
    start = page.index("Sensibilisation : personnes piégées par trimestre")
    trapped = page[start : page.index("</section>", start)]
    assert f'<th scope="row">{YEAR - 1}-T1</th><td>moins de 5 personnes</td>' in trapped
    assert "Qwxnom" not in page and "@ch.example.org" not in page


def test_a_quarter_drills_down_to_the_establishments_it_reached_never_to_learners(client, world):
    client.force_login(world["reviewer"], backend="django.contrib.auth.backends.ModelBackend")
    figures = {f.label: f for f in rates_figures(world["reviewer"], "awareness.trapped_by_quarter")}
    assert set(figures[f"{YEAR}-T1"].drilldown) == {world["a"], world["b"]}
    assert set(figures[f"{YEAR - 1}-T1"].drilldown) == {world["a"]}
    index = list(figures).index(f"{YEAR}-T1")
    query = {"indicateur": "awareness.trapped_by_quarter", "figure": index, "departement": world["lake"].code}
    page = html.unescape(client.get(reverse("dashboards:establishments"), query).content.decode())
    assert world["a"].name in page and world["b"].name not in page
    assert "Qwxnom" not in page and "@ch.example.org" not in page


def rates_figures(user, key, **get):
    request = RequestFactory().get("/tableau-de-bord/", get)
    request.user = user
    scope, _form = scope_for(request)
    return {p.indicator.key: p.figures for p in panels(scope)}[key]


def test_the_xlsx_export_says_why_a_quarter_has_no_figure(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(world["reviewer"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("dashboards:export_xlsx"))
    rows = [[c.value for c in row] for row in load_workbook(BytesIO(response.content)).active.iter_rows()]
    awareness = [row for row in rows if row[0] == "Sensibilisation : clics, saisies et signalements par trimestre"]
    assert [f"{YEAR - 1}-T1", CLICK, "moins de 5 personnes", "%"] in [row[1:] for row in awareness]
    assert [f"{YEAR}-T1", CLICK, 29, "%"] in [row[1:] for row in awareness]
    assert not any("Qwxnom" in str(cell) or "@ch.example.org" in str(cell) for row in rows for cell in row)
