"""Appointment booking on both databases: sessions and slots across the clock changes,
holds, bookings, moves, cancellations, attendance and two-part registrations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from outbound import booking
from outbound.booking import BookingError, PlaceGone
from outbound.campaigns import get_template
from outbound.db.booking_models import Booking, BookingSession, Slot
from outbound.db.models import Contact, Task
from outbound.queue.campaigns import create_campaign
from outbound.users import add_user

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)          # a Wednesday
MONDAY = date(2026, 11, 30)
PHONE, SIGNING = "Telephone appointment", "Signing the register"
VACCINATION = "Vaccination appointment"


def add_contacts(db, count: int) -> list[int]:
    with db.write() as s:
        people = [Contact(name=f"Parent {i}", name_key=f"parent {i}",
                          primary_phone=f"+44113496{i:04d}") for i in range(count)]
        s.add_all(people)
        s.flush()
        return [p.id for p in people]


def office(db, name: str = "Ashworth Register Office", officers=("Registrar Jones",)) -> int:
    return booking.add_location(db, name, kind="register_office",
                                address="Town Hall, Church Street, Ashworth",
                                postcode="PN1 1RG", phone="0113 496 0990",
                                resources=officers)


def registrar_week(db, *, capacity: int = 1) -> int:
    """An office with one registrar: phone appointments in the morning, signing in the
    afternoon, Monday 30 November to Friday 4 December 2026, 15-minute slots."""
    location = office(db)
    for service, start, end in ((PHONE, time(9), time(12, 30)),
                                (SIGNING, time(13, 30), time(16, 30))):
        booking.add_sessions(db, location, service, MONDAY, MONDAY + timedelta(days=4),
                             days="mon-fri", start=start, end=end, slot_minutes=15,
                             capacity=capacity, resource="Registrar Jones")
    return location


def slot_at(db, service: str, day: date, at: time) -> Slot:
    with db.read() as s:
        found = s.scalar(select(Slot).where(
            Slot.service == service,
            Slot.starts_at == datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)))
    assert found is not None, (service, day, at)
    return found


def booked(db, slot_id: int) -> int:
    with db.read() as s:
        return s.get(Slot, slot_id).booked


def agents(db, *names: str) -> None:
    for name in names or ("Sam", "Priya"):
        add_user(db, name)


def births(db) -> int:
    return create_campaign(db, "registrar_birth_booking", "Birth registrations")


# Slots and sessions ---------------------------------------------------------------------

def test_slot_times_skip_the_missing_hour_and_take_the_first_of_the_repeated_one():
    spring = booking.slot_times(date(2026, 3, 29), time(0, 0), time(3, 0), 30)
    assert [s.strftime("%H:%M") for s, _ in spring] == ["00:00", "00:30", "01:00", "01:30"]
    assert [s.astimezone(LONDON).strftime("%H:%M") for s, _ in spring] == [
        "00:00", "00:30", "02:00", "02:30"]          # 01:00 and 01:30 do not exist
    autumn = booking.slot_times(date(2026, 10, 25), time(0, 0), time(3, 0), 30)
    assert [s.strftime("%d %H:%M") for s, _ in autumn] == [
        "24 23:00", "24 23:30", "25 00:00", "25 00:30", "25 02:00", "25 02:30"]
    assert all(end - start == timedelta(minutes=30) for start, end in autumn)


@pytest.mark.parametrize("first, utc_nine", [
    (date(2026, 3, 27), {27: 9, 28: 9, 29: 8, 30: 8}),        # clocks go forward on 29th
    (date(2026, 10, 23), {23: 8, 24: 8, 25: 9, 26: 9}),      # clocks go back on 25th
])
def test_sessions_keep_the_wall_clock_across_the_clock_changes(db, first, utc_nine):
    location = office(db)
    added = booking.add_sessions(db, location, PHONE, first, first + timedelta(days=3),
                                 days="every day", start=time(9), end=time(10),
                                 slot_minutes=30, open_on_bank_holidays=True)
    assert (added.sessions, added.slots) == (4, 8)
    with db.read() as s:
        starts = sorted(s.scalars(select(Slot.starts_at)))
    firsts = {t.day: t.hour for t in starts[::2]}
    assert firsts == utc_nine
    assert all(t.astimezone(LONDON).strftime("%H:%M") in ("09:00", "09:30") for t in starts)


def test_bank_holidays_and_closed_days_are_left_out_unless_told(db):
    location = office(db)
    added = booking.add_sessions(db, location, PHONE, date(2026, 12, 21), date(2026, 12, 31),
                                 days="mon-fri", start=time(9), end=time(10), slot_minutes=60,
                                 closed_days=[date(2026, 12, 24)])
    assert added.sessions == 6      # 21, 22, 23, 29, 30, 31 December
    assert [(d.day, why) for d, why in added.skipped] == [
        (24, "closed"), (25, "Christmas Day"), (28, "Boxing Day (substitute day)")]
    opened = booking.add_sessions(db, location, PHONE, date(2026, 12, 25), date(2026, 12, 28),
                                  days="mon-fri", start=time(14), end=time(15),
                                  slot_minutes=60, open_on_bank_holidays=True)
    assert opened.sessions == 2 and opened.skipped == [] and opened.warnings == []
    far = booking.add_sessions(db, location, PHONE, date(2030, 12, 30), date(2031, 1, 3),
                               days="mon-fri", start=time(9), end=time(10), slot_minutes=60)
    assert far.sessions == 5 and "after 2030 are not known yet" in far.warnings[0]  # 1 Jan


def count_rows(db) -> tuple[int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count(BookingSession.id))),
                s.scalar(select(func.count(Slot.id))))


@pytest.mark.parametrize("change, words", [
    (dict(location="Nowhere Office"), "no location called “Nowhere Office”"),
    (dict(first=date(2026, 12, 4), last=date(2026, 11, 30)), "wrong way round"),
    (dict(start=time(12, 30), end=time(9)), "ends before it starts"),
    (dict(slot_minutes=240), "does not fit"),
    (dict(days="fri-mon"), "runs backwards"),
    (dict(days="someday"), "not a list of days"),
    (dict(resource="Registrar Smith"), "no officer, vaccinator or room called"),
    (dict(start=time(12), end=time(13)), "already has a session"),   # overlaps 09:00-12:30
])
def test_a_bad_session_is_refused_and_nothing_is_added(db, change, words):
    registrar_week(db)
    before = count_rows(db)
    request = dict(location="Ashworth Register Office", service=PHONE, first=MONDAY,
                   last=MONDAY + timedelta(days=4), days="mon-fri", start=time(9),
                   end=time(12, 30), slot_minutes=15, resource="Registrar Jones") | change
    with pytest.raises(BookingError, match=words):
        booking.add_sessions(db, request.pop("location"), request.pop("service"),
                             request.pop("first"), request.pop("last"), **request)
    assert count_rows(db) == before


# Finding places ----------------------------------------------------------------------------

def test_free_places_come_soonest_first_across_locations(db):
    registrar_week(db)
    other = office(db, "Calder Vale Register Office", ("Registrar Davies",))
    booking.add_sessions(db, other, PHONE, MONDAY, MONDAY, days="mon", start=time(8, 45),
                         end=time(9, 30), slot_minutes=15, capacity=2)
    free = booking.find_free_slots(db, PHONE, limit=4, now=NOW)
    assert [(f.location[:6], f.starts_at.astimezone(LONDON).strftime("%H:%M")) for f in free] \
        == [("Calder", "08:45"), ("Ashwor", "09:00"), ("Calder", "09:00"), ("Ashwor", "09:15")]
    assert free[0].free == 2 and free[1].resource == "Registrar Jones"
    only = booking.find_free_slots(db, PHONE, location="Calder Vale Register Office", now=NOW)
    assert len(only) == 3 and {f.location for f in only} == {"Calder Vale Register Office"}
    later = booking.find_free_slots(db, PHONE, from_=date(2026, 12, 2), limit=1, now=NOW)
    assert later[0].starts_at == slot_at(db, PHONE, date(2026, 12, 2), time(9)).starts_at
    during = booking.find_free_slots(db, PHONE, limit=1,
                                     now=datetime(2026, 11, 30, 10, 5, tzinfo=LONDON))
    # two hours' notice for a telephone appointment: 10:15 is too soon at 10:05
    assert during[0].starts_at.astimezone(LONDON).strftime("%H:%M") == "12:15"
    assert booking.find_free_slots(db, "Blood test", now=NOW) == []


def test_a_long_appointment_is_offered_only_where_enough_slots_run_free(db):
    registrar_week(db)
    agents(db)
    [parent, other] = add_contacts(db, 2)
    blocker = slot_at(db, PHONE, MONDAY, time(10))
    booking.book(db, "Sam", other, blocker.id, now=NOW)
    free = booking.find_free_slots(db, PHONE, minutes=55, limit=20, now=NOW)   # 4 slots
    monday = [f for f in free if f.starts_at.date() == MONDAY]
    starts = [f.starts_at.astimezone(LONDON).strftime("%H:%M") for f in monday]
    assert starts == ["09:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30"]
    assert all(len(f.slot_ids) == 4 for f in free)
    with pytest.raises(BookingError, match="does not fit"):     # runs past the session end
        booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(11, 45)).id,
                     minutes=55, now=NOW)
    with pytest.raises(PlaceGone):                              # runs into the 10:00 booking
        booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9, 15)).id,
                     minutes=55, now=NOW)
    made = booking.book(db, "Sam", parent, free[0].slot_id, minutes=55, now=NOW)
    assert made.minutes == 55 and made.ends_at - made.starts_at == timedelta(minutes=55)
    assert all(booked(db, sid) == 1 for sid in free[0].slot_ids)


def test_a_calendar_shows_free_places_per_day(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, minutes=30,
                 now=NOW)
    days = booking.day_availability(db, PHONE, date(2026, 11, 29), date(2026, 12, 1), now=NOW)
    assert [(d.day.day, d.free, d.places) for d in days] == [(29, 0, 0), (30, 12, 14),
                                                             (1, 14, 14)]
    assert days[1].first_free.astimezone(LONDON).strftime("%H:%M") == "09:30"


# Holds ---------------------------------------------------------------------------------------

def test_a_hold_hides_the_place_from_other_agents_until_it_lapses(db):
    registrar_week(db)
    agents(db)
    [first, second] = add_contacts(db, 2)
    slot = slot_at(db, PHONE, MONDAY, time(9))
    hold = booking.hold_slot(db, "Sam", slot.id, contact=first, now=NOW)
    assert hold.expires_at == NOW + timedelta(minutes=3)
    assert booking.find_free_slots(db, PHONE, limit=1, agent="Priya", now=NOW)[0].slot_id \
        != slot.id
    assert booking.find_free_slots(db, PHONE, limit=1, agent="Sam", contact=first,
                                   now=NOW)[0].slot_id == slot.id
    with pytest.raises(PlaceGone, match="that place has just gone"):
        booking.hold_slot(db, "Priya", slot.id, contact=second, now=NOW)
    with pytest.raises(PlaceGone):
        booking.book(db, "Priya", second, slot.id, now=NOW + timedelta(minutes=2))
    lapsed = NOW + timedelta(minutes=3, seconds=1)
    assert booking.find_free_slots(db, PHONE, limit=1, agent="Priya", now=lapsed)[0].slot_id \
        == slot.id
    booking.book(db, "Priya", second, slot.id, now=lapsed)
    with pytest.raises(PlaceGone):
        booking.book(db, "Sam", first, slot.id, now=lapsed)
    assert booked(db, slot.id) == 1


def test_an_agent_has_one_hold_at_a_time_and_can_let_it_go(db):
    registrar_week(db)
    agents(db)
    a = slot_at(db, PHONE, MONDAY, time(9))
    b = slot_at(db, PHONE, MONDAY, time(9, 15))
    booking.hold_slot(db, "Sam", a.id, now=NOW, hold_for=timedelta(minutes=10))
    booking.hold_slot(db, "Sam", b.id, now=NOW)
    booking.hold_slot(db, "Priya", a.id, now=NOW)               # a was let go
    with pytest.raises(PlaceGone):
        booking.hold_slot(db, "Priya", b.id, now=NOW)
    assert booking.release_hold(db, "Sam") == 1
    booking.hold_slot(db, "Priya", b.id, now=NOW)
    with pytest.raises(ValueError, match="no agent called"):
        booking.hold_slot(db, "Nobody", b.id, now=NOW)


# Booking -------------------------------------------------------------------------------------

def test_booking_fills_a_slot_to_capacity_and_never_past_it(db):
    registrar_week(db, capacity=2)
    agents(db)
    people = add_contacts(db, 3)
    slot = slot_at(db, PHONE, MONDAY, time(9))
    made = [booking.book(db, "Sam", p, slot.id, now=NOW) for p in people[:2]]
    with pytest.raises(PlaceGone):
        booking.book(db, "Priya", people[2], slot.id, now=NOW)
    assert booked(db, slot.id) == 2
    assert all(re.fullmatch(r"PND-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}", m.reference)
               for m in made)
    assert len({m.reference for m in made}) == 2
    with pytest.raises(IntegrityError), db.write() as s:    # the database itself refuses
        s.execute(update(Slot).where(Slot.id == slot.id).values(booked=3))
    assert booked(db, slot.id) == 2


def test_a_booking_records_its_call_and_campaign(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    camp = births(db)
    with db.write() as s:
        task = Task(campaign_id=camp, contact_id=parent, round_key="list", status="open",
                    priority=55, due_at=NOW, attempts=0)
        s.add(task)
        s.flush()
        task_id = task.id
    answers = {"number_of_babies": 2, "interpreter_needed": False, "bsl_needed": True}
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
                        task=task_id, answers=answers, now=NOW)
    assert made.minutes == 55 and made.campaign_id == camp
    with db.read() as s:
        row = s.get(Booking, made.booking_id)
        assert (row.task_id, row.slot_count, row.answers) == (task_id, 4, answers)
    with pytest.raises(BookingError, match="is for Signing the register"):
        booking.book(db, "Sam", parent, slot_at(db, SIGNING, MONDAY, time(14)).id,
                     campaign=camp, now=NOW)
    with pytest.raises(BookingError, match="already passed"):
        booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(11)).id,
                     now=datetime(2026, 11, 30, 11, 0, tzinfo=LONDON))
    with pytest.raises(BookingError, match="no contact"):
        booking.book(db, "Sam", 999, slot_at(db, PHONE, MONDAY, time(11)).id, now=NOW)


@pytest.mark.parametrize("answers, minutes", [
    ({}, 30),
    ({"number_of_babies": 1, "interpreter_needed": False, "bsl_needed": False}, 30),
    ({"number_of_babies": 2}, 40),
    ({"number_of_babies": "3", "interpreter_needed": True}, 65),
    ({"interpreter_needed": True, "bsl_needed": "yes"}, 45),     # one interpreter's time
])
def test_appointment_minutes_follow_the_answers(answers, minutes):
    rules = get_template("registrar_birth_booking").booking
    assert booking.appointment_minutes(rules, answers) == minutes


def test_appointment_minutes_refuse_nonsense():
    rules = get_template("registrar_birth_booking").booking
    with pytest.raises(BookingError, match="not a number of babies"):
        booking.appointment_minutes(rules, {"number_of_babies": "twins"})
    assert booking.appointment_minutes(get_template("vaccination_booking").booking) == 10
    assert booking.appointment_minutes({}) is None


# Cancelling, moving, attendance ----------------------------------------------------------

def test_cancelling_gives_the_place_back_and_late_ones_are_marked(db):
    registrar_week(db)
    agents(db)
    people = add_contacts(db, 3)
    early = booking.book(db, "Sam", people[0], slot_at(db, PHONE, MONDAY, time(9)).id, now=NOW)
    late = booking.book(db, "Sam", people[1], slot_at(db, PHONE, MONDAY, time(10)).id, now=NOW)
    ours = booking.book(db, "Sam", people[2], slot_at(db, PHONE, MONDAY, time(11)).id, now=NOW)
    with pytest.raises(BookingError, match="not a reason"):
        booking.cancel(db, "Sam", early.reference, "bored", now=NOW)
    assert booking.cancel(db, "Sam", early.reference, "unwell", now=NOW).status == "cancelled"
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=LONDON)       # 22 hours before
    assert booking.cancel(db, "Sam", late.reference.lower(), "cannot_attend",
                          now=sunday).status == "cancelled_late"
    assert booking.cancel(db, "Sam", ours.booking_id, "council_cancelled",
                          now=sunday).status == "cancelled"
    assert [booked(db, slot_at(db, PHONE, MONDAY, t).id) for t in (time(9), time(10), time(11))
            ] == [0, 0, 0]
    with pytest.raises(BookingError, match="is cancelled, not booked"):
        booking.cancel(db, "Sam", early.reference, "unwell", now=NOW)
    with pytest.raises(BookingError, match="no booking"):
        booking.cancel(db, "Sam", "PND-ZZZZZ", "unwell", now=NOW)


def test_a_move_is_one_step_and_nothing_changes_when_the_new_place_is_full(db):
    registrar_week(db)
    agents(db)
    [parent, other] = add_contacts(db, 2)
    a, b, c = (slot_at(db, PHONE, MONDAY, t) for t in (time(9), time(9, 30), time(10)))
    made = booking.book(db, "Sam", parent, a.id, now=NOW)
    moved = booking.reschedule(db, "Priya", made.reference, b.id, now=NOW)
    with db.read() as s:
        old = s.get(Booking, made.booking_id)
        assert (old.status, old.moved_to_id) == ("moved", moved.booking_id)
    assert (booked(db, a.id), booked(db, b.id)) == (0, 1)
    assert moved.reference != made.reference and moved.status == "booked"
    booking.book(db, "Sam", other, c.id, now=NOW)
    with pytest.raises(PlaceGone):
        booking.reschedule(db, "Priya", moved.reference, c.id, now=NOW)
    with db.read() as s:
        assert s.get(Booking, moved.booking_id).status == "booked"
    assert (booked(db, a.id), booked(db, b.id), booked(db, c.id)) == (0, 1, 1)
    with pytest.raises(BookingError, match="is moved, not booked"):
        booking.reschedule(db, "Priya", made.reference, a.id, now=NOW)
    with pytest.raises(BookingError, match="is for Signing the register"):
        booking.reschedule(db, "Priya", moved.reference,
                           slot_at(db, SIGNING, MONDAY, time(14)).id, now=NOW)


def test_a_long_appointment_can_move_by_one_slot(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, minutes=45,
                        now=NOW)
    moved = booking.reschedule(db, "Sam", made.booking_id,
                               slot_at(db, PHONE, MONDAY, time(9, 15)).id, now=NOW)
    assert moved.minutes == 45
    assert [booked(db, slot_at(db, PHONE, MONDAY, time(9, m)).id) for m in (0, 15, 30, 45)] \
        == [0, 1, 1, 1]


def test_attendance_is_recorded_only_when_it_can_be_known(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    made = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, now=NOW)
    with pytest.raises(BookingError, match="not until"):
        booking.record_attendance(db, "Sam", made.reference, "arrived", now=NOW)
    that_morning = datetime(2026, 11, 30, 8, 55, tzinfo=LONDON)
    with pytest.raises(BookingError, match="has not started"):
        booking.record_attendance(db, "Sam", made.reference, "did_not_attend",
                                  now=that_morning)
    booking.record_attendance(db, "Sam", made.reference, "arrived", now=that_morning)
    with pytest.raises(BookingError, match="not an attendance"):
        booking.record_attendance(db, "Sam", made.reference, "asleep", now=that_morning)
    with db.read() as s:
        assert s.get(Booking, made.booking_id).status == "arrived"


# Two-part registrations -------------------------------------------------------------------

def test_both_parts_are_booked_together_in_order(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    camp = births(db)
    phone = slot_at(db, PHONE, MONDAY, time(9))
    same_day = slot_at(db, SIGNING, MONDAY, time(14))
    with pytest.raises(BookingError, match="Signing the register must be on Tuesday 1 "
                                           "December 2026 or later"):
        booking.book_two_parts(db, "Sam", parent, phone.id, same_day.id, campaign=camp,
                               now=NOW)
    assert booked(db, phone.id) == 0          # the first part was not left behind
    with pytest.raises(BookingError, match="is for Signing the register, not Telephone"):
        booking.book_two_parts(db, "Sam", parent, same_day.id, phone.id, campaign=camp,
                               now=NOW)
    tuesday = slot_at(db, SIGNING, MONDAY + timedelta(days=1), time(13, 30))
    first, second = booking.book_two_parts(db, "Sam", parent, phone.id, tuesday.id,
                                           campaign=camp, answers={"number_of_babies": 2},
                                           now=NOW)
    assert (first.part, second.part, second.first_part_id) == (1, 2, first.booking_id)
    assert first.minutes == second.minutes == 40
    # Moving either part must keep the order.
    wednesday_phone = slot_at(db, PHONE, MONDAY + timedelta(days=2), time(9))
    with pytest.raises(BookingError, match="move that first"):
        booking.reschedule(db, "Sam", first.reference, wednesday_phone.id, now=NOW)
    with pytest.raises(BookingError, match="must be on"):
        booking.reschedule(db, "Sam", second.reference, same_day.id, now=NOW)
    later = booking.reschedule(db, "Sam", second.reference,
                               slot_at(db, SIGNING, MONDAY + timedelta(days=3), time(14)).id,
                               now=NOW)
    moved_first = booking.reschedule(db, "Sam", first.reference, wednesday_phone.id, now=NOW)
    with db.read() as s:
        assert s.get(Booking, later.booking_id).first_part_id == moved_first.booking_id
    # Cancelling the first part cancels the second with it.
    gone = booking.cancel(db, "Sam", moved_first.reference, "registering_elsewhere", now=NOW)
    assert set(gone.references) == {moved_first.reference, later.reference}
    with db.read() as s:
        assert s.scalar(select(func.sum(Slot.booked))) == 0


def test_the_second_part_can_be_booked_later_against_the_first(db):
    registrar_week(db)
    agents(db)
    [parent, other] = add_contacts(db, 2)
    camp = births(db)
    first = booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
                         campaign=camp, now=NOW)
    with pytest.raises(BookingError, match="must be on"):
        booking.book(db, "Sam", parent, slot_at(db, SIGNING, MONDAY, time(14)).id,
                     campaign=camp, first_part=first.reference, now=NOW)
    with pytest.raises(BookingError, match="not a first part booked for this person"):
        booking.book(db, "Sam", other, slot_at(db, SIGNING, MONDAY, time(14)).id,
                     campaign=camp, first_part=first.reference, now=NOW)
    second = booking.book(db, "Sam", parent,
                          slot_at(db, SIGNING, MONDAY + timedelta(days=1), time(14)).id,
                          campaign=camp, first_part=first.reference, now=NOW)
    assert [a.reference for a in booking.get_appointments(db, second.reference)] == [
        first.reference, second.reference]
