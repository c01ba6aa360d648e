"""The agent's notes and the unusual answers they confirmed reach the commissioners, on
both databases: columns in the wide layout, rows and a column in the long layout, in
CSV and XLSX, each described in the data dictionary."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from outbound.exports import export_answers
from outbound.forms import validate
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from tests.test_undo import ANSWERS
from tests.ui.test_call_screen import MONDAY, TRACKER_FORM, at, make_tracker

NOTE = "Manager new in post; =call back about agency staff"


def _seed(db):  # type: ignore[no-untyped-def]
    camp = make_tracker(db)
    unusual = {**ANSWERS, "beds_vacant_available": 60}        # more than the home has
    soft = validate(TRACKER_FORM, unusual, {}, final=True).soft
    assert list(soft) == ["beds_vacant_available"]
    now = at(MONDAY, 10)
    task = claim_next_task(db, "Sam", camp, now=now)
    record_outcome(db, task.task_id, "Sam", "completed", answers=unusual, confirmations=soft,
                   notes=NOTE, now=now)
    return camp, soft["beds_vacant_available"]


def _table(path, fmt):  # type: ignore[no-untyped-def]
    if fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    sheet = openpyxl.load_workbook(path, read_only=True)["Answers"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def _dictionary(result, path, fmt):  # type: ignore[no-untyped-def]
    if fmt == "csv":
        return _table(result.dictionary_path, "csv")
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book[next(name for name in book.sheetnames if name != "Answers")]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_notes_and_confirmations_in_the_wide_layout(db, tmp_path, fmt):
    camp, words = _seed(db)
    out = tmp_path / f"wide.{fmt}"
    result = export_answers(db, camp, fmt=fmt, layout="wide", out=out)
    [row] = _table(out, fmt)
    assert row["Notes"] == NOTE
    assert row["Confirmed unusual answers"] == (
        f"beds_vacant_available: “{words}” confirmed by Sam")
    described = {d["Column"]: d for d in _dictionary(result, out, fmt)}
    assert described["Notes"]["Type"] == "Text"
    assert "who confirmed it" in str(described["Confirmed unusual answers"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_notes_and_confirmations_in_the_long_layout(db, tmp_path, fmt):
    camp, words = _seed(db)
    out = tmp_path / f"long.{fmt}"
    result = export_answers(db, camp, fmt=fmt, layout="long", out=out)
    rows = {r["Field"]: r for r in _table(out, fmt)}
    assert rows["beds_vacant_available"]["Confirmed by"] == f"Sam: {words}"
    assert rows["beds_max"].get("Confirmed by") in (None, "")
    notes = rows["call_notes"]
    assert notes["Value"] == NOTE and notes["Label"] == "The agent's notes on the call"
    described = {d["Column"]: d for d in _dictionary(result, out, fmt)}
    assert "call_notes" in str(described["Confirmed by"])
