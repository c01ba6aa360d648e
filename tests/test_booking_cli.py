"""The ``locations``, ``sessions`` and ``slots`` commands as a supervisor types them, on
both databases: one sentence and a non-zero exit for a mistake, and nothing changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from outbound.cli import main
from outbound.db.booking_models import BookingSession, Location, Resource, Slot

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
