"""Converters of third-party grid sources into our grid format, read in place from the reference data.

- MonAideCyber (ANSSI, Apache-2.0): ``questionnaire.yaml`` + ``mesures.yaml`` of the reference folder, with every
  weight, answer value, drawer question, business rule and measure (priorisation, "Pourquoi ?", "Comment ?").
- CISO Assistant libraries (here the ANSSI hygiene guide, Licence Ouverte): each assessable requirement becomes a
  compliance question (implemented / partly / not / not applicable).

The output is plain data in ``gridformat``'s structure; it is validated like any grid file before loading.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MONAIDECYBER_SLUG = "monaidecyber-diagnostic"
HYGIENE_SLUG = "anssi-guide-hygiene"


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _action_priority(rank: int) -> str:
    """MonAideCyber's head group (priorisation < 9) is urgent; then important up to 20; the rest to plan."""
    if rank < 9:
        return "P1"
    if rank <= 20:
        return "P2"
    return "P3"


def monaidecyber(folder: Path) -> dict:
    questionnaire = _read(folder / "questionnaire.yaml")
    measures = _read(folder / "mesures.yaml")
    source = questionnaire.get("source", {})
    commit = str(source.get("commit", ""))
    date = str(source.get("date_commit", ""))

    def option(answer: dict) -> dict:
        result: dict = {"code": answer["identifiant"], "label": answer["libelle"], "points": answer.get("valeur")}
        if answer.get("mesures"):
            result["recommendations"] = [{"measure": m["identifiant"], "level": m["niveau"]} for m in answer["mesures"]]
        if answer.get("regle"):
            result["sets"] = [
                {"question": r["identifiantQuestion"], "option": r.get("reponseDonnee") or ""}
                for r in answer["regle"]["reponses"]
            ]
        if answer.get("questions"):
            result["reveals"] = [question(q) for q in answer["questions"]]
        return result

    def question(data: dict) -> dict:
        result: dict = {
            "code": data["identifiant"],
            "text": data["libelle"].strip(),
            "kind": "multiple" if data.get("type") == "choixMultiple" else "single",
            "weight": data.get("poids", 0),
            "options": [option(a) for a in data["reponsesPossibles"]],
        }
        helps = [bubble["texte"] for bubble in data.get("info_bulles") or [] if bubble.get("texte")]
        if helps:
            result["help"] = "\n\n".join(helps)
        if data.get("masquee_si"):
            result["hidden_if"] = [
                {"question": c["identifiantQuestion"], "option": c["reponseDonnee"]} for c in data["masquee_si"]
            ]
        return result

    sections = []
    for theme in questionnaire["thematiques"]:
        section = {
            "code": theme["identifiant"],
            "title": theme["libelle"],
            "description": theme.get("description", ""),
            "scored": bool(theme.get("notee", True)),
            "questions": [question(q) for q in theme["questions"]],
        }
        if theme.get("couleur_graphique"):
            section["colour"] = theme["couleur_graphique"]
        sections.append(section)

    measure_list = []
    for measure in measures["mesures"]:
        rank = int(measure["priorisation"])
        levels = []
        for number in (1, 2):
            level = measure.get(f"niveau{number}")
            if level:
                levels.append(
                    {
                        "level": number,
                        "title": level["titre"],
                        "why": level.get("pourquoi", ""),
                        "how": level.get("comment", ""),
                        "priority": _action_priority(rank),
                    }
                )
        measure_list.append(
            {"code": measure["identifiant"], "rank": rank, "section": measure.get("thematique", ""), "levels": levels}
        )

    return {
        "format": "crrc-grid/1",
        "slug": MONAIDECYBER_SLUG,
        "version": f"{date}-{commit[:7]}" if commit else date or "1",
        "title": "Diagnostic cyber MonAideCyber",
        "description": (
            "Diagnostic de maturité cyber de l'ANSSI (MonAideCyber) : 7 thèmes, un indicateur de 0 à 3 par thème, "
            "des mesures classées par priorité dont 6 recommandations prioritaires."
        ),
        "licence": "Apache License 2.0 (http://www.apache.org/licenses/LICENSE-2.0)",
        "attribution": (
            "Copyright 2023 ANSSI - Agence nationale de la sécurité des systèmes d'information "
            "(https://www.cyber.gouv.fr). Questionnaire, pondérations, valeurs et mesures de MonAideCyber, "
            f"transcrits du dépôt public betagouv/mon-aide-cyber (commit {commit[:12]}, {date}). "
            "Fichiers modifiés : convertis au format de grille du portail CRRC."
        ),
        "source": str(source.get("depot", "https://github.com/betagouv/mon-aide-cyber")),
        "scoring": "weighted_average",
        "overall": "none",
        "score_max": questionnaire.get("echelle", {}).get("maximum", 3),
        "score_unit": "/ 3",
        "chart": "radar",
        "priority_count": 6,
        "head_rank_below": 9,
        "sections": sections,
        "measures": measure_list,
    }


