"""Eight processes booking the last places of one slot at once, on both databases:
exactly as many bookings as places, a clear sentence for everyone else, and the slot
never over-booked."""

from __future__ import annotations

import multiprocessing
from datetime import time

from sqlalchemy import func, select

from outbound import booking
from outbound.booking import PlaceGone
from outbound.db import open_database
from outbound.db.booking_models import Booking, Slot, SlotHold
from outbound.users import add_user
from tests.test_booking import MONDAY, NOW, PHONE, add_contacts, registrar_week, slot_at

WORKERS = 8
PLACES = 3


def _book_the_last_place(url: str, agent: str, contact: int, slot: int, hold_first: bool,
                         start, results) -> None:
    db = open_database(url)
    try:
        start.wait(timeout=120)
        if hold_first:
            booking.hold_slot(db, agent, slot, contact=contact, now=NOW)
        made = booking.book(db, agent, contact, slot, now=NOW)
        results.put((agent, "booked", made.reference))
    except PlaceGone as exc:
        results.put((agent, "gone", str(exc)))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((agent, "error", repr(exc)))
    finally:
        db.close()


def test_eight_agents_booking_the_last_places_never_over_book(db, db_url):
    registrar_week(db, capacity=PLACES + 1)
    people = add_contacts(db, WORKERS + 1)
    agents = [f"Agent {i}" for i in range(WORKERS)]
    for agent in agents:
        add_user(db, agent)
    slot = slot_at(db, PHONE, MONDAY, time(9))
    booking.book(db, agents[0], people[-1], slot.id, now=NOW)     # one place already gone
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    start = ctx.Barrier(WORKERS)
    # Half hold the place first, as the agent's screen does; half book straight away.
    workers = [ctx.Process(target=_book_the_last_place,
                           args=(db_url, agent, person, slot.id, i % 2 == 0, start, results))
               for i, (agent, person) in enumerate(zip(agents, people, strict=False))]
    for p in workers:
        p.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for p in workers:
        p.join(timeout=60)
    assert [o for o in outcomes if o[1] == "error"] == []
    winners = [o for o in outcomes if o[1] == "booked"]
    losers = [o for o in outcomes if o[1] == "gone"]
    assert len(winners) == PLACES and len(losers) == WORKERS - PLACES
    assert all("that place has just gone" in message for _, _, message in losers)
    with db.read() as s:
        assert s.get(Slot, slot.id).booked == PLACES + 1
        assert s.scalar(select(func.count(Booking.id)).where(Booking.slot_id == slot.id)) \
            == PLACES + 1
        # A booking uses up its hold; a refused hold leaves nothing behind.
        assert s.scalar(select(func.count(SlotHold.id))
                        .where(SlotHold.slot_id == slot.id)) == 0
    assert len({reference for _, _, reference in winners}) == PLACES
