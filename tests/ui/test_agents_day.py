"""The agent's day as a new agent tries it: changing campaign mid-call, a second key
for "nothing has changed", signing out or quitting mid-call, no softphone, starting
again after Outbound died mid-call, and a campaign a supervisor starts meanwhile.
Driven by keys and clicks; every question is answered as a person would answer it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from outbound.db import Database
from outbound.db.models import Task
from outbound.forms import open_form
from outbound.queue.campaigns import create_campaign, list_campaigns, set_status
from outbound.queue.claim import claim_next_task
from tests.ui.test_call_screen import (
    CTRL,
    MONDAY,
    Clock,
    at,
    build_screen,
    make_tracker,
    next_call,
    press,
    type_into,
)
from tests.ui.test_supervisor_support import activate, temp_settings
from ui.agent import numbers
from ui.agent.call_screen import CallScreen
from ui.main_window import MainWindow
from ui.operations import Operations
from ui.services import Services, SignedInUser


class Questions:
    """Answers the next question box with the button named ``answer``; keeps its text."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def answer(self, button: str, tries: int = 200) -> None:
        def look(left: int = tries) -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                if left:
                    QTimer.singleShot(10, lambda: look(left - 1))
                return
            self.seen.append(box.text())
            chosen = next(b for b in box.buttons() if b.text() == button)
            chosen.click()

        QTimer.singleShot(0, look)


@pytest.fixture
def questions() -> Questions:
    return Questions()


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 10, 5))


@pytest.fixture
def two_campaigns(db: Database) -> tuple[int, int]:
    tracker = make_tracker(db)
    registrar = create_campaign(db, "registrar_birth_booking", "Birth registrations")
    return tracker, registrar


@pytest.fixture
def screen(qtbot, db, two_campaigns, clock, tmp_path, monkeypatch) -> Iterator[CallScreen]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda url: True)
    Operations.synchronous = True
    try:
        built = build_screen(qtbot, db, clock, tmp_path / "drafts")
        choose_campaign(qtbot, built, "Care tracker")      # listed second, by name
        yield built
    finally:
        Operations.synchronous = False


def choose_campaign(qtbot, screen: CallScreen, name: str) -> None:  # type: ignore[no-untyped-def]
    """Down or Up on the campaign box, as a person moves through it."""
    box = screen.campaign_box
    box.setFocus()
    target = box.findText(name)
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    for _ in range(abs(target - box.currentIndex())):
        press(qtbot, box, key)


def holder_of(db: Database, task_id: int) -> int | None:
    with db.read() as session:
        return session.get(Task, task_id).holder_id


# ---- changing campaign mid-call ---------------------------------------------------------

def test_changing_campaign_mid_call_asks_and_cancel_keeps_the_call(
        qtbot, screen, questions) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    questions.answer("Cancel")
    choose_campaign(qtbot, screen, "Birth registrations")
    assert questions.seen and questions.seen[0].startswith(
        "You are on a call with Margaret Pickles. Release it back to the queue and switch "
        "to Birth registrations?")
    assert screen.state == "call" and screen.card.name == "Margaret Pickles"
    assert screen.campaign_box.currentText() == "Care tracker"
    buttons = screen.page.outcomes.buttons
    assert "completed" in buttons and "already_registered" not in buttons
    # 0 is not a tracker key: nothing is refused, nothing is said about registrations
    press(qtbot, screen.page.numbers.buttons[0], Qt.Key.Key_0)
    assert "already_registered" not in screen.notice.text()


