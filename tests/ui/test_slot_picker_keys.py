"""The slot picker by keyboard: coming to the list is not a choice, the calendar goes
back as well as forward, a lapsed hold says so, and each family gets its own length."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.exceptions import TimeoutError

from tests.ui.test_call_screen import Clock, at, build_screen, next_call, press, row
from tests.ui.test_call_screen_booking import MONDAY, choose, make_drive
from ui.agent import numbers
from ui.operations import Operations

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 10, 5))


@pytest.fixture
def births(qtbot, db, clock, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    Operations.synchronous = True
    make_drive(db, "registrar_birth_booking", "Births")
    screen = build_screen(qtbot, db, clock, tmp_path / "drafts")
    screen.select_campaign("Births")
    next_call(qtbot, screen)
    yield screen
    Operations.synchronous = False


def test_tabbing_into_the_times_holds_nothing(qtbot, births) -> None:  # type: ignore[no-untyped-def]
    picker = births.slots
    picker.calendar.setFocus()
    while not picker.offers.hasFocus():
        press(qtbot, births.focusWidget(), Qt.Key.Key_Tab)
    with pytest.raises(TimeoutError):                              # nothing comes of it
        qtbot.waitUntil(lambda: picker.held is not None, timeout=600)
    assert picker.held is None and picker.part == 1
    press(qtbot, picker.offers, Qt.Key.Key_Down)
    assert picker.held is None and picker.part == 1                # browsing
    press(qtbot, picker.offers, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: picker.held is not None)
    assert picker.part == 2


def test_an_earlier_day_can_be_picked_after_a_later_one(qtbot, births) -> None:  # type: ignore[no-untyped-def]
    picker = births.slots
    calendar = picker.calendar
    first = calendar.selectedDate()
    calendar.setFocus()
    press(qtbot, births.focusWidget(), Qt.Key.Key_Down)                 # a week later
    press(qtbot, births.focusWidget(), Qt.Key.Key_Return)
    assert calendar.selectedDate() == first.addDays(7)
    press(qtbot, births.focusWidget(), Qt.Key.Key_Up)                   # and back again
    press(qtbot, births.focusWidget(), Qt.Key.Key_Return)
    assert calendar.selectedDate() == first
    assert picker.choices.offers[0].starts_at.date() == first.toPython()


def test_a_lapsed_hold_says_so(qtbot, births, clock) -> None:  # type: ignore[no-untyped-def]
    picker = births.slots
    picker._hold_watch.setInterval(10)
    choose(qtbot, births)
    assert "is held for you until 10:08" in picker.status.text()
    clock.now += timedelta(minutes=4)
    qtbot.waitUntil(lambda: "lapsed" in picker.status.text())
    assert "was held until 10:08, and the hold has lapsed" in picker.status.text()
    assert picker.held is None and not picker.book_button.isEnabled()


def test_the_next_family_gets_its_own_appointment_length(qtbot, births) -> None:  # type: ignore[no-untyped-def]
    picker = births.slots
    babies = row(births, "number_of_babies").editor.focus_target()
    babies.setFocus()
    qtbot.keyClicks(babies, "2")
    interpreter = row(births, "interpreter_needed").editor
    interpreter.focus_target().setFocus()
    press(qtbot, births.focusWidget(), Qt.Key.Key_Y)
    assert picker.title.text() == "Booking: Telephone appointment (55 minutes)"
    births.page.numbers.buttons[0].setFocus()
    with qtbot.waitSignal(births.call_loaded):
        press(qtbot, births.focusWidget(), Qt.Key.Key_2)                 # no answer
    assert picker.title.text() == "Booking: Telephone appointment (30 minutes)"
    assert picker.minutes == 30
