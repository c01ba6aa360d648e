"""``audit``: search the audit trail, or export what matches, for information governance."""

from __future__ import annotations

import argparse
from pathlib import Path

from outbound.audit import ACTIONS, AuditFilter, export_audit, search_audit
from outbound.clock import to_london
from outbound.db import opened_database
from outbound.text import count_of


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option
    from outbound.cli.export_cmd import _date

    audit = commands.add_parser(
        "audit", help="search the audit trail (who did what to whose data), or export it",
        description="List audit entries, newest first, or write them to a file with a data "
        "dictionary. Entries can never be changed or removed.")
    add_db_option(audit)
    audit.add_argument("--person", type=int, metavar="N", help="a contact's number")
    audit.add_argument("--user", metavar="NAME", help="who did it")
    audit.add_argument("--action", choices=sorted(ACTIONS), metavar="ACTION",
                       help="one of: " + ", ".join(sorted(ACTIONS)))
    audit.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                       help="first day, e.g. 2026-11-01 or 01/11/2026")
    audit.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="last day")
    audit.add_argument("--text", metavar="TEXT", help="words in the entry")
    audit.add_argument("--limit", type=int, default=200, metavar="N",
                       help="how many entries to list (default 200; an export has them all)")
    audit.add_argument("--out", metavar="FILE", help="write every match to a CSV or XLSX file")
    audit.add_argument("--format", choices=("csv", "xlsx"),
                       help="default: from the --out file name, else csv")
    audit.set_defaults(handler=run_audit)


def run_audit(args: argparse.Namespace) -> int:
    where = AuditFilter(contact_id=args.person, actor=args.user, action=args.action,
                        date_from=args.date_from, date_to=args.date_to, text=args.text)
    with opened_database(args.db) as db:
        if args.out:
            out = Path(args.out)
            fmt = args.format or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
            count = export_audit(db, out, fmt=fmt, where=where)
            print(f"Wrote {count_of(count, 'audit entry', 'audit entries')} to {out}.")
            return 0
        found = search_audit(db, where, limit=max(args.limit, 1))
    if not found:
        print("No audit entries match.")
    for entry in found:
        person = f"person {entry.contact_id}" if entry.contact_id is not None else ""
        print("\t".join([f"{to_london(entry.at):%Y-%m-%d %H:%M:%S}", entry.actor,
                         entry.action_words, person, entry.summary]))
    return 0
