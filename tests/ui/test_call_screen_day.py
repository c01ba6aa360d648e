"""The agent's day as a new agent tries it: outcomes that must be true, a wrong number,
a reason for a supervisor, undoing a mistake. Driven with the keys an agent presses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outbound.booking import waiting_list
from tests.ui import test_call_screen_booking as booking_screen
from tests.ui.test_call_screen import CTRL, press
from tests.ui.test_call_screen_booking import MONDAY, at

# The booking call screen of test_call_screen_booking: two people, four weeks of places.
clock, open_screen = booking_screen.clock, booking_screen.open_screen

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))


def test_a_family_on_the_waiting_list_is_not_recorded_as_booked(qtbot, open_screen, db):  # type: ignore[no-untyped-def]
    screen = open_screen("registrar_birth_booking", "Births")
    assert screen.page.contact.name.text() == "Aisha Begum"
    press(qtbot, screen.focusWidget(), Qt.Key.Key_L, CTRL)       # when and where?
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Return)        # any day, any time
    assert len(waiting_list(db, campaign="Births")) == 1
    screen.page.numbers.buttons[0].setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_1)               # Both appointments booked
    assert screen.state == "call"
    assert ("Nothing is booked for Aisha Begum yet, so “Both appointments booked” cannot be "
            "recorded: they are on the waiting list, so record “Put on the waiting list”."
            ) in screen.notice.text()
    assert "W" in screen.page.outcomes.buttons["waiting_list"].text()
    with qtbot.waitSignal(screen.outcome_recorded) as recorded:
        press(qtbot, screen.focusWidget(), Qt.Key.Key_W)
    assert recorded.args == ["waiting_list"]
