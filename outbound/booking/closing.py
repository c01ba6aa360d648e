"""Closing a session (a registrar off sick, a clinic cancelled) or a location from a date.

Closing, in one transaction, whole or not at all:

* marks the session's slots still to come closed, so nobody can book or hold them any
  more; slots that have started, and their bookings, are left as they were;
* cancels every live booking in them as cancelled by the council (``council_cancelled``);
  a registration's second part goes with its first, as ``cancel`` does, and a place
  that frees elsewhere is offered to the waiting list as a cancellation's is;
* drops the holds on them (a waiting-list offer held there goes back to waiting);
* makes sure everyone affected is rung to rebook: they go on their campaign's waiting
  list for the service, with an open call task due now (the call task a waiting-list
  offer uses, so a place freed later is offered to them on the same call). Someone
  booked outside any campaign, or under a closed one, is named for a person to ring;
  someone not to be called is not put on any list.

Closing again changes nothing. Against agents booking at that moment: the slots are
locked first (``lock_slots``, in id order, as a booking locks them) and closed with one
UPDATE; a booking or a hold reads ``closed`` only after taking the same locks, so it
either landed first (and is cancelled here) or is refused with PlaceGone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from outbound.booking.errors import BookingError
from outbound.booking.lookup import find_location
from outbound.booking.places import give_back_places, lock_slots
from outbound.booking.waiting import (
    LIVE_STATUSES,
    expire_offers,
    offer_freed_places,
    offer_task,
)
from outbound.booking.wording import uk_date, uk_when
from outbound.clock import utcnow
from outbound.db.booking_models import (
    Booking,
    BookingSession,
    BookingSlot,
    Location,
    Resource,
    Slot,
    SlotHold,
    WaitingListEntry,
)
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact, Task
from outbound.notify.bookings import cancel_booking_messages
from outbound.text import count_of
from outbound.users import user_id

REASON = "council_cancelled"


@dataclass(frozen=True, slots=True)
class Rebooking:
    """Someone whose booking was cancelled by a closure, and how they will be rung.

    ``task_id`` is the open call task to rebook them; without one, ``why_not`` says why
    (a person must ring them, or they are not to be called at all).
    """

    contact_id: int
    name: str
    service: str
    references: tuple[str, ...]
    entry_id: int | None
    task_id: int | None
    why_not: str | None


@dataclass(frozen=True, slots=True)
class ClosedSession:
    """What closing a session (or a location from a date) did."""

    what: str
    sessions: int
    slots_closed: int
    places_closed: int
    holds_dropped: int
    cancelled: tuple[str, ...]
    rebook: tuple[Rebooking, ...]

    @property
    def to_call(self) -> tuple[Rebooking, ...]:
        """The people who have a call task to rebook them."""
        return tuple(r for r in self.rebook if r.task_id is not None)

    def describe(self) -> str:
        """What happened, in a sentence or two a supervisor reads."""
        if not self.slots_closed and not self.cancelled:
            return f"Nothing to close at {self.what}: its places have passed or are " \
                   f"closed already."
        places = count_of(self.places_closed, "place")
        if self.places_closed != self.slots_closed:
            places = f"{count_of(self.slots_closed, 'slot')} ({places})"
        said = [f"Closed {places} at {self.what}"]
        if self.cancelled:
            said.append(f"cancelled {count_of(len(self.cancelled), 'booking')} "
                        f"({', '.join(self.cancelled)})")
            calls = len(self.to_call)
            said.append(f"{calls} {'person' if calls == 1 else 'people'} will be called to "
                        f"rebook")
        else:
            said.append("there were no bookings to cancel")
        lines = ["; ".join(said) + "."]
        for person in self.rebook:
            if person.task_id is None:
                lines.append(f"{person.name} ({', '.join(person.references)}): "
                             f"{person.why_not}.")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A session as a supervisor chooses one to close: its places, booked and closed."""

    id: int
    day: date
    start: time
    end: time
    service: str
    resource: str | None
    places: int
    booked: int
    closed: int


