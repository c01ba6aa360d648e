"""``outbound --self-test``: what IT runs after deploying, to see the client will work.

Each check exercises the real code on this computer (the shipped templates, the
migrations, the file writers, the database driver; the Qt checks live in
``ui/selftest.py``) and prints one line; then a verdict. The exit status is 0 only when
every check passed. A failure is one sentence naming what is missing, never a traceback:
the person reading it installs software, they do not debug it.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

# A check returns what it found (shown after "ok"), or raises CheckFailed with a
# sentence. Any other exception is a fault the sentence is made from.
CheckRun = Callable[[], str]


class CheckFailed(Exception):
    """A check that did not pass; the message says what is missing, as a sentence."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    run: CheckRun


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    passed: bool
    detail: str
    seconds: float


def _sentence(exc: BaseException) -> str:
    from outbound.db.database import DatabaseError

    if isinstance(exc, CheckFailed | DatabaseError | ValueError):   # already a sentence
        return str(exc)
    if isinstance(exc, ModuleNotFoundError):
        return (f"the Python module “{exc.name}” is missing from this installation; "
                "reinstall Outbound.")
    if isinstance(exc, ImportError):
        return f"a library could not be loaded ({exc}); reinstall Outbound."
    text = str(exc).strip() or "no message"
    return f"{type(exc).__name__}: {text}"


def run_check(check: Check) -> Result:
    started = time.perf_counter()
    try:
        detail = check.run()
        passed = True
    except Exception as exc:
        detail, passed = _sentence(exc), False
    return Result(check.name, passed, detail, time.perf_counter() - started)


def report(checks: Iterable[Check], out: TextIO | None = None) -> int:
    """Run the checks, print a line for each and the verdict; the exit status."""
    out = out if out is not None else sys.stdout
    results: list[Result] = []
    for check in checks:
        result = run_check(check)
        results.append(result)
        mark = "ok  " if result.passed else "FAIL"
        print(f"{mark} {result.name}: {result.detail}", file=out, flush=True)
    failed = [r.name for r in results if not r.passed]
    if not results:
        print("No checks were run.", file=out)
        return 1
    if failed:
        print(f"Outbound cannot be used here: {len(failed)} of {len(results)} checks "
              f"failed ({', '.join(failed)}).", file=out)
        return 1
    print(f"Outbound is ready: all {len(results)} checks passed.", file=out)
    return 0


# ---- the engine's checks ----

def _version() -> str:
    from outbound import __version__

    return f"Outbound {__version__}, Python {sys.version.split()[0]} on {sys.platform}"


def _templates() -> str:
    from outbound.campaigns.template import (
        council_templates_folder,
        load_templates,
        shipped_templates,
    )

    shipped = load_templates(shipped_templates())
    if not shipped:
        raise CheckFailed(f"no campaign templates were found in {shipped_templates()}; "
                          "reinstall Outbound.")
    everything = load_templates()       # the council's own too, when a folder is set
    own = len(everything) - len(shipped)
    return (f"{len(shipped)} shipped" + (f" and {own} of the council's own "
                                        f"({council_templates_folder()})" if own else ""))


def _migrations() -> str:
    from outbound.db import open_database
    from outbound.db.migrate import current_revision, head_revision, upgrade

    head = head_revision()
    with tempfile.TemporaryDirectory(prefix="outbound-selftest-") as folder:
        db = open_database(str(Path(folder) / "check.db"), migrate=False)
        try:
            upgrade(db)
            reached = current_revision(db)
        finally:
            db.close()
    if head is None or reached != head:
        raise CheckFailed(f"a new database reached revision {reached}, not {head}; "
                          "the migration files are incomplete: reinstall Outbound.")
    return f"a new SQLite database migrated to {head}"


