"""Writes on assessments, with their business rules. Views check the capability; these guarantee the rest.

- An answer must be one of the question's options (one for a single-choice question), on a question of the
  assessment's grid that is currently revealed; anything else is refused with a French message.
- Several members may answer at once: each answer carries a version, and a save based on a stale version is refused
  (the user sees the current answer and who gave it) instead of silently overwriting it.
- Business rules of the grid (``sets``) overwrite their target answers, as MonAideCyber does; they are never undone.
- Transitions go through ``workflow.ASSESSMENT_WORKFLOW`` (the kit: lock, source state, log).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from establishments.models import Establishment

from . import scoring
from .models import Answer, Assessment, Grid
from .workflow import ASSESSMENT_WORKFLOW, EDITABLE_STATES, State


class AssessmentError(ValidationError):
    """A business rule refused the write; the message is for the user, in French."""


class AnswerConflict(AssessmentError):
    """Someone else changed this answer after the user loaded it."""

    def __init__(self, answer: Answer | None):
        self.current = answer
        if answer is not None:
            who = answer.updated_by.email if answer.updated_by else _("un autre membre")
            when = date_format(timezone.localtime(answer.updated_at), "j F Y à H:i")
            message = _(
                "Cette réponse a été modifiée par %(who)s le %(when)s pendant que vous la consultiez. "
                "Votre choix n'a pas été enregistré : voici la réponse actuelle ; choisissez de nouveau si besoin."
            ) % {"who": who, "when": when}
        else:
            message = _(
                "Cette réponse a été effacée par un autre membre pendant que vous la consultiez (la question qui "
                "l'affichait a changé). Votre choix n'a pas été enregistré : "
                "vérifiez la question et répondez de nouveau."
            )
        super().__init__(message, code="conflict")


@transaction.atomic
def start_assessment(establishment: Establishment, grid: Grid, user) -> Assessment:
    if not grid.is_current:
        raise AssessmentError(_("Cette version de la grille n'est plus proposée : choisissez la version actuelle."))
    assessment = Assessment.objects.create(establishment=establishment, grid=grid, started_by=user)
    ASSESSMENT_WORKFLOW.log_creation(assessment, user, name="start")
    from .prefill import prefill

    prefill(assessment, user)  # context questions FINESS already answers (sector, department…)
    return assessment


def current_answers(assessment: Assessment) -> scoring.Answers:
    """question id → selected option ids (2 queries)."""
    answers: scoring.Answers = {qid: [] for qid in assessment.answers.values_list("question_id", flat=True)}
    through = Answer.selected.through.objects.filter(answer__assessment=assessment).order_by("answeroption_id")
    for question_id, option_id in through.values_list("answer__question_id", "answeroption_id"):
        answers.setdefault(question_id, []).append(option_id)
    return answers


@dataclass
class AnswerOutcome:
    answer: Answer
    changed_question_ids: set[int]


def record_answer(
    assessment: Assessment, question_id: int, option_ids: list[int], user, expected_version: int
) -> AnswerOutcome:
    """Save one answer (and the answers its business rules impose); atomic, serialised per assessment."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("grid").get(pk=assessment.pk)
        if locked.state not in EDITABLE_STATES:
            raise AssessmentError(_("Cette évaluation a été soumise : ses réponses ne peuvent plus être modifiées."))
        snap = scoring.snapshot(locked.grid)
        question = snap.questions.get(question_id)
        if question is None:
            raise AssessmentError(_("Cette question n'appartient pas à la grille de l'évaluation."))
        option_ids = list(dict.fromkeys(int(o) for o in option_ids))
        valid = {o.id for o in question.options}
        if not option_ids:
            raise AssessmentError(_("Choisissez une réponse parmi celles proposées."))
        if any(o not in valid for o in option_ids):
            raise AssessmentError(
                _("Réponse refusée : elle ne fait pas partie des réponses possibles à cette question.")
            )
        if question.kind == "single" and len(option_ids) != 1:
            raise AssessmentError(_("Une seule réponse est possible à cette question."))
        answers = current_answers(locked)
        if question.revealed_by_id is not None:
            parent = snap.options[question.revealed_by_id]
            parent_question = next(q for q in snap.questions.values() if parent in q.options)
            if question.revealed_by_id not in answers.get(parent_question.id, []):
                raise AssessmentError(
                    _("Cette question n'est posée que si la réponse « %(label)s » a été choisie.")
                    % {"label": parent.label}
                )
        existing = (
            Answer.objects.select_related("updated_by").filter(assessment=locked, question_id=question_id).first()
        )
        current_version = existing.version if existing else 0
        if int(expected_version) != current_version:
            raise AnswerConflict(existing)
        now = timezone.now()
        answer = _write(locked, question_id, option_ids, user, now, existing, set_by_rule=False)
        changed = {question_id}
        changed |= _clear_drawers(locked, question, set(option_ids))
        for option_id in option_ids:
            for rule in snap.options[option_id].sets:
                target = snap.questions_by_code[rule["question"]]
                target_option = next((o.id for o in target.options if o.code == rule["option"]), None)
                previous = Answer.objects.filter(assessment=locked, question_id=target.id).first()
                _write(
                    locked, target.id, [target_option] if target_option else [], user, now, previous, set_by_rule=True
                )
                changed.add(target.id)
                changed |= _clear_drawers(locked, target, set())
        Assessment.objects.filter(pk=locked.pk).update(updated_at=now)
        return AnswerOutcome(answer, changed)


