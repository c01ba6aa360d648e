"""A subject access request: everything held about one person in one readable workbook."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from outbound.audit import AuditFilter, search_audit
from outbound.db.models import Attempt
from outbound.rights import RightsError, export_person, set_legal_hold
from tests.rights_people import NAME, add_rich_person

SUMMER = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)      # 10:00 in London


def rows_of(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_everything_about_one_person_in_one_workbook(db, tmp_path):
    ids = add_rich_person(db)
    cid = ids["contact"]
    with db.write() as s:
        s.execute(update(Attempt).where(Attempt.id == ids["attempt"]).values(
            recorded_at=SUMMER, notes="=HYPERLINK(\"http://x\",\"click\")"))
    set_legal_hold(db, cid, "Complaint 2026/114", by="Priya", now=SUMMER)
    out = tmp_path / "person.xlsx"
    written = export_person(db, cid, out, actor="Priya")

    book = load_workbook(out)
    assert book.sheetnames == [
        "Person", "Numbers", "Number history", "Calls to make", "Call attempts", "Answers",
        "Drafts", "Bookings", "Waiting list", "Messages", "Suppressions", "Corrections",
        "Legal holds",
        "List matches", "Audit entries", "Data dictionary"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
    person = dict((r[0], r[1]) for r in rows_of(book["Person"]))
    assert person["Name"] == NAME and person["Postcode"] == "PN7 3QZ"
    assert person["Date of birth (as imported)"] == "04/05/1931"
    assert [r[1] for r in rows_of(book["Numbers"])] == ["0161 496 0123", "07700 900456"]
    attempt = rows_of(book["Call attempts"])[0]
    assert attempt[4] == datetime(2026, 7, 1, 10, 0)          # a date, on the UK clock
    assert book["Call attempts"].cell(2, 5).is_date
    notes = book["Call attempts"].cell(2, 11)
    assert notes.value == "=HYPERLINK(\"http://x\",\"click\")" and notes.data_type == "s"
    answers = {r[6]: r[7] for r in rows_of(book["Answers"])}
    assert answers["beds_vacant"] == 3 and answers["confident"] == "Yes"
    assert answers["next_of_kin"] == "Derek Quennell"
    assert rows_of(book["Answers"])[0][5] == "Beds vacant"
    assert rows_of(book["Bookings"])[0][0] == "VX7K2Q"
    assert rows_of(book["Waiting list"])[0][6] == f"{NAME} prefers mornings"
    assert rows_of(book["Suppressions"])[0][0] == "asked not to be called"
    assert rows_of(book["Corrections"])[0][:3] == ["email", "wq@example.org",
                                                   "winnie.q@example.org"]
    assert rows_of(book["Legal holds"])[0][:2] == ["Complaint 2026/114", "Priya"]
    assert [r[4] for r in rows_of(book["Audit entries"])] == ["Set a legal hold"]
    dictionary = rows_of(book["Data dictionary"])
    assert ["Call attempts", "Recorded", "When the outcome was recorded, on the UK clock."] \
        in dictionary
    assert written == sum(len(rows_of(s)) for s in book.worksheets[:-1])

    entry = search_audit(db, AuditFilter(action="subject_access_export"))[0]
    assert entry.contact_id == cid and entry.actor == "Priya"
    assert entry.summary == (f"Exported everything held about contact {cid}: "
                             f"{written} rows on 15 sheets.")
    assert NAME not in entry.summary and len(entry.detail["files"][0]["sha256"]) == 64


def test_a_person_who_is_not_there_or_a_bad_file_name_is_refused(db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RightsError, match="no contact number 7"):
        export_person(db, 7, out / "x.xlsx")
    ids = add_rich_person(db)
    with pytest.raises(ValueError, match=r"should end in \.xlsx"):
        export_person(db, ids["contact"], out / "x.csv")
    assert list(out.iterdir()) == []
    assert search_audit(db, AuditFilter(action="subject_access_export")) == []
