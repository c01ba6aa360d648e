"""Taking and giving back places on slots, under the database's own guarantees.

Places are taken with one conditional UPDATE (``booked + 1 + holds by others <=
capacity``) in the booking's transaction, and the CHECK constraint on the slot table
backs it up: no number of agents booking at once can over-book a slot. The slot rows
are locked first, in id order: on PostgreSQL with ``SELECT ... FOR UPDATE``, so that the
update's count of holds is read after any hold placed a moment earlier has committed;
on SQLite every write transaction began with ``BEGIN IMMEDIATE``, which already
serialises writers (and SQLAlchemy leaves ``FOR UPDATE`` out there).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from outbound.booking.availability import free_places, mine, others_holding
from outbound.booking.errors import PlaceGone
from outbound.db.booking_models import Slot, SlotHold, WaitingListEntry


def lock_slots(session: Session, slot_ids: Collection[int]) -> None:
    """Lock the slots' rows until the transaction ends (PostgreSQL; see the docstring)."""
    session.execute(select(Slot.id).where(Slot.id.in_(sorted(slot_ids)))
                    .order_by(Slot.id).with_for_update())


def _expire_slots(session: Session) -> None:
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Slot):
            session.expire(obj)


def free_now(session: Session, slot_id: int, now: datetime, agent_id: int | None,
             contact_id: int | None) -> int:
    """Free places on a slot for this agent and person, read inside the transaction
    (none on a closed slot: read after ``lock_slots``, this sees a close just made)."""
    return int(session.scalar(select(free_places(now, agent_id, contact_id))
                              .where(Slot.id == slot_id, Slot.closed.is_(False))) or 0)


def take_places(session: Session, slot_ids: Collection[int], *, agent_id: int,
                contact_id: int | None, now: datetime) -> None:
    """One place on each slot, or PlaceGone and nothing taken (the caller rolls back)."""
    ids = sorted(set(slot_ids))
    lock_slots(session, ids)
    result = session.execute(
        update(Slot)
        .where(Slot.id.in_(ids), Slot.closed.is_(False), Slot.starts_at > now,
               Slot.booked + 1 + others_holding(Slot.id, now, agent_id, contact_id)
               <= Slot.capacity)
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False))
    _expire_slots(session)
    if result.rowcount != len(ids):
        raise PlaceGone()
    own = mine(agent_id, contact_id)
    if own is not None:
        session.execute(delete(SlotHold).where(SlotHold.slot_id.in_(ids), own)
                        .execution_options(synchronize_session=False))


def give_back_places(session: Session, slot_ids: Collection[int]) -> None:
    """One place back on each slot (a cancellation or a move)."""
    ids = sorted(set(slot_ids))
    lock_slots(session, ids)
    session.execute(update(Slot).where(Slot.id.in_(ids), Slot.booked > 0)
                    .values(booked=Slot.booked - 1)
                    .execution_options(synchronize_session=False))
    _expire_slots(session)


def release_agent_holds(session: Session, agent_id: int) -> int:
    """Drop the agent's own holds; a waiting-list offer the agent made is kept."""
    offers = select(WaitingListEntry.offer_task_id).where(
        WaitingListEntry.status == "offered", WaitingListEntry.offer_task_id.is_not(None))
    result = session.execute(
        delete(SlotHold).where(SlotHold.agent_id == agent_id,
                               or_(SlotHold.task_id.is_(None),
                                   and_(SlotHold.task_id.is_not(None),
                                        SlotHold.task_id.not_in(offers))))
        .execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)


def drop_lapsed_holds(session: Session, slot_ids: Collection[int], now: datetime) -> None:
    """Tidy away holds that have lapsed on these slots (they count for nothing anyway)."""
    session.execute(delete(SlotHold).where(SlotHold.slot_id.in_(sorted(slot_ids)),
                                           SlotHold.expires_at <= now)
                    .execution_options(synchronize_session=False))
