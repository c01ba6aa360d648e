"""The XLSX writer (XlsxWriter, constant_memory) read back with openpyxl and python-calamine."""

from __future__ import annotations

import glob
import os
import tempfile
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from outbound.exports.tables import XlsxBook, write_table_file
from outbound.files import OutputError

pytestmark = pytest.mark.clock(datetime(2026, 12, 7, 9, tzinfo=UTC))

HOSTILE = ["=1+1", "+44 161 496 0000", "-3+3", "@SUM(A1)", "\t=2+2", "=HYPERLINK(\"x\")",
           "#N/A", "#DIV/0!", "Line one\nline two", "a\r\nb", "Tŷ Gwŷn 🏠🙂",
           "http://example.invalid", "0113 496 0000", "1e5", " padded "]


def _save(book: XlsxBook, path: Path) -> Path:
    with path.open("wb") as handle:
        book.save(handle)
    return path


def test_cells_keep_their_types_and_text_is_never_a_formula(tmp_path):
    book = XlsxBook()
    rows = [[text, 7, 2.5, date(2026, 3, 31), datetime(2026, 3, 31, 14, 5),
             time(9, 30), True, None] for text in HOSTILE]
    header = ["Text", "Int", "Float", "Date", "When", "Time", "Yes/no", "Empty"]
    assert book.add_table("Answers", header, iter(rows)) == len(HOSTILE)
    path = _save(book, tmp_path / "typed.xlsx")

    sheet = openpyxl.load_workbook(path)["Answers"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.auto_filter.ref == f"A1:H{len(HOSTILE) + 1}"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    texts = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert texts == [t.replace("\r\n", "\n") for t in HOSTILE]
    assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=2))
    first = sheet[2]
    assert [c.value for c in first[1:7]] == [7, 2.5, datetime(2026, 3, 31),
                                             datetime(2026, 3, 31, 14, 5), time(9, 30), "Yes"]
    assert [c.number_format for c in first[3:6]] == ["dd/mm/yyyy", "dd/mm/yyyy hh:mm",
                                                     "hh:mm"]
    assert first[7].value is None
    assert sheet.column_dimensions["A"].width >= len("=HYPERLINK(\"x\")")

    with CalamineWorkbook.from_path(str(path)) as read:
        values = read.get_sheet_by_name("Answers").to_python()
    assert [row[0] for row in values[1:]] == texts


def test_odd_values_are_written_as_text_rather_than_lost(tmp_path):
    book = XlsxBook()
    aware = datetime(2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=1)))
    book.add_table("Odd", ["value"], [[2 ** 70], [float("nan")], [float("inf")], [aware],
                                      [timedelta(hours=36)], [Decimal("1.10")]])
    sheet = openpyxl.load_workbook(_save(book, tmp_path / "odd.xlsx"))["Odd"]
    values = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert values[:4] == [str(2 ** 70), "nan", "inf", datetime(2026, 6, 1, 9)]
    assert values[4:] == [1.5, "1.10"]


def test_very_long_text_is_cut_at_excels_limit_in_utf16_units(tmp_path):
    book = XlsxBook()
    book.add_table("Long", ["text"], [["x" * 40_000], ["🙂" * 20_000], ["ok\x07bell"]])
    sheet = openpyxl.load_workbook(_save(book, tmp_path / "long.xlsx"))["Long"]
    assert len(sheet["A2"].value) == 32_767
    assert sheet["A3"].value == "🙂" * 16_383  # each emoji is two UTF-16 units
    assert sheet["A4"].value == "okbell"
    assert len(book.warnings) == 2
    assert "2 text answers" in book.warnings[0] and "control characters" in book.warnings[1]


def test_long_titles_still_make_distinct_sheet_names(tmp_path):
    book = XlsxBook()
    title = "Answers for the care tracker: March/April [draft]"
    assert book.add_table(title, ["n"], ([i] for i in range(5)), max_rows=2) == 5
    names = openpyxl.load_workbook(_save(book, tmp_path / "parts.xlsx")).sheetnames
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names)
    assert names[1].endswith(" (2)") and names[2].endswith(" (3)")
    assert not any(c in "".join(names) for c in "[]:*?/\\")


def test_a_workbook_never_saved_leaves_no_spool_files(tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    book = XlsxBook()
    book.add_table("Answers", ["n"], ([i] for i in range(1000)))
    assert os.listdir(spool)
    book.discard()
    assert not os.listdir(spool)


def test_a_failed_export_leaves_nothing_behind(tmp_path):
    def rows():
        yield ["fine"]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_table_file("xlsx", tmp_path / "out.xlsx", "Answers", ["a"], rows())
    assert not glob.glob(str(tmp_path / "*"))


def test_an_unwritable_target_is_one_sentence(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_table_file("xlsx", tmp_path / "missing" / "out.xlsx", "Answers", ["a"], [[1]])
