"""``import`` and ``contacts``: bring call lists in, and list what is stored."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from functools import partial
from typing import IO, Any, TextIO

from outbound.audit import record_event, record_export
from outbound.contacts import EXPORT_COLUMNS, ContactFilter, iter_contact_rows
from outbound.db import opened_database
from outbound.exports.tables import write_csv_table, write_table_file
from outbound.files import OutputError, check_target, write_atomically
from outbound.importing import ImportReport, import_file
from outbound.text import count_of


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    imp = commands.add_parser(
        "import", help="import a call list (CSV or XLSX) into contacts",
        description="Import a call list. The whole file lands in one transaction or "
        "nothing changes. Importing the same file again updates, never duplicates.",
    )
    imp.add_argument("file", metavar="FILE", help="a .csv or .xlsx file")
    add_db_option(imp)
    imp.add_argument("--map", action="append", default=[], metavar='"HEADER=FIELD"',
                     help="say which field a column holds, e.g. \"Tel No=phone\"; "
                     "\"Website=-\" ignores a column (repeat as needed)")
    imp.add_argument("--source", metavar="NAME",
                     help="where the list comes from; references are unique within it "
                     "(default: the name of the reference column)")
    imp.add_argument("--kind", choices=("person", "organisation"), default=None,
                     help="what the rows are when the file does not say (default: person)")
    imp.add_argument("--report", metavar="REPORT.json", help="write the full report as JSON")
    imp.add_argument("--check", action="store_true",
                     help="check the file and report, but save nothing")
    imp.set_defaults(handler=run_import)

    lst = commands.add_parser("contacts", help="list stored contacts as CSV or JSON")
    add_db_option(lst)
    lst.add_argument("--format", choices=("csv", "json"), default="csv")
    lst.add_argument("--search", metavar="TEXT", help="only contacts matching this text")
    lst.add_argument("--district", metavar="NAME", help="only contacts in this district")
    lst.add_argument("--out", metavar="FILE",
                     help="write the list to this file (whole, or not at all) instead of "
                     "to the screen")
    lst.set_defaults(handler=run_contacts)


class _TerminalProgress:
    """"Read 40,000 of about 100,000 rows…" on one line of a terminal, twice a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown_at = 0.0
        self.width = 0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.shown_at < 0.5:
            return
        self.shown_at = now
        text = (f"Read {done:,} of about {max(total, done):,} rows…" if total
                else f"Read {done:,} rows…")
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def run_import(args: argparse.Namespace) -> int:
    report: ImportReport | None = None
    try:
        with ExitStack() as files:
            # The report is staged beside its target before the import starts, written
            # inside its transaction and renamed in after: if it cannot be written,
            # nothing is saved.
            write_report = None
            if args.report:
                write_report = partial(_write_report, _staged_report(files, args.report),
                                       args.report)
            progress = _TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
            try:
                with opened_database(args.db) as db:
                    report = import_file(db, args.file, source=args.source, mapping=args.map,
                                         kind=args.kind or "person", dry_run=args.check,
                                         progress=progress,
                                         before_commit=write_report)
            finally:
                if progress is not None:
                    progress.clear()
            if write_report and not report.committed:   # --check: the report all the same
                write_report(report)
    except OutputError as exc:
        if report is not None and report.committed:   # the report's rename failed
            print(report.summary())
            raise OutputError(f"The contacts were imported, but the report was not "
                              f"written. {exc}") from None
        raise
    print(report.summary())
    return 0


def _write_report(handle: IO[str], path: str, report: ImportReport) -> None:
    try:
        report.dump_json(handle)
        handle.flush()
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}. "
                          "Nothing was imported.") from None


def _staged_report(files: ExitStack, path: str) -> IO[str]:
    """The import report's file, renamed onto ``path`` when ``files`` closes without an
    error; OutputError (nothing imported) if it cannot be written."""
    try:
        return files.enter_context(write_atomically(path, "w", encoding="utf-8"))
    except OutputError as exc:
        raise OutputError(f"{exc} Nothing was imported.") from None


def run_contacts(args: argparse.Namespace) -> int:
    where = ContactFilter(search=args.search, district=args.district)
    out = check_target(args.out) if args.out else None
    filters = {"search": args.search, "district": args.district}
    with opened_database(args.db) as db:
        rows = _Counted(iter_contact_rows(db, where))
        if out is None and args.format == "csv":
            _csv_to_stdout(rows)
        elif out is None:
            _write_json(sys.stdout, rows)
        elif args.format == "csv":
            write_table_file("csv", out, "Contacts", EXPORT_COLUMNS, _cells(rows))
        else:
            with write_atomically(out, "w", encoding="utf-8") as handle:
                _write_json(handle, rows)
        count = rows.count
        if out is None:
            record_event(db, "exported", f"Listed {count_of(count, 'contact')} "
                         f"({args.format}) to the command's output.", actor=None,
                         detail={"what": "contacts", "rows": count, "filters": {
                             k: v for k, v in filters.items() if v}})
        else:
            record_export(db, "the contact list", out, count, actor=None, filters=filters)
    if out is not None:
        print(f"Wrote {count_of(count, 'contact')} to {out}.")
    return 0


def _cells(rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    for row in rows:
        yield [row[column] for column in EXPORT_COLUMNS]


def _csv_to_stdout(rows: Iterable[dict[str, Any]]) -> None:
    """The list as the exports write CSV: cells that look like formulas kept as text,
    and UTF-8 with a byte order mark (so that Excel reads it as UTF-8), except in a
    terminal, where the mark is no use."""
    sys.stdout.flush()
    raw = getattr(sys.stdout, "buffer", None)
    stream: IO[str] = sys.stdout if raw is None else _Utf8(raw)
    if not sys.stdout.isatty():
        stream.write("\ufeff")
    write_csv_table(stream, EXPORT_COLUMNS, _cells(rows))
    stream.flush()


class _Utf8:
    """Text written to a binary stream as UTF-8, whatever the terminal's encoding."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        return self.raw.write(text.encode("utf-8"))

    def flush(self) -> None:
        self.raw.flush()


class _Counted:
    """Rows passed on, counted."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def _write_json(stream: IO[str], rows: Iterable[dict[str, Any]]) -> None:
    stream.write("[")
    for i, row in enumerate(rows):
        stream.write(("," if i else "") + "\n  " + json.dumps(row))
    stream.write("\n]\n")
