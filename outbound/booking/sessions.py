"""Locations, their resources, and sessions of appointments with their slots.

A session is kept on the London wall clock ("Monday 09:00 to 12:30, 15-minute slots")
because that is how offices open; each slot is stored as the UTC instants it names, so
a slot is right on the days the clocks change:

* on the night the clocks go forward (29 March 2026) a wall time in the skipped hour
  (01:00 to 01:59) does not exist, and no slot is made for it;
* on the night they go back (25 October 2026) a wall time from 01:00 to 01:59 happens
  twice, and the slot takes the first occurrence (still British Summer Time); the
  repeated hour has no slots of its own.

A slot lasts its length in real minutes from its start. Offices are not open at one in
the morning, so in practice both rules only keep night-time test sessions honest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from outbound.booking.errors import BookingError
from outbound.booking.lookup import find_location, find_resource
from outbound.booking.services import service_rules
from outbound.booking.wording import uk_date
from outbound.campaigns.parsing import DAY_NAMES, parse_days
from outbound.clock import LONDON, utcnow
from outbound.db.booking_models import BookingSession, Location, Resource, Slot
from outbound.db.database import Database
from outbound.holidays import bank_holiday_name, covered_years
from outbound.phones import format_for_display, parse_phone

LOCATION_KINDS = ("clinic", "register_office", "office", "library", "hub")
RESOURCE_KINDS = ("officer", "vaccinator", "room", "registrar", "advisor")
MAX_RANGE_DAYS = 366
MAX_CAPACITY = 200


@dataclass(frozen=True, slots=True)
class LocationInfo:
    """A location as lists and confirmations show it."""

    id: int
    name: str
    kind: str
    address: str | None
    postcode: str | None
    phone: str | None
    resources: tuple[str, ...]


@dataclass(slots=True)
class SessionsAdded:
    """What adding sessions over a range did, and which days it left out and why."""

    sessions: int = 0
    slots: int = 0
    skipped: list[tuple[date, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_weekdays(text: str) -> frozenset[int]:
    """"mon-fri", "mon,wed,fri", "weekdays" or "every day" -> weekday numbers."""
    cleaned = text.strip().lower()
    grouped = parse_days(cleaned)
    if grouped:
        return grouped
    days: set[int] = set()
    for part in (p.strip() for p in cleaned.split(",")):
        first, sep, last = (w.strip() for w in part.partition("-"))
        a, b = _day_number(first), _day_number(last)
        if a is None or (sep and b is None):
            raise BookingError(f"“{text}” is not a list of days: write e.g. mon-fri or "
                               f"mon,wed,fri.")
        if b is None:
            days.add(a)
        elif b < a:
            raise BookingError(f"“{part}” runs backwards: write the days Monday first, "
                               f"e.g. mon-fri.")
        else:
            days.update(range(a, b + 1))
    return frozenset(days)


def _day_number(word: str) -> int | None:
    """"mon", "monday", "tues", "thurs" -> 0..6; None for anything else."""
    for index, name in enumerate(DAY_NAMES):
        lowered = name.lower()
        if len(word) >= 3 and lowered.startswith(word):
            return index
    return None


def parse_clock_time(text: str) -> time:
    """"09:00" or "9.30" -> a time of day, or BookingError."""
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    raise BookingError(f"“{text}” is not a time of day like 09:00.")


def slot_times(day: date, start: time, end: time, slot_minutes: int
               ) -> list[tuple[datetime, datetime]]:
    """The (start, end) instants, in UTC, of a session's slots; see the module docstring."""
    step = timedelta(minutes=slot_minutes)
    wall = datetime.combine(day, start)
    last = datetime.combine(day, end)
    times: list[tuple[datetime, datetime]] = []
    while wall + step <= last:
        instant = wall.replace(tzinfo=LONDON, fold=0).astimezone(UTC)
        if instant.astimezone(LONDON).replace(tzinfo=None) == wall:  # it exists
            times.append((instant, instant + step))
        wall += step
    return times


def _check_phone(phone: str | None) -> str | None:
    if phone is None or not phone.strip():
        return None
    parsed = parse_phone(phone)
    if not parsed.usable or parsed.e164 is None:
        raise BookingError(f"“{phone}” is not a phone number we can give to callers: "
                           f"{parsed.problem}.")
    return parsed.e164


