"""Declaring an incident, its steps and deadlines, the CRRC's support and closing into the action plan."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from action_plans.models import ActionItem
from action_plans.workflow import SourceKind
from establishments.roles import Role
from incidents import services
from incidents.models import CareImpact, Incident, IncidentLog, IncidentStep, Intervention
from incidents.steps import StepKind
from incidents.workflow import State
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, StaffAssignmentFactory

from .factories import IncidentFactory, declare, director_of, staff_of

pytestmark = pytest.mark.django_db


def _kinds(incident):
    return set(incident.steps.values_list("kind", flat=True))


def test_declaration_creates_the_steps_that_apply_with_deadlines_from_detection(django_capture_on_commit_callbacks):
    establishment = EstablishmentFactory()
    staff = StaffAssignmentFactory(region=establishment.region).user
    detected = timezone.now() - timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare(establishment, detected_at=detected)
    assert _kinds(incident) == {StepKind.INFORM_RSSI, StepKind.CRISIS_CELL, StepKind.NATIONAL_PORTAL}
    portal = incident.steps.get(kind=StepKind.NATIONAL_PORTAL)
    assert portal.deadline == detected + timedelta(hours=24)
    assert incident.steps.get(kind=StepKind.INFORM_RSSI).is_done  # declaring informs the director/RSSI
    assert not incident.steps.get(kind=StepKind.CRISIS_CELL).is_done
    assert IncidentLog.objects.get(incident=incident).to_state == State.DECLARED
    assert len(mail.outbox) == 1 and staff.email in mail.outbox[0].to
    assert incident.reference in mail.outbox[0].subject


def test_answers_add_complaint_cnil_and_anssi_steps_and_an_open_crisis_cell_is_checked():
    incident = declare(harm=True, personal_data=True, is_ose=True, crisis_cell_open=True)
    assert {StepKind.COMPLAINT, StepKind.CNIL, StepKind.ANSSI} <= _kinds(incident)
    cnil = incident.steps.get(kind=StepKind.CNIL)
    assert cnil.deadline == incident.detected_at + timedelta(hours=72)
    assert incident.steps.get(kind=StepKind.CRISIS_CELL).is_done


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"detected_at": timezone.now() + timedelta(days=1)}, "detected_at", "futur"),
        ({"detected_at": timezone.now() - timedelta(days=400)}, "detected_at", "plus d'un an"),
        ({"title": "  "}, "title", "intitulé"),
        ({"description": ""}, "description", "Décrivez"),
        ({"care_impact": "inconnu"}, "care_impact", "impact"),
    ],
)
def test_bad_declarations_are_refused_in_french_and_write_nothing(answers, field, message):
    establishment = EstablishmentFactory()
    with pytest.raises(ValidationError) as error:
        declare(establishment, **answers)
    assert message in " ".join(error.value.message_dict[field])
    assert Incident.objects.count() == 0 and IncidentStep.objects.count() == 0


def test_only_director_and_rssi_declare():
    establishment = EstablishmentFactory()
    member = MembershipFactory(establishment=establishment, role=Role.MEMBER).user
    with pytest.raises(ValidationError, match="directeur et le RSSI"):
        declare(establishment, member)
    rssi = MembershipFactory(establishment=establishment, role=Role.RSSI).user
    assert declare(establishment, rssi).declared_by == rssi


def test_checking_a_step_off_validates_its_date():
    incident = declare()
    step = incident.steps.get(kind=StepKind.NATIONAL_PORTAL)
    director = incident.declared_by
    with pytest.raises(ValidationError, match="futur"):
        services.mark_step_done(step, director, timezone.now() + timedelta(hours=2))
    with pytest.raises(ValidationError, match="avant la détection"):
        services.mark_step_done(step, director, incident.detected_at - timedelta(minutes=1))
    step.refresh_from_db()
    assert step.done_at is None
    services.mark_step_done(step, director, note="Signalement n° 2026-123")
    step.refresh_from_db()
    assert step.is_done and step.done_by == director and step.note == "Signalement n° 2026-123"
    with pytest.raises(ValidationError, match="déjà cochée"):
        services.mark_step_done(step, director)
    delays = services.delays(incident)
    assert delays["declaration"] == step.done_at - incident.detected_at and delays["support"] is None


def test_a_member_without_the_capability_cannot_touch_the_steps():
    incident = declare()
    member = MembershipFactory(establishment=incident.establishment, role=Role.MEMBER).user
    with pytest.raises(ValidationError, match="ne pouvez pas"):
        services.mark_step_done(incident.steps.first(), member)


def test_rapid_response_request_alerts_the_crrc_once(django_capture_on_commit_callbacks):
    incident = declare()
    StaffAssignmentFactory(region=incident.establishment.region)
    with pytest.raises(ValidationError) as error:
        services.request_rapid_response(incident, incident.declared_by, "  ")
    assert "besoin" in " ".join(error.value.message_dict["need"])
    with django_capture_on_commit_callbacks(execute=True):
        services.request_rapid_response(incident, incident.declared_by, "Appui sur site pour la cellule de crise")
    assert "Force d'intervention rapide" in mail.outbox[-1].subject
    with pytest.raises(ValidationError, match="déjà été demandée"):
        services.request_rapid_response(incident, incident.declared_by, "Encore")


def test_staff_take_record_interventions_and_close_into_the_action_plan():
    incident = declare()
    staff = staff_of(incident.establishment.region)
    with pytest.raises(ValidationError, match="Prenez d'abord"):
        services.add_intervention(
            incident, staff, at=None, mode="remote", description="x", hours="1", intervenants="Nadia"
        )
    services.take(incident, staff)
    incident.refresh_from_db()
    assert incident.state == State.IN_SUPPORT and incident.supported_at is not None
    with pytest.raises(ValidationError) as error:
        services.add_intervention(incident, staff, at=None, mode="remote", description="", hours="0", intervenants="")
    assert set(error.value.message_dict) == {"description", "hours", "intervenants"}
    with pytest.raises(ValidationError, match="quarts d'heure"):
        services.add_intervention(
            incident, staff, at=None, mode="remote", description="x", hours="1,1", intervenants="Nadia"
        )
    services.add_intervention(
        incident, staff, at=None, mode="on_site", description="Isolement du réseau", hours="3,5", intervenants="Nadia"
    )
    assert Intervention.objects.get().hours == Decimal("3.5")

    with pytest.raises(ValidationError, match="retour d'expérience"):
        services.close(incident, staff, lessons_learned=" ")
    actions = "- Segmenter le réseau de l'accueil\n- Sauvegardes hors ligne\n- segmenter le réseau de l'accueil\n"
    services.close(incident, staff, lessons_learned="Sauvegardes trop anciennes.", actions=actions)
    incident.refresh_from_db()
    assert incident.state == State.CLOSED and incident.closed_at is not None
    items = ActionItem.objects.filter(plan__establishment=incident.establishment).order_by("pk")
    assert [i.title for i in items] == ["Segmenter le réseau de l'accueil", "Sauvegardes hors ligne"]
    assert {i.source_kind for i in items} == {SourceKind.INCIDENT} and items[0].source_object == incident

    # Reopened and closed again: the same lessons are not added twice, a new one is.
    services.reopen(incident, staff, "Nouvelle alerte sur le même poste")
    services.close(incident, staff, lessons_learned="Idem.", actions=actions + "Former l'accueil au phishing")
    assert ActionItem.objects.filter(plan__establishment=incident.establishment).count() == 3


def test_the_establishment_cannot_take_or_close_and_other_regions_staff_neither():
    incident = declare()
    with pytest.raises(ValidationError, match="pas le droit"):
        services.take(incident, incident.declared_by)
    outsider = staff_of(EstablishmentFactory().region)
    with pytest.raises(ValidationError, match="pas le droit"):
        services.take(incident, outsider)
    incident.refresh_from_db()
    assert incident.state == State.DECLARED


def test_statistics_count_hours_and_delays_in_the_database():
    from incidents.selectors import statistics

    establishment = EstablishmentFactory()
    staff = staff_of(establishment.region)
    first = declare(establishment, detected_at=timezone.now() - timedelta(hours=10))
    declare(establishment, detected_at=timezone.now() - timedelta(hours=5), care_impact=CareImpact.NONE)
    services.take(first, staff)
    services.mark_step_done(
        first.steps.get(kind=StepKind.NATIONAL_PORTAL), staff, first.detected_at + timedelta(hours=4)
    )
    services.add_intervention(first, staff, at=None, mode="phone", description="x", hours="2", intervenants="N")
    services.request_rapid_response(declare(establishment), director_of(establishment), "Sur site")
    figures = statistics(type(establishment).objects.filter(pk=establishment.pk))
    assert (figures["total"], figures["open"], figures["closed"], figures["rapid_response"]) == (3, 3, 0, 1)
    assert figures["hours"] == Decimal("2")
    assert figures["declaration_delay"] == timedelta(hours=4)
    assert timedelta(hours=9, minutes=59) < figures["support_delay"] < timedelta(hours=10, minutes=1)


def test_statistics_period_is_the_dashboard_s_instants_not_whole_days():
    """Start included, end excluded, to the minute: the figure and its drill-down count the same incidents."""
    import datetime as dt

    from dashboards.registry import Scope
    from establishments.models import Establishment
    from incidents.dashboard import activity
    from incidents.selectors import statistics

    start = timezone.make_aware(dt.datetime(2026, 3, 10, 12, 0))
    end = timezone.make_aware(dt.datetime(2026, 3, 20, 12, 0))
    establishment = EstablishmentFactory()
    for detected in (start - timedelta(hours=1), start, end - timedelta(minutes=1), end):
        IncidentFactory(establishment=establishment, detected_at=detected, declared_at=detected)
    scoped = Establishment.objects.filter(pk=establishment.pk)

    assert statistics(scoped, start, end)["total"] == 2
    scope = Scope(user=None, regions=establishment.region.__class__.objects.filter(pk=establishment.region_id),
                  establishments=scoped, start=start, end=end)  # fmt: skip
    declared = activity(scope)[0]
    assert declared.value == 2 and declared.drilldown.count() == 1