def _write(assessment, question_id, option_ids, user, now, existing: Answer | None, *, set_by_rule: bool) -> Answer:
    if existing is None:
        answer = Answer.objects.create(
            assessment=assessment, question_id=question_id, updated_by=user, updated_at=now, set_by_rule=set_by_rule
        )
    else:
        answer = existing
        answer.version += 1
        answer.updated_at = now
        answer.updated_by = user
        answer.set_by_rule = set_by_rule
        answer.save(update_fields=["version", "updated_at", "updated_by", "set_by_rule"])
    answer.selected.set(option_ids)
    return answer


def _clear_drawers(assessment: Assessment, question: scoring.QuestionData, keep_option_ids: set[int]) -> set[int]:
    """Delete answers to revealed questions whose revealing option is no longer chosen."""
    stale: set[int] = set()

    def walk(q: scoring.QuestionData, keep: set[int] | None) -> None:
        for option in q.options:
            for drawer in option.reveals:
                if keep is None or option.id not in keep:
                    stale.add(drawer.id)
                    walk(drawer, None)

    walk(question, keep_option_ids)
    if stale:
        Answer.objects.filter(assessment=assessment, question_id__in=stale).delete()
    return stale


def compute_result(assessment: Assessment) -> scoring.Result:
    return scoring.compute(scoring.snapshot(assessment.grid), current_answers(assessment))


def submit_assessment(assessment: Assessment, user) -> Assessment:
    """Freeze the result (section scores, level, measures) at submission; refused without any scored answer."""

    def freeze_result(locked: Assessment) -> None:
        snap = scoring.snapshot(locked.grid)
        answers = current_answers(locked)
        scored_questions = [q.id for s in snap.sections if s.is_scored for q in s.questions]
        if not any(answers.get(qid) for qid in scored_questions):
            raise AssessmentError(_("Répondez au moins à une question notée avant de soumettre l'évaluation."))
        result = scoring.compute(snap, answers)
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        locked.results = scoring.result_to_json(result)
        locked.overall_score = result.overall
        locked.level_code = result.level.code if result.level else ""
        locked.level_label = result.level.label if result.level else ""

    return ASSESSMENT_WORKFLOW.apply(assessment, "submit", user, update=freeze_result)


def previous_submitted(assessment: Assessment) -> Assessment | None:
    """The establishment's previous submitted assessment on the same grid (any version)."""
    qs = Assessment.objects.filter(
        establishment_id=assessment.establishment_id, grid__slug=assessment.grid.slug, state=State.SUBMITTED
    ).exclude(pk=assessment.pk)
    if assessment.submitted_at:
        qs = qs.filter(submitted_at__lt=assessment.submitted_at)
    return qs.select_related("grid").order_by("-submitted_at").first()


def proposal_key(assessment: Assessment, measure: scoring.CollectedMeasure) -> str:
    """Same grid, question and measure → same key, so submitting again never duplicates a plan item."""
    key = f"assessment:{assessment.grid.slug}:{measure.question.code}:{measure.recommendation.measure_code}"
    if len(key) > 200:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[:183]}~{digest}"
    return key


