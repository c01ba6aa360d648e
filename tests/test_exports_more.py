"""Call records, day lists, the scheduled daily file and the export commands."""

from __future__ import annotations

import csv
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from outbound.cli import main
from outbound.clock import local_instant
from outbound.db.booking_models import Booking, BookingSession, Location, Resource, Slot
from outbound.db.models import Contact
from outbound.exports import (
    ExportError,
    day_list,
    export_attempts,
    export_day_list,
    write_scheduled_export,
)
from outbound.files import OutputError
from outbound.queue.campaigns import create_campaign
from tests.test_exports_seed import ROUND_1, ROUND_2, seed_tracker


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "out"
    made.mkdir()
    return made


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ---- calls ----

def test_attempts_show_who_when_outcome_and_corrections(db, folder):
    seeded = seed_tracker(db)
    result = export_attempts(db, seeded.campaign_id, fmt="csv", out=folder / "calls.csv")
    rows = read_csv(result.path)
    assert result.rows == len(rows) == 7
    assert result.dictionary_path and result.dictionary_path.exists()
    by_id = {int(r["Attempt"]): r for r in rows}
    first, fix = by_id[seeded.attempts["oak2"]], by_id[seeded.attempts["oak2fix"]]
    assert first["Corrected later"] == "Yes" and fix["Corrected later"] == "No"
    assert fix["Corrects attempt"] == str(seeded.attempts["oak2"])
    assert fix["Correction reason"] == "Wrong figures given" and fix["Agent"] == "Ben"
    assert first["Called at"] == "2026-03-30 09:15:00"           # London, in BST
    assert first["Outcome"] == "Answers taken" and first["Duration (seconds)"] == "300"
    assert [r["Called at"] for r in rows] == sorted(r["Called at"] for r in rows)


def test_attempts_in_xlsx_with_a_date_range(db, folder):
    seeded = seed_tracker(db)
    out = folder / "calls.xlsx"
    result = export_attempts(db, seeded.campaign_id, fmt="xlsx", out=out,
                             date_from=ROUND_2, date_to=ROUND_2)
    assert result.rows == 4
    book = openpyxl.load_workbook(out)
    ws = book["Calls"]
    header = [c.value for c in ws[1]]
    called = ws.cell(2, header.index("Called at") + 1)
    assert called.is_date and called.value == datetime(2026, 3, 30, 9, 15)
    assert ws.freeze_panes == "A2" and "Data dictionary" in book.sheetnames
    with pytest.raises(ExportError, match="wrong way round"):
        export_attempts(db, seeded.campaign_id, fmt="csv", out=folder / "x.csv",
                        date_from=ROUND_2, date_to=ROUND_1)


# ---- day lists ----

def seed_clinic(db: Any) -> None:
    """Town Hall clinic on 30 March 2026 (BST), with bookings either side of the day."""

    def work(session: Any) -> None:
        town = Location(name="Town Hall Clinic")
        other = Location(name="Riverside Register Office", kind="register_office")
        session.add_all([town, other])
        session.flush()
        nurse = Resource(location_id=town.id, name="Nurse Patel", kind="vaccinator")
        session.add(nurse)
        session.flush()
        people = [Contact(name=n, name_key=n.lower(), primary_phone=p) for n, p in (
            ("Ann Cole", "+441614960001"), ("Bob Dee", None), ("Cy Eve", "+447700900123"))]
        session.add_all(people)
        session.flush()

        def book(place: Location, day: date, at: time, who: Contact, ref: str,
                 status: str = "booked", part: int = 1, resource: Resource | None = None,
                 notes: str | None = None) -> None:
            start = local_instant(day, at)
            sitting = BookingSession(location_id=place.id, service="vaccination", day=day,
                                     start_time=at, end_time=at, slot_minutes=10)
            session.add(sitting)
            session.flush()
            slot = Slot(session_id=sitting.id, location_id=place.id, service="vaccination",
                        starts_at=start, ends_at=start + timedelta(minutes=10))
            session.add(slot)
            session.flush()
            session.add(Booking(reference=ref, contact_id=who.id, slot_id=slot.id,
                                location_id=place.id, service="vaccination", starts_at=start,
                                ends_at=start + timedelta(minutes=10), minutes=10,
                                status=status, part=part,
                                resource_id=resource.id if resource else None, notes=notes))

        ann, bob, cy = people
        book(town, ROUND_2, time(9, 20), bob, "PND-B", status="cancelled")
        book(town, ROUND_2, time(9, 0), ann, "PND-A", resource=nurse, notes="=needs BSL")
        book(town, ROUND_2, time(23, 50), cy, "PND-C", part=2)
        book(town, ROUND_2 + timedelta(days=1), time(0, 10), ann, "PND-NEXT")
        book(town, ROUND_2 - timedelta(days=1), time(23, 50), ann, "PND-BEFORE")
        book(other, ROUND_2, time(10, 0), cy, "PND-OTHER")

    db.run_write(work)


