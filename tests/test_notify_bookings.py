"""A booking's messages move with it: the confirmation is queued in the booking's own
transaction (and the day-before reminder, when the appointment is tomorrow), nothing is
queued for a booking that did not land, and cancelling, moving or closing the session
cancels what has not gone yet, on both databases."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from outbound import booking
from outbound.booking import PlaceGone
from outbound.booking.closing import close_session
from outbound.db.booking_models import BookingSession
from outbound.db.models import Contact
from outbound.db.notify_models import Message
from outbound.notify.due import queue_due_messages
from tests.test_booking import (
    LONDON,
    MONDAY,
    PHONE,
    add_contacts,
    agents,
    births,
    registrar_week,
    slot_at,
)

FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=LONDON)
SUNDAY = datetime(2026, 11, 29, 9, 0, tzinfo=LONDON)
TUESDAY = MONDAY + timedelta(days=1)


def messages(db) -> list[tuple[str, str, str | None]]:
    """(occasion, status, reason) of every message, oldest first."""
    with db.read() as session:
        return [(m.occasion, m.status, m.reason) for m in session.scalars(
            select(Message).order_by(Message.id))]


def setup(db, people: int = 1) -> tuple[list[int], int]:
    registrar_week(db)
    agents(db, "Sam", "Priya")
    parents = add_contacts(db, people)
    with db.write() as session:
        for n, parent in enumerate(parents):
            session.get(Contact, parent).email = f"parent{n}@example.org"
    return parents, births(db)


@pytest.mark.clock(FRIDAY)
def test_the_confirmation_is_queued_with_the_booking_and_only_once(db):
    [parent], camp = setup(db)
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
                        campaign=camp, now=FRIDAY)
    # Monday is not tomorrow: the confirmation only, without waiting for the service.
    assert messages(db) == [(f"booking:{made.reference}", "queued", None)]
    with db.read() as session:
        found = session.scalar(select(Message))
        assert found.channel == "email" and found.personalisation["time"] == "09:00"
        assert found.created_at == FRIDAY
    queue_due_messages(db, now=FRIDAY + timedelta(minutes=5))    # the safety net
    assert len(messages(db)) == 1


@pytest.mark.clock(FRIDAY)
def test_a_booking_that_did_not_land_queues_nothing(db):
    [first, second], camp = setup(db, people=2)
    slot = slot_at(db, PHONE, MONDAY, time(9)).id
    booking.book(db, "Sam", first, slot, campaign=camp, now=FRIDAY)
    with pytest.raises(PlaceGone):
        booking.book(db, "Sam", second, slot, campaign=camp, now=FRIDAY)
    with db.read() as session:
        assert list(session.scalars(select(Message.contact_id))) == [first]


@pytest.mark.clock(SUNDAY)
def test_moving_and_cancelling_cancel_what_has_not_gone_and_queue_the_right_ones(db):
    [parent], camp = setup(db)
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
                        campaign=camp, now=FRIDAY)
    with db.write() as session:           # the confirmation has gone to Notify
        session.execute(update(Message).values(status="sent", sent_at=FRIDAY))
    queue_due_messages(db, now=SUNDAY)    # Monday's reminder, the day before
    assert messages(db)[1] == (f"day_before:{made.reference}", "queued", None)

    # Moved to Tuesday: Monday's reminder must not go; Tuesday's confirmation does.
    moved = booking.reschedule(db, "Sam", made.reference,
                               slot_at(db, PHONE, TUESDAY, time(10)).id, now=SUNDAY)
    assert messages(db) == [
        (f"booking:{made.reference}", "sent", None),
        (f"day_before:{made.reference}", "cancelled",
         f"not sent: the appointment was moved to Tuesday 1 December 2026 at 10:00 "
         f"({moved.reference})"),
        (f"booking:{moved.reference}", "queued", None)]

    # Moved again, to tomorrow: its confirmation and its reminder go at once.
    later = SUNDAY + timedelta(hours=1)
    again = booking.reschedule(db, "Sam", moved.reference,
                               slot_at(db, PHONE, MONDAY, time(11)).id, now=later)
    assert messages(db)[2:] == [
        (f"booking:{moved.reference}", "cancelled",
         f"not sent: the appointment was moved to Monday 30 November 2026 at 11:00 "
         f"({again.reference})"),
        (f"booking:{again.reference}", "queued", None),
        (f"day_before:{again.reference}", "queued", None)]
    queue_due_messages(db, now=later)     # nothing for the moved bookings, nothing twice
    assert len(messages(db)) == 5

    booking.cancel(db, "Sam", again.reference, "no_longer_needed", now=later)
    assert [m[1:] for m in messages(db)[3:]] == [
        ("cancelled", "not sent: the appointment was cancelled")] * 2
    queue_due_messages(db, now=later + timedelta(minutes=5))
    assert len(messages(db)) == 5


@pytest.mark.clock(SUNDAY)
def test_closing_a_session_cancels_its_bookings_messages(db):
    [parent], camp = setup(db)
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
                        campaign=camp, now=SUNDAY)
    assert [m[0] for m in messages(db)] == [f"booking:{made.reference}",
                                            f"day_before:{made.reference}"]
    with db.read() as session:
        monday = session.scalar(select(BookingSession.id).where(
            BookingSession.service == PHONE, BookingSession.day == MONDAY))
    close_session(db, monday, reason_note="Registrar Jones is off sick.", by="Priya",
                  now=SUNDAY)
    assert {m[1:] for m in messages(db)} == {
        ("cancelled", "not sent: the council cancelled the appointment")}
