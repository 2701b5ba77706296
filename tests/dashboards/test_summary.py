"""The yearly activity summary: lines registered by the apps, computed from the data for the chosen year and the
user's regions, as a page and as a PDF through the reports pipeline."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import State as AssessmentState
from calls.models import State
from dashboards import registry
from dashboards.summary import summary_for
from establishments.roles import StaffKind
from incidents.models import Intervention
from reports.models import Report
from tests.action_plans.factories import region_staff
from tests.assessments.factories import AssessmentFactory
from tests.awareness.factories import LearnerFactory
from tests.calls.factories import ApplicationFactory
from tests.establishments.factories import EstablishmentFactory, RegionFactory
from tests.exercises.factories import ExerciseFactory
from tests.incidents.factories import IncidentFactory
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db


def at(year, month=6):
    return timezone.make_aware(datetime.datetime(year, month, 15, 10))


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def seed(region, year):
    """In ``year``: 3 learners, 2 submitted assessments, 1 500 € paid, 3.5 h of interventions, 1 rapid-response
    activation;
    plus rows of the previous year and of another region that must not count."""
    establishment = EstablishmentFactory(department__region=region)
    elsewhere = EstablishmentFactory()
    ExerciseFactory(establishment=establishment, ended_at=at(year))
    ExerciseFactory(establishment=establishment, ended_at=at(year - 1))
    ExerciseFactory(establishment=elsewhere, ended_at=at(year))
    LearnerFactory.create_batch(3, establishment=establishment, created_at=at(year))
    LearnerFactory(establishment=establishment, created_at=at(year - 1))
    LearnerFactory(establishment=elsewhere, created_at=at(year))
    for when, where in (
        (at(year), establishment),
        (at(year, 3), establishment),
        (at(year - 1), establishment),
        (at(year), elsewhere),
    ):
        AssessmentFactory(establishment=where, state=AssessmentState.SUBMITTED, submitted_at=when)
    for when, where, amount in (
        (at(year), establishment, 1500),
        (at(year - 1), establishment, 700),
        (at(year), elsewhere, 900),
    ):
        ApplicationFactory(establishment=where, state=State.PAYE, paid_amount=Decimal(amount), paid_at=when)
    incident = IncidentFactory(
        establishment=establishment,
        detected_at=at(year - 1, 12),
        declared_at=at(year - 1, 12),
        rapid_response_requested_at=at(year, 1),
    )
    IncidentFactory(
        establishment=establishment,
        detected_at=at(year - 1, 2),
        declared_at=at(year - 1, 2),
        rapid_response_requested_at=at(year - 1, 3),
    )
    foreign = IncidentFactory(
        establishment=elsewhere, detected_at=at(year), declared_at=at(year), rapid_response_requested_at=at(year)
    )
    for when, hours, target in (
        (at(year, 1), "2.5", incident),
        (at(year, 2), "1", incident),
        (at(year - 1, 12), "4", incident),
        (at(year), "9", foreign),
    ):
        Intervention.objects.create(
            incident=target, at=when, hours=Decimal(hours), description="Appui", intervenants="CRRC"
        )


def values(user, **data) -> dict:
    _form, _year, _regions, rows = summary_for(user, data)
    return {row.line.key: row.value for row in rows}


def test_every_line_is_computed_from_the_data_for_the_year_and_region():
    region = RegionFactory()
    seed(region, 2025)
    reviewer = region_staff(region, kind=StaffKind.ARS_REVIEWER)

    figures = values(reviewer, annee="2025")

    assert figures["assessments.submitted"] == 2
    assert figures["awareness.learners_enrolled"] == 3
    assert figures["exercises.played"] == 1
    assert figures["calls.funding_paid"] == Decimal("1500")
    assert figures["incidents.field_hours"] == 3.5
    assert figures["incidents.rapid_response"] == 1
    previous = values(reviewer, annee="2024")
    assert previous["assessments.submitted"] == 1 and previous["calls.funding_paid"] == Decimal("700")
    assert previous["incidents.field_hours"] == 4 and previous["incidents.rapid_response"] == 1


def test_the_page_shows_the_lines_and_refuses_a_year_out_of_range(client):
    region = RegionFactory()
    seed(region, 2025)
    login(client, region_staff(region, kind=StaffKind.ARS_REVIEWER))

    page = client.get("/tableau-de-bord/bilan-annuel/", {"annee": "2025"}).content.decode()

    assert "Bilan annuel d&#x27;activité 2025" in page or "Bilan annuel d'activité 2025" in page
    assert "Diagnostics réalisés" in page and "1\u00a0500\u00a0€" in page and "3,5\u00a0h" in page
    refused = client.get("/tableau-de-bord/bilan-annuel/", {"annee": "1990"}).content.decode()
    assert "Choisissez une année entre 2020" in refused


def test_members_have_no_summary(client):
    from tests.establishments.factories import MembershipFactory

    login(client, MembershipFactory().user)
    assert client.get("/tableau-de-bord/bilan-annuel/").status_code == 404


def test_the_summary_pdf_is_built_through_the_pipeline(client, django_capture_on_commit_callbacks):
    region = RegionFactory(name="Région Bilan")
    seed(region, 2025)
    login(client, region_staff(region, kind=StaffKind.ARS_REVIEWER))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/tableau-de-bord/bilan-annuel/pdf/?annee=2025")

    report = Report.objects.get()
    assert response.status_code == 302 and report.kind == "yearly_summary" and report.region == region
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = pdf_text(report.file.read())
    assert "Bilan annuel d'activité 2025" in text and "Région Bilan" in text and "Financements versés" in text


def test_a_summary_line_key_of_another_module_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        registry.register_summary_line(registry.SummaryLine("calls.funding_paid", "Doublon", "autre", lambda r, y: 0))


def test_the_summary_page_queries_do_not_grow_with_the_data(client, django_assert_max_num_queries):
    region = RegionFactory()
    login(client, region_staff(region, kind=StaffKind.ARS_REVIEWER))
    seed(region, 2025)
    with django_assert_max_num_queries(40) as small:
        client.get("/tableau-de-bord/bilan-annuel/", {"annee": "2025"})
    for _ in range(3):
        seed(region, 2025)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/tableau-de-bord/bilan-annuel/", {"annee": "2025"})