def add_recommendations_to_plan(assessment: Assessment, recommendation_ids: list[int], user) -> list:
    """Turn the picked recommendations of a submitted assessment into action-plan items (idempotent)."""
    from action_plans.services import ItemProposal, add_items
    from action_plans.workflow import SourceKind

    if assessment.state != State.SUBMITTED:
        raise AssessmentError(_("Soumettez l'évaluation avant d'ajouter ses recommandations au plan d'action."))
    result = compute_result(assessment)
    wanted = {int(r) for r in recommendation_ids}
    known = {m.recommendation.id for m in result.measures}
    if not wanted:
        raise AssessmentError(_("Cochez au moins une recommandation à ajouter au plan d'action."))
    if wanted - known:
        raise AssessmentError(_("Recommandation inconnue pour cette évaluation."))
    open_by_measure = open_items_by_measure(assessment)
    owner = proposed_owner(assessment.establishment)
    today = timezone.localdate()
    proposals, already_open = [], []
    for measure in result.measures:
        if measure.recommendation.id not in wanted:
            continue
        reco = measure.recommendation
        if (open_item := open_by_measure.get(reco.measure_code)) is not None:
            already_open.append(open_item)  # the measure is already being worked on: no second item
            continue
        description = "\n\n".join(
            part
            for part in (
                f"{_('Pourquoi ?')}\n{reco.why}" if reco.why else "",
                f"{_('Comment ?')}\n{reco.how}" if reco.how else "",
                _("Réponse donnée à « %(question)s » : %(answer)s")
                % {"question": measure.question.text, "answer": measure.option.label},
            )
            if part
        )
        proposals.append(
            ItemProposal(
                title=reco.title[:255],
                description=description,
                priority=reco.action_priority,
                source_kind=SourceKind.ASSESSMENT_ANSWER,
                source_label=f"{assessment.grid.title} – {assessment.reference}",
                source_key=proposal_key(assessment, measure),
                source_object=assessment,
                owner=owner,
                deadline=today + DEADLINE_BY_PRIORITY.get(reco.action_priority, DEADLINE_BY_PRIORITY["P2"]),
            )
        )
    return already_open + (add_items(assessment.establishment, proposals, user) if proposals else [])


# A proposed deadline per action priority (P1 urgent → a month); the establishment changes it in the plan.
DEADLINE_BY_PRIORITY = {
    "P1": datetime.timedelta(days=30),
    "P2": datetime.timedelta(days=90),
    "P3": datetime.timedelta(days=180),
}


def proposed_owner(establishment):
    """Who an assessment's new actions are proposed to: the RSSI (IT referent), else the director, else nobody."""
    from establishments.roles import Role
    from establishments.selectors import active_memberships

    members = {m.role: m.user for m in active_memberships(establishment).filter(role__in=[Role.RSSI, Role.DIRECTOR])}
    return members.get(Role.RSSI) or members.get(Role.DIRECTOR)


def measure_of_key(source_key: str) -> tuple[str, str] | None:
    """(grid slug, measure code) of an assessment item's key ``assessment:<grid>:<question>:<measure>``."""
    parts = source_key.split(":")
    if len(parts) != 4 or parts[0] != "assessment" or "~" in parts[3]:
        return None
    return parts[1], parts[3]


def open_items_by_measure(assessment: Assessment) -> dict:
    """Open (to do, in progress) items of the plan that came from this grid, by measure code: a measure proposed
    again — by another question, another run or another version of the grid — matches them instead of duplicating."""
    from action_plans.models import ActionItem
    from action_plans.workflow import OPEN_STATES, SourceKind

    items = ActionItem.objects.filter(
        plan__establishment_id=assessment.establishment_id,
        source_kind=SourceKind.ASSESSMENT_ANSWER,
        status__in=OPEN_STATES,
        source_key__startswith=f"assessment:{assessment.grid.slug}:",
    ).order_by("pk")
    found = {}
    for item in items:
        if (parsed := measure_of_key(item.source_key)) is not None:
            found.setdefault(parsed[1], item)
    return found
