"""Correct details (F2 on a call): add a number, put a number right, or change the email,
the manager's or contact person's name, or their role, without leaving the call.

The engine (``outbound.contact_changes``) checks and stores each change with who and
when; a refusal ("not a number we can call") is shown in the dialog, which stays open.
Enter saves, Esc goes back to the call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from outbound.contact_changes import (
    ContactChangeError,
    add_number,
    change_detail,
    correct_number,
)
from outbound.contacts import flat_row, get_contact
from ui.agent.call_data import CallCard, PhoneLine, _phones
from ui.operations import run_in_background

# (what, the label of the box, the contact field prefilled, or None)
CHOICES = (("add_number", "Add a new number", "New number", None),
           ("correct_number", "Correct a number", "Correct number", None),
           ("email", "Email", "Email", "email"),
           ("name", "Name of the manager or contact person", "Name", "name"),
           ("role", "Their role", "Role", "role"))


def save_change(db: Any, agent: str, card: CallCard, what: str, old: str | None,
                value: str, now: datetime
                ) -> tuple[str, dict[str, Any], list[PhoneLine]] | str:
    """Make the change; the sentence to show and the contact's details as they are now,
    or the engine's refusal."""
    contact_id, task = card.task.contact_id, card.task.task_id
    try:
        if what == "add_number":
            shown = add_number(db, contact_id, value, agent=agent, task=task, now=now)
            said = f"{shown} added as the first number: it is the one rung next."
        elif what == "correct_number":
            shown = correct_number(db, contact_id, old or "", value, agent=agent, task=task,
                                   now=now)
            said = f"Number corrected to {shown}: it is the one rung next."
        else:
            stored = change_detail(db, contact_id, what, value, agent=agent, task=task,
                                   now=now)
            label = next(c[2] for c in CHOICES if c[0] == what)
            said = f"{label} changed to {stored}." if stored else f"{label} removed."
    except ContactChangeError as exc:
        return str(exc)
    contact = get_contact(db, contact_id)
    row = flat_row(contact)
    row["attributes"] = dict(contact.attributes or {})
    return said, row, _phones(contact)


class CorrectDetails(QDialog):
    """The dialog; ``result_text`` says what was saved once it is accepted."""

    def __init__(self, db: Any, agent: str, card: CallCard, clock: Callable[[], datetime],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Correct details — {card.name}")
        self.setAccessibleName("Correct details")
        self.db, self.agent, self.card, self.clock = db, agent, card, clock
        self.result_text = ""
        self.updated: tuple[dict[str, Any], list[PhoneLine]] | None = None
        self.what = QComboBox()
        self.what.setAccessibleName("What to change")
        for code, text, _label, _field in CHOICES:
            self.what.addItem(text, code)
        self.which = QComboBox()
        self.which.setAccessibleName("Which number")
        for line in card.phones:
            key = line.e164 or line.display
            extra = "" if line.usable else " (not called)"
            self.which.addItem(f"{line.display}{extra}", key)
        self.value = QLineEdit()
        self.value.setAccessibleName("New number")
        self.value.returnPressed.connect(self.save)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        form = QFormLayout()
        what_label = QLabel("&What to change")
        what_label.setBuddy(self.what)
        self.which_label = QLabel("Which &number")
        self.which_label.setBuddy(self.which)
        self.value_label = QLabel("&New number")
        self.value_label.setBuddy(self.value)
        form.addRow(what_label, self.what)
        form.addRow(self.which_label, self.which)
        form.addRow(self.value_label, self.value)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.what.currentIndexChanged.connect(self._what_changed)
        self._what_changed()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.what.setFocus(Qt.FocusReason.OtherFocusReason)

    def _what_changed(self) -> None:
        code, _text, label, field = CHOICES[self.what.currentIndex()]
        correcting = code == "correct_number"
        self.which.setVisible(correcting)
        self.which_label.setVisible(correcting)
        self.value_label.setText(f"&{label}")
        self.value.setAccessibleName(label)
        current = str(self.card.contact.get(field) or "") if field else ""
        self.value.setText(current)
        self.value.selectAll()
        self.problem.hide()
        self.setTabOrder(self.what, self.which if correcting else self.value)
        if correcting:
            self.setTabOrder(self.which, self.value)

    def save(self) -> None:
        code = CHOICES[self.what.currentIndex()][0]
        old = self.which.currentData() if code == "correct_number" else None
        if code == "correct_number" and old is None:
            self._refused("They have no number to correct: add a new number instead.")
            return
        db, agent, card, value, now = self.db, self.agent, self.card, self.value.text(), \
            self.clock()
        self.save_button.setEnabled(False)
        run_in_background(self, lambda _op: save_change(db, agent, card, code, old, value,
                                                        now),
                          self._saved, self._refused)

    def _saved(self, result: tuple[str, dict[str, Any], list[PhoneLine]] | str) -> None:
        if isinstance(result, str):
            self._refused(result)
            return
        self.result_text, contact, phones = result
        self.updated = (contact, phones)
        self.accept()

    def _refused(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.problem.setText(message)
        self.problem.show()
        self.value.setFocus(Qt.FocusReason.OtherFocusReason)
        self.value.selectAll()


def open_correct_details(screen: Any) -> CorrectDetails | None:
    """F2 on the call screen: the dialog for the call on screen; the screen shows the
    contact as it is now once a change is saved."""
    card = screen.card
    if screen.state != "call" or card is None:
        screen.notice.say("Details are corrected during a call.", "info", kind="hint")
        return None
    dialog = CorrectDetails(screen.db, screen.agent, card, screen.clock, screen)

    def saved() -> None:
        if dialog.updated is None or screen.card is not card:
            return
        card.contact, card.phones = dialog.updated
        screen.page.contact.show_contact(card.contact, card.task)
        screen.page.numbers.show_numbers(card.phones)
        screen.page.fix_tab_order()
        screen.notice.say(dialog.result_text, "success", kind="hint")
        buttons = screen.page.numbers.buttons
        if buttons:     # back on the call, ready to ring the first number
            screen.activateWindow()
            buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)

    dialog.accepted.connect(saved)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    dialog.what.setFocus(Qt.FocusReason.OtherFocusReason)
    return dialog
