"""iCalendar (RFC 5545) invitations written with the standard library: one VEVENT, Europe/Paris time.

Why not a library: none is installed, and what the portal sends is one event per message (a crisis exercise, a
community event), which needs a few dozen lines done carefully rather than a dependency:

* lines end with CRLF and are folded at 75 octets (never inside a UTF-8 sequence), continuation lines start with
  a space;
* TEXT values escape backslash, semicolon, comma and newlines; parameter values (CN) are quoted and lose the
  characters a quoted parameter cannot hold;
* times are local to Europe/Paris with ``TZID`` and the matching ``VTIMEZONE`` (CET/CEST, EU rules since 1996),
  so calendar clients show the right hour whatever the summer time; ``DTSTAMP`` is UTC as required;
* ``UID`` is stable per object and ``SEQUENCE`` grows on every change of date, so clients update the event they
  already have instead of adding a second one; ``METHOD:CANCEL`` cancels it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

TZID = "Europe/Paris"
PARIS = ZoneInfo(TZID)
PRODID = "-//CRRC//Portail CRRC//FR"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")

# Europe/Paris since 1996: summer time from the last Sunday of March 02:00 to the last Sunday of October 03:00.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def quote_param(value: str) -> str:
    """A quoted parameter value: DQUOTE and control characters cannot appear in it, so they are dropped."""
    cleaned = "".join(ch for ch in (value or "") if ch != '"' and (ch == "\t" or ord(ch) >= 0x20))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """Fold one content line at 75 octets, without cutting a UTF-8 multi-byte character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current = " "
            size = 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def local_stamp(moment: datetime) -> str:
    """A floating local time in Europe/Paris (for ``;TZID=``). Naive datetimes are taken as Paris time."""
    local = moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)
    return local.strftime("%Y%m%dT%H%M%S")


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _mailto(email: str) -> str:
    return f"mailto:{(email or '').strip()}"


def build_event(
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    location: str,
    organizer_email: str,
    attendees: Iterable[tuple[str, str]],
    method: str = "REQUEST",
    *,
    organizer_name: str = "",
    stamp: datetime | None = None,
) -> str:
    """One VCALENDAR with one VEVENT, as a string with CRLF line endings (attach as ``text/calendar``)."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"Unknown iTIP method: {method}")
    if end <= start:
        raise ValueError("The event must end after it starts.")
    if sequence < 0:
        raise ValueError("SEQUENCE is a non-negative integer.")
    stamp = stamp or datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{int(sequence)}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART;TZID={TZID}:{local_stamp(start)}",
        f"DTEND;TZID={TZID}:{local_stamp(end)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    organizer = "ORGANIZER"
    if organizer_name:
        organizer += f";CN={quote_param(organizer_name)}"
    lines.append(f"{organizer}:{_mailto(organizer_email)}")
    seen: set[str] = set()
    for name, email in attendees:
        key = (email or "").strip().lower()
        if not key or key in seen:
            continue
        seen.add(key)
        params = f";CN={quote_param(name or email)}" if (name or email) else ""
        lines.append(f"ATTENDEE{params};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{_mailto(email)}")
    lines.append("STATUS:CANCELLED" if method == "CANCEL" else "STATUS:CONFIRMED")
    lines.append("TRANSP:OPAQUE")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def unfold(text: str) -> list[str]:
    """Content lines of an iCalendar text, unfolded (for tests and for reading back what was sent)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]