def test_day_list_is_the_london_day_in_time_order(db):
    seed_clinic(db)
    rows = day_list(db, "town hall clinic", ROUND_2)
    assert [(r.time, r.reference, r.status) for r in rows] == [
        (time(9, 0), "PND-A", "Booked"), (time(9, 20), "PND-B", "Cancelled"),
        (time(23, 50), "PND-C", "Booked")]
    ann = rows[0]
    assert (ann.end, ann.resource, ann.contact_name, ann.phone) == (
        time(9, 10), "Nurse Patel", "Ann Cole", "0161 496 0001")
    assert rows[1].phone is None and rows[2].part == 2
    with db.read() as session:
        town_id = session.query(Location).filter_by(name="Town Hall Clinic").one().id
    assert day_list(db, town_id, ROUND_2) == rows
    assert day_list(db, str(town_id), ROUND_2 + timedelta(days=5)) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_day_list_files(db, folder, fmt):
    seed_clinic(db)
    out = folder / f"day.{fmt}"
    result = export_day_list(db, "Town Hall Clinic", ROUND_2, fmt=fmt, out=out)
    assert result.rows == 3 and result.dictionary_path is None
    if fmt == "csv":
        rows = read_csv(out)
        assert rows[0]["Time"] == "09:00" and rows[0]["Notes"] == "'=needs BSL"
    else:
        ws = openpyxl.load_workbook(out).active
        assert ws.title == "Mon 30 Mar 2026"
        assert ws["A2"].value == time(9, 0) and ws["A2"].number_format == "hh:mm"
        assert ws["J2"].value == "=needs BSL" and ws["J2"].data_type == "s"
    assert [p.name for p in folder.iterdir()] == [out.name]


def test_an_unknown_location_is_named(db, folder):
    seed_clinic(db)
    with pytest.raises(ExportError, match=r"no location called “Mars”.*Town Hall Clinic"):
        export_day_list(db, "Mars", ROUND_2, fmt="csv", out=folder / "x.csv")
    assert list(folder.iterdir()) == []


# ---- the scheduled daily file ----

def test_scheduled_export_is_named_by_day_replaced_whole_and_pruned(db, folder):
    seeded = seed_tracker(db)
    other = create_campaign(db, "care_capacity_tracker", "Care tracker extra")
    old = ["care-tracker-2026-02-27.xlsx", "care-tracker-2026-02-28.xlsx",
           "care-tracker-2026-02-28-dictionary.csv", "care-tracker-2026-03-01.csv",
           "care-tracker-extra-2026-01-01.xlsx", "care-tracker-notes.txt",
           "care-tracker-2026-04-30.xlsx"]
    for name in old:
        (folder / name).write_text("old")
    path = write_scheduled_export(db, seeded.campaign_id, folder, ROUND_2)
    assert path == folder / "care-tracker-2026-03-30.xlsx"   # the template says xlsx
    rows = list(openpyxl.load_workbook(path)["Answers"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3 and {r[4] for r in rows} == {datetime(2026, 3, 30)}
    # Kept 30 days: 1 to 30 March stay; the other campaign's, odd and later files too.
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "care-tracker-2026-03-01.csv", "care-tracker-extra-2026-01-01.xlsx",
        "care-tracker-notes.txt", "care-tracker-2026-04-30.xlsx",
        "care-tracker-2026-03-30.xlsx"])
    again = write_scheduled_export(db, seeded.campaign_id, folder, ROUND_2, fmt="csv",
                                   keep_days=1)
    assert again.name == "care-tracker-2026-03-30.csv"
    assert (folder / "care-tracker-2026-03-30-dictionary.csv").exists()
    assert not (folder / "care-tracker-2026-03-01.csv").exists()
    assert write_scheduled_export(db, seeded.campaign_id, folder, ROUND_2, fmt="csv") == again
    empty = write_scheduled_export(db, other, folder, ROUND_1)
    header = [c.value for c in openpyxl.load_workbook(empty)["Answers"][1]]
    assert "Maximum beds" in header and empty.name == "care-tracker-extra-2026-03-28.xlsx"
    assert not any(name.startswith(".") for name in os.listdir(folder))