def list_sessions(db: Database, location: str | int, *, from_day: date,
                  days: int = 7) -> list[SessionLine]:
    """The sessions at ``location`` over ``days`` days from ``from_day``, in time order."""
    with db.read() as session:
        place = find_location(session, location)
        stmt = (select(BookingSession, Resource.name, func.sum(Slot.capacity),
                       func.sum(Slot.booked),
                       func.sum(case((Slot.closed.is_(True), Slot.capacity), else_=0)))
                .outerjoin(Resource, Resource.id == BookingSession.resource_id)
                .join(Slot, Slot.session_id == BookingSession.id)
                .where(BookingSession.location_id == place.id,
                       BookingSession.day >= from_day,
                       BookingSession.day < from_day + timedelta(days=days))
                .group_by(BookingSession.id, Resource.name)
                .order_by(BookingSession.day, BookingSession.start_time, BookingSession.id))
        return [SessionLine(found.id, found.day, found.start_time, found.end_time,
                            found.service, officer, int(places or 0), int(booked or 0),
                            int(closed or 0))
                for found, officer, places, booked, closed in session.execute(stmt)]


def close_session(db: Database, session_id: int, *, reason_note: str | None, by: str | int,
                  now: datetime | None = None) -> ClosedSession:
    """Close one session from now on, cancel its bookings and have its people rung to
    rebook (see the module docstring). ``by`` is the supervisor, by name or id."""
    moment = now or utcnow()

    def work(session: Session) -> ClosedSession:
        agent_id = user_id(session, by)
        found = session.get(BookingSession, session_id)
        if found is None:
            raise BookingError(f"There is no session {session_id}.")
        place = session.get(Location, found.location_id)
        officer = session.get(Resource, found.resource_id) if found.resource_id else None
        assert place is not None
        what = (f"{place.name} on {uk_date(found.day)} ({found.service}, "
                f"{found.start_time:%H:%M} to {found.end_time:%H:%M}"
                f"{', ' + officer.name if officer else ''})")
        return _close(session, [found.id], what=what, agent_id=agent_id, note=reason_note,
                      now=moment)

    return db.run_write(work)


def close_location(db: Database, location: str | int, *, from_day: date, by: str | int,
                   reason_note: str | None = None,
                   now: datetime | None = None) -> ClosedSession:
    """Close every session at ``location`` on ``from_day`` and after, as ``close_session``
    does each. Sessions added later are open as usual."""
    moment = now or utcnow()

    def work(session: Session) -> ClosedSession:
        agent_id = user_id(session, by)
        place = find_location(session, location)
        ids = list(session.scalars(select(BookingSession.id).where(
            BookingSession.location_id == place.id, BookingSession.day >= from_day)
            .order_by(BookingSession.id)))
        what = f"{place.name} from {uk_date(from_day)} ({count_of(len(ids), 'session')})"
        return _close(session, ids, what=what, agent_id=agent_id, note=reason_note,
                      now=moment)

    return db.run_write(work)


def _close(session: Session, session_ids: Sequence[int], *, what: str, agent_id: int,
           note: str | None, now: datetime) -> ClosedSession:
    slot_ids = list(session.scalars(select(Slot.id).where(
        Slot.session_id.in_(session_ids), Slot.starts_at > now).order_by(Slot.id))) \
        if session_ids else []
    if not slot_ids:
        return ClosedSession(what, len(session_ids), 0, 0, 0, (), ())
    lock_slots(session, slot_ids)
    slots_closed, places_closed = session.execute(
        select(func.count(Slot.id), func.coalesce(func.sum(Slot.capacity), 0))
        .where(Slot.id.in_(slot_ids), Slot.closed.is_(False))).one()
    session.execute(update(Slot).where(Slot.id.in_(slot_ids), Slot.closed.is_(False))
                    .values(closed=True).execution_options(synchronize_session=False))
    holds = int(session.scalar(select(func.count(SlotHold.id)).where(
        SlotHold.slot_id.in_(slot_ids), SlotHold.expires_at > now)) or 0)
    session.execute(delete(SlotHold).where(SlotHold.slot_id.in_(slot_ids))
                    .execution_options(synchronize_session=False))
    expire_offers(session, now)     # an offer held on a closed place goes back to waiting
    roots, cancelled = _cancel_bookings(session, slot_ids, agent_id=agent_id, note=note,
                                        now=now)
    rebook = _rebook(session, roots, agent_id=agent_id, note=note, now=now)
    return ClosedSession(what, len(session_ids), int(slots_closed), int(places_closed),
                         holds, tuple(b.reference for b in cancelled), rebook)


