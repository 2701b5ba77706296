"""The scoring engine: section scores, overall score, level, and the ordered measures of a set of answers.

It follows MonAideCyber's SCORING.md, which generalises to every grid of ours:

- a question contributes only if it has a recorded answer; the chosen option with points gives (points, question
  weight), then each answered revealed ("drawer") question gives its chosen options with points and its own weight;
  options without points (« Je ne sais pas », « Non applicable »…) are left out of numerator and denominator;
- ``weighted_average``: section score = Σ(points × weight) / Σ(weight), ``None`` when nothing contributes;
  ``sum``: section score = Σ(points × weight);
- measures are collected theme by theme, question by question, drawer answers first then the top-level answer; each
  carries the value obtained by the question it answers; the list is sorted by rank (stable), split into a head group
  (rank < ``head_rank_below``) and the rest, each re-sorted by value (stable); the first ``priority_count`` are the
  priority recommendations.

Everything works on plain snapshots (``GridSnapshot``) so it runs the same on a live draft and at submission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .models import Grid

FOUR_PLACES = Decimal("0.0001")


@dataclass
class OptionData:
    id: int
    code: str
    label: str
    points: Decimal | None
    sets: list[dict]
    recommendations: list[int] = field(default_factory=list)  # Recommendation ids, in order
    reveals: list[QuestionData] = field(default_factory=list)


@dataclass
class QuestionData:
    id: int
    code: str
    text: str
    help_text: str
    kind: str
    weight: Decimal
    section_id: int
    revealed_by_id: int | None
    hidden_if: list[dict]
    options: list[OptionData] = field(default_factory=list)

    def option_by_id(self, option_id: int) -> OptionData | None:
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def max_points(self) -> Decimal:
        values = [o.points for o in self.options if o.points is not None]
        return max(values) if values else Decimal(0)


@dataclass
class SectionData:
    id: int
    code: str
    title: str
    description: str
    is_scored: bool
    colour: str
    questions: list[QuestionData] = field(default_factory=list)  # top-level only


@dataclass
class RecommendationData:
    id: int
    measure_code: str
    rank: int
    level: int
    title: str
    why: str
    how: str
    action_priority: str


@dataclass
class LevelData:
    code: str
    label: str
    description: str
    minimum: Decimal | None
    minimum_inclusive: bool
    maximum: Decimal | None
    maximum_inclusive: bool

    def matches(self, total: Decimal) -> bool:
        if self.minimum is not None and (
            total < self.minimum or (total == self.minimum and not self.minimum_inclusive)
        ):
            return False
        above = self.maximum is not None and (
            total > self.maximum or (total == self.maximum and not self.maximum_inclusive)
        )
        return not above


@dataclass
class GridSnapshot:
    grid: Grid
    sections: list[SectionData]
    questions: dict[int, QuestionData]
    questions_by_code: dict[str, QuestionData]
    options: dict[int, OptionData]
    recommendations: dict[int, RecommendationData]
    levels: list[LevelData]

    def level_for(self, total: Decimal | None) -> LevelData | None:
        if total is None:
            return None
        return next((level for level in self.levels if level.matches(total)), None)


_cache: dict[tuple, GridSnapshot] = {}


def snapshot(grid: Grid) -> GridSnapshot:
    """The grid's structure in memory (5 queries, then cached: a loaded grid never changes)."""
    key = (grid.pk, grid.content_hash, grid.loaded_at)
    if key in _cache:
        return _cache[key]
    from .models import AnswerOption, Level, OptionRecommendation, Question, Recommendation, Section

    sections = [
        SectionData(s.id, s.code, s.title, s.description, s.is_scored, s.colour)
        for s in Section.objects.filter(grid=grid).order_by("order")
    ]
    by_section = {s.id: s for s in sections}
    questions: dict[int, QuestionData] = {}
    for q in Question.objects.filter(grid=grid).order_by("order"):
        questions[q.id] = QuestionData(
            q.id, q.code, q.text, q.help_text, q.kind, q.weight, q.section_id, q.revealed_by_id, q.hidden_if
        )
    options: dict[int, OptionData] = {}
    for o in AnswerOption.objects.filter(question__grid=grid).order_by("question__order", "order"):
        option = OptionData(o.id, o.code, o.label, o.points, o.sets_answers)
        options[o.id] = option
        questions[o.question_id].options.append(option)
    for link in OptionRecommendation.objects.filter(option__question__grid=grid).order_by("option_id", "order"):
        options[link.option_id].recommendations.append(link.recommendation_id)
    for question in questions.values():
        if question.revealed_by_id is None:
            by_section[question.section_id].questions.append(question)
        else:
            options[question.revealed_by_id].reveals.append(question)
    recommendations = {
        r.id: RecommendationData(
            r.id, r.measure.code, r.measure.rank, r.level, r.title, r.why, r.how, r.action_priority
        )
        for r in Recommendation.objects.filter(measure__grid=grid).select_related("measure")
    }
    levels = [
        LevelData(lv.code, lv.label, lv.description, lv.minimum, lv.minimum_inclusive, lv.maximum, lv.maximum_inclusive)
        for lv in Level.objects.filter(grid=grid).order_by("order")
    ]
    result = GridSnapshot(
        grid, sections, questions, {q.code: q for q in questions.values()}, options, recommendations, levels
    )
    _cache[key] = result
    return result


