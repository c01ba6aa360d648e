"""Answer exports as commissioners open them: read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from outbound.clock import local_instant
from outbound.db.capture_models import AnswerSet, FormVersion
from outbound.db.models import Attempt, Contact
from outbound.exports import ExportError, export_answers
from outbound.exports.fields import field_columns, merged_order
from outbound.exports.tables import XlsxBook, staged_files
from outbound.files import OutputError
from outbound.queue.campaigns import CampaignError, create_campaign
from tests.test_exports_seed import FORMULA, ROUND_2, seed_tracker


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the files (the SQLite database lives in tmp_path itself)."""
    made = tmp_path / "out"
    made.mkdir()
    return made


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_xlsx(path: Path, sheet: str = "Answers") -> tuple[Any, list[dict[str, Any]]]:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]
    return book, rows


def test_wide_xlsx_opens_with_types_frozen_header_and_filter(db, folder):
    seeded = seed_tracker(db)
    out = folder / "tracker.xlsx"
    result = export_answers(db, seeded.campaign_id, fmt="xlsx", layout="wide", out=out)
    assert result.rows == 6 and result.dictionary_path is None and result.warnings == ()
    book, rows = read_xlsx(out)
    assert book.sheetnames == ["Answers", "Data dictionary"]
    ws = book["Answers"]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.b for cell in ws[1])
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}7"
    assert ws.column_dimensions["C"].width >= len("Ash Court Domiciliary")

    oak1, elm1, ash1, oak2, elm2, ash2 = rows
    assert [r["Reference"].value for r in rows] == ["1-101", "1-202", "1-303"] * 2
    # Numbers as numbers, dates as dates, instants on the London clock.
    assert oak1["Maximum beds"].value == 40 and oak1["Maximum beds"].data_type == "n"
    assert oak1["Round"].value == datetime(2026, 3, 28) and oak1["Round"].is_date
    assert oak1["Round"].number_format == "dd/mm/yyyy"
    assert oak1["Recorded at"].value == datetime(2026, 3, 28, 10, 30)
    assert elm2["Recorded at"].value == datetime(2026, 3, 30, 10, 30)   # BST, not 09:30
    assert oak2["Date the last outbreak ended"].value == datetime(2026, 1, 15)
    assert oak2["Date the last outbreak ended"].is_date
    assert oak1["Form version"].value == 1 and oak2["Form version"].value == 2
    # yes_no and multi_choice as people read them.
    assert oak1["Any suspected or confirmed Covid cases?"].value == "No"
    assert oak1["Reasons for low take-up"].value == "Worried about side effects; Other"
    # The corrected round shows the correction, by whoever made it.
    assert oak2["Agent"].value == "Ben" and oak2["Flagged"].value == "No"
    assert oak2["Comments"].value == "-2 beds closed"
    assert elm2["Flagged"].value == "Yes" and ash2["Unchanged"].value == "Yes"
    assert ash2["Outcome"].value == "Already updated online today"
    # Formula-looking text is stored as text, and nothing in the file is a formula.
    assert oak1["Comments"].value == FORMULA and oak1["Comments"].data_type == "s"
    assert elm1["Organisation"].value == "@Home Care Group"
    assert not [c for sheet in book for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]
    assert ash1["Maximum beds"].value is None and ash1["People supported"].value == 120


def test_two_form_versions_keep_every_field_with_blanks_where_not_asked(db, folder):
    seeded = seed_tracker(db)
    out = folder / "both.xlsx"
    export_answers(db, seeded.campaign_id, fmt="xlsx", layout="wide", out=out)
    book, rows = read_xlsx(out)
    header = [c.value for c in book["Answers"][1]]
    assert header.index("PPE: masks ordered this week") == header.index("PPE: masks") + 1
    assert "Visiting" in header and "Date the last outbreak ended" in header
    v1_rows = [r for r in rows if r["Form version"].value == 1]
    v2_rows = [r for r in rows if r["Form version"].value == 2]
    assert {r["PPE: masks ordered this week"].value for r in v1_rows} == {"Yes"}
    assert {r["PPE: masks ordered this week"].value for r in v2_rows} == {None}
    assert {r["Visiting"].value for r in v1_rows} == {None}
    dictionary = {row[1]: row for row in book["Data dictionary"].iter_rows(
        min_row=2, values_only=True) if row[1]}
    assert dictionary["masks_ordered"][6] == "1"
    assert dictionary["visiting"][6] == "2"
    assert dictionary["beds_max"][6] == "1, 2" and dictionary["beds_max"][4] == "beds"
    assert dictionary["low_uptake_reasons"][3].startswith("Any of the choices")


