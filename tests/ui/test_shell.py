"""The shell: signing in, moving between screens by keyboard, remembering the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication

from outbound.users import add_user
from tests.ui.test_supervisor_support import activate, services_for, temp_settings
from ui.app import ClientSession
from ui.main_window import SCREENS, MainWindow
from ui.operations import Operations
from ui.signin import SignInDialog
from ui.widgets.common import ScreenMessage


@pytest.fixture(autouse=True)
def synchronous():
    Operations.synchronous = True
    yield
    Operations.synchronous = False


@pytest.fixture
def window(qtbot, sqlite_db, tmp_path):
    win = MainWindow(services_for(sqlite_db, tmp_path))
    qtbot.addWidget(win)
    activate(qtbot, win)
    return win


def test_signing_in_by_keyboard_opens_the_window_and_remembers_who(qtbot, sqlite_db,
                                                                   tmp_path):
    add_user(sqlite_db, "Amira", "agent")
    add_user(sqlite_db, "Bernard", "supervisor")
    settings = temp_settings(tmp_path)
    session = ClientSession(sqlite_db, settings)
    session.start()
    dialog = session.dialog
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    assert dialog.people.count() == 2
    qtbot.keyClick(dialog.people, Qt.Key.Key_Down)
    assert "Bernard" in dialog.people.currentItem().text()
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    window = shown.args[0]
    qtbot.addWidget(window)
    assert settings.last_user == "Bernard"
    assert "Bernard (supervisor)" in window.user_label.text()
    assert sqlite_db.description in window.database_label.text()

    again = SignInDialog(sqlite_db, settings)
    qtbot.addWidget(again)
    assert "Bernard" in again.people.currentItem().text()


def test_adding_a_user_at_sign_in(qtbot, sqlite_db, tmp_path):
    dialog = SignInDialog(sqlite_db, temp_settings(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.people.count() == 0
    assert dialog.add_box.isVisible()  # nobody yet: the form is open
    qtbot.keyClicks(dialog.new_name, "Chidi Okafor")
    qtbot.keyClick(dialog.new_name, Qt.Key.Key_Return)
    assert dialog.people.count() == 1
    assert dialog.result() == 0  # Enter in the name field did not sign anyone in
    assert dialog.people.currentItem().text() == "Chidi Okafor — Agent"
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    assert dialog.signed_in.name == "Chidi Okafor"
    assert not dialog.signed_in.is_supervisor


def test_ctrl_digits_move_between_the_seven_screens(window, qtbot):
    supervisors = [s for s in SCREENS if not s.for_administrators_only]
    assert window.screen_keys() == [s.key for s in supervisors]
    for digit, spec in enumerate(supervisors, start=1):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{digit}"),
                       Qt.KeyboardModifier.ControlModifier)
        assert window.current_screen_key() == spec.key
        assert window.stack.currentWidget() is window.screens[spec.key]
        assert window.navigation.currentItem().text() == spec.title


def test_agents_see_only_the_call_screen(qtbot, sqlite_db, tmp_path):
    win = MainWindow(services_for(sqlite_db, tmp_path, "Amira", "agent"))
    qtbot.addWidget(win)
    activate(qtbot, win)
    assert window_keys(win) == ["calls"]
    qtbot.keyClick(win, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert win.current_screen_key() == "calls"


def window_keys(win: MainWindow) -> list[str]:
    return [win.navigation.item(i).text().lower() for i in range(win.navigation.count())]


def test_a_missing_call_screen_says_so(window, qtbot, monkeypatch):
    import importlib

    real = importlib.import_module

    def without_agent(name, *args):
        if name.startswith("ui.agent"):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return real(name, *args)

    monkeypatch.setattr("ui.main_window.importlib.import_module", without_agent)
    window.screens.pop("calls", None)
    window.show_screen("calls")
    screen = window.screens["calls"]
    assert isinstance(screen, ScreenMessage)
    assert "not installed" in screen.text


def test_window_size_and_splitter_are_remembered(qtbot, sqlite_db, tmp_path):
    services = services_for(sqlite_db, tmp_path)
    first = MainWindow(services)
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 540)
    first.show_screen("contacts")
    first.splitter.setSizes([200, 560])
    sizes = first.splitter.sizes()
    first.close()

    second = MainWindow(services)
    qtbot.addWidget(second)
    second.show()
    assert second.size() == QSize(760, 540)
    assert second.splitter.sizes() == sizes
    assert second.current_screen_key() == "contacts"


def test_signing_out_returns_to_the_sign_in_list(qtbot, sqlite_db, tmp_path):
    settings = temp_settings(tmp_path)
    session = ClientSession(sqlite_db, settings)
    services = services_for(sqlite_db, tmp_path)
    session.open_window(services.user)
    window = session.window
    qtbot.addWidget(window)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_O,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert session.dialog is not None
    qtbot.addWidget(session.dialog)
    assert session.dialog.isVisible()
    assert not window.isVisible()
    assert QApplication.instance() is not None


def test_a_screens_own_keys_win_over_the_windows(window):
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QWidget

    from ui.actions import MainAction

    screen = QWidget()
    own = QAction("Next call", screen)
    own.setShortcuts([QKeySequence("F5"), QKeySequence("Space")])
    screen.addAction(own)
    window._yield_shortcuts_to(screen)
    assert not window.actions_by_name[MainAction.REFRESH].isEnabled()
    assert window.actions_by_name[MainAction.FIND].isEnabled()
    window._yield_shortcuts_to(QWidget())
    assert window.actions_by_name[MainAction.REFRESH].isEnabled()


def test_keyboard_shortcuts_help_lists_every_action(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialogs = [w for w in QApplication.topLevelWidgets()
               if w.windowTitle() == "Keyboard shortcuts" and w.isVisible()]
    assert dialogs
    table = dialogs[0].table
    keys = {table.item(r, 2).text() for r in range(table.rowCount())}
    assert {"Ctrl+1", "Ctrl+7", "Ctrl+N", "F5"} <= keys
    whats = {table.item(r, 1).text() for r in range(table.rowCount())}
    # the call screen's own keys too
    assert {"Nothing has changed", "Put this call back", "Record an outcome"} <= whats
    dialogs[0].close()


def test_overdue_call_backs_show_in_the_status_bar(window, qtbot):
    from datetime import UTC, datetime

    from outbound.schedule import OverdueCallback

    due = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    window.show_overdue([OverdueCallback(1, 1, "Oak House", None, due),
                         OverdueCallback(2, 1, "Elm Court", "Amira", due)])
    assert window.overdue_button.isVisible()
    assert window.overdue_button.text() == "2 call-backs overdue"
    qtbot.mouseClick(window.overdue_button, Qt.MouseButton.LeftButton)
    assert window.current_screen_key() == "dashboard"
    window.show_overdue([])
    assert not window.overdue_button.isVisible()


def test_the_scheduler_starts_after_the_window_and_screens_can_reach_it(qtbot, sqlite_db,
                                                                        tmp_path):
    session = ClientSession(sqlite_db, temp_settings(tmp_path), run_scheduler=True)
    services = services_for(sqlite_db, tmp_path)
    session.open_window(services.user)
    qtbot.addWidget(session.window)
    link = session.window.services.scheduler
    assert link is session.scheduler
    assert link.scheduler is None  # not yet: start-up does not wait for it
    session.window.services.campaigns_changed()  # harmless before it starts
    session.stop()


def test_every_control_a_person_can_reach_has_a_name(window, sqlite_db):
    from PySide6.QtWidgets import QAbstractButton, QWidget

    from outbound.demo import build_demo

    build_demo(sqlite_db, scale=0.02)
    unnamed = []
    for key in window.screen_keys():
        if key == "calls":  # the call screen has its own tests
            continue
        screen = window.show_screen(key)
        screen.refresh()
        for widget in screen.findChildren(QWidget):
            if not widget.isVisibleTo(screen) \
                    or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or text):
                unnamed.append(f"{key}: {type(widget).__name__} in "
                               f"{type(widget.parent()).__name__}")
    assert unnamed == []


def test_after_signing_out_no_screen_hears_the_scheduler(qtbot, sqlite_db, tmp_path, caplog,
                                                          capfd):
    """The scheduler outlives the window: after sign-out, whatever it says reaches no
    screen of the closed window, and no slot fails on a deleted one."""
    import logging
    from datetime import UTC, datetime

    import shiboken6

    from outbound.queue.campaigns import create_campaign
    from outbound.schedule import JobOutcome
    from ui import theme
    from ui.app import SchedulerLink

    caplog.set_level(logging.DEBUG)
    add_user(sqlite_db, "Bernard", "administrator")     # every screen there is
    create_campaign(sqlite_db, "care_capacity_tracker", "Care tracker")   # jobs to list
    session = ClientSession(sqlite_db, temp_settings(tmp_path))
    session.scheduler = SchedulerLink(sqlite_db, session)   # its signals; no jobs run
    session.start()
    qtbot.addWidget(session.dialog)
    qtbot.waitExposed(session.dialog)
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        qtbot.keyClick(session.dialog.people, Qt.Key.Key_Return)
    window = shown.args[0]
    activate(qtbot, window)
    for digit, spec in enumerate(SCREENS, start=1):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{digit}"),
                       Qt.KeyboardModifier.ControlModifier)
        assert window.current_screen_key() == spec.key
    screens = list(window.screens.values())
    assert len(screens) == len(SCREENS)
    assert not any(isinstance(screen, ScreenMessage) for screen in screens)

    qtbot.keyClick(window, Qt.Key.Key_O,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.addWidget(session.dialog)
    assert session.window is None and session.dialog.isVisible()
    qtbot.waitUntil(lambda: not any(shiboken6.isValid(s) for s in [window, *screens]))

    moment = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    outcome = JobOutcome("sweep-leases", "2026-11-18T10:00", "done",
                         "No claims had run out.", moment, moment)
    with qtbot.capture_exceptions() as exceptions:
        for _ in range(4):
            session.scheduler.job_finished.emit(outcome)
        session.scheduler.callbacks_overdue.emit([])
        theme.events.sig_changed.emit()
    assert [str(error[1]) for error in exceptions] == []
    assert "already deleted" not in caplog.text
    assert "already deleted" not in capfd.readouterr().err
