"""The command line: ``outbound COMMAND`` (or ``python main.py COMMAND``); with no command,
it opens the desktop client; ``--self-test`` checks this computer can run it.

A user's mistake (a bad file, a bad option, a database that cannot be opened) prints one
clear sentence and exits non-zero; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from outbound import __version__

EXIT_USER_ERROR = 1


@functools.cache
def user_errors() -> tuple[type[BaseException], ...]:
    """The mistakes a person can make (a bad file, a database that cannot be opened),
    told in a sentence rather than a traceback. Gathered when first asked for, so that
    opening the client does not load the importer (and the phone number tables) just
    to name its errors."""
    from outbound.db.database import DatabaseError
    from outbound.files import OutputError
    from outbound.importing import ImportCancelled, ImportRefused, MappingError

    return (DatabaseError, ImportRefused, MappingError, ImportCancelled, OutputError,
            ValueError, FileNotFoundError, PermissionError, IsADirectoryError)


# Imported when a command is asked for, not to open the client: between them they load
# the booking, import, export and calendar code the first window does not need.
COMMAND_MODULES = ("contacts_cmd", "campaign_cmd", "demo_cmd", "serve_cmd", "booking_cmd",
                   "bookings_cmd", "export_cmd", "notify_cmd", "numbers_cmd", "audit_cmd",
                   "rights_cmd", "team_cmd")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message[0].upper()}{message[1:]}.\n")


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without ``commands``, only the options of the client."""
    parser = _Parser(
        prog="python main.py",
        description="Outbound: calling campaigns for a council's customer access team. "
        "With no command, opens the desktop client.",
    )
    add_db_option(parser, top=True)
    parser.add_argument("--demo", action="store_true",
                        help="open the client on the demo database (made on first use)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"Outbound {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this computer can run Outbound (Qt, icons, charts, "
                        "templates, migrations, files, the PostgreSQL driver; with --db, "
                        "a connection) and exit: status 0 when all pass")
    if not commands:
        return parser
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"outbound.cli.{name}").register(subparsers)
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
    except user_errors() as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:  # a fault of ours: still no traceback for the person
        if os.environ.get("OUTBOUND_DEBUG"):
            raise
        print(f"Error: something went wrong ({type(exc).__name__}: {exc}). "
              "Run again with OUTBOUND_DEBUG=1 for details.", file=sys.stderr)
        return EXIT_USER_ERROR


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    args = _parse_client_options(argv)
    if args is None:
        args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args


def _parse_client_options(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The arguments when they hold only the client's own options (opening the client,
    --self-test, --version), read without importing any command; else None."""
    given = list(sys.argv[1:] if argv is None else argv)
    if any(arg in ("-h", "--help") for arg in given):
        return None
    parser = build_parser(commands=False)
    parser.exit_on_error = False
    try:
        args, rest = parser.parse_known_args(given)
    except argparse.ArgumentError:
        return None
    if rest:                 # a command: the whole parser reads it
        return None
    args.command = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """The ``outbound`` command and main.py: a command, the self-test, or with neither
    the desktop client. Returns the exit status."""
    args = parse(argv)
    if args.self_test:
        from outbound.selftest import run_self_test

        return run_self_test(args.db)
    if args.command is None:
        return open_client(args)
    return run_command(args)


# The engine modules every first window uses. The client loads them on a pool thread
# once its window shows (ui.app): with SQLAlchemy they are most of start-up's work.
CLIENT_ENGINE_MODULES = ("outbound.db.models", "outbound.db.migrate", "outbound.users",
                         "outbound.audit", "outbound.contacts", "outbound.queue")


def load_client_engine() -> None:
    for name in CLIENT_ENGINE_MODULES:
        importlib.import_module(name)


def open_client(args: argparse.Namespace) -> int:
    """Open the desktop client. ``ui`` is loaded here, by name, only when asked for: the
    engine and every command run without Qt (and on a server with no display). The
    engine is loaded by the client once its window shows (``ui.app``)."""
    try:
        launch = importlib.import_module("ui.launch").launch
    except ImportError as exc:
        print(f"Error: the desktop client cannot be loaded ({exc}). "
              "Run `outbound --self-test` to see what is missing.", file=sys.stderr)
        return EXIT_USER_ERROR
    status: int = launch(args)
    return status
