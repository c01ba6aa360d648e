"""Confirmations and the demo locations: a calendar file that reads back right across
the clock change, a letter in council words, and Pendleshire's offices and clinics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
from sqlalchemy import select

from outbound import booking
from outbound.booking.confirmation import UID_DOMAIN
from outbound.booking.demo import build_demo_bookings
from outbound.db.booking_models import BookingSession
from outbound.db.models import Contact
from outbound.queue.campaigns import create_campaign
from tests.test_booking import (
    LONDON,
    NOW,
    PHONE,
    SIGNING,
    VACCINATION,
    add_contacts,
    agents,
    births,
    office,
    slot_at,
)


def two_parts_either_side_of_the_spring_change(db, **details):
    """Both parts booked on 20 March; ``details`` (email=...) are set on the parent
    first, as the booking's confirmation is queued with it."""
    location = office(db)
    for service, day in ((PHONE, date(2026, 3, 27)), (SIGNING, date(2026, 3, 30))):
        booking.add_session(db, location, service, day, time(10), time(11), 30)
    agents(db)
    [parent] = add_contacts(db, 1)
    if details:
        with db.write() as session:
            for name, value in details.items():
                setattr(session.get(Contact, parent), name, value)
    camp = births(db)
    before = datetime(2026, 3, 20, 12, 0, tzinfo=LONDON)
    first, second = booking.book_two_parts(
        db, "Sam", parent, slot_at(db, PHONE, date(2026, 3, 27), time(10)).id,
        slot_at(db, SIGNING, date(2026, 3, 30), time(10)).id, campaign=camp, minutes=30,
        now=before)
    return first, second, booking.confirmation(db, first.reference, now=before)


def test_the_calendar_file_reads_back_with_both_parts_on_the_london_clock(db):
    first, second, made = two_parts_either_side_of_the_spring_change(db)
    parsed = icalendar.Calendar.from_ical(made.ics)
    events = parsed.events
    assert [str(e["uid"]) for e in events] == [f"{first.reference}@{UID_DOMAIN}",
                                                f"{second.reference}@{UID_DOMAIN}"]
    # Friday is GMT and Monday is BST: both read back as 10:00 London and the right instant.
    for event, part in zip(events, (first, second), strict=True):
        assert event.start.tzinfo.key == "Europe/London"
        assert event.start.strftime("%H:%M") == "10:00"
        assert event.start == part.starts_at and event.end == part.ends_at
    assert events[1].start.astimezone(UTC).hour == 9
    assert "Town Hall, Church Street, Ashworth" in str(events[1]["location"])
    assert "By telephone" in str(events[0]["location"])
    assert second.reference in str(events[1]["description"])
    assert [tz.tz_name for tz in parsed.timezones] == ["Europe/London"]


def test_the_calendar_file_is_written_whole(db, tmp_path):
    ics = two_parts_either_side_of_the_spring_change(db)[2].ics
    path = booking.write_ics(tmp_path / "booking.ics", ics)
    assert icalendar.Calendar.from_ical(path.read_bytes()).to_ical() == ics


def test_the_confirmation_reads_like_a_letter(db):
    location = booking.add_location(db, "Dunmoor Community Hub", address="Chapel Row, Dunmoor",
                                    postcode="PN4 5DH", phone="020 7946 0991",
                                    directions="The hall at the back of the hub.")
    booking.add_session(db, location, VACCINATION, date(2026, 12, 1), time(10), time(11), 10)
    agents(db)
    [person] = add_contacts(db, 1)
    camp = create_campaign(db, "vaccination_booking", "Staff vaccinations")
    made = booking.book(db, "Sam", person, slot_at(db, VACCINATION, date(2026, 12, 1),
                                                   time(10, 30)).id, campaign=camp, now=NOW)
    text = booking.confirmation(db, made.reference, now=NOW).text
    assert "Vaccination appointment: Tuesday 1 December 2026 at 10:30 (10 minutes)" in text
    assert "Where: Dunmoor Community Hub, Chapel Row, Dunmoor, PN4 5DH." in text
    assert "Please bring your work ID badge." in text
    assert "call 020 7946 0991" in text and made.reference in text
    assert text.startswith("Dear Parent 0,")


def test_the_calendar_file_says_nothing_about_the_years_its_time_zone_covers(db):
    ics = two_parts_either_side_of_the_spring_change(db)[2].ics.decode()
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Europe/London" in ics
    assert "only works" not in ics and "COMMENT" not in ics


def test_two_parts_at_two_offices_give_each_office_s_number(db):
    phones_at = office(db)
    signing_at = booking.add_location(db, "Dunmoor Register Office", kind="register_office",
                                      address="Chapel Row, Dunmoor", postcode="PN4 5DH",
                                      phone="020 7946 0992", resources=("Registrar Patel",))
    booking.add_session(db, phones_at, PHONE, date(2026, 3, 27), time(10), time(11), 30)
    booking.add_session(db, signing_at, SIGNING, date(2026, 3, 30), time(10), time(11), 30)
    agents(db)
    [parent] = add_contacts(db, 1)
    before = datetime(2026, 3, 20, 12, 0, tzinfo=LONDON)
    first, _second = booking.book_two_parts(
        db, "Sam", parent, slot_at(db, PHONE, date(2026, 3, 27), time(10)).id,
        slot_at(db, SIGNING, date(2026, 3, 30), time(10)).id, campaign=births(db),
        minutes=30, now=before)
    text = booking.confirmation(db, first.reference, now=before).text
    assert ("To change or cancel, call the office of that appointment and quote its "
            "reference (Ashworth Register Office: 0113 496 0990; Dunmoor Register Office: "
            "020 7946 0992).") in text



# The demo --------------------------------------------------------------------------------

def test_the_demo_has_offices_and_clinics_for_four_weeks_of_weekdays(db):
    made = build_demo_bookings(db, date(2026, 12, 21))
    assert len(made.locations) == 5
    places = booking.list_locations(db)
    assert sum(p.kind == "register_office" for p in places) == 2
    assert sum(p.kind == "clinic" for p in places) == 3
    assert all(p.phone.startswith(("0113 496 0", "020 7946 0")) for p in places)
    with db.read() as s:
        days = set(s.scalars(select(BookingSession.day).distinct()))
        services = set(s.scalars(select(BookingSession.service).distinct()))
    assert services == {PHONE, SIGNING, VACCINATION}
    assert date(2026, 12, 25) not in days and date(2026, 12, 28) not in days
    assert date(2026, 12, 26) not in days and max(days) == date(2027, 1, 15)
    again = build_demo_bookings(db, date(2026, 12, 21))
    assert again.locations == [] and again.slots == 0
    soon = datetime(2026, 12, 21, 8, 0, tzinfo=LONDON)
    for service in (PHONE, SIGNING, VACCINATION):
        assert len(booking.find_free_slots(db, service, minutes=40, now=soon)) == 10
