"""Start-up timing for bench/ui_bench.py, the same in a source tree and in the bundle.

main.py (the bundle's program too) hands over here when $OUTBOUND_STARTUP_PROBE is set,
before anything else is imported:

- ``bare``: a bare PySide6 main window, the floor a Qt program cannot beat;
- ``client|DB|SETTINGS``: the client on that single-user file, with its settings in
  that file;
- ``team|URL|SETTINGS``: the client on a team's database, to its sign-in (nothing is
  opened before someone signs in, so the server need not be there).

Each prints ``shown`` once its window is on screen and the event loop idle (the
client's window then says the database is opening), then ``ready`` once the window is
whole, its first screen built, and the loop idle again (the sign-in is whole when
shown); and exits.
"""

from __future__ import annotations

import os
import sys


def _shown() -> None:
    print("shown", flush=True)


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
    QTimer.singleShot(0, _shown)
    QTimer.singleShot(0, _ready)
    app.exec()


def client(database: str, settings_file: str) -> None:
    """As main.py opens a single-user file (outbound.cli, then ui.launch): the window
    shows first and the file is opened behind it, as the computer's account."""
    from outbound.cli import parse

    parse(["--db", database])
    from ui.launch import check_qt_can_start

    problem = check_qt_can_start()
    if problem:
        print(f"error {problem}", flush=True)
        os._exit(1)
    from PySide6.QtCore import QSettings, QTimer

    from ui.app import SINGLE_USER, ClientSession, make_application
    from ui.settings import Settings

    app = make_application()
    session = ClientSession(None, Settings(QSettings(settings_file, QSettings.Format.IniFormat)),
                            kind=SINGLE_USER, url=database)
    session.sig_frame_shown.connect(lambda _window: QTimer.singleShot(0, _shown))
    session.sig_window_shown.connect(lambda _window: QTimer.singleShot(0, _ready))
    session.sig_finished.connect(lambda: (print("error: it did not start", flush=True),
                                          os._exit(1)))
    session.start()
    app.exec()


def team(url: str, settings_file: str) -> None:
    """As main.py opens a team's database: the sign-in (nothing is opened before it)."""
    from outbound.cli import parse

    parse(["--db", url])
    from ui.launch import check_qt_can_start

    problem = check_qt_can_start()
    if problem:
        print(f"error {problem}", flush=True)
        os._exit(1)
    from PySide6.QtCore import QSettings, QTimer

    from ui.app import TEAM, ClientSession, make_application
    from ui.settings import Settings

    app = make_application()
    session = ClientSession(None, Settings(QSettings(settings_file, QSettings.Format.IniFormat)),
                            kind=TEAM, url=url)
    session.start()                   # the sign-in dialog is open when this returns
    QTimer.singleShot(0, _shown)
    QTimer.singleShot(0, _ready)
    app.exec()


PROBES = {"client": client, "team": team}


def run(spec: str) -> int:
    kind, *rest = spec.split("|")
    if kind == "bare":
        bare()
    elif kind in PROBES and len(rest) == 2:
        PROBES[kind](*rest)
    print("error: OUTBOUND_STARTUP_PROBE is “bare”, “client|DB|SETTINGS” or "
          f"“team|URL|SETTINGS”, not “{spec}”", flush=True)
    return 2
