"""Counting free places: capacity, less places booked, less live holds by others.

A hold lapses by itself: every count here ignores a hold whose ``expires_at`` has
passed, so no background job is needed to tidy them away. An agent's own hold, and
any hold for the same person (a waiting-list offer), never stand in their way; see
``mine``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from outbound.booking.errors import BookingError
from outbound.booking.lookup import find_location, find_resource
from outbound.booking.services import service_rules
from outbound.booking.wording import uk_when
from outbound.clock import local_instant, london_day, utcnow
from outbound.db.booking_models import Location, Resource, Slot, SlotHold
from outbound.db.database import Database
from outbound.users import user_id

SEARCH_WEEKS = 26


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A place that can be offered: one slot, or a run of slots for a long appointment."""

    slot_id: int
    slot_ids: tuple[int, ...]
    location_id: int
    location: str
    resource_id: int | None
    resource: str | None
    service: str
    starts_at: datetime
    ends_at: datetime
    free: int

    def describe(self) -> str:
        who = f" with {self.resource}" if self.resource else ""
        return f"{uk_when(self.starts_at)}, {self.location}{who}"


@dataclass(frozen=True, slots=True)
class DayAvailability:
    """One day of a calendar: free places out of all places, and the first free time."""

    day: date
    free: int
    places: int
    first_free: datetime | None


def mine(agent_id: int | None, contact_id: int | None) -> ColumnElement[bool] | None:
    """Holds that do not stand in the way: the agent's own holds for nobody in
    particular, and any hold for this same person (such as a waiting-list offer).

    A hold an agent placed for someone else (an offer made when they cancelled a
    booking) is not theirs to give away, so it counts against them like anyone's.
    """
    terms: list[ColumnElement[bool]] = []
    if agent_id is not None:
        terms.append(and_(SlotHold.agent_id == agent_id, SlotHold.contact_id.is_(None)))
    if contact_id is not None:
        terms.append(SlotHold.contact_id == contact_id)
    return or_(*terms) if terms else None


def others_holding(slot_id: ColumnElement[int] | int, now: datetime,
                   agent_id: int | None = None,
                   contact_id: int | None = None) -> ColumnElement[int]:
    """How many live holds others have on a slot, as a correlated scalar subquery."""
    stmt = select(func.count(SlotHold.id)).where(SlotHold.slot_id == slot_id,
                                                 SlotHold.expires_at > now)
    own = mine(agent_id, contact_id)
    if own is not None:
        stmt = stmt.where(~own)
    return stmt.scalar_subquery()


def free_places(now: datetime, agent_id: int | None = None,
                contact_id: int | None = None) -> ColumnElement[int]:
    """The free places of ``Slot`` rows in a query, as an SQL expression."""
    return Slot.capacity - Slot.booked - others_holding(Slot.id, now, agent_id, contact_id)


def slots_needed(minutes: int | None, slot_minutes: int) -> int:
    """How many slots in a row an appointment of ``minutes`` takes."""
    if not minutes or minutes <= slot_minutes:
        return 1
    return math.ceil(minutes / slot_minutes)