def add_location(db: Database, name: str, *, kind: str = "clinic", address: str | None = None,
                 postcode: str | None = None, phone: str | None = None,
                 directions: str | None = None, resources: Iterable[str] = (),
                 resource_kind: str = "officer") -> int:
    """A new clinic or register office (with its officers or rooms); returns its id."""
    name = name.strip()
    if not name:
        raise BookingError("A location needs a name.")
    if kind not in LOCATION_KINDS:
        raise BookingError(f"“{kind}” is not a kind of location; use "
                           f"{', '.join(LOCATION_KINDS)}.")
    e164 = _check_phone(phone)
    names = [r.strip() for r in resources if r.strip()]
    if resource_kind not in RESOURCE_KINDS:
        raise BookingError(f"“{resource_kind}” is not a kind of resource; use "
                           f"{', '.join(RESOURCE_KINDS)}.")

    def work(session: Session) -> int:
        if session.scalar(select(Location.id).where(Location.name == name)) is not None:
            raise BookingError(f"There is already a location called “{name}”.")
        location = Location(name=name, kind=kind, address=address, postcode=postcode,
                            phone=e164, directions=directions, active=True)
        session.add(location)
        session.flush()
        for resource in dict.fromkeys(names):
            session.add(Resource(location_id=location.id, name=resource, kind=resource_kind,
                                 active=True))
        return location.id

    return db.run_write(work)


def add_resource(db: Database, location: str | int, name: str, kind: str = "officer") -> int:
    """An officer, vaccinator or room at a location; returns its id."""
    name = name.strip()
    if not name:
        raise BookingError("An officer, vaccinator or room needs a name.")
    if kind not in RESOURCE_KINDS:
        raise BookingError(f"“{kind}” is not a kind of resource; use "
                           f"{', '.join(RESOURCE_KINDS)}.")

    def work(session: Session) -> int:
        place = find_location(session, location)
        taken = session.scalar(select(Resource.id).where(Resource.location_id == place.id,
                                                         Resource.name == name))
        if taken is not None:
            raise BookingError(f"{place.name} already has “{name}”.")
        resource = Resource(location_id=place.id, name=name, kind=kind, active=True)
        session.add(resource)
        session.flush()
        return resource.id

    return db.run_write(work)


def list_locations(db: Database, *, include_closed: bool = False,
                   service: str | None = None) -> list[LocationInfo]:
    """Every location, by name, with its resources' names; with ``service``, only the
    kinds of place that hold it (no clinic is offered for a registrar's service)."""
    with db.read() as session:
        stmt = select(Location).order_by(Location.name)
        if service is not None:
            kinds = service_rules(service).location_kinds
            if kinds:
                stmt = stmt.where(Location.kind.in_(kinds))
        if not include_closed:
            stmt = stmt.where(Location.active.is_(True))
        places = list(session.scalars(stmt))
        names: dict[int, list[str]] = {}
        for loc_id, res_name in session.execute(
                select(Resource.location_id, Resource.name)
                .where(Resource.active.is_(True)).order_by(Resource.name)):
            names.setdefault(loc_id, []).append(res_name)
    return [LocationInfo(p.id, p.name, p.kind, p.address, p.postcode,
                         format_for_display(p.phone) if p.phone else None,
                         tuple(names.get(p.id, ()))) for p in places]


def add_session(db: Database, location: str | int, service: str, day: date, start: time,
                end: time, slot_minutes: int, *, capacity: int = 1,
                resource: str | int | None = None, now: datetime | None = None
                ) -> SessionsAdded:
    """One session on one day, bank holiday or not (the caller chose the day)."""
    return add_sessions(db, location, service, day, day, days=frozenset(range(7)),
                        start=start, end=end, slot_minutes=slot_minutes, capacity=capacity,
                        resource=resource, open_on_bank_holidays=True, now=now)


