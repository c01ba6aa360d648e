"""Messages the calendar brings due: a renewal reminder a set number of days before an
expiry date, a booking's confirmation and the reminder the day before, each queued once
however often the service looks, on the London clock across the clock changes."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from outbound.db.notify_models import Message
from outbound.importing import import_rows
from outbound.notify.due import queue_due_messages
from outbound.queue.campaigns import create_campaign, enrol_reminders
from tests.test_booking_confirmation import two_parts_either_side_of_the_spring_change

LONDON = ZoneInfo("Europe/London")
TODAY = date(2027, 2, 1)
MORNING = datetime(2027, 2, 1, 6, 0, tzinfo=LONDON)


def messages(db):
    with db.read() as session:
        return list(session.scalars(select(Message).order_by(Message.contact_id,
                                                             Message.id)))


@pytest.mark.clock(MORNING)
def test_a_renewal_reminder_goes_56_days_before_expiry_by_text_else_letter(db):
    def expiring(days: int) -> str:
        return (TODAY + timedelta(days=days)).strftime("%d/%m/%Y")

    rows = [["Ann Able", "07400 000001", "", "", expiring(56), "NW1"],     # due today
            ["Ben Bird", "07400 000002", "", "", expiring(57), "NW2"],     # tomorrow
            ["Cal Cole", "0161 496 0003", "3 Rope Walk, Pendle", "PE1 1AA",
             expiring(20), "NW3"],                                        # a letter
            ["Dot Dale", "0161 496 0004", "", "", expiring(30), "NW4"],    # no way
            ["Eve East", "07400 000005", "", "", expiring(-1), "NW5"]]     # expired
    import_rows(db, ["Name", "Mobile", "Address", "Postcode", "Expiry date", "Pass number"],
                [(n + 2, row) for n, row in enumerate(rows)], file_name="passes.csv",
                source="NoWcard", mapping=["Pass number=external_ref"])
    create_campaign(db, "bus_pass_renewal", "Bus passes", audience={"source": "NoWcard"})
    for _ in range(2):
        queue_due_messages(db, now=MORNING)
    found = messages(db)
    assert [(m.contact_id, m.channel, m.status, m.occasion) for m in found] == [
        (1, "text", "queued", f"expiry:{TODAY + timedelta(days=56)}"),
        (3, "letter", "queued", f"expiry:{TODAY + timedelta(days=20)}"),
        (4, None, "unsendable", f"expiry:{TODAY + timedelta(days=30)}")]
    assert found[0].personalisation == {"first_name": "Ann", "expiry_date": "29 March 2027",
                                        "reference": "NW1"}
    assert found[2].task_id is None          # the reminder's own call comes later
    enrol_reminders(db, "Bus passes", TODAY, now=MORNING)   # calls from 42 days before
    queue_due_messages(db, now=MORNING + timedelta(days=1))
    assert [m.contact_id for m in messages(db)] == [1, 2, 3, 4]


def test_a_booking_is_confirmed_and_reminded_the_day_before_across_the_clock_change(db):
    first, second, _made = two_parts_either_side_of_the_spring_change(
        db, email="parent@example.org")
    booked = datetime(2026, 3, 20, 12, 5, tzinfo=LONDON)
    confirmations = sorted(m.occasion for m in messages(db))     # queued with the booking
    assert confirmations == sorted([f"booking:{first.reference}",
                                    f"booking:{second.reference}"])
    queue_due_messages(db, now=booked)          # the service's look finds nothing more
    queue_due_messages(db, now=booked + timedelta(minutes=5))
    found = messages(db)
    assert sorted(m.occasion for m in found) == confirmations
    assert {m.channel for m in found} == {"email"}
    confirmation = next(m for m in found if m.occasion == f"booking:{second.reference}")
    assert confirmation.personalisation["time"] == "10:00"
    assert confirmation.personalisation["date"] == "30 March 2026"
    assert confirmation.personalisation["place"] == "Ashworth Register Office"
    attached = confirmation.personalisation["calendar"]
    calendar = icalendar.Calendar.from_ical(base64.b64decode(attached["file"]))
    assert attached["filename"] == "appointment.ics"
    assert [str(e["uid"]).split("@")[0] for e in calendar.events] == [second.reference]
    # Thursday 26 March (GMT): the Friday telephone appointment's reminder.
    queue_due_messages(db, now=datetime(2026, 3, 26, 9, 0, tzinfo=LONDON))
    # Sunday 29 March, the clocks have gone forward: Monday's signing.
    queue_due_messages(db, now=datetime(2026, 3, 29, 9, 0, tzinfo=LONDON))
    reminders = [m for m in messages(db) if m.code == "day_before"]
    assert [m.occasion for m in reminders] == [f"day_before:{first.reference}",
                                               f"day_before:{second.reference}"]
    assert reminders[1].personalisation["time"] == "10:00"


def test_nothing_is_queued_for_a_person_not_to_be_contacted(db):
    two_parts_either_side_of_the_spring_change(db, email="parent@example.org",
                                               do_not_call=True)
    queue_due_messages(db, now=datetime(2026, 3, 20, 12, 5, tzinfo=LONDON))
    assert messages(db) == []