def _minutes(slot: Slot) -> int:
    return int((slot.ends_at - slot.starts_at).total_seconds() // 60)


def slot_run(session: Session, slot_id: int, minutes: int | None, now: datetime) -> list[Slot]:
    """The slot and those after it that an appointment of ``minutes`` takes.

    Refuses a slot that is closed (or at a closed location, or with an officer or room
    no longer in use), has passed, or has no room after it for a long appointment (the
    run must be consecutive slots of one session).
    """
    first = session.get(Slot, slot_id)
    if first is None:
        raise BookingError(f"There is no slot {slot_id}.")
    if first.closed:
        raise BookingError(f"{uk_when(first.starts_at)} is closed for booking.")
    place = session.get(Location, first.location_id)
    if place is not None and not place.active:
        raise BookingError(f"{place.name} is closed for booking.")
    officer = session.get(Resource, first.resource_id) if first.resource_id else None
    if officer is not None and not officer.active:
        raise BookingError(f"{officer.name} is not taking appointments.")
    if first.starts_at <= now:
        raise BookingError(f"{uk_when(first.starts_at)} has already passed.")
    rules = service_rules(first.service)
    if place is not None and not rules.held_at(place.kind):
        raise BookingError(rules.wrong_place(place.name, place.kind))
    rules.check_start(first.starts_at, now)
    count = slots_needed(minutes, _minutes(first))
    if count == 1:
        return [first]
    run = list(session.scalars(
        select(Slot).where(Slot.session_id == first.session_id,
                           Slot.starts_at >= first.starts_at)
        .order_by(Slot.starts_at).limit(count)))
    consecutive = all(b.starts_at == a.ends_at for a, b in pairwise(run))
    if len(run) < count or not consecutive or any(s.closed for s in run):
        raise BookingError(f"A {minutes}-minute appointment does not fit at "
                           f"{uk_when(first.starts_at)}: choose an earlier time in the "
                           f"session.")
    return run


def _start_instant(from_: datetime | date | None, now: datetime) -> datetime:
    if from_ is None:
        return now
    if isinstance(from_, datetime):
        if from_.tzinfo is None:
            raise BookingError("Give the time to search from with its time zone.")
        return max(from_, now)
    return max(local_instant(from_, time(0, 0)), now)


def _base_query(session: Session, service: str, location: str | int | None,
                resource: str | int | None, now: datetime, agent_id: int | None,
                contact_id: int | None) -> Select[tuple[Slot, int, str, str | None]]:
    free = free_places(now, agent_id, contact_id).label("free")
    stmt = (select(Slot, free, Location.name, Resource.name)
            .join(Location, Location.id == Slot.location_id)
            .outerjoin(Resource, Resource.id == Slot.resource_id)
            .where(Slot.service == service, Slot.closed.is_(False),
                   Location.active.is_(True),
                   or_(Resource.id.is_(None), Resource.active.is_(True))))
    rules = service_rules(service)
    if rules.location_kinds:   # a service is offered only where it is held
        stmt = stmt.where(Location.kind.in_(rules.location_kinds))
    if location is not None:
        place = find_location(session, location)
        if not rules.held_at(place.kind):
            raise BookingError(rules.wrong_place(place.name, place.kind))
        stmt = stmt.where(Slot.location_id == place.id)
        if resource is not None:
            stmt = stmt.where(Slot.resource_id == find_resource(session, place, resource).id)
    elif resource is not None:
        raise BookingError("Say which location the officer, vaccinator or room is at.")
    return stmt


def find_free_slots(db: Database, service: str, *, location: str | int | None = None,
                    resource: str | int | None = None,
                    from_: datetime | date | None = None, minutes: int | None = None,
                    limit: int = 10, agent: str | int | None = None,
                    contact: int | None = None,
                    now: datetime | None = None) -> list[FreeSlot]:
    """The next free places for ``service``, soonest first (then by location name).

    An appointment longer than a slot is offered only where enough consecutive slots of
    one session (one officer, one room) are all free. ``agent`` and ``contact`` say whose
    own holds not to count against them.
    """
    moment = now or utcnow()
    earliest = service_rules(service).earliest_start(moment)   # the service's notice
    cursor = _start_instant(from_, moment)
    horizon = cursor + timedelta(weeks=SEARCH_WEEKS)
    found: list[FreeSlot] = []
    with db.read() as session:
        agent_id = user_id(session, agent) if agent is not None else None
        base = _base_query(session, service, location, resource, moment, agent_id, contact
                           ).where(Slot.starts_at > moment, Slot.starts_at >= earliest)
        while cursor < horizon and len(found) < limit:
            # A week at a time, ending at a London midnight: a session lies within one
            # day, so a run of its slots is always seen whole before it is offered.
            window_end = _midnight_after(cursor, days=7)
            rows = session.execute(
                base.where(Slot.starts_at >= cursor, Slot.starts_at < window_end)
                .order_by(Slot.session_id, Slot.starts_at)).all()
            found.extend(_offers(rows, minutes))
            found.sort(key=lambda f: (f.starts_at, f.location, f.resource or ""))
            if not rows:  # skip straight to the next week that has any slots at all
                following = session.scalar(select(func.min(Slot.starts_at)).where(
                    Slot.service == service, Slot.starts_at >= window_end))
                if following is None:
                    break
                window_end = max(window_end, _midnight_after(following, days=0))
            cursor = window_end
    return found[:limit]


def _midnight_after(instant: datetime, *, days: int) -> datetime:
    """The London midnight starting the day ``days`` after ``instant``'s London day."""
    return local_instant(london_day(instant) + timedelta(days=days), time(0, 0))


def _offers(rows: Sequence[tuple[Slot, int, str, str | None]],
            minutes: int | None) -> list[FreeSlot]:
    """Every start where the appointment fits, from rows ordered by session and time."""
    offers: list[FreeSlot] = []
    for index, (slot, free, location, resource) in enumerate(rows):
        if free < 1:
            continue
        count = slots_needed(minutes, _minutes(slot))
        run = [(slot, free)]
        for later, later_free, _, _ in rows[index + 1:index + count]:
            previous = run[-1][0]
            if (later.session_id != slot.session_id or later.starts_at != previous.ends_at
                    or later_free < 1):
                break
            run.append((later, later_free))
        if len(run) < count:
            continue
        offers.append(FreeSlot(
            slot.id, tuple(s.id for s, _ in run), slot.location_id, location,
            slot.resource_id, resource, slot.service, slot.starts_at,
            run[-1][0].ends_at if count > 1 else slot.ends_at, min(f for _, f in run)))
    return offers


def day_availability(db: Database, service: str, first: date, last: date, *,
                     location: str | int | None = None, now: datetime | None = None
                     ) -> list[DayAvailability]:
    """Free places per London day from ``first`` to ``last``, for a calendar.

    Every day in the range is listed, with nought for a day with no sessions; places
    that have already started, or start within the service's notice, are not counted as
    free.
    """
    if last < first:
        raise BookingError("The dates run the wrong way round.")
    moment = now or utcnow()
    earliest = service_rules(service).earliest_start(moment)
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    free = dict.fromkeys(span, 0)
    places = dict.fromkeys(span, 0)
    first_free: dict[date, datetime] = {}
    with db.read() as session:
        stmt = _base_query(session, service, location, None, moment, None, None).where(
            Slot.starts_at >= local_instant(first, time(0, 0)),
            Slot.starts_at < local_instant(last + timedelta(days=1), time(0, 0)))
        for slot, slot_free, _, _ in session.execute(stmt.order_by(Slot.starts_at)):
            day = london_day(slot.starts_at)
            places[day] += slot.capacity
            if slot.starts_at > moment and slot.starts_at >= earliest and slot_free > 0:
                free[day] += slot_free
                first_free.setdefault(day, slot.starts_at)
    return [DayAvailability(day, free[day], places[day], first_free.get(day)) for day in span]