def test_release_and_switch_puts_the_call_back_with_its_draft(
        qtbot, screen, questions, db, two_campaigns) -> None:  # type: ignore[no-untyped-def]
    tracker, registrar = two_campaigns
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    type_into(qtbot, screen, "nurses_employed", "12")
    screen.page.notes.setFocus()
    qtbot.keyClicks(screen.page.notes, "Manager in a meeting")
    screen.notice.say("Something about Margaret Pickles's call.", "warning", kind="hint",
                      lasting=True)
    questions.answer("Release and switch")
    choose_campaign(qtbot, screen, "Birth registrations")
    assert questions.seen
    assert screen.state == "idle" and screen.card is None
    assert screen.campaign.id == registrar
    assert "already_registered" in screen.page.outcomes.buttons
    assert "completed" not in screen.page.outcomes.buttons
    assert holder_of(db, task) is None                     # back in the queue
    template = next(c.template for c in screen.campaigns if c.id == tracker)
    opened = open_form(db, task, template)
    assert opened.from_draft and str(opened.answers["nurses_employed"]) == "12"
    assert opened.notes == "Manager in a meeting"
    # the old call's notice has gone; what is said now is about the switch
    assert "Something about" not in screen.notice.text()
    assert "Margaret Pickles is back in the queue" in screen.notice.text()


