"""``numbers``: a contact's numbers, what happened to them, and allowing a premium-rate
number to be called."""

from __future__ import annotations

import argparse

from outbound.contacts import get_contact
from outbound.db import opened_database
from outbound.numbers import allow_premium_numbers, number_history
from outbound.phones import format_for_display


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    numbers = commands.add_parser(
        "numbers", help="a contact's numbers and their history; allow a premium-rate number",
        description="A contact's numbers: which may be called and why not, and what "
        "happened to them (marked as a wrong number, allowed by a supervisor).")
    actions = numbers.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="a contact's numbers and their history")
    show.add_argument("contact", type=int, metavar="CONTACT_ID")
    add_db_option(show)
    show.set_defaults(handler=run_show)
    allow = actions.add_parser(
        "allow-premium", help="let a contact's premium-rate numbers be called",
        description="Premium-rate numbers cost the council, so they are not called unless "
        "a supervisor allows it for that contact. Who and when are recorded.")
    allow.add_argument("contact", type=int, metavar="CONTACT_ID")
    allow.add_argument("--by", required=True, metavar="NAME",
                       help="the supervisor allowing it")
    add_db_option(allow)
    allow.set_defaults(handler=run_allow)


def run_show(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        contact = get_contact(db, args.contact)
        history = number_history(db, args.contact)
    print(f"{contact.name}: " + ("may be called" if contact.callable else
                                 "not to be called" if contact.do_not_call else
                                 "no usable number"))
    for phone in contact.phones:
        shown = format_for_display(phone.e164) if phone.e164 else phone.raw
        why = "" if phone.usable else f" (not called: {phone.note or 'not a usable number'})"
        print(f"  {shown}{why}")
    for line in history:
        print(f"  {line.sentence()}")
    return 0


def run_allow(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        allowed = allow_premium_numbers(db, args.contact, args.by)
        contact = get_contact(db, args.contact)
    what = "its premium-rate number" if allowed == 1 else f"{allowed} premium-rate numbers"
    print(f"{contact.name}: {what} may now be called (allowed by {args.by}).")
    return 0
