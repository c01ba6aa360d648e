"""``notify``: messages through GOV.UK Notify. Campaigns queue them and ``serve``
sends them; these commands show what happened, queue a test message and keep the key."""

from __future__ import annotations

import argparse
import getpass
import sys

from outbound.clock import to_london
from outbound.db import opened_database


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    notify = commands.add_parser(
        "notify", help="texts, emails and letters through GOV.UK Notify",
        description="Messages are queued by campaigns and sent by `serve` on the machine "
        "that has the GOV.UK Notify key. The fake Notify for the demo: "
        "python -m tools.fake_notify")
    add_db_option(notify)
    actions = notify.add_subparsers(dest="action", metavar="ACTION", required=True)

    status = actions.add_parser("status", help="messages queued, sent, delivered and "
                                "failed per campaign, and the sender's problems")
    add_db_option(status)
    status.add_argument("--campaign", metavar="N", help="one campaign, with its failures")
    status.set_defaults(handler=run_status)

    test = actions.add_parser("test", help="queue a test message to your own number or "
                              "address, before a campaign starts")
    add_db_option(test)
    test.add_argument("--channel", choices=("text", "email", "letter"), default="text")
    test.add_argument("--to", required=True, help="your mobile number or email address")
    test.add_argument("--template", required=True, help="the GOV.UK Notify template ID")
    test.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                      help="a personalisation value the template needs")
    test.add_argument("--by", metavar="NAME", help="who asked for it")
    test.set_defaults(handler=run_test)

    outcomes = actions.add_parser("outcomes", help="per person: sent, delivered, failed, "
                                  "called, reached (CSV with a data dictionary)")
    add_db_option(outcomes)
    outcomes.add_argument("--campaign", required=True, metavar="N")
    outcomes.add_argument("--out", required=True, metavar="FILE")
    outcomes.set_defaults(handler=run_outcomes)

    key = actions.add_parser("key", help="keep this machine's GOV.UK Notify API key in "
                             "the operating system's keyring (asked for, not shown)")
    key.set_defaults(handler=run_key)


def run_status(args: argparse.Namespace) -> int:
    from outbound.notify.status import campaign_messages, sender_problems
    from outbound.queue.campaigns import list_campaigns

    with opened_database(args.db) as db:
        for name, problem, when in sender_problems(db):
            stamp = f"{to_london(when):%d %b %H:%M}" if when else ""
            print(f"Sender {name} ({stamp}): {problem}")
        if args.campaign:
            summary = campaign_messages(db, args.campaign)
            print(summary.sentence())
            for contact_id, reason in summary.failures:
                print(f"  contact {contact_id}: {reason}")
            return 0
        for campaign in list_campaigns(db):
            from outbound.queue.campaigns import template_of

            if template_of(campaign).messages is None:
                continue
            print(f"{campaign.name}: {campaign_messages(db, campaign.id).sentence()}")
    return 0


def run_test(args: argparse.Namespace) -> int:
    from outbound.notify.outbox import queue_test_message

    values = {}
    for pair in args.set:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise ValueError(f"“{pair}” should be FIELD=VALUE, like first_name=Jo.")
        values[field.strip()] = value
    with opened_database(args.db) as db:
        reference = queue_test_message(db, args.channel, args.to, args.template,
                                       personalisation=values, by=args.by)
    print(f"Queued test {args.channel} {reference}; the sending service sends it within "
          "a few seconds (`notify status` shows what became of it).")
    return 0


def run_outcomes(args: argparse.Namespace) -> int:
    from outbound.notify.outcomes import write_person_outcomes

    with opened_database(args.db) as db:
        rows = write_person_outcomes(db, args.campaign, args.out)
    print(f"Wrote {rows} people to {args.out}, with its data dictionary beside it.")
    return 0


def run_key(args: argparse.Namespace) -> int:
    from outbound.notify.config import keep_key

    if not sys.stdin.isatty():
        raise ValueError("Type the key at a terminal; it is not read from a pipe.")
    key = getpass.getpass("GOV.UK Notify API key (not shown): ")
    keep_key(key)
    print("Kept in the keyring; `serve` on this machine will send with it.")
    return 0
