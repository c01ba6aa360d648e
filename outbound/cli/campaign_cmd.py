"""``campaign``, ``enrol``, ``round``, ``reminders``, ``assign``, ``progress``, ``agent``."""

from __future__ import annotations

import argparse
import json
from datetime import date

from outbound.clock import london_day, to_london, utcnow
from outbound.contacts import ContactFilter
from outbound.db import opened_database
from outbound.queue import assign, campaigns, progress
from outbound.users import add_user


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2026-11-23") from None


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    camp = commands.add_parser("campaign", help="create, list, pause or close campaigns")
    actions = camp.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a campaign from a template")
    add_db_option(create)
    create.add_argument("--template", required=True, metavar="T",
                        help="e.g. care_capacity_tracker, bus_pass_renewal")
    create.add_argument("--name", required=True, metavar="N")
    create.add_argument("--owner", metavar="NAME")
    create.add_argument("--starts", type=_date, metavar="DATE")
    create.add_argument("--ends", type=_date, metavar="DATE")
    create.add_argument("--source", metavar="NAME",
                        help="reminders: enrol contacts from this source (e.g. NoWcard)")
    create.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help='override a template setting, e.g. max_attempts=4 or '
                        'repeat_call_gap=2h (repeat as needed)')
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="list campaigns")
    add_db_option(listing)
    listing.set_defaults(handler=run_list)
    for status, verb in (("paused", "pause"), ("closed", "close"), ("active", "resume")):
        action = actions.add_parser(verb, help=f"{verb} a campaign")
        add_db_option(action)
        action.add_argument("--campaign", required=True, metavar="N")
        action.set_defaults(handler=run_status, status=status)

    enrol = commands.add_parser("enrol", help="enrol contacts in a campaign")
    add_db_option(enrol)
    enrol.add_argument("--campaign", required=True, metavar="N")
    enrol.add_argument("--source", metavar="NAME", help="contacts from this list's source")
    enrol.add_argument("--district", metavar="NAME")
    enrol.add_argument("--search", metavar="TEXT")
    enrol.set_defaults(handler=run_enrol)

    rnd = commands.add_parser("round", help="make a round campaign's tasks for a day")
    add_db_option(rnd)
    rnd.add_argument("--campaign", required=True, metavar="N")
    rnd.add_argument("--date", type=_date, metavar="DATE", help="default: today")
    rnd.set_defaults(handler=run_round)

    rem = commands.add_parser("reminders", help="enrol contacts whose expiry is near")
    add_db_option(rem)
    rem.add_argument("--campaign", required=True, metavar="N")
    rem.add_argument("--date", type=_date, metavar="DATE", help="default: today")
    rem.set_defaults(handler=run_reminders)

    asg = commands.add_parser("assign", help="assign a campaign's open tasks to agents")
    add_db_option(asg)
    asg.add_argument("--campaign", required=True, metavar="N")
    asg.add_argument("--agents", required=True, metavar="A,B,...",
                     help="one agent, or several to share the tasks evenly; "
                     "'pool' returns them to the shared pool")
    asg.add_argument("--district", metavar="NAME")
    asg.add_argument("--postcode-area", metavar="AREA")
    asg.add_argument("--round", metavar="DATE")
    asg.set_defaults(handler=run_assign)

    prog = commands.add_parser("progress", help="a campaign's progress and forecast")
    add_db_option(prog)
    prog.add_argument("--campaign", required=True, metavar="N")
    prog.add_argument("--round", metavar="DATE")
    prog.add_argument("--format", choices=("text", "json"), default="text")
    prog.set_defaults(handler=run_progress)

    agent = commands.add_parser("agent", help="add an agent or supervisor")
    add_db_option(agent)
    agent.add_argument("name")
    agent.add_argument("--role", choices=("agent", "supervisor", "administrator"),
                       default="agent")
    agent.set_defaults(handler=run_agent)


def _overrides(pairs: list[str]) -> dict[str, object]:
    result: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"“{pair}” is not a setting: write it as key=value.")
        text = value.strip()
        result[key.strip()] = int(text) if text.isdigit() else text
    return result


def run_create(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        cid = campaigns.create_campaign(
            db, args.template, args.name, owner=args.owner, starts_on=args.starts,
            ends_on=args.ends, overrides=_overrides(args.set),
            audience={"source": args.source} if args.source else None)
    print(f"Created campaign {cid}: {args.name}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        for camp in campaigns.list_campaigns(db):
            print(f"{camp.id}\t{camp.name}\t{camp.template_code}\t{camp.status}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        name = campaigns.set_status(db, args.campaign, args.status)
    print(f"{name} is now {args.status}.")
    return 0


def run_enrol(args: argparse.Namespace) -> int:
    where = ContactFilter(search=args.search, district=args.district, source=args.source,
                          include_suppressed=False)
    with opened_database(args.db) as db:
        added = campaigns.enrol(db, args.campaign, where=where)
    print(f"Enrolled {added:,} contacts.")
    return 0


def run_round(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        result = campaigns.generate_round(db, args.campaign, args.date or london_day(utcnow()))
    if not result.calling_day:
        print(f"{result.round_key} is not a calling day for this campaign: no round made.")
    else:
        print(f"Round {result.round_key}: {result.created:,} new tasks "
              f"({result.closed_from_earlier_rounds:,} left from earlier rounds closed).")
    return 0


def run_reminders(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        added = campaigns.enrol_reminders(db, args.campaign, args.date or london_day(utcnow()))
    print(f"{added:,} reminders to call.")
    return 0


def run_assign(args: argparse.Namespace) -> int:
    names = [a.strip() for a in args.agents.split(",") if a.strip()]
    selection = assign.TaskSelection(args.campaign, round_key=args.round,
                                     district=args.district, postcode_area=args.postcode_area)
    with opened_database(args.db) as db:
        if names == ["pool"]:
            print(f"{assign.assign_to(db, selection, None):,} tasks returned to the pool.")
        elif len(names) == 1:
            print(f"{assign.assign_to(db, selection, names[0]):,} tasks given to {names[0]}.")
        else:
            for agent, count in assign.assign_evenly(db, selection, names).items():
                print(f"{agent}: {count:,} tasks")
    return 0


def run_progress(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        report = progress.campaign_progress(db, args.campaign, args.round)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, default=str))
        return 0
    print(f"{report.campaign}{' round ' + report.round_key if report.round_key else ''}: "
          f"{report.done:,} done, {report.remaining:,} to call, {report.in_progress:,} on a "
          f"call now, {report.closed:,} closed, of {report.total:,}.")
    if report.attempts:
        rate = f"{report.contact_rate:.0%}" if report.contact_rate is not None else "-"
        handle = (f"{report.average_handle_seconds / 60:.1f} min"
                  if report.average_handle_seconds else "-")
        print(f"{report.attempts:,} calls made; contact rate {rate}; "
              f"average handle time {handle}.")
        print("Outcomes: " + ", ".join(f"{k} {v:,}" for k, v in report.by_outcome.items()))
    if report.forecast_finish:
        needed = ("" if report.agents_needed_today is None else
                  f"; agents needed to finish today: {report.agents_needed_today}")
        print(f"At today's rate it will be finished by "
              f"{to_london(report.forecast_finish):%a %d %b %H:%M}{needed}.")
    return 0


def run_agent(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        add_user(db, args.name, args.role)
    print(f"{args.name} can now sign in as {args.role}.")
    return 0
