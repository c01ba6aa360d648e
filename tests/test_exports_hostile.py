"""Hostile text in every CSV the project writes: line breaks, formulas, tabs, Welsh, emoji.

A name holding a line break must stay one cell of one record: written unquoted, the
record splits in two, the columns after it shift, and the second half (``=1+1``) starts
a line a spreadsheet runs as a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from outbound.db.booking_models import Booking, Location
from outbound.db.capture_models import AnswerSet
from outbound.db.models import Attempt, Contact, User
from outbound.exports import export_answers, export_attempts, export_day_list
from outbound.exports.cells import csv_text
from tests.test_exports_more import seed_clinic
from tests.test_exports_seed import ROUND_2, seed_tracker

HOSTILE: dict[str, dict[str, str]] = {
    "oak": {"name": "Care\n=1+1", "organisation": "\r\n@SUM(A1)",
            "external_ref": "\n=1+1", "district": "Tŷ\tGwŷn 🏠"},
    "elm": {"name": "\r\n@SUM(A1)", "organisation": "Gofal ŵyr 🙂\n-3+3",
            "external_ref": "+1-202\r", "district": "\tNorthgate"},
    "ash": {"name": "\tAsh ŷ 🏥", "organisation": '=HYPERLINK("http://example.invalid")',
            "external_ref": "@1-303", "district": "Care\r\n+2+2"},
}
COMMENT = "Line one\n=1+1\r\n@SUM(A1)\tand ŵ ŷ 🙂"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _make_hostile(db: Any) -> Any:
    seeded = seed_tracker(db)

    def work(session: Any) -> None:
        for key, values in HOSTILE.items():
            contact = session.get(Contact, seeded.contacts[key])
            for column, value in values.items():
                setattr(contact, column, value)
        session.query(User).filter_by(name="Ben").one().name = "Ben\n=2+2"
        for answer_set in session.query(AnswerSet).filter_by(campaign_id=seeded.campaign_id):
            answer_set.answers = {**answer_set.answers, "comments": COMMENT}
        for attempt in session.query(Attempt).filter_by(campaign_id=seeded.campaign_id):
            attempt.notes = COMMENT

    db.run_write(work)
    return seeded


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *records = list(csv.reader(handle))
    return header, records


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_cells(header: list[str], records: list[list[str]]) -> None:
    for record in records:
        assert len(record) == len(header), record
        for cell in record:
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), cell


def _newest_sets(db: Any, campaign_id: int) -> list[AnswerSet]:
    with db.read() as session:
        stored = (session.query(AnswerSet).filter_by(campaign_id=campaign_id)
                  .order_by(AnswerSet.id).all())
    return list({(s.round_key, s.contact_id): s for s in stored}.values())


def test_every_answers_csv_keeps_hostile_contacts_in_their_cells(db, tmp_path):
    seeded = _make_hostile(db)
    newest = _newest_sets(db, seeded.campaign_id)
    people = {(csv_text(v["external_ref"]), csv_text(v["district"]), csv_text(v["name"]),
               csv_text(v["organisation"])) for v in HOSTILE.values()}

    wide = export_answers(db, seeded.campaign_id, fmt="csv", layout="wide",
                          out=tmp_path / "wide.csv")
    header, records = _records(wide.path)
    _check_cells(header, records)
    assert wide.rows == len(records) == len(newest)
    at = header.index("Reference")
    assert {tuple(r[at:at + 4]) for r in records} == people
    assert {r[header.index("Comments")] for r in records} == {COMMENT}
    assert "Ben\n=2+2" in {r[header.index("Agent")] for r in records}

    long = export_answers(db, seeded.campaign_id, fmt="csv", layout="long",
                          out=tmp_path / "long.csv")
    header, records = _records(long.path)
    _check_cells(header, records)
    answers = sum(1 for s in newest for value in s.answers.values() if value is not None)
    with db.read() as session:
        noted = sum(1 for s in newest
                    if s.attempt_id and session.get(Attempt, s.attempt_id).notes)
    assert long.rows == len(records) == answers + noted
    assert {tuple(r[at:at + 3]) for r in records} == {p[:3] for p in people}

    for result in (wide, long):
        assert result.dictionary_path is not None
        _check_cells(*_records(result.dictionary_path))


def test_the_calls_csv_keeps_hostile_contacts_in_their_cells(db, tmp_path):
    seeded = _make_hostile(db)
    with db.read() as session:
        attempts = session.query(Attempt).filter_by(campaign_id=seeded.campaign_id).count()
    result = export_attempts(db, seeded.campaign_id, fmt="csv", out=tmp_path / "calls.csv")
    header, records = _records(result.path)
    _check_cells(header, records)
    assert result.rows == len(records) == attempts
    assert {r[header.index("Name")] for r in records} == {
        csv_text(v["name"]) for v in HOSTILE.values()}
    assert {r[header.index("Notes")] for r in records} == {COMMENT}


def test_the_day_list_csv_keeps_hostile_names_in_their_cells(db, tmp_path):
    seed_clinic(db)
    names = [v["name"] for v in HOSTILE.values()]

    def work(session: Any) -> None:
        people = session.query(Contact).order_by(Contact.id).all()
        for contact, name in zip(people, names, strict=True):
            contact.name = name
        for booking in session.query(Booking):
            booking.notes = COMMENT

    db.run_write(work)
    with db.read() as session:
        town = session.query(Location).filter_by(name="Town Hall Clinic").one().id
    result = export_day_list(db, town, ROUND_2, fmt="csv", out=tmp_path / "day.csv")
    header, records = _records(result.path)
    _check_cells(header, records)
    assert result.rows == len(records) == 3
    assert {r[header.index("Name")] for r in records} == {csv_text(n) for n in names}


def test_lead_cells_with_line_breaks_are_quoted():
    import io

    from outbound.exports.tables import csv_cells_text

    lead = csv_cells_text(["Care\n=1+1", "a\rb", "\r\n@SUM(A1)", "Tŷ 🏠"])
    assert list(csv.reader(io.StringIO(lead + "end\r\n", newline=""))) == [
        ["Care\n=1+1", "a\rb", "\r\n@SUM(A1)", "Tŷ 🏠", "end"]]


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_hostile_answers_in_xlsx_are_text_never_formulas(db, tmp_path, layout):
    seeded = _make_hostile(db)
    out = tmp_path / f"{layout}.xlsx"
    result = export_answers(db, seeded.campaign_id, fmt="xlsx", layout=layout, out=out)
    sheet = openpyxl.load_workbook(out)["Answers"]
    assert sheet.max_row == result.rows + 1
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # An XLSX is XML, whose readers turn a carriage return into a line feed.
    names = {v["name"].replace("\r\n", "\n") for v in HOSTILE.values()}
    assert names <= {cell.value for cell in cells}
