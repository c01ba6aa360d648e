"""Workbooks read by python-calamine, and by openpyxl's streaming reader past its size limit:
the two readers give the same headers and rows, and a damaged workbook imports nothing."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

import outbound.importing.table as table_module
from outbound.importing import import_file
from outbound.importing.table import ImportRefused, TableReader
from tests.test_import import snapshot

pytestmark = pytest.mark.clock(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test once with each reader: a limit of 0 sends every workbook to openpyxl."""
    if request.param == "openpyxl":
        monkeypatch.setattr(table_module, "CALAMINE_MAX_XML", 0)
    return request.param


def read(path: Path, **kwargs: str) -> tuple[TableReader, list[tuple[int, list[str]]]]:
    with TableReader(path, **kwargs) as table:
        return table, list(table.rows())


def excel_like(path: Path) -> Path:
    """A workbook as Excel saves a council's list: shared strings, numbers that lost their
    leading zero stored as floats, dates as date cells, a header that does not start in
    A1, a merged cell, and a blank row and blank cells inside it."""
    book = xlsxwriter.Workbook(str(path))
    notes = book.add_worksheet("Read me")          # empty, first in the workbook
    notes.set_column(0, 0, 30)
    sheet = book.add_worksheet("Residents")
    as_date = book.add_format({"num_format": "dd/mm/yyyy"})
    as_when = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_row(2, 1, ["Name", "Telephone", "Expiry date", "Called", "Notes", "Count"])
    sheet.write_string(3, 1, "  Ann Oak ")
    sheet.write_number(3, 2, 1134960001.0)
    sheet.write_datetime(3, 3, dt.date(2027, 3, 31), as_date)
    sheet.write_datetime(3, 4, dt.datetime(2026, 12, 1, 14, 5), as_when)
    sheet.write_string(3, 5, "BSL 🙂")
    sheet.write_number(3, 6, 3)
    sheet.write_string(5, 1, "Bob Elm")              # row 5 is left blank
    sheet.write_string(5, 2, "0161 496 0123 ext 12")
    sheet.write_number(5, 6, 2.5)
    sheet.write_boolean(5, 5, True)
    sheet.write_string(6, 1, "Cy Ash")
    sheet.merge_range("E7:F7", "see the letter")
    sheet.write_number(6, 2, 4.41134960002e11)        # +44 lost, as Excel shows 4.41E+11
    book.activate = None
    sheet.activate()
    book.close()
    return path


def test_both_readers_give_the_same_rows(tmp_path, reader):
    table, rows = read(excel_like(tmp_path / "list.xlsx"))
    assert table._reader == reader
    assert table.info.sheet == "Residents"
    assert table.info.headers == ["Column 1", "Name", "Telephone", "Expiry date", "Called",
                                  "Notes", "Count"]
    assert rows == [
        (4, ["", "Ann Oak", "1134960001", "2027-03-31", "2026-12-01 14:05:00", "BSL 🙂",
             "3"]),
        (6, ["", "Bob Elm", "0161 496 0123 ext 12", "", "", "yes", "2.5"]),
        (7, ["", "Cy Ash", "441134960002", "", "see the letter", "", ""]),
    ]


def test_a_list_from_excel_imports_alike_with_either_reader(db, tmp_path, reader):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Telephone", "Expiry date"])
    sheet.append(["Ann Oak", 1134960001.0, dt.datetime(2027, 3, 31)])
    sheet.append(["Bob Elm", None, None])
    sheet.append([None, None, None])
    sheet.append(["Cy Ash", 7976848608, "31/03/2027"])
    book.save(tmp_path / "list.xlsx")
    report = import_file(db, tmp_path / "list.xlsx")
    assert report.format == "xlsx" and report.rows_read == 3 and report.created == 3
    with db.read() as session:
        from outbound.db.models import Contact

        stored = {c.name: (c.primary_phone, c.expiry_date and c.expiry_date.isoformat())
                  for c in session.query(Contact)}
    assert stored == {"Ann Oak": ("+441134960001", "2027-03-31"), "Bob Elm": (None, None),
                      "Cy Ash": ("+447976848608", "2027-03-31")}
    repaired = [i for i in report.issues if i.outcome == "repaired"]
    assert [i.row_number for i in repaired] == [2, 5]        # the leading 0 put back


