"""Write a validated grid into the database, version by version, atomically.

``load_grid_path`` accepts our own format, a CISO Assistant library (ANSSI hygiene guide) or the MonAideCyber
reference folder; the last two go through ``converters`` into our format first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import converters
from .gridformat import GridError, GridFileError, content_hash, parse_grid_text, parse_yaml, validate
from .models import AnswerOption, Grid, Level, Measure, OptionRecommendation, Question, Recommendation, Section

BUILTIN_GRIDS_DIR = Path(__file__).resolve().parent / "grids"


@dataclass
class LoadResult:
    grid: Grid
    created: bool
    message: str


def builtin_sources() -> list[Path]:
    """The three grids shipped: two read in place from the reference data, one written in this repository."""
    ref = Path(settings.REFERENCE_DATA_DIR) / "frameworks"
    return [
        ref / "monaidecyber",
        ref / "anssi-guide-hygiene.yaml",
        BUILTIN_GRIDS_DIR / "ans-autoevaluation-exercice-crise.yaml",
    ]


def read_grid_source(path: Path) -> dict:
    """Any supported source → validated data in our format."""
    path = Path(path)
    if path.is_dir():
        if (path / "questionnaire.yaml").exists() and (path / "mesures.yaml").exists():
            return validate(converters.monaidecyber(path), str(path))
        raise GridFileError([GridError(None, "dossier sans questionnaire.yaml ni mesures.yaml")], str(path))
    if not path.exists():
        raise GridFileError([GridError(None, "fichier introuvable")], str(path))
    text = path.read_text(encoding="utf-8")
    data = parse_yaml(text, str(path))
    if isinstance(data, dict) and isinstance(data.get("objects"), dict) and "framework" in data["objects"]:
        return validate(converters.ciso_assistant_library(data), str(path))
    return parse_grid_text(text, str(path))


def load_grid_path(path: Path) -> LoadResult:
    data = read_grid_source(path)
    return load_grid_data(data, source_path=str(path))


@transaction.atomic
def load_grid_data(data: dict, source_path: str = "") -> LoadResult:
    digest = content_hash(data)
    slug, version = str(data["slug"]), str(data["version"])
    existing = Grid.objects.select_for_update().filter(slug=slug, version=version).first()
    if existing is not None:
        if existing.content_hash == digest:
            return LoadResult(existing, False, f"{slug} v{version} : déjà chargée, inchangée.")
        if existing.assessments.exists():
            raise GridFileError(
                [
                    GridError(
                        None,
                        f"la version {version} de « {slug} » est déjà utilisée par des évaluations et son contenu "
                        "a changé : augmentez le numéro de version pour charger ce contenu.",
                    )
                ],
                source_path,
            )
        existing.delete()
    Grid.objects.filter(slug=slug, is_current=True).update(is_current=False)
    grid = Grid.objects.create(
        slug=slug,
        version=version,
        title=str(data["title"]),
        description=str(data.get("description") or ""),
        licence=str(data["licence"]),
        attribution=str(data["attribution"]),
        source=str(data.get("source") or ""),
        is_illustrative=bool(data.get("illustrative", False)),
        notice=str(data.get("notice") or ""),
        scoring=data.get("scoring", "sum"),
        overall=data.get("overall", "sum"),
        score_max=_dec(data.get("score_max")),
        score_unit=str(data.get("score_unit") or ""),
        chart=data.get("chart", "bar"),
        priority_count=int(data.get("priority_count", 6)),
        head_rank_below=int(data.get("head_rank_below", 0)),
        is_current=True,
        content_hash=digest,
        source_path=source_path,
    )
    for order, level in enumerate(data.get("levels") or [], 1):
        Level.objects.create(
            grid=grid,
            code=str(level["code"]),
            label=str(level["label"]),
            description=str(level.get("description") or ""),
            order=order,
            minimum=_dec(level.get("min")),
            minimum_inclusive=level.get("min_inclusive", True),
            maximum=_dec(level.get("max")),
            maximum_inclusive=level.get("max_inclusive", True),
        )
    recommendations: dict[tuple[str, int], Recommendation] = {}
    for measure_data in data.get("measures") or []:
        measure = Measure.objects.create(
            grid=grid,
            code=str(measure_data["code"]),
            rank=int(measure_data.get("rank") or 0),
            section_code=str(measure_data.get("section") or ""),
        )
        for reco in measure_data["levels"]:
            recommendations[(measure.code, int(reco["level"]))] = Recommendation.objects.create(
                measure=measure,
                level=int(reco["level"]),
                title=str(reco["title"]),
                why=str(reco.get("why") or ""),
                how=str(reco.get("how") or ""),
                action_priority=reco.get("priority", "P2"),
            )
    counter = {"question": 0}
    links: list[OptionRecommendation] = []
    for order, section_data in enumerate(data["sections"], 1):
        section = Section.objects.create(
            grid=grid,
            code=str(section_data["code"]),
            title=str(section_data["title"]),
            description=str(section_data.get("description") or ""),
            order=order,
            is_scored=section_data.get("scored", True),
            colour=str(section_data.get("colour") or ""),
        )
        for question_data in section_data["questions"]:
            _create_question(grid, section, question_data, None, counter, recommendations, links)
    OptionRecommendation.objects.bulk_create(links)
    return LoadResult(grid, True, f"{slug} v{version} : chargée ({counter['question']} questions).")


def _create_question(grid, section, data, revealed_by, counter, recommendations, links) -> None:
    counter["question"] += 1
    question = Question.objects.create(
        grid=grid,
        section=section,
        code=str(data["code"]),
        text=str(data["text"]),
        help_text=str(data.get("help") or ""),
        kind=data.get("kind", "single"),
        weight=_dec(data.get("weight")) if data.get("weight") is not None else Decimal(1),
        order=counter["question"],
        revealed_by=revealed_by,
        hidden_if=[{"question": str(c["question"]), "option": str(c["option"])} for c in data.get("hidden_if") or []],
    )
    for order, option_data in enumerate(data["options"], 1):
        option = AnswerOption.objects.create(
            question=question,
            code=str(option_data["code"]),
            label=str(option_data["label"]),
            points=_dec(option_data.get("points")),
            order=order,
            sets_answers=[
                {"question": str(rule["question"]), "option": str(rule.get("option") or "")}
                for rule in option_data.get("sets") or []
            ],
        )
        for index, reco in enumerate(option_data.get("recommendations") or []):
            links.append(
                OptionRecommendation(
                    option=option,
                    recommendation=recommendations[(str(reco["measure"]), int(reco["level"]))],
                    order=index,
                )
            )
        for child in option_data.get("reveals") or []:
            _create_question(grid, section, child, option, counter, recommendations, links)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
