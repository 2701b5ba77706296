"""PDF documents of a submitted assessment, built by the reports pipeline (Celery + WeasyPrint).

- ``assessment_full_report``: cover, table of contents with page numbers, the restitution page (priority
  recommendations and theme chart, as MonAideCyber's cover), each priority measure with "Pourquoi ?" / "Comment ?",
  the other measures numbered from 7, the scores beside the previous assessment's, the action-plan items that came
  from this assessment, every answer, and the grid's licence and attribution.
- ``assessment_synthesis``: two pages for the director (level, scores, priorities, what to do next).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.registry import Document, register

from . import selectors, services
from .models import Assessment
from .workflow import State

FULL_REPORT = "assessment_full_report"
SYNTHESIS = "assessment_synthesis"


def _assessment(report) -> Assessment:
    return Assessment.objects.select_related("grid", "establishment", "establishment__region", "submitted_by").get(
        pk=report.subject_id, establishment=report.establishment, state=State.SUBMITTED
    )


def check_access(user, establishment, subject_id) -> bool:
    """The subject must be a submitted assessment of this establishment that the user may see."""
    return (
        Assessment.objects.for_user(user)
        .filter(pk=subject_id, establishment=establishment, state=State.SUBMITTED)
        .exists()
    )


def answer_rows(assessment: Assessment) -> list[dict]:
    """Every displayed question with the answer given, flattened (drawer questions indented)."""
    view = selectors.fill_view(assessment)
    rows: list[dict] = []

    def add(qv, depth: int, section_title: str) -> None:
        if not qv.visible:
            return
        chosen = [o for o in qv.question.options if o.id in qv.selected]
        rows.append(
            {
                "section": section_title,
                "number": qv.number,
                "text": qv.question.text,
                "answer": " ; ".join(o.label for o in chosen)
                or (_("sans objet (règle du questionnaire)") if qv.answer else _("sans réponse")),
                "points": " ; ".join(str(o.points).rstrip("0").rstrip(".") for o in chosen if o.points is not None),
                "by_rule": bool(qv.answer and qv.answer.set_by_rule),
                "depth": depth,
            }
        )
        for child in qv.children:
            add(child, depth + 1, section_title)

    for section, questions in view.sections:
        for qv in questions:
            add(qv, 0, section.title)
    return rows


def _common(assessment: Assessment) -> dict:
    previous = services.previous_submitted(assessment)
    data = selectors.results_view(assessment, previous)
    return {"assessment": assessment, "grid": assessment.grid, "previous": previous, "data": data}


def _plan_items(assessment: Assessment, data: dict):
    from action_plans.models import ActionItem

    keys = [
        f"assessment:{assessment.grid.slug}:{m['question'].code}:{m['recommendation'].measure_code}"
        for m in data["measures"]
        if m["question"] is not None
    ]
    return list(
        ActionItem.objects.filter(plan__establishment=assessment.establishment, source_key__in=keys)
        .select_related("owner")
        .order_by("priority", "deadline", "pk")
    )


def build_full_report(report) -> Document:
    assessment = _assessment(report)
    context = _common(assessment)
    context["answers"] = answer_rows(assessment)
    context["plan_items"] = _plan_items(assessment, context["data"])
    toc = [
        ("restitution", _("Restitution : recommandations prioritaires et indicateurs")),
        ("prioritaires", _("Recommandations prioritaires")),
    ]
    if context["data"]["other_measures"]:
        toc.append(("autres", _("Recommandations complémentaires")))
    toc += [
        ("scores", _("Scores par thème et niveau")),
        ("plan", _("Plan d'action issu de l'évaluation")),
        ("reponses", _("Réponses données")),
        ("licence", _("Licence et attribution de la grille")),
    ]
    return Document(
        template_name="assessments/print/full_report.html",
        context=context,
        filename=f"evaluation-{assessment.reference}-rapport-complet.pdf",
        title=_("Rapport d'évaluation – %(grid)s") % {"grid": assessment.grid.title},
        cover=True,
        toc=True,
        toc_entries=toc,
    )


def build_synthesis(report) -> Document:
    assessment = _assessment(report)
    context = _common(assessment)
    context["plan_count"] = len(_plan_items(assessment, context["data"]))
    return Document(
        template_name="assessments/print/synthesis.html",
        context=context,
        filename=f"evaluation-{assessment.reference}-synthese-direction.pdf",
        title=_("Synthèse pour la direction – %(grid)s") % {"grid": assessment.grid.title},
    )


register(
    FULL_REPORT,
    gettext_lazy("Rapport complet d'évaluation"),
    build_full_report,
    check_access=check_access,
    needs_subject=True,
)
register(
    SYNTHESIS,
    gettext_lazy("Synthèse d'évaluation pour la direction"),
    build_synthesis,
    check_access=check_access,
    needs_subject=True,
)