# Answers: question id → ids of the selected options; an empty list is a recorded but empty answer.
Answers = dict[int, list[int]]


@dataclass
class SectionScore:
    section: SectionData
    score: Decimal | None
    weighted_sum: Decimal
    weight_total: Decimal
    maximum: Decimal
    answered: int
    total_questions: int

    @property
    def rounded(self) -> Decimal | None:
        return None if self.score is None else self.score.quantize(FOUR_PLACES, ROUND_HALF_UP)


@dataclass
class CollectedMeasure:
    recommendation: RecommendationData
    value: Decimal
    question: QuestionData
    option: OptionData


@dataclass
class Result:
    sections: list[SectionScore]
    overall: Decimal | None
    level: LevelData | None
    measures: list[CollectedMeasure]
    priority_count: int

    @property
    def priority_measures(self) -> list[CollectedMeasure]:
        return self.measures[: self.priority_count]

    @property
    def other_measures(self) -> list[CollectedMeasure]:
        return self.measures[self.priority_count :]

    def section(self, code: str) -> SectionScore:
        return next(s for s in self.sections if s.section.code == code)


def _chosen(question: QuestionData, answers: Answers) -> list[OptionData]:
    return [o for o in question.options if o.id in set(answers.get(question.id, []))]


def _contributions(question: QuestionData, answers: Answers) -> list[tuple[Decimal, Decimal]]:
    """(points, weight) pairs a recorded top-level question adds, drawer answers included."""
    if question.id not in answers:
        return []
    pairs = [(o.points, question.weight) for o in _chosen(question, answers) if o.points is not None]
    for option in question.options:
        for drawer in option.reveals:
            if drawer.id in answers:
                pairs.extend((o.points, drawer.weight) for o in _chosen(drawer, answers) if o.points is not None)
    return pairs


def _question_value(question: QuestionData, answers: Answers) -> Decimal | None:
    return next((o.points for o in _chosen(question, answers) if o.points is not None), None)


def _collect_measures(snap: GridSnapshot, question: QuestionData, answers: Answers) -> list[CollectedMeasure]:
    if question.id not in answers:
        return []
    collected: list[CollectedMeasure] = []
    for option in question.options:
        for drawer in option.reveals:
            if drawer.id not in answers:
                continue
            value = _question_value(drawer, answers)
            for chosen in _chosen(drawer, answers):
                for reco_id in chosen.recommendations:
                    if value is not None:
                        collected.append(CollectedMeasure(snap.recommendations[reco_id], value, drawer, chosen))
    value = _question_value(question, answers)
    for chosen in _chosen(question, answers):
        for reco_id in chosen.recommendations:
            if value is not None:
                collected.append(CollectedMeasure(snap.recommendations[reco_id], value, question, chosen))
    return collected


