"""Reads scoped to the requesting user, and the view-models the pages and PDFs display."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from establishments.roles import Capability, Sector
from establishments.selectors import establishments_where, staff_regions

from . import scoring
from .models import Answer, Assessment, Grid
from .workflow import State


def assessments_for(user) -> QuerySet[Assessment]:
    return Assessment.objects.for_user(user).select_related("grid", "establishment", "started_by")


def fillable_establishments(user):
    return establishments_where(user, Capability.FILL_ASSESSMENTS).order_by("name")


def current_grids() -> QuerySet[Grid]:
    return Grid.objects.filter(is_current=True).order_by("title")


def region_assessments(user, grid_slug: str = "") -> QuerySet[Assessment]:
    """Every assessment of the staff member's regions (CRRC staff and ARS reviewers, read-only)."""
    qs = (
        Assessment.objects.for_user(user)
        .filter(establishment__region__in=staff_regions(user))
        .select_related("grid", "establishment", "establishment__department", "establishment__category")
    )
    if grid_slug:
        qs = qs.filter(grid__slug=grid_slug)
    return qs.order_by("-submitted_at", "-created_at")


def distribution(assessments: QuerySet[Assessment]) -> dict:
    """Submitted assessments by level and by sector (two aggregate queries)."""
    submitted = assessments.filter(state=State.SUBMITTED).order_by()
    by_level = list(submitted.values("level_label").annotate(count=Count("id")).order_by("-count", "level_label"))
    sectors = dict(Sector.choices)
    by_sector = [
        {
            "sector": sectors.get(row["establishment__sector"], row["establishment__sector"]),
            "count": row["count"],
            "drafts": row["drafts"],
        }
        for row in assessments.order_by()
        .values("establishment__sector")
        .annotate(count=Count("id", filter=Q(state=State.SUBMITTED)), drafts=Count("id", filter=Q(state=State.DRAFT)))
        .order_by("establishment__sector")
    ]
    total = sum(row["count"] for row in by_level)
    peak = max([row["count"] for row in by_level] + [row["count"] for row in by_sector] + [1])
    for row in by_level:
        row["label"] = row["level_label"] or _("Sans niveau (pas de seuils dans la grille)")
        row["percent"] = round(100 * row["count"] / total) if total else 0
    for row in by_level + by_sector:
        row["bar"] = round(100 * row["count"] / peak)
    return {"by_level": by_level, "by_sector": by_sector, "submitted": total}


# --- Formatting --------------------------------------------------------------------------------------------------


def format_score(grid: Grid, value, maximum=None) -> str:
    if value is None:
        return _("non évalué")
    value = Decimal(str(value))
    if grid.scoring == Grid.Scoring.WEIGHTED_AVERAGE and grid.score_max == 1:
        return f"{number_format(value * 100, 0)} %"
    if grid.scoring == Grid.Scoring.WEIGHTED_AVERAGE:
        return f"{number_format(value, 2)} / {number_format(grid.score_max or 3, 0)}"
    shown = number_format(value, 0 if value == value.to_integral() else 1)
    if maximum:
        return f"{shown} / {number_format(Decimal(str(maximum)), 0)} pts"
    return f"{shown} pts"


def section_scale(grid: Grid, maximum) -> Decimal:
    if grid.scoring == Grid.Scoring.WEIGHTED_AVERAGE:
        return Decimal(str(grid.score_max or 3))
    return Decimal(str(maximum or 0)) or Decimal(1)


# --- Fill page -----------------------------------------------------------------------------------------------------


@dataclass
class QuestionView:
    question: scoring.QuestionData
    number: str
    selected: list[int]
    answer: Answer | None
    visible: bool
    children: list[QuestionView] = field(default_factory=list)
    error: str = ""

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0

    @property
    def answered(self) -> bool:
        return self.answer is not None