def _check_session_shape(service: str, first: date, last: date, days: frozenset[int],
                         start: time, end: time, slot_minutes: int, capacity: int) -> None:
    if not service.strip():
        raise BookingError("Say which service the session is for.")
    if last < first:
        raise BookingError(f"The dates run the wrong way round: {uk_date(first)} is after "
                           f"{uk_date(last)}.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise BookingError("Add sessions for at most a year at a time.")
    if not days:
        raise BookingError("Choose at least one day of the week.")
    if end <= start:
        raise BookingError(f"The session ends before it starts ({start:%H:%M} to "
                           f"{end:%H:%M}).")
    if not 1 <= slot_minutes <= 480:
        raise BookingError("A slot must be between 1 and 480 minutes long.")
    length = (datetime.combine(first, end) - datetime.combine(first, start))
    if length < timedelta(minutes=slot_minutes):
        raise BookingError(f"A {slot_minutes}-minute slot does not fit between "
                           f"{start:%H:%M} and {end:%H:%M}.")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise BookingError(f"Places per slot must be between 1 and {MAX_CAPACITY}.")


def _clash(session: Session, place: Location, resource: Resource | None, service: str,
           day: date, start: time, end: time) -> BookingSession | None:
    """A session that would double-book the same officer (or the same service at a
    location with no officers named) on this day."""
    stmt = select(BookingSession).where(
        BookingSession.location_id == place.id, BookingSession.day == day,
        BookingSession.start_time < end, BookingSession.end_time > start)
    if resource is not None:
        stmt = stmt.where(BookingSession.resource_id == resource.id)
    else:
        stmt = stmt.where(BookingSession.resource_id.is_(None),
                          BookingSession.service == service)
    return session.scalars(stmt.limit(1)).first()


def add_sessions(db: Database, location: str | int, service: str, first: date, last: date, *,
                 days: frozenset[int] | str, start: time, end: time, slot_minutes: int,
                 capacity: int = 1, resource: str | int | None = None,
                 open_on_bank_holidays: bool = False, closed_days: Iterable[date] = (),
                 now: datetime | None = None) -> SessionsAdded:
    """Sessions on the chosen weekdays from ``first`` to ``last``, with their slots.

    Bank holidays (England and Wales) and ``closed_days`` are left out unless
    ``open_on_bank_holidays`` is set. All or nothing: a session that would overlap one
    already there for the same officer refuses the whole request.
    """
    weekdays = parse_weekdays(days) if isinstance(days, str) else days
    service = service.strip()
    _check_session_shape(service, first, last, weekdays, start, end, slot_minutes, capacity)
    closed = set(closed_days)
    moment = now or utcnow()

    def work(session: Session) -> SessionsAdded:
        place = find_location(session, location)
        if not place.active:
            raise BookingError(f"{place.name} is closed; open it again before adding "
                               f"sessions.")
        rules = service_rules(service)
        if not rules.held_at(place.kind):
            raise BookingError(rules.wrong_place(place.name, place.kind) + " Nothing was "
                               "added.")
        chosen = find_resource(session, place, resource) if resource is not None else None
        result = SessionsAdded()
        slot_rows: list[dict[str, object]] = []
        day = first
        while day <= last:
            holiday = bank_holiday_name(day)
            if day.weekday() not in weekdays:
                pass
            elif holiday and not open_on_bank_holidays:
                result.skipped.append((day, holiday))
            elif day in closed:
                result.skipped.append((day, "closed"))
            else:
                clash = _clash(session, place, chosen, service, day, start, end)
                if clash is not None:
                    who = chosen.name if chosen else place.name
                    raise BookingError(
                        f"{who} already has a session on {uk_date(day)} from "
                        f"{clash.start_time:%H:%M} to {clash.end_time:%H:%M}; nothing was "
                        f"added.")
                booking_session = BookingSession(
                    location_id=place.id, resource_id=chosen.id if chosen else None,
                    service=service, day=day, start_time=start, end_time=end,
                    slot_minutes=slot_minutes, capacity=capacity, created_at=moment)
                session.add(booking_session)
                session.flush()
                result.sessions += 1
                for starts_at, ends_at in slot_times(day, start, end, slot_minutes):
                    slot_rows.append({
                        "session_id": booking_session.id, "location_id": place.id,
                        "resource_id": booking_session.resource_id, "service": service,
                        "starts_at": starts_at, "ends_at": ends_at, "capacity": capacity,
                        "booked": 0, "closed": False})
            day += timedelta(days=1)
        if slot_rows:
            session.execute(insert(Slot), slot_rows)
        result.slots = len(slot_rows)
        known_until = covered_years()[1]
        if not open_on_bank_holidays and last.year > known_until:
            result.warnings.append(f"Bank holidays after {known_until} are not known yet: "
                                   f"check those days and close any that fall on one.")
        return result

    return db.run_write(work)
