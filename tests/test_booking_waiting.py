"""The waiting list on both databases: a freed place offered first come first served,
held for the person offered it, and given back when the offer lapses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from outbound import booking
from outbound.booking import BookingError, PlaceGone
from outbound.db.booking_models import WaitingListEntry
from outbound.db.models import Task
from tests.test_booking import (
    LONDON,
    MONDAY,
    NOW,
    PHONE,
    add_contacts,
    agents,
    births,
    booked,
    registrar_week,
    slot_at,
)


def test_a_cancelled_place_is_offered_first_come_first_served(db):
    registrar_week(db)
    agents(db)
    [booked_parent, early, too_soon, late, other] = add_contacts(db, 5)
    camp = births(db)
    slot = slot_at(db, PHONE, MONDAY + timedelta(days=1), time(9))
    made = booking.book(db, "Sam", booked_parent, slot.id, campaign=camp, now=NOW)
    first = booking.add_to_waiting_list(db, camp, early, PHONE, wanted_by=date(2026, 12, 4),
                                        now=NOW)
    skipped = booking.add_to_waiting_list(db, camp, too_soon, PHONE,
                                          wanted_by=date(2026, 11, 30),
                                          now=NOW - timedelta(hours=1))   # earlier, but
    third = booking.add_to_waiting_list(db, camp, late, PHONE, location="Ashworth Register "
                                        "Office", now=NOW + timedelta(minutes=5))
    with pytest.raises(BookingError, match="already on the waiting list"):
        booking.add_to_waiting_list(db, camp, early, PHONE, now=NOW)
    cancelled_at = NOW + timedelta(hours=1)
    result = booking.cancel(db, "Priya", made.reference, "unwell", now=cancelled_at)
    [offer] = result.offers
    assert (offer.entry_id, offer.contact_id, offer.slot_id) == (first, early, slot.id)
    with db.read() as s:
        task = s.get(Task, offer.task_id)
        assert (task.campaign_id, task.contact_id, task.round_key, task.status,
                task.attempts) == (camp, early, f"offer:{first}", "open", 0)
        assert task.priority >= 100 and task.due_at == cancelled_at
        entry = s.get(WaitingListEntry, first)
        assert (entry.status, entry.offered_slot_id, entry.offer_task_id) == (
            "offered", slot.id, offer.task_id)
        assert s.get(WaitingListEntry, skipped).status == "waiting"
    assert offer.hold_expires_at == cancelled_at + timedelta(hours=2)
    # Held for them: not offered to others, but there for the person offered it.
    tuesday = date(2026, 12, 1)
    assert booking.find_free_slots(db, PHONE, from_=tuesday, limit=1, agent="Sam",
                                   now=cancelled_at)[0].slot_id != slot.id
    with pytest.raises(PlaceGone):
        booking.book(db, "Sam", other, slot.id, now=cancelled_at)
    assert booking.find_free_slots(db, PHONE, from_=tuesday, limit=1, contact=early,
                                   now=cancelled_at)[0].slot_id == slot.id
    taken = booking.book(db, "Sam", early, slot.id, task=offer.task_id,
                         now=cancelled_at + timedelta(minutes=30))
    with db.read() as s:
        entry = s.get(WaitingListEntry, first)
        assert (entry.status, entry.booking_id) == ("booked", taken.booking_id)
    # The next place freed goes to the next in the queue who can use it.
    second = booking.cancel(db, "Priya", taken.reference, "unwell",
                            now=cancelled_at + timedelta(hours=1)).offers
    assert [o.entry_id for o in second] == [third]


def test_the_agent_who_freed_a_place_cannot_give_the_offered_place_away(db):
    registrar_week(db, capacity=2)
    agents(db)
    [one, two, waiting, walk_in] = add_contacts(db, 4)
    camp = births(db)
    slot = slot_at(db, PHONE, MONDAY + timedelta(days=1), time(9))
    made = [booking.book(db, "Sam", p, slot.id, campaign=camp, now=NOW) for p in (one, two)]
    booking.add_to_waiting_list(db, camp, waiting, PHONE, now=NOW)
    [offer] = booking.cancel(db, "Priya", made[0].reference, "unwell", now=NOW).offers
    for agent in ("Priya", "Sam"):
        with pytest.raises(PlaceGone):
            booking.book(db, agent, walk_in, slot.id, now=NOW)
        with pytest.raises(PlaceGone):
            booking.hold_slot(db, agent, slot.id, contact=walk_in, now=NOW)
    booking.book(db, "Priya", waiting, slot.id, task=offer.task_id, now=NOW)
    assert booked(db, slot.id) == 2


def test_an_unused_offer_lapses_and_the_place_is_free_again(db):
    registrar_week(db)
    agents(db)
    [booked_parent, waiting, other] = add_contacts(db, 3)
    camp = births(db)
    slot = slot_at(db, PHONE, MONDAY + timedelta(days=1), time(9))
    made = booking.book(db, "Sam", booked_parent, slot.id, campaign=camp, now=NOW)
    entry = booking.add_to_waiting_list(db, camp, waiting, PHONE, now=NOW)
    [offer] = booking.cancel(db, "Sam", made.reference, "unwell", now=NOW).offers
    after = NOW + timedelta(hours=2, minutes=1)
    assert booking.lapse_offers(db, now=after) == 1
    with db.read() as s:
        assert s.get(WaitingListEntry, entry).status == "waiting"
        task = s.get(Task, offer.task_id)
        assert (task.status, task.close_reason) == ("closed", "offer lapsed")
    booking.book(db, "Sam", other, slot.id, now=after)
    assert booked(db, slot.id) == 1
    assert [e.id for e in booking.waiting_list(db, campaign=camp)] == [entry]


def test_a_move_offers_the_old_place_and_a_sudden_gap_is_not_offered(db):
    registrar_week(db)
    agents(db)
    [parent, waiting] = add_contacts(db, 2)
    camp = births(db)
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
                        campaign=camp, now=NOW)
    entry = booking.add_to_waiting_list(db, camp, waiting, PHONE, now=NOW)
    morning = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)
    moved = booking.reschedule(db, "Sam", made.reference,      # two hours' notice
                               slot_at(db, PHONE, MONDAY, time(11)).id, now=morning)
    with db.read() as s:                    # 09:00 is too soon to ring anyone about
        assert s.get(WaitingListEntry, entry).status == "waiting"
    booking.reschedule(db, "Sam", moved.reference,
                       slot_at(db, PHONE, MONDAY, time(11, 15)).id, now=morning)
    with db.read() as s:
        row = s.get(WaitingListEntry, entry)
        assert (row.status, row.offered_slot_id) == (
            "offered", slot_at(db, PHONE, MONDAY, time(11)).id)


def test_the_waiting_list_refuses_nonsense(db):
    registrar_week(db)
    [parent] = add_contacts(db, 1)
    camp = births(db)
    with pytest.raises(BookingError, match="already passed"):
        booking.add_to_waiting_list(db, camp, parent, PHONE, wanted_by=date(2026, 11, 1),
                                    now=NOW)
    with pytest.raises(ValueError, match="no campaign"):
        booking.add_to_waiting_list(db, "Nope", parent, PHONE, now=NOW)
    with pytest.raises(BookingError, match="no location"):
        booking.add_to_waiting_list(db, camp, parent, PHONE, location="Atlantis", now=NOW)
    with db.read() as s:
        assert s.scalar(select(func.count(WaitingListEntry.id))) == 0
