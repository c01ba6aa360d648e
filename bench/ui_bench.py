"""The client's speed: start-up to an interactive main window, and opening the contacts
table, on the demo database and on one with 1,000,000 contacts.

    python bench/ui_bench.py [--repeat 7] [--rows 1000000] [--rebuild] [--startup-only]

Start-up is given as a ratio to a bare PySide6 window started in turns with it, for
the source tree and for the desktop bundle when it is built (dist/outbound/): the goal
is the window shown within 3x. The client opens a single-user file as a person's
desktop icon does: its window shows first, saying the database is opening, and the
database layer loads behind it; so the time to the first screen ready is given too.
On a team's database the first window is the sign-in, which is timed as well.
Both run through main.py's start-up probe (ui/startup_probe.py).

Goals: start-up under 1.5 s; the contacts table under 300 ms at 1,000,000 contacts;
no step whose cost grows with the size of the database. The databases are built once
into /tmp/outbound_ui_bench (the million with bulk SQL, in under a minute) and reused.
Start-up is timed in a fresh process each time (from launching Python to the window
shown, and to its first screen built, each with the event loop idle), as a person
would see it; the table is timed in one
process, from building the screen to the first screenful of rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "outbound_ui_bench"
SUPERVISOR = "Bench Supervisor"   # the contacts table is opened as this one
sys.path.insert(0, str(REPO))


# -- databases ------------------------------------------------------------------------

def demo_database(rebuild: bool) -> Path:
    path = CACHE / "demo.db"
    if rebuild or not path.exists():
        from outbound.db import open_database
        from outbound.demo import build_demo
        from outbound.users import add_user

        for stale in CACHE.glob("demo.db*"):
            stale.unlink()
        db = open_database(str(path))
        build_demo(db)
        try:
            from outbound.demo_campaigns import build_demo_campaigns

            build_demo_campaigns(db)
        except ImportError:
            pass
        add_user(db, SUPERVISOR, "supervisor")
        db.close()
    return path


FIRST = ("Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Jack", "Oliver", "Harry",
         "George", "Noah", "Leo", "Arjun", "Mohammed", "Fatima", "Priya", "Margaret",
         "Brian", "Kenneth", "Sheila", "Derek", "Maureen", "Tomasz", "Eilidh")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Patel", "Khan", "Hussain", "Robinson", "Wright", "Thompson", "Walker", "White",
        "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis", "Martin")
DISTRICTS = ("Ashworth", "Brackenfield", "Calder Vale", "Dunmoor", "Eastholme",
             "Fellside", "Greywell", "Harwood Bridge")


def million_database(rows: int, rebuild: bool) -> Path:
    """``rows`` contacts written with one bulk INSERT per 50,000 (no importer)."""
    path = CACHE / f"contacts_{rows}.db"
    if path.exists() and not rebuild:
        return path
    from outbound.db import open_database
    from outbound.users import add_user

    for stale in CACHE.glob(f"contacts_{rows}.db*"):
        stale.unlink()
    started = time.perf_counter()
    db = open_database(str(path))
    add_user(db, SUPERVISOR, "supervisor")
    db.close()
    rng = random.Random(1)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    stamp = "2026-11-01 09:00:00.000000"

    def contact(i: int) -> tuple[object, ...]:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        district = DISTRICTS[i % len(DISTRICTS)]
        return ("person", name, name.lower(), district, f"PN{i % 9 + 1} {i % 9}AB",
                "Bench", f"B{i:08d}", f"+44161496{i % 10000:04d}", 0, "{}", stamp, stamp)

    insert = ("INSERT INTO contact (kind, name, name_key, district, postcode, source, "
              "external_ref, primary_phone, do_not_call, attributes, created_at, "
              "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
    with connection:
        for start in range(0, rows, 50_000):
            connection.executemany(insert, (contact(i) for i in
                                            range(start, min(rows, start + 50_000))))
    connection.execute("ANALYZE")
    connection.close()
    print(f"built {rows:,} contacts in {time.perf_counter() - started:.1f} s", flush=True)
    return path


# -- start-up, in a fresh process -------------------------------------------------------

BUNDLE = REPO / "dist" / "outbound" / "outbound"


def _start_once(program: list[str], probe: str) -> tuple[float, float]:
    """Seconds from launching ``program`` to its window on screen, and to the window
    whole (the client's first screen built), each with the event loop idle.

    Python may keep the compiled modules (``__pycache__``), as it does for an installed
    package or the bundle: a shell's PYTHONDONTWRITEBYTECODE would otherwise time
    compiling the source tree at every start.
    """
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               OUTBOUND_STARTUP_PROBE=probe)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    child = subprocess.Popen(program, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    assert child.stdout is not None
    times: dict[str, float] = {}
    for line in child.stdout:
        times[line.strip()] = time.perf_counter() - started
        if line.strip() != "shown":
            break
    child.wait()
    if set(times) != {"shown", "ready"}:
        raise SystemExit(f"{' '.join(program)} did not start: {list(times) or child.returncode}")
    return times["shown"], times["ready"]


TEAM_URL = "postgresql://dbserver.council.invalid/outbound"   # never reached: no sign-in


def time_start(database: Path, repeat: int, program: list[str] | None = None
               ) -> dict[str, list[float]]:
    """A bare PySide6 window; the client on a single-user file, to its window shown and
    to its first screen ready; and the client on a team's database, to its sign-in;
    taken in turns so that all see the same machine. ``program`` is main.py or the
    bundle."""
    program = program or [sys.executable, str(REPO / "main.py")]
    times: dict[str, list[float]] = {"bare": [], "shown": [], "ready": [], "sign-in": []}
    with tempfile.TemporaryDirectory() as folder:
        settings = str(Path(folder) / "settings.ini")
        single, team = f"client|{database}|{settings}", f"team|{TEAM_URL}|{settings}"
        for probe in ("bare", single, team):           # warm the disk cache for each
            _start_once(program, probe)
        for _ in range(repeat):
            times["bare"].append(_start_once(program, "bare")[1])
            shown, ready = _start_once(program, single)
            times["shown"].append(shown)
            times["ready"].append(ready)
            times["sign-in"].append(_start_once(program, team)[0])
    return times


def startup_table(database: Path, repeat: int, bundle: Path | None) -> None:
    """Start-up against a bare window, for the source tree and (when built) the bundle."""
    programs = {"source tree": [sys.executable, str(REPO / "main.py")]}
    if bundle is not None and bundle.exists():
        programs["bundle"] = [str(bundle)]
    print(f"{'start-up':>12}  {'bare window':>11}  {'single-user: window shown':>30}  "
          f"{'first screen ready':>30}  {'team: the sign-in':>30}")
    for label, program in programs.items():
        times = time_start(database, repeat, program)
        bare = times["bare"]

        def column(values: list[float], bare: list[float] = bare) -> str:
            ratios = [v / b for v, b in zip(values, bare, strict=True)]
            return (f"{statistics.median(values) * 1000:5.0f} ms {statistics.median(ratios):5.2f}x"
                    f" ({min(ratios):.2f}-{max(ratios):.2f})")

        print(f"{label:>12}  {statistics.median(bare) * 1000:8.0f} ms  "
              f"{column(times['shown']):>30}  {column(times['ready']):>30}  "
              f"{column(times['sign-in']):>30}", flush=True)
    print(f"Medians of {repeat}, with each ratio to the bare window started just before, "
          "and their range.")
    if "bundle" not in programs:
        print(f"{'bundle':>12}  not built (packaging/build_bundle.sh makes {BUNDLE})")
    print("Goal: start-up (the window shown, or the sign-in) within 3x the bare window.")


# -- the contacts table, in this process ----------------------------------------------------

def time_contacts(database: Path, repeat: int) -> tuple[list[float], list[float], int]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from outbound.db import open_database
    from outbound.users import list_users
    from ui.operations import Operations
    from ui.services import Services, SignedInUser
    from ui.settings import Settings
    from ui.supervisor.contacts import ContactsScreen

    app = QApplication.instance() or QApplication([])
    Operations.synchronous = True  # the work itself, without the thread hop
    db = open_database(str(database))
    user = next(u for u in list_users(db) if u.name == SUPERVISOR)
    opening, jumping = [], []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        services = Services(db, SignedInUser(user.id, user.name, user.role), settings)
        for _ in range(repeat):
            started = time.perf_counter()
            screen = ContactsScreen(services)
            screen.resize(1200, 700)
            screen.show()
            for row in range(40):  # a screenful of rows
                screen.model.index(row, 0).data()
            app.processEvents()
            opening.append(time.perf_counter() - started)
            rows = screen.model.rowCount()
            started = time.perf_counter()
            screen.table.scrollToBottom()
            for row in range(max(0, rows - 40), rows):
                screen.model.index(row, 0).data()
            jumping.append(time.perf_counter() - started)
            screen.close()
            screen.deleteLater()
            app.processEvents()
    db.close()
    return opening, jumping, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--startup-only", action="store_true",
                        help="only start-up against a bare window (no contacts table)")
    parser.add_argument("--bundle", type=Path, default=BUNDLE,
                        help=f"the bundle's program (default: {BUNDLE.relative_to(REPO)})")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    CACHE.mkdir(parents=True, exist_ok=True)
    demo = demo_database(args.rebuild)
    startup_table(demo, args.repeat, args.bundle)
    if args.startup_only:
        return 0
    databases = {"demo": demo,
                 f"{args.rows:,} contacts": million_database(args.rows, args.rebuild)}
    ms = lambda values: f"{statistics.median(values) * 1000:7.0f} ms"  # noqa: E731
    print(f"{'database':>20}  {'start-up':>10}  {'contacts table':>14}  "
          f"{'jump to last row':>16}")
    for label, path in databases.items():
        start = time_start(path, args.repeat)["ready"]
        opening, jumping, rows = time_contacts(path, args.repeat)
        print(f"{label:>20}  {ms(start):>10}  {ms(opening):>14}  {ms(jumping):>16}"
              f"   ({rows:,} rows; medians of {args.repeat})", flush=True)
    print("Goals: start-up under 1,500 ms; contacts table under 300 ms at 1,000,000.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
