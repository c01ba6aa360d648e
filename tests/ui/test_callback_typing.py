"""Typing a call-back time, as an agent does: press 5, type the hour the person says."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from PySide6.QtCore import QDate, Qt

from outbound.clock import skipped_time
from outbound.forms.validate import read_time
from outbound.queue.status import queue_status
from tests.ui.test_call_screen import (
    MONDAY,
    Clock,
    at,
    build_screen,
    make_tracker,
    next_call,
    press,
)
from ui.agent import numbers
from ui.operations import Operations


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 10, 5))


@pytest.fixture
def screen(qtbot, db, clock, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    make_tracker(db)
    Operations.synchronous = True
    try:
        yield build_screen(qtbot, db, clock, tmp_path / "drafts")
    finally:
        Operations.synchronous = False


def open_picker(qtbot, screen):  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_5)
    picker = screen.page.picker
    assert picker.isVisibleTo(screen) and picker.time.hasFocus()
    return picker


@pytest.mark.parametrize("typed", ["14:30", "1430", "2.30pm", "2:30 pm"])
def test_a_typed_time_is_the_time_booked(qtbot, screen, db, clock, typed: str) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker(qtbot, screen)
    assert picker.time.text() == "11:15"                  # an hour on, to the quarter
    qtbot.keyClicks(picker.time, typed)
    assert picker.when() == at(MONDAY, 14, 30)
    assert picker.message.text() == "Call back on Monday 23 November at 14:30."
    with qtbot.waitSignal(screen.outcome_recorded) as recorded:
        press(qtbot, picker.time, Qt.Key.Key_Return)
    assert recorded.args == ["call_back"]
    assert "Call-back booked for Mon 23 Nov 14:30" in screen.waiting.last_call.text()
    status = queue_status(db, "Sam", "Care tracker", now=clock.now)
    assert status.callbacks_later == 1


def test_a_later_day_and_a_time_that_is_not_one(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker(qtbot, screen)
    qtbot.keyClicks(picker.time, "15:45")
    picker.date.setFocus()
    press(qtbot, picker.date, Qt.Key.Key_Up)                 # a day later
    assert picker.message.text() == "Call back on Tuesday 24 November at 15:45."
    picker.time.setFocus()
    picker.time.selectAll()
    qtbot.keyClicks(picker.time, "half two")
    assert "Type the time" in picker.message.text() and not picker.book.isEnabled()
    press(qtbot, picker.time, Qt.Key.Key_Return)
    assert screen.state == "call"


def test_a_time_the_clocks_skip_is_explained(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    picker = open_picker(qtbot, screen)
    picker.date.setDate(QDate(2027, 3, 28))                 # the clocks go forward
    picker.asked.setChecked(True)
    qtbot.keyClicks(picker.time, "01:30")
    assert picker.message.text() == (
        "The clocks go forward an hour on Sunday 28 March 2027, so 01:30 does not happen "
        "that night: choose another time.")
    assert not picker.book.isEnabled()
    picker.time.selectAll()
    qtbot.keyClicks(picker.time, "02:30")
    assert picker.book.isEnabled()
    assert picker.message.text() == \
        "Call back on Sunday 28 March at 02:30 (they asked for it)."


def test_times_as_people_type_them() -> None:
    assert read_time("14:30") == read_time("1430") == read_time("2.30pm") == time(14, 30)
    assert read_time("9") == time(9, 0) and read_time("930") == time(9, 30)
    assert read_time("2pm") == time(14, 0) and read_time("25:00") is None
    assert read_time("half two") is None
    assert skipped_time(date(2027, 3, 28), time(1, 30))
    assert not skipped_time(date(2027, 3, 28), time(2, 30))
    assert not skipped_time(date(2027, 3, 28) + timedelta(days=1), time(1, 30))
