"""Read a call list (CSV or XLSX) as rows of text, streaming, with supervisor-friendly refusals.

A workbook is read with python-calamine (the reader pandas uses), which parses a sheet
in Rust in a tenth of openpyxl's time but holds it in memory, about twice its XML's
size. A workbook whose sheets' XML passes ``CALAMINE_MAX_XML`` (some 300,000 rows of
a usual list) is read with openpyxl's streaming reader instead, so that an import stays
under 400 MB however long the list; the two readers give the same rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import os
import re
import warnings
import weakref
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal

_SAMPLE = 64 * 1024  # bytes sniffed for format, encoding and delimiter
# Uncompressed XML of a workbook's sheets and shared strings (what python-calamine holds
# in memory, twice over) above which it is read streamed with openpyxl.
CALAMINE_MAX_XML = 100 * 2**20
_CHUNK = 1 << 20  # bytes per read when validating an encoding
_PEEK_ROWS = 100  # data rows looked at to size the header and spot ragged files
_DELIMITERS = (",", ";", "\t")
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26))
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm"}
_SAVE_AS = "open it in Excel and save it as .xlsx or CSV, then import that"
_EMPTY = "is empty: there is nothing to import."
_HEADER_ONLY = "has a header row but no rows to import: add the rows to call below the headings."
_NOT_FOUND = "could not be found: check it has not been moved or renamed, then try again."
_NO_ACCESS = (
    "could not be opened: close it in other programs and check you may read it, then retry."
)
_UNREADABLE = "could not be read to the end: copy it to your computer and try again."
_NOT_TEXT = (
    f"does not look like a spreadsheet or CSV file: choose a .csv or .xlsx file, or {_SAVE_AS}."
)
_NUL = (
    "has binary content (a NUL byte) at line {line}, which a CSV file never holds: "
    f"{_SAVE_AS}."
)
_BAD_ENCODING = (
    "uses a character encoding Outbound cannot read: in Excel, save it as "
    "“CSV UTF-8 (Comma delimited)” and import that."
)
_MIXED = (
    "mixes two kinds of character encoding, so some letters would come out garbled: in Excel, "
    "save it as “CSV UTF-8 (Comma delimited)” and import that."
)
_DAMAGED = f"is not a valid Excel workbook, or is damaged: {_SAVE_AS}."
_ACTIVE_TAB = re.compile(rb'<(?:\w+:)?workbookView\b[^>]*\bactiveTab="(\d+)"')
_BROKEN_CSV = "a quotation mark may be missing; check it in Excel and save it again as CSV."
_RAGGED = (
    "but its rows have several columns: make sure the first row holds a heading for every "
    "column, separated by commas, semicolons or tabs."
)


class ImportRefused(Exception):
    """A file that cannot be imported at all.

    str(exc) is one clear sentence for a council supervisor, naming the file and saying what
    to do, so the UI and CLI can show it as is (never a traceback).
    """


@dataclass
class TableInfo:
    """What was found out about a file, so the wizard can show it and the importer can trust it."""

    path: Path
    format: Literal["csv", "xlsx"]
    encoding: str | None
    delimiter: str | None
    headers: list[str]
    sheet: str | None


def _cell_text(value: Any) -> str:
    """Turn an XLSX cell value into the text a person would expect (phone numbers stay whole)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value).strip()


def _text_cells(values: Iterable[Any]) -> list[str]:
    """A row of cell values as text (most are text already)."""
    return [v.strip() if type(v) is str else _cell_text(v) for v in values]


def _unique_headers(raw: list[str], width: int) -> list[str]:
    """Name blank headings and make repeats unique, so every column can be mapped by name."""
    seen: set[str] = set()
    headers: list[str] = []
    for i, cell in enumerate((raw + [""] * width)[:width], start=1):
        name = cell or f"Column {i}"
        candidate, k = name, 2
        while candidate.casefold() in seen:
            candidate, k = f"{name} ({k})", k + 1
        seen.add(candidate.casefold())
        headers.append(candidate)
    return headers


def _last_filled(cells: list[str]) -> int:
    """Width up to the last non-blank cell, so trailing empty columns don't become headings."""
    return max((i + 1 for i, c in enumerate(cells) if c), default=0)


