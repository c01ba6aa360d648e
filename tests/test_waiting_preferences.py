"""Waiting-list preferences on both databases: the days (Monday to Saturday), mornings
or afternoons and the place someone can come are kept, and a freed place is offered
only to someone it suits."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from outbound import booking
from outbound.booking import BookingError
from outbound.booking.waiting import parse_preferred_days, preferences_text
from outbound.db.booking_models import WaitingListEntry
from tests.test_booking import (
    MONDAY,
    NOW,
    PHONE,
    SIGNING,
    add_contacts,
    agents,
    births,
    registrar_week,
    slot_at,
)


def test_preferences_are_checked_and_kept(db):
    registrar_week(db)
    [parent] = add_contacts(db, 1)
    camp = births(db)
    entry = booking.add_to_waiting_list(db, camp, parent, PHONE, days="mon,wed,sat",
                                        times="afternoon",
                                        location="Ashworth Register Office", now=NOW)
    with db.read() as s:
        row = s.get(WaitingListEntry, entry)
        assert (row.preferred_days, row.preferred_times) == ("mon,wed,sat", "afternoon")
    assert preferences_text(row.preferred_days, row.preferred_times,
                            "Ashworth Register Office") == (
        "Mondays, Wednesdays and Saturdays, afternoons, at Ashworth Register Office")
    assert parse_preferred_days([0, 1, 2, 3, 4, 5]) is None          # any day
    with pytest.raises(BookingError, match="Monday to Saturday"):
        booking.add_to_waiting_list(db, camp, parent, SIGNING, days="sun", now=NOW)
    with pytest.raises(BookingError, match="mornings or afternoons"):
        booking.add_to_waiting_list(db, camp, parent, SIGNING, times="evening", now=NOW)


def test_a_freed_place_goes_to_the_first_person_it_suits(db):
    registrar_week(db)
    agents(db)
    [holder, afternoons, mondays, tuesday_mornings] = add_contacts(db, 4)
    camp = births(db)
    tuesday = MONDAY + timedelta(days=1)
    slot = slot_at(db, PHONE, tuesday, time(9))                     # a Tuesday morning
    made = booking.book(db, "Sam", holder, slot.id, campaign=camp, now=NOW)
    first = booking.add_to_waiting_list(db, camp, afternoons, PHONE, times="afternoon",
                                        now=NOW)
    second = booking.add_to_waiting_list(db, camp, mondays, PHONE, days=[0],
                                         now=NOW + timedelta(minutes=1))
    third = booking.add_to_waiting_list(db, camp, tuesday_mornings, PHONE, days="tue",
                                        times="morning", now=NOW + timedelta(minutes=2))
    result = booking.cancel(db, "Priya", made.reference, "unwell",
                            now=NOW + timedelta(hours=1))
    [offer] = result.offers
    assert (offer.entry_id, offer.contact_id) == (third, tuesday_mornings)
    with db.read() as s:
        assert s.get(WaitingListEntry, first).status == "waiting"
        assert s.get(WaitingListEntry, second).status == "waiting"
