"""Changing a booking: cancelling it, moving it, and recording whether the person came.

Each change is one transaction. A move books the new place before anything is
committed: if the new place has just gone, the old booking stands exactly as it was. A
place freed by a cancellation or a move is offered, in the same transaction, to the
first suitable person on the waiting list (see ``waiting.py``). Messages about a
cancelled or moved booking that have not gone yet are cancelled with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.booking.appointments import (
    Appointment,
    BookingContext,
    appointment_of,
    check_second_part,
    place_booking,
    rules_of,
)
from outbound.booking.errors import BookingError
from outbound.booking.lookup import find_booking
from outbound.booking.places import give_back_places
from outbound.booking.waiting import Offer, offer_freed_places
from outbound.booking.wording import uk_date, uk_when
from outbound.clock import london_day, utcnow
from outbound.db.booking_models import Booking, BookingSlot, Slot
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact, User
from outbound.notify.bookings import cancel_booking_messages
from outbound.users import user_id

LATE_NOTICE = timedelta(hours=24)
CANCEL_REASONS = {
    "no_longer_needed": "No longer needed",
    "cannot_attend": "Cannot make that time",
    "unwell": "Unwell",
    "registering_elsewhere": "Registering in another area",
    "already_done": "Already done elsewhere",
    "booked_in_error": "Booked in error",
    "council_cancelled": "Cancelled by the council (office closed, officer away)",
    "other": "Other",
}
ATTENDANCE_STATUSES = ("booked", "arrived", "did_not_attend", "cancelled_late")
_SETTABLE = ("booked", "arrived", "did_not_attend")


@dataclass(frozen=True, slots=True)
class Cancellation:
    """What a cancellation did: the bookings cancelled (a registration's second part goes
    with its first), their status, and any waiting-list offers made."""

    references: tuple[str, ...]
    status: str
    offers: tuple[Offer, ...]


def _slots_of(session: Session, booking: Booking) -> list[int]:
    return list(session.scalars(select(BookingSlot.slot_id)
                                .where(BookingSlot.booking_id == booking.id)))


def _live(booking: Booking, now: datetime) -> None:
    if booking.status != "booked":
        raise BookingError(f"{booking.reference} is {booking.status.replace('_', ' ')}, "
                           f"not booked: it cannot be changed.")
    if booking.starts_at <= now:
        raise BookingError(f"{booking.reference} was for {uk_when(booking.starts_at)}, which "
                           f"has passed: record whether they came instead.")


def cancel(db: Database, agent: str | int, booking: int | str, reason: str, *,
           notes: str | None = None, now: datetime | None = None) -> Cancellation:
    """Cancel a booking with a reason code (see CANCEL_REASONS).

    Less than 24 hours before the start it is "cancelled_late", unless the council
    cancelled it. Cancelling the first part of a registration cancels the second too.
    """
    if reason not in CANCEL_REASONS:
        raise BookingError(f"“{reason}” is not a reason for cancelling; use one of "
                           f"{', '.join(CANCEL_REASONS)}.")
    moment = now or utcnow()

    def work(session: Session) -> Cancellation:
        agent_id = user_id(session, agent)
        found = find_booking(session, booking)
        _live(found, moment)
        late = found.starts_at - moment < LATE_NOTICE and reason != "council_cancelled"
        status = "cancelled_late" if late else "cancelled"
        chosen = [found]
        if found.part == 1:
            chosen += list(session.scalars(select(Booking).where(
                Booking.first_part_id == found.id, Booking.status == "booked")))
        offers: list[Offer] = []
        for item in chosen:
            slots = _slots_of(session, item)
            give_back_places(session, slots)
            item.status = status if item is found else "cancelled"
            item.status_reason, item.changed_by, item.changed_at = reason, agent_id, moment
            if notes:
                item.notes = f"{item.notes}\n{notes}" if item.notes else notes
            offer = offer_freed_places(session, slots, freed_from=item.contact_id,
                                       agent_id=agent_id, now=moment)
            if offer is not None:
                offers.append(offer)
        cancel_booking_messages(session, chosen, "the appointment was cancelled", moment)
        references = tuple(b.reference for b in chosen)
        record(session, "booking_cancelled",
               f"Cancelled {' and '.join(references)}: {CANCEL_REASONS[reason].lower()}.",
               actor=session.get(User, agent_id).name, contact_id=found.contact_id,
               detail={"bookings": list(references), "reason": reason, "status": status})
        return Cancellation(references, status, tuple(offers))

    return db.run_write(work)


def _check_second_parts_after_move(session: Session, old: Booking,
                                   new_start: datetime) -> None:
    """Moving a first part must leave its second part far enough after it."""
    rules = rules_of(session, old)
    new_end = new_start + timedelta(minutes=old.minutes)
    for second in session.scalars(select(Booking).where(Booking.first_part_id == old.id,
                                                        Booking.status == "booked")):
        try:
            check_second_part(rules, new_start, new_end, second.starts_at)
        except BookingError:
            raise BookingError(
                f"The second part is booked for {uk_when(second.starts_at)}, too soon after "
                f"{uk_date(london_day(new_start))}: move that first, then this."
            ) from None


def reschedule(db: Database, agent: str | int, booking: int | str, slot: int, *,
               now: datetime | None = None) -> Appointment:
    """Move a booking to ``slot`` in one step: the old booking becomes "moved" (pointing
    at the new one) and its places are given back; if the new place has just gone,
    nothing changes. Returns the new appointment (it has a new reference)."""
    moment = now or utcnow()

    def work(session: Session) -> Appointment:
        agent_id = user_id(session, agent)
        old = find_booking(session, booking)
        _live(old, moment)
        contact = session.get(Contact, old.contact_id)
        assert contact is not None
        campaign = session.get(Campaign, old.campaign_id) if old.campaign_id else None
        rules = rules_of(session, old)
        old_slots = _slots_of(session, old)
        give_back_places(session, old_slots)   # first, so a move by one slot fits
        target = session.get(Slot, slot)
        if target is not None and target.service != old.service:
            raise BookingError(f"{uk_when(target.starts_at)} is for {target.service}, not "
                               f"{old.service}.")
        if target is not None and old.part == 1:
            _check_second_parts_after_move(session, old, target.starts_at)
        ctx = BookingContext(agent_id, contact, old.task_id, campaign, rules)
        first = session.get(Booking, old.first_part_id) if old.first_part_id else None
        new = place_booking(session, ctx, slot, now=moment, minutes=old.minutes,
                            answers=old.answers, first_part=first, notes=old.notes)
        if first is None and old.part == 1:
            for second in session.scalars(select(Booking).where(
                    Booking.first_part_id == old.id, Booking.status == "booked")):
                second.first_part_id = new.id
        old.status, old.moved_to_id = "moved", new.id
        old.changed_by, old.changed_at = agent_id, moment
        # The new booking's confirmation is queued with it; the old one's go no further.
        cancel_booking_messages(session, [old], "the appointment was moved to "
                                f"{uk_when(new.starts_at)} ({new.reference})", moment)
        freed = set(old_slots) - set(_slots_of(session, new))
        if freed:
            offer_freed_places(session, freed, freed_from=old.contact_id, agent_id=agent_id,
                               now=moment)
        return appointment_of(session, new)

    return db.run_write(work)


def record_attendance(db: Database, agent: str | int, booking: int | str, status: str, *,
                      now: datetime | None = None) -> None:
    """Whether the person came: "arrived" (from the day of the appointment),
    "did_not_attend" (once it has started), or "booked" to undo a mistake."""
    if status not in _SETTABLE:
        raise BookingError(f"“{status}” is not an attendance; use arrived, did_not_attend "
                           f"or booked.")
    moment = now or utcnow()

    def work(session: Session) -> None:
        agent_id = user_id(session, agent)
        found = find_booking(session, booking)
        if found.status not in _SETTABLE:
            raise BookingError(f"{found.reference} is {found.status.replace('_', ' ')}: "
                               f"there is no attendance to record.")
        if status == "arrived" and london_day(moment) < london_day(found.starts_at):
            raise BookingError(f"{found.reference} is not until {uk_when(found.starts_at)}.")
        if status == "did_not_attend" and moment < found.starts_at:
            raise BookingError(f"{found.reference} has not started yet "
                               f"({uk_when(found.starts_at)}).")
        found.status, found.changed_by, found.changed_at = status, agent_id, moment

    db.run_write(work)
