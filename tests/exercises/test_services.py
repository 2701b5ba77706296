"""The rules of the exercise: guards of the workflow, refusals with French messages, the day, the debrief."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from action_plans.models import ActionItem
from action_plans.workflow import SourceKind
from crrc import ics
from crrc.workflow import WorkflowError
from exercises import services
from exercises.choices import Cell, Function, KitLevel, ObservationKind, State, StimulusStatus
from exercises.models import Exercise, JournalEntry, RetexResponse
from tests.action_plans.factories import member, region_staff
from tests.establishments.factories import EstablishmentFactory

from .factories import ObservationFactory, ParticipantFactory, StimulusFactory

pytestmark = pytest.mark.django_db


def test_create_copies_scenario_objectives_stimuli_and_logistics(establishment, director, catalogue):
    exercise = services.create_exercise(
        establishment,
        director,
        title="Exercice annuel",
        scenario=catalogue,
        starts_at=timezone.now() + timedelta(days=20),
    )
    assert exercise.state == State.DRAFT
    assert exercise.kit_level == KitLevel.BEGINNER
    assert exercise.objectives.count() == len(catalogue.objectives)
    assert exercise.stimuli.count() == catalogue.stimuli.count()
    assert exercise.logistics.count() >= 5
    assert exercise.transitions.get().to_state == State.DRAFT


def test_planned_date_in_the_past_is_refused(establishment, director, catalogue):
    with pytest.raises(ValidationError) as error:
        services.create_exercise(
            establishment, director, title="Trop tard", scenario=catalogue, starts_at=timezone.now() - timedelta(days=1)
        )
    assert "passée" in error.value.message_dict["starts_at"][0]
    assert not Exercise.objects.exists()


def test_reader_cannot_plan(establishment, reader, catalogue):
    with pytest.raises(PermissionDenied):
        services.create_exercise(establishment, reader, title="Non", scenario=catalogue)


def test_kit_level_proposed_from_self_assessment_and_override_needs_reason(establishment, director, catalogue, grids):
    from assessments.models import Assessment
    from assessments.workflow import State as AState

    grid = grids[services.KIT_GRID_SLUG]
    # The shipped grid's levels are the kit levels: a level computed by the assessment maps onto one.
    assert set(grid.levels.values_list("code", flat=True)) == set(KitLevel.values)
    Assessment.objects.create(
        establishment=establishment,
        grid=grid,
        state=AState.SUBMITTED,
        submitted_at=timezone.now(),
        level_code=KitLevel.INTERMEDIATE,
        level_label="Kit intermédiaire",
    )
    assert services.proposed_kit_level(establishment)[0] == KitLevel.INTERMEDIATE
    exercise = services.create_exercise(establishment, director, title="Proposé", scenario=catalogue)
    assert exercise.kit_level == KitLevel.INTERMEDIATE
    with pytest.raises(ValidationError) as error:
        services.create_exercise(
            establishment, director, title="Autre", scenario=catalogue, kit_level=KitLevel.CONFIRMED
        )
    assert "kit_level_reason" in error.value.message_dict
    chosen = services.create_exercise(
        establishment,
        director,
        title="Autre",
        scenario=catalogue,
        kit_level=KitLevel.CONFIRMED,
        kit_level_reason="Exercice inter-sites déjà joué l'an dernier",
    )
    assert chosen.kit_level == KitLevel.CONFIRMED


def test_ready_needs_director_date_and_stimulus(exercise, staff):
    exercise.stimuli.all().delete()
    with pytest.raises(WorkflowError, match="directeur"):
        services.transition(exercise, staff, "mark_ready")
    ParticipantFactory(exercise=exercise, function=Function.DIRECTOR, cell=Cell.CRISIS)
    with pytest.raises(WorkflowError, match="chronogramme est vide"):
        services.transition(exercise, staff, "mark_ready")
    StimulusFactory(exercise=exercise)
    Exercise.objects.filter(pk=exercise.pk).update(starts_at=None)
    exercise.refresh_from_db()
    with pytest.raises(WorkflowError, match="date"):
        services.transition(exercise, staff, "mark_ready")
    Exercise.objects.filter(pk=exercise.pk).update(starts_at=timezone.now() + timedelta(days=3))
    exercise.refresh_from_db()
    services.transition(exercise, staff, "mark_ready")
    exercise.refresh_from_db()
    assert exercise.state == State.READY
    assert [log.to_state for log in exercise.transitions.order_by("at", "pk")][-1] == State.READY


def test_blocked_transitions_say_why(exercise, staff):
    from exercises.workflow import EXERCISE_WORKFLOW

    blocked = {t.name: message for t, message in EXERCISE_WORKFLOW.available(exercise, staff)}
    assert "directeur" in str(blocked["mark_ready"])
    assert blocked["plan"] is None


def test_other_region_staff_cannot_act(exercise):
    other = region_staff(EstablishmentFactory().region)
    with pytest.raises(WorkflowError):
        services.transition(exercise, other, "plan")


def test_cancel_needs_reason(exercise, staff):
    with pytest.raises(WorkflowError, match="motif"):
        services.transition(exercise, staff, "cancel")
    services.transition(exercise, staff, "cancel", reason="Grève des transports")
    exercise.refresh_from_db()
    assert exercise.state == State.CANCELLED and exercise.cancel_reason == "Grève des transports"


def test_close_needs_the_report(running_exercise, staff):
    exercise = services.transition(running_exercise, staff, "finish")
    exercise = services.transition(exercise, staff, "debrief")
    with pytest.raises(WorkflowError, match="rapport"):
        services.transition(exercise, staff, "close")


def test_chronogram_refuses_duplicate_and_negative_offsets(exercise, staff):
    first = exercise.stimuli.order_by("offset_seconds").first()
    values = {"channel": "phone", "sender": "ARS", "recipient_cell": "crisis", "content": "Point de situation ?"}
    with pytest.raises(ValidationError) as error:
        services.save_stimulus(exercise, staff, offset=first.offset_display, **values)
    assert "déjà prévu" in error.value.message_dict["offset"][0]
    with pytest.raises(ValidationError) as error:
        services.save_stimulus(exercise, staff, offset="H-0:10", **values)
    assert "négatif" in error.value.message_dict["offset"][0]
    with pytest.raises(ValidationError) as error:
        services.save_stimulus(exercise, staff, offset="H+3", **{**values, "channel": "fax"})
    assert "Canal inconnu" in error.value.message_dict["channel"][0]
    created = services.save_stimulus(exercise, staff, offset="H+3", **values)
    assert created.offset_seconds == 3 * 3600


def test_move_swaps_times(exercise, staff):
    first, second = list(exercise.stimuli.order_by("offset_seconds")[:2])
    services.move_stimulus(second, staff, "up")
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.offset_seconds < first.offset_seconds


def test_cannot_remove_the_only_director_of_a_ready_exercise(ready_exercise, staff):
    director = ready_exercise.participants.get(function=Function.DIRECTOR)
    with pytest.raises(ValidationError, match="directeur"):
        services.remove_participant(director, staff)


def test_play_twice_changes_nothing_and_journals_once(running_exercise, staff, establishment):
    animator = member(establishment)
    ParticipantFactory(exercise=running_exercise, cell=Cell.ANIMATION, user=animator, email=animator.email)
    stimulus = running_exercise.stimuli.order_by("offset_seconds").first()
    played, now = services.play_stimulus(stimulus, staff)
    assert now and played.status == StimulusStatus.PLAYED and played.played_at
    again, now = services.play_stimulus(stimulus, animator)
    assert not now and again.played_by == staff
    assert JournalEntry.objects.filter(stimulus=stimulus).count() == 1


def test_nothing_plays_before_start(ready_exercise, staff):
    stimulus = ready_exercise.stimuli.first()
    with pytest.raises(ValidationError, match="pas en cours"):
        services.play_stimulus(stimulus, staff)


def test_skip_needs_reason_and_score_needs_played(running_exercise, staff):
    first, second = list(running_exercise.stimuli.order_by("offset_seconds")[:2])
    with pytest.raises(ValidationError):
        services.skip_stimulus(first, staff, "")
    services.skip_stimulus(first, staff, "Cellule déjà saturée")
    with pytest.raises(ValidationError, match="joué"):
        services.score_stimulus(second, staff, "achieved")
    services.play_stimulus(second, staff)
    assert services.score_stimulus(second, staff, "partly").score == "partly"


def test_journal_entry_resent_is_stored_once(running_exercise, staff):
    key = "8e6f3c1e-2b7a-4c1d-9f3e-0a1b2c3d4e5f"
    first, created = services.add_journal_entry(running_exercise, staff, "Décision d'isoler le réseau", key)
    again, created_again = services.add_journal_entry(running_exercise, staff, "Décision d'isoler le réseau", key)
    assert created and not created_again and first.pk == again.pk


def test_pause_excludes_time_from_the_clock(running_exercise, staff):
    Exercise.objects.filter(pk=running_exercise.pk).update(started_at=timezone.now() - timedelta(minutes=30))
    running_exercise.refresh_from_db()
    paused = services.transition(running_exercise, staff, "pause")
    Exercise.objects.filter(pk=paused.pk).update(paused_at=timezone.now() - timedelta(minutes=10))
    paused.refresh_from_db()
    resumed = services.transition(paused, staff, "resume")
    assert 19 * 60 <= resumed.elapsed_seconds() <= 21 * 60


def test_retex_anonymous_is_irreversible_and_unlinked(running_exercise, staff):
    exercise = services.transition(running_exercise, staff, "finish")
    services.set_retex_anonymous(exercise, staff, True)
    player = ParticipantFactory(exercise=exercise, cell=Cell.CRISIS)
    questions = list(exercise.retex_template.questions.all())
    answers = {q.pk: {"score": 70, "worked": "Alerte rapide", "did_not_work": ""} for q in questions}
    response = services.submit_retex(player, answers)
    assert response.participant is None
    with pytest.raises(ValidationError, match="déjà"):
        services.submit_retex(player, answers)
    with pytest.raises(ValidationError, match="ne change plus"):
        services.set_retex_anonymous(exercise, staff, False)
    assert RetexResponse.objects.filter(exercise=exercise).count() == 1


def test_retex_scores_by_steps_of_ten(running_exercise, staff):
    exercise = services.transition(running_exercise, staff, "finish")
    player = ParticipantFactory(exercise=exercise)
    questions = list(exercise.retex_template.questions.all())
    answers = {q.pk: {"score": 75} for q in questions}
    with pytest.raises(ValidationError) as error:
        services.submit_retex(player, answers)
    assert "pas de 10" in next(iter(error.value.message_dict.values()))[0]
    assert not RetexResponse.objects.exists()


def test_improvements_become_action_items_once(running_exercise, staff, establishment):
    owner = member(establishment)
    observation = ObservationFactory(exercise=running_exercise, kind=ObservationKind.IMPROVEMENT)
    ObservationFactory(exercise=running_exercise, kind=ObservationKind.STRENGTH)
    exercise = services.transition(running_exercise, staff, "finish")
    pick = {"observation": observation, "priority": "P1", "deadline": timezone.localdate(), "owner": owner}
    items = services.add_improvements_to_plan(exercise, staff, [pick])
    again = services.add_improvements_to_plan(exercise, staff, [pick])
    assert items[0].pk == again[0].pk
    item = ActionItem.objects.get()
    assert item.source_kind == SourceKind.EXERCISE_DEBRIEF and item.priority == "P1" and item.owner == owner
    assert item.source_object == exercise


def test_invitation_ics_sent_to_every_participant_and_update_on_date_change(
    exercise, staff, django_capture_on_commit_callbacks
):
    ParticipantFactory(exercise=exercise, function=Function.DIRECTOR, name="Marie Curie", email="marie@exemple.fr")
    ParticipantFactory(exercise=exercise, cell=Cell.ANIMATION, name="Paul", email="paul@exemple.fr")
    start = timezone.now().replace(microsecond=0) + timedelta(days=10)
    Exercise.objects.filter(pk=exercise.pk).update(starts_at=start)
    exercise.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(exercise, staff, "mark_ready")
    assert sorted(m.to[0] for m in mail.outbox) == ["marie@exemple.fr", "paul@exemple.fr"]
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert mimetype.startswith("text/calendar")
    lines = ics.unfold(content)
    assert f"UID:exercice-{exercise.pk}@crrc-portail" in lines
    assert "SEQUENCE:0" in lines
    assert f"DTSTART;TZID=Europe/Paris:{ics.local_stamp(start)}" in lines
    assert any(
        line.startswith('ATTENDEE;CN="Marie Curie"') and line.endswith("mailto:marie@exemple.fr") for line in lines
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_exercise(exercise, staff, starts_at=start + timedelta(days=1))
    assert len(mail.outbox) == 2
    lines = ics.unfold(mail.outbox[0].attachments[0][1])
    assert "SEQUENCE:1" in lines and f"UID:exercice-{exercise.pk}@crrc-portail" in lines
    assert "Changement de date" in mail.outbox[0].subject
