"""Each service only where it is held, and never booked with less than its notice, on
both databases: no clinic offered for a registrar's service, no telephone appointment
booked a minute ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert, select

from outbound import booking
from outbound.booking import BookingError
from outbound.booking.services import parse_services, service_rules
from outbound.campaigns import TemplateError
from outbound.campaigns.template import parse_template
from outbound.db.booking_models import BookingSession, Slot
from tests.test_booking import (
    LONDON,
    MONDAY,
    PHONE,
    SIGNING,
    VACCINATION,
    add_contacts,
    agents,
    births,
    registrar_week,
    slot_at,
)

MONDAY_MORNING = datetime(2026, 11, 30, 9, 59, tzinfo=LONDON)


def clinic(db) -> int:
    return booking.add_location(db, "Brackenfield Health Centre", kind="clinic",
                                resources=("Nurse Hughes",), resource_kind="vaccinator")


def test_the_templates_declare_where_each_service_is_held_and_its_notice():
    assert service_rules(PHONE).location_kinds == ("register_office",)
    assert service_rules(PHONE).min_notice == timedelta(hours=2)
    assert service_rules(SIGNING).min_notice == timedelta(days=1)
    assert service_rules(VACCINATION).location_kinds == ("clinic",)
    anything = service_rules("Flu jab")          # declared nowhere: anywhere, any time
    assert anything.location_kinds == () and anything.min_notice == timedelta(0)


def test_a_clinic_is_never_offered_for_a_registrars_service(db):
    registrar_week(db)
    place = clinic(db)
    with pytest.raises(BookingError, match="Brackenfield Health Centre is a clinic: "
                       "Telephone appointment is only held at register offices"):
        booking.add_sessions(db, place, PHONE, MONDAY, MONDAY, days="mon", start=time(9),
                             end=time(10), slot_minutes=15)
    assert [p.name for p in booking.list_locations(db, service=PHONE)] == [
        "Ashworth Register Office"]
    assert [p.name for p in booking.list_locations(db, service=VACCINATION)] == [
        "Brackenfield Health Centre"]
    assert len(booking.list_locations(db)) == 2
    with pytest.raises(BookingError, match="is a clinic"):
        booking.find_free_slots(db, PHONE, location=place, now=MONDAY_MORNING)
    with pytest.raises(BookingError, match="is a clinic"):
        booking.add_to_waiting_list(db, births(db), add_contacts(db, 1)[0], PHONE,
                                    location=place, now=MONDAY_MORNING)


def test_registrar_slots_left_at_a_clinic_are_neither_offered_nor_booked(db):
    """Slots made before the rule (or at a place whose kind was corrected since)."""
    registrar_week(db)
    agents(db)
    place = clinic(db)
    starts = datetime(2026, 12, 1, 8, 0, tzinfo=LONDON).astimezone(UTC)   # before 09:00
    with db.write() as s:
        session = BookingSession(location_id=place, service=PHONE, day=date(2026, 12, 1),
                                 start_time=time(8), end_time=time(8, 15), slot_minutes=15,
                                 capacity=1)
        s.add(session)
        s.flush()
        s.execute(insert(Slot), [{"session_id": session.id, "location_id": place,
                                  "service": PHONE, "starts_at": starts,
                                  "ends_at": starts + timedelta(minutes=15), "capacity": 1,
                                  "booked": 0, "closed": False}])
        stray = s.scalar(select(Slot.id).where(Slot.location_id == place))
    offered = booking.find_free_slots(db, PHONE, limit=50, now=MONDAY_MORNING)
    assert offered and {f.location for f in offered} == {"Ashworth Register Office"}
    days = booking.day_availability(db, PHONE, date(2026, 12, 1), date(2026, 12, 1),
                                    now=MONDAY_MORNING)
    assert days[0].first_free == slot_at(db, PHONE, date(2026, 12, 1), time(9)).starts_at
    [parent] = add_contacts(db, 1)
    with pytest.raises(BookingError, match="is a clinic"):
        booking.hold_slot(db, "Sam", stray, contact=parent, now=MONDAY_MORNING)
    with pytest.raises(BookingError, match="is a clinic"):
        booking.book(db, "Sam", parent, stray, now=MONDAY_MORNING)


def test_a_telephone_appointment_needs_two_hours_notice(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    ten = slot_at(db, PHONE, MONDAY, time(10))
    free = booking.find_free_slots(db, PHONE, limit=1, now=MONDAY_MORNING)
    assert free[0].starts_at.astimezone(LONDON).strftime("%H:%M") == "12:00"
    with pytest.raises(BookingError, match="10:00 is too soon: Telephone appointment must "
                       "be booked at least 2 hours ahead"):
        booking.book(db, "Sam", parent, ten.id, now=MONDAY_MORNING)
    with pytest.raises(BookingError, match="too soon"):
        booking.hold_slot(db, "Sam", ten.id, contact=parent, now=MONDAY_MORNING)
    assert slot_at(db, PHONE, MONDAY, time(10)).booked == 0
    made = booking.book(db, "Sam", parent, free[0].slot_id, now=MONDAY_MORNING)
    assert made.starts_at == free[0].starts_at
    days = booking.day_availability(db, PHONE, MONDAY, MONDAY, now=MONDAY_MORNING)
    assert days[0].first_free == slot_at(db, PHONE, MONDAY, time(12, 15)).starts_at
    assert days[0].free == 1          # 12:15 only: 12:00 is booked, the rest too soon


def test_signing_the_register_needs_a_days_notice(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    free = booking.find_free_slots(db, SIGNING, limit=1, now=MONDAY_MORNING)
    assert free[0].starts_at == slot_at(db, SIGNING, date(2026, 12, 1), time(13, 30)).starts_at
    with pytest.raises(BookingError, match="must be booked at least 1 day ahead"):
        booking.book(db, "Sam", parent, slot_at(db, SIGNING, MONDAY, time(16)).id,
                     now=MONDAY_MORNING)
    # a move is a booking too
    made = booking.book(db, "Sam", parent, free[0].slot_id, now=MONDAY_MORNING)
    with pytest.raises(BookingError, match="too soon"):
        booking.reschedule(db, "Sam", made.reference,
                           slot_at(db, SIGNING, MONDAY, time(15)).id, now=MONDAY_MORNING)


@pytest.mark.parametrize("table, words", [
    ('[booking.services."Telephone appointment"]\nlocation_kinds = ["castle"]\n',
     "“castle” is not a kind of location"),
    ('[booking.services."Telephone appointment"]\nmin_notice = "soon"\n',
     "min_notice “soon” is not a length of time"),
    ('[booking.services."Telephone appointment"]\nnotice = "2h"\n',
     "“notice” is not a setting of a service"),
])
def test_a_mistake_in_a_services_table_is_named_with_its_line(table, words):
    from outbound.campaigns.template import templates_folder

    text = (templates_folder() / "registrar_birth_booking.toml").read_text(encoding="utf-8")
    text = text.split('[booking.services."Telephone appointment"]')[0] + table
    with pytest.raises(TemplateError, match=words) as raised:
        parse_template(text)
    assert "line" in str(raised.value)


def test_services_parse_from_a_booking_table():
    rules = parse_services({"services": {"Eye test": {"location_kinds": "clinic",
                                                      "min_notice": "1h30m"}}},
                           ("clinic", "hub"))
    assert rules["Eye test"].location_kinds == ("clinic",)
    assert rules["Eye test"].min_notice == timedelta(hours=1, minutes=30)
