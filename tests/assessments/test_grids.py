"""Grid files: thresholds of the exercise grid, versioning, bad files refused with line and reason."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments import scoring, services
from assessments.gridformat import GridFileError, parse_grid_text
from assessments.loader import BUILTIN_GRIDS_DIR, load_grid_data, load_grid_path
from assessments.models import Grid

from .conftest import EXERCISE, HYGIENE, MAC, answer

pytestmark = pytest.mark.django_db

EXERCISE_FILE = BUILTIN_GRIDS_DIR / "ans-autoevaluation-exercice-crise.yaml"


@pytest.mark.parametrize(
    ("total", "kit"),
    [(0, "debutant"), (74, "debutant"), (75, "intermediaire"), (150, "intermediaire"), (151, "confirme")],
)
def test_exercise_thresholds_map_the_total_to_the_kit(grids, total, kit):
    snap = scoring.snapshot(grids[EXERCISE])

    assert snap.level_for(Decimal(total)).code == kit


def test_exercise_grid_is_illustrative_and_says_so(grids):
    grid = grids[EXERCISE]

    assert grid.is_illustrative
    assert "illustrative" in grid.notice and "23 questions" in grid.notice
    assert grid.questions.filter(section__is_scored=True).count() == 1


def test_self_assessment_total_gives_the_recommended_kit(grids, establishment, rssi):
    assessment = services.start_assessment(establishment, grids[EXERCISE], rssi)
    answer(assessment, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")

    submitted = services.submit_assessment(assessment, rssi)

    assert submitted.overall_score == 5
    assert (submitted.level_code, submitted.level_label) == ("debutant", "Kit débutant")
    assert [m["measure"] for m in submitted.results["measures"]] == ["utilisateurs-privilegies"]


def test_builtin_grids_keep_counts_and_licences(grids):
    mac, hygiene = grids[MAC], grids[HYGIENE]

    assert (mac.sections.count(), mac.questions.count()) == (7, 53)
    assert mac.questions.filter(revealed_by__isnull=False).count() == 8
    assert mac.measures.count() == 43
    assert "Apache" in mac.licence and "ANSSI" in mac.attribution
    measure_numbers = {code.split("-")[1] for code in hygiene.questions.values_list("code", flat=True)}
    assert len(measure_numbers) == 42  # 42 measures, some with a reinforced level ("renforcé")
    assert hygiene.questions.count() == 61
    assert hygiene.licence == "Licence Ouverte/Open Licence (Etalab - V1)"
    assert set(hygiene.questions.first().options.values_list("label", flat=True)) == {
        "Mise en œuvre",
        "Partiellement mise en œuvre",
        "Non mise en œuvre",
        "Non applicable",
    }


def test_loading_the_same_file_twice_changes_nothing(grids):
    result = load_grid_path(EXERCISE_FILE)

    assert not result.created
    assert Grid.objects.filter(slug=EXERCISE).count() == 1


def test_a_new_version_creates_a_grid_and_old_assessments_keep_theirs(grids, establishment, rssi):
    old = services.start_assessment(establishment, grids[EXERCISE], rssi)
    data = parse_grid_text(EXERCISE_FILE.read_text())
    data["version"] = "2"
    data["sections"][1]["questions"][0]["text"] = "Question reformulée dans la version 2"

    new_grid = load_grid_data(data).grid

    old.refresh_from_db()
    assert old.grid == grids[EXERCISE] and old.grid.version == "2023-illustrative-1"
    assert old.grid.questions.filter(text__startswith="Comment les utilisateurs").exists()
    assert new_grid.is_current and not Grid.objects.get(pk=old.grid_id).is_current
    assert services.start_assessment(establishment, new_grid, rssi).grid.version == "2"
    with pytest.raises(services.AssessmentError):
        services.start_assessment(establishment, old.grid, rssi)


def test_changing_a_used_version_in_place_is_refused(grids, establishment, rssi):
    services.start_assessment(establishment, grids[EXERCISE], rssi)
    data = parse_grid_text(EXERCISE_FILE.read_text())
    data["title"] = "Autre titre"

    with pytest.raises(GridFileError, match="augmentez le numéro de version"):
        load_grid_data(data)


VALID = """\
format: crrc-grid/1
slug: essai
version: "1"
title: Essai
licence: CC-BY-4.0
attribution: CRRC
levels:
- {code: bas, label: Bas, max: 5, max_inclusive: false}
- {code: haut, label: Haut, min: 5}
sections:
- code: s1
  title: Thème
  questions:
  - code: q1
    text: Question ?
    options:
    - {code: q1-oui, label: Oui, points: 10}
    - {code: q1-non, label: Non, points: 0}
"""


def test_a_valid_small_grid_loads():
    grid = load_grid_data(parse_grid_text(VALID)).grid

    assert grid.questions.get().options.count() == 2


@pytest.mark.parametrize(
    ("broken", "line", "reason"),
    [
        (VALID.replace("points: 10", "points: beaucoup"), 17, "« points » doit être un nombre"),
        (VALID.replace("    - {code: q1-non", "    - {code: q1-oui"), 18, "code de réponse « q1-oui » en double"),
        (VALID.replace("  - code: q1\n", "  - code: q1\n    poids: 2\n"), 15, "clé inconnue « poids »"),
        (VALID.replace("min: 5}", "min: 4}"), 9, "se chevauchent"),
        (VALID.replace("    text: Question ?\n", ""), 14, "« text » est obligatoire"),
        (VALID.replace("title: Thème", "title: Thème: deux points"), 12, "YAML illisible"),
        (
            VALID.replace("points: 0}", "points: 0, sets: [{question: q9, option: x}]}"),
            18,
            "la question « q9 » n'existe pas",
        ),
    ],
)
def test_bad_grid_files_are_refused_with_line_and_reason(broken, line, reason):
    with pytest.raises(GridFileError) as excinfo:
        parse_grid_text(broken, "essai.yaml")

    messages = [str(error) for error in excinfo.value.errors]
    assert any(m.startswith(f"ligne {line} : ") and reason in m for m in messages), messages


def test_load_grid_command_refuses_a_bad_file_and_writes_nothing(tmp_path):
    path = tmp_path / "grille.yaml"
    path.write_text(VALID.replace("points: 10", "points: dix"), encoding="utf-8")

    with pytest.raises(CommandError, match=r"ligne 17 : réponse « q1-oui » : « points » doit être un nombre"):
        call_command("load_grid", str(path))
    assert not Grid.objects.filter(slug="essai").exists()


def test_load_grid_builtin_twice_changes_nothing(grids):
    """Deploying twice (or after the tests' fixture loaded them) must not trip ``grid_one_current_version``."""
    before = set(Grid.objects.values_list("pk", "slug", "version", "is_current"))
    out = StringIO()
    call_command("load_grid", "--builtin", stdout=out)
    call_command("load_grid", "--builtin", stdout=out)

    assert set(Grid.objects.values_list("pk", "slug", "version", "is_current")) == before
    assert out.getvalue().count("déjà chargée, inchangée") == 6
