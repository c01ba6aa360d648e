"""The commissioners' export of a campaign that sends messages carries each person's
texts, emails and letters: which went, what became of each and when, why one failed,
whether a call was made and reached them, and the outcome. Read back from the files
as a commissioner's spreadsheet would read them, on both databases."""

from __future__ import annotations

import csv
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from outbound.db.models import Contact
from outbound.exports import export_answers, write_scheduled_export
from outbound.exports.messages import HEADER
from outbound.files import OutputError
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.users import add_user
from tests.fake_notify import fake_in_thread
from tests.notify_helpers import person, run_until_idle, sender_for, warn_and_inform

LONDON = ZoneInfo("Europe/London")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
pytestmark = pytest.mark.clock(NOON)
HOSTILE = '=HYPERLINK("http://example.invalid","Click")'


@pytest.fixture
def outbreak(db) -> int:
    """Person 1's text is delivered; 99's fails and they are called but not reached;
    3 has a landline only, so is called instead, and reached; 4 is in another district."""
    cid = warn_and_inform(db, [person(1), person(99), person(3, phone="0161 496 0003"),
                               person(4, phone="0161 496 0004")], now=NOON)
    with db.write() as session:
        session.execute(update(Contact).values(district="Ashworth"))
        session.execute(update(Contact).where(Contact.external_ref == "T00004")
                        .values(district="Dunmoor"))
        session.execute(update(Contact).where(Contact.external_ref == "T00001")
                        .values(name=HOSTILE))
    with fake_in_thread(fail_ending=["99"]) as fake:
        run_until_idle(sender_for(db, fake.url))
    add_user(db, "Sam")
    outcomes = {"T00099": "no_answer", "T00003": "reached", "T00004": "no_answer"}
    while (task := claim_next_task(db, "Sam", cid)) is not None:
        with db.read() as session:
            ref = session.get(Contact, task.contact_id).external_ref
        code = outcomes.pop(ref)
        record_outcome(db, task.task_id, "Sam", code, duration_seconds=60,
                       answers={"understood": True} if code == "reached" else None)
    assert outcomes == {}
    return cid


def by_reference(rows: list[list]) -> dict:
    return {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows}


def test_the_workbook_has_a_messages_sheet_typed_and_described(db, outbreak, tmp_path):
    out = tmp_path / "outbreak.xlsx"
    result = export_answers(db, outbreak, fmt="xlsx", layout="wide", out=out)
    assert result.message_rows == 4 and result.messages_path is None
    assert "Each person's texts, emails and letters (4 people) are on the Messages sheet." \
        in result.sentences()
    book = load_workbook(out)
    assert book.sheetnames == ["Answers", "Messages", "Data dictionary"]
    sheet = book["Messages"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    people = by_reference(rows[1:])
    assert list(people) == ["T00001", "T00003", "T00004", "T00099"]     # as enrolled
    delivered, failed, landline = people["T00001"], people["T00099"], people["T00003"]
    assert (delivered["Channel"], delivered["Status"], delivered["Outcome"]) == (
        "text", "delivered", "delivered")
    assert isinstance(delivered["Sent at"], datetime)                   # a real date
    assert delivered["Sent at"].strftime("%d/%m/%Y %H:%M") == "25/11/2026 12:00"
    assert isinstance(delivered["Delivered or failed at"], datetime)
    assert (delivered["Called"], delivered["Reached"]) == ("No", "No")
    assert delivered["Message"] == "warn_and_inform"
    assert (failed["Status"], failed["Failure reason"], failed["Called"],
            failed["Reached"], failed["Last call outcome"], failed["Outcome"]) == (
        "failed", "text not delivered: number not in use", "Yes", "No", "No answer",
        "called")
    assert (landline["Channel"], landline["Status"], landline["Sent at"],
            landline["Reached"], landline["Outcome"]) == (None, "not sent", None, "Yes",
                                                          "reached")
    assert landline["Failure reason"] == ("no mobile number, no email address, "
                                          "no postal address")
    # A name that looks like a formula is text, never a formula.
    name = next(c for c in sheet["C"] if c.value == HOSTILE)
    assert name.data_type == "s"
    assert not any(isinstance(c.value, str) and c.data_type == "f"
                   for row in sheet.iter_rows() for c in row)
    dictionary = {r[0]: r for r in book["Data dictionary"].iter_rows(values_only=True)
                  if r[-1] and str(r[-1]).startswith("On the Messages sheet")}
    assert set(dictionary) == set(HEADER)
    assert dictionary["Sent at"][3] == "Date and time (UK time)"
    assert "reached (a call reached them)" in dictionary["Outcome"][-1]


def test_a_csv_gets_its_messages_file_beside_it_and_a_district_filter_holds(db, outbreak,
                                                                            tmp_path):
    out = tmp_path / "outbreak.csv"
    result = export_answers(db, outbreak, fmt="csv", layout="long", out=out,
                            district="ashworth")
    messages = tmp_path / "outbreak-messages.csv"
    assert result.messages_path == messages and result.message_rows == 3
    with messages.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER
    people = by_reference(rows[1:])
    assert list(people) == ["T00001", "T00003", "T00099"]     # not Dunmoor's T00004
    assert people["T00001"]["Name"] == "'" + HOSTILE            # kept as text
    assert people["T00001"]["Sent at"] == "2026-11-25 12:00:00"
    assert people["T00003"]["Sent at"] == ""
    assert [p["Outcome"] for p in people.values()] == ["delivered", "reached", "called"]
    with (tmp_path / "outbreak-dictionary.csv").open(encoding="utf-8-sig") as handle:
        described = {r[0]: r[-1] for r in csv.reader(handle)}
    assert described["Failure reason"].startswith("In outbreak-messages.csv, a row per "
                                                  "person: Why the message failed")


def test_the_scheduled_export_has_the_messages_and_prunes_them(db, outbreak, tmp_path):
    old = tmp_path / "outbreak-2026-10-01-messages.csv"
    old.write_text("old")
    path = write_scheduled_export(db, outbreak, tmp_path, date(2026, 11, 25), fmt="csv",
                                  keep_days=30)
    assert path.name == "outbreak-2026-11-25.csv"
    messages = tmp_path / "outbreak-2026-11-25-messages.csv"
    with messages.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 5
    assert not old.exists()


def test_a_messages_file_that_cannot_be_written_leaves_nothing(db, outbreak, tmp_path):
    folder = tmp_path / "exports"
    (folder / "outbreak-messages.csv").mkdir(parents=True)     # in the way
    with pytest.raises(OutputError):
        export_answers(db, outbreak, fmt="csv", layout="wide", out=folder / "outbreak.csv")
    assert [p.name for p in folder.iterdir()] == ["outbreak-messages.csv"]


def test_a_campaign_without_messages_has_no_messages_sheet(db, tmp_path):
    from outbound.queue.campaigns import create_campaign

    cid = create_campaign(db, "welfare_check", "Checking in")
    out = tmp_path / "checks.xlsx"
    result = export_answers(db, cid, fmt="xlsx", layout="wide", out=out)
    assert result.message_rows is None
    assert load_workbook(out).sheetnames == ["Answers", "Data dictionary"]


def test_the_export_command_says_where_the_messages_are(db_url, db, outbreak, tmp_path,
                                                        capsys):
    from outbound.cli import main

    out = tmp_path / "mill_lane.xlsx"
    assert main(["export", "--db", db_url, "--campaign", str(outbreak), "--format", "xlsx",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Each person's texts, emails and letters (4 people) are on the Messages " \
        "sheet." in said
    assert load_workbook(out, read_only=True)["Messages"].max_row == 5
