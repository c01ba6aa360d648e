"""``person``, ``retention`` and ``suppressions``: people's rights under UK GDPR.

    python main.py person export --contact 42 --out person-42.xlsx
    python main.py person erase --contact 42 --by Priya
    python main.py person hold --contact 42 --reason "Complaint 2026/114" --by Priya
    python main.py person hold --contact 42 --lift --by Priya
"""

from __future__ import annotations

import argparse
from pathlib import Path

from outbound.db import opened_database
from outbound.text import count_of


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    person = commands.add_parser(
        "person", help="a person's rights: a copy of their data, erasure, legal holds",
        description="Everything held about one person (a subject access request), "
        "erasing their details, and legal holds that keep them. Each is recorded in the "
        "audit trail by contact number.")
    actions = person.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="everything held about a person, in one Excel workbook",
        description="Writes every record about the person, a sheet for each kind, with a "
        "data dictionary.")
    export.add_argument("--contact", type=int, required=True, metavar="N",
                        help="the contact's number")
    export.add_argument("--out", required=True, metavar="FILE", help="the .xlsx to write")
    export.add_argument("--by", metavar="NAME", help="who asked (default: your account)")
    add_db_option(export)
    export.set_defaults(handler=run_export)
    erase = actions.add_parser(
        "erase", help="erase a person's details, keeping the counts",
        description="Removes the person's name, numbers, addresses, notes and text "
        "answers everywhere; calls, outcomes and numeric answers stay, for statistics. "
        "Refused while an appointment is still to come or a legal hold is set. It "
        "cannot be undone.")
    erase.add_argument("--contact", type=int, required=True, metavar="N",
                       help="the contact's number")
    erase.add_argument("--by", required=True, metavar="NAME", help="the supervisor")
    add_db_option(erase)
    erase.set_defaults(handler=run_erase)
    hold = actions.add_parser(
        "hold", help="set or lift a legal hold",
        description="A legal hold keeps everything about the person from erasure and "
        "from the retention job. Only a supervisor may set or lift one.")
    hold.add_argument("--contact", type=int, required=True, metavar="N",
                      help="the contact's number")
    hold.add_argument("--reason", metavar="TEXT",
                      help="why (needed to set a hold), such as the complaint number")
    hold.add_argument("--lift", action="store_true", help="lift the hold instead")
    hold.add_argument("--by", required=True, metavar="NAME", help="the supervisor")
    add_db_option(hold)
    hold.set_defaults(handler=run_hold)


def run_export(args: argparse.Namespace) -> int:
    from outbound.rights import export_person

    with opened_database(args.db) as db:
        rows = export_person(db, args.contact, Path(args.out), actor=args.by)
    print(f"Wrote {count_of(rows, 'row')} about contact {args.contact} to {args.out}.")
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from outbound.rights import erase_person

    with opened_database(args.db) as db:
        result = erase_person(db, args.contact, by=args.by)
    print(result.sentence())
    return 0


def run_hold(args: argparse.Namespace) -> int:
    from outbound.rights import lift_legal_hold, set_legal_hold

    with opened_database(args.db) as db:
        if args.lift:
            lift_legal_hold(db, args.contact, by=args.by, reason=args.reason)
            print(f"Lifted the legal hold on contact {args.contact}.")
        else:
            if not args.reason:
                raise ValueError("Say why with --reason, such as the complaint number.")
            set_legal_hold(db, args.contact, args.reason, by=args.by)
            print(f"Contact {args.contact} is on legal hold: nothing about them will be "
                  "erased or removed until it is lifted.")
    return 0