def test_scheduled_export_needs_its_folder(db, folder):
    seeded = seed_tracker(db)
    with pytest.raises(OutputError, match="does not exist"):
        write_scheduled_export(db, seeded.campaign_id, folder / "gone", ROUND_2)


# ---- the commands ----

def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_command_writes_answers_and_calls(db, db_url, folder, capsys):
    seeded = seed_tracker(db)
    out = folder / "t.xlsx"
    code, said, _ = run(capsys, "export", "--db", db_url, "--campaign", "Care tracker",
                        "--from", "30/03/2026", "--to", "2026-03-30", "--district",
                        "Northgate", "--out", str(out))
    assert code == 0 and "Wrote 2 rows" in said
    assert openpyxl.load_workbook(out).sheetnames == ["Answers", "Data dictionary"]
    code, said, _ = run(capsys, "export", "--db", db_url, "--campaign",
                        str(seeded.campaign_id), "--what", "attempts", "--format", "csv",
                        "--out", str(folder / "calls.csv"))
    assert code == 0 and "Wrote 7 rows" in said and "calls-dictionary.csv" in said
    code, said, _ = run(capsys, "export", "--db", db_url, "--campaign", "Care tracker",
                        "--layout", "long", "--flagged", "--out", str(folder / "f.csv"))
    assert code == 0 and {r["Reference"] for r in read_csv(folder / "f.csv")} == {"1-202"}


@pytest.mark.parametrize("args, code, words", [
    (["--campaign", "Nope"], 1, "no campaign called"),
    (["--campaign", "Care tracker", "--from", "2026-04-01", "--to", "2026-03-01"], 1,
     "wrong way round"),
    (["--campaign", "Care tracker", "--district", "Atlantis"], 1, "no contact is in a district"),
    (["--campaign", "Care tracker", "--outcome", "lost"], 1, "is not an outcome"),
    (["--campaign", "Care tracker", "--from", "31/02/2026"], 2, "is not a date"),
    (["--campaign", "Care tracker", "--what", "attempts", "--flagged"], 1, "apply to answers"),
    (["--campaign", "Care tracker", "--out", "{folder}/missing/x.csv"], 1, "does not exist"),
    (["--campaign", "Care tracker", "--out", "{folder}"], 1, "is a folder"),
])
def test_export_command_refuses_bad_input_and_writes_nothing(db, db_url, folder, capsys,
                                                             args, code, words):
    seed_tracker(db)
    given = [a.replace("{folder}", str(folder)) for a in args]
    if "--out" not in given:
        given += ["--out", str(folder / "x.csv")]
    if code == 2:
        with pytest.raises(SystemExit) as stopped:
            main(["export", "--db", db_url, *given])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
    else:
        status, _, err = run(capsys, "export", "--db", db_url, *given)
        assert status == 1
        assert err.startswith("Error: ") and err.strip().count("\n") == 0
    assert words in err.lower() and "Traceback" not in err
    assert list(folder.iterdir()) == []


def test_daylist_command(db, db_url, folder, capsys):
    seed_clinic(db)
    code, said, _ = run(capsys, "daylist", "--db", db_url, "--location", "Town Hall Clinic",
                        "--day", "30/03/2026", "--out", str(folder / "day.xlsx"))
    assert code == 0 and "Wrote 3 rows" in said
    code, _, err = run(capsys, "daylist", "--db", db_url, "--location", "Mars", "--day",
                       "2026-03-30", "--out", str(folder / "mars.csv"))
    assert code == 1 and "no location called" in err
    assert [p.name for p in folder.iterdir()] == ["day.xlsx"]