def test_wide_csv_has_bom_protected_text_numbers_and_a_dictionary(db, folder):
    seeded = seed_tracker(db)
    out = folder / "tracker.csv"
    result = export_answers(db, seeded.campaign_id, fmt="csv", layout="wide", out=out)
    assert result.dictionary_path == folder / "tracker-dictionary.csv"
    rows = read_csv(out)
    assert len(rows) == result.rows == 6
    oak1, elm1 = rows[0], rows[1]
    assert oak1["Comments"] == "'" + FORMULA
    assert elm1["Comments"] == "'+44 161 496 0000 is new"
    assert elm1["Organisation"] == "'@Home Care Group"
    assert rows[3]["Comments"] == "'-2 beds closed"
    assert oak1["Maximum beds"] == "40" and oak1["Round"] == "2026-03-28"
    assert rows[4]["Recorded at"] == "2026-03-30 10:30:00"
    assert oak1["Reasons for low take-up"] == "Worried about side effects; Other"
    dictionary = read_csv(result.dictionary_path)
    assert {d["Field"] for d in dictionary} >= {"masks_ordered", "visiting", "comments"}
    assert sorted(p.name for p in folder.iterdir()) == ["tracker-dictionary.csv",
                                                          "tracker.csv"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_long_layout_has_one_row_per_answer_flagged_per_answer(db, folder, fmt):
    seeded = seed_tracker(db)
    out = folder / f"long.{fmt}"
    result = export_answers(db, seeded.campaign_id, fmt=fmt, layout="long", out=out)
    with db.read() as session:
        winners = [s for s in session.query(AnswerSet).order_by(AnswerSet.id)
                   if s.attempt_id != seeded.attempts["oak2"]]
        # One row per answer, and one for the agent's notes on a call that has some.
        noted = sum(1 for s in winners
                    if s.attempt_id and session.get(Attempt, s.attempt_id).notes)
        assert result.rows == sum(len(s.answers) for s in winners) + noted
    if fmt == "csv":
        rows = read_csv(out)
        value = {(r["Reference"], r["Round"], r["Field"]): r for r in rows}
        assert value[("1-101", "2026-03-28", "beds_max")]["Value"] == "40"
        assert value[("1-101", "2026-03-28", "comments")]["Value"] == "'" + FORMULA
    else:
        _, cells = read_xlsx(out)
        rows = [{k: c.value for k, c in r.items()} for r in cells]
        value = {(r["Reference"], r["Round"].date().isoformat(), r["Field"]): r for r in rows}
        beds = next(c for c in cells if c["Field"].value == "beds_max")
        assert beds["Value"].data_type == "n" and beds["Value"].value == 40
        outbreak = next(c for c in cells if c["Field"].value == "last_outbreak_ended")
        assert outbreak["Value"].is_date
    masks = value[("1-202", "2026-03-30", "ppe_masks")]
    assert masks["Flagged"] == "Yes" and masks["Value"] == "red"
    assert value[("1-202", "2026-03-30", "ppe_gloves")]["Flagged"] == "No"
    assert value[("1-101", "2026-03-30", "beds_max")]["Unit"] == "beds"
    assert str(value[("1-101", "2026-03-30", "beds_max")]["Form version"]) == "2"
    # The superseded set's flag does not show: its correction won.
    assert ("1-101", "2026-03-30", "staff_cases_confirmed") not in value


def _refs(path: Path) -> list[tuple[str, str]]:
    return [(r["Reference"], r["Round"]) for r in read_csv(path)]


def test_filters_flagged_district_outcome_and_round_range(db, folder):
    seeded = seed_tracker(db)
    cid = seeded.campaign_id

    def export(name: str, **where: Any) -> list[tuple[str, str]]:
        out = folder / f"{name}.csv"
        export_answers(db, cid, fmt="csv", layout="wide", out=out, **where)
        return _refs(out)

    # Oak House's first answers for round 2 were flagged but corrected: only Elm shows.
    assert export("flagged", flagged_only=True) == [("1-202", "2026-03-30")]
    assert export("north", district="northgate") == [
        ("1-101", "2026-03-28"), ("1-303", "2026-03-28"),
        ("1-101", "2026-03-30"), ("1-303", "2026-03-30")]
    assert export("online", outcome="already_submitted") == [("1-303", "2026-03-30")]
    assert export("label", outcome="Already updated online today") == [("1-303", "2026-03-30")]
    assert export("round2", date_from=ROUND_2) == [
        ("1-101", "2026-03-30"), ("1-202", "2026-03-30"), ("1-303", "2026-03-30")]
    assert len(export("round1", date_to=date(2026, 3, 29))) == 3
    assert export("none", date_from=date(2026, 4, 1)) == []


def test_a_list_campaign_filters_on_the_london_day_answers_were_recorded(db, folder):
    cid = create_campaign(db, "welfare_check", "Having a chat")

    def work(session: Any) -> None:
        version = FormVersion(template_code="welfare_check", version=1, fingerprint="w1",
                              fields=[{"name": "coping", "label": "Coping", "type": "choice"}])
        person = Contact(name="Mrs Ada Brown", name_key="mrs ada brown", district="Eastfield",
                         external_ref="W1")
        session.add_all([version, person])
        session.flush()
        # 00:30 on 2 June in London is 23:30 on 1 June in UTC.
        late = local_instant(date(2026, 6, 2), time(0, 30))
        session.add(AnswerSet(campaign_id=cid, contact_id=person.id, round_key="list",
                              form_version_id=version.id, recorded_at=late,
                              answers={"coping": "Well"}))

    db.run_write(work)
    out = folder / "chat.csv"
    export_answers(db, cid, fmt="csv", layout="wide", out=out, date_from=date(2026, 6, 2),
                   date_to=date(2026, 6, 2))
    rows = read_csv(out)
    assert [(r["Round"], r["Recorded at"], r["Coping"]) for r in rows] == [
        ("list", "2026-06-02 00:30:00", "Well")]
    export_answers(db, cid, fmt="csv", layout="wide", out=out, date_to=date(2026, 6, 1))
    assert read_csv(out) == []


@pytest.mark.parametrize("where, error, words", [
    ({"district": "Atlantis"}, ExportError, "no contact is in a district called"),
    ({"date_from": date(2026, 4, 1), "date_to": date(2026, 3, 1)}, ExportError,
     "wrong way round"),
    ({"outcome": "teleported"}, ExportError, "is not an outcome"),
    ({"campaign": "No such campaign"}, CampaignError, "no campaign called"),
    ({"fmt": "pdf"}, ExportError, "not an export format"),
])
def test_bad_requests_are_one_sentence_and_write_nothing(db, folder, where, error, words):
    seeded = seed_tracker(db)
    args: dict[str, Any] = {"fmt": "csv", "layout": "wide", "out": folder / "x.csv"}
    where = dict(where)
    campaign = where.pop("campaign", seeded.campaign_id)
    args.update(where)
    with pytest.raises(error) as caught:
        export_answers(db, campaign, **args)
    assert words in str(caught.value).lower()
    assert list(folder.iterdir()) == []


def test_unwritable_places_are_refused_before_anything_is_read(db, folder):
    seeded = seed_tracker(db)
    with pytest.raises(OutputError, match="does not exist"):
        export_answers(db, seeded.campaign_id, fmt="xlsx", layout="wide",
                       out=folder / "missing" / "x.xlsx")
    with pytest.raises(OutputError, match="is a folder"):
        export_answers(db, seeded.campaign_id, fmt="xlsx", layout="wide", out=folder)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_failure_half_way_leaves_the_earlier_file_and_no_part_files(db, folder, fmt,
                                                                      monkeypatch):
    seeded = seed_tracker(db)
    out = folder / f"tracker.{fmt}"
    export_answers(db, seeded.campaign_id, fmt=fmt, layout="wide", out=out)
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    calls = {"n": 0}
    from outbound.exports.reading import LondonClock

    real, real_text = LondonClock.wall, LondonClock.wall_text

    def failing(self: LondonClock, value: Any) -> datetime | None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the network went away")
        return real(self, value)

    def failing_text(self: LondonClock, value: Any) -> str | None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the network went away")
        return real_text(self, value)

    monkeypatch.setattr(LondonClock, "wall", failing)
    monkeypatch.setattr(LondonClock, "wall_text", failing_text)
    with pytest.raises(RuntimeError):
        export_answers(db, seeded.campaign_id, fmt=fmt, layout="long", out=out)
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        export_answers(db, seeded.campaign_id, fmt=fmt, layout="long",
                       out=folder / f"new.{fmt}")
    assert sorted(p.name for p in folder.iterdir()) == [name for name, _ in before]


def test_a_pair_is_never_left_half_renamed(folder, monkeypatch):
    import os

    real_replace = os.replace

    def replace(src: str, dst: Any) -> None:
        if str(dst).endswith("dictionary.csv"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match="No space left"), staged_files(
            [folder / "a.csv", folder / "a-dictionary.csv"]) as (main, dictionary):
        main.write("x")
        dictionary.write("y")
    assert list(folder.iterdir()) == []


def test_headings_stay_unique_and_fields_keep_form_order():
    v1 = [{"name": "a", "label": "Beds"}, {"name": "old", "label": "Old"},
          {"name": "b", "label": "Staff"}]
    v2 = [{"name": "a", "label": "Beds"}, {"name": "b", "label": "Staff"},
          {"name": "c", "label": "beds"}, {"name": "d", "label": "District"}]
    assert merged_order([(1, v1), (2, v2)]) == ["a", "old", "b", "c", "d"]
    columns = field_columns([(1, v1), (2, v2)], taken=["Reference", "District"])
    assert [c.heading for c in columns] == ["Beds (a)", "Old", "Staff", "beds (c)",
                                            "District (d)"]
    assert [c.versions for c in columns] == [(1, 2), (1,), (1, 2), (2,), (2,)]


def test_a_sheet_past_excels_row_limit_goes_on_over_more_sheets(folder):
    book = XlsxBook()
    rows = [[i, f"=row {i}"] for i in range(7)]
    assert book.add_table("Answers", ["n", "text"], iter(rows), max_rows=3) == 7
    with (folder / "big.xlsx").open("wb") as handle:
        book.save(handle)
    read = openpyxl.load_workbook(folder / "big.xlsx")
    assert read.sheetnames == ["Answers", "Answers (2)", "Answers (3)"]
    assert [[c.value for c in r] for r in read["Answers (3)"].iter_rows()] == [
        ["n", "text"], [6, "=row 6"]]
    assert read["Answers (3)"]["B2"].data_type == "s"
    assert "3 sheets" in book.warnings[0]


def test_control_characters_and_very_long_text_still_make_a_valid_xlsx(folder):
    book = XlsxBook()
    book.add_table("Answers", ["notes"], [["bell\x07 here"], ["x" * 40_000]])
    with (folder / "odd.xlsx").open("wb") as handle:
        book.save(handle)
    ws = openpyxl.load_workbook(folder / "odd.xlsx")["Answers"]
    assert ws["A2"].value == "bell here" and len(ws["A3"].value) == 32_767
    assert len(book.warnings) == 2


def test_an_answer_its_form_did_not_declare_is_never_dropped_silently(db, folder):
    seeded = seed_tracker(db)

    def work(session: Any) -> None:
        session.add(AnswerSet(campaign_id=seeded.campaign_id, contact_id=seeded.contacts["ash"],
                              round_key="2026-03-31", form_version_id=seeded.v2,
                              recorded_at=local_instant(date(2026, 3, 31), time(12)),
                              answers={"service_type": "Domiciliary care",
                                       "mystery": "\tfrom an old client"}))

    db.run_write(work)
    wide = export_answers(db, seeded.campaign_id, fmt="csv", layout="wide",
                          out=folder / "wide.csv", date_from=date(2026, 3, 31))
    assert wide.rows == 1 and "mystery (1)" in wide.warnings[0]
    long = export_answers(db, seeded.campaign_id, fmt="csv", layout="long",
                          out=folder / "long.csv", date_from=date(2026, 3, 31))
    rows = read_csv(long.path)
    assert [(r["Field"], r["Value"]) for r in rows] == [
        ("service_type", "Domiciliary care"), ("mystery", "'\tfrom an old client")]


@pytest.mark.parametrize("stored, shown", [
    ("2026-03-29 00:59:59.000000", "2026-03-29 00:59:59"),   # the last second of GMT
    ("2026-03-29 01:00:00.000000", "2026-03-29 02:00:00"),   # BST from here
    ("2026-10-25 00:30:00.000000", "2026-10-25 01:30:00"),   # the first 01:30 (BST)
    ("2026-10-25 01:30:00.000000", "2026-10-25 01:30:00"),   # the second 01:30 (GMT)
    ("2026-06-30 23:15:07.123456", "2026-07-01 00:15:07"),
])
def test_stored_instants_show_on_the_london_clock(stored, shown):
    from outbound.exports.reading import LondonClock

    clock = LondonClock()
    assert clock.wall_text(stored) == shown
    assert clock.wall(stored) == datetime.fromisoformat(shown)
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    assert clock.wall_text(moment) == shown
