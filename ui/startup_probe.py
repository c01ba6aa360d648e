"""Start-up timing for bench/ui_bench.py, the same in a source tree and in the bundle.

main.py (the bundle's program too) hands over here when $OUTBOUND_STARTUP_PROBE is set,
before anything else is imported:

- ``bare``: a bare PySide6 main window, the floor a Qt program cannot beat;
- ``client|DB|SETTINGS``: the client on that database, signed in as the bench's
  supervisor, with its settings in that file.

Either prints ``ready`` once the window is shown and the event loop is idle, and exits.
"""

from __future__ import annotations

import os
import sys

BENCH_USER = "Bench Supervisor"


def _ready() -> None:
    print("ready", flush=True)
    os._exit(0)


def bare() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare")
    window.resize(1200, 800)
    window.show()
    QTimer.singleShot(0, _ready)
    app.exec()


def client(database: str, settings_file: str) -> None:
    """As main.py opens the client (outbound.cli, then ui.launch), less the sign-in."""
    from outbound.cli import load_client_engine, parse

    parse(["--db", database])
    load_client_engine()
    from ui.launch import check_qt_can_start

    problem = check_qt_can_start()
    if problem:
        print(f"error {problem}", flush=True)
        os._exit(1)
    from outbound.db import open_database

    db = open_database(database)
    from PySide6.QtCore import QSettings, QTimer

    from outbound.users import list_users
    from ui.app import ClientSession, make_application
    from ui.services import SignedInUser
    from ui.settings import Settings

    app = make_application()
    user = next(u for u in list_users(db) if u.name == BENCH_USER)
    session = ClientSession(db, Settings(QSettings(settings_file, QSettings.Format.IniFormat)))
    session.start(SignedInUser(user.id, user.name, user.role))
    QTimer.singleShot(0, _ready)
    app.exec()


def run(spec: str) -> int:
    kind, *rest = spec.split("|")
    if kind == "bare":
        bare()
    elif kind == "client" and len(rest) == 2:
        client(*rest)
    print(f"error: OUTBOUND_STARTUP_PROBE is “bare” or “client|DB|SETTINGS”, not “{spec}”",
          flush=True)
    return 2
