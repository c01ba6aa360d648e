"""Writing tables of typed values to CSV and XLSX, streamed, and only ever whole.

Every writer takes rows as lists of Python values (str, int, float, date, time, naive
London datetime, None) and formats them for its file. Rows are never gathered: the
CSV writer passes each to the csv module, and the XLSX writer to XlsxWriter in its
``constant_memory`` mode, which writes each row of a sheet to a temporary file as the
next begins, so memory stays flat however long the export. Only the first few rows
are held, to size the columns.

XlsxWriter writes a year of answers twice as fast as openpyxl's write-only workbook
(``bench/export_bench.py``); openpyxl still reads workbooks, in imports and tests.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from outbound.exports.cells import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    TIME_FORMAT,
    XlsxCells,
    csv_row,
    display_width,
)
from outbound.files import OutputError, check_target, temp_file_beside

# Excel's sheet has 1,048,576 rows; one is the header.
EXCEL_MAX_ROWS = 1_048_575
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 6, 50


@contextmanager
def staged_files(targets: Sequence[Path], mode: str = "w",
                 **open_args: Any) -> Iterator[list[IO[Any]]]:
    """Write several files beside their targets and rename them in only when all are done.

    If anything fails, every temporary file is removed, and a target already renamed
    into place is removed too: a CSV is never left without its dictionary.
    """
    handles: list[IO[Any]] = []
    temps: list[str] = []
    try:
        for target in targets:
            fd, temp = temp_file_beside(check_target(target))
            temps.append(temp)
            handles.append(os.fdopen(fd, mode, **open_args))
        try:
            yield handles
            for handle in handles:
                handle.close()
        except OSError as exc:
            raise OutputError(f"Cannot write {targets[0]}: {exc.strerror or exc}.") from None
        placed: list[Path] = []
        for temp, target in zip(temps, targets, strict=True):
            try:
                os.replace(temp, target)
            except OSError as exc:
                for done in placed:
                    with suppress(OSError):
                        os.unlink(done)
                raise OutputError(f"Cannot write {target}: {exc.strerror}.") from None
            placed.append(target)
    finally:
        for handle in handles:
            with suppress(OSError):
                handle.close()
        for temp in temps:
            with suppress(OSError):
                os.unlink(temp)


def write_csv_table(handle: IO[str], header: Sequence[str], rows: Iterable[Any],
                    *, prepared: bool = False, batched: bool = False,
                    led: bool = False) -> int:
    """Header and rows to an open text file; returns the number of rows.

    ``prepared`` rows are already protected and formatted (see ``cells.csv_row``);
    ``batched`` rows come as lists of rows (prepared ones), each written in one call;
    ``led`` batched rows are (lead, cells) pairs, where the lead is the row's first
    cells as CSV text (``csv_cells_text``), made once for the many rows that share it;
    at least two cells follow a lead (one empty cell alone the csv module writes ``""``).
    """
    writer = csv.writer(handle)
    writer.writerow(csv_row(list(header)))
    count = 0
    write = writer.writerow
    if batched:
        if not prepared:
            raise ValueError("batched rows must be prepared")
        # Each batch goes to the file in one write, not one write (and one trip through
        # the file's encoder) per row: 7% less time writing.
        buffer = io.StringIO()
        put = buffer.write
        into_buffer = csv.writer(buffer)
        write_row, write_all = into_buffer.writerow, into_buffer.writerows
        for batch in rows:
            buffer.seek(0)
            buffer.truncate()
            if led:
                for lead, cells in batch:
                    put(lead)
                    write_row(cells)
            else:
                write_all(batch)
            handle.write(buffer.getvalue())
            count += len(batch)
    elif prepared:
        for row in rows:
            write(row)
            count += 1
    else:
        for row in rows:
            write(csv_row(row))
            count += 1
    return count


def csv_cells_text(cells: Sequence[Any]) -> str:
    """Prepared cells as the start of a CSV line, each followed by its comma.

    Text the csv module need not look at again, character by character, on every row
    that starts with these cells: a sixth of the time it takes to write a wide row.
    Written with the usual line ending, then cut off: the csv module quotes a cell
    holding a line break only when the break is part of the line ending it writes.
    """
    buffer = io.StringIO()
    csv.writer(buffer).writerow([*cells, ""])
    return buffer.getvalue()[:-2]


class XlsxBook:
    """A streamed workbook: each table on its own sheet, with a frozen bold header,
    an autofilter and columns sized from the first rows.

    The sheets are spooled to temporary files as they are written and the workbook is
    put together by ``save``; ``discard`` removes the spool files when it never comes.
    """

    def __init__(self) -> None:
        from xlsxwriter import Workbook

        # The target is given to save(); XlsxWriter only opens it when closing.
        self.book = Workbook(None, {"constant_memory": True, "strings_to_formulas": False,
                                    "strings_to_numbers": False, "strings_to_urls": False})
        self.formats = {
            "bold": self.book.add_format({"bold": True}),
            "date": self.book.add_format({"num_format": DATE_FORMAT}),
            "datetime": self.book.add_format({"num_format": DATETIME_FORMAT}),
            "time": self.book.add_format({"num_format": TIME_FORMAT}),
        }
        self.warnings: list[str] = []

    def add_table(self, title: str, header: Sequence[str], rows: Iterable[list[Any]],
                  *, max_rows: int = EXCEL_MAX_ROWS) -> int:
        """Write a table; past Excel's row limit it goes on in "<title> (2)" and so on."""
        iterator = iter(rows)
        sample = list(islice(iterator, WIDTH_SAMPLE))
        widths = [len(str(h)) for h in header]
        for row in sample:
            for i, value in enumerate(row):
                if i < len(widths):
                    widths[i] = max(widths[i], display_width(value))
        widths = [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths]

        total = 0
        part = 1
        pending: Iterator[list[Any]] = _chain(sample, iterator)
        while True:
            name = _sheet_name(title, "" if part == 1 else f" ({part})")
            written, more = self._sheet(name, header, widths, pending, max_rows)
            total += written
            if more is None:
                break
            pending = _chain([more], pending)
            part += 1
        if part > 1:
            self.warnings.append(
                f"{total:,} rows are more than one Excel sheet holds, so they go on over "
                f"{part} sheets (“{title}”, “{title} (2)”…).")
        return total

    def _sheet(self, name: str, header: Sequence[str], widths: list[int],
               rows: Iterator[list[Any]], max_rows: int) -> tuple[int, list[Any] | None]:
        sheet = self.book.add_worksheet(name)
        for i, width in enumerate(widths):
            sheet.set_column(i, i, width)
        sheet.freeze_panes(1, 0)
        cells = XlsxCells(sheet, self.formats)
        cells.header(list(header))
        count, leftover = cells.write_rows(rows, 1, max_rows)
        sheet.autofilter(0, 0, count, max(len(header), 1) - 1)
        if cells.truncated:
            self.warnings.append(
                f"{cells.truncated:,} text answers on “{name}” were longer than Excel's "
                "32,767-character limit and were cut short; the CSV export keeps them whole.")
        if cells.cleaned:
            self.warnings.append(
                f"{cells.cleaned:,} text answers on “{name}” held control characters that "
                "Excel cannot show; they were left out.")
        return count, leftover

    def save(self, handle: IO[bytes]) -> None:
        from xlsxwriter.exceptions import FileCreateError

        self.book.filename = handle
        try:
            self.book.close()
        except FileCreateError as exc:  # the OSError it wraps, for the caller's message
            raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) \
                else OSError(str(exc)) from None

    def discard(self) -> None:
        """Remove the sheets' spool files, which stay when a save never came."""
        for sheet in self.book.worksheets():
            spool = getattr(sheet, "row_data_filename", None)
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None:
                with suppress(OSError):
                    handle.close()
            if spool:
                with suppress(OSError):
                    os.unlink(spool)
        self.book.fileclosed = True  # nothing left to save: no warning when collected


