"""The waiting list: people who wanted an earlier date than was free.

When a place frees up (a cancellation or a move), the same transaction offers it to
the first suitable person, first come first served:

* waiting longest (earliest ``added_at``, then the lower id), for the same service, at
  the freed place's location or any location;
* whose ``wanted_by`` date is on or after the freed place's London day, or who gave no
  date (a place later than the date they asked for is no better than what they have);
* whose appointment (``minutes``) fits in the places freed, who is not suppressed, and
  whose campaign is active;
* on a day and at a time they said they can come (``preferred_days``, Monday to
  Saturday, and ``preferred_times``, mornings before noon or afternoons), at the
  location they chose if they chose one;
* and only when the place starts at least ``OFFER_MIN_NOTICE`` from now (and the
  service's own notice): nobody can be rung and get there in less.

The offer is a call task in the entry's campaign (``round_key`` "offer:<entry id>",
priority ``OFFER_PRIORITY``, due now), and a hold on the freed place for the person for
``OFFER_HOLD`` (ending no later than the place starts), so nobody else takes it while
they are rung. If the hold lapses unused the entry goes back to waiting, in its old
place in the queue, and its open, unclaimed offer task is closed. Booking the person
(from the offer or otherwise) marks the entry booked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import Delete, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from outbound.booking.availability import slots_needed
from outbound.booking.errors import BookingError
from outbound.booking.lookup import find_contact, find_location, find_task
from outbound.booking.places import free_now
from outbound.booking.services import service_rules
from outbound.campaigns.parsing import DAY_NAMES
from outbound.clock import london_day, to_london, utcnow
from outbound.db.booking_models import Booking, Slot, SlotHold, WaitingListEntry
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact, Task
from outbound.queue.campaigns import find_campaign
from outbound.users import user_id

OFFER_HOLD = timedelta(hours=2)
OFFER_MIN_NOTICE = timedelta(hours=1)
OFFER_PRIORITY = 100
LIVE_STATUSES = ("waiting", "offered")
_CANDIDATES = 50
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Offer:
    """A freed place offered to someone on the waiting list."""

    entry_id: int
    contact_id: int
    task_id: int
    slot_id: int
    hold_expires_at: datetime


@dataclass(frozen=True, slots=True)
class OfferOnCall:
    """What the agent ringing someone about a freed place needs to know."""

    entry_id: int
    service: str
    preferences: str                 # "Mondays and Saturdays, mornings, at ..."; "" for any
    starts_at: datetime | None       # the place held for them
    location: str | None

    def sentence(self) -> str:
        """"Offer of a freed place ... They said: Mondays, mornings." for the call."""
        from outbound.booking.wording import uk_short

        place = ""
        if self.starts_at is not None:
            place = (f" ({uk_short(self.starts_at)}"
                     + (f", {self.location}" if self.location else "") + ")")
        wants = self.preferences or "any day, any time, anywhere"
        return (f"A freed place{place} offered from the waiting list for {self.service}. "
                f"They can come: {wants}.")


def offer_on_task(db: Database, task_id: int) -> OfferOnCall | None:
    """The waiting-list offer a call is about, with the person's preferences (None when
    the call is not an offer)."""
    from outbound.db.booking_models import Location

    with db.read() as session:
        entry = session.scalar(select(WaitingListEntry).where(
            WaitingListEntry.offer_task_id == task_id,
            WaitingListEntry.status == "offered").order_by(WaitingListEntry.id.desc())
            .limit(1))
        if entry is None:
            return None
        wanted = session.get(Location, entry.location_id) if entry.location_id else None
        slot = session.get(Slot, entry.offered_slot_id) if entry.offered_slot_id else None
        where = session.get(Location, slot.location_id) if slot is not None else None
        return OfferOnCall(entry.id, entry.service,
                           preferences_text(entry.preferred_days, entry.preferred_times,
                                            wanted.name if wanted else None),
                           slot.starts_at if slot else None, where.name if where else None)


def parse_preferred_days(days: str | Collection[int] | None) -> str | None:
    """Days someone can come, Monday to Saturday, as stored ("mon,wed,sat"); None for
    any day. Accepts weekday numbers (0 is Monday) or words ("mon-wed", "tue,thu")."""
    if days is None or days == "" or (not isinstance(days, str) and not days):
        return None
    if isinstance(days, str):
        from outbound.booking.sessions import parse_weekdays

        numbers = parse_weekdays(days)
    else:
        numbers = frozenset(days)
    if any(not 0 <= n <= 5 for n in numbers):
        raise BookingError("Appointments are Monday to Saturday: choose from those days.")
    if len(numbers) == 6:
        return None
    return ",".join(DAY_CODES[n] for n in sorted(numbers))


def preferences_text(days: str | None, times: str | None, location: str | None) -> str:
    """"Mondays and Wednesdays, mornings, at Ashworth Register Office"; "" for none."""
    parts = []
    if days:
        names = [DAY_NAMES[DAY_CODES.index(code)] + "s" for code in days.split(",")]
        parts.append(names[0] if len(names) == 1 else
                     ", ".join(names[:-1]) + " and " + names[-1])
    if times:
        parts.append(f"{times}s")
    if location:
        parts.append(f"at {location}")
    return ", ".join(parts)


def suits(entry: WaitingListEntry, starts_at: datetime) -> bool:
    """Whether a place starting then is on a day and at a time they said they can come."""
    local = to_london(starts_at)
    if entry.preferred_days and DAY_CODES[local.weekday()] not in \
            entry.preferred_days.split(","):
        return False
    if entry.preferred_times == "morning" and local.hour >= 12:
        return False
    return not (entry.preferred_times == "afternoon" and local.hour < 12)


def add_to_waiting_list(db: Database, campaign: str | int, contact: int, service: str, *,
                        location: str | int | None = None, wanted_by: date | None = None,
                        minutes: int | None = None, task: int | None = None,
                        agent: str | int | None = None, note: str | None = None,
                        days: str | Collection[int] | None = None,
                        times: str | None = None,
                        now: datetime | None = None) -> int:
    """Put someone on the waiting list for an earlier place; returns the entry's id.

    ``days`` (Monday to Saturday), ``times`` ("morning" or "afternoon") and
    ``location`` are when and where they can come: only a place that suits them is
    offered to them."""
    service = service.strip()
    preferred_days = parse_preferred_days(days)
    if times not in (None, "", "morning", "afternoon"):
        raise BookingError("Choose mornings or afternoons, or leave it for either.")
    if not service:
        raise BookingError("Say which service they are waiting for.")
    if minutes is not None and minutes <= 0:
        raise BookingError("An appointment must last at least a minute.")
    moment = now or utcnow()
    if wanted_by is not None and wanted_by < london_day(moment):
        raise BookingError("The date they want it by has already passed.")

    def work(session: Session) -> int:
        camp = find_campaign(session, campaign)
        find_contact(session, contact)
        if task is not None:
            find_task(session, task, contact)
        place = find_location(session, location) if location is not None else None
        rules = service_rules(service)
        if place is not None and not rules.held_at(place.kind):
            raise BookingError(rules.wrong_place(place.name, place.kind))
        by = user_id(session, agent) if agent is not None else None
        already = session.scalar(select(WaitingListEntry.id).where(
            WaitingListEntry.campaign_id == camp.id, WaitingListEntry.contact_id == contact,
            WaitingListEntry.service == service,
            WaitingListEntry.status.in_(LIVE_STATUSES)))
        if already is not None:
            raise BookingError(f"They are already on the waiting list for {service}.")
        entry = WaitingListEntry(
            campaign_id=camp.id, contact_id=contact, task_id=task,
            location_id=place.id if place else None, service=service, wanted_by=wanted_by,
            minutes=minutes, note=note, status="waiting", added_at=moment, added_by=by,
            preferred_days=preferred_days, preferred_times=times or None)
        session.add(entry)
        session.flush()
        return entry.id

    return db.run_write(work)


def withdraw_from_waiting_list(db: Database, entry_id: int) -> None:
    """Take someone off the waiting list (they no longer want an earlier place)."""

    def work(session: Session) -> None:
        entry = session.get(WaitingListEntry, entry_id)
        if entry is None or entry.status not in LIVE_STATUSES:
            raise BookingError(f"There is nobody waiting under entry {entry_id}.")
        if entry.offer_task_id is not None:
            session.execute(delete_offer_holds(entry))
        entry.status = "withdrawn"

    db.run_write(work)


def waiting_list(db: Database, *, campaign: str | int | None = None,
                 service: str | None = None) -> list[WaitingListEntry]:
    """Who is waiting or has an offer open, first come first."""
    with db.read() as session:
        stmt = select(WaitingListEntry).where(WaitingListEntry.status.in_(LIVE_STATUSES))
        if campaign is not None:
            stmt = stmt.where(WaitingListEntry.campaign_id == find_campaign(session,
                                                                            campaign).id)
        if service is not None:
            stmt = stmt.where(WaitingListEntry.service == service)
        return list(session.scalars(stmt.order_by(WaitingListEntry.added_at,
                                                  WaitingListEntry.id)))


def delete_offer_holds(entry: WaitingListEntry) -> Delete:
    """The statement that lets go of the place held for an entry's offer."""
    return (delete(SlotHold).where(SlotHold.task_id == entry.offer_task_id,
                                   SlotHold.contact_id == entry.contact_id)
            .execution_options(synchronize_session=False))


