"""``export`` and ``daylist``: files for commissioners and for the people at a clinic."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from outbound.db import opened_database
from outbound.exports import ExportResult, export_answers, export_attempts, export_day_list


def _date(text: str) -> date:
    """A date as people type it: 2026-11-23 or 23/11/2026."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2026-11-23 or 23/11/2026")


def _format(args: argparse.Namespace) -> str:
    """The format asked for, else the one the file name says, else CSV."""
    if args.format:
        return str(args.format)
    return "xlsx" if Path(args.out).suffix.lower() == ".xlsx" else "csv"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    exp = commands.add_parser(
        "export", help="export a campaign's answers or calls as CSV or XLSX",
        description="Write a campaign's answers (or every call made) to a file that opens "
        "in Excel, with a data dictionary. Nothing is written if anything is wrong.")
    add_db_option(exp)
    exp.add_argument("--campaign", required=True, metavar="N", help="name or number")
    exp.add_argument("--format", choices=("csv", "xlsx"),
                     help="default: from the --out file name, else csv")
    exp.add_argument("--layout", choices=("wide", "long"), default="wide",
                     help="wide: a row per contact per round (default); long: a row per answer")
    exp.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                     help="first round (or day) to include, e.g. 2026-11-01 or 01/11/2026")
    exp.add_argument("--to", dest="date_to", type=_date, metavar="DATE",
                     help="last round (or day) to include")
    exp.add_argument("--district", metavar="D", help="only contacts in this district")
    exp.add_argument("--outcome", metavar="O", help="only calls with this outcome (code or label)")
    exp.add_argument("--flagged", action="store_true",
                     help="only answers that crossed an alert threshold")
    exp.add_argument("--what", choices=("answers", "attempts"), default="answers",
                     help="answers (default), or attempts: every call made")
    exp.add_argument("--out", required=True, metavar="FILE")
    exp.set_defaults(handler=run_export)

    day = commands.add_parser("daylist", help="a location's appointments for one day")
    add_db_option(day)
    day.add_argument("--location", required=True, metavar="L", help="name or number")
    day.add_argument("--day", required=True, type=_date, metavar="DATE")
    day.add_argument("--format", choices=("csv", "xlsx"),
                     help="default: from the --out file name, else csv")
    day.add_argument("--out", required=True, metavar="FILE")
    day.set_defaults(handler=run_daylist)


def _report(result: ExportResult) -> None:
    print(f"Wrote {result.rows:,} rows to {result.path}.")
    for sentence in result.sentences():
        print(sentence)
    for warning in result.warnings:
        print(f"Note: {warning}", file=sys.stderr)


def run_export(args: argparse.Namespace) -> int:
    fmt = _format(args)
    out = Path(args.out)
    with opened_database(args.db) as db:
        if args.what == "attempts":
            if args.district or args.outcome or args.flagged or args.layout != "wide":
                raise ValueError("--district, --outcome, --flagged and --layout apply to "
                                 "answers, not to --what attempts.")
            result = export_attempts(db, args.campaign, fmt=fmt,  # type: ignore[arg-type]
                                     out=out, date_from=args.date_from, date_to=args.date_to)
        else:
            result = export_answers(db, args.campaign, fmt=fmt,  # type: ignore[arg-type]
                                    layout=args.layout, out=out, date_from=args.date_from,
                                    date_to=args.date_to, district=args.district,
                                    outcome=args.outcome, flagged_only=args.flagged)
    _report(result)
    return 0


def run_daylist(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        result = export_day_list(db, args.location, args.day,
                                 fmt=_format(args), out=Path(args.out))  # type: ignore[arg-type]
    _report(result)
    return 0