def _xlsx() -> str:
    from openpyxl import load_workbook

    from outbound.exports.tables import write_table_file

    rows = [["Grange Care Home", 12, "Beds free"], ["Élan House", 0, "Full: ring Friday"]]
    with tempfile.TemporaryDirectory(prefix="outbound-selftest-") as folder:
        path = Path(folder) / "check.xlsx"
        write_table_file("xlsx", path, "Self-test", ["Provider", "Beds", "Note"], rows)
        book = load_workbook(path, read_only=True)
        try:
            back = [list(row) for row in book.worksheets[0].iter_rows(min_row=2,
                                                                        values_only=True)]
        finally:
            book.close()
    if back != rows:
        raise CheckFailed("an Excel file written here did not read back the same.")
    return "written and read back"


def _ics() -> str:
    import icalendar

    from outbound.booking.appointments import Appointment
    from outbound.booking.confirmation import confirmation_ics, write_ics

    starts = datetime(2026, 3, 30, 9, 30, tzinfo=UTC)     # the day after the clocks change
    appointment = Appointment(
        booking_id=1, reference="SELF-TEST", service="Registration", part=1, status="booked",
        starts_at=starts, ends_at=starts + timedelta(minutes=30), minutes=30,
        location="County Hall", address=None, postcode=None, phone=None, directions=None,
        resource=None, contact_id=1, contact_name="A Person", campaign_id=None,
        first_part_id=None)
    with tempfile.TemporaryDirectory(prefix="outbound-selftest-") as folder:
        path = write_ics(Path(folder) / "check.ics",
                         confirmation_ics([appointment], now=starts))
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
    events = list(calendar.walk("VEVENT"))
    if len(events) != 1 or events[0].decoded("dtstart") != starts:
        raise CheckFailed("a calendar file written here did not read back the same time.")
    return "written and read back (London time across a clock change)"


def _postgres(url: str | None) -> CheckRun:
    def check() -> str:
        try:
            psycopg = importlib.import_module("psycopg")
        except ImportError as exc:
            raise CheckFailed(f"the PostgreSQL driver (psycopg) cannot be loaded ({exc}); "
                              "reinstall Outbound.") from None
        implementation = psycopg.pq.__impl__
        named = _named_database(url)
        if not named:
            return f"psycopg {psycopg.__version__} ({implementation} libpq wrapper) loads"
        from sqlalchemy import text

        from outbound.db import open_database

        db = open_database(named, migrate=False)
        try:
            with db.engine.connect() as connection:
                server = connection.execute(text("SHOW server_version")).scalar()
        except Exception as exc:
            raise CheckFailed(f"cannot connect to {db.description} "
                              f"({str(getattr(exc, 'orig', exc)).strip()})") from None
        finally:
            db.close()
        return f"psycopg {psycopg.__version__}; connected to {db.description} " \
               f"(PostgreSQL {server})"
    return check


def _named_database(url: str | None) -> str | None:
    """The PostgreSQL database to try, if --db (or the settings) name one."""
    from outbound.db.database import resolve_url

    if url is None:
        return None
    resolved = resolve_url(url)
    return url if resolved.get_backend_name() == "postgresql" else None


def engine_checks(db_url: str | None = None) -> list[Check]:
    return [
        Check("version", _version),
        Check("campaign templates", _templates),
        Check("database migrations", _migrations),
        Check("Excel file", _xlsx),
        Check("calendar file", _ics),
        Check("PostgreSQL" if db_url else "PostgreSQL driver", _postgres(db_url)),
    ]


def qt_checks() -> list[Check]:
    """The desktop client's checks, from ui/ (the engine itself never loads Qt)."""
    try:
        module = importlib.import_module("ui.selftest")
    except ImportError as exc:
        failure = _sentence(exc)

        def cannot(failure: str = failure) -> str:
            raise CheckFailed(f"the desktop client cannot be loaded: {failure}")
        return [Check("Qt", cannot)]
    checks: Sequence[Check] = module.checks()
    return list(checks)


def run_self_test(db_url: str | None = None, out: TextIO | None = None) -> int:
    """Every check, the client's first (they say whether a window can open at all)."""
    return report([*qt_checks(), *engine_checks(db_url)], out)
