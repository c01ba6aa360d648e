"""Booking appointments: one part, or both parts of a registration in one transaction.

A booking takes the places the agent is holding (or, without a hold, any still free)
with the conditional UPDATE in ``places.py``, so it either lands whole or raises
PlaceGone with nothing changed. Each booking gets a reference a person can read down
the phone ("PND-7K3Q9"): five characters from an alphabet without 0/O, 1/I/L or U.
The campaign's confirmation message is queued in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.booking.availability import slot_run
from outbound.booking.errors import BookingError
from outbound.booking.lookup import find_booking, find_contact, find_task
from outbound.booking.places import take_places
from outbound.booking.waiting import settle_waiting_entries
from outbound.booking.wording import uk_date, uk_when
from outbound.clock import london_day, utcnow
from outbound.db.booking_models import Booking, BookingSlot, Location, Resource, Slot
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact
from outbound.notify.bookings import queue_booking_messages
from outbound.phones import format_for_display
from outbound.queue.campaigns import find_campaign, template_of
from outbound.users import user_id

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 5
DEFAULT_PREFIX = "PND"
_YES = {"yes", "y", "true", "1"}


@dataclass(frozen=True, slots=True)
class Appointment:
    """A booking as an agent reads it out and a confirmation shows it."""

    booking_id: int
    reference: str
    service: str
    part: int
    status: str
    starts_at: datetime
    ends_at: datetime
    minutes: int
    location: str
    address: str | None
    postcode: str | None
    phone: str | None
    directions: str | None
    resource: str | None
    contact_id: int
    contact_name: str
    campaign_id: int | None
    first_part_id: int | None

    def describe(self) -> str:
        return f"{self.service}: {uk_when(self.starts_at)}, {self.location} ({self.reference})"


@dataclass(frozen=True, slots=True)
class BookingContext:
    """Who is booking, for whom, on which call and under which campaign's rules."""

    agent_id: int
    contact: Contact
    task_id: int | None
    campaign: Campaign | None
    rules: Mapping[str, Any]