@dataclass
class FillView:
    assessment: Assessment
    snap: scoring.GridSnapshot
    answers: scoring.Answers
    meta: dict[int, Answer]
    sections: list[tuple[scoring.SectionData, list[QuestionView]]]
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    def question_view(self, question_id: int) -> QuestionView:
        for _section, views in self.sections:
            for view in views:
                found = _find(view, question_id)
                if found:
                    return found
        # A question not displayed (e.g. a drawer whose option is no longer chosen): an invisible placeholder.
        return QuestionView(self.snap.questions[question_id], "", [], None, False)


def _find(view: QuestionView, question_id: int) -> QuestionView | None:
    if view.question.id == question_id:
        return view
    for child in view.children:
        found = _find(child, question_id)
        if found:
            return found
    return None


def fill_view(assessment: Assessment) -> FillView:
    from .services import current_answers

    snap = scoring.snapshot(assessment.grid)
    answers = current_answers(assessment)
    meta = {a.question_id: a for a in Answer.objects.filter(assessment=assessment).select_related("updated_by")}
    sections = []
    answered = total = 0
    for index, section in enumerate(snap.sections, 1):
        views = []
        for number, question in enumerate(section.questions, 1):
            view = _question_view(question, f"{index}.{number}", answers, meta, snap)
            views.append(view)
            if view.visible:
                total += 1
                answered += view.answered
        sections.append((section, views))
    return FillView(assessment, snap, answers, meta, sections, answered, total)


def _question_view(question, number, answers, meta, snap) -> QuestionView:
    selected = answers.get(question.id, [])
    view = QuestionView(question, number, selected, meta.get(question.id), scoring.visible(question, answers, snap))
    letter = 0
    for option in question.options:
        if option.id in selected:
            for drawer in option.reveals:
                letter += 1
                view.children.append(_question_view(drawer, f"{number}.{letter}", answers, meta, snap))
    return view


# --- Results -------------------------------------------------------------------------------------------------------


@dataclass
class SectionResult:
    code: str
    title: str
    colour: str
    score: float | None
    maximum: float | None
    previous: float | None
    display: str
    previous_display: str
    answered: int
    questions: int


def results_view(assessment: Assessment, previous: Assessment | None) -> dict:
    """Frozen results of a submitted assessment, the previous one's beside them, ready for page, chart and PDF."""
    grid = assessment.grid
    snap = scoring.snapshot(grid)
    colours = {s.code: s.colour for s in snap.sections}
    previous_scores = {}
    if previous is not None:
        previous_scores = {s["code"]: s["score"] for s in previous.results.get("sections", [])}
    sections = []
    for row in assessment.results.get("sections", []):
        if not row["scored"]:
            continue
        prev = previous_scores.get(row["code"])
        sections.append(
            SectionResult(
                row["code"],
                row["title"],
                colours.get(row["code"], ""),
                row["score"],
                row["maximum"],
                prev,
                format_score(grid, row["score"], row["maximum"]),
                format_score(previous.grid, prev, row["maximum"]) if previous is not None else "",
                row["answered"],
                row["questions"],
            )
        )
    measures = []
    for index, row in enumerate(assessment.results.get("measures", []), 1):
        reco = snap.recommendations.get(row["recommendation"])
        if reco is None:
            continue
        question = snap.questions_by_code.get(row["question"])
        option = next((o for o in question.options if o.code == row["option"]), None) if question else None
        measures.append(
            {
                "number": index,
                "recommendation": reco,
                "value": row["value"],
                "question": question,
                "option": option,
                "is_priority": index <= assessment.results.get("priority_count", grid.priority_count),
            }
        )
    overall = assessment.results.get("overall")
    level = next((lv for lv in snap.levels if lv.code == assessment.level_code), None)
    return {
        "sections": sections,
        "overall": overall,
        "overall_display": format_score(grid, overall) if grid.overall != Grid.Overall.NONE else "",
        "previous_overall_display": (
            format_score(previous.grid, previous.results.get("overall"))
            if previous is not None and grid.overall != Grid.Overall.NONE
            else ""
        ),
        "level": level,
        "levels": snap.levels,
        "measures": measures,
        "priority_measures": [m for m in measures if m["is_priority"]],
        "other_measures": [m for m in measures if not m["is_priority"]],
        "bar_chart": bar_chart(grid, sections, previous is not None),
        "radar_chart": radar_chart(grid, sections) if grid.chart == "radar" else None,
    }


