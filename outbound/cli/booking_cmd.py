"""``locations``, ``sessions`` and ``slots``: where appointments happen and what is free.

Closing a session or a location, and the ``bookings`` command, are in bookings_cmd.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from outbound import booking
from outbound.booking.sessions import LOCATION_KINDS, RESOURCE_KINDS, parse_clock_time
from outbound.booking.wording import uk_date, uk_short
from outbound.campaigns.template import load_templates
from outbound.cli import bookings_cmd
from outbound.db import opened_database


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2026-11-23") from None


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number of 1 or more")
    return int(text)


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    loc = commands.add_parser("locations",
                              help="list, add or close clinics and register offices",
                              description="Without an action, lists the locations.")
    add_db_option(loc)
    loc.set_defaults(handler=run_locations)   # the bare command lists them
    actions = loc.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="list locations and their staff or rooms")
    add_db_option(listing)
    listing.set_defaults(handler=run_locations)
    add = actions.add_parser("add", help="add a clinic or register office")
    add_db_option(add)
    add.add_argument("--name", required=True, metavar="NAME")
    add.add_argument("--kind", choices=LOCATION_KINDS, default="clinic")
    add.add_argument("--address", metavar="TEXT")
    add.add_argument("--postcode", metavar="PC")
    add.add_argument("--phone", metavar="NUMBER", help="the number people ring to change it")
    add.add_argument("--directions", metavar="TEXT")
    add.add_argument("--resource", action="append", default=[], metavar="NAME",
                     help="an officer, vaccinator or room there (repeat as needed)")
    add.add_argument("--resource-kind", choices=RESOURCE_KINDS, default="officer")
    add.set_defaults(handler=run_add_location)
    res = actions.add_parser("add-resource", help="add an officer, vaccinator or room")
    add_db_option(res)
    res.add_argument("--location", required=True, metavar="L")
    res.add_argument("--name", required=True, metavar="NAME")
    res.add_argument("--kind", choices=RESOURCE_KINDS, default="officer")
    res.set_defaults(handler=run_add_resource)

    ses = commands.add_parser("sessions", help="add or close sessions of appointments")
    ses_actions = ses.add_subparsers(dest="action", metavar="ACTION", required=True)
    ses_add = ses_actions.add_parser(
        "add", help="add sessions on chosen weekdays over a range of dates",
        description="Add sessions, with their slots, on the chosen weekdays from one date "
        "to another. Bank holidays are left out unless --open-on-bank-holidays is given.")
    add_db_option(ses_add)
    ses_add.add_argument("--location", required=True, metavar="L")
    ses_add.add_argument("--service", required=True, metavar="S",
                         help="e.g. “Telephone appointment”, “Vaccination appointment”")
    ses_add.add_argument("--from", dest="first", type=_date, required=True, metavar="DATE")
    ses_add.add_argument("--to", dest="last", type=_date, required=True, metavar="DATE")
    ses_add.add_argument("--days", default="mon-fri", metavar="DAYS",
                         help="e.g. mon-fri, mon,wed,fri, weekdays (default mon-fri)")
    ses_add.add_argument("--start", required=True, metavar="HH:MM")
    ses_add.add_argument("--end", required=True, metavar="HH:MM")
    ses_add.add_argument("--slot", type=_positive, required=True, metavar="MINUTES")
    ses_add.add_argument("--capacity", type=_positive, default=1, metavar="N",
                         help="places per slot (default 1)")
    ses_add.add_argument("--resource", metavar="R", help="the officer, vaccinator or room")
    ses_add.add_argument("--closed", action="append", type=_date, default=[], metavar="DATE",
                         help="another day the location is closed (repeat as needed)")
    ses_add.add_argument("--open-on-bank-holidays", action="store_true")
    ses_add.set_defaults(handler=run_add_sessions)
    bookings_cmd.add_close_commands(actions, ses_actions)

    slots = commands.add_parser("slots", help="list the next free places for a service")
    add_db_option(slots)
    slots.add_argument("--service", required=True, metavar="S")
    slots.add_argument("--location", metavar="L")
    slots.add_argument("--from", dest="first", type=_date, metavar="DATE")
    slots.add_argument("--minutes", type=_positive, metavar="N",
                       help="the appointment's length, when longer than one slot")
    slots.add_argument("--limit", type=_positive, default=10, metavar="N")
    slots.add_argument("--format", choices=("text", "json"), default="text")
    slots.set_defaults(handler=run_slots)


def known_services() -> list[str]:
    """Every service a campaign template books (its [booking] parts)."""
    names: dict[str, None] = {}
    for template in load_templates().values():
        for part in template.booking.get("parts", ()):
            names[str(part)] = None
    return list(names)


def _check_service(service: str) -> str:
    known = known_services()
    for name in known:
        if name.lower() == service.strip().lower():
            return name
    raise ValueError(f"“{service}” is not a service any campaign books; use one of: "
                     f"{', '.join(known)}.")


def run_locations(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        places = booking.list_locations(db)
    if not places:
        print("No locations yet: add one with “locations add”.")
    for place in places:
        where = ", ".join(p for p in (place.address, place.postcode) if p)
        print(f"{place.id}\t{place.name}\t{place.kind}\t{where}\t{place.phone or ''}\t"
              f"{', '.join(place.resources)}")
    return 0


def run_add_location(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        location = booking.add_location(
            db, args.name, kind=args.kind, address=args.address, postcode=args.postcode,
            phone=args.phone, directions=args.directions, resources=args.resource,
            resource_kind=args.resource_kind)
    print(f"Added location {location}: {args.name.strip()}")
    return 0


def run_add_resource(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        booking.add_resource(db, args.location, args.name, args.kind)
    print(f"Added {args.name.strip()} at {args.location}.")
    return 0


def run_add_sessions(args: argparse.Namespace) -> int:
    service = _check_service(args.service)
    start, end = parse_clock_time(args.start), parse_clock_time(args.end)
    with opened_database(args.db) as db:
        added = booking.add_sessions(
            db, args.location, service, args.first, args.last, days=args.days, start=start,
            end=end, slot_minutes=args.slot, capacity=args.capacity, resource=args.resource,
            open_on_bank_holidays=args.open_on_bank_holidays, closed_days=args.closed)
    print(f"Added {added.sessions:,} sessions with {added.slots:,} slots for {service}.")
    for day, why in added.skipped:
        print(f"Left out {uk_date(day)}: {why}.")
    for warning in added.warnings:
        print(f"Note: {warning}")
    return 0


def run_slots(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        free = booking.find_free_slots(db, args.service.strip(), location=args.location,
                                       from_=args.first, minutes=args.minutes,
                                       limit=args.limit)
    if args.format == "json":
        print(json.dumps([{"slot": f.slot_id, "slots": list(f.slot_ids),
                           "starts_at": f.starts_at.isoformat(),
                           "ends_at": f.ends_at.isoformat(), "location": f.location,
                           "resource": f.resource, "free": f.free} for f in free], indent=2))
        return 0
    if not free:
        print(f"No free places for {args.service.strip()}"
              f"{' at ' + args.location if args.location else ''}.")
    for f in free:
        print(f"{uk_short(f.starts_at)}\t{f.location}\t{f.resource or ''}\t{f.free} free\t"
              f"(slot {f.slot_id})")
    return 0