def expire_offers(session: Session, now: datetime) -> int:
    """Put entries whose offer hold has lapsed back to waiting; close their unclaimed
    offer tasks, except for people who must be rung to rebook anyway. Returns how many
    went back."""
    live_hold = exists().where(SlotHold.task_id == WaitingListEntry.offer_task_id,
                               SlotHold.contact_id == WaitingListEntry.contact_id,
                               SlotHold.expires_at > now)
    lapsed = list(session.scalars(select(WaitingListEntry).where(
        WaitingListEntry.status == "offered", ~live_hold)))
    for entry in lapsed:
        if entry.offer_task_id is not None and not entry.must_call:
            session.execute(
                update(Task).where(Task.id == entry.offer_task_id, Task.status == "open",
                                   or_(Task.holder_id.is_(None), Task.lease_expires_at <= now))
                .values(status="closed", close_reason="offer lapsed", completed_at=now,
                        holder_id=None, lease_expires_at=None)
                .execution_options(synchronize_session=False))
        entry.status, entry.offered_slot_id = "waiting", None
    return len(lapsed)


def lapse_offers(db: Database, now: datetime | None = None) -> int:
    """Tidy lapsed offers now (offering a freed place does this by itself)."""
    moment = now or utcnow()
    return db.run_write(lambda session: expire_offers(session, moment))


