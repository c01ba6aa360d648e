"""Correct details on the call (F2), by keyboard: a new number, a corrected number, an
email and the manager's name, each shown at once and kept in the contact's history."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from outbound.contact_changes import contact_changes
from outbound.contacts import get_contact
from tests.ui.test_call_screen import (  # noqa: F401
    CTRL,
    campaign,
    clock,
    dialled,
    next_call,
    press,
    screen,
)
from ui.agent.correct_details import CorrectDetails


def open_dialog(qtbot, shown) -> CorrectDetails:  # type: ignore[no-untyped-def]
    press(qtbot, shown.focusWidget(), Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CorrectDetails))
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(dialog.what.hasFocus)
    return dialog


def choose(qtbot, dialog: CorrectDetails, downs: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(downs):
        press(qtbot, dialog.what, Qt.Key.Key_Down)


def type_value(qtbot, dialog: CorrectDetails, text: str) -> None:  # type: ignore[no-untyped-def]
    press(qtbot, dialog.value, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.value, text)


def save(qtbot, shown, dialog: CorrectDetails) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, dialog.value, Qt.Key.Key_Return)
    # back on the call, ready to ring the first number
    qtbot.waitUntil(shown.page.numbers.buttons[0].hasFocus)


def test_details_are_corrected_without_leaving_the_call(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    next_call(qtbot, screen)
    assert screen.page.contact.name.text() == "Margaret Pickles"
    contact_id = screen.card.task.contact_id

    dialog = open_dialog(qtbot, screen)                    # Add a new number
    press(qtbot, dialog.what, Qt.Key.Key_Tab)
    assert dialog.value.hasFocus()
    qtbot.keyClicks(dialog.value, "999")
    press(qtbot, dialog.value, Qt.Key.Key_Return)
    assert dialog.isVisible() and "not a number we can call" in dialog.problem.text()
    type_value(qtbot, dialog, "+44 161 496 0123")
    save(qtbot, screen, dialog)
    numbers = [line.display for line in screen.card.phones]
    assert numbers[0] == "0161 496 0123" and len(numbers) == 2
    assert "0161 496 0123 added as the first number" in screen.notice.text()

    dialog = open_dialog(qtbot, screen)                    # Correct a number
    choose(qtbot, dialog, 1)
    press(qtbot, dialog.what, Qt.Key.Key_Tab)
    assert dialog.which.hasFocus()
    press(qtbot, dialog.which, Qt.Key.Key_Down)            # the imported one
    press(qtbot, dialog.which, Qt.Key.Key_Tab)
    type_value(qtbot, dialog, "0113 496 0999")
    save(qtbot, screen, dialog)
    assert [line.e164 for line in screen.card.phones] == ["+441134960999", "+441614960123"]

    dialog = open_dialog(qtbot, screen)                    # Email
    choose(qtbot, dialog, 2)
    press(qtbot, dialog.what, Qt.Key.Key_Tab)
    type_value(qtbot, dialog, "manager@ivyhouse.org.uk")
    save(qtbot, screen, dialog)

    dialog = open_dialog(qtbot, screen)                    # the manager's name
    choose(qtbot, dialog, 3)
    assert dialog.value.text() == "Margaret Pickles"
    press(qtbot, dialog.what, Qt.Key.Key_Tab)
    type_value(qtbot, dialog, "Priti Shah")
    save(qtbot, screen, dialog)
    assert screen.page.contact.name.text() == "Priti Shah"

    dialog = open_dialog(qtbot, screen)                    # Esc: nothing changes
    with qtbot.waitSignal(dialog.rejected):
        press(qtbot, dialog.what, Qt.Key.Key_Escape)

    stored = get_contact(db, contact_id)
    assert (stored.primary_phone, stored.email, stored.name) == (
        "+441134960999", "manager@ivyhouse.org.uk", "Priti Shah")
    history = contact_changes(db, contact_id)
    assert [(c.field, c.new_value, c.changed_by) for c in history] == [
        ("name", "Priti Shah", "Sam"), ("email", "manager@ivyhouse.org.uk", "Sam"),
        ("phone", "0113 496 0999", "Sam"), ("phone_added", "0161 496 0123", "Sam")]
    assert screen.state == "call"
