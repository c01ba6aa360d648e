"""The idle lock of a team's client: it covers every window after the council's idle
time (or at once with Lock now), asks for the person's own password, and leaves what
was underneath exactly as it was, a call and its typed notes included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from outbound.app_settings import set_lock_after_minutes
from outbound.db.database import Password
from outbound.team import accounts
from outbound.users import add_user
from tests.ui.test_call_screen import MONDAY, at, make_tracker
from tests.ui.test_supervisor_support import activate, temp_settings
from ui.actions import MainAction
from ui.app import TEAM, ClientSession
from ui.lock import Cover, LockDialog
from ui.operations import Operations
from ui.services import SignedInUser

pytestmark = pytest.mark.clock(at(MONDAY, 10, 5))
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
PASSWORD = "blue kettle on the hill"


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    Operations.synchronous = True
    yield
    Operations.synchronous = False


@pytest.fixture
def checked(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The passwords the database was asked to check."""
    tried: list[str] = []

    def verify(db, password: str) -> bool:  # type: ignore[no-untyped-def]
        tried.append(password)
        return password == PASSWORD

    monkeypatch.setattr(accounts, "verify_password", verify)
    return tried


def signed_in(qtbot, db, tmp_path, name: str, role: str, *, keep: bool = True):  # type: ignore[no-untyped-def]
    """A team member's window, as after signing in with a password."""
    db.password = Password(PASSWORD)
    user_id = add_user(db, name, role) if name != "Sam" else _id_of(db, name)
    session = ClientSession(db, temp_settings(tmp_path), kind=TEAM, url="postgresql://x/y")
    session.open_window(SignedInUser(user_id, name, role, login=name.lower()))
    window = session.window
    if keep:        # else it is deleted by signing out
        qtbot.addWidget(window)
    activate(qtbot, window)
    return session, window


def _id_of(db, name: str) -> int:  # type: ignore[no-untyped-def]
    from outbound.users import user_id

    with db.read() as session:
        return user_id(session, name)


def lock_dialog() -> LockDialog | None:
    found = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, LockDialog) and w.isVisible()]
    return found[0] if found else None


def test_idle_time_locks_the_window_and_leaves_the_call_as_it_was(qtbot, sqlite_db,  # type: ignore[no-untyped-def]
                                                                 tmp_path, checked):
    make_tracker(sqlite_db)          # Sam, an agent, with two providers to call
    session, window = signed_in(qtbot, sqlite_db, tmp_path, "Sam", "agent")
    lock = session.lock
    assert lock is not None and lock.idle_timer.interval() == 10 * 60_000   # the default
    screen = window.screen("calls")
    with qtbot.waitSignal(screen.call_loaded, timeout=15000):
        qtbot.keyClick(screen.focusWidget() or screen, Qt.Key.Key_F5)
    notes = screen.page.notes
    notes.setFocus()
    qtbot.keyClicks(notes, "Rang the manager; call back after lunch")
    before = (window.stack.currentWidget(), screen.page, screen.card.task.task_id,
              notes.toPlainText())

    # Input keeps it open; a spell without any locks it. The idle time is a short
    # interval here instead of ten minutes.
    lock.idle_timer.setInterval(1000)
    qtbot.keyClick(notes, Qt.Key.Key_End)
    assert lock.idle_timer.isActive() and not lock.locked
    with qtbot.waitSignal(lock.sig_locked, timeout=15000):
        pass
    dialog = lock_dialog()
    assert dialog is not None and lock.locked
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.password.hasFocus()
    assert dialog.windowModality() == Qt.WindowModality.ApplicationModal
    cover = window.findChild(Cover)
    assert cover is not None and cover.isVisible() and cover.geometry() == window.rect()
    assert dialog.title.text() == "Locked: Sam"

    # A wrong password says so, and stays locked.
    qtbot.keyClicks(dialog.password, "blue kettle")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert checked == ["blue kettle"]
    assert lock.locked and dialog.banner.level == "error"
    assert "not your password" in dialog.banner.text()
    assert dialog.password.text() == "" and dialog.password.hasFocus()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Escape)     # Esc does not unlock
    assert lock.locked

    with qtbot.waitSignal(lock.sig_unlocked):
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert not lock.locked and lock_dialog() is None
    qtbot.waitUntil(lambda: window.findChild(Cover) is None)
    after = (window.stack.currentWidget(), screen.page, screen.card.task.task_id,
             notes.toPlainText())
    assert after == before
    assert screen.on_call_with() == "Margaret Pickles"
    assert lock.idle_timer.isActive()        # watching again