def test_a_chart_first_and_hidden_sheets(tmp_path, reader):
    book = xlsxwriter.Workbook(str(tmp_path / "odd.xlsx"))
    chart_sheet = book.add_chartsheet("Chart")
    data = book.add_worksheet("Data")
    hidden = book.add_worksheet("Old")
    data.write_row(0, 0, ["Name", "Phone"])
    data.write_row(1, 0, ["Ann", "0113 496 0001"])
    hidden.write_row(0, 0, ["Name", "Phone"])
    hidden.write_row(1, 0, ["Old Ann", "0113 496 0002"])
    hidden.hide()
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Data!$B$2:$B$2"})
    chart_sheet.set_chart(chart)
    chart_sheet.activate()
    book.close()
    table, rows = read(tmp_path / "odd.xlsx")
    assert table.info.sheet == "Data" and rows == [(2, ["Ann", "0113 496 0001"])]
    table, rows = read(tmp_path / "odd.xlsx", sheet="old")
    assert table.info.sheet == "Old" and rows == [(2, ["Old Ann", "0113 496 0002"])]
    with pytest.raises(ImportRefused, match=r"no sheet called “Chart”: choose one of "
                                            r"“Data”, “Old”\."):
        read(tmp_path / "odd.xlsx", sheet="Chart")


def test_the_active_sheet_is_read_first(tmp_path, reader):
    book = xlsxwriter.Workbook(str(tmp_path / "two.xlsx"))
    for name in ("January", "February"):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ["Name", "Phone"])
        sheet.write_row(1, 0, [f"{name} caller", "0113 496 0001"])
    book.get_worksheet_by_name("February").activate()
    book.close()
    table, rows = read(tmp_path / "two.xlsx")
    assert table.info.sheet == "February" and rows[0][1][0] == "February caller"


@pytest.mark.parametrize("damage", ["cut short", "sheet garbled", "not a workbook"])
def test_a_damaged_workbook_is_one_sentence_and_imports_nothing(db, tmp_path, damage):
    whole = excel_like(tmp_path / "whole.xlsx")
    damaged = tmp_path / "damaged.xlsx"
    if damage == "cut short":
        damaged.write_bytes(whole.read_bytes()[:2000])
    else:
        with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
            for part in source.infolist():
                data = source.read(part)
                if damage == "sheet garbled" and part.filename == "xl/worksheets/sheet2.xml":
                    data = data[: len(data) // 2] + b"<c r=<<"
                if damage == "not a workbook" and part.filename.startswith("xl/"):
                    continue
                target.writestr(part, data)
    before = snapshot(db)
    with pytest.raises(ImportRefused) as refused:
        import_file(db, damaged)
    message = str(refused.value)
    assert message == ("“damaged.xlsx” is not a valid Excel workbook, or is damaged: open it "
                       "in Excel and save it as .xlsx or CSV, then import that.")
    assert snapshot(db) == before


def test_the_switch_to_streaming_is_by_the_size_of_the_sheets_xml(tmp_path, monkeypatch):
    path = excel_like(tmp_path / "list.xlsx")
    with zipfile.ZipFile(path) as archive:
        xml = sum(p.file_size for p in archive.infolist()
                  if p.filename.startswith("xl/worksheets/")
                  or p.filename == "xl/sharedStrings.xml")
    monkeypatch.setattr(table_module, "CALAMINE_MAX_XML", xml)
    with TableReader(path) as table:
        assert table._reader == "calamine"
    monkeypatch.setattr(table_module, "CALAMINE_MAX_XML", xml - 1)
    with TableReader(path) as table:
        assert table._reader == "openpyxl"