def _has_data(ws: Any) -> bool:
    """Whether a worksheet holds any non-blank cell (charts and notes sheets often do not)."""
    rows = ws.iter_rows(values_only=True)
    return any(any(v is not None and str(v).strip() for v in row) for row in rows)


def _calamine_has_data(ws: Any) -> bool:
    """Whether a python-calamine sheet holds any non-blank cell."""
    if ws.end is None:
        return False
    return any(any(v is not None and str(v).strip() for v in row) for row in ws.iter_rows())


def _pick_delimiter(text: str, truncated: bool) -> str:
    """Choose the separator that splits the header widest and the rows most consistently.

    csv.Sniffer is easily fooled by addresses full of commas; parsing with each candidate
    and scoring consistency is cheap on a 64 KiB sample and far more reliable.
    """
    best, best_score = ",", (-1.0, 0)
    for delim in _DELIMITERS:
        records = [
            r
            for r in islice(csv.reader(io.StringIO(text), delimiter=delim), 60)
            if any(c.strip() for c in r)
        ]
        if truncated and len(records) > 2:
            records = records[:-1]  # the sample may cut the last record short
        if not records or len(records[0]) < 2:
            continue
        body = records[1:51] or records
        score = (sum(len(r) == len(records[0]) for r in body) / len(body), len(records[0]))
        if score > best_score:
            best, best_score = delim, score
    return best