def test_a_campaigns_notice_goes_when_the_campaign_changes(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    screen.notice.say("A hint about this campaign's queue.", "warning", kind="hint",
                      lasting=True)
    choose_campaign(qtbot, screen, "Birth registrations")
    assert screen.notice.text() == ""
    choose_campaign(qtbot, screen, "Care tracker")
    next_call(qtbot, screen)
    screen.notice.say("A refusal about this call.", "warning", kind="hint", lasting=True)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backspace,
          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert screen.state == "idle"
    assert "A refusal" not in screen.notice.text()


# ---- nothing has changed ----------------------------------------------------------------
# (the second press is in test_call_screen.test_nothing_has_changed_on_the_second_round)

def test_a_single_ctrl_u_records_nothing(qtbot, db, two_campaigns, tmp_path,
                                         monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.test_call_screen import TUESDAY, answer_monday

    tracker, _registrar = two_campaigns
    answer_monday(db, tracker)
    monkeypatch.setattr(numbers, "open_in_softphone", lambda url: True)
    Operations.synchronous = True
    try:
        screen = build_screen(qtbot, db, Clock(at(TUESDAY, 10, 5)), tmp_path / "drafts")
        choose_campaign(qtbot, screen, "Care tracker")
        next_call(qtbot, screen)
        recorded: list[str] = []
        screen.outcome_recorded.connect(recorded.append)
        press(qtbot, screen.focusWidget(), Qt.Key.Key_U, CTRL)
        assert recorded == [] and screen.state == "call"
        assert "Press Ctrl+U again" in screen.notice.text()
    finally:
        Operations.synchronous = False


# ---- no softphone -----------------------------------------------------------------------

def test_no_softphone_says_so_and_copies_the_number(qtbot, screen, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda url: False)
    QApplication.clipboard().setText("")
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_D, CTRL)
    text = screen.notice.text()
    assert "No softphone is set up on this computer, so 0113 496 0001 was not rung" in text
    assert "The number is copied" in text and "extension 204" in text
    assert screen.notice.property("level") == "warning"
    assert QApplication.clipboard().text() == "01134960001"


def test_a_softphone_is_looked_for_before_handing_it_the_number(monkeypatch) -> None:
    from ui.agent import softphone

    monkeypatch.setattr(softphone.sys, "platform", "linux")
    monkeypatch.setattr(softphone.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(softphone, "_query", lambda: "")
    softphone.softphone_installed.cache_clear()
    assert not softphone.softphone_installed()
    monkeypatch.setattr(softphone, "_query", lambda: "linphone.desktop")
    softphone.softphone_installed.cache_clear()
    assert softphone.softphone_installed()
    softphone.softphone_installed.cache_clear()


# ---- starting again after Outbound stopped mid-call ------------------------------------

def test_starting_again_gives_back_the_held_call_at_once(qtbot, db, two_campaigns, clock,
                                                         tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tracker, _registrar = two_campaigns
    monkeypatch.setattr(numbers, "open_in_softphone", lambda url: True)
    held = claim_next_task(db, "Sam", tracker, now=clock.now)   # then the client died
    assert held is not None
    clock.now += timedelta(minutes=1)
    Operations.synchronous = True
    try:
        again = build_screen(qtbot, db, clock, tmp_path / "drafts")
        assert again.state == "call" and again.card.task.task_id == held.task_id
        assert "still open when Outbound closed: it is back" in again.notice.text()
    finally:
        Operations.synchronous = False
    assert claim_next_task(db, "Sam", tracker, now=clock.now).task_id != held.task_id


# ---- a campaign started meanwhile ------------------------------------------------------

def test_a_campaign_started_by_a_supervisor_appears_without_signing_out(
        qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    assert [screen.campaign_box.itemText(i) for i in range(screen.campaign_box.count())] \
        == ["Birth registrations", "Care tracker"]
    started = create_campaign(db, "bus_pass_renewal", "Bus pass renewals 2027")
    screen._queue_timer.setInterval(20)                       # half a minute, made short
    screen._queue_timer.start()
    qtbot.waitUntil(lambda: screen.campaign_box.findText("Bus pass renewals 2027") >= 0)
    assert screen.campaign_box.currentText() == "Care tracker"
    set_status(db, started, "paused")
    qtbot.waitUntil(lambda: screen.campaign_box.findText("Bus pass renewals 2027") < 0)


# ---- signing out and quitting mid-call -------------------------------------------------

def agent_window(qtbot, db: Database, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    from outbound.users import user_id

    with db.read() as session:
        uid = user_id(session, "Sam")
    settings = temp_settings(tmp_path)
    settings.last_campaign = next(c.id for c in list_campaigns(db) if c.name == "Care tracker")
    win = MainWindow(Services(db, SignedInUser(uid, "Sam", "agent"), settings))
    qtbot.addWidget(win)
    activate(qtbot, win)
    return win


@pytest.mark.parametrize("key", ["sign_out", "quit"])
def test_signing_out_or_quitting_mid_call_asks_first(qtbot, db, two_campaigns, tmp_path,
                                                     questions, monkeypatch, key) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda url: True)
    Operations.synchronous = True
    try:
        win = agent_window(qtbot, db, tmp_path)
        calls = win.screen("calls")
        calls.clock = Clock(at(MONDAY, 10, 5))
        calls.next_call()
        assert calls.state == "call"
        task = calls.card.task.task_id
        shortcut = (Qt.Key.Key_O, CTRL | Qt.KeyboardModifier.ShiftModifier) \
            if key == "sign_out" else (Qt.Key.Key_Q, CTRL)
        words = "Sign out" if key == "sign_out" else "Quit"
        questions.answer("Cancel")
        qtbot.keyClick(win, *shortcut)
        assert questions.seen[-1].startswith(
            f"You are on a call with Margaret Pickles. {words} now?")
        assert "goes back to the queue with what you have typed" in questions.seen[-1]
        assert win.isVisible() and calls.state == "call"
        questions.answer(f"{words} and put the call back")
        activate(qtbot, win)                 # the window is active again after the question
        qtbot.keyClick(win, *shortcut)
        assert len(questions.seen) == 2
        qtbot.waitUntil(lambda: not win.isVisible())
        assert holder_of(db, task) is None
    finally:
        Operations.synchronous = False


def test_the_title_and_the_help_are_the_agents(qtbot, db, two_campaigns, tmp_path) -> None:  # type: ignore[no-untyped-def]
    Operations.synchronous = True
    try:
        win = agent_window(qtbot, db, tmp_path)
        assert win.windowTitle() == "Sam — Outbound"
        qtbot.keyClick(win, Qt.Key.Key_F1)
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if w.windowTitle() == "Keyboard shortcuts" and w.isVisible())
        table = dialog.table
        rows = {(table.item(r, 0).text(), table.item(r, 1).text())
                for r in range(table.rowCount())}
        wheres = {where for where, _what in rows}
        whats = {what for _where, what in rows}
        assert wheres <= {"Everywhere", "Calls"}
        assert "Nothing has changed" in whats and "Sign out" in whats
        assert "Import a call list" not in whats and "New campaign" not in whats
        dialog.close()
    finally:
        Operations.synchronous = False


