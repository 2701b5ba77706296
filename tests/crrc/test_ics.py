"""The iCalendar builder: RFC 5545 line endings, folding, escaping, time zone, attendees, updates."""

from datetime import UTC, datetime

import pytest

from crrc import ics


def _event(**kwargs):
    values = {
        "uid": "exercise-12@crrc.example",
        "sequence": 0,
        "start": datetime(2027, 7, 1, 7, 30, tzinfo=UTC),  # 09:30 in Paris (summer time)
        "end": datetime(2027, 7, 1, 10, 30, tzinfo=UTC),
        "summary": "Exercice de crise cyber ; rançongiciel, niveau débutant",
        "description": "Ligne 1\nLigne 2",
        "location": "Salle de crise, bâtiment A",
        "organizer_email": "crrc@example.org",
        "attendees": [("Marie Dupont", "marie@example.org"), ('Jean "JJ" Martin', "jean@example.org")],
    }
    values.update(kwargs)
    return ics.build_event(**values)


def test_crlf_and_fold_at_75_octets():
    text = _event(description="é" * 200)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    lines = ics.unfold(text)
    assert "DESCRIPTION:" + "é" * 200 in lines


def test_times_are_paris_local_with_vtimezone():
    lines = ics.unfold(_event())
    assert "DTSTART;TZID=Europe/Paris:20270701T093000" in lines
    assert "DTEND;TZID=Europe/Paris:20270701T123000" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Paris" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    winter = ics.unfold(_event(start=datetime(2027, 1, 15, 8, 0, tzinfo=UTC), end=datetime(2027, 1, 15, 9, tzinfo=UTC)))
    assert "DTSTART;TZID=Europe/Paris:20270115T090000" in winter


def test_escaping_attendees_method_and_sequence():
    lines = ics.unfold(_event(sequence=3))
    assert "METHOD:REQUEST" in lines
    assert "SEQUENCE:3" in lines
    assert "UID:exercise-12@crrc.example" in lines
    assert "SUMMARY:Exercice de crise cyber \\; rançongiciel\\, niveau débutant" in lines
    assert "DESCRIPTION:Ligne 1\\nLigne 2" in lines
    attendees = [line for line in lines if line.startswith("ATTENDEE")]
    assert attendees == [
        'ATTENDEE;CN="Marie Dupont";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:marie@example.org',
        'ATTENDEE;CN="Jean JJ Martin";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:jean@example.org',
    ]
    cancel = ics.unfold(_event(method="CANCEL"))
    assert "METHOD:CANCEL" in cancel and "STATUS:CANCELLED" in cancel


def test_refuses_bad_input():
    with pytest.raises(ValueError):
        _event(method="SPAM")
    with pytest.raises(ValueError):
        _event(end=datetime(2027, 7, 1, 7, 0, tzinfo=UTC))