class TableReader:
    """Context manager giving a file's headers up front and its data rows as a stream."""

    info: TableInfo

    def __init__(self, path: str | os.PathLike[str], *, sheet: str | None = None) -> None:
        self._path = Path(path)
        self._q = f"“{self._path.name}”"
        self._sheet = sheet
        self._opened = False
        self._header_row = 0
        self._estimate: int | None = None
        self._fh: IO[bytes] | None = None
        self._wb: Any = None
        self._ws: Any = None
        self._reader: Literal["calamine", "openpyxl"] | None = None
        self._live: weakref.WeakSet[Any] = weakref.WeakSet()

    def __enter__(self) -> TableReader:
        if not self._opened:
            try:
                self._open()
            except BaseException:
                self.close()
                raise
            self._opened = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _refuse(self, what: str) -> ImportRefused:
        return ImportRefused(f"{self._q} {what}")

    # -- opening -----------------------------------------------------------------------
    def _open(self) -> None:
        p = self._path
        if p.is_dir():
            raise self._refuse("is a folder, not a file: choose the CSV or Excel file inside it.")
        try:
            size = p.stat().st_size
            with p.open("rb") as f:
                head = f.read(_SAMPLE)
        except FileNotFoundError:
            raise self._refuse(_NOT_FOUND) from None
        except OSError:
            raise self._refuse(_NO_ACCESS) from None
        suffix = p.suffix.lower()
        if head.startswith(_OLE):
            if suffix in {".xlsx", ".xlsm"}:
                raise self._refuse(f"is password-protected: remove the password, or {_SAVE_AS}.")
            raise self._refuse(f"is an old-style Excel (.xls) file: {_SAVE_AS}.")
        if head.startswith(_ZIP):
            self._open_xlsx()
        elif suffix in _EXCEL_SUFFIXES and size:
            raise self._refuse(f"is not a valid Excel workbook: {_SAVE_AS}.")
        else:
            self._open_csv(head, size)
        self._read_header()

    def _open_csv(self, head: bytes, size: int) -> None:
        if head.startswith(codecs.BOM_UTF8):
            encodings = ["utf-8-sig"]
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encodings = ["utf-16"]
        elif len(head) >= 4 and 0 not in head[0::2] and head[1::2].count(0) > len(head) * 0.45:
            encodings = ["utf-16-le"]  # Excel "Unicode text" that lost its byte order mark
        else:
            controls = sum(head.count(b) for b in _CONTROL)
            if controls > max(len(head) // 100, 4):  # mostly binary: a stray byte is not
                raise self._refuse(_NOT_TEXT)
            encodings = ["utf-8", "cp1252"]
        encoding = next((e for e in encodings if self._decodes_as(e)), None)
        if encoding is None:
            raise self._refuse(_BAD_ENCODING)
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        text = decoder.decode(head, final=len(head) == size)
        truncated = len(head) < size
        if truncated and "\n" in text:
            text = text[: text.rindex("\n") + 1]
        delimiter = _pick_delimiter(text, truncated)
        lines = max(text.count("\n"), 1)
        self._estimate = max(round(size / (len(head) / lines)) - 1, 0) if truncated else None
        self.info = TableInfo(self._path, "csv", encoding, delimiter, [], None)

    def _decodes_as(self, encoding: str) -> bool:
        """Decode the whole file in chunks (fast, in C): a bad byte at row 90,000 is caught now."""
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        seen_non_ascii = False
        try:
            with self._path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    text = decoder.decode(chunk)
                    if "\x00" in text:
                        raise self._refuse(_NUL.format(line=self._line_of_nul(encoding)))
                    seen_non_ascii = seen_non_ascii or not text.isascii()
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and (seen_non_ascii or not exc.object[: exc.start].isascii()):
                raise self._refuse(_MIXED) from None  # cp1252 would garble the UTF-8 letters
            return False
        except OSError:
            raise self._refuse(_UNREADABLE) from None
        return True

    def _line_of_nul(self, encoding: str) -> int:
        """The line of the file's first NUL character, read again: only for a refusal."""
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        lines = 1
        with self._path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                text = decoder.decode(chunk)
                at = text.find("\x00")
                if at >= 0:
                    return lines + text.count("\n", 0, at)
                lines += text.count("\n")
        return lines

    def _open_xlsx(self) -> None:
        xml = self._xml_size()
        if xml is None:
            raise self._refuse(_DAMAGED)
        if xml <= CALAMINE_MAX_XML:
            self._open_with_calamine()
        else:
            self._open_with_openpyxl()

    def _xml_size(self) -> int | None:
        """The uncompressed size of the sheets' XML and shared strings, from the zip's
        directory (nothing is decompressed); None for a zip that cannot be read."""
        try:
            with zipfile.ZipFile(self._path) as archive:
                return sum(part.file_size for part in archive.infolist()
                           if part.filename.startswith("xl/worksheets/")
                           or part.filename == "xl/sharedStrings.xml")
        except (OSError, zipfile.BadZipFile, ValueError):
            return None

    def _active_tab(self) -> int:
        """The sheet the workbook opens at (Excel's active tab), by position."""
        try:
            with zipfile.ZipFile(self._path) as archive:
                found = _ACTIVE_TAB.search(archive.read("xl/workbook.xml")[:_SAMPLE])
        except (OSError, KeyError, zipfile.BadZipFile, ValueError):
            return 0
        return int(found.group(1)) if found else 0

    def _open_with_calamine(self) -> None:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        try:
            with self._path.open("rb") as handle:
                self._wb = CalamineWorkbook.from_filelike(handle)
            every = list(self._wb.sheets_metadata)
            names = [m.name for m in every if m.typ == SheetTypeEnum.WorkSheet]
            if self._sheet is not None:
                wanted = self._sheet.strip().casefold()
                exact = [n for n in names if n == self._sheet]
                matches = exact or [n for n in names if n.strip().casefold() == wanted]
                if not matches:
                    listed = ", ".join(f"“{n}”" for n in names)
                    raise self._refuse(
                        f"has no sheet called “{self._sheet}”: choose one of {listed}.")
                ws = self._wb.get_sheet_by_name(matches[0])
            else:
                active = self._active_tab()
                first = every[active].name if active < len(every) else None
                ordered = [first] if first in names else []
                ordered += [n for n in names if n != first]
                if not ordered:
                    raise self._refuse(_EMPTY)
                ws = None
                for name in ordered:
                    ws = self._wb.get_sheet_by_name(name)
                    if _calamine_has_data(ws):
                        break
                else:
                    ws = self._wb.get_sheet_by_name(ordered[0])
        except ImportRefused:
            raise
        except BaseException as exc:  # Rust panics arrive as BaseException
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            raise self._refuse(_DAMAGED) from None
        end = ws.end
        self._estimate = end[0] if end is not None and end[0] > 0 else None
        self._ws = ws
        self._reader = "calamine"
        self.info = TableInfo(self._path, "xlsx", None, None, [], ws.name)

    def _open_with_openpyxl(self) -> None:
        import openpyxl  # imported lazily: CSV-only imports should not pay for it

        self._fh = self._path.open("rb")  # a file object skips openpyxl's extension check
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._wb = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
        except Exception:
            raise self._refuse(_DAMAGED) from None
        self._reader = "openpyxl"
        sheets = list(self._wb.worksheets)
        sizes = {id(ws): ws.max_row for ws in sheets}
        for ws in sheets:
            ws.reset_dimensions()  # some exporters write a wrong size; trust the cells instead
        if self._sheet is not None:
            wanted = self._sheet.strip().casefold()
            exact = [ws for ws in sheets if ws.title == self._sheet]
            matches = exact or [ws for ws in sheets if ws.title.strip().casefold() == wanted]
            if not matches:
                names = ", ".join(f"“{ws.title}”" for ws in sheets)
                raise self._refuse(f"has no sheet called “{self._sheet}”: choose one of {names}.")
            ws = matches[0]
        else:
            active = self._wb.active
            ordered = [active] if active in sheets else []
            ordered += [ws for ws in sheets if ws is not active]
            ws = next((ws for ws in ordered if _has_data(ws)), ordered[0] if ordered else None)
            if ws is None:
                raise self._refuse(_EMPTY)
        self._estimate = sizes[id(ws)] - 1 if (sizes[id(ws)] or 0) > 1 else None
        self._ws = ws
        self.info = TableInfo(self._path, "xlsx", None, None, [], ws.title)

    def _read_header(self) -> None:
        """Read the header and peek at the first rows, so hopeless files are refused up front."""
        records = self._records()
        try:
            header = next(((n, cells) for n, cells in records if any(cells)), None)
            if header is None:
                raise self._refuse(_EMPTY)
            sample = list(islice((cells for _, cells in records if any(cells)), _PEEK_ROWS))
        finally:
            records.close()
        self._header_row, raw = header
        if not sample:
            raise self._refuse(_HEADER_ONLY)
        filled = [c for c in raw if c]
        if len(filled) == 1 and any(sum(1 for c in cells if c) > 1 for cells in sample):
            raise self._refuse(f"has only one column heading (“{filled[0]}”) {_RAGGED}")
        width = max([_last_filled(raw)] + [_last_filled(cells) for cells in sample])
        self.info.headers = _unique_headers(raw, width)

    # -- reading -----------------------------------------------------------------------
    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Every record from the start, blank ones included, with its spreadsheet row number."""
        n = 0
        if self._reader == "calamine":
            # Columns before the first filled one are left out by python-calamine: they
            # are put back, so both readers give the same columns.
            start = self._ws.start
            pad = [""] * (start[1] if start else 0)
            try:
                for n, values in enumerate(self._ws.iter_rows(), start=1):
                    yield n, pad + _text_cells(values) if pad else _text_cells(values)
            except Exception:
                raise self._refuse(f"is damaged after row {n}: {_SAVE_AS}.") from None
            return
        if self.info.format == "xlsx":
            try:  # a consumer's own errors never reach here; only openpyxl's parse errors do
                for n, values in enumerate(self._ws.iter_rows(values_only=True), start=1):
                    yield n, [_cell_text(v) for v in values]
            except Exception:
                raise self._refuse(f"is damaged after row {n}: {_SAVE_AS}.") from None
            return
        try:
            with self._path.open(encoding=self.info.encoding, newline="") as f:
                for n, record in enumerate(
                    csv.reader(f, delimiter=self.info.delimiter or ","), start=1
                ):
                    yield n, [c.strip() for c in record]
        except (csv.Error, UnicodeDecodeError):
            raise self._refuse(f"could not be read after row {n}: {_BROKEN_CSV}") from None
        except OSError:
            raise self._refuse(_UNREADABLE) from None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row_number, cells) for each data row, streamed; each call starts a fresh pass.

        row_number is the spreadsheet row (header is row 1, first data row 2); cells are
        stripped str, padded/truncated to len(headers); wholly blank rows are skipped. CSV is
        read incrementally, XLSX from python-calamine's sheet in memory or, past
        CALAMINE_MAX_XML, streamed by openpyxl (read_only/values_only).
        """
        if not self._opened:
            raise RuntimeError("open the TableReader (with-statement) before reading rows")
        gen = self._data_rows()
        self._live.add(gen)
        return gen

    def _data_rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.info.headers)
        records = self._records()
        try:
            for n, cells in records:
                if n <= self._header_row:
                    continue
                cells = (cells + [""] * width)[:width]
                if any(cells):
                    yield n, cells
        finally:
            records.close()

    def record_chunks(self, size: int) -> Iterator[list[tuple[int, list[str]]]]:
        """The data rows in lists of up to ``size`` (row_number, cells), streamed, as cheaply
        as they can be read: cells as written (for a CSV, not stripped), rows not padded
        or cut to the headers, and wholly blank rows still there. normalise_rows()
        turns them into what rows() gives; the importer does that in its worker processes.
        """
        if not self._opened:
            raise RuntimeError("open the TableReader (with-statement) before reading rows")
        gen = (self._csv_chunks(size) if self.info.format == "csv"
               else self._xlsx_chunks(size))
        self._live.add(gen)
        return gen

    def _xlsx_chunks(self, size: int) -> Iterator[list[tuple[int, list[str]]]]:
        records = self._records()
        try:
            for _ in islice(records, self._header_row):
                pass
            yield from _chunked(records, size)
        finally:
            records.close()

    def _csv_chunks(self, size: int) -> Iterator[list[tuple[int, list[str]]]]:
        n = self._header_row
        try:
            with self._path.open(encoding=self.info.encoding, newline="") as f:
                records = enumerate(csv.reader(f, delimiter=self.info.delimiter or ","), 1)
                for _ in islice(records, self._header_row):
                    pass
                while True:
                    chunk: list[tuple[int, list[str]]] = []
                    try:
                        chunk.extend(islice(records, size))
                    finally:
                        n = chunk[-1][0] if chunk else n  # for the message below
                    if not chunk:
                        return
                    yield chunk
        except (csv.Error, UnicodeDecodeError):
            raise self._refuse(f"could not be read after row {n}: {_BROKEN_CSV}") from None
        except OSError:
            raise self._refuse(_UNREADABLE) from None

    def count_rows_estimate(self) -> int | None:
        """Cheap data-row estimate for progress bars, or None; CSVs under 64 KiB count exactly."""
        if self._estimate is None and self._opened and self.info.format == "csv":
            self._estimate = sum(1 for _ in self.rows())  # small: it was all sampled anyway
        return self._estimate

    def rows_guess(self) -> int | None:
        """Roughly how many rows, to decide how to read the file (never shown): the
        estimate, or for a workbook that does not say its size, its sheets' XML at about
        200 bytes a row."""
        estimate = self.count_rows_estimate()
        if estimate is not None or not self._opened or self.info.format != "xlsx":
            return estimate
        try:
            with zipfile.ZipFile(self._path) as archive:
                xml = sum(part.file_size for part in archive.infolist()
                          if part.filename.startswith("xl/worksheets/")
                          and part.filename.endswith(".xml"))
        except (OSError, zipfile.BadZipFile):
            return None
        return xml // 200

    def close(self) -> None:
        """Release the file and any half-read row streams; safe to call twice."""
        for gen in list(self._live):
            gen.close()
        if self._wb is not None:
            with suppress(Exception):  # python-calamine refuses to close twice
                self._wb.close()
            self._wb = None
        self._ws = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._opened = False


def open_table(path: str | os.PathLike[str], *, sheet: str | None = None) -> TableReader:
    """Open a table ready to read (also usable in a with-statement); raises ImportRefused."""
    return TableReader(path, sheet=sheet).__enter__()


def normalise_rows(rows: Iterable[tuple[int, list[str]]],
                   width: int) -> list[tuple[int, list[str]]]:
    """Rows from TableReader.record_chunks as rows() gives them: cells stripped, padded
    or cut to ``width``, wholly blank rows left out."""
    blank = [""] * width
    strip = str.strip
    out = []
    for n, record in rows:
        cells = list(map(strip, record))
        if len(cells) != width:
            cells = (cells + blank)[:width]
        if any(cells):
            out.append((n, cells))
    return out


def _chunked(rows: Iterable[tuple[int, list[str]]],
             size: int) -> Iterator[list[tuple[int, list[str]]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
