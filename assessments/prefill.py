"""Context questions answered from what FINESS already says about the establishment (MonAideCyber asks a hospital
whether it is "une entreprise privée" and in which of 107 departments it sits).

Matching is by the option's label, so it follows the grid file rather than its codes: sector (ES → « Santé »,
ESMS → « Médico-sociale »), the department's name, the nature of the entity when the FINESS legal status says
it (« Etablissement public de santé » → public entity). FINESS has no headcount: the size band stays to be answered.
Pre-filled answers are ordinary answers: the establishment reviews and changes them like any other.
"""

from __future__ import annotations

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from establishments.models import Establishment
from establishments.roles import Sector

from . import scoring

SECTOR_QUESTION = "contexte-secteur-activite"
DEPARTMENT_QUESTION = "contexte-departement-tom-siege-social"
NATURE_QUESTION = "contexte-nature-entite"

SECTOR_LABELS = {Sector.ES: "Santé", Sector.ESMS: "Médico-sociale"}
PUBLIC_STATUSES = ("etablissement-public",)

WHAT = {
    SECTOR_QUESTION: _("secteur d'activité"),
    DEPARTMENT_QUESTION: _("département"),
    NATURE_QUESTION: _("nature de l'entité"),
}


def _wanted_labels(establishment: Establishment) -> dict[str, str]:
    """Question code → slug of the option label FINESS points to."""
    wanted = {}
    if establishment.sector in SECTOR_LABELS:
        wanted[SECTOR_QUESTION] = slugify(SECTOR_LABELS[establishment.sector])
    if establishment.department_id:
        wanted[DEPARTMENT_QUESTION] = slugify(establishment.department.name)
    if slugify(establishment.legal_status).startswith(PUBLIC_STATUSES):
        wanted[NATURE_QUESTION] = "entite-publique"
    return wanted


def finess_answers(grid, establishment: Establishment) -> dict[int, int]:
    """Question id → option id for the grid's context questions that FINESS answers."""
    wanted = _wanted_labels(establishment)
    found = {}
    for question in scoring.snapshot(grid).questions.values():
        target = wanted.get(question.code)
        if target is None:
            continue
        labels = {slugify(option.label): option.id for option in question.options}
        if target in labels:  # exact first: « Loire » is not « Loire-Atlantique »
            found[question.id] = labels[target]
        elif question.code == NATURE_QUESTION:  # « Entité publique (ex : collectivité…) »
            prefixed = [oid for label, oid in labels.items() if label.startswith(target + "-")]
            if prefixed:
                found[question.id] = prefixed[0]
    return found


def prefill(assessment, user) -> list[str]:
    """Record the FINESS answers of a new assessment; returns what was pre-filled (to tell the user)."""
    from .services import AssessmentError, record_answer

    done = []
    snap = scoring.snapshot(assessment.grid)
    for question_id, option_id in finess_answers(assessment.grid, assessment.establishment).items():
        try:
            record_answer(assessment, question_id, [option_id], user, 0)
        except AssessmentError:
            continue  # already answered or not askable: leave it to the user
        done.append(str(WHAT[snap.questions[question_id].code]))
    return done


def prefilled_question_ids(assessment) -> set[int]:
    """Questions whose current answer is still the one FINESS suggested (to label them « d'après FINESS »)."""
    suggested = finess_answers(assessment.grid, assessment.establishment)
    if not suggested:
        return set()
    from .services import current_answers

    answers = current_answers(assessment)
    return {qid for qid, option_id in suggested.items() if answers.get(qid) == [option_id]}
