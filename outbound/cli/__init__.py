"""The command line: ``python main.py COMMAND``; with no command, main.py opens the client.

A user's mistake (a bad file, a bad option, a database that cannot be opened) prints one
clear sentence and exits non-zero; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from outbound.cli import (
    audit_cmd,
    booking_cmd,
    bookings_cmd,
    campaign_cmd,
    contacts_cmd,
    demo_cmd,
    export_cmd,
    numbers_cmd,
    rights_cmd,
    serve_cmd,
    team_cmd,
)
from outbound.db.database import DatabaseError
from outbound.files import OutputError
from outbound.importing import ImportCancelled, ImportRefused, MappingError

EXIT_USER_ERROR = 1
USER_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseError, ImportRefused, MappingError, ImportCancelled, OutputError, ValueError,
    FileNotFoundError, PermissionError, IsADirectoryError,
)
COMMAND_MODULES = (contacts_cmd, campaign_cmd, demo_cmd, serve_cmd, booking_cmd, bookings_cmd,
                   export_cmd, numbers_cmd, audit_cmd, rights_cmd, team_cmd)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message[0].upper()}{message[1:]}.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python main.py",
        description="Outbound: calling campaigns for a council's customer access team. "
        "With no command, opens the desktop client.",
    )
    add_db_option(parser, top=True)
    parser.add_argument("--demo", action="store_true",
                        help="open the client on the demo database (made on first use)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def add_db_option(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    parser.add_argument(
        "--db", metavar="URL", default=None if top else argparse.SUPPRESS,
        help="database: an SQLite file path or URL, or postgresql://user@host/db "
        "(default: $OUTBOUND_DATABASE_URL, else your own Outbound file)",
    )


def run_command(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into something that stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except USER_ERRORS as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:  # a fault of ours: still no traceback for the person
        if os.environ.get("OUTBOUND_DEBUG"):
            raise
        print(f"Error: something went wrong ({type(exc).__name__}: {exc}). "
              "Run again with OUTBOUND_DEBUG=1 for details.", file=sys.stderr)
        return EXIT_USER_ERROR


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status. Without a command there is nothing to do
    here: main.py opens the client instead."""
    args = parse(argv)
    if args.command is None:
        build_parser().print_help()
        return 0
    return run_command(args)
