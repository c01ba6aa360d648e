"""``bookings show|cancel|attended``, and closing: ``sessions close`` and ``locations close``.

Every change names who made it (``--by``, an agent or supervisor added with ``agent``).
"""

from __future__ import annotations

import argparse

from outbound import booking
from outbound.booking.closing import close_location, close_session, list_sessions
from outbound.booking.wording import uk_date, uk_when
from outbound.clock import london_day, utcnow
from outbound.db import opened_database

ATTENDANCE_WORDS = {"arrived": "arrived", "did_not_attend": "did not attend",
                    "booked": "booked (attendance undone)"}


def _by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", required=True, metavar="NAME",
                        help="who is making the change (an agent or supervisor)")


def add_close_commands(locations: argparse._SubParsersAction,  # type: ignore[type-arg]
                       sessions: argparse._SubParsersAction,  # type: ignore[type-arg]
                       ) -> None:
    """``locations close`` and ``sessions close``, under the commands booking_cmd makes."""
    from outbound.cli import add_db_option
    from outbound.cli.booking_cmd import _date, _positive

    listing = sessions.add_parser("list", help="a location's sessions, to choose one to "
                                  "close")
    add_db_option(listing)
    listing.add_argument("--location", required=True, metavar="L")
    listing.add_argument("--from", dest="first", type=_date, metavar="DATE",
                         help="default: today")
    listing.add_argument("--days", type=_positive, default=7, metavar="N",
                         help="how many days to list (default 7)")
    listing.set_defaults(handler=run_list_sessions)

    ses = sessions.add_parser(
        "close", help="close a session, cancel its bookings and have its people rung",
        description="Close a session from now on (a registrar off sick, a clinic "
        "cancelled): nobody can book it any more, its bookings are cancelled by the "
        "council, and each person is put on the waiting list with a call to rebook.")
    add_db_option(ses)
    ses.add_argument("--session", required=True, type=_positive, metavar="N",
                     help="the session's number, from “sessions list”")
    ses.add_argument("--note", metavar="TEXT", help="why, kept with each booking")
    _by(ses)
    ses.set_defaults(handler=run_close_session)

    loc = locations.add_parser(
        "close", help="close every session at a location from a date",
        description="Close every session at a location on a date and after, as "
        "“sessions close” does each one. Sessions added later are open as usual.")
    add_db_option(loc)
    loc.add_argument("--location", required=True, metavar="L")
    loc.add_argument("--from", dest="first", type=_date, required=True, metavar="DATE")
    loc.add_argument("--note", metavar="TEXT", help="why, kept with each booking")
    _by(loc)
    loc.set_defaults(handler=run_close_location)


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    bookings = commands.add_parser("bookings", help="show, cancel or mark attendance of "
                                   "a booking")
    actions = bookings.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="a booking and the other part of its "
                              "registration")
    add_db_option(show)
    show.add_argument("reference", metavar="REF", help="e.g. PND-7K3Q9")
    show.add_argument("--confirmation", action="store_true",
                      help="also print the confirmation words to read out or send")
    show.set_defaults(handler=run_show)

    cancel = actions.add_parser("cancel", help="cancel a booking with a reason")
    add_db_option(cancel)
    cancel.add_argument("reference", metavar="REF")
    cancel.add_argument("--reason", required=True, metavar="CODE",
                        help=f"one of {', '.join(booking.CANCEL_REASONS)}")
    cancel.add_argument("--note", metavar="TEXT")
    _by(cancel)
    cancel.set_defaults(handler=run_cancel)

    attended = actions.add_parser("attended", help="record whether the person came")
    add_db_option(attended)
    attended.add_argument("reference", metavar="REF")
    attended.add_argument("--status", required=True, choices=tuple(ATTENDANCE_WORDS),
                          help="arrived, did_not_attend, or booked to undo a mistake")
    _by(attended)
    attended.set_defaults(handler=run_attended)


def run_list_sessions(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        found = list_sessions(db, args.location, from_day=args.first or london_day(utcnow()),
                              days=args.days)
    if not found:
        print(f"No sessions at {args.location} in those {args.days} days.")
    for line in found:
        state = ("closed" if line.closed == line.places
                 else f"{line.closed} places closed" if line.closed else "open")
        print(f"{line.id}\t{uk_date(line.day)}\t{line.start:%H:%M}-{line.end:%H:%M}\t"
              f"{line.service}\t{line.resource or ''}\t{line.booked} of {line.places} "
              f"booked\t{state}")
    return 0


def run_close_session(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        closed = close_session(db, args.session, reason_note=args.note, by=args.by)
    print(closed.describe())
    return 0


def run_close_location(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        closed = close_location(db, args.location, from_day=args.first, by=args.by,
                                reason_note=args.note)
    print(closed.describe())
    return 0


def _line(part: booking.Appointment) -> str:
    with_whom = f" with {part.resource}" if part.resource else ""
    return (f"{part.reference}: {part.service} for {part.contact_name}, "
            f"{uk_when(part.starts_at)} ({part.minutes} minutes) at {part.location}"
            f"{with_whom}; {part.status.replace('_', ' ')}.")


def run_show(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        parts = booking.get_appointments(db, args.reference)
        words = booking.confirmation(db, args.reference).text if args.confirmation else ""
    for part in parts:
        print(_line(part))
    if words:
        print()
        print(words, end="")
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        done = booking.cancel(db, args.by, args.reference, args.reason, notes=args.note)
    late = " late (less than 24 hours’ notice)" if done.status == "cancelled_late" else ""
    print(f"Cancelled {' and '.join(done.references)}{late}: "
          f"{booking.CANCEL_REASONS[args.reason].lower()}.")
    for offer in done.offers:
        print(f"The place is held for the next person on the waiting list (contact "
              f"{offer.contact_id}), who will be called (task {offer.task_id}).")
    return 0


def run_attended(args: argparse.Namespace) -> int:
    with opened_database(args.db) as db:
        booking.record_attendance(db, args.by, args.reference, args.status)
    print(f"Recorded {args.reference.strip().upper()} as {ATTENDANCE_WORDS[args.status]}.")
    return 0
