"""Booking on a call, through ``outbound.booking`` off the GUI thread.

Refusals (the place has just gone, a second part too soon) come back as a ``Refusal``
with the engine's sentence, so the slot picker can say it where the agent is looking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from outbound.booking import (
    Appointment,
    BookingError,
    DayAvailability,
    FreeSlot,
    Hold,
    LocationInfo,
    PlaceGone,
    add_to_waiting_list,
    appointment_minutes,
    book,
    book_two_parts,
    confirmation,
    day_availability,
    find_free_slots,
    hold_slot,
    list_locations,
    release_hold,
    write_ics,
)
from outbound.booking.appointments import part_names, second_part_min_days
from outbound.booking.waiting import offer_on_task
from outbound.clock import london_day

CALENDAR_DAYS = 35
OFFERS = 12


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str
    gone: bool = False          # the place was taken by someone else: offer another


@dataclass(frozen=True, slots=True)
class BookingRules:
    """What a campaign's [booking] asks, in the picker's terms."""

    parts: tuple[str, ...]
    two_part: bool
    second_part_days: int
    rules: Mapping[str, Any]

    @classmethod
    def of(cls, rules: Mapping[str, Any]) -> BookingRules:
        names = tuple(part_names(rules)) or ("Appointment",)
        return cls(names, bool(rules.get("two_part")) and len(names) > 1,
                   second_part_min_days(rules), rules)

    def minutes(self, answers: Mapping[str, Any]) -> int | None:
        try:
            return appointment_minutes(self.rules, answers)
        except BookingError:
            return appointment_minutes(self.rules, {})

    def earliest_second(self, first: FreeSlot) -> date:
        return london_day(first.starts_at) + timedelta(days=self.second_part_days)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the picker offers for one part: the next free times and a calendar."""

    part: int
    service: str
    minutes: int | None
    offers: list[FreeSlot]
    days: list[DayAvailability]
    locations: list[LocationInfo]


@dataclass(frozen=True, slots=True)
class Booked:
    appointments: list[Appointment]
    text: str
    ics: bytes


def load_choices(db: Any, agent: str, contact_id: int, part: int, service: str,
                 location: int | None, from_day: date | None, minutes: int | None,
                 now: datetime, *, with_locations: bool = False) -> Choices:
    start = max(from_day or london_day(now), london_day(now))
    offers = find_free_slots(db, service, location=location, from_=start, minutes=minutes,
                             limit=OFFERS, agent=agent, contact=contact_id, now=now)
    days = day_availability(db, service, start, start + timedelta(days=CALENDAR_DAYS),
                            location=location, now=now)
    places = list_locations(db, service=service) if with_locations else []
    return Choices(part, service, minutes, offers, days, places)


def hold(db: Any, agent: str, slots: Sequence[FreeSlot], minutes: int | None,
         contact_id: int, task_id: int, now: datetime) -> Hold | Refusal:
    try:
        return hold_slot(db, agent, [s.slot_id for s in slots], minutes=minutes,
                         contact=contact_id, task=task_id, now=now)
    except PlaceGone as exc:
        return Refusal(str(exc), gone=True)
    except BookingError as exc:
        return Refusal(str(exc))


def let_go(db: Any, agent: str) -> int:
    return release_hold(db, agent)


def book_slots(db: Any, agent: str, contact_id: int, task_id: int, campaign_id: int,
               slots: Sequence[FreeSlot], minutes: int | None, answers: Mapping[str, Any],
               notes: str | None, now: datetime) -> Booked | Refusal:
    """Book one part, or both parts in one go; the confirmation to read out."""
    try:
        if len(slots) == 2:
            made = list(book_two_parts(db, agent, contact_id, slots[0].slot_id,
                                       slots[1].slot_id, minutes=minutes, task=task_id,
                                       campaign=campaign_id, answers=answers, notes=notes,
                                       now=now))
        else:
            made = [book(db, agent, contact_id, slots[0].slot_id, minutes=minutes,
                         task=task_id, campaign=campaign_id, answers=answers, notes=notes,
                         now=now)]
    except PlaceGone as exc:
        return Refusal(str(exc), gone=True)
    except BookingError as exc:
        return Refusal(str(exc))
    confirmed = confirmation(db, made[0].reference, now=now)
    return Booked(list(confirmed.appointments), confirmed.text, confirmed.ics)


def join_waiting_list(db: Any, agent: str, campaign_id: int, contact_id: int, task_id: int,
                      service: str, location: int | None, minutes: int | None,
                      now: datetime, *, days: Sequence[int] = (),
                      times: str | None = None) -> int | Refusal:
    """Put them on the list for the days (none: any), time and place they can come."""
    try:
        return add_to_waiting_list(db, campaign_id, contact_id, service, location=location,
                                   minutes=minutes, task=task_id, agent=agent, now=now,
                                   days=list(days) or None, times=times)
    except BookingError as exc:
        return Refusal(str(exc))


def offer_on_call(db: Any, task_id: int) -> str:
    """What to tell the agent when the call offers a freed place ('' when it does not)."""
    offer = offer_on_task(db, task_id)
    return offer.sentence() if offer is not None else ""


def save_calendar_file(path: str | Path, ics: bytes) -> Path:
    return write_ics(path, ics)