def unlock(qtbot, lock) -> None:  # type: ignore[no-untyped-def]
    dialog = lock_dialog()
    assert dialog is not None
    with qtbot.waitSignal(lock.sig_unlocked):
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_lock_now_by_its_key(qtbot, sqlite_db, tmp_path, checked):  # type: ignore[no-untyped-def]
    session, window = signed_in(qtbot, sqlite_db, tmp_path, "Asha Patel", "supervisor")
    window.show_screen("contacts")
    assert window.actions_by_name[MainAction.LOCK].shortcut().toString() == "Ctrl+Shift+L"
    with qtbot.waitSignal(session.lock.sig_locked):
        qtbot.keyClick(window, Qt.Key.Key_L, CTRL_SHIFT)
    # Locked, the window's own keys do nothing: the lock has the keyboard.
    qtbot.keyClick(lock_dialog(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen_key() == "contacts"
    unlock(qtbot, session.lock)
    assert window.current_screen_key() == "contacts"


def test_the_lock_covers_a_dialog_left_open_and_leaves_it_open(qtbot, sqlite_db,  # type: ignore[no-untyped-def]
                                                               tmp_path, checked):
    session, window = signed_in(qtbot, sqlite_db, tmp_path, "Asha Patel", "supervisor")
    window.show_shortcuts()               # a dialog open over the window (F1)
    helper = [w for w in QApplication.topLevelWidgets()
              if isinstance(w, QDialog) and w.isVisible()]
    assert len(helper) == 1
    session.lock.idle_timer.timeout.emit()          # the idle time has passed
    assert session.lock.locked
    assert helper[0].findChild(Cover) is not None   # its contents hidden as well
    unlock(qtbot, session.lock)
    qtbot.waitUntil(lambda: helper[0].findChild(Cover) is None)
    assert helper[0].isVisible()
    helper[0].close()


def test_the_councils_idle_time_applies(qtbot, sqlite_db, tmp_path):  # type: ignore[no-untyped-def]
    set_lock_after_minutes(sqlite_db, 3, by="Asha")
    session, _window = signed_in(qtbot, sqlite_db, tmp_path, "Asha Patel", "administrator")
    assert session.lock.idle_timer.interval() == 3 * 60_000


def test_signing_out_from_the_lock(qtbot, sqlite_db, tmp_path, checked, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ui.lock.confirm", lambda *args: True)
    session, window = signed_in(qtbot, sqlite_db, tmp_path, "Asha Patel", "supervisor",
                                keep=False)
    lock = session.lock
    lock.lock()
    dialog = lock_dialog()
    with qtbot.waitSignal(window.sig_signed_out):
        qtbot.mouseClick(dialog.sign_out_button, Qt.MouseButton.LeftButton)
    assert checked == []
    assert lock_dialog() is None and not window.isVisible()
    assert session.window is None and session.db is None
    assert session.dialog is not None
    qtbot.addWidget(session.dialog)
    lock.idle_timer.timeout.emit()              # the old lock is done with
    assert lock_dialog() is None


def test_no_lock_without_a_password(qtbot, sqlite_db, tmp_path):  # type: ignore[no-untyped-def]
    session = ClientSession(sqlite_db, temp_settings(tmp_path))
    session.open_window(SignedInUser(add_user(sqlite_db, "Pat", "supervisor"), "Pat",
                                     "supervisor", demo=True))
    qtbot.addWidget(session.window)
    assert session.lock is None
