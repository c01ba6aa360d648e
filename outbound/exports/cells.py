"""Turning values into cells that Excel shows as they were meant, and never runs.

A text answer such as ``=HYPERLINK(...)`` or ``+44 161 ...`` must reach the reader as
text: a spreadsheet that evaluates it is a way to attack the commissioners who open
the file (OWASP "CSV injection"). In CSV such a cell gets a leading single quote; in
XLSX it is written as an explicit text cell, while real numbers stay numbers in both.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# The characters OWASP lists: formula starts, and tab / carriage return, which some
# spreadsheets strip before looking for one.
RISKY_STARTS = frozenset("=+-@\t\r")
EXCEL_TEXT_LIMIT = 32_767
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TIME_FORMAT = "hh:mm"
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
# Control characters are not allowed in an XLSX file; openpyxl refuses them.
_ILLEGAL_IN_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_ERROR_CODES = frozenset(ERROR_CODES)
BOLD = Font(bold=True)


def csv_text(value: str) -> str:
    """Text for a CSV cell: a leading quote keeps a formula-looking value as text."""
    if value and value[0] in RISKY_STARTS:
        return "'" + value
    return value


def csv_row(row: list[Any]) -> list[Any]:
    """A row of typed values made ready for the csv module, in place.

    None, int and float are left for the csv module, which writes them as they are.
    """
    for i, value in enumerate(row):
        kind = type(value)
        if kind is str:
            if value and value[0] in RISKY_STARTS:
                row[i] = "'" + value
        elif kind is datetime:
            row[i] = value.strftime(CSV_DATETIME)
        elif kind is date:
            row[i] = value.isoformat()
        elif kind is time:
            row[i] = value.strftime("%H:%M")
        elif kind is bool:
            row[i] = "Yes" if value else "No"
    return row


class XlsxCells:
    """Makes openpyxl cells for one write-only sheet, counting what had to change."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.truncated = 0
        self.cleaned = 0

    def header(self, headings: list[str]) -> list[WriteOnlyCell]:
        cells = []
        for heading in headings:
            cell = WriteOnlyCell(self.sheet)
            cell.font = BOLD
            cell.value = self._text(heading)
            cell.data_type = "s"
            cells.append(cell)
        return cells

    def _text(self, value: str) -> str:
        if _ILLEGAL_IN_XLSX.search(value):
            self.cleaned += 1
            value = _ILLEGAL_IN_XLSX.sub("", value)
        if len(value) > EXCEL_TEXT_LIMIT:
            self.truncated += 1
            value = value[:EXCEL_TEXT_LIMIT]
        return value

    def _styled(self, value: Any, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet)
        cell.number_format = number_format  # before the value, so openpyxl keeps it
        cell.value = value
        return cell

    def row(self, row: list[Any]) -> list[Any]:
        """A row of typed values as openpyxl cells or plain values, in place."""
        for i, value in enumerate(row):
            kind = type(value)
            if kind is str:
                value = self._text(value)
                if value and (value[0] in RISKY_STARTS or value in _ERROR_CODES):
                    cell = WriteOnlyCell(self.sheet)
                    cell.value = value
                    cell.data_type = "s"   # text, never a formula or an error value
                    row[i] = cell
                else:
                    row[i] = value
            elif kind is datetime:
                if value.tzinfo is not None:
                    value = value.replace(tzinfo=None)
                row[i] = self._styled(value, DATETIME_FORMAT)
            elif kind is date:
                row[i] = self._styled(value, DATE_FORMAT)
            elif kind is time:
                row[i] = self._styled(value, TIME_FORMAT)
            elif kind is bool:
                row[i] = "Yes" if value else "No"
        return row


def display_width(value: Any) -> int:
    """About how many characters wide a value shows in Excel."""
    if value is None:
        return 0
    kind = type(value)
    if kind is datetime:
        return 16
    if kind is date:
        return 10
    if kind is time:
        return 5
    if kind is float:
        return min(len(f"{value:.6g}"), 15)
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)