def ciso_assistant_library(data: dict) -> dict:
    """A CISO Assistant framework library → a compliance grid (its reference-control links are dropped)."""
    framework = data["objects"]["framework"]
    nodes = framework["requirement_nodes"]
    sections: list[dict] = []
    measures: list[dict] = []
    current: dict | None = None
    for node in nodes:
        if not node.get("assessable"):
            current = {
                "code": node.get("ref_id") or node["urn"].rsplit(":", 1)[-1],
                "title": node.get("name") or node.get("ref_id"),
                "description": node.get("description") or "",
                "questions": [],
            }
            sections.append(current)
            continue
        if current is None:
            current = {"code": "general", "title": framework.get("name", "Exigences"), "questions": []}
            sections.append(current)
        ref_id = str(node.get("ref_id"))
        reinforced = ref_id.endswith(".R")
        code = f"mesure-{ref_id.lower().replace('.', '-')}"
        number = ref_id.split(".")[0]
        title = f"Mesure {number}{' (niveau renforcé)' if reinforced else ''} : {node.get('name', '')}"
        measures.append(
            {
                "code": code,
                "rank": int(number) if number.isdigit() else 0,
                "section": current["code"],
                "levels": [
                    {
                        "level": 1,
                        "title": node.get("name", ref_id),
                        "why": node.get("description") or "",
                        "how": "",
                        "priority": "P2" if reinforced else "P1",
                    }
                ],
            }
        )
        current["questions"].append(
            {
                "code": code,
                "text": title,
                "help": node.get("description") or "",
                "weight": 1,
                "options": [
                    {"code": f"{code}-oui", "label": "Mise en œuvre", "points": 1},
                    {
                        "code": f"{code}-partiel",
                        "label": "Partiellement mise en œuvre",
                        "points": 0.5,
                        "recommendations": [{"measure": code, "level": 1}],
                    },
                    {
                        "code": f"{code}-non",
                        "label": "Non mise en œuvre",
                        "points": 0,
                        "recommendations": [{"measure": code, "level": 1}],
                    },
                    {"code": f"{code}-na", "label": "Non applicable", "points": None},
                ],
            }
        )
    description = str(framework.get("description") or data.get("description") or "")
    return {
        "format": "crrc-grid/1",
        "slug": str(data.get("ref_id", "ciso-library")).lower(),
        "version": str(data.get("version", "1")),
        "title": str(framework.get("name") or data.get("name")),
        "description": description + " — grille de conformité : chaque mesure est mise en œuvre, partiellement, "
        "non mise en œuvre ou non applicable. Score : part des mesures applicables mises en œuvre.",
        "licence": str(data.get("copyright") or "non précisée"),
        "attribution": (
            f"{data.get('provider', '')} — {framework.get('name', '')}. "
            f"Source : {_first_url(str(data.get('description') or ''))} "
            f"Mise en forme : bibliothèque « {data.get('urn', '')} » v{data.get('version', '')} "
            f"({data.get('publication_date', '')}) de {data.get('packager', '')} (CISO Assistant) ; "
            "liens vers les contrôles de référence non repris."
        ),
        "source": _first_url(str(data.get("description") or "")),
        "scoring": "weighted_average",
        "overall": "average",
        "score_max": 1,
        "score_unit": "%",
        "chart": "bar",
        "priority_count": 6,
        "head_rank_below": 0,
        "sections": sections,
        "measures": measures,
    }


def _first_url(text: str) -> str:
    for word in text.split():
        if word.startswith("http"):
            return word
    return ""