def settle_waiting_entries(session: Session, booking: Booking, now: datetime) -> None:
    """The person is booked: their waiting-list entries for the service are done."""
    entries = list(session.scalars(select(WaitingListEntry).where(
        WaitingListEntry.contact_id == booking.contact_id,
        WaitingListEntry.service == booking.service,
        WaitingListEntry.status.in_(LIVE_STATUSES))))
    for entry in entries:
        if booking.campaign_id is not None and entry.campaign_id != booking.campaign_id:
            continue
        if entry.offer_task_id is not None:
            session.execute(delete_offer_holds(entry))
        entry.status, entry.booking_id = "booked", booking.id


def _consecutive(slots: list[Slot], start: int, count: int) -> list[Slot] | None:
    run = slots[start:start + count]
    if len(run) < count:
        return None
    for earlier, later in pairwise(run):
        if later.session_id != earlier.session_id or later.starts_at != earlier.ends_at:
            return None
    return run


def offer_task(session: Session, entry: WaitingListEntry, now: datetime) -> Task:
    key = f"offer:{entry.id}"
    task = session.scalar(select(Task).where(Task.campaign_id == entry.campaign_id,
                                             Task.contact_id == entry.contact_id,
                                             Task.round_key == key))
    if task is None:
        task = Task(campaign_id=entry.campaign_id, contact_id=entry.contact_id, round_key=key,
                    status="open", priority=OFFER_PRIORITY, due_at=now, attempts=0,
                    callback_requested=False, escalated=False, created_at=now)
        session.add(task)
    else:  # offered before, and that offer lapsed: ring them about this one
        task.status, task.close_reason, task.completed_at = "open", None, None
        task.priority, task.due_at, task.attempts = OFFER_PRIORITY, now, 0
        task.callback_at, task.callback_owner_id, task.callback_requested = None, None, False
        task.holder_id, task.lease_expires_at = None, None
    session.flush()
    return task


