"""``team setup`` and ``users``: a team's PostgreSQL database and the people in it.

    python main.py team setup --db postgresql://postgres@dbserver/outbound \\
        --administrator asha.patel --name "Asha Patel"
    python main.py users add --db postgresql://asha.patel@dbserver/outbound \\
        sam.jones --name "Sam Jones" --role agent

Passwords are asked for without showing them (or read from standard input with
``--password-stdin``); the connecting password comes from libpq's usual places
(PGPASSWORD, ~/.pgpass) or is asked for.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from outbound.db.database import Database, DatabaseError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    team = commands.add_parser(
        "team", help="set up a team's PostgreSQL database: roles, grants, first administrator",
        description="Set up (or, after installing a new version, bring up to date) a "
        "team's PostgreSQL database: its tables, the agent, supervisor and administrator "
        "roles, what each may do, and the first administrator. Run it as a PostgreSQL "
        "superuser or the database's owner.")
    team_actions = team.add_subparsers(dest="action", metavar="ACTION", required=True)
    setup = team_actions.add_parser("setup", help="set up or bring up to date")
    add_db_option(setup)
    setup.add_argument("--administrator", metavar="LOGIN",
                       help="the first administrator's user name (given a temporary password)")
    setup.add_argument("--name", help="the first administrator's full name")
    setup.add_argument("--password-stdin", action="store_true",
                       help="read the temporary password from standard input")
    setup.set_defaults(handler=run_setup)
    lock = team_actions.add_parser(
        "lock-after", help="how many idle minutes before every client locks",
        description="Every client locks after this many minutes without keyboard or "
        "mouse input, and asks for the person's password again (from their next "
        "sign-in). Administrators only.")
    lock.add_argument("minutes", type=int, metavar="MINUTES", help="from 1 to 240")
    add_db_option(lock)
    lock.set_defaults(handler=run_lock_after)

    users = commands.add_parser(
        "users", help="add, change or switch off the people of a team (administrators)",
        description="The people who use a team's database. New users and reset "
        "passwords get a temporary password, which they change when they first sign in.")
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="everyone, with their role")
    add_db_option(listing)
    listing.set_defaults(handler=run_list)
    add = actions.add_parser("add", help="add someone with a temporary password")
    add.add_argument("login", help="their user name, e.g. sam.jones")
    add.add_argument("--name", required=True, help="their full name, as colleagues know them")
    add.add_argument("--role", choices=("agent", "supervisor", "administrator"),
                     default="agent")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the temporary password from standard input")
    add_db_option(add)
    add.set_defaults(handler=run_add)
    role = actions.add_parser("role", help="change someone's role")
    role.add_argument("login")
    role.add_argument("role", choices=("agent", "supervisor", "administrator"))
    add_db_option(role)
    role.set_defaults(handler=run_role)
    reset = actions.add_parser("reset-password", help="give someone a temporary password")
    reset.add_argument("login")
    reset.add_argument("--password-stdin", action="store_true")
    add_db_option(reset)
    reset.set_defaults(handler=run_reset)
    off = actions.add_parser(
        "disable", help="switch a leaver off at once",
        description="Their login stops working, their open sessions end and the calls "
        "they held go back to the queue. Their name stays in the records.")
    off.add_argument("login")
    add_db_option(off)
    off.set_defaults(handler=run_disable)


@contextmanager
def team_database(url: str | None) -> Iterator[Database]:
    """The team's database, as the login in ``url``; asks for the password in a
    terminal when libpq has none."""
    from outbound.db.database import connect, resolve_url
    from outbound.team.accounts import SignInError, is_team, sign_in

    if not is_team(url):
        raise DatabaseError("Users and roles belong to a team's PostgreSQL database: give "
                            "its address with --db postgresql://you@server/database.")
    resolved = resolve_url(url)
    try:
        db = connect(resolved)
    except DatabaseError as exc:
        if "password" not in str(exc):
            raise
        if not sys.stdin.isatty():
            raise DatabaseError(
                f"The database refused {resolved.username or 'you'}: the password is wrong "
                "or missing (give it in PGPASSWORD or ~/.pgpass, or run this in a "
                "terminal to be asked).") from None
        login = resolved.username or getpass.getuser()
        password = getpass.getpass(f"Password for {login}: ")
        try:
            db, _account = sign_in(resolved, login, password)
        except SignInError as refused:
            raise DatabaseError(str(refused)) from None
    try:
        yield db
    finally:
        db.close()


def _new_password(args: argparse.Namespace, login: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("Give the temporary password on standard input with "
                         "--password-stdin, or run this in a terminal.")
    first = getpass.getpass(f"Temporary password for {login}: ")
    if getpass.getpass("The same again: ") != first:
        raise ValueError("The two passwords are not the same; nothing was changed.")
    return first


def _acting(db: Database) -> str:
    from outbound.audit import default_actor

    return db.url.username or default_actor()


def run_setup(args: argparse.Namespace) -> int:
    from outbound.db.migrate import upgrade
    from outbound.team.setup import set_up_team

    if bool(args.administrator) != bool(args.name):
        raise ValueError("Give the first administrator's --administrator and --name together.")
    with team_database(args.db) as db:
        administrator = None
        if args.administrator:
            administrator = (args.administrator, args.name,
                             _new_password(args, args.administrator))
        upgrade(db)
        report = set_up_team(db, administrator=administrator, by=_acting(db))
    print(f"Set up {report.tables} tables for the roles "
          f"{', '.join(report.groups.values())}.")
    if report.administrator:
        print(f"{report.administrator} can now sign in with the temporary password, and "
              "will be asked to choose their own.")
    return 0


def run_lock_after(args: argparse.Namespace) -> int:
    from outbound.app_settings import set_lock_after_minutes

    with team_database(args.db) as db:
        set_lock_after_minutes(db, args.minutes, by=_acting(db))
    print(f"Outbound now locks after {args.minutes} minutes without use, on every "
          "computer, from each person's next sign-in.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from outbound.team.users import list_team

    with team_database(args.db) as db:
        for user in list_team(db):
            state = "" if user.active else "  (switched off)"
            due = "  (temporary password)" if user.must_change_password and user.active else ""
            print(f"{user.login or '-':<24} {user.role:<14} {user.name}{state}{due}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from outbound.team.users import add_user, check_login

    login = check_login(args.login)
    with team_database(args.db) as db:
        add_user(db, login, args.name, args.role, _new_password(args, login), by=_acting(db))
    print(f"Added {args.name} ({login}) as {args.role}. Give them the temporary password "
          "in person or by phone; it stops working in 7 days.")
    return 0


def run_role(args: argparse.Namespace) -> int:
    from outbound.team.users import set_role

    with team_database(args.db) as db:
        set_role(db, args.login, args.role, by=_acting(db))
    print(f"{args.login} is now {args.role}; it applies from their next sign-in.")
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from outbound.team.users import check_login, reset_password

    login = check_login(args.login)
    with team_database(args.db) as db:
        reset_password(db, login, _new_password(args, login), by=_acting(db))
    print(f"{login} has a temporary password; they choose their own when they sign in.")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from outbound.team.users import disable_user

    with team_database(args.db) as db:
        released = disable_user(db, args.login, by=_acting(db))
    print(f"Switched off {args.login}: they cannot sign in, their open sessions ended, "
          f"and {released} calls they held went back to the queue.")
    return 0
