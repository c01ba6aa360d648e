"""The ``locations``, ``sessions``, ``slots`` and ``bookings`` commands as a supervisor
types them, on both databases: one sentence and a non-zero exit for a mistake, and
nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from outbound import booking
from outbound.cli import main
from outbound.db.booking_models import Booking, BookingSession, Location, Resource, Slot
from outbound.db.models import Task
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

# The commands read the clock themselves: these tests run on Wednesday 25 November 2026.
pytestmark = pytest.mark.clock(NOW)

OFFICE = "Ashworth Register Office"
SESSION = ["sessions", "add", "--location", OFFICE, "--service", "Telephone appointment",
           "--from", "2026-12-21", "--to", "2027-01-01", "--days", "mon-fri",
           "--start", "09:00", "--end", "12:30", "--slot", "15", "--capacity", "1",
           "--resource", "Registrar Jones"]


def run(capsys, db_url: str, *args: str) -> tuple[int, str, str]:
    try:
        code = main([*args, "--db", db_url])
    except SystemExit as exit_:           # argparse's own refusals
        code = int(exit_.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def counts(db) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(model))
                     for model in (Location, Resource, BookingSession, Slot))


def with_option(args: list[str], option: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


@pytest.fixture
def office(db, db_url, capsys):
    code, out, err = run(capsys, db_url, "locations", "add", "--name", OFFICE,
                         "--kind", "register_office", "--address", "Town Hall, Ashworth",
                         "--postcode", "PN1 1RG", "--phone", "0113 496 0990",
                         "--resource", "Registrar Jones", "--resource-kind", "registrar")
    assert code == 0, err
    assert f"Added location 1: {OFFICE}" in out
    return db


def test_the_bare_locations_command_lists_them(office, db_url, capsys):
    listed = run(capsys, db_url, "locations", "list")
    assert run(capsys, db_url, "locations") == listed
    assert listed[0] == 0 and OFFICE in listed[1]


def test_a_supervisor_adds_a_location_sessions_and_lists_free_places(office, db_url, capsys):
    code, out, _ = run(capsys, db_url, "locations", "list")
    assert code == 0
    assert "Ashworth Register Office\tregister_office\tTown Hall, Ashworth, PN1 1RG\t" \
           "0113 496 0990\tRegistrar Jones" in out
    code, out, err = run(capsys, db_url, *SESSION)
    assert code == 0, err
    assert "Added 7 sessions with 98 slots for Telephone appointment." in out
    assert "Left out Friday 25 December 2026: Christmas Day." in out
    assert "Left out Friday 1 January 2027: New Year’s Day." in out
    code, out, _ = run(capsys, db_url, "slots", "--service", "Telephone appointment",
                       "--from", "2026-12-22", "--limit", "2")
    assert code == 0
    assert out.splitlines() == [
        "Tue 22 Dec 09:00\tAshworth Register Office\tRegistrar Jones\t1 free\t(slot 15)",
        "Tue 22 Dec 09:15\tAshworth Register Office\tRegistrar Jones\t1 free\t(slot 16)"]
    code, out, _ = run(capsys, db_url, "slots", "--service", "Telephone appointment",
                       "--from", "2026-12-22", "--minutes", "40", "--limit", "1",
                       "--format", "json")
    [place] = json.loads(out)
    assert place["slots"] == [15, 16, 17] and place["starts_at"] == "2026-12-22T09:00:00+00:00"
    code, out, _ = run(capsys, db_url, "slots", "--service", "Signing the register")
    assert code == 0 and out.strip() == "No free places for Signing the register."


@pytest.mark.parametrize("change, words", [
    (("--location", "Nowhere"), "There is no location called “Nowhere”."),
    (("--end", "08:30"), "The session ends before it starts (09:00 to 08:30)."),
    (("--to", "2026-12-01"), "The dates run the wrong way round: Monday 21 December 2026 "
                             "is after Tuesday 1 December 2026."),
    (("--resource", "Registrar Smith"), "Ashworth Register Office has no officer, "
                                        "vaccinator or room called “Registrar Smith”."),
    (("--days", "mon-funday"), "“mon-funday” is not a list of days"),
    (("--start", "25:00"), "“25:00” is not a time of day like 09:00."),
    (("--service", "Blood test"), "“Blood test” is not a service any campaign books"),
    (("--slot", "300"), "A 300-minute slot does not fit between 09:00 and 12:30."),
])
def test_a_mistake_gets_one_sentence_and_changes_nothing(office, db_url, capsys, change,
                                                         words):
    before = counts(office)
    code, out, err = run(capsys, db_url, *with_option(SESSION, *change))
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {words}") and err.count("\n") == 1
    assert counts(office) == before


def test_the_same_sessions_twice_are_refused_whole(office, db_url, capsys):
    assert run(capsys, db_url, *SESSION)[0] == 0
    before = counts(office)
    code, _, err = run(capsys, db_url, *with_option(SESSION, "--to", "2027-01-08"))
    assert code == 1 and "Registrar Jones already has a session on Monday 21 December " \
                         "2026 from 09:00 to 12:30; nothing was added." in err
    assert counts(office) == before


@pytest.mark.parametrize("args, code, words", [
    (["locations", "add", "--name", OFFICE], 1, "There is already a location called"),
    (["locations", "add", "--name", "Fellside Clinic", "--phone", "12345"], 1,
     "“12345” is not a phone number we can give to callers"),
    (["locations", "add-resource", "--location", "Atlantis", "--name", "Room 1"], 1,
     "There is no location called “Atlantis”."),
    (["slots", "--service", "Telephone appointment", "--location", "Atlantis"], 1,
     "There is no location called “Atlantis”."),
    (["sessions", "add", *with_option(SESSION, "--from", "21/12/2026")[2:]], 2,
     "“21/12/2026” is not a date like"),
    (["sessions", "add", *with_option(SESSION, "--capacity", "0")[2:]], 2,
     "“0” is not a whole number of 1 or more"),
])
def test_other_mistakes_are_refused_too(office, db_url, capsys, args, code, words):
    before = counts(office)
    got, _, err = run(capsys, db_url, *args)
    assert got == code and words in err and "Traceback" not in err
    assert counts(office) == before


def test_a_resource_can_be_added_later(office, db_url, capsys):
    code, out, _ = run(capsys, db_url, "locations", "add-resource", "--location", OFFICE,
                       "--name", "Registrar Davies", "--kind", "registrar")
    assert code == 0 and "Added Registrar Davies" in out
    code, _, _ = run(capsys, db_url, *with_option(SESSION, "--resource", "registrar davies"))
    assert code == 0


# Closing sessions and locations, and the bookings command --------------------------------

def _booked_week(db):
    """The registrar week of test_booking, two people booked on Monday under a campaign:
    one for both parts of a registration, one for the telephone appointment only."""
    registrar_week(db)
    agents(db)
    camp = births(db)
    [both, phone_only] = add_contacts(db, 2)
    tuesday = MONDAY + timedelta(days=1)
    first, second = booking.book_two_parts(
        db, "Sam", both, slot_at(db, PHONE, MONDAY, time(9)).id,
        slot_at(db, SIGNING, tuesday, time(13, 30)).id, campaign=camp, now=NOW)
    single = booking.book(db, "Sam", phone_only, slot_at(db, PHONE, MONDAY, time(10)).id,
                          campaign=camp, now=NOW)
    return slot_at(db, PHONE, MONDAY, time(9)).session_id, first, second, single


def bookings_state(db) -> list[tuple[str, str, int | None]]:
    with db.read() as s:
        rows = s.execute(select(Booking.reference, Booking.status, Booking.changed_by)
                         .order_by(Booking.id)).all()
        return [tuple(r) for r in rows] + [
            ("closed", str(s.scalar(select(func.count(Slot.id)).where(Slot.closed))), None),
            ("tasks", str(s.scalar(select(func.count(Task.id)))), None)]


def test_a_supervisor_closes_a_session_from_the_command_line(db, db_url, capsys):
    sid, first, second, single = _booked_week(db)
    listing = ["sessions", "list", "--location", OFFICE, "--from", "2026-11-30", "--days", "1"]
    code, out, _ = run(capsys, db_url, *listing)
    assert code == 0
    assert out.splitlines() == [
        f"{sid}\tMonday 30 November 2026\t09:00-12:30\tTelephone appointment\t"
        f"Registrar Jones\t4 of 14 booked\topen",
        f"{sid + 5}\tMonday 30 November 2026\t13:30-16:30\tSigning the register\t"
        f"Registrar Jones\t0 of 12 booked\topen"]
    code, out, err = run(capsys, db_url, "sessions", "close", "--session", str(sid),
                         "--note", "Registrar Jones is off sick.", "--by", "Priya")
    assert code == 0, err
    assert out == (
        "Closed 14 places at Ashworth Register Office on Monday 30 November 2026 "
        "(Telephone appointment, 09:00 to 12:30, Registrar Jones); cancelled 3 bookings "
        f"({first.reference}, {second.reference}, {single.reference}); 2 people will be "
        "called to rebook.\n")
    assert run(capsys, db_url, *listing)[1].splitlines()[0].endswith("\t0 of 14 booked\tclosed")
    code, out, _ = run(capsys, db_url, "bookings", "show", second.reference.lower())
    assert code == 0
    assert out.splitlines() == [
        f"{first.reference}: Telephone appointment for Parent 0, Monday 30 November 2026 at "
        f"09:00 (30 minutes) at Ashworth Register Office with Registrar Jones; cancelled.",
        f"{second.reference}: Signing the register for Parent 0, Tuesday 1 December 2026 at "
        f"13:30 (30 minutes) at Ashworth Register Office with Registrar Jones; cancelled."]
    code, out, _ = run(capsys, db_url, "sessions", "close", "--session", str(sid),
                       "--by", "Priya")
    assert code == 0 and out.startswith("Nothing to close at Ashworth Register Office")


def test_a_supervisor_closes_a_location_from_a_date(db, db_url, capsys):
    _, _, second, single = _booked_week(db)
    code, out, err = run(capsys, db_url, "locations", "close", "--location", OFFICE,
                         "--from", "2026-12-01", "--by", "Sam")
    assert code == 0, err
    assert out == (
        f"Closed 104 places at {OFFICE} from Tuesday 1 December 2026 (8 sessions); "
        f"cancelled 1 booking ({second.reference}); 1 person will be called to rebook.\n")
    code, out, _ = run(capsys, db_url, "bookings", "show", single.reference,
                       "--confirmation")
    assert code == 0 and out.splitlines()[0].endswith("; booked.")
    assert "Dear Parent 1," in out and "Your appointment is booked." in out


def test_an_agent_cancels_and_records_attendance_from_the_command_line(db, db_url, capsys):
    _, first, second, single = _booked_week(db)
    code, out, err = run(capsys, db_url, "bookings", "cancel", first.reference,
                         "--reason", "registering_elsewhere", "--note", "Moved to Leeds.",
                         "--by", "Priya")
    assert code == 0, err
    assert out == (f"Cancelled {first.reference} and {second.reference}: registering in "
                   f"another area.\n")
    with db.read() as s:
        found = s.scalar(select(Booking).where(Booking.reference == first.reference))
        assert (found.status, found.status_reason, found.notes) == (
            "cancelled", "registering_elsewhere", "Moved to Leeds.")
    code, out, err = run(capsys, db_url, "bookings", "attended", single.reference,
                         "--status", "did_not_attend", "--by", "Sam")
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {single.reference} has not started yet") \
        and err.count("\n") == 1
    with db.write() as s:     # the appointment time comes round
        found = s.scalar(select(Booking).where(Booking.reference == single.reference))
        found.starts_at = datetime.now(UTC) - timedelta(minutes=5)
        found.ends_at = found.starts_at + timedelta(minutes=30)
    code, out, err = run(capsys, db_url, "bookings", "attended", single.reference,
                         "--status", "arrived", "--by", "Sam")
    assert code == 0, err
    assert out == f"Recorded {single.reference} as arrived.\n"


@pytest.mark.parametrize("args, code, words", [
    (["bookings", "show", "PND-NOPE9"], 1, "Error: There is no booking “PND-NOPE9”."),
    (["bookings", "cancel", "PND-NOPE9", "--reason", "unwell", "--by", "Sam"], 1,
     "Error: There is no booking “PND-NOPE9”."),
    (["bookings", "cancel", "{ref}", "--reason", "bored", "--by", "Sam"], 1,
     "Error: “bored” is not a reason for cancelling; use one of no_longer_needed,"),
    (["bookings", "cancel", "{ref}", "--reason", "unwell", "--by", "Nobody"], 1,
     "Error: There is no agent called “Nobody”."),
    (["bookings", "attended", "PND-NOPE9", "--status", "arrived", "--by", "Sam"], 1,
     "Error: There is no booking “PND-NOPE9”."),
    (["sessions", "close", "--session", "999", "--by", "Sam"], 1,
     "Error: There is no session 999."),
    (["locations", "close", "--location", "Atlantis", "--from", "2026-12-01", "--by",
      "Sam"], 1, "Error: There is no location called “Atlantis”."),
    (["locations", "close", "--location", OFFICE, "--from", "2026-12-01", "--by",
      "Nobody"], 1, "Error: There is no agent called “Nobody”."),
    (["bookings", "attended", "{ref}", "--status", "late", "--by", "Sam"], 2,
     "invalid choice: 'late'"),
    (["sessions", "close", "--session", "1"], 2, "The following arguments are required: --by."),
])
def test_a_bad_reference_reason_or_name_changes_nothing(db, db_url, capsys, args, code, words):
    _, first, _, _ = _booked_week(db)
    before = bookings_state(db)
    got, out, err = run(capsys, db_url, *[a.replace("{ref}", first.reference) for a in args])
    assert got == code and out == "" and words in err and "Traceback" not in err
    if code == 1:
        assert err.startswith(words) and err.count("\n") == 1
    assert bookings_state(db) == before
