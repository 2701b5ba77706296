import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from exercises.models import RetexTemplate, Scenario
from exercises.offsets import format_offset, parse_offset


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("J+0 H+0:15", 900),
        ("H+1", 3600),
        ("M+30", 1800),
        ("D+1", 86400),
        ("T+2", 120),
        ("T+1:10", 4200),
        ("J+1 H+2:05", 86400 + 7500),
        ("0:45", 2700),
        ("h+0:05", 300),
    ],
)
def test_parse_kit_notation(text, seconds):
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["", "H-1", "demain", "H+1:75", "M+5:00", "J+9"])
def test_bad_offsets_have_french_messages(text):
    with pytest.raises(ValidationError) as error:
        parse_offset(text)
    message = error.value.messages[0]
    assert any(word in message for word in ("Décalage", "décalage")), message


def test_negative_offset_message():
    with pytest.raises(ValidationError, match="négatif"):
        parse_offset("H-0:10")


def test_format_round_trips():
    for seconds in (0, 900, 3600, 86400 + 300):
        assert parse_offset(format_offset(seconds)) == seconds
    assert format_offset(900) == "J+0 H+0:15"


def test_loader_loads_catalogue_once(db):
    call_command("load_exercise_scenarios", verbosity=0)
    assert Scenario.objects.count() == 4
    ransomware = Scenario.objects.get(slug="rancongiciel")
    assert ransomware.is_illustrative and ransomware.objectives
    assert ransomware.stimuli.count() == 8
    assert RetexTemplate.objects.get(is_default=True).questions.count() == 8
    call_command("load_exercise_scenarios", verbosity=0)
    assert Scenario.objects.count() == 4
    assert ransomware.stimuli.count() == 8


def test_loader_refuses_a_broken_file_and_writes_nothing(db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "slug: casse\ntitle: Cassé\nstimuli:\n"
        "  - {offset: 'H+0', channel: phone, sender: A, content: B}\n"
        "  - {offset: 'H+0', channel: pigeon, sender: A, content: B}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="même décalage"):
        call_command("load_exercise_scenarios", str(bad), verbosity=0)
    assert not Scenario.objects.filter(slug="casse").exists()
