"""Our grid file format (``format: crrc-grid/1``): parsing with line numbers and validation.

A grid file is checked completely before anything is written: every error is reported with the line it comes from
and the reason, in French, so that the CRRC officer who edits a file can fix it without reading code. Converters of
third-party formats (MonAideCyber, CISO Assistant libraries) produce the same structure as plain dicts and go
through the same validation.

    format: crrc-grid/1
    slug: mon-questionnaire          # stable identifier across versions
    version: "2"                     # a new version creates a new grid; old assessments keep theirs
    title / description / licence / attribution / source / illustrative / notice
    scoring: sum | weighted_average  # section score = Σ points×weight, or Σ(points×weight)/Σweight
    overall: sum | average | none
    levels: [{code, label, description, min, min_inclusive, max, max_inclusive}]
    measures: [{code, rank, section, levels: [{level, title, why, how, priority: P1|P2|P3}]}]
    sections:
    - code, title, description, scored, colour
      questions:
      - code, text, help, kind: single|multiple, weight, hidden_if: [{question, option}]
        options:
        - code, label, points (null = excluded from the score)
          recommendations: [{measure, level}]       # suggested action items
          sets: [{question, option}]                # business rule: answering this imposes another answer
          reveals: [questions]                      # questions shown only when this option is chosen
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

FORMAT = "crrc-grid/1"


class LineDict(dict):
    line: int | None = None
    key_lines: dict

    def line_of(self, key: str) -> int | None:
        return getattr(self, "key_lines", {}).get(key, self.line)


class LineList(list):
    line: int | None = None


@dataclass
class GridError:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}" if self.line else self.message


class GridFileError(Exception):
    """The file is refused; ``errors`` lists every problem found, each with its line."""

    def __init__(self, errors: list[GridError], path: str = ""):
        self.errors = errors
        self.path = path
        head = f"{path} : " if path else ""
        super().__init__(head + "grille refusée\n" + "\n".join(f"  - {e}" for e in errors))


_constructor = yaml.constructor.SafeConstructor()


def _convert(node: yaml.Node, errors: list[GridError]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = LineDict()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, errors)
            if not isinstance(key, str):
                errors.append(GridError(key_node.start_mark.line + 1, f"clé invalide {key!r}"))
                continue
            if key in result:
                errors.append(GridError(key_node.start_mark.line + 1, f"clé « {key} » en double"))
            result[key] = _convert(value_node, errors)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        result = LineList(_convert(item, errors) for item in node.value)
        result.line = line
        return result
    return _constructor.construct_object(node, deep=True)


def parse_yaml(text: str, path: str = "") -> Any:
    """YAML → dicts and lists that remember the line each came from."""
    errors: list[GridError] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise GridFileError([GridError(line, f"YAML illisible : {exc.problem or exc}")], path) from exc
    except yaml.YAMLError as exc:
        raise GridFileError([GridError(None, f"YAML illisible : {exc}")], path) from exc
    if node is None:
        raise GridFileError([GridError(1, "le fichier est vide")], path)
    data = _convert(node, errors)
    if errors:
        raise GridFileError(errors, path)
    return data


# --- Validation -----------------------------------------------------------------------------------------------

GRID_KEYS = {
    "format",
    "slug",
    "version",
    "title",
    "description",
    "licence",
    "attribution",
    "source",
    "illustrative",
    "notice",
    "scoring",
    "overall",
    "score_max",
    "score_unit",
    "chart",
    "priority_count",
    "head_rank_below",
    "levels",
    "measures",
    "sections",
}
LEVEL_KEYS = {"code", "label", "description", "min", "min_inclusive", "max", "max_inclusive"}
MEASURE_KEYS = {"code", "rank", "section", "levels"}
RECO_KEYS = {"level", "title", "why", "how", "priority"}
SECTION_KEYS = {"code", "title", "description", "scored", "colour", "questions"}
QUESTION_KEYS = {"code", "text", "help", "kind", "weight", "hidden_if", "options"}
OPTION_KEYS = {"code", "label", "points", "recommendations", "sets", "reveals"}


def _line(obj: Any, key: str | None = None) -> int | None:
    if isinstance(obj, LineDict):
        return obj.line_of(key) if key else obj.line
    return getattr(obj, "line", None)


class _Validator:
    def __init__(self, data: Any):
        self.data = data
        self.errors: list[GridError] = []
        self.question_codes: dict[str, dict] = {}
        self.option_codes: dict[str, set[str]] = {}
        self.measure_levels: set[tuple[str, int]] = set()
        self.references: list[tuple[int | None, str, str, str]] = []  # (line, kind, question, option)
        self.reco_refs: list[tuple[int | None, str, int]] = []

    def err(self, obj: Any, message: str, key: str | None = None) -> None:
        self.errors.append(GridError(_line(obj, key), message))

    def mapping(self, obj: Any, where: str, allowed: set[str]) -> bool:
        if not isinstance(obj, dict):
            self.err(obj, f"{where} : un dictionnaire (clé: valeur) est attendu")
            return False
        for key in obj:
            if key not in allowed:
                self.err(obj, f"{where} : clé inconnue « {key} » (clés permises : {', '.join(sorted(allowed))})", key)
        return True

    def text(self, obj: dict, key: str, where: str, required: bool = True) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.err(obj, f"{where} : « {key} » est obligatoire")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.err(obj, f"{where} : « {key} » doit être un texte", key)
            return ""
        return str(value)

    def number(self, obj: dict, key: str, where: str, *, required: bool = False, minimum=None) -> Decimal | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.err(obj, f"{where} : « {key} » est obligatoire")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.err(obj, f"{where} : « {key} » doit être un nombre (reçu {value!r})", key)
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.err(obj, f"{where} : « {key} » doit être un nombre (reçu {value!r})", key)
            return None
        if not number.is_finite():
            self.err(obj, f"{where} : « {key} » doit être un nombre fini", key)
            return None
        if minimum is not None and number < minimum:
            self.err(obj, f"{where} : « {key} » doit être supérieur ou égal à {minimum}", key)
        return number

    def boolean(self, obj: dict, key: str, where: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.err(obj, f"{where} : « {key} » doit valoir true ou false", key)

    def listing(self, obj: dict, key: str, where: str, required: bool = False) -> list:
        value = obj.get(key)
        if value is None:
            if required:
                self.err(obj, f"{where} : la liste « {key} » est obligatoire et ne peut être vide")
            return []
        if not isinstance(value, list):
            self.err(obj, f"{where} : « {key} » doit être une liste", key)
            return []
        if required and not value:
            self.err(obj, f"{where} : la liste « {key} » ne peut être vide", key)
        return value

    def run(self) -> None:
        data = self.data
        if not self.mapping(data, "grille", GRID_KEYS):
            return
        if data.get("format") != FORMAT:
            self.err(data, f"« format » doit valoir « {FORMAT} » (reçu {data.get('format')!r})", "format")
        slug = self.text(data, "slug", "grille")
        if slug and (not slug.replace("-", "").isalnum() or not slug.islower() or len(slug) > 80):
            self.err(
                data, "« slug » : lettres minuscules, chiffres et tirets uniquement (80 caractères au plus)", "slug"
            )
        for key in ("version", "title", "licence", "attribution"):
            self.text(data, key, "grille")
        self.boolean(data, "illustrative", "grille")
        if data.get("illustrative") and not data.get("notice"):
            self.err(data, "une grille illustrative doit porter un avertissement (« notice »)", "illustrative")
        if data.get("scoring", "sum") not in ("sum", "weighted_average"):
            self.err(data, "« scoring » doit valoir sum ou weighted_average", "scoring")
        if data.get("overall", "sum") not in ("sum", "average", "none"):
            self.err(data, "« overall » doit valoir sum, average ou none", "overall")
        if data.get("chart", "bar") not in ("bar", "radar"):
            self.err(data, "« chart » doit valoir bar ou radar", "chart")
        self.number(data, "score_max", "grille", minimum=0)
        self.number(data, "priority_count", "grille", minimum=0)
        self.number(data, "head_rank_below", "grille", minimum=0)
        self.levels(data)
        self.measures(data)
        sections = self.listing(data, "sections", "grille", required=True)
        seen_sections: set[str] = set()
        for index, section in enumerate(sections, 1):
            where = f"thème n°{index}"
            if not self.mapping(section, where, SECTION_KEYS):
                continue
            code = self.text(section, "code", where)
            if code in seen_sections:
                self.err(section, f"{where} : code de thème « {code} » en double", "code")
            seen_sections.add(code)
            self.text(section, "title", where)
            self.boolean(section, "scored", where)
            for question in self.listing(section, "questions", f"thème « {code} »", required=True):
                self.question(question, f"thème « {code} »")
        self.check_references()

    def levels(self, data: dict) -> None:
        seen: set[str] = set()
        bounds = []
        for index, level in enumerate(self.listing(data, "levels", "grille"), 1):
            where = f"niveau n°{index}"
            if not self.mapping(level, where, LEVEL_KEYS):
                continue
            code = self.text(level, "code", where)
            if code in seen:
                self.err(level, f"{where} : code de niveau « {code} » en double", "code")
            seen.add(code)
            self.text(level, "label", where)
            low = self.number(level, "min", where)
            high = self.number(level, "max", where)
            self.boolean(level, "min_inclusive", where)
            self.boolean(level, "max_inclusive", where)
            if low is not None and high is not None and low > high:
                self.err(level, f"{where} : « min » ({low}) est supérieur à « max » ({high})", "min")
            bounds.append((level, low, level.get("min_inclusive", True), high, level.get("max_inclusive", True)))
        # Two levels must never both match the same total.
        for i, (level_a, lo_a, li_a, hi_a, hi_inc_a) in enumerate(bounds):
            for level_b, lo_b, li_b, hi_b, hi_inc_b in bounds[i + 1 :]:
                if _overlap((lo_a, li_a, hi_a, hi_inc_a), (lo_b, li_b, hi_b, hi_inc_b)):
                    self.err(
                        level_b,
                        f"les niveaux « {level_a.get('code')} » et « {level_b.get('code')} » se chevauchent : "
                        "un même total correspondrait aux deux",
                    )

    def measures(self, data: dict) -> None:
        seen: set[str] = set()
        for index, measure in enumerate(self.listing(data, "measures", "grille"), 1):
            where = f"mesure n°{index}"
            if not self.mapping(measure, where, MEASURE_KEYS):
                continue
            code = self.text(measure, "code", where)
            if code in seen:
                self.err(measure, f"{where} : code de mesure « {code} » en double", "code")
            seen.add(code)
            self.number(measure, "rank", where, minimum=0)
            for reco in self.listing(measure, "levels", f"mesure « {code} »", required=True):
                rwhere = f"mesure « {code} »"
                if not self.mapping(reco, rwhere, RECO_KEYS):
                    continue
                level = self.number(reco, "level", rwhere, required=True, minimum=1)
                self.text(reco, "title", rwhere)
                if reco.get("priority", "P2") not in ("P1", "P2", "P3"):
                    self.err(reco, f"{rwhere} : « priority » doit valoir P1, P2 ou P3", "priority")
                if level is not None:
                    if (code, int(level)) in self.measure_levels:
                        self.err(reco, f"{rwhere} : niveau {int(level)} en double", "level")
                    self.measure_levels.add((code, int(level)))

    def question(self, question: Any, where: str) -> None:
        if not self.mapping(question, f"{where}, question", QUESTION_KEYS):
            return
        code = self.text(question, "code", f"{where}, question")
        qwhere = f"question « {code} »"
        if code in self.question_codes:
            self.err(question, f"{qwhere} : code de question en double dans la grille", "code")
        self.question_codes[code] = question
        self.text(question, "text", qwhere)
        if question.get("kind", "single") not in ("single", "multiple"):
            self.err(question, f"{qwhere} : « kind » doit valoir single ou multiple", "kind")
        self.number(question, "weight", qwhere, minimum=0)
        for condition in self.listing(question, "hidden_if", qwhere):
            if self.mapping(condition, f"{qwhere}, hidden_if", {"question", "option"}):
                self.references.append(
                    (_line(condition), "hidden_if", str(condition.get("question")), str(condition.get("option")))
                )
        options = self.listing(question, "options", qwhere, required=True)
        codes: set[str] = set()
        for option in options:
            if not self.mapping(option, f"{qwhere}, réponse", OPTION_KEYS):
                continue
            ocode = self.text(option, "code", f"{qwhere}, réponse")
            if ocode in codes:
                self.err(option, f"{qwhere} : code de réponse « {ocode} » en double", "code")
            codes.add(ocode)
            owhere = f"réponse « {ocode} »"
            self.text(option, "label", owhere)
            self.number(option, "points", owhere)
            for reco in self.listing(option, "recommendations", owhere):
                if self.mapping(reco, f"{owhere}, recommandation", {"measure", "level"}):
                    level = self.number(reco, "level", f"{owhere}, recommandation", required=True, minimum=1)
                    self.reco_refs.append((_line(reco), str(reco.get("measure")), int(level or 0)))
            for rule in self.listing(option, "sets", owhere):
                if self.mapping(rule, f"{owhere}, règle", {"question", "option"}):
                    self.references.append((_line(rule), "sets", str(rule.get("question")), rule.get("option") or ""))
            for child in self.listing(option, "reveals", owhere):
                self.question(child, f"{owhere}, question révélée")
        self.option_codes[code] = codes

    def check_references(self) -> None:
        for line, kind, question, option in self.references:
            label = "règle" if kind == "sets" else "condition d'affichage"
            if question not in self.question_codes:
                self.errors.append(GridError(line, f"{label} : la question « {question} » n'existe pas dans la grille"))
            elif option and option not in self.option_codes.get(question, set()):
                self.errors.append(
                    GridError(line, f"{label} : la réponse « {option} » n'existe pas pour la question « {question} »")
                )
        for line, measure, level in self.reco_refs:
            if (measure, level) not in self.measure_levels:
                self.errors.append(
                    GridError(line, f"recommandation : la mesure « {measure} » n'a pas de niveau {level}")
                )


def _overlap(a, b) -> bool:
    lo_a, lo_inc_a, hi_a, hi_inc_a = a
    lo_b, lo_inc_b, hi_b, hi_inc_b = b

    def below(hi, hi_inc, lo, lo_inc) -> bool:  # interval ending at hi is entirely below one starting at lo
        if hi is None or lo is None:
            return False
        return hi < lo or (hi == lo and not (hi_inc and lo_inc))

    return not (below(hi_a, hi_inc_a, lo_b, lo_inc_b) or below(hi_b, hi_inc_b, lo_a, lo_inc_a))


def validate(data: Any, path: str = "") -> dict:
    validator = _Validator(data)
    validator.run()
    if validator.errors:
        raise GridFileError(sorted(validator.errors, key=lambda e: e.line or 0), path)
    return data


def parse_grid_text(text: str, path: str = "") -> dict:
    return validate(parse_yaml(text, path), path)


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
