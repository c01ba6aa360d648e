"""Confirmations: a calendar file and words an agent can read out or paste into a letter.

The calendar file has one event per part, with the times on the London clock (TZID
Europe/London, its VTIMEZONE included) so that a calendar shows the right time on
either side of a clock change, and a UID made from the booking reference, so that
sending it again after a change updates the event rather than adding another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import icalendar

from outbound.booking.appointments import Appointment, get_appointments, rules_of
from outbound.booking.lookup import find_booking
from outbound.booking.wording import uk_when
from outbound.clock import to_london, utcnow
from outbound.db.database import Database
from outbound.files import write_atomically

PRODUCT_ID = "-//Pendleshire County Council//Outbound//EN"
UID_DOMAIN = "bookings.outbound.invalid"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A booking's confirmation in both forms, with the appointments it covers."""

    appointments: tuple[Appointment, ...]
    text: str
    ics: bytes


def by_telephone(appointment: Appointment) -> bool:
    """A telephone appointment: the person is rung, they do not come in."""
    return "telephone" in appointment.service.lower()


def _where(appointment: Appointment) -> str:
    parts = [appointment.location, appointment.address, appointment.postcode]
    return ", ".join(p for p in parts if p)


def _part_lines(appointment: Appointment) -> list[str]:
    lines = [f"{appointment.service}: {uk_when(appointment.starts_at)} "
             f"({appointment.minutes} minutes), reference {appointment.reference}."]
    if appointment.status != "booked":
        lines.append(f"This appointment is {appointment.status.replace('_', ' ')}.")
    if by_telephone(appointment):
        lines.append("We will ring you at this time on the number we have for you; please "
                     "keep the line free.")
    else:
        lines.append(f"Where: {_where(appointment)}.")
        if appointment.directions:
            lines.append(f"Getting there: {appointment.directions}")
    if appointment.resource:
        lines.append(f"With: {appointment.resource}.")
    return lines


def confirmation_text(appointments: Sequence[Appointment],
                      rules: Mapping[str, Any] | None = None) -> str:
    """Plain words for a call, a letter or an email, one paragraph per part."""
    if not appointments:
        return ""
    paragraphs = [f"Dear {appointments[0].contact_name},",
                  "Your appointment is booked." if len(appointments) == 1
                  else f"Your {len(appointments)} appointments are booked."]
    paragraphs += ["\n".join(_part_lines(a)) for a in appointments]
    advice = (rules or {}).get("confirmation")
    if advice:
        paragraphs.append(str(advice).strip())
    paragraphs += _change_lines(appointments)
    return "\n\n".join(paragraphs) + "\n"


def _change_lines(appointments: Sequence[Appointment]) -> list[str]:
    """Whom to call to change or cancel: each office's own number when the parts are
    at different offices (a registration's telephone part and its signing)."""
    offices: dict[str, list[str]] = {}
    for appointment in appointments:
        if appointment.phone:
            places = offices.setdefault(appointment.phone, [])
            if appointment.location not in places:
                places.append(appointment.location)
    if not offices:
        return []
    if len(offices) == 1:
        return [f"To change or cancel, call {next(iter(offices))} and quote your reference."]
    each = "; ".join(f"{' or '.join(places)}: {phone}" for phone, places in offices.items())
    return [f"To change or cancel, call the office of that appointment and quote its "
            f"reference ({each})."]


def confirmation_ics(appointments: Sequence[Appointment], *,
                     rules: Mapping[str, Any] | None = None,
                     now: datetime | None = None) -> bytes:
    """An iCalendar file (RFC 5545) with one event per part."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    stamp = now or utcnow()
    advice = str((rules or {}).get("confirmation") or "").strip()
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", f"{appointment.reference}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", to_london(appointment.starts_at))
        event.add("dtend", to_london(appointment.ends_at))
        event.add("summary", f"{appointment.service} ({appointment.reference})")
        where = _where(appointment)
        event.add("location", f"By telephone ({appointment.location})"
                  if by_telephone(appointment) else where)
        description = "\n".join([*_part_lines(appointment), *([advice] if advice else [])])
        event.add("description", description)
        event.add("status", "CONFIRMED" if appointment.status == "booked" else "CANCELLED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    for zone in calendar.walk("VTIMEZONE"):     # icalendar's note of the years it
        zone.pop("COMMENT", None)               # covers, which nobody should read
    return calendar.to_ical()


def confirmation(db: Database, booking: int | str, *,
                 now: datetime | None = None) -> Confirmation:
    """The confirmation of a booking and the other part of its registration, if any."""
    appointments = tuple(get_appointments(db, booking))
    with db.read() as session:
        rules = rules_of(session, find_booking(session, booking))
    return Confirmation(appointments, confirmation_text(appointments, rules),
                        confirmation_ics(appointments, rules=rules, now=now))


def write_ics(path: str | Path, ics: bytes) -> Path:
    """Save a calendar file whole or not at all."""
    with write_atomically(path, "wb") as handle:
        handle.write(ics)
    return Path(path)
