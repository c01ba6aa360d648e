"""Turning values into cells that Excel shows as they were meant, and never runs.

A text answer such as ``=HYPERLINK(...)`` or ``+44 161 ...`` must reach the reader as
text: a spreadsheet that evaluates it is a way to attack the commissioners who open
the file (OWASP "CSV injection"). In CSV such a cell gets a leading single quote; in
XLSX every text is written as a text cell (XlsxWriter's ``write_string``, never its
``write``, which would turn it into a formula), while real numbers stay numbers in both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # XlsxWriter is imported with the XLSX writer, not for a CSV
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

# The characters OWASP lists: formula starts, and tab / carriage return, which some
# spreadsheets strip before looking for one.
RISKY_STARTS = frozenset("=+-@\t\r")
EXCEL_TEXT_LIMIT = 32_767
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TIME_FORMAT = "hh:mm"
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
# Control characters are not allowed in an XLSX file (XlsxWriter would write them as
# _xHHHH_ escapes, which some readers show as they are): they are left out.
_ILLEGAL_IN_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# What a text cell needs looked at: those, and carriage returns, which an XML reader
# would turn into line feeds anyway; XlsxWriter would keep them as _x000D_ escapes.
_NEEDS_CARE = re.compile(r"[\000-\010\013-\037]")
# Excel's limit counts UTF-16 units; text shorter than half of it is always within it.
_SAFE_LENGTH = EXCEL_TEXT_LIMIT // 2
# Integers past this lose digits as an Excel number: they are written as text.
_EXACT_INTEGER = 2 ** 53


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
    """Writes rows of typed values into one XlsxWriter sheet (``constant_memory``: each
    row goes to disk as the next one starts), counting what had to change.

    Dates, times and datetimes are numbers with a date format; bools are Yes or No;
    None leaves the cell empty; text is cleaned of control characters and cut at
    Excel's limit. Cells go in through XlsxWriter's typed writers without their
    argument checks (a tenth of the time of writing a sheet): row and column are
    always numbers here.
    """

    def __init__(self, sheet: Worksheet, formats: dict[str, Format]) -> None:
        self.sheet = sheet
        self.formats = formats
        self.truncated = 0
        self.cleaned = 0

    def header(self, headings: list[str]) -> None:
        bold = self.formats["bold"]
        for column, heading in enumerate(headings):
            self.sheet._write_string(0, column, self._text(str(heading)), bold)

    def _text(self, value: str) -> str:
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if _ILLEGAL_IN_XLSX.search(value):
            self.cleaned += 1
            value = _ILLEGAL_IN_XLSX.sub("", value)
        if len(value) > _SAFE_LENGTH and _utf16_length(value) > EXCEL_TEXT_LIMIT:
            self.truncated += 1
            value = _utf16_cut(value, EXCEL_TEXT_LIMIT)
        return value

    def write_rows(self, rows: Iterator[list[Any]], first: int,
                   limit: int) -> tuple[int, list[Any] | None]:
        """Write rows from sheet row ``first`` (0-based) on, at most ``limit`` of them;
        returns how many were written and the first row left over, if any."""
        sheet = self.sheet
        put_text, put_number = sheet._write_string, sheet._write_number
        put_datetime = sheet._write_datetime
        formats = self.formats
        as_date, as_datetime, as_time = formats["date"], formats["datetime"], formats["time"]
        text, illegal = self._text, _NEEDS_CARE.search
        safe, exact, finite = _SAFE_LENGTH, _EXACT_INTEGER, math.isfinite
        count = 0
        r = first
        for row in rows:
            if count == limit:
                return count, row
            for c, value in enumerate(row):
                kind = type(value)
                if kind is str:
                    if value:
                        if len(value) > safe or illegal(value):
                            value = text(value)
                        put_text(r, c, value)
                elif value is None:
                    continue
                elif kind is int:
                    if -exact < value < exact:
                        put_number(r, c, value)
                    else:
                        put_text(r, c, str(value))
                elif kind is float:
                    if finite(value):
                        put_number(r, c, value)
                    else:
                        put_text(r, c, str(value))
                elif kind is datetime:
                    put_datetime(r, c, value.replace(tzinfo=None) if value.tzinfo else value,
                                 as_datetime)
                elif kind is date:
                    put_datetime(r, c, value, as_date)
                elif kind is time:
                    put_datetime(r, c, value.replace(tzinfo=None) if value.tzinfo else value,
                                 as_time)
                elif kind is bool:
                    put_text(r, c, "Yes" if value else "No")
                elif kind is timedelta:
                    put_number(r, c, value.total_seconds() / 86400)
                else:
                    put_text(r, c, text(str(value)))
            count += 1
            r += 1
        return count, None


def _utf16_length(value: str) -> int:
    return len(value) + sum(1 for ch in value if ord(ch) > 0xFFFF)


def _utf16_cut(value: str, limit: int) -> str:
    """The longest start of ``value`` within ``limit`` UTF-16 units, never half a
    character."""
    units = 0
    for i, ch in enumerate(value):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return value[:i]
    return value


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