def bar_chart(grid: Grid, sections: list[SectionResult], with_previous: bool) -> dict:
    """Horizontal bars, one row per section (and the previous assessment's bar under it), as SVG geometry."""
    label_width, bar_width, row_height = 0, 460, 44 if with_previous else 30
    rows = []
    for index, section in enumerate(sections):
        scale = section_scale(grid, section.maximum)
        y = 10 + index * row_height
        current = float(Decimal(str(section.score or 0)) / scale) if scale else 0
        prev = float(Decimal(str(section.previous or 0)) / scale) if scale and section.previous is not None else None
        rows.append(
            {
                "title": section.title,
                "y": y,
                "label_y": y + 13,
                "width": round(bar_width * min(current, 1), 1),
                "text_x": round(label_width + bar_width * min(current, 1) + 6, 1),
                "display": section.display,
                "previous_y": y + 18,
                "previous_width": round(bar_width * min(prev, 1), 1) if prev is not None else None,
                "previous_display": section.previous_display,
                "colour": section.colour or "#1f4e79",
            }
        )
    return {"rows": rows, "height": 20 + len(sections) * row_height, "bar_width": bar_width, "x": label_width}


def radar_chart(grid: Grid, sections: list[SectionResult]) -> dict:
    """MonAideCyber's polar chart: one sector per theme, radius = indicator × 5/3 on a 0–5 grid."""
    import math

    centre, radius = 160, 140
    count = max(len(sections), 1)
    sectors = []
    for index, section in enumerate(sections):
        value = Decimal(str(section.score or 0)) * 5 / Decimal(str(grid.score_max or 3))
        r = float(value) / 5 * radius
        start = -math.pi / 2 + index * 2 * math.pi / count
        end = start + 2 * math.pi / count
        x1, y1 = centre + r * math.cos(start), centre + r * math.sin(start)
        x2, y2 = centre + r * math.cos(end), centre + r * math.sin(end)
        path = f"M{centre},{centre} L{x1:.1f},{y1:.1f} A{r:.1f},{r:.1f} 0 0 1 {x2:.1f},{y2:.1f} Z" if r > 0 else ""
        mid = (start + end) / 2
        sectors.append(
            {
                "title": section.title,
                "path": path,
                "colour": section.colour or "#1f4e79",
                "value": number_format(value, 2),
                "axis_x": round(centre + radius * math.cos(start), 1),
                "axis_y": round(centre + radius * math.sin(start), 1),
                "label_x": round(centre + (radius + 12) * math.cos(mid), 1),
                "label_y": round(centre + (radius + 12) * math.sin(mid), 1),
                "number": index + 1,
            }
        )
    rings = [
        {"r": round(radius * step / 5, 1), "label": step, "y": round(centre - radius * step / 5 + 4, 1)}
        for step in range(1, 6)
    ]
    return {"sectors": sectors, "rings": rings, "size": centre * 2, "centre": centre}


def planned_keys(assessment: Assessment) -> set[str]:
    """Source keys of this establishment's action-plan items (to mark recommendations already added)."""
    from action_plans.models import ActionItem

    return set(
        ActionItem.objects.filter(plan__establishment=assessment.establishment)
        .exclude(source_key="")
        .filter(source_key__startswith=f"assessment:{assessment.grid.slug}:")
        .values_list("source_key", flat=True)
    )


def plan_items_from(assessment: Assessment):
    """Action-plan items created from this assessment (for the full report)."""
    from django.contrib.contenttypes.models import ContentType

    from action_plans.models import ActionItem

    return (
        ActionItem.objects.filter(
            plan__establishment=assessment.establishment,
            source_content_type=ContentType.objects.get_for_model(Assessment),
            source_object_id=str(assessment.pk),
        )
        .select_related("owner")
        .order_by("priority", "deadline", "pk")
    )