def order_measures(measures: list[CollectedMeasure], head_rank_below: int) -> list[CollectedMeasure]:
    by_rank = sorted(measures, key=lambda m: m.recommendation.rank)
    head = [m for m in by_rank if m.recommendation.rank < head_rank_below]
    rest = [m for m in by_rank if m.recommendation.rank >= head_rank_below]
    return sorted(head, key=lambda m: m.value) + sorted(rest, key=lambda m: m.value)


def compute(snap: GridSnapshot, answers: Answers) -> Result:
    grid = snap.grid
    section_scores: list[SectionScore] = []
    all_pairs: list[tuple[Decimal, Decimal]] = []
    measures: list[CollectedMeasure] = []
    for section in snap.sections:
        pairs: list[tuple[Decimal, Decimal]] = []
        maximum = Decimal(0)
        answered = 0
        for question in section.questions:
            pairs.extend(_contributions(question, answers))
            maximum += question.max_points * question.weight
            answered += question.id in answers
            measures.extend(_collect_measures(snap, question, answers))
        weighted = sum((p * w for p, w in pairs), Decimal(0))
        weights = sum((w for _, w in pairs), Decimal(0))
        if not section.is_scored:
            score = None
        elif grid.scoring == Grid.Scoring.WEIGHTED_AVERAGE:
            score = weighted / weights if weights else None
        else:
            score = weighted
        if section.is_scored:
            all_pairs.extend(pairs)
        section_scores.append(
            SectionScore(section, score, weighted, weights, maximum, answered, len(section.questions))
        )
    scored = [s for s in section_scores if s.section.is_scored]
    if grid.overall == Grid.Overall.SUM:
        overall: Decimal | None = sum((s.score or Decimal(0) for s in scored), Decimal(0))
    elif grid.overall == Grid.Overall.AVERAGE:
        weights = sum((w for _, w in all_pairs), Decimal(0))
        overall = sum((p * w for p, w in all_pairs), Decimal(0)) / weights if weights else None
    else:
        overall = None
    ordered = order_measures(measures, grid.head_rank_below)
    return Result(section_scores, overall, snap.level_for(overall), ordered, grid.priority_count)


def visible(question: QuestionData, answers: Answers, snap: GridSnapshot) -> bool:
    """Display rule only (``hidden_if``): never used by the calculation."""
    for condition in question.hidden_if:
        target = snap.questions_by_code.get(condition["question"])
        if target is None:
            continue
        option = next((o for o in target.options if o.code == condition["option"]), None)
        if option is not None and option.id in answers.get(target.id, []):
            return False
    return True


def result_to_json(result: Result) -> dict:
    """What an assessment freezes at submission (floats rounded to 4 places, codes to find rows back)."""

    def num(value: Decimal | None) -> float | None:
        return None if value is None else float(value.quantize(FOUR_PLACES, ROUND_HALF_UP))

    return {
        "sections": [
            {
                "code": s.section.code,
                "title": s.section.title,
                "scored": s.section.is_scored,
                "score": num(s.score),
                "maximum": num(s.maximum),
                "answered": s.answered,
                "questions": s.total_questions,
            }
            for s in result.sections
        ],
        "overall": num(result.overall),
        "level": result.level.code if result.level else "",
        "measures": [
            {
                "recommendation": m.recommendation.id,
                "measure": m.recommendation.measure_code,
                "level": m.recommendation.level,
                "rank": m.recommendation.rank,
                "value": num(m.value),
                "question": m.question.code,
                "option": m.option.code,
            }
            for m in result.measures
        ],
        "priority_count": result.priority_count,
    }