_NOT_IN_SHEET_NAMES = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(title: str, suffix: str = "") -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\, not
    starting or ending with an apostrophe; the suffix always kept whole."""
    stem = title.translate(_NOT_IN_SHEET_NAMES)[:31 - len(suffix)].strip("'") or "Sheet"
    return stem + suffix


def _chain(first: Iterable[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


Table = tuple[Sequence[str], Iterable[list[Any]]]


@dataclass(frozen=True, slots=True)
class ExtraTable:
    """Another table in the same file: its own sheet in an XLSX, its own CSV file at
    ``csv_path`` beside a CSV. Rows are typed values, protected when written."""

    title: str
    csv_path: Path
    header: Sequence[str]
    rows: Iterable[list[Any]]


def write_table_file(fmt: str, out: Path, title: str, header: Sequence[str],
                     rows: Iterable[Any], *, dictionary: Table | None = None,
                     prepared: bool = False, batched: bool = False,
                     led: bool = False, extra: Sequence[ExtraTable] = ()
                     ) -> tuple[int, Path | None, list[str]]:
    """One table to a CSV or XLSX file, with its data dictionary, whole or not at all.

    XLSX: the dictionary is the last sheet. CSV: it is ``<stem>-dictionary.csv`` beside
    the file, and they are renamed into place together. Returns the rows written,
    the dictionary's path (CSV only) and any warnings. ``prepared`` rows are ready for
    the csv module as they are; XLSX rows are always typed and protected here.
    ``batched`` rows come as lists of rows; ``led`` ones, in a CSV, as (lead, cells)
    pairs (see ``write_csv_table``), and in an XLSX as whole rows. ``extra`` tables
    follow the first, each on its own sheet or in its own CSV file, all renamed into
    place with the rest.
    """
    out = check_target(out)
    if fmt == "csv":
        dictionary_path = out.with_name(f"{out.stem}-dictionary.csv") if dictionary else None
        targets = [out] if dictionary_path is None else [out, dictionary_path]
        targets += [table.csv_path for table in extra]
        with staged_files(targets, "w", encoding="utf-8-sig", newline="") as handles:
            if dictionary is not None:
                write_csv_table(handles[1], *dictionary)
            count = write_csv_table(handles[0], header, rows, prepared=prepared,
                                    batched=batched, led=led)
            for table, handle in zip(extra, handles[len(handles) - len(extra):],
                                     strict=True):
                write_csv_table(handle, table.header, table.rows)
        warnings = []
        if count > EXCEL_MAX_ROWS:
            warnings.append(f"Excel opens only the first {EXCEL_MAX_ROWS + 1:,} lines of a "
                            f"CSV file and this one has {count + 1:,}: export a shorter "
                            "period, or use the wide layout.")
        return count, dictionary_path, warnings
    if fmt != "xlsx":
        raise OutputError(f"“{fmt}” is not a file format Outbound writes; use csv or xlsx.")
    book = XlsxBook()
    if batched:
        rows = chain.from_iterable(rows)
    try:
        count = book.add_table(title, header, rows)
        for table in extra:
            book.add_table(table.title, table.header, table.rows)
        if dictionary is not None:
            book.add_table("Data dictionary", *dictionary)
        with staged_files([out], "wb") as handles:
            book.save(handles[0])
    finally:
        book.discard()
    return count, None, book.warnings
