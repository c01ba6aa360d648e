"""The agent's day as a new agent tries it: what the contact's record already says, the
waiting list's preferences, typing on after a change, and a screen that keeps still."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from outbound.booking.demo import build_demo_bookings
from outbound.contacts import ContactFilter
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol
from outbound.users import add_user
from tests.ui.test_call_screen import Clock, at, build_screen, next_call, press, row
from tests.ui.test_call_screen_booking import MONDAY
from ui.agent import numbers
from ui.agent.call_screen import CallScreen
from ui.operations import Operations

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))


@pytest.fixture
def births(qtbot, db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A registrar drive whose first parent needs a Punjabi interpreter, on the screen."""
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    Operations.synchronous = True
    add_user(db, "Sam")
    add_user(db, "Jo")
    import_rows(db, ["Name", "Telephone", "Accessibility needs"],
                [(2, ["Harpreet Kaur", "0113 496 0101", "Interpreter: Punjabi"]),
                 (3, ["Tomasz Nowak", "0113 496 0102", ""])],
                file_name="births.csv", source="Births")
    campaign = create_campaign(db, "registrar_birth_booking", "Births")
    enrol(db, campaign, where=ContactFilter(source="Births"))
    build_demo_bookings(db, MONDAY)
    screen = build_screen(qtbot, db, Clock(at(MONDAY, 10, 5)), tmp_path / "drafts")
    screen.select_campaign("Births")
    next_call(qtbot, screen)
    yield screen
    Operations.synchronous = False


def y_of(screen: CallScreen, widget) -> int:  # type: ignore[no-untyped-def]
    return widget.mapTo(screen, QPoint(0, 0)).y()


def test_the_interpreter_in_the_contacts_needs_is_filled_in_and_can_be_changed(
        qtbot, births) -> None:  # type: ignore[no-untyped-def]
    screen = births
    assert screen.page.contact.name.text() == "Harpreet Kaur"
    needed = row(screen, "interpreter_needed")
    language = row(screen, "interpreter_language")
    assert needed.editor.value() is True
    assert language.isVisibleTo(screen) and language.editor.value() == "Punjabi"
    assert needed.carried_tag.text() == "from their record"
    assert language.carried_tag.isVisibleTo(screen)
    assert not row(screen, "bsl_needed").carried_tag.isVisibleTo(screen)
    assert screen.slots.minutes == 45                       # 30, and 15 for the interpreter
    # The person says they no longer need one: the agent changes it by key.
    needed.editor.focus_target().setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_N)
    assert needed.editor.value() is False
    assert not needed.carried_tag.isVisibleTo(screen)
    assert not language.isVisibleTo(screen)
    assert screen.slots.minutes == 30