def offer_freed_places(session: Session, slot_ids: Collection[int], *, freed_from: int,
                       agent_id: int, now: datetime) -> Offer | None:
    """Offer places just freed to the first suitable person waiting (module docstring)."""
    expire_offers(session, now)
    slots = sorted(session.scalars(select(Slot).where(
        Slot.id.in_(sorted(slot_ids)), Slot.closed.is_(False),
        Slot.starts_at >= now + OFFER_MIN_NOTICE)),
        key=lambda s: (s.session_id, s.starts_at))
    if slots:   # nor within the service's own notice
        earliest = service_rules(slots[0].service).earliest_start(now)
        slots = [s for s in slots if s.starts_at >= earliest]
    if not slots:
        return None
    first = min(slots, key=lambda s: s.starts_at)
    run_minutes = sum(int((s.ends_at - s.starts_at).total_seconds() // 60) for s in slots)
    candidates = session.scalars(
        select(WaitingListEntry)
        .join(Contact, Contact.id == WaitingListEntry.contact_id)
        .join(Campaign, Campaign.id == WaitingListEntry.campaign_id)
        .where(WaitingListEntry.status == "waiting", WaitingListEntry.service == first.service,
               or_(WaitingListEntry.location_id.is_(None),
                   WaitingListEntry.location_id == first.location_id),
               or_(WaitingListEntry.wanted_by.is_(None),
                   WaitingListEntry.wanted_by >= london_day(first.starts_at)),
               or_(WaitingListEntry.minutes.is_(None),
                   WaitingListEntry.minutes <= run_minutes),
               WaitingListEntry.contact_id != freed_from,
               Contact.do_not_call.is_(False), Campaign.status == "active")
        .order_by(WaitingListEntry.added_at, WaitingListEntry.id)
        .limit(_CANDIDATES)
        .with_for_update(skip_locked=True, of=WaitingListEntry)).all()
    for entry in candidates:
        for index, slot in enumerate(slots):
            count = slots_needed(entry.minutes, int((slot.ends_at - slot.starts_at)
                                                    .total_seconds() // 60))
            run = _consecutive(slots, index, count)
            if run is None or any(free_now(session, s.id, now, None, entry.contact_id) < 1
                                  for s in run):
                continue
            if entry.wanted_by is not None and london_day(run[0].starts_at) > entry.wanted_by:
                continue
            if not suits(entry, run[0].starts_at):      # not a day or time they can come
                continue
            task = offer_task(session, entry, now)
            expires = min(now + OFFER_HOLD, run[0].starts_at)
            session.add_all(SlotHold(slot_id=s.id, agent_id=agent_id, task_id=task.id,
                                     contact_id=entry.contact_id, created_at=now,
                                     expires_at=expires) for s in run)
            entry.status, entry.offered_slot_id = "offered", run[0].id
            entry.offer_task_id, entry.offered_at = task.id, now
            return Offer(entry.id, entry.contact_id, task.id, run[0].id, expires)
    return None