def _cancel_bookings(session: Session, slot_ids: Sequence[int], *, agent_id: int,
                     note: str | None, now: datetime
                     ) -> tuple[list[tuple[Booking, list[Booking]]], list[Booking]]:
    """Cancel the live bookings in the slots, with the second parts of first parts.

    Returns each booking in the slots with the second parts that went with it, and
    every booking cancelled, in order.
    """
    in_slots = select(BookingSlot.booking_id).where(BookingSlot.slot_id.in_(slot_ids))
    found = list(session.scalars(select(Booking).where(
        Booking.id.in_(in_slots), Booking.status == "booked", Booking.starts_at > now)
        .order_by(Booking.starts_at, Booking.id)))
    found_ids = {b.id for b in found}
    roots: list[tuple[Booking, list[Booking]]] = []
    for item in found:
        if item.first_part_id in found_ids:
            continue            # goes with its first part, below
        seconds = [b for b in found if b.first_part_id == item.id]
        if item.part == 1:
            seconds += list(session.scalars(select(Booking).where(
                Booking.first_part_id == item.id, Booking.status == "booked",
                Booking.id.not_in(found_ids)).order_by(Booking.starts_at)))
        roots.append((item, seconds))
    cancelled: list[Booking] = []
    for root, seconds in roots:
        for item in (root, *seconds):
            slots = list(session.scalars(select(BookingSlot.slot_id)
                                         .where(BookingSlot.booking_id == item.id)))
            give_back_places(session, slots)
            item.status, item.status_reason = "cancelled", REASON
            item.changed_by, item.changed_at = agent_id, now
            if note:
                item.notes = f"{item.notes}\n{note}" if item.notes else note
            cancelled.append(item)
            # A second part's place elsewhere is still open: offer it, as cancel does.
            offer_freed_places(session, slots, freed_from=item.contact_id,
                               agent_id=agent_id, now=now)
    cancel_booking_messages(session, cancelled, "the council cancelled the appointment",
                            now)
    return roots, cancelled


def _rebook(session: Session, roots: Sequence[tuple[Booking, Sequence[Booking]]], *,
            agent_id: int, note: str | None, now: datetime) -> tuple[Rebooking, ...]:
    """One waiting-list entry and call task per person, campaign and service."""
    groups: dict[tuple[int, int | None, str], list[tuple[Booking, Sequence[Booking]]]] = {}
    for root, seconds in roots:
        groups.setdefault((root.contact_id, root.campaign_id, root.service), []).append(
            (root, seconds))
    result: list[Rebooking] = []
    for (contact_id, campaign_id, service), items in groups.items():
        person = session.get(Contact, contact_id)
        assert person is not None
        references = tuple(b.reference for root, seconds in items for b in (root, *seconds))
        camp = session.get(Campaign, campaign_id) if campaign_id is not None else None
        why_not = None
        if person.do_not_call:
            why_not = "not to be called, so not put on any list"
        elif camp is None:
            why_not = "booked outside any campaign: please ring them to rebook"
        elif camp.status == "closed":
            why_not = f"the {camp.name} campaign is closed: please ring them to rebook"
        if why_not is not None or camp is None:
            result.append(Rebooking(contact_id, person.name, service, references, None,
                                    None, why_not))
            continue
        first = items[0][0]
        entry = _waiting_entry(session, camp, first, references, agent_id=agent_id,
                               note=note, now=now)
        task = session.get(Task, entry.offer_task_id) if entry.offer_task_id else None
        if entry.status != "offered" or task is None or task.status != "open":
            task = offer_task(session, entry, now)
        result.append(Rebooking(contact_id, person.name, service, references, entry.id,
                                task.id, None))
    return tuple(result)


def _waiting_entry(session: Session, camp: Campaign, booking: Booking,
                   references: Sequence[str], *, agent_id: int, note: str | None,
                   now: datetime) -> WaitingListEntry:
    """Their live waiting-list entry for the service, or a new one."""
    entry = session.scalar(select(WaitingListEntry).where(
        WaitingListEntry.campaign_id == camp.id,
        WaitingListEntry.contact_id == booking.contact_id,
        WaitingListEntry.service == booking.service,
        WaitingListEntry.status.in_(LIVE_STATUSES)).order_by(WaitingListEntry.id).limit(1))
    if entry is not None:
        entry.must_call = True
        return entry
    why = (f"To rebook: {', '.join(references)} on {uk_when(booking.starts_at)} was "
           f"cancelled by the council.")
    entry = WaitingListEntry(
        campaign_id=camp.id, contact_id=booking.contact_id, task_id=booking.task_id,
        location_id=None, service=booking.service, wanted_by=None, minutes=booking.minutes,
        note=f"{why} {note}" if note else why, status="waiting", added_at=now,
        added_by=agent_id, must_call=True)
    session.add(entry)
    session.flush()
    return entry
