"""A meeting as an iCalendar file (RFC 5545), for any calendar application."""

from datetime import UTC

from django.utils import timezone

from meetings.models import Meeting


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _param(text: str) -> str:
    """A parameter value is quoted and cannot contain a double quote or a line break."""
    return '"' + text.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting: Meeting, *, url: str, attendees) -> str:
    """The calendar file for `meeting`; `url` is its absolute page address."""
    description = f"{meeting.get_kind_display()} meeting for “{meeting.definition.name}”.\n{url}"
    if meeting.call_link:
        description += f"\nCall: {meeting.call_link}"
    location = meeting.place or meeting.call_link
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Accord//Alignment meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@accord",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.ends_at)}",
        f"SUMMARY:{_escape(meeting.title)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{url}",
        f"ORGANIZER;CN={_param(meeting.facilitator.full_name)}:mailto:{meeting.facilitator.email}",
        "STATUS:CONFIRMED",
    ]
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    for person in attendees:
        lines.append(f"ATTENDEE;CN={_param(person.full_name)}:mailto:{person.email}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
