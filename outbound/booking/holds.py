"""Short holds on the places a person is considering, so two agents never offer the
same last place. A hold lapses by itself at ``expires_at``; nothing needs to run for
that, because every count of free places ignores lapsed holds. An agent has one live
hold at a time (it may cover several slots, e.g. both parts of a registration):
placing a new one releases the old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from outbound.booking.availability import slot_run
from outbound.booking.errors import BookingError, PlaceGone
from outbound.booking.lookup import find_contact, find_task
from outbound.booking.places import (
    drop_lapsed_holds,
    free_now,
    lock_slots,
    release_agent_holds,
)
from outbound.clock import utcnow
from outbound.db.booking_models import SlotHold
from outbound.db.database import Database
from outbound.users import user_id

DEFAULT_HOLD = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class Hold:
    """What an agent is holding: the first slot of each appointment, every slot, and
    when the hold lapses."""

    starts: tuple[int, ...]
    slot_ids: tuple[int, ...]
    expires_at: datetime


def hold_slot(db: Database, agent: str | int, slot: int | Sequence[int], *,
              minutes: int | None = None, contact: int | None = None,
              task: int | None = None, hold_for: timedelta = DEFAULT_HOLD,
              now: datetime | None = None) -> Hold:
    """Hold one place at ``slot`` (or at each of several, e.g. both parts) for the agent.

    A long appointment (``minutes`` more than a slot) holds the run of slots it needs.
    Raises PlaceGone if another agent has booked or is holding the last place.
    """
    if hold_for <= timedelta(0):
        raise BookingError("A hold must last some time.")
    starts = [slot] if isinstance(slot, int) else list(slot)
    if not starts:
        raise BookingError("Choose a time to hold.")
    moment = now or utcnow()

    def work(session: Session) -> Hold:
        agent_id = user_id(session, agent)
        if contact is not None:
            find_contact(session, contact)
            if task is not None:
                find_task(session, task, contact)
        release_agent_holds(session, agent_id)
        runs = [slot_run(session, start, minutes, moment) for start in starts]
        ids = [s.id for run in runs for s in run]
        if len(set(ids)) != len(ids):
            raise BookingError("The times chosen overlap: choose different times.")
        lock_slots(session, ids)
        drop_lapsed_holds(session, ids, moment)
        for slot_id in ids:
            if free_now(session, slot_id, moment, agent_id, contact) < 1:
                raise PlaceGone()
        expires = moment + hold_for
        session.add_all(SlotHold(slot_id=slot_id, agent_id=agent_id, task_id=task,
                                 contact_id=contact, created_at=moment, expires_at=expires)
                        for slot_id in ids)
        return Hold(tuple(starts), tuple(ids), expires)

    return db.run_write(work)


def release_hold(db: Database, agent: str | int) -> int:
    """Let go of the agent's hold (the person said no); returns how many slots it held."""

    def work(session: Session) -> int:
        return release_agent_holds(session, user_id(session, agent))

    return db.run_write(work)
