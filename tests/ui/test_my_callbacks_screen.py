"""My call-backs on the call screen, driven by keyboard: Ctrl+K lists today's and
overdue call-backs, Enter rings the chosen one now (or says why not), and the list
follows outcomes and the screen's timer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.users import add_user
from tests.ui.test_call_screen import (
    CTRL,
    MONDAY,
    Clock,
    at,
    build_screen,
    make_tracker,
    press,
)
from ui.agent import numbers
from ui.operations import Operations

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))


def rows(screen) -> list[list[str]]:  # type: ignore[no-untyped-def]
    tree = screen.callbacks.list
    return [[tree.topLevelItem(i).text(c) for c in range(5)]
            for i in range(tree.topLevelItemCount())]


@pytest.fixture
def screen(qtbot, db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    campaign = make_tracker(db)
    promised = {}
    for minute, at_, note in ((0, at(MONDAY, 10), "Ask for the deputy manager"),
                              (1, at(MONDAY, 15), "Manager in at three")):
        task = claim_next_task(db, "Sam", campaign, now=at(MONDAY, 9, minute))
        record_outcome(db, task.task_id, "Sam", "call_back", callback_at=at_, notes=note,
                       now=at(MONDAY, 9, minute))
        promised[note] = task.task_id
    Operations.synchronous = True
    try:
        shown = build_screen(qtbot, db, Clock(at(MONDAY, 10, 5)), tmp_path / "drafts")
        shown.promised = promised
        yield shown
    finally:
        Operations.synchronous = False


def test_ctrl_k_lists_my_call_backs_and_enter_rings_one_now(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    assert screen.callbacks.isHidden()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_K, CTRL)
    panel = screen.callbacks
    assert panel.isVisible() and panel.list.hasFocus()
    assert rows(screen) == [
        ["Overdue: 10:00", "Margaret Pickles", "Ivy House", "Care tracker",
         "Ask for the deputy manager"],
        ["15:00", "Jack Khan", "Oak Lodge", "Care tracker", "Manager in at three"]]
    assert panel.title.text() == "My call-backs: 2 call-backs to make, 1 overdue"
    assert "Overdue" in panel.list.topLevelItem(0).data(
        0, Qt.ItemDataRole.AccessibleTextRole)

    # Jack's is at three: too early to ring, and the screen says so
    press(qtbot, panel.list, Qt.Key.Key_Down)
    press(qtbot, panel.list, Qt.Key.Key_Return)
    assert "too early: the call-back to Jack Khan is at 15:00" in screen.notice.text()
    assert screen.state == "idle"

    # Margaret's is overdue: Enter makes it the call
    press(qtbot, panel.list, Qt.Key.Key_Up)
    with qtbot.waitSignal(screen.call_loaded) as loaded:
        press(qtbot, panel.list, Qt.Key.Key_Return)
    assert loaded.args == [screen.promised["Ask for the deputy manager"]]
    assert screen.page.contact.name.text() == "Margaret Pickles"
    assert screen.card.task.reason == "callback"

    # Enter again while on the call does not take another
    press(qtbot, panel.list, Qt.Key.Key_Down)
    press(qtbot, panel.list, Qt.Key.Key_Return)
    assert "Finish this call first" in screen.notice.text()

    # an outcome recorded: the list follows
    screen.page.numbers.buttons[0].setFocus()
    with qtbot.waitSignal(screen.outcome_recorded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_2)        # no answer
    assert [r[1] for r in rows(screen)] == ["Jack Khan"]

    # the screen's timer: at ten past three Jack's is overdue
    screen.clock.now = at(MONDAY, 15, 10)
    screen._queue_timer.timeout.emit()
    assert rows(screen)[0][0] == "Overdue: 15:00"

    # Esc hides the list and gives the keys back to the call screen
    panel.list.setFocus()
    press(qtbot, panel.list, Qt.Key.Key_Escape)
    assert panel.isHidden()


def test_a_call_back_another_agent_is_on_is_refused(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    # Sam let it run past the grace; Priya's next call was Margaret's call-back
    add_user(db, "Priya")
    screen.clock.now = at(MONDAY, 10, 20)
    taken = claim_next_task(db, "Priya", screen.campaign.id, now=at(MONDAY, 10, 20))
    assert taken.task_id == screen.promised["Ask for the deputy manager"]
    press(qtbot, screen.focusWidget(), Qt.Key.Key_K, CTRL)
    assert rows(screen)[0][1] == "Margaret Pickles"
    press(qtbot, screen.callbacks.list, Qt.Key.Key_Return)
    assert "Another agent is on the call to Margaret Pickles now." in screen.notice.text()
    assert screen.state == "idle" and screen.card is None


def test_the_panel_lies_over_the_call_and_esc_closes_it_even_when_empty(
        qtbot, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    make_tracker(db)
    Operations.synchronous = True
    try:
        screen = build_screen(qtbot, db, Clock(at(MONDAY, 10, 5)), tmp_path / "drafts")
        pages_before, width_before = screen.pages.geometry(), screen.window().width()
        press(qtbot, screen.focusWidget(), Qt.Key.Key_K, CTRL)
        panel = screen.callbacks
        assert panel.isVisible() and panel.empty.isVisible()
        # Nothing on the call moves, and the window grows no wider.
        assert screen.pages.geometry() == pages_before
        assert screen.window().width() == width_before
        assert screen.pages.geometry().contains(panel.geometry())
        press(qtbot, screen.focusWidget(), Qt.Key.Key_Escape)
        assert panel.isHidden()
    finally:
        Operations.synchronous = False