def _yes(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _YES if value is not None else False


def appointment_minutes(rules: Mapping[str, Any], answers: Mapping[str, Any] | None = None
                        ) -> int | None:
    """How long the appointment must be, from the template's [booking] and the answers.

    Registrar: ``base_minutes`` (30), plus ``per_extra_baby_minutes`` (10) for each baby
    after the first (``babies_field``), plus ``interpreter_minutes`` (15) once when any
    of ``interpreter_fields`` is yes (an interpreter or BSL). None without a base.
    """
    base = rules.get("base_minutes")
    if not base:
        return None
    answers = answers or {}
    minutes = int(base)
    field = rules.get("babies_field")
    if field and answers.get(field) not in (None, ""):
        try:
            babies = int(answers[field])
        except (TypeError, ValueError):
            raise BookingError(f"“{answers[field]}” is not a number of babies.") from None
        if babies < 1:
            raise BookingError("The number of babies must be at least 1.")
        minutes += (babies - 1) * int(rules.get("per_extra_baby_minutes", 0))
    if any(_yes(answers.get(name)) for name in rules.get("interpreter_fields", ())):
        minutes += int(rules.get("interpreter_minutes", 0))
    return minutes


def part_names(rules: Mapping[str, Any]) -> list[str]:
    return [str(p) for p in rules.get("parts", ())]


def second_part_min_days(rules: Mapping[str, Any]) -> int:
    return max(int(rules.get("second_part_min_days_after", 1)), 0)


def new_reference(session: Session, prefix: str = DEFAULT_PREFIX) -> str:
    """A reference not yet used, e.g. "PND-7K3Q9"."""
    for _ in range(20):
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        reference = f"{prefix}-{code}"
        if session.scalar(select(Booking.id).where(Booking.reference == reference)) is None:
            return reference
    raise BookingError("Could not make a new booking reference; please try again.")


def booking_context(session: Session, agent: str | int, contact: int, task: int | None,
                    campaign: str | int | None) -> BookingContext:
    agent_id = user_id(session, agent)
    person = find_contact(session, contact)
    camp = None
    if task is not None:
        found = find_task(session, task, contact)
        camp = session.get(Campaign, found.campaign_id)
        if campaign is not None and find_campaign(session, campaign).id != found.campaign_id:
            raise BookingError(f"Call task {task} belongs to another campaign.")
    elif campaign is not None:
        camp = find_campaign(session, campaign)
    rules = template_of(camp).booking if camp is not None else {}
    return BookingContext(agent_id, person, task, camp, rules)


def rules_of(session: Session, booking: Booking) -> Mapping[str, Any]:
    """The booking rules of the campaign a booking was made under ({} if none)."""
    if booking.campaign_id is None:
        return {}
    camp = session.get(Campaign, booking.campaign_id)
    return template_of(camp).booking if camp is not None else {}


def check_service(rules: Mapping[str, Any], slot: Slot, part: int) -> None:
    names = part_names(rules)
    if not names:
        return
    if rules.get("two_part") and len(names) >= part:
        if slot.service != names[part - 1]:
            raise BookingError(f"{uk_when(slot.starts_at)} is for {slot.service}, not "
                               f"{names[part - 1]}.")
    elif slot.service not in names:
        raise BookingError(f"This campaign books {' or '.join(names)}, not {slot.service}.")


def check_second_part(rules: Mapping[str, Any], first_start: datetime, first_end: datetime,
                      starts_at: datetime) -> None:
    """Part 2 must be on a later London day, at least the template's days after part 1."""
    days = second_part_min_days(rules)
    earliest = london_day(first_start) + timedelta(days=days)
    if london_day(starts_at) >= earliest and starts_at >= first_end:
        return
    names = part_names(rules)
    first = names[0].lower() if names else "first part"
    second = names[1] if len(names) > 1 else "The second part"
    gap = f"{days} day{'s' if days != 1 else ''} after" if days else "after"
    raise BookingError(f"{second} must be on {uk_date(earliest)} or later, at least {gap} "
                       f"the {first} on {uk_when(first_start)}.")


def place_booking(session: Session, ctx: BookingContext, slot_id: int, *, now: datetime,
                  minutes: int | None = None, answers: Mapping[str, Any] | None = None,
                  first_part: Booking | None = None, notes: str | None = None) -> Booking:
    """Take the places and write the booking, inside the caller's transaction."""
    length = minutes or appointment_minutes(ctx.rules, answers)
    if length is not None and length <= 0:
        raise BookingError("An appointment must last at least a minute.")
    run = slot_run(session, slot_id, length, now)
    first_slot = run[0]
    length = length or int((first_slot.ends_at - first_slot.starts_at).total_seconds() // 60)
    part = 2 if first_part is not None else 1
    check_service(ctx.rules, first_slot, part)
    if first_part is not None:
        check_second_part(ctx.rules, first_part.starts_at, first_part.ends_at,
                          first_slot.starts_at)
    take_places(session, [s.id for s in run], agent_id=ctx.agent_id,
                contact_id=ctx.contact.id, now=now)
    booking = Booking(
        reference=new_reference(session, str(ctx.rules.get("reference_prefix",
                                                           DEFAULT_PREFIX))),
        campaign_id=ctx.campaign.id if ctx.campaign else None, contact_id=ctx.contact.id,
        task_id=ctx.task_id, slot_id=first_slot.id, slot_count=len(run),
        location_id=first_slot.location_id, resource_id=first_slot.resource_id,
        service=first_slot.service, starts_at=first_slot.starts_at,
        ends_at=first_slot.starts_at + timedelta(minutes=length), minutes=length, part=part,
        first_part_id=first_part.id if first_part else None, status="booked",
        answers=dict(answers or {}), notes=notes, booked_by=ctx.agent_id, booked_at=now)
    session.add(booking)
    session.flush()
    session.add_all(BookingSlot(booking_id=booking.id, slot_id=s.id) for s in run)
    # The confirmation goes with the booking: both land, or neither.
    queue_booking_messages(session, booking, now)
    return booking


def appointment_of(session: Session, booking: Booking) -> Appointment:
    place = session.get(Location, booking.location_id)
    resource = session.get(Resource, booking.resource_id) if booking.resource_id else None
    person = session.get(Contact, booking.contact_id)
    assert place is not None and person is not None
    return Appointment(
        booking.id, booking.reference, booking.service, booking.part, booking.status,
        booking.starts_at, booking.ends_at, booking.minutes, place.name, place.address,
        place.postcode, format_for_display(place.phone) if place.phone else None,
        place.directions, resource.name if resource else None,
        person.id, person.name, booking.campaign_id, booking.first_part_id)


def book(db: Database, agent: str | int, contact: int, slot: int, *,
         minutes: int | None = None, task: int | None = None,
         campaign: str | int | None = None, answers: Mapping[str, Any] | None = None,
         first_part: int | str | None = None, notes: str | None = None,
         now: datetime | None = None) -> Appointment:
    """Book ``contact`` into ``slot`` (and the slots after it a long appointment needs).

    The length is ``minutes``, else it follows from the campaign's rules and the
    ``answers``, else one slot. ``first_part`` (id or reference) makes this the second
    part of a two-part booking. Raises PlaceGone if the place has just gone.
    """
    moment = now or utcnow()

    def work(session: Session) -> Appointment:
        ctx = booking_context(session, agent, contact, task, campaign)
        first = None
        if first_part is not None:
            first = find_booking(session, first_part)
            if (first.contact_id != contact or first.part != 1
                    or first.status not in ("booked", "arrived")):
                raise BookingError(f"{first.reference} is not a first part booked for this "
                                   f"person.")
        booking = place_booking(session, ctx, slot, now=moment, minutes=minutes,
                                answers=answers, first_part=first, notes=notes)
        # whichever part it is: someone waiting to rebook a second part is done too
        settle_waiting_entries(session, booking, moment)
        return appointment_of(session, booking)

    return db.run_write(work)


def book_two_parts(db: Database, agent: str | int, contact: int, first_slot: int,
                   second_slot: int, *, minutes: int | None = None, task: int | None = None,
                   campaign: str | int | None = None,
                   answers: Mapping[str, Any] | None = None, notes: str | None = None,
                   now: datetime | None = None) -> tuple[Appointment, Appointment]:
    """Book both parts of a registration in one transaction: both or neither."""
    moment = now or utcnow()

    def work(session: Session) -> tuple[Appointment, Appointment]:
        ctx = booking_context(session, agent, contact, task, campaign)
        first = place_booking(session, ctx, first_slot, now=moment, minutes=minutes,
                              answers=answers, notes=notes)
        second = place_booking(session, ctx, second_slot, now=moment, minutes=minutes,
                               answers=answers, first_part=first, notes=notes)
        settle_waiting_entries(session, first, moment)
        settle_waiting_entries(session, second, moment)
        return appointment_of(session, first), appointment_of(session, second)

    return db.run_write(work)


def get_appointments(db: Database, booking: int | str) -> list[Appointment]:
    """A booking with the other part of its registration, if any, part 1 first."""
    with db.read() as session:
        found = find_booking(session, booking)
        if found.first_part_id is not None:
            first = session.get(Booking, found.first_part_id)
            chosen = [first, found] if first is not None else [found]
        else:
            chosen = [found, *session.scalars(select(Booking).where(
                Booking.first_part_id == found.id, Booking.status == "booked")
                .order_by(Booking.starts_at))]
        return [appointment_of(session, b) for b in chosen]
