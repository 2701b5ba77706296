"""Load the scenario catalogue and the RETEX templates from the YAML files of ``exercises/scenarios/``.

A file is applied in one transaction after every line was checked (bad offset, unknown channel or cell, two
stimuli at the same offset): a broken file changes nothing. Reloading an unchanged file is a no-op (content hash).
Scenarios stay editable in the admin; reloading a changed file replaces its default chronogram, never the
chronograms already copied into exercises.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from .choices import Cell, Channel, KitLevel
from .models import RetexQuestion, RetexTemplate, Scenario, ScenarioStimulus
from .offsets import parse_offset

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


@dataclass
class LoadResult:
    path: Path
    slug: str
    status: str  # "created", "updated", "unchanged"


def _fail(path: Path, message: str) -> ValidationError:
    return ValidationError(f"{path.name} : {message}")


def _scenario_rows(path: Path, data: dict) -> list[dict]:
    rows, seen = [], set()
    for number, line in enumerate(data.get("stimuli") or [], start=1):
        try:
            offset = parse_offset(line.get("offset"))
        except ValidationError as exc:
            raise _fail(path, f"stimulus {number} : {exc.messages[0]}") from exc
        if offset in seen:
            raise _fail(path, f"stimulus {number} : deux stimuli au même décalage ({line.get('offset')}).")
        seen.add(offset)
        if line.get("channel") not in Channel.values:
            raise _fail(path, f"stimulus {number} : canal inconnu « {line.get('channel')} ».")
        if line.get("cell", Cell.CRISIS) not in Cell.values:
            raise _fail(path, f"stimulus {number} : cellule inconnue « {line.get('cell')} ».")
        if not (line.get("sender") and line.get("content")):
            raise _fail(path, f"stimulus {number} : émetteur et contenu sont obligatoires.")
        rows.append(
            {
                "offset_seconds": offset,
                "channel": line["channel"],
                "sender": str(line["sender"])[:120],
                "recipient_cell": line.get("cell", Cell.CRISIS),
                "content": str(line["content"]),
                "expected_reaction": str(line.get("expected") or ""),
            }
        )
    return rows


def load_file(path: Path) -> LoadResult:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    data = yaml.safe_load(raw) or {}
    if not isinstance(data, dict) or not data.get("slug") or not data.get("title"):
        raise _fail(path, "les clés « slug » et « title » sont obligatoires.")
    if data.get("kind") == "retex":
        return _load_retex(path, data, digest)
    level = data.get("kit_level", "")
    if level and level not in KitLevel.values:
        raise _fail(path, f"niveau de kit inconnu « {level} ».")
    rows = _scenario_rows(path, data)
    with transaction.atomic():
        scenario = Scenario.objects.filter(slug=data["slug"]).first()
        if scenario is not None and scenario.content_hash == digest:
            return LoadResult(path, scenario.slug, "unchanged")
        status = "updated" if scenario else "created"
        scenario = scenario or Scenario(slug=data["slug"])
        scenario.title = data["title"]
        scenario.summary = data.get("summary", "")
        scenario.kit_level = level
        scenario.objectives = [str(o) for o in data.get("objectives") or []]
        scenario.is_illustrative = bool(data.get("illustrative", True))
        scenario.content_hash = digest
        scenario.source_path = str(path)
        scenario.save()
        scenario.stimuli.all().delete()
        ScenarioStimulus.objects.bulk_create(ScenarioStimulus(scenario=scenario, **row) for row in rows)
    return LoadResult(path, scenario.slug, status)


def _load_retex(path: Path, data: dict, digest: str) -> LoadResult:
    questions = []
    for category in data.get("categories") or []:
        for text in category.get("questions") or []:
            questions.append((str(category["title"]), str(text)))
    if not questions:
        raise _fail(path, "un modèle de RETEX a au moins une question.")
    with transaction.atomic():
        template = RetexTemplate.objects.filter(slug=data["slug"]).first()
        if template is not None and template.questions.exists():
            # Answers point at the questions: an existing template is never rewritten.
            return LoadResult(path, template.slug, "unchanged")
        status = "updated" if template else "created"
        if data.get("default"):
            RetexTemplate.objects.filter(is_default=True).exclude(slug=data["slug"]).update(is_default=False)
        template, _created = RetexTemplate.objects.update_or_create(
            slug=data["slug"], defaults={"title": data["title"], "is_default": bool(data.get("default"))}
        )
        RetexQuestion.objects.bulk_create(
            RetexQuestion(template=template, category=cat, text=text, order=n)
            for n, (cat, text) in enumerate(questions)
        )
    return LoadResult(path, template.slug, status)


def load_all(directory: Path = SCENARIO_DIR) -> list[LoadResult]:
    return [load_file(path) for path in sorted(directory.glob("*.yaml"))]
