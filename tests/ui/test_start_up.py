"""Starting the client on a single-user file: the window shows first, saying the
database is opening, and the file is opened behind it as the computer's account; a
file that cannot be opened closes that window with a sentence and exit status 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.ui.test_supervisor_support import temp_settings
from ui.app import SINGLE_USER, TEAM, ClientSession
from ui.main_window import MainWindow
from ui.operations import Operations
from ui.widgets.common import ScreenMessage

pytestmark = pytest.mark.clock(datetime(2026, 11, 23, 10, 5, tzinfo=UTC))


@pytest.fixture
def in_background() -> Iterator[None]:
    """The database opened on a pool thread, as in the client (not at once)."""
    before, Operations.synchronous = Operations.synchronous, False
    yield
    Operations.synchronous = before


@pytest.fixture
def session_closed() -> Iterator[list[ClientSession]]:
    sessions: list[ClientSession] = []
    yield sessions
    for session in sessions:
        if session.db is not None:
            session.db.close()


def test_the_window_shows_first_and_is_filled_in_once_the_file_is_open(  # type: ignore[no-untyped-def]
        qtbot, tmp_path, monkeypatch, in_background, session_closed):
    monkeypatch.setattr("getpass.getuser", lambda: "jo.bloggs")
    path = tmp_path / "own.db"
    session = ClientSession(None, temp_settings(tmp_path), kind=SINGLE_USER, url=str(path))
    session_closed.append(session)
    seen: list[tuple[MainWindow, str, str]] = []

    def frame_shown(frame: MainWindow) -> None:
        message = frame.centralWidget()
        assert isinstance(message, ScreenMessage)
        seen.append((frame, frame.windowTitle(), message.text))

    session.sig_frame_shown.connect(frame_shown)
    with qtbot.waitSignal(session.sig_window_shown, timeout=20_000) as shown:
        session.start()
        assert session.db is None and len(seen) == 1   # on screen before the file opens
    window = shown.args[0]
    qtbot.addWidget(window)
    frame, title, message = seen[0]
    assert frame is window                              # filled in, not a second window
    assert (title, message) == ("Outbound", "Opening the database…")
    assert window.isVisible() and window.windowTitle() == "jo.bloggs — Outbound"
    assert window.services.user.role == "administrator"
    assert window.current_screen_key() == "campaigns"
    assert path.exists() and session.exit_status == 0


def test_a_file_that_is_not_an_outbound_database_closes_the_window_with_a_sentence(  # type: ignore[no-untyped-def]
        qtbot, tmp_path, capsys, in_background, session_closed):
    notes = tmp_path / "notes.db"
    notes.write_text("milk, eggs, bread\n")
    session = ClientSession(None, temp_settings(tmp_path), kind=SINGLE_USER, url=str(notes))
    session_closed.append(session)
    frames: list[MainWindow] = []
    session.sig_frame_shown.connect(frames.append)
    with qtbot.waitSignal(session.sig_finished, timeout=20_000):
        session.start()
    qtbot.waitUntil(lambda: not frames[0].isVisible())
    assert session.window is None and session.db is None and session.exit_status == 1
    error = capsys.readouterr().err
    assert error.startswith("Error: ") and "Traceback" not in error
    assert notes.read_text() == "milk, eggs, bread\n"        # left as it was


@pytest.mark.parametrize(("address", "kind"), [
    ("postgresql://dbserver.council.local/outbound", TEAM),
    ("postgres://dbserver.council.local/outbound", TEAM),
    ("postgresql+psycopg://dbserver/outbound", TEAM),
    ("sqlite:///C:/Outbound/team.db", SINGLE_USER),
    ("own.db", SINGLE_USER),
])
def test_launching_opens_nothing_before_the_window(monkeypatch, address, kind):  # type: ignore[no-untyped-def]
    from ui import launch

    started = []
    monkeypatch.setattr("ui.app.run_client", lambda db, user=None, **how: started.append(
        (db, how)) or 0)
    monkeypatch.setattr("outbound.db.open_database",
                        lambda *a, **k: pytest.fail("opened before the window showed"))
    assert launch.launch(argparse.Namespace(demo=False, db=address)) == 0
    assert started == [(None, {"kind": kind, "url": address})]


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="Linux only")
def test_the_system_libraries_qt_lacks_are_named_by_their_packages():  # type: ignore[no-untyped-def]
    from ui.launch import _loadable, missing_system_packages

    lacking = {"xcb-cursor", "EGL"}
    loadable = lambda name, file_name: name not in lacking  # noqa: E731
    assert missing_system_packages("xcb", loadable) == ["libegl1", "libxcb-cursor0"]
    assert missing_system_packages("offscreen", loadable) == ["libegl1"]
    assert _loadable("c", "libc.so.6")
    assert not _loadable("outbound-no-such-library", "liboutbound-no-such-library.so.9")


@pytest.mark.parametrize("url", [
    "postgresql://dbserver.council.local/outbound",
    "postgresql://sam@dbserver:5433/outbound?sslmode=require",
    "postgresql://pat.ward:secret@10.0.0.5/out%20bound",
    "postgresql:///outbound?host=/var/run/postgresql",
    "postgresql://[::1]:5432/outbound",
    "postgres://jo%2Ebloggs@db/outbound",
    "postgresql+psycopg://db/outbound",
])
def test_the_sign_in_reads_an_address_as_the_database_layer_does(url, monkeypatch):  # type: ignore[no-untyped-def]
    """The sign-in shows where and as whom before SQLAlchemy is loaded; it must read the
    address as the connection will."""
    from outbound.db.database import resolve_url
    from outbound.team import accounts
    from outbound.team.address import default_login, server_address

    monkeypatch.setattr("getpass.getuser", lambda: "computer.account")
    theirs, mine = accounts.server_url(url), server_address(url)
    assert (mine.host, mine.port, mine.database) == (theirs.host, theirs.port, theirs.database)
    assert default_login(url) == (resolve_url(url).username or "computer.account")
