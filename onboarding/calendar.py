"""The checklist's deadlines and appointments as an iCalendar file (RFC 5545).

Written by hand, it is short: CRLF line ends, lines folded at 75 octets without splitting
a UTF-8 character, TEXT values escaped, all-day events for deadlines and UTC times for
appointments (so no VTIMEZONE is needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from onboarding import services
from onboarding.models import MessageKind
from portal import clock
from portal.i18n import _

PRODID = "-//Flemish government//Single Permit Portal//EN"


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    description: str = ""
    day: date | None = None  # an all-day event
    start: datetime | None = None  # or a moment (aware)
    minutes: int = 60
    location: str = ""


def escape(text: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon, comma and newline are escaped in TEXT."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """RFC 5545 3.1: lines of at most 75 octets; continuation lines start with a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > limit:
            parts.append(current.decode())
            current, limit = b"", 74  # the leading space counts
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _later(start, delta: timedelta):
    """`start + delta`, or None past the end of the calendar (year 9999)."""
    try:
        return start + delta
    except OverflowError:
        return None


def local_moment(day: date, at) -> datetime:
    """A date and a wall-clock time in Brussels, as an aware moment."""
    return datetime.combine(day, at, tzinfo=clock.BRUSSELS)


def render(events: list[Event], *, name: str, base_url: str, now: datetime) -> str:
    host = urlsplit(base_url).hostname or "portal.example"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for event in events:
        lines += _event(event, host, now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(event: Event, host: str, now: datetime) -> list[str]:
    """The lines of one VEVENT; none for a moment that cannot be written in UTC."""
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}@{host}", f"DTSTAMP:{_utc(now)}"]
    if event.day is not None:
        lines.append(f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}")
        end = _later(event.day, timedelta(days=1))
        if end is not None:  # without DTEND, an all-day event lasts its day (3.6.1)
            lines.append(f"DTEND;VALUE=DATE:{end:%Y%m%d}")
        lines.append("TRANSP:TRANSPARENT")
    else:
        try:
            lines.append(f"DTSTART:{_utc(event.start)}")
        except OverflowError:  # a moment on the calendar's edge (year 1 or 9999)
            return []
        end = _later(event.start, timedelta(minutes=event.minutes))
        if end is not None and end.year < 9999:  # DTEND in UTC cannot overflow then
            lines.append(f"DTEND:{_utc(end)}")
    lines.append(f"SUMMARY:{escape(event.summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    lines.append("END:VEVENT")
    return lines


def checklist_calendar(actor, *, base_url: str, now: datetime | None = None) -> str:
    """The talent's dated items and proposed appointments, in the reader's language."""
    checklist = services.checklist(actor)
    profile = checklist.profile
    events = [
        Event(
            uid=f"welcome-{profile.id}-{entry.item.code}",
            summary=entry.item.title,
            description=f"{entry.item.why}\n\n{entry.item.how}",
            day=entry.item.due_on,
        )
        for entry in checklist.dated
        if not entry.done
    ]
    for entry in checklist.entries:
        if entry.referral is None:
            continue
        for message in entry.referral.messages:
            if (
                message.kind == MessageKind.APPOINTMENT
                and message.appointment_on
                and message.appointment_time
            ):
                events.append(
                    Event(
                        uid=f"referral-{entry.referral.id}-{message.id}",
                        summary=_("Appointment: %(service)s", service=entry.referral.partner.name),
                        description=f"{entry.item.title}\n\n{message.body or ''}".strip(),
                        start=local_moment(message.appointment_on, message.appointment_time),
                        location=message.place or "",
                    )
                )
    return render(events, name=_("My welcome checklist"), base_url=base_url, now=now or clock.now())
