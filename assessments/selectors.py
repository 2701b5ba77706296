"""Reads scoped to the requesting user, and the view-models the pages and PDFs display."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from crrc import charts
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
    """Submitted assessments by level and by sector (two aggregate queries), with their charts."""
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
    for row in by_level:
        row["label"] = row["level_label"] or _("Sans niveau (pas de seuils dans la grille)")
    return {
        "by_level": by_level,
        "by_sector": by_sector,
        "submitted": total,
        "level_chart": charts.distribution(
            _("Évaluations soumises par niveau"),
            [row["label"] for row in by_level],
            [row["count"] for row in by_level],
            label_header=_("Niveau"),
            value_header=_("Nombre"),
        )
        if by_level
        else None,
        "sector_chart": charts.stacked_bar(
            _("Évaluations par secteur d'établissement"),
            [row["sector"] for row in by_sector],
            {_("Soumises"): [row["count"] for row in by_sector], _("En cours"): [row["drafts"] for row in by_sector]},
            label_header=_("Secteur"),
        )
        if by_sector
        else None,
    }


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
        **section_charts(grid, sections, previous),
    }


def chart_scale(grid: Grid) -> tuple[Decimal, str]:
    """The one scale of the themes' charts: the grid's own (0–3 for MonAideCyber), or percent.

    Averaged grids are drawn on their ``score_max`` (a 0–1 average as a percentage); point grids, whose themes
    have different maxima, as the percentage of each theme's maximum, so that bars and radar share one axis.
    """
    if grid.scoring == Grid.Scoring.WEIGHTED_AVERAGE and grid.score_max != 1:
        return Decimal(str(grid.score_max or 3)), ""
    return Decimal(100), "%"


def chart_value(grid: Grid, score, maximum) -> Decimal | None:
    """A theme's score on the chart scale; ``None`` (nothing drawn, "non évalué") when the theme has no answer."""
    if score is None:
        return None
    score = Decimal(str(score))
    if grid.scoring == Grid.Scoring.WEIGHTED_AVERAGE:
        return (score * 100).quantize(Decimal("1")) if grid.score_max == 1 else score.quantize(Decimal("0.01"))
    return (100 * score / Decimal(str(maximum))).quantize(Decimal("1")) if maximum else None


def section_charts(grid: Grid, sections: list[SectionResult], previous: Assessment | None) -> dict:
    """The themes' charts from ``crrc.charts``: radar for grids that ask for it, bars otherwise or to compare.

    Both use the same scale and say "non évalué" for a theme without answer (nothing drawn). The first chart's
    table carries the theme's points (point grids) and the questions answered.
    """
    scale, unit = chart_scale(grid)
    decimals = 2 if unit == "" else 0
    titles = [s.title for s in sections]
    values = [chart_value(grid, s.score, s.maximum) for s in sections]
    extra = {}
    if grid.scoring == Grid.Scoring.SUM:
        extra[_("Points")] = [s.display for s in sections]
    extra[_("Questions répondues")] = [f"{s.answered} / {s.questions}" for s in sections]
    common = {"label_header": _("Thème"), "value_header": _("Score"), "unit": unit, "decimals": decimals}
    common["missing"] = _("non évalué")
    radar = None
    if grid.chart == "radar":
        radar = charts.radar(_("Indicateurs par thème"), titles, values, scale, extra_columns=extra, **common)
        extra = {}
    bars = None
    if radar is None or previous is not None:
        compare = None
        if previous is not None:
            compare = [chart_value(previous.grid, s.previous, s.maximum) for s in sections]
        bars = charts.bar(
            _("Score par thème et évaluation précédente") if previous is not None else _("Score par thème"),
            titles,
            values,
            scale,
            compare=compare,
            compare_header=(
                _("Évaluation précédente (%(date)s)") % {"date": previous.submitted_at.strftime("%d/%m/%Y")}
                if previous is not None and previous.submitted_at
                else _("Évaluation précédente")
            ),
            extra_columns=extra,
            **common,
        )
    return {"radar_chart": radar, "bar_chart": bars}


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
