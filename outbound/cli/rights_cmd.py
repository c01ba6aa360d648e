"""``person``, ``retention`` and ``suppressions``: people's rights under UK GDPR.

    python main.py person export --contact 42 --out person-42.xlsx
    python main.py person erase --contact 42 --by Priya
    python main.py person hold --contact 42 --reason "Complaint 2026/114" --by Priya
    python main.py person hold --contact 42 --lift --by Priya
    python main.py retention --check
    python main.py suppressions import deaths.csv --source "Tell Us Once" --by Priya
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

    retention = commands.add_parser(
        "retention", help="what is past its retention period: list it, or remove it",
        description="Each campaign's template says how long its calls, answers, notes, "
        "bookings and messages are kept ([retention]). --check lists what is past it; --run "
        "removes it (the scheduled job does this every day). People on legal hold are "
        "left alone.")
    which = retention.add_mutually_exclusive_group(required=True)
    which.add_argument("--check", action="store_true", help="list what would be removed")
    which.add_argument("--run", action="store_true", help="remove it now")
    retention.add_argument("--by", metavar="NAME", help="who runs it (default: your account)")
    add_db_option(retention)
    retention.set_defaults(handler=run_retention)

    lists = commands.add_parser(
        "suppressions", help="import a Tell Us Once, deaths or objections list",
        description="Stops calls, in every campaign, to the people a list names for sure "
        "(by phone number, or name and postcode with the date of birth when it is held); "
        "near matches wait for a supervisor to confirm or dismiss them.")
    steps = lists.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = steps.add_parser("import", help="import a CSV or XLSX list")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--source", required=True, metavar="NAME",
                      help="where the list came from, such as “Tell Us Once”")
    load.add_argument("--reason", choices=("deceased", "asked_not_to_be_called"),
                      help="the reason for every row, when the list has no reason column")
    load.add_argument("--by", required=True, metavar="NAME", help="the supervisor")
    add_db_option(load)
    load.set_defaults(handler=run_suppressions_import)
    pending = steps.add_parser("pending", help="near matches waiting to be confirmed")
    add_db_option(pending)
    pending.set_defaults(handler=run_suppressions_pending)
    for verb, words in (("confirm", "it is the person: stop calls to them"),
                        ("dismiss", "it is not the person")):
        step = steps.add_parser(verb, help=f"a near match: {words}")
        step.add_argument("match", type=int, metavar="MATCH_ID")
        step.add_argument("--by", required=True, metavar="NAME", help="the supervisor")
        add_db_option(step)
        step.set_defaults(handler=run_suppressions_decide)


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


def run_retention(args: argparse.Namespace) -> int:
    from outbound.rights.retention import apply_retention, plan_retention

    with opened_database(args.db) as db:
        if args.check:
            report = plan_retention(db)
            for item in report.items:
                print(item.sentence())
            print(report.summary(done=False))
        else:
            report = apply_retention(db, actor=args.by)
            print(report.summary(done=True))
    for problem in report.problems:
        print(problem)
    return 0


def run_suppressions_import(args: argparse.Namespace) -> int:
    from outbound.rights.suppression_lists import import_suppression_list

    with opened_database(args.db) as db:
        report = import_suppression_list(db, args.file, source=args.source, by=args.by,
                                         reason=args.reason)
    for row in report.rows:
        if row.outcome != "not_found":
            print(row.sentence())
    if not report.dates_of_birth_held:
        print("No contact matched by name holds a date of birth, so those matches are by "
              "name and postcode alone.")
    print(report.summary())
    return 0


def run_suppressions_pending(args: argparse.Namespace) -> int:
    from outbound.rights.suppression_lists import pending_matches

    with opened_database(args.db) as db:
        found = pending_matches(db)
    for match in found:
        print(match.sentence())
    print(f"{count_of(len(found), 'near match', 'near matches')} to confirm or dismiss.")
    return 0


def run_suppressions_decide(args: argparse.Namespace) -> int:
    from outbound.rights.suppression_lists import decide_match

    confirm = args.action == "confirm"
    with opened_database(args.db) as db:
        contact = decide_match(db, args.match, confirm=confirm, by=args.by)
    print(f"Calls to contact {contact} stopped." if confirm else
          f"Match {args.match} dismissed: contact {contact} is still called.")
    return 0
