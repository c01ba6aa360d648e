"""``import`` and ``contacts``: bring call lists in, and list what is stored."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import TextIO

from outbound.contacts import EXPORT_COLUMNS, ContactFilter, iter_contact_rows
from outbound.db import opened_database
from outbound.importing import import_file


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
    progress = _TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        with opened_database(args.db) as db:
            report = import_file(db, args.file, source=args.source, mapping=args.map,
                                 kind=args.kind or "person", dry_run=args.check,
                                 progress=progress)
    finally:
        if progress is not None:
            progress.clear()
    if args.report:
        report.write_json(args.report)
    print(report.summary())
    return 0


def run_contacts(args: argparse.Namespace) -> int:
    where = ContactFilter(search=args.search, district=args.district)
    with opened_database(args.db) as db:
        rows = iter_contact_rows(db, where)
        if args.format == "csv":
            writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        else:
            sys.stdout.write("[")
            for i, row in enumerate(rows):
                sys.stdout.write(("," if i else "") + "\n  " + json.dumps(row))
            sys.stdout.write("\n]\n")
    return 0
